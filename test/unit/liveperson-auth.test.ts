/**
 * Pure parts of the LivePerson logins: Login Service request builders and answer processors,
 * Sentinel token answers, the Conversation Orchestrator token reader, OAuth 1.0a signing vectors.
 * Property tests: the processors throw nothing but LpError, and no error quotes a secret.
 */
import fc from 'fast-check';
import { SignJWT } from 'jose';
import { createSecretKey } from 'node:crypto';
import { LpError } from '../../lib/errors';
import type { HttpResponse } from '../../lib/http';
import {
	buildLoginRequest,
	buildLogoutRequest,
	buildRefreshRequest,
	DEFAULT_SESSION_TTL_MS,
	processLoginResponse,
	processSessionResponse,
	readSessionCookie,
	serverErrorDelay,
	DEFAULT_LOGIN_TIMING,
} from '../../lib/liveperson/login';
import { buildSentinelTokenRequest, processSentinelTokenResponse } from '../../lib/liveperson/sentinel';
import {
	buildOrchestratorLoginRequest,
	orchestratorHost,
	orchestratorV1Headers,
	readOrchestratorToken,
} from '../../lib/liveperson/orchestrator-auth';
import {
	hmacSha1Signature,
	normalizeParameters,
	oauth1AuthorizationHeader,
	OAUTH1_DEPRECATION_NOTICE,
	parseOAuthHeader,
	signatureBaseString,
} from '../../lib/liveperson/oauth1';
import { accountCacheKey } from '../../lib/liveperson/account-auth';

const SECRETS = ['S3cret-Passw0rd!', 'bearer-abcdef123456', 'csrf-0123456789', 'sess-9876543210', 'client-secret-xyz'];

function res(status: number, body: string | Buffer, headers: Record<string, string | string[]> = {}): HttpResponse {
	return { status, headers: { 'content-type': 'application/json', ...headers }, body: Buffer.isBuffer(body) ? body : Buffer.from(body), attempts: 1 };
}

function expectNoSecret(error: unknown, secrets: string[] = SECRETS) {
	expect(error).toBeInstanceOf(LpError);
	const e = error as LpError;
	const text = `${e.message} ${e.hint ?? ''} ${e.responseSnippet ?? ''} ${JSON.stringify(e.toJSON())}`;
	for (const s of secrets) expect(text).not.toContain(s);
}

function thrown(fn: () => unknown): LpError {
	try {
		fn();
	} catch (error) {
		expect(error).toBeInstanceOf(LpError);
		return error as LpError;
	}
	throw new Error('expected an LpError');
}

const loginOk = {
	csrf: 'csrf-0123456789',
	wsuk: '766900772095619056',
	config: { loginName: 'bot', userId: '3705342610' },
	sessionTTl: '28800000',
	bearer: 'bearer-abcdef123456',
};

