/**
 * LivePerson logins against the emulator over real HTTP on 127.0.0.1: Login Service (user and
 * application login, refresh/logout with csrf + cookie, retry policy), Sentinel, the account token
 * cache (single-flight, expiry, keep-alive re-login), Conversation Orchestrator v1/v2 (403 → one
 * re-login), Transfer to Messaging, and the credential Test functions. Every error is checked for
 * secrets.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startEmulator, type Emulator } from '../../sandbox/emulator/index';
import { tokenCache } from '../../lib/auth/token-cache';
import { LpError } from '../../lib/errors';
import { send, type AuthStrategy } from '../../lib/http';
import {
	accountStrategy,
	getAccountBearer,
	getAccountSession,
	invalidateAccountBearer,
	logoutAccount,
	resetAccountAuthState,
	type LivePersonAccountCredentials,
} from '../../lib/liveperson/account-auth';
import { login, logout, refreshSession, type LoginTiming } from '../../lib/liveperson/login';
import { OrchestratorClient } from '../../lib/liveperson/orchestrator';
import { getOrchestratorToken, orchestratorStrategy, type ConversationOrchestratorCredentials } from '../../lib/liveperson/orchestrator-auth';
import { c2mStrategy, resolveC2mBase, type TransferToMessagingCredentials } from '../../lib/liveperson/c2m-auth';
import { OutboundPolicy } from '../../lib/net/policy';
import { advanceClock, fakeDateOnly, realClock } from '../support/clock';
import { testConversationOrchestrator, testLivePersonAccount, testTransferToMessaging } from '../../nodes/shared/credentialTests';

const ACC = '12345678';
const SECRETS = [
	'Sandbox-Passw0rd!',
	'sandbox-app-secret',
	'sandbox-access-token',
	'sandbox-access-token-secret',
	'sandbox-client-secret',
	'sandbox-maven-api-key',
	'Sandbox-CO-Passw0rd!',
	'Wrong-Passw0rd-123',
	'wrong-client-secret-456',
];

let emu: Emulator;

beforeAll(async () => {
	emu = await startEmulator({ port: 0 });
});
afterAll(async () => {
	await emu.close();
});
beforeEach(() => {
	emu.reset();
	tokenCache.clear();
	resetAccountAuthState();
});

/** The emulator listens on 127.0.0.1: the credentials allow loopback, and so do the test's own requests. */
const LOOPBACK = 'loopback';
const loopback = new OutboundPolicy({ allow: [LOOPBACK] });

const user = (): LivePersonAccountCredentials => ({
	accountId: ACC,
	csdsHost: emu.url,
	authMethod: 'userPassword',
	username: 'sandbox-agent',
	password: 'Sandbox-Passw0rd!',
	allowedInternalNetworks: LOOPBACK,
});
const client = (): LivePersonAccountCredentials => ({
	accountId: ACC,
	csdsHost: emu.url,
	authMethod: 'clientCredentials',
	clientId: 'sandbox-client',
	clientSecret: 'sandbox-client-secret',
	allowedInternalNetworks: LOOPBACK,
});
const oauth1 = (username = ''): LivePersonAccountCredentials => ({
	accountId: ACC,
	csdsHost: emu.url,
	authMethod: 'oauth1',
	username,
	appKey: 'sandbox-app-key',
	appSecret: 'sandbox-app-secret',
	accessToken: 'sandbox-access-token',
	accessTokenSecret: 'sandbox-access-token-secret',
	allowedInternalNetworks: LOOPBACK,
});
const coV2 = (): ConversationOrchestratorCredentials => ({
	region: 'custom',
	customHost: emu.url,
	apiVersion: 'v2',
	userId: 'sandbox-co-user',
	password: 'Sandbox-CO-Passw0rd!',
	allowedInternalNetworks: LOOPBACK,
});

/** Records the requested waits and returns at once: the retry policy runs in milliseconds. */
function fakeTiming(): { waits: number[]; timing: Partial<LoginTiming> } {
	const waits: number[] = [];
	return { waits, timing: { sleep: async (ms: number) => void waits.push(ms) } };
}

