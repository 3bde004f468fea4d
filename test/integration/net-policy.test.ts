/**
 * Outbound policy against real local servers on 127.0.0.1: the default policy refuses loopback,
 * the allow option lets it through, DNS rebinding is caught after connect, redirects are re-checked
 * hop by hop (`send({ maxRedirects })`) and credentials are not carried across origins.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, buildConnector } from 'undici';
import { LpError } from '../../lib/errors';
import { send, type AuthStrategy, type Connection, type HttpRequest } from '../../lib/http';
import { guardConnector, OutboundPolicy, policyConnectOptions, policyDispatcher, ResolvedAddress } from '../../lib/net/policy';

/** A raw undici Agent as the request's connection (the pipeline asks it for the dispatcher). */
const rawAgent = (agent: Agent): Connection => ({ label: 'test', dispatcher: () => agent });

/** Redirects followed as the package's user-URL callers do (5 hops), each hop checked by `policy`. */
const followingRedirects = (req: HttpRequest, options: { policy?: OutboundPolicy; maxRedirects?: number } = {}) =>
	send({ ...req, policy: options.policy, maxRedirects: options.maxRedirects ?? 5 });

interface Seen {
	method?: string;
	url?: string;
	headers: http.IncomingHttpHeaders;
	body: string;
}

function startServer(handler: (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void) {
	const seen: Seen[] = [];
	const server = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (c) => chunks.push(c));
		req.on('end', () => {
			const body = Buffer.concat(chunks).toString('utf8');
			seen.push({ method: req.method, url: req.url, headers: req.headers, body });
			handler(req, res, body);
		});
	});
	return new Promise<{ server: http.Server; port: number; seen: Seen[] }>((resolve) => {
		server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as AddressInfo).port, seen }));
	});
}

const ok = (_req: http.IncomingMessage, res: http.ServerResponse) => {
	res.writeHead(200, { 'content-type': 'text/plain' });
	res.end('hello');
};

async function refusal(promise: Promise<unknown>): Promise<LpError> {
	try {
		await promise;
	} catch (error) {
		return error as LpError;
	}
	throw new Error('expected a refusal, got an answer');
}

describe('the outbound policy through send()', () => {
	let target: Awaited<ReturnType<typeof startServer>>;
	beforeAll(async () => {
		target = await startServer(ok);
	});
	afterAll(() => new Promise<void>((r) => target.server.close(() => r())));

	it('refuses 127.0.0.1 by default, naming the class and the option, without reaching the server', async () => {
		const policy = new OutboundPolicy();
		const before = target.seen.length;
		const error = await refusal(send({ url: `http://127.0.0.1:${target.port}/x`, policy }));
		expect(error).toBeInstanceOf(LpError);
		expect(error.kind).toBe('blocked');
		expect(error.message).toContain('loopback');
		expect(error.message).toContain('Allowed Internal Networks');
		expect(target.seen.length).toBe(before);
		// A request naming no policy gets the same default.
		const byDefault = await refusal(send({ url: `http://127.0.0.1:${target.port}/x` }));
		expect(byDefault.kind).toBe('blocked');
		expect(target.seen.length).toBe(before);
	});

	it('refuses a host name resolving to loopback (lookup hook)', async () => {
		const policy = new OutboundPolicy({ resolver: async () => [{ address: '127.0.0.1', family: 4 }] });
		const error = await refusal(send({ url: `http://internal.example:${target.port}/`, policy }));
		expect(error.kind).toBe('blocked');
		expect(error.message).toContain('internal.example (127.0.0.1)');
	});

	it('refuses when ANY answer of a name is blocked (public + loopback)', async () => {
		const policy = new OutboundPolicy({
			resolver: async () => [
				{ address: '127.0.0.1', family: 4 },
				{ address: '93.184.216.34', family: 4 },
			],
		});
		const error = await refusal(send({ url: `http://mixed.example:${target.port}/`, policy }));
		expect(error.kind).toBe('blocked');
	});

	it('allows 127.0.0.1 when 127.0.0.0/8 is allowed', async () => {
		const policy = new OutboundPolicy({ allow: ['127.0.0.0/8'] });
		const res = await send({ url: `http://127.0.0.1:${target.port}/ok`, policy });
		expect(res.status).toBe(200);
		expect(res.body.toString()).toBe('hello');
	});

	it('allows by class name "loopback", and a resolved name', async () => {
		const policy = new OutboundPolicy({ allow: ['loopback'], resolver: async () => [{ address: '127.0.0.1', family: 4 }] });
		const res = await send({ url: `http://svc.internal:${target.port}/ok`, policy });
		expect(res.status).toBe(200);
	});

	it('allows everything when disabled', async () => {
		const res = await send({ url: `http://127.0.0.1:${target.port}/ok`, policy: new OutboundPolicy({ enabled: false }) });
		expect(res.status).toBe(200);
	});

	it('caches one dispatcher per fingerprint', () => {
		const a = policyDispatcher(new OutboundPolicy({ allow: ['127.0.0.0/8', 'private'] }));
		const b = policyDispatcher(new OutboundPolicy({ allow: ['private', '127.0.0.0-127.255.255.255'] }));
		const c = policyDispatcher(new OutboundPolicy({ allow: ['private'] }));
		expect(a).toBe(b);
		expect(a).not.toBe(c);
	});
});

