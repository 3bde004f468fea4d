/**
 * lib/auth against a REAL OAuth 2.0 server: oidc-provider 9 (ESM only), started from
 * test/fixtures/oidc-server.mjs as a child process on 127.0.0.1:0.
 * Client credentials (client_secret_basic and client_secret_post), invalid_client, invalid_scope,
 * expiry, revocation with refetch on the configured status, authorization code + PKCE (required).
 */
import type { ChildProcess } from 'node:child_process';
import { LpError } from '../../lib/errors';
import { send, type AuthStrategy } from '../../lib/http';
import { OutboundPolicy } from '../../lib/net/policy';
import {
	buildAuthorizationUrl,
	fetchAuthorizationCodeToken,
	fetchClientCredentialsToken,
	fetchRefreshToken,
} from '../../lib/auth/oauth2';
import { createPkcePair, generateCodeVerifier } from '../../lib/auth/pkce';
import { clientSecretBasic } from '../../lib/auth/basic';
import { clientCredentialsStrategy } from '../../lib/auth/strategies';
import { TokenCache } from '../../lib/auth/token-cache';
import { clientCredentialsConfig } from '../../nodes/shared/credentialConfig';
import { followAuthorization, startOidcFixture } from '../support/oidc-fixture';

const SECRET_BASIC = 'cc-basic-Secret-9f3a1c';
const SECRET_POST = 'cc-post-Secret-7b2e44';
const SECRET_WEB = 'web-app-Secret-55d0aa';
const WRONG_SECRET = 'totally-Wrong-Secret-000';
const REDIRECT = 'https://n8n.example.test/rest/oauth2-credential/callback';
const ALL_SECRETS = [SECRET_BASIC, SECRET_POST, SECRET_WEB, WRONG_SECRET];

let child: ChildProcess;
let issuer: string;
/** The fixture listens on 127.0.0.1: every request of this file allows loopback. */
const loopback = new OutboundPolicy({ allow: ['loopback'] });
const errors: LpError[] = [];

async function startFixture(): Promise<void> {
	const config = {
		ttlSeconds: 2,
		resourceStatus: 401,
		clients: [
			{
				client_id: 'cc-basic',
				client_secret: SECRET_BASIC,
				grant_types: ['client_credentials'],
				response_types: [],
				redirect_uris: [],
				token_endpoint_auth_method: 'client_secret_basic',
				scope: 'api:read api:write',
			},
			{
				client_id: 'cc-post',
				client_secret: SECRET_POST,
				grant_types: ['client_credentials'],
				response_types: [],
				redirect_uris: [],
				token_endpoint_auth_method: 'client_secret_post',
				scope: 'api:read',
			},
			{
				client_id: 'web',
				client_secret: SECRET_WEB,
				grant_types: ['authorization_code', 'refresh_token'],
				response_types: ['code'],
				redirect_uris: [REDIRECT],
				token_endpoint_auth_method: 'client_secret_basic',
			},
		],
	};
	({ issuer, child } = await startOidcFixture(config));
}

beforeAll(startFixture, 20_000);
afterAll(async () => {
	child?.kill();
	// Every error seen in this file: no secret in message, hint, snippet or JSON.
	for (const e of errors) {
		const text = `${e.message} ${e.hint ?? ''} ${JSON.stringify(e.toJSON())}`;
		for (const s of ALL_SECRETS) expect(text).not.toContain(s);
	}
});

const io = () => ({ policy: loopback, retry: { retries: 0 } });
const tokenUrl = () => `${issuer}/token`;

async function grants(clientId: string): Promise<number> {
	const res = await send({ url: `${issuer}/stats`, policy: loopback });
	return (JSON.parse(res.body.toString()) as { grants: Record<string, number> }).grants[clientId] ?? 0;
}

async function resource(token: string, status?: number) {
	return send({ url: `${issuer}/api/resource${status ? `?status=${status}` : ''}`, headers: { authorization: `Bearer ${token}` }, policy: loopback });
}