function expectNoSecret(error: unknown): LpError {
	expect(error).toBeInstanceOf(LpError);
	const e = error as LpError;
	const text = `${e.message} ${e.hint ?? ''} ${e.responseSnippet ?? ''} ${JSON.stringify(e.toJSON())} ${String(e.stack)}`;
	for (const s of SECRETS) expect(text).not.toContain(s);
	return e;
}

async function rejection(p: Promise<unknown>): Promise<LpError> {
	try {
		await p;
	} catch (error) {
		return expectNoSecret(error);
	}
	throw new Error('expected a rejection');
}

async function echo(headers: Record<string, string>, method = 'GET', path = '/protected/echo') {
	const res = await send({ url: `${emu.url}${path}`, method, headers, policy: loopback });
	return { status: res.status, json: JSON.parse(res.body.toString('utf8') || 'null') };
}

/** One request through the pipeline signed by `auth` (its refusal status makes one re-login and one re-send). */
async function echoWith(auth: AuthStrategy, path = '/protected/echo') {
	const res = await send({ url: `${emu.url}${path}`, auth, policy: loopback });
	return { status: res.status, reauthenticated: res.reauthenticated === true, json: JSON.parse(res.body.toString('utf8') || 'null') };
}

/** What a strategy adds to one request (headers and query). */
async function signed(auth: AuthStrategy) {
	const applied = await auth.apply({ method: 'GET', url: new URL(`${emu.url}/protected/echo`), headers: {} });
	return { headers: applied.headers ?? {}, query: applied.query ?? {}, used: applied.used };
}

/** The Transfer to Messaging credential's Authorization header, as its strategy signs a request. */
async function c2mHeaders(creds: TransferToMessagingCredentials): Promise<{ authorization: string }> {
	const { headers } = await signed(c2mStrategy(creds));
	return { authorization: headers.authorization };
}

describe('Login Service: user and application login', () => {
	it('user login gives a bearer the APIs accept; a second call uses the cache', async () => {
		const auth = await getAccountBearer(user());
		expect(auth.authorization).toMatch(/^Bearer \S+$/);
		const r = await echo(auth);
		expect(r.status).toBe(200);
		expect(r.json).toMatchObject({ ok: true, authType: 'bearer', tokenKind: 'login', subject: 'sandbox-agent' });
		expect(await getAccountBearer(user())).toEqual(auth);
		expect(emu.count('login.login')).toBe(1);
		const session = await getAccountSession(user());
		expect(session?.csrf).toBeTruthy();
		expect(session?.sessionId).toBeTruthy();
		expect(session!.expiresAt).toBeGreaterThan(Date.now() + 7 * 3600_000); // sessionTTl "28800000"
	});

	it('wrong password: clear auth error, no retry, no secret', async () => {
		const e = await rejection(getAccountBearer({ ...user(), password: 'Wrong-Passw0rd-123' }));
		expect(e.kind).toBe('auth');
		expect(e.status).toBe(401);
		expect(e.code).toBe('LOGIN_REFUSED');
		expect(emu.count('login.login')).toBe(1);
	});

	it('application login with OAuth1 key fields (deprecated) gives a bearer', async () => {
		const auth = await getAccountBearer(oauth1('sandbox-bot'));
		const r = await echo(auth);
		expect(r.json).toMatchObject({ ok: true, tokenKind: 'login', subject: 'sandbox-bot' });
	});

	it('application login with OAuth2 client ID/secret and "dummy" token fields', async () => {
		const creds = { ...client(), clientCredentialsFlow: 'loginService', username: 'sandbox-bot' };
		const r = await echo(await getAccountBearer(creds));
		expect(r.json).toMatchObject({ ok: true, tokenKind: 'login', subject: 'sandbox-bot' });
		expect(emu.count('login.login')).toBe(1);
		expect(emu.count('sentinel.token')).toBe(0);
		const e = await rejection(getAccountBearer({ ...creds, clientSecret: 'wrong-client-secret-456' }));
		expect(e.code).toBe('LOGIN_REFUSED');
	});

	it('OAuth1 without a user name signs each request (Authorization: OAuth …), no login', async () => {
		const url = `${emu.url}/protected/echo?v=2.0`;
		const strategy = accountStrategy(oauth1());
		const applied = await strategy.apply({ method: 'POST', url: new URL(url), headers: {} });
		const authorization = String(applied.headers?.authorization);
		expect(authorization).toMatch(/^OAuth .*oauth_signature_method="HMAC-SHA1"/);
		expect(authorization).not.toContain('sandbox-app-secret');
		// Through the pipeline the strategy signs each request itself.
		const viaStrategy = await send({ url, method: 'POST', auth: accountStrategy(oauth1()), policy: loopback });
		expect(viaStrategy.status).toBe(200);
		expect(JSON.parse(viaStrategy.body.toString())).toMatchObject({ ok: true, authType: 'oauth1' });
		expect(emu.count('login.login')).toBe(0);
		// A bearer needs Application Login: the error names the field and carries the EOL notice.
		const e = await rejection(getAccountBearer(oauth1()));
		expect(e.field).toBe('username');
		expect(e.hint).toMatch(/dates have passed/);
	});
});

