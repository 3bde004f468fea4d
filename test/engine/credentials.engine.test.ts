/**
 * Every credential type of this package proven in n8n's own engine (test/engine/engine.ts, both pinned
 * versions, in-process), against the LivePerson emulator:
 *
 * - LivePerson API Integration → the emulator's protected API (`/protected/echo`, which says how the
 *   caller authenticated) with OAuth 2.0 client credentials (token URL = Sentinel), Basic, and an
 *   Access Token fetched from the emulator's Login Service by this test before the import;
 * - the service nodes with their own credentials: LivePerson Account (user + password, and Sentinel
 *   client credentials) through the mTLS node's List Certificates, Transfer to Messaging (Check
 *   Eligibility), Conversation Orchestrator v2 (Context Service set/get).
 *
 * And the token cache across expiry, within ONE run: each execute() starts with a fresh copy of the
 * package's modules (moduleScope 'run', the default: empty token caches, as a new `n8n execute` process).
 * Against a second emulator whose tokens live 8 s, one workflow makes a 1-item call with each of three
 * credentials (client credentials `sentinel.token`, Conversation Orchestrator v2 `co.v2.login`, the
 * LivePerson Account user login `login.login`), then n8n's own Wait node (under 65 s it waits
 * in-process) sleeps until every token has expired, then 200 items go out with concurrency 8 per
 * credential, one credential after the other: exactly one more token request (counted by the emulator)
 * for all 200, per credential. (The e2e version ran one workflow, and one Wait, per credential.)
 *
 * No password, client secret, key or issued token may appear in the output items or in n8n's logs (the
 * engine's logger writes at debug level, the same lines `N8N_LOG_LEVEL=debug n8n execute` prints; each
 * test first checks the log holds every node of the run, so the scan is not of an empty text).
 */
import { startEmulator, type Emulator } from '../../sandbox/emulator';
import { SecretScanner } from '../support/secrets';
import { EXECUTE_TIMEOUT_MS, INSTALL_TIMEOUT_MS, itemsNode, MANUAL_TRIGGER, manualTriggerWorkflow, nodeType, type Connections, type ExecutionResult, type WorkflowNode } from '../e2e/harness';
import { createEngine, ENGINE_VERSIONS, expectNodesLogged, expectRunOk, type WorkflowRunner } from './engine';

const ACCOUNT = '12345678';
const ITEMS = 200;
/**
 * Token lifetime on the short-lived emulator, and the Wait between the first call and the 200 items. The
 * cache renews a token after half its lifetime, so the 200 calls must finish within 4 s of the new token:
 * here they share one process with the emulator and took up to 1.7 s under load average 9, too close to
 * the 2 s window that 4 s tokens leave.
 */
const SHORT_LIFETIME_S = 8;
const WAIT_S = SHORT_LIFETIME_S + 1;

/** The three credentials of the expiry run, and their node names in it. */
const EXPIRY = { oauth2: 'OAuth2 client credentials', co: 'CO v2', account: 'Account user login' };
const FIRST = (label: string) => `${label}: first call`;
const ITEMS_OF = (label: string) => `${label}: ${ITEMS} items`;
const CALLS = (label: string) => `${label}: ${ITEMS} calls`;

const CRED = {
	oauth2: { id: 'lpCredE2eOauth2C', name: 'e2e OAuth2 client credentials (Sentinel)' },
	basic: { id: 'lpCredE2eBasic01', name: 'e2e basic auth' },
	token: { id: 'lpCredE2eToken01', name: 'e2e access token (Login Service bearer)' },
	accountUser: { id: 'lpCredE2eAccUser', name: 'e2e LivePerson account (user + password)' },
	accountCc: { id: 'lpCredE2eAccCcrd', name: 'e2e LivePerson account (client credentials)' },
	c2m: { id: 'lpCredE2eC2m0001', name: 'e2e Transfer to Messaging' },
	co: { id: 'lpCredE2eCoV2001', name: 'e2e Conversation Orchestrator v2' },
	shortOauth2: { id: 'lpCredE2eShrtOa2', name: 'e2e OAuth2 client credentials (8 s tokens)' },
	shortAccount: { id: 'lpCredE2eShrtAcc', name: 'e2e LivePerson account (8 s sessions)' },
	shortCo: { id: 'lpCredE2eShrtCo1', name: 'e2e Conversation Orchestrator v2 (8 s tokens)' },
};