/**
 * The OAuth2 client credentials strategy of a credential's n8n fields (as a node builds it, once per
 * execution), on its own token cache; a refusal with the configured status makes it refetch once.
 */
const ccStrategy = (data: Record<string, unknown>, cache: TokenCache): AuthStrategy =>
	clientCredentialsStrategy(clientCredentialsConfig({ ...data, allowedInternalNetworks: 'loopback' }), { cache, retry: { retries: 0 } });

/** The token value a strategy signs the next request with (from its cache). */
async function tokenOf(auth: AuthStrategy): Promise<string> {
	const applied = await auth.apply({ method: 'GET', url: new URL(`${issuer}/api/resource`), headers: {} });
	return applied.used!;
}

const sendWith = (auth: AuthStrategy, url: string) => send({ url, auth, policy: loopback });

async function revoke(token: string) {
	return send({
		url: `${issuer}/token/revocation`,
		method: 'POST',
		headers: { 'content-type': 'application/x-www-form-urlencoded' },
		body: new URLSearchParams({ token, client_id: 'cc-post', client_secret: SECRET_POST }).toString(),
		policy: loopback,
	});
}

async function expectLpError(p: Promise<unknown>): Promise<LpError> {
	try {
		await p;
	} catch (e) {
		expect(e).toBeInstanceOf(LpError);
		errors.push(e as LpError);
		return e as LpError;
	}
	throw new Error('expected a rejection');
}

