/**
 * The request pipeline (lib/http) against real loopback servers: redirects (no header a strategy set
 * reaches another origin, no client certificate there, https → http refused, every hop checked by
 * the policy), the one re-login rule, the size cap while reading, retries with an injected clock.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { accessTokenStrategy, basicStrategy, clientCredentialsStrategy } from '../../lib/auth/strategies';
import { TokenCache } from '../../lib/auth/token-cache';
import { LpError } from '../../lib/errors';
import { closeAllDispatchers, send } from '../../lib/http';
import type { AuthStrategy } from '../../lib/http/types';
import { orchestratorStrategy } from '../../lib/liveperson/orchestrator-auth';
import { OutboundPolicy, policyForAllowText } from '../../lib/net/policy';
import { closeAllAgents } from '../../lib/tls/agent-pool';
import { mutualTlsConnection } from '../../lib/tls/credential';
import { mutualTlsConfig } from '../../nodes/shared/credentialConfig';
import { makeTestPki, STORE_PASSWORD, TestPki } from '../helpers/pki';
import { EchoServer, startEchoServer } from '../support/echo-server';

jest.setTimeout(60_000);

const LOOPBACK = policyForAllowText('loopback');
let pki: TestPki;
let a: EchoServer; // origin A (http)
let b: EchoServer; // origin B (http, another port = another origin)
let tlsA: EchoServer; // https origin asking for a client certificate
let tlsB: EchoServer;

beforeAll(async () => {
	pki = makeTestPki();
	[a, b, tlsA, tlsB] = await Promise.all([
		startEchoServer(),
		startEchoServer(),
		startEchoServer({ tls: { key: pki.serverKey, cert: pki.serverCert, ca: pki.caPem } }),
		startEchoServer({ tls: { key: pki.serverKey, cert: pki.serverCert, ca: pki.caPem } }),
	]);
});
afterAll(async () => {
	await Promise.all([a, b, tlsA, tlsB].map((s) => s?.close()));
	await closeAllAgents();
	await closeAllDispatchers();
});
beforeEach(() => {
	for (const s of [a, b, tlsA, tlsB]) s.requests.length = 0;
});

const redirectTo = (from: EchoServer, to: string, status = 302) => `${from.url}/redirect?status=${status}&to=${encodeURIComponent(to)}`;

describe('redirects', () => {
	const strategies: Array<[string, () => AuthStrategy, (r: EchoServer['requests'][number]) => string[]]> = [
		['basic', () => basicStrategy({ user: 'redirect-user', password: 'redirect-password-1' }), (r) => [String(r.headers.authorization ?? '')]],
		['access token in a custom header', () => accessTokenStrategy({ token: 'redirect-token-2', tokenType: 'ApiKey', headerName: 'x-api-key' }), (r) => [String(r.headers['x-api-key'] ?? '')]],
		['orchestrator v1 key', () => orchestratorStrategy({ region: 'custom', customHost: a.url, apiVersion: 'v1', apiKey: 'redirect-maven-key-3' }), (r) => [String(r.headers['maven-api-key'] ?? '')]],
	];

	test.each(strategies)('%s: the strategy header stays on the same origin and never reaches another one', async (_name, strategy, seen) => {
		const auth = strategy();
		// Same origin: followed with the header.
		const same = await send({ url: redirectTo(a, `${a.url}/landing`), auth, policy: LOOPBACK, maxRedirects: 3 });
		expect(same.status).toBe(200);
		expect(seen(a.requests[1]).join('')).not.toBe('');
		// Another origin: followed without it.
		const cross = await send({ url: redirectTo(a, `${b.url}/landing`), auth, policy: LOOPBACK, maxRedirects: 3 });
		expect(cross.status).toBe(200);
		expect(b.requests).toHaveLength(1);
		expect(seen(b.requests[0]).join('')).toBe('');
		expect(b.requests[0].headers.authorization).toBeUndefined();
		expect(cross.redirects).toHaveLength(1);
	});

	test('a query token set by the strategy (Orchestrator v2 access_token) is removed on another origin', async () => {
		const cache = new TokenCache();
		void cache;
		const creds = { region: 'custom', customHost: a.url, apiVersion: 'v2', userId: 'co-user', password: 'co-password-4', allowedInternalNetworks: 'loopback' };
		const auth = orchestratorStrategy(creds);
		const res = await send({ url: redirectTo(a, `${b.url}/landing?access_token=planted`, 307), auth, policy: LOOPBACK, maxRedirects: 3 });
		expect(res.status).toBe(200);
		// The first hop carried the token in the query…
		const first = a.requests.find((r) => r.url.startsWith('/redirect'))!;
		expect(new URL(first.url, a.url).searchParams.get('access_token')).toMatch(/^echo-token-/);
		// …the other origin got none (even the one the redirect planted under the strategy's name).
		expect(new URL(b.requests[0].url, b.url).searchParams.has('access_token')).toBe(false);
	});

	test('user headers with secret-looking names are dropped on another origin, ordinary ones kept', async () => {
		await send({ url: redirectTo(a, `${b.url}/x`), headers: { 'x-api-key': 'user-api-key-5', 'lp-authorization-override': 'override-6', cookie: 'sid=7', 'x-trace': 'keep-me' }, policy: LOOPBACK, maxRedirects: 2 });
		const h = b.requests[0].headers;
		expect(h['x-api-key']).toBeUndefined();
		expect(h['lp-authorization-override']).toBeUndefined();
		expect(h.cookie).toBeUndefined();
		expect(h['x-trace']).toBe('keep-me');
	});

	test('client credentials: the bearer never reaches another origin; the token request itself follows no redirect', async () => {
		const auth = clientCredentialsStrategy({ tokenUrl: `${a.url}/token`, clientId: 'cc-id', clientSecret: 'cc-secret-8', allowedInternalNetworks: 'loopback' }, { cache: new TokenCache() });
		await send({ url: redirectTo(a, `${b.url}/x`), auth, policy: LOOPBACK, maxRedirects: 2 });
		expect(b.requests[0].headers.authorization).toBeUndefined();
		const redirectingToken = clientCredentialsStrategy({ tokenUrl: redirectTo(a, `${b.url}/token`, 307), clientId: 'cc-id', clientSecret: 'cc-secret-8', allowedInternalNetworks: 'loopback' }, { cache: new TokenCache() });
		b.requests.length = 0;
		await expect(send({ url: `${a.url}/x`, auth: redirectingToken, policy: LOOPBACK })).rejects.toBeInstanceOf(LpError);
		expect(b.requests).toHaveLength(0);
	});

	test('mutual TLS: the client certificate is presented to the first origin only', async () => {
		const cfg = mutualTlsConfig({ keyStoreFormat: 'pkcs12', keyStore: pki.p12Modern, keyStorePassword: STORE_PASSWORD, trustCertificate: pki.caPem });
		const connection = mutualTlsConnection(cfg);
		// Same origin: the identity (and its trust certificate) is used again.
		const same = await send({ url: redirectTo(tlsA, `${tlsA.url}/landing`), connection, policy: LOOPBACK, maxRedirects: 2 });
		expect(same.status).toBe(200);
		expect(tlsA.requests.map((r) => r.clientCert)).toEqual([true, true]);
		// Another origin: the hop uses the plain policy agent — no client certificate and not the
		// credential's trust either, so the test CA's server certificate is not trusted there.
		const cross = await send({ url: redirectTo(tlsA, `${tlsB.url}/landing`), connection, policy: LOOPBACK, maxRedirects: 2 }).catch((e: unknown) => e);
		expect(cross).toMatchObject({ kind: 'tls' });
		expect(tlsA.requests[2].clientCert).toBe(true);
		expect(tlsB.requests).toHaveLength(0);
	});

	test('https → http is refused, and the http target is never contacted', async () => {
		const cfg = mutualTlsConfig({ keyStoreFormat: 'pkcs12', keyStore: pki.p12Modern, keyStorePassword: STORE_PASSWORD, trustCertificate: pki.caPem });
		const error = await send({ url: redirectTo(tlsA, `${b.url}/plain`), connection: mutualTlsConnection(cfg), policy: LOOPBACK, maxRedirects: 2 }).catch((e: unknown) => e);
		expect(error).toMatchObject({ kind: 'blocked', code: 'REDIRECT_DOWNGRADE' });
		expect(b.requests).toHaveLength(0);
	});

	test('every hop is checked: a redirect from an allowed host to an internal one is refused before connecting', async () => {
		const onlyA = new OutboundPolicy({ allow: ['127.0.0.1/32'] });
		for (const target of ['http://169.254.169.254/latest/meta-data/', 'http://[::1]:9/', 'http://[::ffff:10.0.0.1]/', 'http://localhost6:9/']) {
			const error = await send({ url: redirectTo(a, target), policy: onlyA, maxRedirects: 3 }).catch((e: unknown) => e);
			expect(error).toBeInstanceOf(LpError);
			expect((error as LpError).kind === 'blocked' || (error as LpError).code === 'ENOTFOUND').toBe(true);
		}
	});

	test('without maxRedirects a 3xx is returned as is (the target is not requested)', async () => {
		const res = await send({ url: redirectTo(a, `${b.url}/x`), policy: LOOPBACK });
		expect(res.status).toBe(302);
		expect(b.requests).toHaveLength(0);
	});

	test('too many redirects is a clear error', async () => {
		await expect(send({ url: redirectTo(a, redirectTo(a, redirectTo(a, `${b.url}/x`))), policy: LOOPBACK, maxRedirects: 2 })).rejects.toMatchObject({ code: 'TOO_MANY_REDIRECTS' });
	});
});

describe('one re-login rule', () => {
	function rejecting(statusFor: (auth: string | undefined, n: number) => number) {
		let n = 0;
		const server = http.createServer((req, res) => {
			const status = statusFor(req.headers.authorization, ++n);
			res.writeHead(status, { 'content-type': 'application/json' });
			res.end(JSON.stringify({ status }));
		});
		return new Promise<{ url: string; close: () => Promise<void>; hits: () => number }>((resolve) =>
			server.listen(0, '127.0.0.1', () =>
				resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits: () => n, close: () => new Promise((r) => server.close(() => r())) }),
			),
		);
	}

	function countingStrategy(rejectStatus = 401): AuthStrategy & { tokens: number; invalidated: string[] } {
		let current = 'token-1';
		const s = {
			label: 'counting',
			tokens: 1,
			invalidated: [] as string[],
			apply: () => ({ headers: { authorization: `Bearer ${current}` }, used: current }),
			isRejected: (res: { status: number }) => res.status === rejectStatus,
			invalidate(applied: { used?: string }) {
				s.invalidated.push(applied.used ?? '');
				if (applied.used === current) current = `token-${++s.tokens}`;
				return true;
			},
			secrets: () => [],
		};
		return s;
	}

	test('a refusal drops the token that was used and sends once more', async () => {
		const server = await rejecting((auth) => (auth === 'Bearer token-1' ? 401 : 200));
		const auth = countingStrategy();
		const res = await send({ url: server.url, auth, policy: LOOPBACK });
		expect(res.status).toBe(200);
		expect(res.reauthenticated).toBe(true);
		expect(auth.invalidated).toEqual(['token-1']);
		expect(server.hits()).toBe(2);
		await server.close();
	});

	test('a refusal from ANOTHER origin (after a redirect) is not the strategy\'s: no re-login, no token dropped (issue 22 item 1)', async () => {
		const other = await rejecting(() => 401);
		const auth = countingStrategy();
		const res = await send({ url: redirectTo(a, `${other.url}/landing`), auth, policy: LOOPBACK, maxRedirects: 3 });
		expect(res.status).toBe(401);
		expect(res.reauthenticated).toBeUndefined();
		expect(auth.invalidated).toEqual([]);
		expect(other.hits()).toBe(1);
		await other.close();
	});

	test('a self-signing custom transport is used on its own origin only; another origin gets the plain transport (issue 22 item 1)', async () => {
		const calls: string[] = [];
		// Stands in for n8n's helper: signs whatever it is given.
		const transport = async (ex: Parameters<NonNullable<Parameters<typeof send>[0]['transport']>>[0]) => {
			calls.push(ex.url.origin);
			const res = await fetch(ex.url, { method: ex.method, headers: { ...(ex.headers as Record<string, string>), authorization: 'Bearer self-signed-token' }, redirect: 'manual' });
			return { status: res.status, headers: Object.fromEntries(res.headers), body: Buffer.from(await res.arrayBuffer()), attempts: 1 };
		};
		const before = b.requests.length;
		const res = await send({ url: redirectTo(a, `${b.url}/landing`), transport, policy: LOOPBACK, maxRedirects: 3 });
		expect(res.status).toBe(200);
		expect(calls).toEqual([new URL(a.url).origin]);
		expect(b.requests.slice(before).map((r) => r.headers.authorization)).toEqual([undefined]);
	});

	test('a repeating refusal re-sends exactly once (no loop)', async () => {
		const server = await rejecting(() => 403);
		const auth = countingStrategy(403);
		const res = await send({ url: server.url, auth, policy: LOOPBACK });
		expect(res.status).toBe(403);
		expect(server.hits()).toBe(2);
		expect(auth.invalidated).toHaveLength(1);
		await server.close();
	});

	test('200 concurrent callers refused with the same token cause one invalidation by value', async () => {
		const server = await rejecting((authz) => (authz === 'Bearer token-1' ? 401 : 200));
		const auth = countingStrategy();
		const results = await Promise.all(Array.from({ length: 200 }, () => send({ url: server.url, auth, policy: LOOPBACK })));
		expect(results.every((r) => r.status === 200)).toBe(true);
		expect(auth.tokens).toBe(2); // one new token for all of them
		await server.close();
	});

	test('reauthWhen narrows the refusals that re-login', async () => {
		const server = await rejecting(() => 401);
		const auth = countingStrategy();
		const res = await send({ url: server.url, auth, policy: LOOPBACK, reauthWhen: (r) => r.headers['www-authenticate'] !== undefined });
		expect(res.status).toBe(401);
		expect(server.hits()).toBe(1);
		expect(auth.invalidated).toHaveLength(0);
		await server.close();
	});
});

describe('size cap, retry, policy', () => {
	test('the size cap is enforced while reading', async () => {
		const big = http.createServer((_req, res) => {
			res.writeHead(200, { 'content-type': 'application/octet-stream' });
			// Far more than the cap, streamed: the client must stop reading, not buffer it all.
			let sent = 0;
			const write = () => {
				while (sent < 64 * 1024 * 1024) {
					sent += 65536;
					if (!res.write(Buffer.alloc(65536))) return void res.once('drain', write);
				}
				res.end();
			};
			write();
		});
		await new Promise<void>((r) => big.listen(0, '127.0.0.1', r));
		const url = `http://127.0.0.1:${(big.address() as AddressInfo).port}/`;
		await expect(send({ url, policy: LOOPBACK, maxResponseBytes: 100_000 })).rejects.toMatchObject({ code: 'RESPONSE_TOO_LARGE' });
		await new Promise((r) => big.close(r));
	});

	test('retries 503 with Retry-After on an injected clock', async () => {
		let n = 0;
		const server = http.createServer((_req, res) => {
			n++;
			if (n < 3) {
				res.writeHead(503, { 'retry-after': '7' });
				res.end();
				return;
			}
			res.writeHead(200);
			res.end('ok');
		});
		await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
		const waits: number[] = [];
		const res = await send({
			url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
			policy: LOOPBACK,
			retry: { retries: 3, sleep: async (ms) => void waits.push(ms) },
		});
		expect(res.status).toBe(200);
		expect(res.attempts).toBe(3);
		expect(waits).toEqual([7000, 7000]);
		await new Promise((r) => server.close(r));
	});

	test('the default policy refuses loopback given as a name and as a literal, alike', async () => {
		for (const url of [`${a.url}/x`, a.url.replace('127.0.0.1', 'localhost')]) {
			await expect(send({ url })).rejects.toMatchObject({ kind: 'blocked', code: 'BLOCKED_ADDRESS' });
		}
		expect(a.requests).toHaveLength(0);
	});
});