describe('guardConnector after connect (DNS rebinding)', () => {
	let target: Awaited<ReturnType<typeof startServer>>;
	beforeAll(async () => {
		target = await startServer(ok);
	});
	afterAll(() => new Promise<void>((r) => target.server.close(() => r())));

	it('refuses when the name answers a public address at check time and loopback at connect time', async () => {
		const answers: ResolvedAddress[][] = [[{ address: '93.184.216.34', family: 4 }], [{ address: '127.0.0.1', family: 4 }]];
		let calls = 0;
		// A rebinding resolver: the first answer is public, every later answer is loopback.
		const rebinding = async () => answers[Math.min(calls++, 1)];
		const policy = new OutboundPolicy({ resolver: rebinding });
		// Check time: the policy resolves the name and sees only the public address.
		await expect(policy.resolve('rebind.example')).resolves.toEqual([{ address: '93.184.216.34', family: 4 }]);
		// Connect time: the base connector resolves again, on its own (not through the policy), and gets loopback.
		const base = buildConnector({
			lookup: (_host: string, opts: unknown, cb: (...args: unknown[]) => void) => {
				void rebinding().then((list) => {
					if ((opts as { all?: boolean }).all) cb(null, list);
					else cb(null, list[0].address, list[0].family);
				});
			},
		} as unknown as buildConnector.BuildOptions);
		const dispatcher = new Agent({ connect: guardConnector(policy, base) });
		const before = target.seen.length;
		try {
			const error = await refusal(send({ url: `http://rebind.example:${target.port}/secret`, policy, connection: rawAgent(dispatcher) }));
			expect(error.kind).toBe('blocked');
			expect(error.message).toContain('rebind.example (127.0.0.1)');
			expect(calls).toBe(2);
			// The TCP connection was made (that is what rebinding achieves) but no request reached the server.
			expect(target.seen.length).toBe(before);
		} finally {
			await dispatcher.close();
		}
	});

	it('lets the same connector through when the connected address is allowed', async () => {
		const policy = new OutboundPolicy({ allow: ['loopback'], resolver: async () => [{ address: '127.0.0.1', family: 4 }] });
		const dispatcher = new Agent({ connect: guardConnector(policy, buildConnector(policyConnectOptions(policy) as buildConnector.BuildOptions)) });
		try {
			const res = await send({ url: `http://name.example:${target.port}/`, policy, connection: rawAgent(dispatcher) });
			expect(res.status).toBe(200);
		} finally {
			await dispatcher.close();
		}
	});
});

