/**
 * Consumer Authentication in a REAL n8n 2.8.4 (`npm start`'s sandbox on free ports in a temp
 * folder) against a REAL authorization server (oidc-provider, PKCE required), the consumer's
 * browser played by HTTP requests that follow the sign-in redirects (no Chromium):
 *
 *   Start workflow:    Webhook POST → Consumer Authentication (Start)  → answers { authorizationUrl }
 *   Callback workflow: Webhook GET (the redirect URI) → Consumer Authentication (Complete)
 *                        → IF authenticated ─ true  → API Integration (Consumer Pre-Authentication, the
 *                                          │            consumer's token) → Respond 200 with the resource's answer
 *                                          └ false → Respond 400 { error }  (Complete continues on fail)
 *
 * The consumer signs in, the provider redirects to n8n's webhook with code + state, n8n completes
 * and calls the protected resource with the consumer's token. The same redirect again (reused
 * state) and an altered state are refused. n8n's log never holds the token or the client secret.
 */
import { randomUUID } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { closeAllDispatchers } from '../../lib/http';
import { OutboundPolicy } from '../../lib/net/policy';
import { followAuthorization, startOidcFixture } from '../support/oidc-fixture';
import { freePort, INSTALL_TIMEOUT_MS, nodeType, type Connections, type WorkflowNode } from './harness';

interface SandboxHandle {
	editorUrl: string;
	email: string;
	password: string;
	pids: { start: number; n8n: number; emulator: number };
	stop(): Promise<void>;
}
const { start } = require('../../scripts/start.js') as {
	start(opts: { port: number; emulatorPort: number; sandboxDir: string; echo?: boolean }): Promise<SandboxHandle>;
};

const STEP_TIMEOUT_MS = 2 * 60 * 1000;
const SECRET = `consumer-e2e-Secret-${randomUUID().slice(0, 8)}`;
const START_PATH = `lp-consumer-start-${randomUUID().slice(0, 8)}`;
const CALLBACK_PATH = `lp-consumer-cb-${randomUUID().slice(0, 8)}`;
const loopback = new OutboundPolicy({ allow: ['loopback'] });

let sandbox: SandboxHandle | undefined;
let oidc: { issuer: string; child: ChildProcess } | undefined;
let cookie = '';
const seenTokens: string[] = [];

