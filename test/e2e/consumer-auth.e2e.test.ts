/**
 * Consumer Authentication in a REAL n8n 2.8.4 (`npm start`'s sandbox on free ports in a temp
 * folder) against a REAL authorization server (oidc-provider, PKCE required, with an HTML sign-in
 * form and consent page), the consumer's browser a REAL Chromium (playwright-core, headless):
 *
 *   Start workflow:    Webhook POST → Consumer Authentication (Start)  → answers { authorizationUrl }
 *   Callback workflow: Webhook GET (the redirect URI) → Consumer Authentication (Complete)
 *                        → IF authenticated ─ true  → API Integration (Consumer Pre-Authentication, the
 *                                          │            consumer's token) → Respond 200 with the resource's answer
 *                                          └ false → Respond 400 { error }  (Complete continues on fail)
 *
 * The consumer opens the URL from Start in the browser, mistypes the password once, signs in,
 * allows access; the provider redirects the browser to n8n's webhook with code + state, n8n
 * completes and calls the protected resource as that consumer. Reloading the page (reused state)
 * and a second consumer's redirect with an altered state are refused; that consumer's genuine
 * redirect still completes. n8n's log never holds the client secret or an authorization code, and
 * no page the consumer sees holds a token.
 */
import { randomUUID } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser, BrowserContext, Page, Response } from 'playwright-core';
import { closeAllDispatchers } from '../../lib/http';
import { assertChromium, launchChromium } from '../support/chromium';
import { startOidcFixture } from '../support/oidc-fixture';
import { freePort, INSTALL_TIMEOUT_MS, n8nRestClient, nodeType, type Connections, type WorkflowNode } from './harness';

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
/** The consumers' account at the authorization server (its sign-in form). */
const CONSUMER = { username: 'consumer-ana', password: `Ana-${randomUUID().slice(0, 8)}` };

let sandbox: SandboxHandle | undefined;
let oidc: { issuer: string; child: ChildProcess } | undefined;
let browser: Browser | undefined;
const seenCodes: string[] = [];