describe('Login Service: refresh and logout (csrf + Session_id cookie)', () => {
	it('refresh and logout succeed with csrf + cookie; a wrong csrf or a missing cookie is refused', async () => {
		const session = (await getAccountSession(user()))!;
		await refreshSession(session, { policy: loopback });
		expect(emu.count('login.refresh')).toBe(1);

		const badCsrf = await rejection(refreshSession({ ...session, csrf: 'not-the-csrf' }, { policy: loopback }));
		expect(badCsrf.code).toBe('LOGIN_SESSION_INVALID');
		expect(badCsrf.message).toMatch(/csrf/i);
		const noCookie = await rejection(refreshSession({ ...session, sessionId: undefined }, { policy: loopback }));
		expect(noCookie.status).toBe(401);

		await logout(session, { policy: loopback });
		expect(emu.count('login.logout')).toBe(1);
		expect((await echo({ authorization: `Bearer ${session.bearer}` })).status).toBe(401);
		const after = await rejection(refreshSession(session, { policy: loopback }));
		expect(after.code).toBe('LOGIN_SESSION_INVALID');
	});

	it('logoutAccount ends the cached session; the next call logs in again', async () => {
		const first = await getAccountBearer(user());
		expect(await logoutAccount(user())).toBe(true);
		expect(emu.count('login.logout')).toBe(1);
		const second = await getAccountBearer(user());
		expect(second).not.toEqual(first);
		expect(emu.count('login.login')).toBe(2);
	});

	it('keep-alive: a 401 on refresh logs in again, once, however many callers wait', async () => {
		const options = { keepAliveMs: 30 };
		const first = await getAccountBearer(user(), options);
		const session = (await getAccountSession(user(), { keepAliveMs: 0 }))!;
		await logout(session, { policy: loopback }); // the session ends behind the cache's back
		await new Promise((r) => setTimeout(r, 50));
		const results = await Promise.all(Array.from({ length: 50 }, () => getAccountBearer(user(), options)));
		expect(new Set(results.map((r) => r.authorization)).size).toBe(1);
		expect(results[0]).not.toEqual(first);
		expect(emu.count('login.refresh')).toBe(1);
		expect(emu.count('login.login')).toBe(2);
		expect((await echo(results[0])).status).toBe(200);
	});

	it('keep-alive: a successful refresh keeps the same bearer', async () => {
		const first = await getAccountBearer(user(), { keepAliveMs: 20 });
		await new Promise((r) => setTimeout(r, 30));
		expect(await getAccountBearer(user(), { keepAliveMs: 20 })).toEqual(first);
		expect(emu.count('login.refresh')).toBe(1);
		expect(emu.count('login.login')).toBe(1);
	});
});

