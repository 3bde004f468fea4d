/**
 * The LivePerson Consumer Authentication node in n8n's own engine (both pinned versions, test/engine/engine.ts)
 * against a REAL authorization server (oidc-provider 9, test/fixtures/oidc-server.mjs, PKCE required): Start,
 * the consumer signs in (without a browser), Complete in a later run of the same workflow (one long-running
 * n8n: the state store lives as long as the process), and the credential's Test button on n8n-core's
 * CredentialTestContext. The library cases: test/integration/consumer-auth-oidc.test.ts; the same flow
 * behind a real n8n server with a browser: test/e2e/consumer-auth.e2e.test.ts.
 */
import { closeAllDispatchers, send } from '../../lib/http';
import { OutboundPolicy } from '../../lib/net/policy';
import { INSTALL_TIMEOUT_MS, workflowId } from '../e2e/harness';
import { CONSUMER_AUTH_CLIENT, followAuthorization, useConsumerAuthProvider } from '../support/oidc-fixture';
import { createEngine, ENGINE_VERSIONS, RUN_NODE, runNode, type Engine } from './engine';

jest.setTimeout(60_000);

const { secret: SECRET, redirect: REDIRECT } = CONSUMER_AUTH_CLIENT;
const INSTANCE = 'https://n8n.example.test';
const loopback = new OutboundPolicy({ allow: ['loopback'] });

const provider = useConsumerAuthProvider();
let issuer: string;
beforeAll(() => {
	issuer = provider();
});

/** The consumer's browser, without a browser: follows redirects (keeping cookies) until the redirect URI. */
const consumerSignsIn = (url: string) => followAuthorization(url, REDIRECT, loopback);
const query = (u: URL) => ({ state: u.searchParams.get('state') ?? '', code: u.searchParams.get('code') ?? '', error: u.searchParams.get('error') ?? '' });

describe.each(ENGINE_VERSIONS)('LivePerson Consumer Authentication node in n8n %s', (version) => {
	let n8n: Engine;
	beforeAll(async () => {
		// n8n behind https://n8n.example.test (the redirect URI's origin is this instance's), running long.
		n8n = await createEngine(version, { moduleScope: 'instance', instanceBaseUrl: INSTANCE });
		// The test's own connections to the fixture may have idled out while the engine loaded.
		await closeAllDispatchers();
	}, INSTALL_TIMEOUT_MS);
	afterAll(() => n8n?.close());

	const credential = () => ({ authUrl: `${issuer}/auth`, accessTokenUrl: `${issuer}/token`, clientId: 'bot', clientSecret: SECRET, scope: 'openid', authentication: 'header', allowedInternalNetworks: 'loopback' });
	/** Start and Complete are runs of one saved workflow (a state is bound to its workflow). */
	const wf = workflowId('consumer-auth');
	async function run(parameters: Record<string, unknown>, continueOnFail = false) {
		const result = await runNode(n8n, { type: 'livePersonConsumerAuth', parameters, continueOnFail, workflowId: wf, credentials: { livePersonConsumerAuthApi: credential() } });
		if (!result.ok) throw new Error(`run failed: ${result.error?.message}`);
		return result.runData[RUN_NODE][0].data?.main?.[0] ?? [];
	}

	test('Start then Complete: metadata only by default; the token only when asked; a replay is an item error', async () => {
		const [started] = await run({ operation: 'start', conversationId: 'conv-9', redirectUri: REDIRECT, options: {} });
		expect(started.json).toMatchObject({ conversationId: 'conv-9', authorizationUrl: expect.stringContaining(`${issuer}/auth?`) });
		const back = await consumerSignsIn(started.json.authorizationUrl as string);
		const [done] = await run({ operation: 'complete', ...query(back), options: {} });
		expect(done.json).toMatchObject({ conversationId: 'conv-9', authenticated: true, tokenType: 'Bearer' });
		expect(done.json).not.toHaveProperty('accessToken');
		const replay = await run({ operation: 'complete', ...query(back), options: {} }, true);
		expect(JSON.stringify(replay[0].json)).toMatch(/already used/);
		expect(replay[0].pairedItem).toEqual({ item: 0 });

		const [again] = await run({ operation: 'start', conversationId: 'conv-10', redirectUri: REDIRECT, options: {} });
		const back2 = await consumerSignsIn(again.json.authorizationUrl as string);
		const [withToken] = await run({ operation: 'complete', ...query(back2), options: { outputAccessToken: true } });
		const api = await send({ url: `${issuer}/api/resource`, headers: { authorization: `Bearer ${withToken.json.accessToken as string}` }, policy: loopback });
		expect(api.status).toBe(200);
	});

	test('the credential Test button', async () => {
		const ok = await n8n.testCredential({ type: 'livePersonConsumerAuthApi', data: credential() });
		expect(ok.status).toBe('OK');
		const bad = await n8n.testCredential({ type: 'livePersonConsumerAuthApi', data: { ...credential(), clientSecret: 'nope-nope-nope' } });
		expect(bad.status).toBe('Error');
		expect(bad.message).toMatch(/invalid_client/);
	});
});