describe('client credentials', () => {
	test('client_secret_basic (header)', async () => {
		const before = Date.now();
		const t = await fetchClientCredentialsToken({ tokenUrl: tokenUrl(), clientId: 'cc-basic', clientSecret: SECRET_BASIC, scope: 'api:read', clientAuth: 'header' }, io());
		expect(t.value.length).toBeGreaterThan(10);
		expect(t.tokenType).toBe('Bearer');
		expect(t.extra?.scope).toBe('api:read');
		expect(t.expiresAt).toBeGreaterThanOrEqual(before + 2000);
		expect(t.expiresAt).toBeLessThanOrEqual(Date.now() + 2000);
		expect((await resource(t.value)).status).toBe(200);
	});

	test('client_secret_post (body)', async () => {
		const t = await fetchClientCredentialsToken({ tokenUrl: tokenUrl(), clientId: 'cc-post', clientSecret: SECRET_POST, scope: 'api:read', clientAuth: 'body' }, io());
		const res = await resource(t.value);
		expect(res.status).toBe(200);
		expect(JSON.parse(res.body.toString()).clientId).toBe('cc-post');
	});

	// (oidc-provider accepts client_secret_basic and client_secret_post interchangeably for a
	// secret-based client, so the wire form of each is asserted in test/unit/auth/oauth2.test.ts.)

	test('wrong secret: a clear invalid_client error naming the secret field, without the secret', async () => {
		const e = await expectLpError(fetchClientCredentialsToken({ tokenUrl: tokenUrl(), clientId: 'cc-basic', clientSecret: WRONG_SECRET, clientAuth: 'header' }, io()));
		expect(e.kind).toBe('auth');
		expect(e.status).toBe(401);
		expect(e.code).toBe('OAUTH_INVALID_CLIENT');
		expect(e.field).toBe('clientSecret');
		expect(e.message).toMatch(/client authentication.*invalid_client/);
		expect(e.hint).toMatch(/Client Secret/);
	});

	test('scope the client may not have: invalid_scope naming the scope field', async () => {
		const e = await expectLpError(fetchClientCredentialsToken({ tokenUrl: tokenUrl(), clientId: 'cc-post', clientSecret: SECRET_POST, scope: 'api:write', clientAuth: 'body' }, io()));
		expect(e.code).toBe('OAUTH_INVALID_SCOPE');
		expect(e.field).toBe('scope');
		expect(e.status).toBe(400);
	});

	test('token URL that is not a token endpoint: clear error', async () => {
		const e = await expectLpError(fetchClientCredentialsToken({ tokenUrl: `${issuer}/nope`, clientId: 'cc-basic', clientSecret: SECRET_BASIC }, io()));
		expect(e.status).toBe(404);
	});

	test('cached: many concurrent callers, one grant; refetched when the 2 s token nears expiry (injected clock)', async () => {
		let now = Date.now();
		const cache = new TokenCache({ now: () => now });
		const strategy = clientCredentialsStrategy(
			{ tokenUrl: tokenUrl(), clientId: 'cc-basic', clientSecret: SECRET_BASIC, scope: 'api:write', clientAuth: 'header', allowedInternalNetworks: 'loopback' },
			{ cache, retry: { retries: 0 } },
		);
		const used = async () => (await strategy.apply({ method: 'GET', url: new URL(issuer), headers: {} })).used as string;
		const start = await grants('cc-basic');
		const first = await Promise.all(Array.from({ length: 50 }, used));
		expect(new Set(first).size).toBe(1);
		expect((await grants('cc-basic')) - start).toBe(1);
		// The margin is capped at half the 2 s lifetime: 1.1 s later (on the cache's clock) it refetches.
		now += 500;
		expect(await used()).toBe(first[0]);
		expect((await grants('cc-basic')) - start).toBe(1);
		now += 600;
		const second = await used();
		expect(second).not.toBe(first[0]);
		expect((await grants('cc-basic')) - start).toBe(2);
		// The new token is accepted by the resource server.
		expect((await resource(second)).status).toBe(200);
	});

	test('revoked token: the configured status (403) causes ONE refetch for 20 concurrent calls', async () => {
		const cache = new TokenCache();
		const data = { accessTokenUrl: tokenUrl(), clientId: 'cc-post', clientSecret: SECRET_POST, scope: 'api:read', authentication: 'body', tokenExpiredStatusCode: 403 };
		const url = `${issuer}/api/resource?status=403`;
		const start = await grants('cc-post');
		const ok = await sendWith(ccStrategy(data, cache), url);
		expect(ok.status).toBe(200);
		expect((await grants('cc-post')) - start).toBe(1);

		// Revoke the cached token at the server (RFC 7009).
		const cached = await tokenOf(ccStrategy(data, cache));
		expect((await grants('cc-post')) - start).toBe(1); // the cached one, no new grant
		const revoked = await revoke(cached);
		expect(revoked.status).toBe(200);
		expect((await resource(cached, 403)).status).toBe(403);

		const results = await Promise.all(Array.from({ length: 20 }, () => sendWith(ccStrategy(data, cache), url)));
		expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
		expect(results.every((r) => r.reauthenticated)).toBe(true);
		expect((await grants('cc-post')) - start).toBe(2);
	});

	test('a status other than the configured one does not refetch', async () => {
		const cache = new TokenCache();
		const data = { accessTokenUrl: tokenUrl(), clientId: 'cc-post', clientSecret: SECRET_POST, authentication: 'body', tokenExpiredStatusCode: 401 };
		const start = await grants('cc-post');
		// First call fetches a token; the resource is then asked to answer 403 for a bad token only,
		// so use a token the server never issued by revoking after the first call.
		const first = await sendWith(ccStrategy(data, cache), `${issuer}/api/resource?status=403`);
		expect(first.status).toBe(200);
		const token = await tokenOf(ccStrategy(data, cache));
		expect((await revoke(token)).status).toBe(200);
		const rejected = await sendWith(ccStrategy(data, cache), `${issuer}/api/resource?status=403`);
		expect(rejected.status).toBe(403);
		expect(rejected.reauthenticated).toBeFalsy();
		expect((await grants('cc-post')) - start).toBe(1);
		// With the matching status the same situation recovers.
		const recovered = await sendWith(ccStrategy(data, cache), `${issuer}/api/resource?status=401`);
		expect(recovered.status).toBe(200);
		expect(recovered.reauthenticated).toBe(true);
		expect((await grants('cc-post')) - start).toBe(2);
	});
});

/** Follows the authorization request through the interaction to the redirect URI, keeping cookies. */
const authorize = (url: string): Promise<URL> => followAuthorization(url, REDIRECT, loopback);

