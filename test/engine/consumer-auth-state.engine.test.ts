/**
 * Issue 22 item 6, in n8n's own engine (both pinned versions, test/engine/engine.ts): a Consumer
 * Authentication state is bound to the exact credential (its id and every field, the secret included),
 * optionally to the workflow, and is checked BEFORE it is used up; Start refuses (never repairs) a malformed
 * redirect URI or one on another host. The echo server (test/support/echo-server.ts) is the token endpoint
 * (it issues a token for any code). One long-running n8n behind https://n8n.example.test per version.
 */
import { startEchoServer, type EchoServer } from '../support/echo-server';
import { INSTALL_TIMEOUT_MS, workflowId } from '../e2e/harness';
import { createEngine, ENGINE_VERSIONS, RUN_NODE, runNode, type Engine } from './engine';

jest.setTimeout(60_000);

let echo: EchoServer;
beforeAll(async () => {
	echo = await startEchoServer();
});
afterAll(async () => {
	await echo?.close();
});

describe.each(ENGINE_VERSIONS)('Consumer Authentication state binding in n8n %s', (version) => {
	let n8n: Engine;
	beforeAll(async () => {
		n8n = await createEngine(version, { moduleScope: 'instance', instanceBaseUrl: 'https://n8n.example.test' });
	}, INSTALL_TIMEOUT_MS);
	afterAll(() => n8n?.close());

	const credentialData = () => ({ authUrl: `${echo.url}/auth`, accessTokenUrl: `${echo.url}/token`, clientId: 'echo-bot', clientSecret: 'state-binding-secret-1', authentication: 'header', allowedInternalNetworks: 'loopback' });
	/** Default: every run is a run of one saved workflow with one stored credential. */
	const WF = workflowId('state-binding');
	type Extra = { credentialIds?: Record<string, string>; workflowId?: string };
	const run = (parameters: Record<string, unknown>, data: Record<string, unknown>, extra: Extra = {}) =>
		runNode(n8n, { type: 'livePersonConsumerAuth', parameters, credentials: { livePersonConsumerAuthApi: data }, workflowId: extra.workflowId ?? WF, credentialIds: extra.credentialIds });
	const start = async (data = credentialData(), extra: Extra = {}, options: Record<string, unknown> = {}) => {
		const r = await run({ operation: 'start', conversationId: 'conv-bind', redirectUri: 'https://n8n.example.test/webhook/cb', options }, data, extra);
		if (!r.ok) throw new Error(`Start failed: ${r.error?.message}`);
		return new URL(r.items(RUN_NODE)[0].authorizationUrl as string).searchParams.get('state') as string;
	};
	/** 'completed', or n8n's run error (its code and message). */
	const complete = async (state: string, data = credentialData(), extra: Extra = {}) => {
		const r = await run({ operation: 'complete', state, code: 'binding-code', error: '', options: {} }, data, extra);
		if (r.ok) return r.items(RUN_NODE)[0].authenticated === true ? 'completed' : 'no';
		expect(r.error?.node).toBe(RUN_NODE);
		return `${(r.error?.context as { code?: string } | undefined)?.code ?? ''} ${r.error?.message ?? ''}`;
	};
	const codeOf = async (parameters: Record<string, unknown>) => {
		const r = await run(parameters, credentialData());
		return r.ok ? 'accepted' : `${(r.error?.context as { code?: string } | undefined)?.code ?? ''} ${r.error?.message ?? ''}`;
	};

	test.each([
		['another client secret', { clientSecret: 'state-binding-secret-2' }, {}],
		['another client id', { clientId: 'echo-bot-2' }, {}],
		['another client authentication', { authentication: 'body' }, {}],
		['another credential (same fields, another id)', {}, { credentialIds: { livePersonConsumerAuthApi: 'other-credential' } }],
	] as Array<[string, Record<string, unknown>, Extra]>)('%s cannot complete the state, and does not use it up', async (_label, change, extra) => {
		const state = await start();
		expect(await complete(state, { ...credentialData(), ...change }, extra)).toMatch(/OTHER_CLIENT|another Consumer Authentication credential/);
		expect(await complete(state)).toBe('completed');
		expect(await complete(state)).toMatch(/already used/);
	});

	test('a state bound to its workflow is refused in another one, and stays valid there', async () => {
		// The same stored credential in each workflow (a state is bound to the credential too).
		const cred = { credentialIds: { livePersonConsumerAuthApi: 'shared-credential' } };
		const state = await start(credentialData(), { workflowId: 'wfstart', ...cred }, { bindToWorkflow: true });
		expect(await complete(state, credentialData(), { workflowId: 'wfother', ...cred })).toMatch(/another workflow/);
		expect(await complete(state, credentialData(), { workflowId: 'wfstart', ...cred })).toBe('completed');
		// Unbound (the default): Complete may run in the redirect webhook's own workflow.
		expect(await complete(await start(credentialData(), { workflowId: 'wfstart', ...cred }), credentialData(), { workflowId: 'wfcallback', ...cred })).toBe('completed');
	});

	test.each([
		['a CR/LF inside', 'https://n8n.example.test/webhook/cb\r\nX-Injected: 1'],
		['a tab inside', 'https://n8n.example.test/web\thook/cb'],
		['a line break at the end', 'https://n8n.example.test/webhook/cb\n'],
		['a backslash', 'https://n8n.example.test\\@evil.example/webhook/cb'],
		['a fragment', 'https://n8n.example.test/webhook/cb#x'],
		['another host', 'https://evil.example/webhook/cb'],
		['another port of this host', 'https://n8n.example.test:8443/webhook/cb'],
	])('Start refuses a redirect URI with %s (never repairs it)', async (_label, redirectUri) => {
		expect(await codeOf({ operation: 'start', conversationId: 'c', redirectUri, options: {} })).toMatch(/Redirect URI/);
	});

	test("Start accepts this instance's origin and the origins named in Allowed Redirect Origins", async () => {
		expect(await codeOf({ operation: 'start', conversationId: 'c', redirectUri: 'https://n8n.example.test/webhook/cb', options: {} })).toBe('accepted');
		expect(await codeOf({ operation: 'start', conversationId: 'c', redirectUri: 'https://hooks.example.test/webhook/cb', options: { allowedRedirectOrigins: 'https://hooks.example.test' } })).toBe('accepted');
	});
});