async function rest<T = Record<string, unknown>>(method: string, p: string, body?: unknown): Promise<T> {
	const res = await fetch(sandbox!.editorUrl + p, {
		method,
		headers: { 'content-type': 'application/json', 'browser-id': 'lp-consumer-auth-e2e', ...(cookie ? { cookie } : {}) },
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	const text = await res.text();
	if (res.status !== 200) throw new Error(`${method} ${p}: HTTP ${res.status} ${text.slice(0, 500)}`);
	if (!cookie) {
		const auth = res.headers
			.getSetCookie()
			.map((c) => c.split(';')[0])
			.find((c) => c.startsWith('n8n-auth='));
		if (auth) cookie = auth;
	}
	return (JSON.parse(text) as { data: T }).data;
}

function respond(name: string, code: number, body: string, y: number): WorkflowNode {
	return { name, type: 'n8n-nodes-base.respondToWebhook', typeVersion: 1.5, position: [900, y], parameters: { respondWith: 'json', responseBody: body, options: { responseCode: code } } };
}

const to = (node: string) => [{ node, type: 'main' as const, index: 0 }];

function startWorkflow(credentialId: string, redirectUri: string): { nodes: WorkflowNode[]; connections: Connections } {
	return {
		nodes: [
			{ name: 'Webhook', type: 'n8n-nodes-base.webhook', typeVersion: 2.1, position: [0, 0], webhookId: randomUUID(), parameters: { httpMethod: 'POST', path: START_PATH, responseMode: 'lastNode', options: {} } },
			{
				name: 'Start',
				type: nodeType('livePersonConsumerAuth'),
				typeVersion: 1,
				position: [250, 0],
				parameters: { operation: 'start', conversationId: '={{ $json.body.conversationId }}', redirectUri, options: {} },
				credentials: { livePersonConsumerAuthApi: { id: credentialId, name: 'Consumer auth e2e' } },
			} as WorkflowNode,
		],
		connections: { Webhook: { main: [to('Start')] } },
	};
}

function callbackWorkflow(credentialId: string, issuer: string): { nodes: WorkflowNode[]; connections: Connections } {
	return {
		nodes: [
			{ name: 'Redirect URI', type: 'n8n-nodes-base.webhook', typeVersion: 2.1, position: [0, 0], webhookId: randomUUID(), parameters: { httpMethod: 'GET', path: CALLBACK_PATH, responseMode: 'responseNode', options: {} } },
			{
				name: 'Complete',
				type: nodeType('livePersonConsumerAuth'),
				typeVersion: 1,
				position: [250, 0],
				// Continue On Fail: the error item goes on (n8n's error OUTPUT only takes items whose json is
				// exactly { error } or { error, message }; the package's error items also carry
				// description and details), and an IF routes it.
				onError: 'continueRegularOutput',
				parameters: { operation: 'complete', options: { outputAccessToken: true } },
				credentials: { livePersonConsumerAuthApi: { id: credentialId, name: 'Consumer auth e2e' } },
			} as WorkflowNode,
			{
				name: 'Call As Consumer',
				type: nodeType('livePersonApiIntegration'),
				typeVersion: 1,
				position: [500, -100],
				parameters: {
					authentication: 'consumerPreAuth',
					consumerToken: '={{ $json.accessToken }}',
					verifyConsumerToken: false,
					method: 'GET',
					url: `${issuer}/api/resource`,
					options: { retries: 0, allowedInternalNetworks: 'loopback' },
				},
			},
			{
				name: 'Authenticated?',
				type: 'n8n-nodes-base.if',
				typeVersion: 1,
				position: [400, 0],
				parameters: { conditions: { boolean: [{ value1: '={{ $json.authenticated === true }}', value2: true }] } },
			},
			respond('Respond 200', 200, '={{ { resource: $json, conversationId: $("Complete").item.json.conversationId } }}', -100),
			respond('Respond 400', 400, '={{ { error: $json.error } }}', 100),
		],
		connections: {
			'Redirect URI': { main: [to('Complete')] },
			Complete: { main: [to('Authenticated?')] },
			'Authenticated?': { main: [to('Call As Consumer'), to('Respond 400')] },
			'Call As Consumer': { main: [to('Respond 200')] },
		},
	};
}

async function activate(name: string, wf: { nodes: WorkflowNode[]; connections: Connections }): Promise<void> {
	const created = await rest<{ id: string; versionId: string }>('POST', '/rest/workflows', { name, ...wf, settings: { executionOrder: 'v1' } });
	const active = await rest<{ active: boolean }>('POST', `/rest/workflows/${created.id}/activate`, { versionId: created.versionId });
	expect(active.active).toBe(true);
}

describe('Consumer Authentication in real n8n against oidc-provider', () => {
	const sandboxDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lp-consumer-auth-'));
	let redirectUri = '';

	beforeAll(async () => {
		const port = await freePort();
		sandbox = await start({ port, emulatorPort: await freePort(), sandboxDir, echo: false });
		redirectUri = `${sandbox.editorUrl}/webhook/${CALLBACK_PATH}`;
		oidc = await startOidcFixture({
			ttlSeconds: 300,
			clients: [{ client_id: 'bot', client_secret: SECRET, grant_types: ['authorization_code'], response_types: ['code'], redirect_uris: [redirectUri], token_endpoint_auth_method: 'client_secret_basic' }],
		});
		await rest('POST', '/rest/login', { emailOrLdapLoginId: sandbox.email, password: sandbox.password });
		const credential = await rest<{ id: string }>('POST', '/rest/credentials', {
			name: 'Consumer auth e2e',
			type: 'livePersonConsumerAuthApi',
			data: { authUrl: `${oidc.issuer}/auth`, accessTokenUrl: `${oidc.issuer}/token`, clientId: 'bot', clientSecret: SECRET, scope: 'openid', authentication: 'header', allowedInternalNetworks: 'loopback' },
		});
		await activate('LP consumer auth e2e: start', startWorkflow(credential.id, redirectUri));
		await activate('LP consumer auth e2e: callback', callbackWorkflow(credential.id, oidc.issuer));
	}, INSTALL_TIMEOUT_MS);

	afterAll(async () => {
		oidc?.child.kill();
		await sandbox?.stop();
		await closeAllDispatchers();
		fs.rmSync(sandboxDir, { recursive: true, force: true });
	}, STEP_TIMEOUT_MS);

	/** The consumer's browser: sign in at the provider, then land on n8n's webhook with code + state. */
	async function consumerCompletes(authorizationUrl: string): Promise<{ back: URL; status: number; json: Record<string, unknown> }> {
		const back = await followAuthorization(authorizationUrl, redirectUri, loopback);
		const res = await fetch(back);
		return { back, status: res.status, json: (await res.json()) as Record<string, unknown> };
	}

	it(
		'Start → the consumer signs in → n8n completes and calls the protected API with the consumer token; a reused and an altered state are refused',
		async () => {
			const started = await fetch(`${sandbox!.editorUrl}/webhook/${START_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ conversationId: 'conv-e2e-1' }) });
			expect(started.status).toBe(200);
			const out = (await started.json()) as { authorizationUrl: string; conversationId: string };
			expect(out.conversationId).toBe('conv-e2e-1');
			const url = new URL(out.authorizationUrl);
			expect(url.searchParams.get('code_challenge_method')).toBe('S256');
			expect(url.searchParams.get('redirect_uri')).toBe(redirectUri);

			const done = await consumerCompletes(out.authorizationUrl);
			expect(done.status).toBe(200);
			expect(done.json).toMatchObject({ resource: { ok: true, clientId: 'bot' }, conversationId: 'conv-e2e-1' });

			// The browser's back button: the same redirect again.
			const replay = await fetch(done.back);
			const replayText = await replay.text();
			process.stdout.write(`[consumer-auth e2e] first: ${done.status} ${JSON.stringify(done.json)}\n[consumer-auth e2e] replay: ${replay.status} ${replayText.slice(0, 300)}\n`);
			expect({ replay: replay.status, text: replayText }).toEqual({ replay: 400, text: expect.stringMatching(/already used/) });

			// A second authorization whose state is altered on the way back.
			const again = (await (await fetch(`${sandbox!.editorUrl}/webhook/${START_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ conversationId: 'conv-e2e-2' }) })).json()) as { authorizationUrl: string };
			const back = await followAuthorization(again.authorizationUrl, redirectUri, loopback);
			const state = back.searchParams.get('state')!;
			back.searchParams.set('state', `${state.slice(0, -2)}${state.endsWith('AA') ? 'BB' : 'AA'}`);
			const tampered = await fetch(back);
			const tamperedText = await tampered.text();
			process.stdout.write(`[consumer-auth e2e] tampered: ${tampered.status} ${tamperedText.slice(0, 300)}\n`);
			expect({ status: tampered.status, state: back.searchParams.get('state') === state, text: tamperedText }).toEqual({ status: 400, state: false, text: expect.stringMatching(/Unknown or already used state/) });
			seenTokens.push(back.searchParams.get('code')!);
		},
		STEP_TIMEOUT_MS,
	);

	it(
		"n8n's log never holds the client secret or an authorization code",
		() => {
			const log = fs.readFileSync(path.join(sandboxDir, 'n8n.log'), 'utf8');
			expect(log.length).toBeGreaterThan(0);
			expect(log).not.toContain(SECRET);
			for (const t of seenTokens) expect(log).not.toContain(t);
		},
		STEP_TIMEOUT_MS,
	);
});