const JWT_RE = /eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/;

function apiNode(name: string, authentication: string, credentials: WorkflowNode['credentials'], url: string, extra: Record<string, unknown> = {}): WorkflowNode {
	return {
		name,
		type: nodeType('livePersonApiIntegration'),
		typeVersion: 1,
		parameters: { authentication, method: 'GET', url, options: { allowedInternalNetworks: 'loopback', concurrency: 8 }, ...extra },
		credentials,
	};
}

function listCertificates(name: string, credential: { id: string; name: string }): WorkflowNode {
	return {
		name,
		type: nodeType('livePersonMtls'),
		typeVersion: 1,
		parameters: { operation: 'listCertificates', options: { concurrency: 8 } },
		credentials: { livePersonAccountApi: credential },
	};
}

function coNode(name: string, credential: { id: string; name: string }, parameters: Record<string, unknown>): WorkflowNode {
	return {
		name,
		type: nodeType('conversationOrchestrator'),
		typeVersion: 1,
		parameters: { options: { concurrency: 8 }, ...parameters },
		credentials: { conversationOrchestratorApi: credential },
	};
}

function waitNode(seconds: number): WorkflowNode {
	return { name: 'Wait for expiry', type: 'n8n-nodes-base.wait', typeVersion: 1.1, parameters: { resume: 'timeInterval', amount: seconds, unit: 'seconds' } };
}

/** Every node reports its error as an item instead of stopping the run, so one run shows every credential. */
const continueOnError = (node: WorkflowNode): WorkflowNode => ({ ...node, onError: 'continueRegularOutput' });

/** Manual Trigger → each branch (a chain of nodes), side by side. */
function branches(...chains: WorkflowNode[][]): { nodes: WorkflowNode[]; connections: Connections } {
	const connections: Connections = { [MANUAL_TRIGGER]: { main: [chains.map((c) => ({ node: c[0].name, type: 'main' as const, index: 0 }))] } };
	for (const c of chains) {
		for (let i = 0; i + 1 < c.length; i++) connections[c[i].name] = { main: [[{ node: c[i + 1].name, type: 'main', index: 0 }]] };
	}
	return { nodes: chains.flat(), connections };
}