describe('Login Service retry policy', () => {
	it('429: waits at least 5 s before logging in again, then succeeds with one more login', async () => {
		emu.setFault('login.login', { status: 429, times: 1 });
		const { waits, timing } = fakeTiming();
		const results = await Promise.all(Array.from({ length: 20 }, () => getAccountBearer(user(), { timing })));
		expect(new Set(results.map((r) => r.authorization)).size).toBe(1);
		expect(waits).toEqual([5000]);
		expect(emu.count('login.login')).toBe(2);
	});

	it('429 with a longer Retry-After waits that long', async () => {
		emu.setFault('login.login', { status: 429, retryAfter: 7, times: 1 });
		const { waits, timing } = fakeTiming();
		await getAccountBearer(user(), { timing });
		expect(waits).toEqual([7000]);
		expect(emu.count('login.login')).toBe(2);
	});

	it('429 that persists: a rate-limit error after the allowed retries', async () => {
		emu.setFault('login.login', { status: 429 });
		const { waits, timing } = fakeTiming();
		const e = await rejection(getAccountBearer(user(), { timing }));
		expect(e.code).toBe('LOGIN_RATE_LIMITED');
		expect(e.retryAfterMs).toBeGreaterThanOrEqual(5000);
		expect(waits).toEqual([5000, 5000]);
		expect(emu.count('login.login')).toBe(3);
	});

	it('451: blacklisted, clear error, no retry', async () => {
		emu.setFault('login.login', { status: 451, body: { error: { message: 'blacklisted' } } });
		const { waits, timing } = fakeTiming();
		const e = await rejection(getAccountBearer(user(), { timing }));
		expect(e.code).toBe('LOGIN_BLACKLISTED');
		expect(e.message).toMatch(/blacklisted \(HTTP 451\)/);
		expect(waits).toEqual([]);
		expect(emu.count('login.login')).toBe(1);
	});

	it('other 4xx: no retry', async () => {
		emu.setFault('login.login', { status: 400 });
		const { waits, timing } = fakeTiming();
		const e = await rejection(getAccountBearer(user(), { timing }));
		expect(e.status).toBe(400);
		expect(waits).toEqual([]);
		expect(emu.count('login.login')).toBe(1);
	});

	it('5xx: 3 retries with 5/10/15 s pauses, then success', async () => {
		emu.setFault('login.login', { status: 503, times: 3 });
		const { waits, timing } = fakeTiming();
		const auth = await getAccountBearer(user(), { timing });
		expect((await echo(auth)).status).toBe(200);
		expect(waits).toEqual([5000, 10000, 15000]);
		expect(emu.count('login.login')).toBe(4);
	});

	it('5xx that persists: gives up after the third retry with the server status', async () => {
		emu.setFault('login.login', { status: 500, body: 'internal Sandbox-Passw0rd! error' });
		const { waits, timing } = fakeTiming();
		const e = await rejection(login({ accountId: ACC, csdsHost: emu.url }, { kind: 'user', username: 'sandbox-agent', password: 'Sandbox-Passw0rd!' }, { timing, policy: loopback }));
		expect(e.status).toBe(500);
		expect(waits).toEqual([5000, 10000, 15000]);
		expect(emu.count('login.login')).toBe(4);
	});

	it('real (scaled) waits: the scale option shortens every pause', async () => {
		emu.setFault('login.login', { status: 502, times: 2 });
		const started = Date.now();
		await getAccountBearer(user(), { timing: { scale: 0.002 } }); // 10 ms + 20 ms
		expect(Date.now() - started).toBeLessThan(5000);
		expect(emu.count('login.login')).toBe(3);
	});
});