describe('Login Service builders', () => {
	it('user login: documented URL, JSON body, secrets listed for redaction', () => {
		const req = buildLoginRequest('https://va.agentvep.liveperson.net/', '12345678', { kind: 'user', username: 'bot', password: SECRETS[0] });
		expect(req.url).toBe('https://va.agentvep.liveperson.net/api/account/12345678/login?v=1.3');
		expect(req.method).toBe('POST');
		expect(req.headers['content-type']).toBe('application/json');
		expect(JSON.parse(req.body)).toEqual({ username: 'bot', password: SECRETS[0] });
		expect(req.secrets).toContain(SECRETS[0]);
	});

	it('application login: OAuth1 fields, and the OAuth2 variant with "dummy" token fields', () => {
		const o1 = buildLoginRequest('https://h', '1', { kind: 'oauth1App', username: 'bot', appKey: 'k', secret: 's1', accessToken: 't', accessTokenSecret: 'ts' });
		expect(JSON.parse(o1.body)).toEqual({ username: 'bot', appKey: 'k', secret: 's1', accessToken: 't', accessTokenSecret: 'ts' });
		const o2 = buildLoginRequest('https://h', '1', { kind: 'oauth2App', username: 'bot', clientId: 'cid', clientSecret: SECRETS[4] });
		expect(JSON.parse(o2.body)).toEqual({ username: 'bot', appKey: 'cid', secret: SECRETS[4], accessToken: 'dummy', accessTokenSecret: 'dummy' });
	});

	it('empty fields are input errors naming the field, without values', () => {
		const e = thrown(() => buildLoginRequest('https://h', '1', { kind: 'user', username: 'bot', password: '' }));
		expect(e.kind).toBe('input');
		expect(e.field).toBe('password');
		const e2 = thrown(() => buildLoginRequest('https://h', '1', { kind: 'oauth2App', username: '', clientId: 'c', clientSecret: SECRETS[4] }));
		expect(e2.field).toBe('username');
		expectNoSecret(e2);
		expect(thrown(() => buildLoginRequest('https://h', 'bad id/..', { kind: 'user', username: 'a', password: 'b' })).field).toBe('accountId');
	});

	it('refresh and logout send the csrf in the body and the Session_id cookie', () => {
		const session = { base: 'https://h', accountId: '12345678', csrf: SECRETS[2], sessionId: SECRETS[3] };
		const r = buildRefreshRequest(session);
		expect(r.url).toBe('https://h/api/account/12345678/refresh?v=1.3');
		expect(r.headers.cookie).toBe(`Session_id=${SECRETS[3]}`);
		expect(JSON.parse(r.body)).toEqual({ csrf: SECRETS[2] });
		const l = buildLogoutRequest(session);
		expect(l.url).toBe('https://h/api/account/12345678/logout');
		expect(l.headers.cookie).toBe(`Session_id=${SECRETS[3]}`);
		expect(JSON.parse(l.body)).toEqual({ csrf: SECRETS[2] });
		const e = thrown(() => buildRefreshRequest({ ...session, csrf: undefined }));
		expect(e.code).toBe('LOGIN_NO_CSRF');
	});

	it('retry schedule is the documented 5/10/15 s, then give up', () => {
		expect([1, 2, 3, 4].map((a) => serverErrorDelay(DEFAULT_LOGIN_TIMING, a))).toEqual([5000, 10000, 15000, undefined]);
		expect(DEFAULT_LOGIN_TIMING.rateLimitLoginWaitMs).toBeGreaterThanOrEqual(5000);
		expect(DEFAULT_LOGIN_TIMING.rateLimitWaitMs).toBeGreaterThanOrEqual(1000);
	});
});

describe('processLoginResponse', () => {
	const ctx = { accountId: '12345678', base: 'https://h', secrets: [SECRETS[0]], kind: 'user' as const, now: 1_000_000 };

	it('reads bearer, csrf, Session_id cookie and sessionTTl (string of ms)', () => {
		const s = processLoginResponse(res(200, JSON.stringify(loginOk), { 'set-cookie': ['other=1; Path=/', `Session_id=${SECRETS[3]}; Path=/; HttpOnly`] }), ctx);
		expect(s.bearer).toBe(loginOk.bearer);
		expect(s.csrf).toBe(loginOk.csrf);
		expect(s.sessionId).toBe(SECRETS[3]);
		expect(s.expiresAt).toBe(1_000_000 + 28_800_000);
		expect(s.userId).toBe('3705342610');
		expect(s.base).toBe('https://h');
	});

	it('numeric sessionTTl is accepted; a missing or unreadable one falls back to the default', () => {
		expect(processLoginResponse(res(200, JSON.stringify({ ...loginOk, sessionTTl: 5000 })), ctx).expiresAt).toBe(1_005_000);
		expect(processLoginResponse(res(200, JSON.stringify({ ...loginOk, sessionTTl: 'eight hours' })), ctx).expiresAt).toBe(1_000_000 + DEFAULT_SESSION_TTL_MS);
		const { sessionTTl: _drop, ...noTtl } = loginOk;
		void _drop;
		expect(processLoginResponse(res(200, JSON.stringify(noTtl)), ctx).expiresAt).toBe(1_000_000 + DEFAULT_SESSION_TTL_MS);
	});

	it('no bearer in a 200 is a response error', () => {
		const e = thrown(() => processLoginResponse(res(200, JSON.stringify({ csrf: 'x' })), ctx));
		expect(e.code).toBe('LOGIN_NO_BEARER');
	});

	it('401 → auth error naming what to check; the server text is redacted', () => {
		const e = thrown(() => processLoginResponse(res(401, `{"error":{"message":"bad password ${SECRETS[0]}"}}`), ctx));
		expect(e.kind).toBe('auth');
		expect(e.status).toBe(401);
		expect(e.hint).toMatch(/user name and password/);
		expectNoSecret(e);
	});

	it('429 → rate limited, wait at least 5 s before logging in again (longer Retry-After wins)', () => {
		const e = thrown(() => processLoginResponse(res(429, '{}'), ctx));
		expect(e.code).toBe('LOGIN_RATE_LIMITED');
		expect(e.retryAfterMs).toBe(5000);
		expect(thrown(() => processLoginResponse(res(429, '{}', { 'retry-after': '9' }), ctx)).retryAfterMs).toBe(9000);
	});

	it('451 → blacklisted, clear message, no retry hint', () => {
		const e = thrown(() => processLoginResponse(res(451, '{}'), ctx));
		expect(e.code).toBe('LOGIN_BLACKLISTED');
		expect(e.message).toMatch(/blacklisted/);
		expect(e.hint).toMatch(/Retrying will not help/);
	});

	it('HTML page in a 200 explains itself', () => {
		const e = thrown(() => processLoginResponse(res(200, '<html><body>proxy</body></html>', { 'content-type': 'text/html' }), ctx));
		expect(e.code).toBe('HTML_RESPONSE');
	});

	it('property: any status, headers and body → a session or an LpError without the secrets', () => {
		const secretArb = fc.constantFrom(...SECRETS);
		const bodyArb = fc.oneof(
			fc.string(),
			fc.json(),
			fc.record({ bearer: fc.oneof(fc.string(), fc.integer(), secretArb), csrf: fc.oneof(fc.string(), secretArb), sessionTTl: fc.oneof(fc.string(), fc.integer(), fc.double()), config: fc.anything() }, { requiredKeys: [] }).map((o) => JSON.stringify(o)),
			fc.tuple(fc.string(), secretArb, fc.string()).map(([a, s, b]) => a + s + b),
			fc.uint8Array({ maxLength: 64 }).map((u) => Buffer.from(u).toString('latin1')),
		);
		const headerArb = fc.dictionary(fc.constantFrom('set-cookie', 'retry-after', 'content-type', 'x-other'), fc.oneof(fc.string(), fc.array(fc.string(), { maxLength: 3 })));
		fc.assert(
			fc.property(fc.integer({ min: 100, max: 599 }), headerArb, bodyArb, (status, headers, body) => {
				try {
					const s = processLoginResponse(res(status, body, headers), { ...ctx, secrets: SECRETS });
					expect(status).toBeGreaterThanOrEqual(200);
					expect(typeof s.bearer).toBe('string');
					expect(Number.isFinite(s.expiresAt)).toBe(true);
				} catch (error) {
					expectNoSecret(error);
				}
			}),
			{ numRuns: 500 },
		);
	});
});

