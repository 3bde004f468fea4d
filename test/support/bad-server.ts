/**
 * A plain HTTP server on 127.0.0.1 (port 0) that answers badly on purpose, one behaviour per path:
 *
 *   /html         200 text/html page            /empty        200 with an empty body
 *   /truncated    200 JSON cut mid-body, then the socket is destroyed (connection reset mid-response)
 *   /notjson      200 application/json "{not json"
 *   /wrong-shape  200 JSON of an unexpected shape ({"unexpected": [1,2,3]})
 *   /array        200 JSON array                 /big?kb=N     200 JSON of N KiB (default 2048)
 *   /slow?ms=N    answers after N ms (default 10 s)
 *   /reset        destroys the socket before answering
 *   /status/N     status N (+ Retry-After from ?retryAfter=)
 *   /token/...    the same behaviours for token endpoints (POST), e.g. /token/html
 *   /ok           200 {"ok":true}
 *
 * Counts requests per path (`count(path)`).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';

export interface BadServer {
	url: string;
	count(path: string): number;
	close(): Promise<void>;
}

export async function startBadServer(): Promise<BadServer> {
	const counts = new Map<string, number>();
	const sockets = new Set<Socket>();
	const timers = new Set<NodeJS.Timeout>();
	const server = http.createServer((req, res) => {
		const url = new URL(req.url ?? '/', 'http://127.0.0.1');
		const path = url.pathname.replace(/^\/token(?=\/)/, '');
		counts.set(url.pathname, (counts.get(url.pathname) ?? 0) + 1);
		req.resume();
		req.on('end', () => {
			const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
				const text = JSON.stringify(body);
				res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
				res.end(text);
			};
			switch (true) {
				case path === '/html':
					res.writeHead(200, { 'content-type': 'text/html' });
					res.end('<!doctype html><html><head><title>Sign in</title></head><body>Proxy login page</body></html>');
					return;
				case path === '/empty':
					res.writeHead(200, { 'content-type': 'application/json', 'content-length': '0' });
					res.end();
					return;
				case path === '/truncated': {
					const text = JSON.stringify({ access_token: 'x'.repeat(40), keys: [], data: 'y'.repeat(4000) });
					res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
					res.write(text.slice(0, 100), () => setTimeout(() => res.socket?.destroy(), 20));
					return;
				}
				case path === '/notjson':
					res.writeHead(200, { 'content-type': 'application/json' });
					res.end('{not json');
					return;
				case path === '/wrong-shape':
					return json(200, { unexpected: [1, 2, 3] });
				case path === '/array':
					return json(200, [1, 2, 3]);
				case path === '/big': {
					const kb = Number(url.searchParams.get('kb') ?? 2048);
					return json(200, { keys: [], data: 'z'.repeat(kb * 1024) });
				}
				case path === '/slow': {
					const t = setTimeout(() => {
						timers.delete(t);
						if (!res.destroyed) json(200, { ok: true });
					}, Number(url.searchParams.get('ms') ?? 10_000));
					timers.add(t);
					return;
				}
				case path === '/reset':
					req.socket.destroy();
					return;
				case path.startsWith('/status/'): {
					const status = Number(path.slice('/status/'.length)) || 500;
					const retryAfter = url.searchParams.get('retryAfter');
					return json(status, { error: `status ${status}` }, retryAfter ? { 'retry-after': retryAfter } : {});
				}
				case path === '/ok':
					return json(200, { ok: true });
				default:
					return json(404, { error: 'not found', path });
			}
		});
	});
	server.on('connection', (s) => {
		sockets.add(s);
		s.on('close', () => sockets.delete(s));
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}`,
		count: (p) => counts.get(p) ?? 0,
		close: () =>
			new Promise<void>((resolve) => {
				for (const t of timers) clearTimeout(t);
				server.close(() => resolve());
				for (const s of sockets) s.destroy();
			}),
	};
}
