/**
 * A hostile API on 127.0.0.1 (port 0) that copies the WHOLE request (method, URL with query,
 * headers, body) into its answers, so that any secret a request carried is in the answer the
 * package quotes in its errors. HTTP, or HTTPS with a given certificate (asking for a client
 * certificate, and recording whether one was presented).
 *
 *   /status/N[?form=json|text|straddle:<header>]  status N with the request echoed:
 *                      json      {"error": "...", "request": {...}} (JSON-escaped secrets)
 *                      text      a plain-text dump (raw secrets)
 *                      straddle  the named header's value starts at character 290 (across a 300-char cut)
 *                      json2     a JSON answer quoting the json answer as a JSON STRING (a login error
 *                                quoting the request body: secrets double-escaped)
 *                      json3     one level deeper still
 *                      b64       a JSON answer carrying the whole request dump base64-encoded
 *   /redirect?to=URL&status=302     a redirect (the target is NOT requested by this server)
 *   /token                          OAuth2 token endpoint: a fresh access_token (recorded in `issued`)
 *   /v2/authenticate/login          Conversation Orchestrator v2 login: a fresh token
 *   anything else                   200 with the request echoed as JSON
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';

export interface EchoRequest {
	method: string;
	url: string;
	headers: http.IncomingHttpHeaders;
	body: string;
	/** HTTPS only: whether the client presented a certificate. */
	clientCert: boolean;
}

export interface EchoServer {
	url: string;
	requests: EchoRequest[];
	/** Tokens this server issued (for the secret scanner). */
	issued: string[];
	/** Answer every other path with this status and form (instead of 200 JSON), until reset with null. */
	setMode(mode: { status: number; form: string } | null): void;
	close(): Promise<void>;
}

export interface EchoOptions {
	tls?: { key: string; cert: string; ca?: string };
}

export async function startEchoServer(options: EchoOptions = {}): Promise<EchoServer> {
	const requests: EchoRequest[] = [];
	const issued: string[] = [];
	const sockets = new Set<Socket>();
	let mode: { status: number; form: string } | null = null;
	const handler: http.RequestListener = (req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (c: Buffer) => chunks.push(c));
		req.on('end', () => {
			const url = new URL(req.url ?? '/', 'http://127.0.0.1');
			const socket = req.socket as TLSSocket;
			const record: EchoRequest = {
				method: req.method ?? 'GET',
				url: req.url ?? '/',
				headers: req.headers,
				body: Buffer.concat(chunks).toString('utf8'),
				clientCert: typeof socket.getPeerCertificate === 'function' ? Object.keys(socket.getPeerCertificate() ?? {}).length > 0 : false,
			};
			requests.push(record);
			const send = (status: number, type: string, body: string, headers: Record<string, string> = {}) => {
				res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), ...headers });
				res.end(body);
			};
			if (url.pathname === '/token' || url.pathname === '/v2/authenticate/login') {
				const token = `echo-token-${randomBytes(12).toString('hex')}`;
				issued.push(token);
				send(200, 'application/json', JSON.stringify({ access_token: token, token_type: 'Bearer', expires_in: 3600 }));
				return;
			}
			if (url.pathname === '/redirect') {
				send(Number(url.searchParams.get('status') ?? 302), 'text/plain', 'moved', { location: url.searchParams.get('to') ?? '/' });
				return;
			}
			const match = /^\/status\/(\d{3})/.exec(url.pathname);
			const status = match ? Number(match[1]) : (mode?.status ?? 200);
			const form = url.searchParams.get('form') ?? mode?.form ?? 'json';
			const dump = { method: record.method, url: record.url, headers: record.headers, body: record.body };
			if (form === 'text') {
				send(status, 'text/plain', `request was:\n${record.method} ${record.url}\n${Object.entries(record.headers).map(([k, v]) => `${k}: ${String(v)}`).join('\n')}\n\n${record.body}`);
			} else if (form.startsWith('straddle:')) {
				const name = form.slice('straddle:'.length).toLowerCase();
				const value = String(record.headers[name] ?? new URL(record.url, 'http://x').searchParams.get(name) ?? '');
				send(status, 'text/plain', `${'e'.repeat(290)}${value} and more text after the value`);
			} else if (form === 'json2' || form === 'json3') {
				// The body first: what a login error quotes (and within the 300 characters a snippet keeps).
				let text = JSON.stringify({ error: 'echo', request: { body: record.body, method: record.method, url: record.url, headers: record.headers } });
				for (let level = form === 'json2' ? 1 : 2; level > 0; level--) text = JSON.stringify({ error: 'login failed', detail: text });
				send(status, 'application/json', text);
			} else if (form === 'b64') {
				send(status, 'application/json', JSON.stringify({ error: 'echo', request: Buffer.from(JSON.stringify({ body: record.body, method: record.method, url: record.url, headers: record.headers })).toString('base64') }));
			} else {
				send(status, 'application/json', JSON.stringify({ error: 'echo', request: dump }));
			}
		});
	};
	const server = options.tls
		? https.createServer({ key: options.tls.key, cert: options.tls.cert, ca: options.tls.ca, requestCert: true, rejectUnauthorized: false }, handler)
		: http.createServer(handler);
	server.on('connection', (s: Socket) => {
		sockets.add(s);
		s.on('close', () => sockets.delete(s));
	});
	server.on('secureConnection', (s: Socket) => {
		sockets.add(s);
		s.on('close', () => sockets.delete(s));
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const port = (server.address() as AddressInfo).port;
	return {
		url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
		requests,
		issued,
		setMode: (m) => {
			mode = m;
		},
		close: () =>
			new Promise<void>((resolve) => {
				for (const s of sockets) s.destroy();
				server.close(() => resolve());
			}),
	};
}