describe('refresh/logout answers and cookies', () => {
	it('200 with an empty body is success; a new Session_id is picked up', () => {
		expect(processSessionResponse(res(200, ''), 'refresh')).toEqual({ sessionId: undefined });
		expect(processSessionResponse(res(200, '', { 'set-cookie': 'Session_id=new1234; Path=/' }), 'refresh')).toEqual({ sessionId: 'new1234' });
	});

	it('401 with the documented csrf body → session invalid (re-login signal)', () => {
		const body = JSON.stringify({ error: { message: 'CSRF token invalid! Please reload', internalCode: 10, responseStatus: 'UNAUTHORIZED' } });
		const e = thrown(() => processSessionResponse(res(401, body), 'refresh', [SECRETS[2]]));
		expect(e.code).toBe('LOGIN_SESSION_INVALID');
		expect(e.message).toMatch(/csrf/);
	});

	it('folded Set-Cookie headers are split', () => {
		expect(readSessionCookie({ headers: { 'set-cookie': 'a=1; Expires=Wed, 21 Oct 2026 07:28:00 GMT, Session_id=abc; Path=/' } })).toBe('abc');
		expect(readSessionCookie({ headers: {} })).toBeUndefined();
	});

	it('property: never throws anything but LpError', () => {
		fc.assert(
			fc.property(fc.integer({ min: 100, max: 599 }), fc.string(), fc.constantFrom<'refresh' | 'logout'>('refresh', 'logout'), (status, body, action) => {
				try {
					processSessionResponse(res(status, body), action, SECRETS);
				} catch (error) {
					expectNoSecret(error);
				}
			}),
			{ numRuns: 300 },
		);
	});
});

