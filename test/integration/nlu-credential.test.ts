/**
 * Third-party NLU credential against local token endpoints (127.0.0.1) that check what Google and
 * IBM check:
 *   - Google: the JWT bearer grant's assertion is verified with the public key of a key pair made
 *     at test time (RS256 signature, aud = the endpoint's own URL, iss = sub = client_email, the
 *     scope, exp after now and at most one hour after iat); anything else is refused with
 *     invalid_grant, as Google does.
 *   - IBM: the API-key grant (grant_type and apikey), form-encoded; a wrong key is refused with
 *     IBM's error shape.
 *   - 200 concurrent callers → 1 token request; a 401 on the API → one refetch for all of them.
 * The JSON validation names the missing field and never quotes the private key.
 * The node's use of the credential (API Integration, the Test button) runs in n8n's own engine:
 * test/engine/nlu-node.engine.test.ts.
 */
import { generateKeyPairSync } from 'node:crypto';
import * as jose from 'jose';
import { buildGoogleAssertion, fetchNluToken, GOOGLE_DEFAULT_SCOPE, nluStrategy, parseServiceAccountJson, resolveNluConfig } from '../../lib/auth/nlu';
import { TokenCache, tokenCache } from '../../lib/auth/token-cache';
import { LpError } from '../../lib/errors';
import { closeAllDispatchers, send } from '../../lib/http';
import { EMAIL, useNluServers, type Server } from '../support/nlu-servers';

jest.setTimeout(60_000);

const nlu = useNluServers(() => tokenCache.clear());
let server: Server;
let privatePem: string;
let otherPrivatePem: string;
beforeAll(() => {
	server = nlu.server();
	privatePem = nlu.privatePem();
	otherPrivatePem = nlu.otherPrivatePem();
});
afterAll(async () => {
	await closeAllDispatchers();
});
const { serviceAccountJson, google, ibm } = nlu;

/** Every string of an error, own properties included. */
const dump = (e: unknown) => (e instanceof LpError ? JSON.stringify({ ...e.toJSON(), message: e.message, hint: e.hint, snippet: e.responseSnippet }) : String(e));

function expectNoKey(text: string) {
	const keyLines = privatePem.split('\n').filter((l) => l && !l.startsWith('-----'));
	for (const line of keyLines) expect(text).not.toContain(line.slice(0, 20));
	expect(text).not.toContain('PRIVATE KEY');
}

describe('Google Dialogflow: signed JWT bearer grant', () => {
	test('the token endpoint verifies signature, aud, iss, sub, scope and exp; the token is cached', async () => {
		const r = resolveNluConfig(google());
		const token = await fetchNluToken(r, { retry: { retries: 0 } });
		expect(token.value).toMatch(/^ya29\.google-/);
		expect(server.googleTokens).toBe(1);
		const claims = server.lastClaims!;
		expect(claims).toMatchObject({ iss: EMAIL, sub: EMAIL, aud: `${server.url}/google/token`, scope: GOOGLE_DEFAULT_SCOPE });
		expect(claims.exp! - claims.iat!).toBeLessThanOrEqual(3600);
		expect(Math.abs(claims.iat! - Date.now() / 1000)).toBeLessThan(60);
	});

	test('an edited scope is sent (and a different scope is refused by the server)', async () => {
		server.expectedScope = 'https://www.googleapis.com/auth/dialogflow';
		await expect(fetchNluToken(resolveNluConfig(google()), { retry: { retries: 0 } })).rejects.toMatchObject({ code: 'OAUTH_INVALID_GRANT' });
		expect(server.lastRefusal).toBe('Invalid scope');
		const token = await fetchNluToken(resolveNluConfig({ ...google(), scope: '  https://www.googleapis.com/auth/dialogflow ' }), { retry: { retries: 0 } });
		expect(token.value).toBeTruthy();
		expect(server.lastClaims?.scope).toBe('https://www.googleapis.com/auth/dialogflow');
	});

	test('a key the server does not know, a foreign audience and an expired assertion are refused (the checks are real)', async () => {
		const wrongKey = fetchNluToken(resolveNluConfig(google({}, otherPrivatePem)), { retry: { retries: 0 } });
		await expect(wrongKey).rejects.toMatchObject({ code: 'OAUTH_INVALID_GRANT', field: 'serviceAccountJson' });
		expect(server.lastRefusal).toMatch(/JWSSignatureVerificationFailed/);
		// token_uri with a query string: same endpoint, but aud is no longer its URL.
		await expect(fetchNluToken(resolveNluConfig(google({ token_uri: `${server.url}/google/token?x=1` })), { retry: { retries: 0 } })).rejects.toMatchObject({ code: 'OAUTH_INVALID_GRANT' });
		expect(server.lastRefusal).toMatch(/JWTClaimValidationFailed/);
		const twoHoursAgo = Date.now() - 2 * 3600 * 1000;
		await expect(fetchNluToken(resolveNluConfig(google()), { retry: { retries: 0 }, now: () => twoHoursAgo })).rejects.toMatchObject({ code: 'OAUTH_INVALID_GRANT' });
		expect(server.lastRefusal).toMatch(/JWTExpired/);
		expect(server.lastClaims).toBeUndefined();
	});

	test('the assertion lives at most one hour and carries the key id', async () => {
		const sa = parseServiceAccountJson(serviceAccountJson());
		const assertion = await buildGoogleAssertion(sa, 'a b', 1_700_000_000_000, 99_999);
		const claims = jose.decodeJwt(assertion);
		expect(claims.exp! - claims.iat!).toBe(3600);
		expect(jose.decodeProtectedHeader(assertion)).toMatchObject({ alg: 'RS256', typ: 'JWT', kid: 'kid-1' });
	});
});

