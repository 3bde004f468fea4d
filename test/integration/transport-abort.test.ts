/**
 * send()'s per-attempt time limit and the caller's AbortSignal (one AbortController + timer per
 * attempt instead of AbortSignal.timeout + AbortSignal.any): timeouts stay `kind: 'timeout'`, a
 * caller's abort is "cancelled" (also when it fires mid-body or before the first byte), and no
 * listener is left on a long-lived caller signal.
 */
import { getEventListeners } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { send as pipelineSend, type HttpRequest } from '../../lib/http';
import { OutboundPolicy } from '../../lib/net/policy';

/** The test servers listen on 127.0.0.1, which the default outbound policy refuses: allow loopback. */
const loopback = new OutboundPolicy({ allow: ['loopback'] });
const send = (req: HttpRequest) => pipelineSend({ policy: loopback, ...req });

const open = new Set<http.Server>();
const closeServer = (server: http.Server) =>
	new Promise<void>((resolve) => {
		open.delete(server);
		server.closeAllConnections();
		server.close(() => resolve());
	});
// A failed expectation must not leave a never-answering server open (jest would wait for it).
afterEach(() => Promise.all([...open].map(closeServer)));

async function serve(handler: http.RequestListener) {
	let calls = 0;
	const server = http.createServer((req, res) => {
		calls++;
		handler(req, res);
	});
	open.add(server);
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}/x?token=top-secret-value`,
		calls: () => calls,
		close: () => closeServer(server),
	};
}

describe('send(): time limit and cancellation', () => {
	it('a slow body still times out as kind "timeout" within the limit (headers already sent)', async () => {
		const s = await serve((_req, res) => {
			res.writeHead(200, { 'content-type': 'application/json' });
			res.write('{"partial":');
			const t = setTimeout(() => res.end('1}'), 3000);
			res.on('close', () => clearTimeout(t));
		});
		const started = Date.now();
		const error = await send({ url: s.url, timeoutMs: 300, serviceName: 'Slow API' }).catch((e: unknown) => e);
		expect(error).toMatchObject({ kind: 'timeout', message: expect.stringContaining('Slow API did not answer within 0.3 s') });
		expect(String((error as Error).message)).not.toContain('top-secret-value');
		expect(Date.now() - started).toBeLessThan(2500);
		await s.close();
	});

	it("a caller's abort before any byte is a cancellation, not a timeout, and is not retried", async () => {
		const s = await serve(() => undefined); // never answers
		const ac = new AbortController();
		setTimeout(() => ac.abort(), 100);
		const error = await send({ url: s.url, signal: ac.signal, timeoutMs: 5000, retry: { retries: 3, baseDelayMs: 10 } }).catch((e: unknown) => e);
		expect(error).toMatchObject({ kind: 'network', code: 'ABORTED', message: expect.stringContaining('was cancelled') });
		expect(s.calls()).toBe(1);
		await s.close();
	});

	it('an already-aborted signal fails at once', async () => {
		const s = await serve((_req, res) => res.end('{}'));
		const ac = new AbortController();
		ac.abort();
		const started = Date.now();
		await expect(send({ url: s.url, signal: ac.signal })).rejects.toMatchObject({ code: 'ABORTED' });
		expect(Date.now() - started).toBeLessThan(1000);
		await s.close();
	});

	it('leaves no abort listener on a long-lived caller signal after many requests', async () => {
		const s = await serve((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
		const ac = new AbortController();
		for (let i = 0; i < 50; i++) {
			const res = await send({ url: s.url, signal: ac.signal });
			expect(res.status).toBe(200);
		}
		// A failing attempt (connection refused) must clean up too.
		await expect(send({ url: 'http://127.0.0.1:1/', signal: ac.signal, timeoutMs: 2000 })).rejects.toMatchObject({ kind: 'network' });
		expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
		await s.close();
	});
});