describe('authorization code + PKCE (required by the server)', () => {
	const authUrl = () => `${issuer}/auth`;

	test('full flow: authorize, exchange the code with the verifier, use and refresh the token', async () => {
		const pkce = createPkcePair();
		const url = buildAuthorizationUrl({
			authUrl: authUrl(),
			clientId: 'web',
			redirectUri: REDIRECT,
			scope: 'openid offline_access',
			state: 'state-123',
			codeVerifier: pkce.verifier,
			extraParams: { prompt: 'consent' },
		});
		const back = await authorize(url);
		expect(back.searchParams.get('state')).toBe('state-123');
		const code = back.searchParams.get('code');
		expect(code).toBeTruthy();

		const token = await fetchAuthorizationCodeToken(
			{ tokenUrl: tokenUrl(), clientId: 'web', clientSecret: SECRET_WEB, code: code!, redirectUri: REDIRECT, codeVerifier: pkce.verifier },
			io(),
		);
		expect(token.tokenType).toBe('Bearer');
		expect(typeof token.extra?.refreshToken).toBe('string');
		expect((await resource(token.value)).status).toBe(200);

		const refreshed = await fetchRefreshToken({ tokenUrl: tokenUrl(), clientId: 'web', clientSecret: SECRET_WEB, refreshToken: token.extra!.refreshToken as string }, io());
		expect(refreshed.value).not.toBe(token.value);
		expect((await resource(refreshed.value)).status).toBe(200);

		// A code is single-use: replaying it fails with invalid_grant.
		const replay = await expectLpError(
			fetchAuthorizationCodeToken({ tokenUrl: tokenUrl(), clientId: 'web', clientSecret: SECRET_WEB, code: code!, redirectUri: REDIRECT, codeVerifier: pkce.verifier }, io()),
		);
		expect(replay.code).toBe('OAUTH_INVALID_GRANT');
	});

	test('a wrong verifier fails with invalid_grant', async () => {
		const pkce = createPkcePair();
		const back = await authorize(
			buildAuthorizationUrl({ authUrl: authUrl(), clientId: 'web', redirectUri: REDIRECT, scope: 'openid', state: 's', codeVerifier: pkce.verifier }),
		);
		const code = back.searchParams.get('code')!;
		const e = await expectLpError(
			fetchAuthorizationCodeToken({ tokenUrl: tokenUrl(), clientId: 'web', clientSecret: SECRET_WEB, code, redirectUri: REDIRECT, codeVerifier: generateCodeVerifier() }, io()),
		);
		expect(e.kind).toBe('auth');
		expect(e.code).toBe('OAUTH_INVALID_GRANT');
		expect(e.hint).toMatch(/verifier/);
	});

	test('without PKCE the server refuses the authorization request', async () => {
		const back = await authorize(buildAuthorizationUrl({ authUrl: authUrl(), clientId: 'web', redirectUri: REDIRECT, scope: 'openid', state: 's' }));
		expect(back.searchParams.get('code')).toBeNull();
		expect(back.searchParams.get('error')).toBe('invalid_request');
	});

	test('the code exchange with a wrong client secret fails as invalid_client without leaking it', async () => {
		const pkce = createPkcePair();
		const back = await authorize(
			buildAuthorizationUrl({ authUrl: authUrl(), clientId: 'web', redirectUri: REDIRECT, scope: 'openid', state: 's', codeVerifier: pkce.verifier }),
		);
		const e = await expectLpError(
			fetchAuthorizationCodeToken(
				{ tokenUrl: tokenUrl(), clientId: 'web', clientSecret: WRONG_SECRET, code: back.searchParams.get('code')!, redirectUri: REDIRECT, codeVerifier: pkce.verifier },
				io(),
			),
		);
		expect(e.code).toBe('OAUTH_INVALID_CLIENT');
		// The Basic header we sent is exactly RFC 6749 §2.3.1.
		expect(clientSecretBasic('web', WRONG_SECRET)).toMatch(/^Basic /);
	});
});
