/**
 * Consumer Authentication Start/Complete against a REAL authorization server (oidc-provider 9,
 * test/fixtures/oidc-server.mjs, PKCE required), without a browser: the "consumer" follows the
 * authorization URL through the fixture's login/consent interaction to the redirect URI, then
 * Complete exchanges the code and the token calls the protected resource.
 * Refused: a reused state, a tampered state, an expired state (injected clock), a state of another
 * client, access_denied from the provider, and invalid_grant from the token endpoint.
 * The node (Start → Complete across runs, the credential's Test button) runs in n8n's own engine:
 * test/engine/consumer-auth-node.engine.test.ts.
 */
import { completeConsumerAuth, MemoryStateStore, startConsumerAuth, testConsumerAuthClient, type ConsumerAuthConfig } from '../../lib/auth/consumer-auth';
import { LpError } from '../../lib/errors';
import { closeAllDispatchers, send } from '../../lib/http';
import { OutboundPolicy } from '../../lib/net/policy';
import { CONSUMER_AUTH_CLIENT, followAuthorization, useConsumerAuthProvider } from '../support/oidc-fixture';

jest.setTimeout(60_000);

const { secret: SECRET, redirect: REDIRECT } = CONSUMER_AUTH_CLIENT;
const loopback = new OutboundPolicy({ allow: ['loopback'] });

const provider = useConsumerAuthProvider();
let issuer: string;
beforeAll(() => {
	issuer = provider();
});
afterAll(async () => {
	await closeAllDispatchers();
});

const cfg = (extra: Partial<ConsumerAuthConfig> = {}): ConsumerAuthConfig => ({
	authUrl: `${issuer}/auth`,
	tokenUrl: `${issuer}/token`,
	clientId: 'bot',
	clientSecret: SECRET,
	scope: 'openid',
	allowedInternalNetworks: 'loopback',
	...extra,
});
const io = { retry: { retries: 0 } };

/** The consumer's browser, without a browser: follows redirects (keeping cookies) until the redirect URI. */
const consumerSignsIn = (url: string) => followAuthorization(url, REDIRECT, loopback);

const query = (u: URL) => ({ state: u.searchParams.get('state') ?? undefined, code: u.searchParams.get('code') ?? undefined, error: u.searchParams.get('error') ?? undefined });

async function refused(p: Promise<unknown>): Promise<LpError> {
	const e = await p.then(
		() => undefined,
		(error: unknown) => error,
	);
	expect(e).toBeInstanceOf(LpError);
	return e as LpError;
}