describe('send({ maxRedirects })', () => {
	let first: Awaited<ReturnType<typeof startServer>>;
	let second: Awaited<ReturnType<typeof startServer>>;
	beforeAll(async () => {
		second = await startServer(ok);
		first = await startServer((req, res) => {
			const to = (location: string, status = 302) => {
				res.writeHead(status, { location });
				res.end();
			};
			if (req.url === '/same') return to('/final', 307);
			if (req.url === '/cross') return to(`http://localhost:${second.port}/landed`, 307);
			// Like servers that carry the query string over to the new location.
			if (req.url?.startsWith('/cross-with-query?')) return to(`http://localhost:${second.port}/landed?${req.url.split('?')[1]}`, 307);
			if (req.url === '/see-other') return to('/final', 303);
			if (req.url === '/to-loopback-2') return to(`http://127.0.0.2:${second.port}/internal`);
			if (req.url === '/to-mapped') return to(`http://[::ffff:127.0.0.9]:${second.port}/internal`);
			if (req.url === '/to-metadata') return to('http://169.254.169.254/latest/meta-data/');
			if (req.url === '/to-private') return to('http://0x0a.1/admin');
			if (req.url === '/loop') return to('/loop');
			if (req.url === '/final') return ok(req, res);
			res.writeHead(404);
			res.end();
		});
	});
	afterAll(async () => {
		await new Promise<void>((r) => first.server.close(() => r()));
		await new Promise<void>((r) => second.server.close(() => r()));
	});

	const loopbackOk = () => new OutboundPolicy({ allow: ['loopback'] });

	it.each([
		['/to-loopback-2', 'loopback'],
		['/to-mapped', 'loopback'],
		['/to-metadata', 'linkLocal'],
		['/to-private', 'private'],
	])('re-checks every hop: %s is refused (%s) although the first URL was allowed', async (path, cls) => {
		// Only 127.0.0.1 is allowed: the first hop passes, the redirect target (another blocked address) does not.
		const policy = new OutboundPolicy({ allow: ['127.0.0.1'] });
		const error = await refusal(followingRedirects({ url: `http://127.0.0.1:${first.port}${path}` }, { policy }));
		expect(error.kind).toBe('blocked');
		expect(error.message).toContain(`class "${cls}"`);
		expect(error.message).toContain('Allowed Internal Networks');
		expect(first.seen[first.seen.length - 1].url).toBe(path);
	});

	it('checks the first URL too: refused before any byte is sent', async () => {
		const before = first.seen.length;
		const error = await refusal(followingRedirects({ url: `http://127.0.0.1:${first.port}/final` }));
		expect(error.kind).toBe('blocked');
		expect(first.seen.length).toBe(before);
	});

	it('refuses non-http schemes', async () => {
		const error = await refusal(followingRedirects({ url: 'file:///etc/passwd' }, { policy: loopbackOk() }));
		expect(error.code).toBe('BLOCKED_SCHEME');
	});

	it('follows a same-origin 307 keeping method, body and Authorization', async () => {
		const res = await followingRedirects(
			{ url: `http://127.0.0.1:${first.port}/same`, method: 'POST', body: 'payload', headers: { authorization: 'Bearer abcd1234', 'content-type': 'text/plain' } },
			{ policy: loopbackOk() },
		);
		expect(res.status).toBe(200);
		expect(res.redirects).toEqual([`http://127.0.0.1:${first.port}/final`]);
		const last = first.seen[first.seen.length - 1];
		expect(last.method).toBe('POST');
		expect(last.body).toBe('payload');
		expect(last.headers.authorization).toBe('Bearer abcd1234');
	});

	it('drops Authorization and Cookie across origins, keeps other headers and the 307 body', async () => {
		const res = await followingRedirects(
			{
				url: `http://127.0.0.1:${first.port}/cross`,
				method: 'PUT',
				body: 'data',
				headers: { Authorization: 'Bearer abcd1234', Cookie: 'sid=zzzz9999', 'X-Trace': 't1' },
			},
			{ policy: new OutboundPolicy({ allow: ['loopback'], resolver: async () => [{ address: '127.0.0.1', family: 4 }] }) },
		);
		expect(res.status).toBe(200);
		const landed = second.seen[second.seen.length - 1];
		expect(landed.url).toBe('/landed');
		expect(landed.method).toBe('PUT');
		expect(landed.body).toBe('data');
		expect(landed.headers.authorization).toBeUndefined();
		expect(landed.headers.cookie).toBeUndefined();
		expect(landed.headers['x-trace']).toBe('t1');
		const origin = first.seen[first.seen.length - 1];
		expect(origin.headers.authorization).toBe('Bearer abcd1234');
	});

	it("drops the auth strategy's own headers and query parameters across origins", async () => {
		const strategy: AuthStrategy = {
			label: 'test strategy',
			apply: () => ({ headers: { 'x-api-key': 'key-value-5678' }, query: { access_token: 'query-token-9012' } }),
			secrets: () => [],
		};
		const res = await followingRedirects(
			{ url: `http://127.0.0.1:${first.port}/cross-with-query?page=2`, auth: strategy, headers: { 'X-Trace': 't2' } },
			{ policy: new OutboundPolicy({ allow: ['loopback'], resolver: async () => [{ address: '127.0.0.1', family: 4 }] }) },
		);
		expect(res.status).toBe(200);
		const origin = first.seen[first.seen.length - 1];
		expect(origin.url).toBe('/cross-with-query?page=2&access_token=query-token-9012');
		expect(origin.headers['x-api-key']).toBe('key-value-5678');
		const landed = second.seen[second.seen.length - 1];
		expect(landed.url).toBe('/landed?page=2'); // the strategy's access_token is not carried over
		expect(landed.headers['x-api-key']).toBeUndefined();
		expect(landed.headers['x-trace']).toBe('t2');
	});

	it('turns 303 into GET without a body', async () => {
		await followingRedirects(
			{ url: `http://127.0.0.1:${first.port}/see-other`, method: 'POST', body: 'x=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
			{ policy: loopbackOk() },
		);
		const last = first.seen[first.seen.length - 1];
		expect(last.url).toBe('/final');
		expect(last.method).toBe('GET');
		expect(last.body).toBe('');
		expect(last.headers['content-type']).toBeUndefined();
	});

	it('stops a redirect loop at maxRedirects', async () => {
		const before = first.seen.length;
		const error = await refusal(followingRedirects({ url: `http://127.0.0.1:${first.port}/loop` }, { policy: loopbackOk(), maxRedirects: 3 }));
		expect(error.code).toBe('TOO_MANY_REDIRECTS');
		expect(first.seen.length - before).toBe(4); // the first request + 3 redirects followed
	});

	it('without maxRedirects a 3xx is the answer (nothing followed)', async () => {
		const before = first.seen.length;
		const res = await send({ url: `http://127.0.0.1:${first.port}/same`, policy: loopbackOk() });
		expect(res.status).toBe(307);
		expect(first.seen.length - before).toBe(1);
	});
});