describe('Service Account JSON validation', () => {
	const without = (field: string) => {
		const obj = JSON.parse(serviceAccountJson()) as Record<string, unknown>;
		delete obj[field];
		return JSON.stringify(obj);
	};
	test.each(['client_email', 'private_key'])('missing "%s" is named, the key is never quoted', (field) => {
		let error: unknown;
		try {
			parseServiceAccountJson(without(field));
		} catch (e) {
			error = e;
		}
		expect(error).toBeInstanceOf(LpError);
		expect((error as LpError).message).toContain(`"${field}"`);
		expect((error as LpError).field).toBe('serviceAccountJson');
		expectNoKey(dump(error));
	});

	test('invalid JSON, a cut key, a non-RSA key and a wrong type are refused without quoting the key', () => {
		const cases: Array<[string, RegExp]> = [
			[serviceAccountJson().slice(0, -5), /not valid JSON/],
			[serviceAccountJson({ private_key: privatePem.slice(0, 400) + '\n-----END PRIVATE KEY-----\n' }), /cannot be read/],
			[serviceAccountJson({ private_key: generateKeyPairSync('ec', { namedCurve: 'P-256', privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey }), /RSA/],
			[serviceAccountJson({ type: 'authorized_user' }), /expected "service_account"/],
			[serviceAccountJson({ client_email: 42 }), /"client_email" must be a string/],
			[serviceAccountJson({ token_uri: 'ftp://x' }), /token_uri/],
			['[]', /JSON object/],
			['', /required/],
		];
		for (const [text, expected] of cases) {
			let error: unknown;
			try {
				parseServiceAccountJson(text);
			} catch (e) {
				error = e;
			}
			expect(error).toBeInstanceOf(LpError);
			expect((error as LpError).message).toMatch(expected);
			expectNoKey(dump(error));
			expect((error as { cause?: unknown }).cause).toBeUndefined();
		}
	});

	test('a key pasted with literal \\n sequences is accepted; a missing token_uri means Google\'s', () => {
		const obj = JSON.parse(without('token_uri')) as Record<string, unknown>;
		obj.private_key = privatePem.replace(/\n/g, '\\n');
		const sa = parseServiceAccountJson(JSON.stringify(obj));
		expect(sa.tokenUri).toBe('https://oauth2.googleapis.com/token');
		expect(sa.privateKey.asymmetricKeyType).toBe('rsa');
	});

	test('IBM: API key required, provider checked', () => {
		expect(() => resolveNluConfig(ibm(''))).toThrow(expect.objectContaining({ field: 'apiKey' }));
		expect(() => resolveNluConfig({ provider: 'other' as never })).toThrow(expect.objectContaining({ field: 'provider' }));
		expect(() => resolveNluConfig({ ...ibm(), iamUrl: 'notaurl' })).toThrow(expect.objectContaining({ field: 'iamUrl' }));
	});
});

describe('IBM Watson: API-key grant', () => {
	test('the right key gets a token; a wrong key is refused with a hint and never quoted', async () => {
		const token = await fetchNluToken(resolveNluConfig(ibm()), { retry: { retries: 0 } });
		expect(token.value).toMatch(/^ibm-iam-/);
		expect(token.expiresAt).toBeGreaterThan(Date.now() + 3000_000);
		const wrong = 'ibm-wrong-key-987654321';
		const error = await fetchNluToken(resolveNluConfig(ibm(wrong)), { retry: { retries: 0 } }).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(LpError);
		expect((error as LpError).status).toBe(400);
		expect((error as LpError).field).toBe('apiKey');
		expect(dump(error)).not.toContain(wrong);
		expect(server.ibmTokens).toBe(2);
	});
});

describe('cache: single flight and one refetch after a refusal', () => {
	const N = 200;
	test.each([
		['Google', () => google()],
		['IBM', () => ibm()],
	])('%s: 200 concurrent callers → 1 token request; all revoked → 1 more', async (_label, cfg) => {
		const cache = new TokenCache();
		const strategy = nluStrategy(cfg(), { cache, retry: { retries: 0 } });
		const call = () => send({ url: `${server.url}/api`, auth: strategy, policy: resolveNluConfig(cfg()).policy });
		const first = await Promise.all(Array.from({ length: N }, call));
		expect(first.every((r) => r.status === 200)).toBe(true);
		const tokenRequests = () => server.googleTokens + server.ibmTokens;
		expect(tokenRequests()).toBe(1);
		expect(server.apiCalls).toBe(N);
		// The API now refuses the token (revoked): each caller gets one 401, the token is dropped by
		// value once, ONE new token is fetched and every caller's re-send succeeds.
		for (const t of server.issued) server.revoked.add(t);
		const second = await Promise.all(Array.from({ length: N }, call));
		expect(second.every((r) => r.status === 200 && r.reauthenticated === true)).toBe(true);
		expect(tokenRequests()).toBe(2);
		expect(cache.stats().fetches).toBe(2);
		process.stdout.write(`[nlu] ${_label}: ${N} concurrent callers → ${tokenRequests()} token requests (1 + 1 after a revocation), ${server.apiCalls} API calls\n`);
	});
});
