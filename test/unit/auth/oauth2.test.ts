import fc from 'fast-check';
import { UnsecuredJWT } from 'jose';
import { LpError } from '../../../lib/errors';
import type { HttpResponse } from '../../../lib/http';
import { codeChallengeS256, createPkcePair, generateCodeVerifier, isValidCodeVerifier } from '../../../lib/auth/pkce';
import { basicAuthorization, clientSecretBasic } from '../../../lib/auth/basic';
import {
	buildAuthorizationCodeRequest,
	buildAuthorizationUrl,
	buildClientCredentialsRequest,
	buildRefreshTokenRequest,
	processTokenResponse,
} from '../../../lib/auth/oauth2';
import { CREDENTIAL_TYPES, strategyFor } from '../../../nodes/shared/credentialConfig';

const res = (status: number, body: string | object, headers: Record<string, string> = {}): HttpResponse => ({
	status,
	headers: { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json', ...headers },
	body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
	attempts: 1,
});

function caught(fn: () => unknown): LpError {
	try {
		fn();
	} catch (e) {
		expect(e).toBeInstanceOf(LpError);
		return e as LpError;
	}
	throw new Error('expected a throw');
}

describe('PKCE (RFC 7636)', () => {
	test('Appendix B vector', () => {
		expect(codeChallengeS256('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
	});
	test('verifiers are 43-128 unreserved characters, fresh each time', () => {
		for (const len of [43, 64, 128]) {
			const v = generateCodeVerifier(len);
			expect(v).toHaveLength(len);
			expect(isValidCodeVerifier(v)).toBe(true);
		}
		expect(generateCodeVerifier()).not.toBe(generateCodeVerifier());
		expect(() => generateCodeVerifier(42)).toThrow(LpError);
		expect(() => generateCodeVerifier(129)).toThrow(LpError);
		const pair = createPkcePair();
		expect(pair.method).toBe('S256');
		expect(pair.challenge).toBe(codeChallengeS256(pair.verifier));
	});
	test('invalid verifiers are refused with the field name', () => {
		for (const bad of ['short', 'a'.repeat(129), `${'a'.repeat(43)} `, `${'a'.repeat(43)}+`, `${'a'.repeat(43)}é`]) {
			expect(caught(() => codeChallengeS256(bad)).field).toBe('codeVerifier');
		}
	});
});

describe('Basic (RFC 7617) and client_secret_basic (RFC 6749 §2.3.1)', () => {
	test('RFC 7617 §2.1 vectors', () => {
		expect(basicAuthorization('Aladdin', 'open sesame')).toBe('Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==');
		expect(basicAuthorization('test', '123£')).toBe('Basic dGVzdDoxMjPCow==');
	});
	test('NFC normalisation before UTF-8', () => {
		const decomposed = 'te\u0301st'; // e + combining acute
		const composed = 't\u00e9st';
		expect(basicAuthorization(decomposed, 'p\u0301w')).toBe(basicAuthorization(composed, '\u1e55w'));
	});
	test('a user with ":" is refused naming the field "user", and the value is not quoted', () => {
		const e = caught(() => basicAuthorization('bad:user', 'secret-pass'));
		expect(e.field).toBe('user');
		expect(e.message).not.toContain('bad:user');
		expect(e.message).not.toContain('secret-pass');
		expect(() => basicAuthorization('user', 'pass:with:colons')).not.toThrow();
		expect(caught(() => basicAuthorization('u', 'a\nb')).field).toBe('password');
	});
	test('client_secret_basic form-urlencodes id and secret first', () => {
		const h = clientSecretBasic('my:client id', 'p@ss word+/é');
		const decoded = Buffer.from(h.slice(6), 'base64').toString('utf8');
		expect(decoded).toBe('my%3Aclient+id:p%40ss+word%2B%2F%C3%A9');
		expect(clientSecretBasic('s6BhdRkqt3', '7Fjfp0ZBr1KtDRbnfVdmIw')).toBe(`Basic ${Buffer.from('s6BhdRkqt3:7Fjfp0ZBr1KtDRbnfVdmIw').toString('base64')}`);
	});
});

describe('request builders', () => {
	test('client credentials, header auth', () => {
		const r = buildClientCredentialsRequest({ tokenUrl: 'https://a.example/token', clientId: 'id', clientSecret: 'sec', scope: ' read write ', clientAuth: 'header' });
		expect(r.method).toBe('POST');
		expect(r.headers.authorization).toBe(clientSecretBasic('id', 'sec'));
		expect(r.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
		const p = new URLSearchParams(r.body);
		expect(p.get('grant_type')).toBe('client_credentials');
		expect(p.get('scope')).toBe('read write');
		expect(p.has('client_secret')).toBe(false);
	});
	test('client credentials, body auth', () => {
		const r = buildClientCredentialsRequest({ tokenUrl: 'https://a.example/token', clientId: 'id', clientSecret: 's&c=t', clientAuth: 'body' });
		expect(r.headers.authorization).toBeUndefined();
		const p = new URLSearchParams(r.body);
		expect(p.get('client_id')).toBe('id');
		expect(p.get('client_secret')).toBe('s&c=t');
		expect(p.has('scope')).toBe(false);
	});
	test('missing or bad fields name the field', () => {
		expect(caught(() => buildClientCredentialsRequest({ tokenUrl: '', clientId: 'a', clientSecret: 'b' })).field).toBe('accessTokenUrl');
		expect(caught(() => buildClientCredentialsRequest({ tokenUrl: 'ftp://x/y', clientId: 'a', clientSecret: 'b' })).field).toBe('accessTokenUrl');
		expect(caught(() => buildClientCredentialsRequest({ tokenUrl: 'https://x', clientId: '', clientSecret: 'b' })).field).toBe('clientId');
		expect(caught(() => buildClientCredentialsRequest({ tokenUrl: 'https://x', clientId: 'a', clientSecret: '' })).field).toBe('clientSecret');
		expect(caught(() => buildClientCredentialsRequest({ tokenUrl: 'https://x', clientId: 'a', clientSecret: 'b', clientAuth: 'jwt' as never })).field).toBe('authentication');
	});
	test('authorization URL with PKCE and code exchange with verifier', () => {
		const verifier = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
		const u = new URL(buildAuthorizationUrl({ authUrl: 'https://a.example/auth?x=1', clientId: 'id', redirectUri: 'https://n8n.example/cb', scope: 'openid', state: 'st', codeVerifier: verifier }));
		expect(u.searchParams.get('x')).toBe('1');
		expect(u.searchParams.get('code_challenge')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
		expect(u.searchParams.get('code_challenge_method')).toBe('S256');
		expect(u.searchParams.get('response_type')).toBe('code');
		const r = buildAuthorizationCodeRequest({ tokenUrl: 'https://a.example/token', clientId: 'id', clientSecret: 'sec', code: 'c0de', redirectUri: 'https://n8n.example/cb', codeVerifier: verifier });
		const p = new URLSearchParams(r.body);
		expect(p.get('code_verifier')).toBe(verifier);
		expect(p.get('grant_type')).toBe('authorization_code');
		const refresh = new URLSearchParams(buildRefreshTokenRequest({ tokenUrl: 'https://a.example/token', clientId: 'id', refreshToken: 'rt' }).body);
		expect(refresh.get('client_id')).toBe('id'); // public client
		expect(refresh.get('refresh_token')).toBe('rt');
	});
});

describe('processTokenResponse', () => {
	const now = 1_700_000_000_000;
	test('a good answer', () => {
		const t = processTokenResponse(res(200, { access_token: 'AT', token_type: 'bearer', expires_in: 300, scope: 'read', refresh_token: 'RT' }), [], now);
		expect(t).toEqual({ value: 'AT', tokenType: 'Bearer', expiresAt: now + 300_000, extra: { scope: 'read', refreshToken: 'RT' } });
	});
	test('JWT exp earlier than expires_in wins; no expiry at all means Infinity', () => {
		const jwt = new UnsecuredJWT({}).setExpirationTime(Math.floor(now / 1000) + 10).encode();
		expect(processTokenResponse(res(200, { access_token: jwt, token_type: 'Bearer', expires_in: 3600 }), [], now).expiresAt).toBe(now + 10_000 - (now % 1000));
		expect(processTokenResponse(res(200, { access_token: 'opaque', token_type: 'Bearer' }), [], now).expiresAt).toBe(Infinity);
	});
	test.each([
		['invalid_client', 401, 'clientSecret'],
		['invalid_scope', 400, 'scope'],
		['unauthorized_client', 400, 'clientId'],
		['invalid_grant', 400, undefined],
		['unsupported_grant_type', 400, 'accessTokenUrl'],
	])('RFC 6749 §5.2 %s', (code, status, field) => {
		const e = caught(() => processTokenResponse(res(status, { error: code, error_description: 'details here' })));
		expect(e.kind).toBe('auth');
		expect(e.message).toContain(code);
		expect(e.message).toContain('details here');
		expect(e.field).toBe(field);
		expect(e.status).toBe(status);
		expect(e.hint).toBeTruthy();
	});
	test('error_description quoting a secret is redacted', () => {
		const e = caught(() => processTokenResponse(res(401, { error: 'invalid_client', error_description: 'secret TopSecret123 is wrong' }), ['TopSecret123']));
		expect(JSON.stringify(e.toJSON())).not.toContain('TopSecret123');
		expect(e.message).toContain('[redacted]');
	});
	test('error in WWW-Authenticate only', () => {
		const e = caught(() => processTokenResponse(res(401, '', { 'www-authenticate': 'Basic error="invalid_client"' })));
		expect(e.message).toContain('invalid_client');
	});
	test('429 with Retry-After', () => {
		const e = caught(() => processTokenResponse(res(429, 'slow down', { 'retry-after': '7' })));
		expect(e.status).toBe(429);
		expect(e.retryAfterMs).toBe(7000);
		expect(e.code).toBe('RATE_LIMITED');
	});
	test('5xx, HTML, empty, non-JSON, no access_token', () => {
		expect(caught(() => processTokenResponse(res(503, 'down'))).kind).toBe('http');
		const html = caught(() => processTokenResponse(res(200, '<!doctype html><html>login</html>', { 'content-type': 'text/html' })));
		expect(html.code).toBe('HTML_RESPONSE');
		expect(caught(() => processTokenResponse(res(200, ''))).code).toBe('EMPTY_RESPONSE');
		expect(caught(() => processTokenResponse(res(200, '{"access_token":'))).code).toBe('INVALID_JSON');
		expect(caught(() => processTokenResponse(res(200, { token_type: 'Bearer' }))).code).toBe('TOKEN_MISSING');
		expect(caught(() => processTokenResponse(res(200, [1, 2]))).kind).toBe('response');
		expect(caught(() => processTokenResponse(res(200, { access_token: 'a', expires_in: 'soon' }))).kind).toBe('response');
		expect(caught(() => processTokenResponse(res(404, '<html>nope</html>', { 'content-type': 'text/html' }))).status).toBe(404);
		expect(caught(() => processTokenResponse(res(401, 'no'))).kind).toBe('auth');
	});
	test('property: never throws anything but LpError, and never leaks the secret', () => {
		const secret = 'S3cr3t-Value-xyz';
		const json = fc.oneof(
			fc.jsonValue(),
			fc.record({
				access_token: fc.oneof(fc.string(), fc.constant(secret), fc.integer(), fc.constant(null)),
				token_type: fc.oneof(fc.string(), fc.constant(undefined), fc.integer()),
				expires_in: fc.oneof(fc.integer(), fc.string(), fc.double(), fc.constant(undefined), fc.constant(null), fc.boolean()),
				error: fc.oneof(fc.constant(undefined), fc.constantFrom('invalid_client', 'invalid_grant', 'invalid_scope'), fc.string()),
				error_description: fc.oneof(fc.constant(undefined), fc.string(), fc.constant(`bad ${secret}`)),
			}),
		);
		const body = fc.oneof(json.map((j) => JSON.stringify(j) ?? ''), fc.string(), fc.constant('<html></html>'), fc.constant(''));
		fc.assert(
			fc.property(fc.integer({ min: 100, max: 599 }), body, fc.option(fc.string()), (status, text, retryAfter) => {
				const r: HttpResponse = { status, headers: retryAfter === null ? {} : { 'retry-after': retryAfter }, body: Buffer.from(text), attempts: 1 };
				try {
					const t = processTokenResponse(r, [secret]);
					return typeof t.value === 'string' && t.value.length > 0 && !Number.isNaN(t.expiresAt);
				} catch (e) {
					if (!(e instanceof LpError)) return false;
					return !JSON.stringify(e.toJSON()).includes(secret) && !e.message.includes(secret);
				}
			}),
			{ numRuns: 3000 },
		);
	});
});

describe('strategies from credential data (nodes/shared/credentialConfig)', () => {
	const headersOf = async (type: string, data: Record<string, unknown>) => (await strategyFor(type, data).apply({ method: 'GET', url: new URL('https://api.example.com/'), headers: {} })).headers;
	test('basic and access token', async () => {
		expect((await headersOf(CREDENTIAL_TYPES.basic, { user: 'Aladdin', password: 'open sesame' }))?.authorization).toBe('Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==');
		expect((await headersOf(CREDENTIAL_TYPES.accessToken, { accessToken: 'abc123', tokenType: 'Token' }))?.authorization).toBe('Token abc123');
		expect((await headersOf(CREDENTIAL_TYPES.accessToken, { accessToken: 'abc123' }))?.authorization).toBe('Bearer abc123');
		expect(() => strategyFor(CREDENTIAL_TYPES.accessToken, { accessToken: 'abc', tokenType: 'two words' })).toThrow(expect.objectContaining({ field: 'tokenType' }));
		expect(() => strategyFor(CREDENTIAL_TYPES.accessToken, { accessToken: '' })).toThrow(expect.objectContaining({ field: 'accessToken' }));
		expect(() => strategyFor(CREDENTIAL_TYPES.basic, { user: 'a:b', password: 'x' })).toThrow(expect.objectContaining({ field: 'user' }));
		expect(() => strategyFor('somethingElse', {})).toThrow(LpError);
	});
	test('the basic strategy holds the password, the user:password pair and the header as secrets', () => {
		const secrets = strategyFor(CREDENTIAL_TYPES.basic, { user: 'Aladdin', password: 'open sesame' }).secrets();
		expect(secrets).toEqual(expect.arrayContaining(['open sesame', 'Aladdin:open sesame', 'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==']));
	});
	test('client credentials validates the expired status and the token URL when built', () => {
		expect(() => strategyFor(CREDENTIAL_TYPES.clientCredentials, { accessTokenUrl: 'https://x', clientId: 'a', clientSecret: 'b', tokenExpiredStatusCode: 500 })).toThrow(
			expect.objectContaining({ field: 'tokenExpiredStatusCode' }),
		);
		expect(() => strategyFor(CREDENTIAL_TYPES.clientCredentials, { accessTokenUrl: 'ftp://x', clientId: 'a', clientSecret: 'b' })).toThrow(expect.objectContaining({ field: 'accessTokenUrl' }));
	});
	test('one strategy per credential object (the token cache key is fixed once)', () => {
		const data = { accessTokenUrl: 'https://x', clientId: 'a', clientSecret: 'b' };
		expect(strategyFor(CREDENTIAL_TYPES.clientCredentials, data)).toBe(strategyFor(CREDENTIAL_TYPES.clientCredentials, data));
		expect(strategyFor(CREDENTIAL_TYPES.clientCredentials, { ...data })).not.toBe(strategyFor(CREDENTIAL_TYPES.clientCredentials, data));
	});
});