describe('Sentinel', () => {
	it('builds the documented form request', () => {
		const req = buildSentinelTokenRequest('https://va.sentinel.liveperson.net', { accountId: '12345678', clientId: 'cid', clientSecret: SECRETS[4] });
		expect(req.url).toBe('https://va.sentinel.liveperson.net/sentinel/api/v2/account/12345678/app/token');
		expect(req.headers['content-type']).toBe('application/x-www-form-urlencoded');
		expect(Object.fromEntries(new URLSearchParams(req.body))).toEqual({ client_id: 'cid', client_secret: SECRETS[4], grant_type: 'client_credentials' });
		expect(thrown(() => buildSentinelTokenRequest('https://x', { accountId: '1', clientId: 'c', clientSecret: '' })).field).toBe('clientSecret');
	});

	it('expires_in as number or string', () => {
		const now = 10_000_000;
		expect(processSentinelTokenResponse(res(200, JSON.stringify({ access_token: 'opaque', token_type: 'Bearer', expires_in: 3600 })), [], now).expiresAt).toBe(now + 3_600_000);
		expect(processSentinelTokenResponse(res(200, JSON.stringify({ access_token: 'opaque', token_type: 'Bearer', expires_in: '3600' })), [], now).expiresAt).toBe(now + 3_600_000);
	});

	it('401 invalid_client → auth error with the OAuth error code, no secret', () => {
		const e = thrown(() => processSentinelTokenResponse(res(401, JSON.stringify({ error: 'invalid_client', error_description: `bad ${SECRETS[4]}` })), [SECRETS[4]]));
		expect(e.kind).toBe('auth');
		expect(e.message).toContain('invalid_client');
		expectNoSecret(e);
	});

	it('property: never throws anything but LpError', () => {
		fc.assert(
			fc.property(fc.integer({ min: 100, max: 599 }), fc.oneof(fc.string(), fc.json(), fc.record({ access_token: fc.oneof(fc.string(), fc.constant(SECRETS[1])), expires_in: fc.oneof(fc.string(), fc.double(), fc.integer()), token_type: fc.string() }, { requiredKeys: [] }).map((o) => JSON.stringify(o))), (status, body) => {
				try {
					const t = processSentinelTokenResponse(res(status, body), SECRETS, 1_000);
					expect(t.value.length).toBeGreaterThan(0);
				} catch (error) {
					expectNoSecret(error);
				}
			}),
			{ numRuns: 300 },
		);
	});
});

