/**
 * The sample mutual-TLS target: an HTTPS server on 127.0.0.1 (random port) that requires a client
 * certificate issued by the emulator's test CA. It counts TLS handshakes and requests, and answers
 * `/echo` (any method; GET/POST documented) with what it received. The Authorization header is never
 * echoed: only its scheme and a SHA-256 of the whole value, so tests can check which value arrived.
 */
import { createHash } from 'node:crypto';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { emulatorPki } from './pki';
import { readBody } from './http';

export interface MtlsTarget {
	url: string;
	handshakes(): number;
	requests(): number;
	resetCounts(): void;
	close(): Promise<void>;
}

export async function startMtlsTarget(): Promise<MtlsTarget> {
	const pki = emulatorPki();
	let handshakes = 0;
	let requests = 0;
	const server = https.createServer(
		{ key: pki.server.keyPem, cert: pki.server.certPem, ca: [pki.caPem], requestCert: true, rejectUnauthorized: true },
		async (req, res) => {
			requests++;
			const body = await readBody(req).catch(() => Buffer.alloc(0));
			const url = new URL(req.url ?? '/', 'https://127.0.0.1');
			if (url.pathname !== '/echo') {
				const text = JSON.stringify({ error: 'not found', path: url.pathname });
				res.writeHead(404, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
				res.end(text);
				return;
			}
			const peer = (req.socket as TLSSocket).getPeerCertificate();
			const headers: Record<string, string | string[] | undefined> = { ...req.headers };
			delete headers.authorization;
			const auth = req.headers.authorization;
			const status = Number(url.searchParams.get('status') ?? 200);
			const text = JSON.stringify({
				method: req.method,
				path: req.url,
				headers,
				body: body.toString('utf8'),
				bodyBase64: body.toString('base64'),
				clientCertificateSubject: peer && peer.subject ? `CN=${peer.subject.CN}` : null,
				authorizationScheme: auth ? auth.split(' ')[0] : null,
				authorizationSha256: auth ? createHash('sha256').update(auth).digest('hex') : null,
			});
			res.writeHead(status >= 200 && status <= 599 ? status : 200, {
				'content-type': 'application/json',
				'content-length': Buffer.byteLength(text),
				'x-echo-target': 'sandbox',
			});
			res.end(text);
		},
	);
	server.on('secureConnection', () => {
		handshakes++;
	});
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => resolve());
	});
	const { port } = server.address() as AddressInfo;
	return {
		url: `https://127.0.0.1:${port}`,
		handshakes: () => handshakes,
		requests: () => requests,
		resetCounts: () => {
			handshakes = 0;
			requests = 0;
		},
		close: () =>
			new Promise<void>((resolve) => {
				server.close(() => resolve());
				server.closeAllConnections();
			}),
	};
}