describe('Token cache: single flight and expiry', () => {
	it('200 concurrent callers → exactly one login and one Sentinel token', async () => {
		const [users, clients] = await Promise.all([
			Promise.all(Array.from({ length: 200 }, () => getAccountBearer(user()))),
			Promise.all(Array.from({ length: 200 }, () => getAccountBearer(client()))),
		]);
		expect(new Set(users.map((u) => u.authorization)).size).toBe(1);
		expect(new Set(clients.map((u) => u.authorization)).size).toBe(1);
		expect(emu.count('login.login')).toBe(1);
		expect(emu.count('sentinel.token')).toBe(1);
		expect((await echo(clients[0])).json).toMatchObject({ ok: true, tokenKind: 'sentinel' });
	});

	it('a failed login is shared by every waiter and not cached', async () => {
		const bad = { ...user(), password: 'Wrong-Passw0rd-123' };
		const results = await Promise.allSettled(Array.from({ length: 50 }, () => getAccountBearer(bad)));
		expect(results.every((r) => r.status === 'rejected')).toBe(true);
		for (const r of results) expectNoSecret((r as PromiseRejectedResult).reason);
		expect(emu.count('login.login')).toBe(1);
		await getAccountBearer(bad).catch(() => undefined);
		expect(emu.count('login.login')).toBe(2);
	});

	it('invalidate by value: 100 callers reporting the same dead token cause one new login', async () => {
		const first = await getAccountBearer(user());
		for (let i = 0; i < 100; i++) invalidateAccountBearer(user(), first.authorization);
		const again = await Promise.all(Array.from({ length: 100 }, () => getAccountBearer(user())));
		expect(new Set(again.map((a) => a.authorization)).size).toBe(1);
		// A stale invalidation (old value) does not drop the new token.
		invalidateAccountBearer(user(), first.authorization);
		await getAccountBearer(user());
		expect(emu.count('login.login')).toBe(2);
	});

	it('account strategy: a 401 from the API → one new login and one retry', async () => {
		const first = await getAccountBearer(user());
		emu.setFault('protected.echo', { status: 401, times: 1 });
		const result = await echoWith(accountStrategy(user()));
		expect(emu.count('protected.echo')).toBe(2);
		expect(result.status).toBe(200);
		expect(result.reauthenticated).toBe(true);
		expect(result.json).toMatchObject({ ok: true, tokenKind: 'login' });
		expect(emu.count('login.login')).toBe(2);
		expect(await getAccountBearer(user())).not.toEqual(first);
	});

	it('account strategy: a dead bearer (session gone at the server) → one new login for 50 callers', async () => {
		const first = await getAccountBearer(user());
		emu.reset(); // the emulator forgets every session: the cached bearer is now refused with 401
		const results = await Promise.all(Array.from({ length: 50 }, () => echoWith(accountStrategy(user()))));
		expect(results.every((r) => r.status === 200 && r.reauthenticated)).toBe(true);
		expect(emu.count('login.login')).toBe(1);
		expect(emu.count('protected.echo')).toBe(100);
		expect(await getAccountBearer(user())).not.toEqual(first);
	});
});

describe('Expiry mid-run (short lifetimes)', () => {
	let short: Emulator;
	beforeAll(async () => {
		short = await startEmulator({ port: 0, config: { lifetimes: { sessionTTl: '1200', sentinelExpiresIn: 2, coTokenLifetime: 2 } } });
		fakeDateOnly();
	});
	afterAll(async () => {
		realClock();
		await short.close();
	});

	it('a session past its sessionTTl (minus margin) → one new login for 50 callers', async () => {
		const creds = { ...user(), csdsHost: short.url };
		const first = await getAccountBearer(creds, { keepAliveMs: 0 });
		expect(short.count('login.login')).toBe(1);
		advanceClock(700); // margin = half the 1.2 s lifetime
		const next = await Promise.all(Array.from({ length: 50 }, () => getAccountBearer(creds, { keepAliveMs: 0 })));
		expect(new Set(next.map((n) => n.authorization)).size).toBe(1);
		expect(next[0]).not.toEqual(first);
		expect(short.count('login.login')).toBe(2);
	});

	it('a Sentinel token near expires_in → one new token request', async () => {
		const creds = { ...client(), csdsHost: short.url };
		await getAccountBearer(creds);
		advanceClock(1300);
		await Promise.all(Array.from({ length: 50 }, () => getAccountBearer(creds)));
		expect(short.count('sentinel.token')).toBe(2);
	});

	it('a CO v2 token near its JWT exp → one new login', async () => {
		const creds = { ...coV2(), customHost: short.url };
		await getOrchestratorToken(creds);
		advanceClock(1300);
		await Promise.all(Array.from({ length: 50 }, () => getOrchestratorToken(creds)));
		expect(short.count('co.v2.login')).toBe(2);
	});
});