describe('Conversation Orchestrator', () => {
	const key = createSecretKey(Buffer.alloc(32, 7));
	const jwtWithExp = (exp: number) => new SignJWT({ token_use: 'id' }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt(exp - 86400).setExpirationTime(exp).sign(key);

	it('region → host, custom host, and errors', () => {
		expect(orchestratorHost('americas')).toBe('https://z1.context.liveperson.net');
		expect(orchestratorHost('emea')).toBe('https://z2.context.liveperson.net');
		expect(orchestratorHost('apac')).toBe('https://z3.context.liveperson.net');
		expect(orchestratorHost('custom', 'https://z1.ccs.liveperson.net/')).toBe('https://z1.ccs.liveperson.net');
		expect(orchestratorHost('custom', 'http://127.0.0.1:8090')).toBe('http://127.0.0.1:8090');
		expect(thrown(() => orchestratorHost('custom', '')).field).toBe('customHost');
		expect(thrown(() => orchestratorHost('custom', 'ftp://x')).code).toBe('CO_HOST_SCHEME');
		expect(thrown(() => orchestratorHost('mars')).field).toBe('region');
	});

	it('v1 header and v2 Basic login request', () => {
		expect(orchestratorV1Headers({ apiKey: 'k-123' })).toEqual({ 'maven-api-key': 'k-123' });
		expect(thrown(() => orchestratorV1Headers({ apiKey: ' ' })).field).toBe('apiKey');
		const req = buildOrchestratorLoginRequest('https://z1.context.liveperson.net', 'demo', 'p@55w0rd');
		// The example from the API Authorization page (seed 004).
		expect(req.headers.authorization).toBe('Basic ZGVtbzpwQDU1dzByZA==');
		expect(req.url).toBe('https://z1.context.liveperson.net/v2/authenticate/login');
		expect(req.method).toBe('POST');
		expect(thrown(() => buildOrchestratorLoginRequest('https://h', 'a:b', 'x')).field).toBe('userId');
	});

	it.each(['access_token', 'token', 'accessToken', 'id_token', 'idToken'])('reads the token from "%s", expiry from the JWT exp', async (field) => {
		const exp = 2_000_000_000;
		const jwt = await jwtWithExp(exp);
		const t = readOrchestratorToken(res(200, JSON.stringify({ [field]: jwt })), [], 1_900_000_000_000);
		expect(t.value).toBe(jwt);
		expect(t.expiresAt).toBe(exp * 1000);
	});

	it('reads a bare JSON string and a text/plain JWT', async () => {
		const jwt = await jwtWithExp(2_000_000_000);
		expect(readOrchestratorToken(res(200, JSON.stringify(jwt))).value).toBe(jwt);
		expect(readOrchestratorToken(res(200, `${jwt}\n`, { 'content-type': 'text/plain' })).value).toBe(jwt);
	});

	it('an opaque token with expires_in, and the earliest of expires_in and exp', async () => {
		expect(readOrchestratorToken(res(200, JSON.stringify({ token: 'opaque-token-123', expires_in: 60 })), [], 1000).expiresAt).toBe(61_000);
		const jwt = await jwtWithExp(2_000_000_000);
		expect(readOrchestratorToken(res(200, JSON.stringify({ access_token: jwt, expires_in: 10 })), [], 1000).expiresAt).toBe(11_000);
	});

	it('unknown shapes and refusals are clear errors that never quote the body', () => {
		const e = thrown(() => readOrchestratorToken(res(200, JSON.stringify({ jwtValue: SECRETS[1] })), []));
		expect(e.code).toBe('CO_NO_TOKEN');
		expectNoSecret(e);
		const r = thrown(() => readOrchestratorToken(res(401, '{"message":"Unauthorized"}'), ['Sandbox-CO-Passw0rd!']));
		expect(r.kind).toBe('auth');
		expect(r.hint).toMatch(/User ID and Password/);
		expect(thrown(() => readOrchestratorToken(res(200, 'not a token', { 'content-type': 'text/plain' }))).code).toBe('CO_NO_TOKEN');
	});

	it('property: the token reader never throws anything but LpError, and never leaks', () => {
		const jwtish = fc.tuple(fc.base64String(), fc.base64String(), fc.base64String()).map((p) => p.map((x) => x.replace(/[+/=]/g, 'A')).join('.'));
		const bodyArb = fc.oneof(
			fc.string(),
			fc.json(),
			jwtish,
			fc.record({ access_token: fc.oneof(fc.string(), jwtish, fc.integer()), token: fc.oneof(fc.string(), fc.constant(SECRETS[1])), expires_in: fc.oneof(fc.string(), fc.integer(), fc.double()), data: fc.anything() }, { requiredKeys: [] }).map((o) => JSON.stringify(o)),
		);
		fc.assert(
			fc.property(fc.integer({ min: 100, max: 599 }), bodyArb, fc.constantFrom('application/json', 'text/plain', 'text/html'), (status, body, type) => {
				try {
					const t = readOrchestratorToken(res(status, body, { 'content-type': type }), SECRETS, 1_000);
					expect(t.value.length).toBeGreaterThan(0);
					expect(typeof t.expiresAt).toBe('number');
				} catch (error) {
					expectNoSecret(error);
				}
			}),
			{ numRuns: 500 },
		);
	});
});

describe('OAuth 1.0a (RFC 5849)', () => {
	it('RFC 5849 §3.4.1.1 example: signature base string', () => {
		// POST /request?b5=%3D%253D&a3=a&c%40=&a2=r%20b with body c2&a3=2+q (RFC 5849 §3.4.1).
		const url = new URL('http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b');
		const params: Array<[string, string]> = [
			['b5', '=%3D'],
			['a3', 'a'],
			['c@', ''],
			['a2', 'r b'],
			['c2', ''],
			['a3', '2 q'],
			['oauth_consumer_key', '9djdj82h48djs9d2'],
			['oauth_token', 'kkk9d7dh3k39sjv7'],
			['oauth_signature_method', 'HMAC-SHA1'],
			['oauth_timestamp', '137131201'],
			['oauth_nonce', '7d8f3e4a'],
		];
		expect(normalizeParameters(params)).toBe(
			'a2=r%20b&a3=2%20q&a3=a&b5=%3D%253D&c%40=&c2=&oauth_consumer_key=9djdj82h48djs9d2&oauth_nonce=7d8f3e4a&oauth_signature_method=HMAC-SHA1&oauth_timestamp=137131201&oauth_token=kkk9d7dh3k39sjv7',
		);
		expect(signatureBaseString('post', url, params)).toBe(
			'POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk9d7dh3k39sjv7',
		);
	});

	it('the full header reproduces the RFC base string from a URL + form body', () => {
		// Same request through the public API: query from the URL, form params from the body.
		const header = oauth1AuthorizationHeader(
			{ consumerKey: '9djdj82h48djs9d2', consumerSecret: 'j49sk3j29djd', token: 'kkk9d7dh3k39sjv7', tokenSecret: 'dh893hdasih9' },
			'POST',
			'http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b',
			{ nonce: '7d8f3e4a', timestamp: 137131201, formParams: [['c2', ''], ['a3', '2 q']], includeVersion: false },
		);
		const expectedBase =
			'POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk9d7dh3k39sjv7';
		const p = parseOAuthHeader(header);
		expect(p.oauth_signature).toBe(hmacSha1Signature(expectedBase, 'j49sk3j29djd', 'dh893hdasih9'));
		expect(p.oauth_consumer_key).toBe('9djdj82h48djs9d2');
		expect(p.oauth_version).toBeUndefined();
	});

	it('published vector (Twitter/X "Creating a signature"): hCtSmYh+iHYCEqBWrE7C7hYmtUk=', () => {
		const header = oauth1AuthorizationHeader(
			{
				consumerKey: 'xvz1evFS4wEEPTGEFPHBog',
				consumerSecret: 'kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw',
				token: '370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb',
				tokenSecret: 'LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE',
			},
			'POST',
			'https://api.twitter.com/1.1/statuses/update.json?include_entities=true',
			{ nonce: 'kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg', timestamp: 1318622958, formParams: { status: 'Hello Ladies + Gentlemen, a signed OAuth request!' } },
		);
		expect(header.startsWith('OAuth ')).toBe(true);
		expect(header).toContain('oauth_signature="hCtSmYh%2BiHYCEqBWrE7C7hYmtUk%3D"');
		expect(parseOAuthHeader(header).oauth_signature).toBe('hCtSmYh+iHYCEqBWrE7C7hYmtUk=');
	});

	it('LivePerson style: the ?v=2.0 query is signed; a different query changes the signature', () => {
		const keys = { consumerKey: 'k', consumerSecret: 'cs', token: 't', tokenSecret: 'ts' };
		const opts = { nonce: 'n', timestamp: 1 };
		const a = parseOAuthHeader(oauth1AuthorizationHeader(keys, 'POST', 'https://va.c2m.liveperson.net/api/account/1/eligibility?v=2.0', opts)).oauth_signature;
		const b = parseOAuthHeader(oauth1AuthorizationHeader(keys, 'POST', 'https://va.c2m.liveperson.net/api/account/1/eligibility?v=1.0', opts)).oauth_signature;
		expect(a).not.toBe(b);
		// Default port is dropped, a custom one kept (RFC 5849 §3.4.1.2).
		const c = parseOAuthHeader(oauth1AuthorizationHeader(keys, 'POST', 'https://VA.c2m.liveperson.net:443/api/account/1/eligibility?v=2.0', opts)).oauth_signature;
		expect(c).toBe(a);
	});

	it('missing keys are input errors; the notice says the dates have passed', () => {
		expect(thrown(() => oauth1AuthorizationHeader({ consumerKey: 'k', consumerSecret: '' }, 'GET', 'https://x')).field).toBe('appSecret');
		expect(thrown(() => oauth1AuthorizationHeader({ consumerKey: 'k', consumerSecret: 's', token: 't' }, 'GET', 'https://x')).field).toBe('accessTokenSecret');
		expect(OAUTH1_DEPRECATION_NOTICE).toMatch(/30 Sep 2025/);
		expect(OAUTH1_DEPRECATION_NOTICE).toMatch(/30 Apr 2026/);
		expect(OAUTH1_DEPRECATION_NOTICE).toMatch(/31 May 2026/);
		expect(OAUTH1_DEPRECATION_NOTICE).toMatch(/have passed/);
	});
});

describe('account cache key', () => {
	const base = { accountId: '12345678', csdsHost: 'api.liveperson.net', authMethod: 'userPassword', username: 'bot', password: SECRETS[0] };
	it('changes with any login field, ignores fields of other methods, never contains the secret', () => {
		const k = accountCacheKey(base);
		expect(k).not.toContain(SECRETS[0]);
		expect(accountCacheKey({ ...base, password: 'other' })).not.toBe(k);
		expect(accountCacheKey({ ...base, csdsHost: 'https://api.liveperson.net' })).toBe(k);
		expect(accountCacheKey({ ...base, clientSecret: 'unrelated' })).toBe(k);
		expect(accountCacheKey({ ...base, accountId: '87654321' })).not.toBe(k);
	});
});