describe('Consumer Authentication (lib) against oidc-provider', () => {
	test('start → consumer signs in → complete: a token for that conversation that calls the protected API', async () => {
		const store = new MemoryStateStore();
		const started = await startConsumerAuth(cfg(), { conversationId: 'conv-77', redirectUri: REDIRECT }, { store });
		const url = new URL(started.authorizationUrl);
		expect(Object.fromEntries(url.searchParams)).toMatchObject({ client_id: 'bot', response_type: 'code', redirect_uri: REDIRECT, scope: 'openid', code_challenge_method: 'S256' });
		expect(url.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);
		expect(url.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
		expect(url.searchParams.has('code_verifier')).toBe(false);
		expect(JSON.stringify(started)).not.toMatch(/verifier/i);

		const back = await consumerSignsIn(started.authorizationUrl);
		const done = await completeConsumerAuth(cfg(), query(back), { store, io });
		expect(done.conversationId).toBe('conv-77');
		expect(done.token.tokenType).toBe('Bearer');
		const api = await send({ url: `${issuer}/api/resource`, headers: { authorization: `Bearer ${done.token.value}` }, policy: loopback });
		expect(api.status).toBe(200);

		// The same redirect again (a replay): the state was used once.
		const reused = await refused(completeConsumerAuth(cfg(), query(back), { store, io }));
		expect(reused.code).toBe('CONSUMER_AUTH_STATE_UNKNOWN');
		expect(reused.message).toMatch(/already used/);
	});

	test('a tampered state is refused and the genuine one still works once', async () => {
		const store = new MemoryStateStore();
		const started = await startConsumerAuth(cfg(), { conversationId: 'conv-1', redirectUri: REDIRECT }, { store });
		const back = await consumerSignsIn(started.authorizationUrl);
		const q = query(back);
		const tampered = q.state!.slice(0, -1) + (q.state!.endsWith('A') ? 'B' : 'A');
		expect((await refused(completeConsumerAuth(cfg(), { ...q, state: tampered }, { store, io }))).code).toBe('CONSUMER_AUTH_STATE_UNKNOWN');
		expect((await refused(completeConsumerAuth(cfg(), { ...q, state: '' }, { store, io }))).code).toBe('CONSUMER_AUTH_STATE_MISSING');
		expect((await completeConsumerAuth(cfg(), q, { store, io })).conversationId).toBe('conv-1');
	});

	test('an expired state is refused (injected clock), and is gone afterwards', async () => {
		const store = new MemoryStateStore();
		let now = Date.now();
		const clock = () => now;
		const started = await startConsumerAuth(cfg(), { conversationId: 'conv-2', redirectUri: REDIRECT, lifetimeMs: 5 * 60_000 }, { store, now: clock });
		const back = await consumerSignsIn(started.authorizationUrl);
		now += 5 * 60_000 + 1000;
		const e = await refused(completeConsumerAuth(cfg(), query(back), { store, io, now: clock }));
		expect(e.code).toBe('CONSUMER_AUTH_STATE_EXPIRED');
		expect(e.message).toMatch(/expired/);
		expect((await refused(completeConsumerAuth(cfg(), query(back), { store, io, now: clock }))).code).toBe('CONSUMER_AUTH_STATE_UNKNOWN');
	});

	test('a state of another client, access_denied and invalid_grant are each named', async () => {
		const store = new MemoryStateStore();
		const a = await startConsumerAuth(cfg(), { conversationId: 'c', redirectUri: REDIRECT }, { store });
		const stateA = new URL(a.authorizationUrl).searchParams.get('state')!;
		expect((await refused(completeConsumerAuth(cfg({ clientId: 'other' }), { state: stateA, code: 'x' }, { store, io }))).code).toBe('CONSUMER_AUTH_STATE_OTHER_CLIENT');

		const b = await startConsumerAuth(cfg(), { conversationId: 'c', redirectUri: REDIRECT }, { store });
		const denied = await refused(completeConsumerAuth(cfg(), { state: new URL(b.authorizationUrl).searchParams.get('state')!, error: 'access_denied', errorDescription: 'End-User aborted interaction' }, { store, io }));
		expect(denied.code).toBe('CONSUMER_AUTH_ACCESS_DENIED');
		expect(denied.message).toMatch(/declined.*access_denied/);

		const c = await startConsumerAuth(cfg(), { conversationId: 'c', redirectUri: REDIRECT }, { store });
		const back = await consumerSignsIn(c.authorizationUrl);
		const code = back.searchParams.get('code')!;
		// A code altered on the way: the token endpoint refuses it.
		const e = await refused(completeConsumerAuth(cfg(), { state: back.searchParams.get('state')!, code: `${code}x` }, { store, io }));
		expect(e.code).toBe('OAUTH_INVALID_GRANT');
		expect(`${e.message} ${e.hint} ${JSON.stringify(e.toJSON())}`).not.toContain(SECRET);
	});

	test('start validates its input', async () => {
		await expect(startConsumerAuth(cfg(), { conversationId: '', redirectUri: REDIRECT })).rejects.toMatchObject({ field: 'conversationId' });
		await expect(startConsumerAuth(cfg(), { conversationId: 'c', redirectUri: 'not a url' })).rejects.toMatchObject({ field: 'redirectUri' });
		await expect(startConsumerAuth(cfg(), { conversationId: 'c', redirectUri: REDIRECT, lifetimeMs: 2 * 3600_000 })).rejects.toMatchObject({ field: 'stateLifetime' });
	});

	test('credential Test: the right client gets invalid_grant for a made-up code (OK), a wrong secret fails', async () => {
		expect(await testConsumerAuthClient(cfg(), io)).toMatchObject({ ok: true });
		const wrong = await refused(testConsumerAuthClient(cfg({ clientSecret: 'wrong-Secret-123' }), io));
		expect(wrong.code).toBe('OAUTH_INVALID_CLIENT');
	});
});