describe('Conversation Orchestrator', () => {
	it('v2: Basic login, Bearer accepted, token cached', async () => {
		const r = await echoWith(orchestratorStrategy(coV2(), 'header'));
		expect(r.json).toMatchObject({ ok: true, tokenKind: 'co', subject: 'sandbox-co-user' });
		await echoWith(orchestratorStrategy(coV2(), 'header'));
		expect(emu.count('co.v2.login')).toBe(1);
		// The documented default placement: the same cached token as ?access_token=.
		const token = await getOrchestratorToken(coV2());
		const auth = await signed(orchestratorStrategy(coV2()));
		expect(auth.query.access_token).toBe(token.value);
		expect(auth.headers.authorization).toBeUndefined();
		expect(emu.count('co.v2.login')).toBe(1);
	});

	it('v2: a 403 once → the token is dropped, one re-login, one retry, success', async () => {
		emu.setFault('protected.echo', { status: 403, times: 1 });
		const r = await echoWith(orchestratorStrategy(coV2(), 'header'));
		expect(r.status).toBe(200);
		expect(r.reauthenticated).toBe(true);
		expect(emu.count('co.v2.login')).toBe(2);
		expect(emu.count('protected.echo')).toBe(2);
	});

	it('v2: a 403 that repeats → exactly one re-login, then the clear error', async () => {
		emu.setFault('co.ccs.v2', { status: 403, body: { message: 'Forbidden' } });
		const e = await rejection(new OrchestratorClient(coV2()).ccsV2({ op: 'get', accountId: ACC, namespace: 'flow', sessionId: 's1' }));
		expect(e.message).toBe('Conversation Orchestrator refused the new token too (403): check the v2 user ID and password / account');
		expect(e.status).toBe(403);
		expect(emu.count('co.v2.login')).toBe(2);
		expect(emu.count('co.ccs.v2')).toBe(2);
	});

	it('v2: 100 callers with the same dead token (refused with 403 by CCS) → one re-login', async () => {
		const dead = await getOrchestratorToken(coV2());
		emu.reset(); // the emulator forgets the tokens it issued: CCS answers 403 to the cached one
		const ccs = `/v2/context/document/${ACC}/flow/s1`;
		const results = await Promise.all(Array.from({ length: 100 }, () => echoWith(orchestratorStrategy(coV2()), ccs).catch((e: unknown) => e)));
		for (const r of results) expect(r).toMatchObject({ reauthenticated: true });
		expect(results.every((r) => (r as { status: number }).status !== 403)).toBe(true);
		expect(emu.count('co.v2.login')).toBe(1);
		expect(emu.count('co.ccs.v2')).toBe(200);
		expect((await getOrchestratorToken(coV2())).value).not.toBe(dead.value);
	});

	it('v2: wrong password → clear auth error without the password', async () => {
		const e = await rejection(echoWith(orchestratorStrategy({ ...coV2(), password: 'Wrong-Passw0rd-123' }, 'header')));
		expect(e.code).toBe('CO_LOGIN_REFUSED');
		expect(e.status).toBe(401);
		expect(emu.count('protected.echo')).toBe(0);
	});

	it('v1: the key travels as maven-api-key, no login, no token', async () => {
		const seen: http.IncomingHttpHeaders[] = [];
		const urls: string[] = [];
		const server = http.createServer((req, res) => {
			seen.push(req.headers);
			urls.push(req.url ?? '');
			res.writeHead(200, { 'content-type': 'application/json' }).end('[]');
		});
		await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
		const host = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
		try {
			const creds: ConversationOrchestratorCredentials = { region: 'custom', customHost: host, apiVersion: 'v1', apiKey: 'sandbox-maven-api-key', allowedInternalNetworks: LOOPBACK };
			const auth = orchestratorStrategy(creds);
			expect((await signed(auth)).query).toEqual({});
			const res = await send({ url: `${host}/v1/account/${ACC}`, headers: { 'content-type': 'application/json' }, auth, policy: loopback });
			expect(res.status).toBe(200);
			expect(seen[0]['maven-api-key']).toBe('sandbox-maven-api-key');
			expect(seen[0].authorization).toBeUndefined();
			expect(urls[0]).toBe(`/v1/account/${ACC}`); // no access_token query
			expect(emu.count('co.v2.login')).toBe(0);
			const e = await rejection((async () => orchestratorStrategy({ ...creds, apiKey: '' }))());
			expect(e.field).toBe('apiKey');
		} finally {
			await new Promise((r) => server.close(r));
		}
	});
});