describe.each(ENGINE_VERSIONS)('every credential type in n8n %s (engine)', (version) => {
	let emulator: Emulator;
	let short: Emulator;
	let n8n: WorkflowRunner;
	let loginBearer = '';
	const scanner = new SecretScanner();
	const ids = { matrix: '', expiry: '' };
	let matrixNodes: string[] = [];
	let expiryNodeNames: string[] = [];

	beforeAll(async () => {
		emulator = await startEmulator({ port: 0 });
		short = await startEmulator({
			port: 0,
			config: { lifetimes: { sentinelExpiresIn: SHORT_LIFETIME_S, coTokenLifetime: SHORT_LIFETIME_S, sessionTTl: String(SHORT_LIFETIME_S * 1000) } },
		});
		const { user, oauth2Client, orchestrator } = emulator.config;

		// The Access Token credential holds a real token: a Login Service bearer fetched here first.
		const login = await fetch(`${emulator.url}/api/account/${ACCOUNT}/login?v=1.3`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ username: user.username, password: user.password }),
		});
		expect(login.status).toBe(200);
		loginBearer = ((await login.json()) as { bearer: string }).bearer;
		expect(loginBearer).toMatch(/^[0-9a-f]{64}$/);

		// Every token either emulator issues (bearers, Session_id, csrf, JWTs) is added at scan time.
		scanner
			.addBasic('user password', user.username, user.password)
			.add('client secret', oauth2Client.clientSecret)
			.add('CO v2 password', orchestrator.v2.password)
			.add('access token', loginBearer)
			.addEmulator(emulator)
			.addEmulator(short);

		const sentinelUrl = (emu: Emulator) => `${emu.url}/sentinel/api/account/${ACCOUNT}/app/token`;
		const oauth2 = (emu: Emulator) => ({ clientId: oauth2Client.clientId, clientSecret: oauth2Client.clientSecret, accessTokenUrl: sentinelUrl(emu), allowedInternalNetworks: 'loopback', scope: '', authentication: 'header', tokenExpiredStatusCode: 401 });
		const accountUser = (emu: Emulator) => ({ accountId: ACCOUNT, csdsHost: emu.url, allowedInternalNetworks: 'loopback', authMethod: 'userPassword', username: user.username, password: user.password });
		const co = (emu: Emulator) => ({ region: 'custom', customHost: emu.url, allowedInternalNetworks: 'loopback', apiVersion: 'v2', userId: orchestrator.v2.userId, password: orchestrator.v2.password });

		n8n = await createEngine(version);
		await n8n.importCredentials([
			{ ...CRED.oauth2, type: 'livePersonOAuth2ClientCredentialsApi', data: oauth2(emulator) },
			{ ...CRED.basic, type: 'livePersonBasicAuthApi', data: { user: user.username, password: user.password } },
			{ ...CRED.token, type: 'livePersonAccessTokenApi', data: { accessToken: loginBearer, tokenType: 'Bearer' } },
			{ ...CRED.accountUser, type: 'livePersonAccountApi', data: accountUser(emulator) },
			{
				...CRED.accountCc,
				type: 'livePersonAccountApi',
				data: { accountId: ACCOUNT, csdsHost: emulator.url, allowedInternalNetworks: 'loopback', authMethod: 'clientCredentials', clientCredentialsFlow: 'sentinel', clientId: oauth2Client.clientId, clientSecret: oauth2Client.clientSecret },
			},
			{ ...CRED.c2m, type: 'livePersonTransferToMessagingApi', data: { accountId: ACCOUNT, csdsHost: emulator.url, allowedInternalNetworks: 'loopback', clientId: oauth2Client.clientId, clientSecret: oauth2Client.clientSecret } },
			{ ...CRED.co, type: 'conversationOrchestratorApi', data: co(emulator) },
			{ ...CRED.shortOauth2, type: 'livePersonOAuth2ClientCredentialsApi', data: oauth2(short) },
			{ ...CRED.shortAccount, type: 'livePersonAccountApi', data: accountUser(short) },
			{ ...CRED.shortCo, type: 'conversationOrchestratorApi', data: co(short) },
		]);

		const echo = `${emulator.url}/protected/echo`;
		const matrix = branches(
			[apiNode('API: OAuth2 client credentials', 'oAuth2ClientCredentials', { livePersonOAuth2ClientCredentialsApi: CRED.oauth2 }, `${echo}?via=oauth2`)],
			[
				apiNode('API: Basic', 'basicAuth', { livePersonBasicAuthApi: CRED.basic }, echo, {
					method: 'POST',
					sendBody: true,
					bodyContentType: 'json',
					jsonBody: '{"hello":"basic"}',
				}),
			],
			[apiNode('API: Access Token', 'accessToken', { livePersonAccessTokenApi: CRED.token }, `${echo}?via=token`)],
			[listCertificates('Account (user + password): List Certificates', CRED.accountUser)],
			[listCertificates('Account (client credentials): List Certificates', CRED.accountCc)],
			[
				{
					name: 'Transfer to Messaging: Check Eligibility',
					type: nodeType('livePersonTransferToMessaging'),
					typeVersion: 1,
					parameters: { operation: 'eligibility', consumerPhoneNumber: '+12065550100', handoffId: 'H123456789', skill: 'support', additionalFields: {}, options: {} },
					credentials: { livePersonTransferToMessagingApi: CRED.c2m },
				},
			],
			[
				coNode('CO v2: Context set', CRED.co, {
					resource: 'contextService',
					operation: 'v2Create',
					accountId: ACCOUNT,
					namespaceName: 'e2e_credentials',
					sessionId: 'credentials-1',
					ttlSeconds: 3600,
					payload: '{"checked":"co-v2"}',
				}),
				coNode('CO v2: Context get', CRED.co, { resource: 'contextService', operation: 'v2Get', accountId: ACCOUNT, namespaceName: 'e2e_credentials', sessionId: 'credentials-1' }),
			],
		);

		matrixNodes = matrix.nodes.map((n) => n.name);
		const shortEcho = (i: string) => `={{ "${short.url}/protected/echo?i=" + ${i} }}`;
		const shortApi = (name: string, i: string) => apiNode(name, 'oAuth2ClientCredentials', { livePersonOAuth2ClientCredentialsApi: CRED.shortOauth2 }, shortEcho(i));
		const coContext = coNode(CALLS(EXPIRY.co), CRED.shortCo, {
			resource: 'contextService',
			operation: 'v2Create',
			accountId: ACCOUNT,
			namespaceName: 'e2e_expiry',
			sessionId: '={{ "s" + $json.i }}',
			ttlSeconds: 3600,
			payload: '={{ JSON.stringify({ i: $json.i }) }}',
		});
		const expiryNodes = [
			shortApi(FIRST(EXPIRY.oauth2), '"first"'),
			coNode(FIRST(EXPIRY.co), CRED.shortCo, { resource: 'login', includeToken: false }),
			listCertificates(FIRST(EXPIRY.account), CRED.shortAccount),
			waitNode(WAIT_S),
			itemsNode(ITEMS, ITEMS_OF(EXPIRY.oauth2)),
			shortApi(CALLS(EXPIRY.oauth2), '$json.i'),
			itemsNode(ITEMS, ITEMS_OF(EXPIRY.co)),
			coContext,
			itemsNode(ITEMS, ITEMS_OF(EXPIRY.account)),
			listCertificates(CALLS(EXPIRY.account), CRED.shortAccount),
		];
		expiryNodeNames = expiryNodes.map((n) => n.name);

		[ids.matrix, ids.expiry] = await n8n.importWorkflows([
			manualTriggerWorkflow(`Credential matrix (${version})`, matrix.nodes.map(continueOnError), matrix.connections),
			manualTriggerWorkflow(`Token expiry, three credentials (${version})`, expiryNodes),
		]);
	}, INSTALL_TIMEOUT_MS);

	afterAll(async () => {
		await n8n?.close();
		await emulator?.close();
		await short?.close();
	});

	// The main emulator is NOT reset: that would revoke the Login Service bearer the Access Token
	// credential holds. Its calls are counted as differences from this snapshot instead.
	let before: Record<string, number> = {};
	const calls = (route: string) => emulator.count(route) - (before[route] ?? 0);
	beforeEach(() => {
		before = emulator.counts();
		short.reset();
	});

	const run = async (id: string): Promise<ExecutionResult> => {
		const r = await n8n.execute(id);
		expectRunOk(r);
		return r;
	};

	/** Fails naming the secret's label (never printing it) when one shows up in the items or n8n's logs. */
	const expectNoSecrets = (r: ExecutionResult, nodes: string[]) => {
		expectNodesLogged(r, nodes);
		scanner.expectClean('output items (run data)', r.runData);
		scanner.expectClean("n8n's logs", r.logs);
		// Any JWT at all (the emulator's Sentinel and CO tokens are JWTs), issued or not.
		expect({ jwtInItems: JWT_RE.test(JSON.stringify(r.runData)), jwtInLogs: JWT_RE.test(r.logs) }).toEqual({ jwtInItems: false, jwtInLogs: false });
	};

	test(
		'one run: API Integration (OAuth2 client credentials, Basic, Access Token) and the service nodes with their own credentials',
		async () => {
			const r = await run(ids.matrix);
			const one = (node: string) => {
				const items = r.items(node);
				expect({ node, count: items.length }).toEqual({ node, count: 1 });
				return items[0];
			};

			expect(one('API: OAuth2 client credentials')).toEqual({
				ok: true,
				authType: 'bearer',
				tokenKind: 'sentinel',
				subject: emulator.config.oauth2Client.clientId,
				method: 'GET',
				query: { via: 'oauth2' },
				body: null,
			});
			expect(one('API: Basic')).toEqual({ ok: true, authType: 'basic', subject: emulator.config.user.username, method: 'POST', query: {}, body: { hello: 'basic' } });
			expect(one('API: Access Token')).toEqual({
				ok: true,
				authType: 'bearer',
				tokenKind: 'login',
				subject: emulator.config.user.username,
				method: 'GET',
				query: { via: 'token' },
				body: null,
			});
			const certificates = [expect.objectContaining({ name: 'sandbox-client-cert' }), expect.objectContaining({ name: 'sandbox-self-service-cert' })];
			expect(r.items('Account (user + password): List Certificates')).toEqual(certificates);
			expect(r.items('Account (client credentials): List Certificates')).toEqual(certificates);
			expect(one('Transfer to Messaging: Check Eligibility')).toMatchObject({ eligible: true, callId: expect.any(String) });
			expect(one('CO v2: Context get')).toMatchObject({ payload: { checked: 'co-v2' }, sessionId: 'credentials-1' });

			// Each credential logged in once: one Sentinel token each for the OAuth2, the account (client
			// credentials) and the Transfer to Messaging credentials, one user login, one CO v2 login.
			expect(calls('sentinel.token')).toBe(3);
			expect(calls('login.login')).toBe(1);
			expect(calls('co.v2.login')).toBe(1);
			expect(calls('protected.echo')).toBe(3);
			expect(calls('mtls.certificates.list')).toBe(2);
			expect(calls('c2m.eligibility')).toBe(1);
			expectNoSecrets(r, matrixNodes);
		},
		EXECUTE_TIMEOUT_MS,
	);

	describe(`token cache across expiry, ONE run: a first call per credential, one Wait of ${WAIT_S} s, then ${ITEMS} items per credential`, () => {
		let r: ExecutionResult;
		let shortCalls: Record<string, number> = {};
		let mainCalls: Record<string, number> = {};
		beforeAll(async () => {
			const mainBefore = emulator.counts();
			short.reset();
			r = await run(ids.expiry);
			shortCalls = short.counts();
			const mainAfter = emulator.counts();
			mainCalls = Object.fromEntries(Object.keys(mainAfter).map((k) => [k, mainAfter[k] - (mainBefore[k] ?? 0)]));
		}, EXECUTE_TIMEOUT_MS);

		const expiryCase = (label: string, key: keyof typeof EXPIRY, tokenRoute: string, apiRoute: string, apiCalls: number, check: (out: Array<Record<string, unknown>>) => void, perItem = 1) =>
			test(`${label}: token fetched by a 1-item call, expired after the Wait, then ${ITEMS} items → exactly one new token request`, () => {
				expect(r.items(ITEMS_OF(EXPIRY[key]))).toHaveLength(ITEMS);
				const out = r.items(CALLS(EXPIRY[key]));
				expect(out).toHaveLength(ITEMS * perItem);
				// 1 before the Wait + exactly 1 for all 200 items.
				expect(mainCalls[tokenRoute] ?? 0).toBe(0);
				expect(shortCalls[tokenRoute]).toBe(2);
				// No call was refused and retried: the expired token was replaced before sending.
				expect(shortCalls[apiRoute]).toBe(apiCalls);
				check(out);
				expectNoSecrets(r, expiryNodeNames);
			});

		expiryCase('OAuth2 client credentials (API Integration)', 'oauth2', 'sentinel.token', 'protected.echo', 1 + ITEMS, (out) => {
			expect(out.every((o) => o.authType === 'bearer' && o.tokenKind === 'sentinel')).toBe(true);
			expect(out.map((o) => (o.query as { i: string }).i)).toEqual(Array.from({ length: ITEMS }, (_, i) => String(i)));
		});
		expiryCase('Conversation Orchestrator v2 (Context Service)', 'co', 'co.v2.login', 'co.ccs.v2', ITEMS, (out) => {
			expect(out.filter((o) => 'error' in o)).toEqual([]);
		});
		// The emulator's account has two certificates (the sample client certificate and the self-service one): two items per call.
		expiryCase(
			'LivePerson Account user login (mTLS List Certificates)',
			'account',
			'login.login',
			'mtls.certificates.list',
			1 + ITEMS,
			(out) => {
				expect(out.filter((o) => o.name === 'sandbox-client-cert')).toHaveLength(ITEMS);
				expect(out.filter((o) => o.name === 'sandbox-self-service-cert')).toHaveLength(ITEMS);
			},
			2,
		);
	});
});
