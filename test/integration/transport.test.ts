import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { LpError } from '../../lib/errors';
import { send as pipelineSend, type HttpRequest } from '../../lib/http';
import { CsdsClient } from '../../lib/liveperson/csds';
import { OutboundPolicy } from '../../lib/net/policy';

/** The test servers listen on 127.0.0.1, which the default outbound policy refuses: allow loopback. */
const loopback = new OutboundPolicy({ allow: ['loopback'] });
const send = (req: HttpRequest) => pipelineSend({ policy: loopback, ...req });

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, n: number) => void;

async function serve(handler: Handler) {
	let n = 0;
	const server = http.createServer((req, res) => handler(req, res, ++n));
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}`,
		calls: () => n,
		close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
	};
}

describe('transport against a real local server', () => {
	it('retries 429 honouring Retry-After, then returns the success', async () => {
		const s = await serve((_req, res, n) => {
			if (n === 1) {
				res.writeHead(429, { 'retry-after': '1' }).end('{}');
			} else res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
		});
		const started = Date.now();
		const res = await send({ url: `${s.url}/x`, retry: { retries: 3, baseDelayMs: 10 } });
		expect(res.status).toBe(200);
		expect(res.attempts).toBe(2);
		expect(s.calls()).toBe(2);
		expect(Date.now() - started).toBeGreaterThanOrEqual(950);
		await s.close();
	});

	it('does not wait for a Retry-After longer than the cap: returns the 429 at once', async () => {
		const s = await serve((_req, res) => res.writeHead(429, { 'retry-after': '3600' }).end());
		const res = await send({ url: s.url, retry: { retries: 3, maxDelayMs: 2000 } });
		expect(res.status).toBe(429);
		expect(s.calls()).toBe(1);
		await s.close();
	});

	it('retries 5xx with backoff and returns the last answer when retries run out', async () => {
		const s = await serve((_req, res) => res.writeHead(503).end('busy'));
		const res = await send({ url: s.url, retry: { retries: 2, baseDelayMs: 5 } });
		expect(res.status).toBe(503);
		expect(s.calls()).toBe(3);
		await s.close();
	});

	it('maps a connection reset to a network error, and retries it', async () => {
		const s = await serve((req, res, n) => {
			if (n < 3) req.socket.destroy();
			else res.end('ok');
		});
		await expect(send({ url: s.url })).rejects.toMatchObject({ kind: 'network', message: expect.stringContaining('connection reset') });
		const ok = await send({ url: s.url, retry: { retries: 2, baseDelayMs: 5 } });
		expect(ok.body.toString()).toBe('ok');
		await s.close();
	});

	it('times out slow answers with a clear message', async () => {
		const s = await serve((_req, res) => {
			const timer = setTimeout(() => res.end('late'), 1500);
			res.on('close', () => clearTimeout(timer));
		});
		await expect(send({ url: s.url, timeoutMs: 200, serviceName: 'CSDS' })).rejects.toMatchObject({
			kind: 'timeout',
			message: expect.stringMatching(/^CSDS did not answer within 0.2 s/),
		});
		await s.close();
	});

	it('caps the response size', async () => {
		const s = await serve((_req, res) => res.end(Buffer.alloc(64 * 1024, 97)));
		await expect(send({ url: s.url, maxResponseBytes: 1024 })).rejects.toMatchObject({ code: 'RESPONSE_TOO_LARGE' });
		await s.close();
	});

	it('reports a refused connection and keeps secrets out of the message', async () => {
		const s = await serve((_req, res) => res.end());
		const url = s.url;
		await s.close();
		const error = await send({ url: `${url}/v2/x?access_token=SECRET-TOKEN-123`, serviceName: 'Orchestrator' }).catch((e) => e);
		expect(error).toBeInstanceOf(LpError);
		expect(error.message).toContain('connection refused');
		expect(error.message).not.toContain('SECRET-TOKEN-123');
	});
});

describe('CSDS client against a real local server', () => {
	const body = JSON.stringify({ baseURIs: [{ service: 'agentVep', account: '123', baseURI: 'va.example.com' }] });

	it('makes one CSDS request for many concurrent lookups and reuses it within the TTL', async () => {
		const s = await serve((_req, res) => setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(body), 50));
		const client = new CsdsClient();
		const all = await Promise.all(Array.from({ length: 200 }, () => client.resolveServiceBase(s.url, '123', 'agentVep', { policy: loopback })));
		// A real (non-loopback) service host is always reached over https, even from a loopback CSDS.
		expect(new Set(all)).toEqual(new Set(['https://va.example.com']));
		await client.getDomains(s.url, '123', { policy: loopback });
		expect(s.calls()).toBe(1);
		await client.getDomains(s.url, '123', { refresh: true, policy: loopback });
		expect(s.calls()).toBe(2);
		await s.close();
	});

	it('does not cache failures', async () => {
		const s = await serve((_req, res, n) => (n === 1 ? res.writeHead(401).end() : res.writeHead(200).end(body)));
		const client = new CsdsClient();
		await expect(client.getDomains(s.url, '123', { policy: loopback })).rejects.toMatchObject({ status: 401 });
		await expect(client.getDomains(s.url, '123', { policy: loopback })).resolves.toHaveLength(1);
		await s.close();
	});

	it('unknown service lists the known ones and hints at case', async () => {
		const s = await serve((_req, res) => res.writeHead(200).end(body));
		const client = new CsdsClient();
		await expect(client.getDomain(s.url, '123', 'agentvep', { policy: loopback })).rejects.toMatchObject({ code: 'CSDS_UNKNOWN_SERVICE', hint: expect.stringContaining('"agentVep"') });
		await expect(client.getDomain(s.url, '123', 'mtlsGateway', { policy: loopback })).rejects.toMatchObject({ hint: 'Known services: agentVep.' });
		await s.close();
	});
});