describe('Transfer to Messaging', () => {
	const c2m = (): TransferToMessagingCredentials => ({ accountId: ACC, csdsHost: emu.url, clientId: 'sandbox-client', clientSecret: 'sandbox-client-secret', allowedInternalNetworks: LOOPBACK });

	it('Sentinel app token, cached; C2M host from CSDS', async () => {
		const [a, b] = await Promise.all([c2mHeaders(c2m()), c2mHeaders(c2m())]);
		expect(a.authorization).toMatch(/^Bearer \S+$/);
		expect(a).toEqual(b);
		expect((await echo(a)).json).toMatchObject({ ok: true, tokenKind: 'sentinel', subject: 'sandbox-client' });
		await c2mHeaders(c2m());
		expect(emu.count('sentinel.token')).toBe(1);
		expect(await resolveC2mBase(c2m())).toBe(emu.url);
	});

	it('a 401 from C2M → one new app token and one re-send', async () => {
		await c2mHeaders(c2m());
		emu.setFault('protected.echo', { status: 401, times: 1 });
		const r = await echoWith(c2mStrategy(c2m()));
		expect(r.status).toBe(200);
		expect(r.reauthenticated).toBe(true);
		expect(emu.count('sentinel.token')).toBe(2);
	});

	it('wrong secret → auth error naming the fields, no secret', async () => {
		const e = await rejection(c2mHeaders({ ...c2m(), clientSecret: 'wrong-client-secret-456' }));
		expect(e.kind).toBe('auth');
		expect(e.message).toMatch(/invalid_client/);
		expect(e.hint).toMatch(/Client ID and Client Secret/);
	});
});

describe('Credential Test functions', () => {
	const noSecret = (message: string) => {
		for (const s of SECRETS) expect(message).not.toContain(s);
	};

	it('LivePerson Account: every method logs in for real; failures are secret-free', async () => {
		for (const data of [user(), client(), oauth1('sandbox-bot'), { ...client(), clientCredentialsFlow: 'loginService', username: 'sandbox-bot' }]) {
			const r = await testLivePersonAccount(data as never);
			expect(r).toMatchObject({ status: 'OK' });
			noSecret(r.message);
		}
		// The test logs out the session it opened.
		expect(emu.count('login.logout')).toBe(emu.count('login.login'));
		const o1 = await testLivePersonAccount(oauth1() as never);
		expect(o1.status).toBe('OK');
		expect(o1.message).toMatch(/may no longer work/);
		const bad = await testLivePersonAccount({ ...user(), password: 'Wrong-Passw0rd-123' } as never);
		expect(bad.status).toBe('Error');
		expect(bad.message).toMatch(/refused the login/);
		noSecret(bad.message);
		const badClient = await testLivePersonAccount({ ...client(), clientSecret: 'wrong-client-secret-456' } as never);
		expect(badClient.status).toBe('Error');
		noSecret(badClient.message);
	});

	it('Conversation Orchestrator and Transfer to Messaging', async () => {
		expect(await testConversationOrchestrator(coV2() as never)).toMatchObject({ status: 'OK' });
		const bad = await testConversationOrchestrator({ ...coV2(), password: 'Wrong-Passw0rd-123' } as never);
		expect(bad.status).toBe('Error');
		noSecret(bad.message);
		expect((await testConversationOrchestrator({ region: 'emea', apiVersion: 'v1', apiKey: '' } as never)).status).toBe('Error');
		const c2mData = { accountId: ACC, csdsHost: emu.url, clientId: 'sandbox-client', clientSecret: 'sandbox-client-secret', allowedInternalNetworks: LOOPBACK };
		expect((await testTransferToMessaging(c2mData as never)).status).toBe('OK');
		const badT = await testTransferToMessaging({ ...c2mData, clientSecret: 'wrong-client-secret-456' } as never);
		expect(badT.status).toBe('Error');
		noSecret(badT.message);
	});
});
