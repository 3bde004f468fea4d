'use strict';
/**
 * The benchmark's mutual-TLS server, run in its OWN process (bench/mtls-server.ts forks it) so that
 * the client under test (n8n, or raw undici in the bench process) and the server do not share an
 * event loop. Plain CommonJS, no dependencies: Node `https` with `requestCert` +
 * `rejectUnauthorized`, keep-alive, on 127.0.0.1 and a free port.
 *
 * Counts full TLS handshakes (`secureConnection`; resumed sessions counted separately), requests,
 * failed client handshakes, open and peak concurrent connections, and the process CPU time.
 * Key material arrives over IPC (never argv/env). IPC messages:
 *   {type:'start', key, cert, ca}  -> {type:'listening', port}
 *   {type:'counts', id}            -> {type:'counts', id, counts}
 *   {type:'events', id}            -> {type:'events', id, handshakes: [ms...], requests: [ms...]}
 *                                     (Date.now() of each handshake / request since the last reset)
 *   {type:'reset', id, keepConnections?} -> {type:'reset', id}   (open connections are closed unless keepConnections)
 *   {type:'close', id}             -> {type:'closed', id}, then exit
 */
const https = require('node:https');

let server;
let counts;
let events;
let open = 0;
const sockets = new Set();

function zero() {
	const cpu = process.cpuUsage();
	events = { handshakes: [], requests: [] };
	counts = {
		handshakes: 0,
		resumed: 0,
		requests: 0,
		clientErrors: 0,
		peakConnections: 0,
		cpuStart: cpu.user + cpu.system,
		since: Date.now(),
	};
}

function snapshot() {
	const cpu = process.cpuUsage();
	return {
		handshakes: counts.handshakes,
		resumed: counts.resumed,
		requests: counts.requests,
		clientErrors: counts.clientErrors,
		openConnections: open,
		peakConnections: counts.peakConnections,
		cpuMs: Math.round((cpu.user + cpu.system - counts.cpuStart) / 1000),
		wallMs: Date.now() - counts.since,
	};
}

function start(msg) {
	zero();
	server = https.createServer(
		{ key: msg.key, cert: msg.cert, ca: msg.ca, requestCert: true, rejectUnauthorized: true, keepAliveTimeout: 30_000 },
		(req, res) => {
			counts.requests++;
			events.requests.push(Date.now());
			const chunks = [];
			req.on('data', (c) => chunks.push(c));
			req.on('end', () => {
				const i = Number(new URL(req.url, 'https://127.0.0.1').searchParams.get('i'));
				const body = JSON.stringify({
					ok: true,
					...(Number.isInteger(i) ? { i } : {}),
					method: req.method,
					path: req.url,
					client: req.socket.getPeerCertificate().subject?.CN ?? null,
					received: Buffer.concat(chunks).length,
				});
				res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
				res.end(body);
			});
		},
	);
	server.on('secureConnection', (socket) => {
		counts.handshakes++;
		events.handshakes.push(Date.now());
		if (socket.isSessionReused()) counts.resumed++;
	});
	server.on('connection', (socket) => {
		open++;
		sockets.add(socket);
		if (open > counts.peakConnections) counts.peakConnections = open;
		socket.on('close', () => {
			open--;
			sockets.delete(socket);
		});
	});
	server.on('tlsClientError', () => {
		counts.clientErrors++;
	});
	server.listen(0, '127.0.0.1', () => process.send({ type: 'listening', port: server.address().port }));
}

process.on('message', (msg) => {
	switch (msg && msg.type) {
		case 'start':
			start(msg);
			break;
		case 'counts':
			process.send({ type: 'counts', id: msg.id, counts: snapshot() });
			break;
		case 'events':
			process.send({ type: 'events', id: msg.id, ...events });
			break;
		case 'reset':
			// Idle keep-alive sockets from the previous scenario would let the next one skip handshakes.
			if (!msg.keepConnections) for (const s of sockets) s.destroy();
			zero();
			process.send({ type: 'reset', id: msg.id });
			break;
		case 'close':
			for (const s of sockets) s.destroy();
			server.close(() => {
				process.send({ type: 'closed', id: msg.id }, () => process.exit(0));
			});
			break;
	}
});
process.on('disconnect', () => process.exit(0));