const rest = n8nRestClient(() => sandbox!.editorUrl, 'lp-consumer-auth-e2e').rest;

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
		assertChromium();
		const port = await freePort();
		sandbox = await start({ port, emulatorPort: await freePort(), sandboxDir, echo: false });
		redirectUri = `${sandbox.editorUrl}/webhook/${CALLBACK_PATH}`;
		oidc = await startOidcFixture({
			ttlSeconds: 300,
			clients: [{ client_id: 'bot', client_secret: SECRET, grant_types: ['authorization_code'], response_types: ['code'], redirect_uris: [redirectUri], token_endpoint_auth_method: 'client_secret_basic' }],
			signIn: CONSUMER,
		});
		await rest('POST', '/rest/login', { emailOrLdapLoginId: sandbox.email, password: sandbox.password });
		const credential = await rest<{ id: string }>('POST', '/rest/credentials', {
			name: 'Consumer auth e2e',
			type: 'livePersonConsumerAuthApi',
			data: { authUrl: `${oidc.issuer}/auth`, accessTokenUrl: `${oidc.issuer}/token`, clientId: 'bot', clientSecret: SECRET, scope: 'openid', authentication: 'header', allowedInternalNetworks: 'loopback' },
		});
		await activate('LP consumer auth e2e: start', startWorkflow(credential.id, redirectUri));
		await activate('LP consumer auth e2e: callback', callbackWorkflow(credential.id, oidc.issuer));
		browser = await launchChromium();
	}, INSTALL_TIMEOUT_MS);

	afterAll(async () => {
		await browser?.close();
		oidc?.child.kill();
		await sandbox?.stop();
		await closeAllDispatchers();
		fs.rmSync(sandboxDir, { recursive: true, force: true });
	}, STEP_TIMEOUT_MS);

	/** The bot's side: Start for one conversation, through the Start workflow's webhook. */
	async function startFor(conversationId: string): Promise<string> {
		const res = await fetch(`${sandbox!.editorUrl}/webhook/${START_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ conversationId }) });
		expect(res.status).toBe(200);
		const out = (await res.json()) as { authorizationUrl: string; conversationId: string };
		expect(out.conversationId).toBe(conversationId);
		return out.authorizationUrl;
	}

	/** A consumer's own browser (fresh cookies); only loopback is reachable, nothing else is asked. */
	async function consumerBrowser(): Promise<{ context: BrowserContext; page: Page; visited: string[] }> {
		const context = await browser!.newContext();
		await context.route(
			(url) => !['127.0.0.1', 'localhost'].includes(url.hostname),
			(route) => route.abort(),
		);
		const page = await context.newPage();
		const visited: string[] = [];
		page.on('framenavigated', (f) => {
			if (f === page.mainFrame()) visited.push(`${new URL(f.url()).origin}${new URL(f.url()).pathname}`);
		});
		return { context, page, visited };
	}

	/** Opens the authorization URL, signs in on the provider's form and allows access. */
	async function signInAndAllow(page: Page, authorizationUrl: string, opts: { mistypeFirst?: boolean } = {}): Promise<void> {
		await page.goto(authorizationUrl);
		await page.getByRole('heading', { name: 'Sign in' }).waitFor({ timeout: 15_000 });
		if (opts.mistypeFirst) {
			await page.fill('input[name="username"]', CONSUMER.username);
			await page.fill('input[name="password"]', `${CONSUMER.password}x`);
			await page.getByRole('button', { name: 'Sign in' }).click();
			await expect(page.locator('#message').innerText()).resolves.toBe('Wrong username or password.');
		}
		await page.fill('input[name="username"]', CONSUMER.username);
		await page.fill('input[name="password"]', CONSUMER.password);
		await page.getByRole('button', { name: 'Sign in' }).click();
		await page.getByRole('heading', { name: 'Allow access' }).waitFor({ timeout: 15_000 });
		await expect(page.locator('body').innerText()).resolves.toContain('bot asks for: openid');
	}

	/** What the consumer's browser shows for a response from n8n's webhook. */
	async function shown(res: Response | null): Promise<{ status: number; text: string }> {
		expect(res).not.toBeNull();
		return { status: res!.status(), text: await res!.text() };
	}

	it(
		'Start → the consumer signs in in Chromium → n8n completes and calls the protected API as that consumer; a reload (reused state) and an altered state are refused',
		async () => {
			const authorizationUrl = await startFor('conv-e2e-1');
			const url = new URL(authorizationUrl);
			expect(url.searchParams.get('code_challenge_method')).toBe('S256');
			expect(url.searchParams.get('redirect_uri')).toBe(redirectUri);
			// The verifier never leaves n8n: the URL has the challenge only.
			expect(url.searchParams.get('code_verifier')).toBeNull();

			const ana = await consumerBrowser();
			await signInAndAllow(ana.page, authorizationUrl, { mistypeFirst: true });
			const landed = ana.page.waitForResponse((r) => r.url().startsWith(redirectUri) && r.request().isNavigationRequest(), { timeout: STEP_TIMEOUT_MS });
			await ana.page.getByRole('button', { name: 'Allow' }).click();
			const first = await shown(await landed);
			process.stdout.write(`[consumer-auth e2e] browser went through: ${ana.visited.join(' -> ')}\n[consumer-auth e2e] first: ${first.status} ${first.text.slice(0, 300)}\n`);
			expect(first.status).toBe(200);
			const answer = JSON.parse(first.text) as Record<string, unknown>;
			// The resource answered for the consumer who signed in, through the bot's client, for this conversation.
			expect(answer).toEqual({ resource: { ok: true, clientId: 'bot', scope: 'openid', accountId: CONSUMER.username }, conversationId: 'conv-e2e-1' });
			// The browser was on the provider's pages, then on n8n's redirect URI (nowhere else).
			expect(ana.visited[0].startsWith(`${oidc!.issuer}/interaction/`)).toBe(true);
			expect(ana.visited.at(-1)).toBe(redirectUri);
			expect(ana.visited.every((v) => v.startsWith(`${oidc!.issuer}/`) || v === redirectUri)).toBe(true);
			const back = new URL(ana.page.url());
			seenCodes.push(back.searchParams.get('code')!);

			// The consumer reloads the page: the same code and state again.
			const replay = await shown(await ana.page.reload());
			process.stdout.write(`[consumer-auth e2e] reload: ${replay.status} ${replay.text.slice(0, 300)}\n`);
			expect(replay).toEqual({ status: 400, text: expect.stringMatching(/already used/) });
			await ana.context.close();

			// Another consumer, another conversation: the browser's way back to n8n is held (Playwright does
			// not route the hops of a redirect, so the "Allow" POST and the provider's resume hop are made
			// with the browser context's own cookies, and the last redirect is kept instead of followed).
			const authorizationUrl2 = await startFor('conv-e2e-2');
			const ben = await consumerBrowser();
			let hold!: (url: string) => void;
			const heldBack = new Promise<string>((resolve) => (hold = resolve));
			await ben.page.route(
				(u) => u.origin === oidc!.issuer && /^\/interaction\/[^/]+\/confirm$/.test(u.pathname),
				async (route) => {
					const allowed = await route.fetch({ maxRedirects: 0 });
					const resume = await ben.context.request.get(new URL(allowed.headers().location, oidc!.issuer).toString(), { maxRedirects: 0 });
					hold(new URL(resume.headers().location, oidc!.issuer).toString());
					await route.fulfill({ status: 200, contentType: 'text/html', body: '<h1>Held</h1>' });
				},
			);
			await signInAndAllow(ben.page, authorizationUrl2);
			await ben.page.getByRole('button', { name: 'Allow' }).click();
			const held = await heldBack;
			expect(held.startsWith(`${redirectUri}?`)).toBe(true);
			await ben.page.unrouteAll();
			const genuine = new URL(held);
			const state = genuine.searchParams.get('state')!;
			const altered = new URL(genuine);
			altered.searchParams.set('state', `${state.slice(0, -2)}${state.endsWith('AA') ? 'BB' : 'AA'}`);
			const tampered = await shown(await ben.page.goto(altered.toString()));
			process.stdout.write(`[consumer-auth e2e] altered state: ${tampered.status} ${tampered.text.slice(0, 300)}\n`);
			expect(tampered).toEqual({ status: 400, text: expect.stringMatching(/Unknown or already used state/) });
			// The altered attempt did not use up the genuine state: the real redirect still completes.
			const real = await shown(await ben.page.goto(genuine.toString()));
			expect(real.status).toBe(200);
			expect(JSON.parse(real.text)).toMatchObject({ resource: { ok: true, accountId: CONSUMER.username }, conversationId: 'conv-e2e-2' });
			seenCodes.push(genuine.searchParams.get('code')!);
			await ben.context.close();
			// No page the consumers saw holds a token.
			for (const text of [first.text, replay.text, tampered.text, real.text]) expect(text).not.toMatch(/access_?token|refresh_?token|"token"/i);
		},
		STEP_TIMEOUT_MS,
	);

	it(
		"n8n's log never holds the client secret or an authorization code",
		() => {
			const log = fs.readFileSync(path.join(sandboxDir, 'n8n.log'), 'utf8');
			expect(log.length).toBeGreaterThan(0);
			expect(log).not.toContain(SECRET);
			expect(seenCodes).toHaveLength(2);
			for (const code of seenCodes) expect(log).not.toContain(code);
		},
		STEP_TIMEOUT_MS,
	);
});
