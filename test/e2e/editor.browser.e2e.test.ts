/**
 * The package in the n8n editor, in a real browser (Debian's Chromium driven by playwright-core,
 * headless): the `npm start` sandbox (scripts/start.js: real n8n 2.8.4, or LP_N8N_VERSION such as 2.41.3,
 * + this package installed like "Community nodes -> Install" + the LivePerson emulator) on free ports in a
 * temp folder. `npm test` runs it on 2.8.4 and on 2.41.3.
 *
 *   1. Every node of the package is found in the node panel by its display name, with an icon
 *      that really loads (HTTP 200 SVG, decoded by the browser: no broken placeholder).
 *   2. Every node's parameter panel opens (and every Operation of it is selected once) with no
 *      console error and no uncaught page error.
 *   3. Every credential form of the package opens, is filled with sample data pointing at the
 *      emulator, saves, and where the type has a Test (its own `test` or a node's `testedBy`)
 *      reports "Connection tested successfully". Password fields are masked.
 *   4. OAuth 2.0 Authorization Code with PKCE: a real authorization server (oidc-provider,
 *      test/fixtures/oidc-server.mjs, PKCE required, redirect URI = the n8n callback), Connect,
 *      consent in the popup, "Account connected", then a workflow with the LivePerson API
 *      Integration node calls the server's protected resource with that credential; after the
 *      server revokes the access token (401), a second run makes n8n refresh it (token URL reached
 *      through `$self`).
 *
 * Waits are on conditions (an element, n8n's answers to what the page asked, two frames), never fixed sleeps;
 * one page does everything (parameter panels in two tabs at once were several times slower on 2 cores).
 * Screenshots only with LP_SCREENSHOTS=1 (to test-results/screenshots) or LP_UPDATE_SCREENSHOTS=1 (to
 * docs/screenshots, committed; no secret is visible: checked before each shot, and checked either way).
 * LP_BROWSER_TIMING=1 prints where the time went.
 * Needs /usr/bin/chromium (`apt-get install chromium`; `npm test` installs it when run as root).
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';

import { freePort, INSTALL_TIMEOUT_MS, REPO_DIR } from './harness';
import { assertChromium, launchChromium } from '../support/chromium';
import { EMULATOR_IBM_API_KEY } from '../../sandbox/emulator/services/third-party';

interface SandboxHandle {
	editorUrl: string;
	emulatorUrl: string;
	email: string;
	password: string;
	timings: Record<string, number>;
	stop(): Promise<void>;
}
const { start } = require('../../scripts/start.js') as {
	start(opts: { port: number; emulatorPort: number; sandboxDir: string; echo?: boolean; imports?: boolean }): Promise<SandboxHandle>;
};

/**
 * Screenshots: test-results/screenshots by default (ignored by git, so `npm test` leaves the checkout
 * clean); LP_UPDATE_SCREENSHOTS=1 writes the committed ones in docs/screenshots (used by the README).
 */
const SHOTS = process.env.LP_UPDATE_SCREENSHOTS === '1' ? path.join(REPO_DIR, 'docs', 'screenshots') : path.join(REPO_DIR, 'test-results', 'screenshots');
/** Screenshots are taken with LP_UPDATE_SCREENSHOTS=1 or LP_SCREENSHOTS=1 only (each costs time; the checks run either way). */
const SHOOT = process.env.LP_UPDATE_SCREENSHOTS === '1' || process.env.LP_SCREENSHOTS === '1';
const PKG = JSON.parse(fs.readFileSync(path.join(REPO_DIR, 'package.json'), 'utf8')) as {
	name: string;
	n8n: { nodes: string[]; credentials: string[] };
};
const EMULATOR_CONFIG = JSON.parse(fs.readFileSync(path.join(REPO_DIR, 'sandbox', 'emulator', 'config.json'), 'utf8')) as {
	accountId: string;
	user: { username: string; password: string };
	oauth2Client: { clientId: string; clientSecret: string };
	orchestrator: { apiKey: string; v2: { userId: string; password: string } };
};

const OIDC_CLIENT_ID = 'n8n-browser-pkce';
const OIDC_CLIENT_SECRET = `pkce-Secret-${Math.random().toString(36).slice(2, 10)}`;
/**
 * Access token lifetime at the fixture: longer than the test, so only the fixture's revocation (before the
 * second run) makes the resource answer 401 and n8n refresh.
 */
const OIDC_TOKEN_TTL_S = 3600;
const KEY_STORE_PASSWORD = `Store-Pass-${Math.random().toString(36).slice(2, 8)}`;

// ---------------------------------------------------------------------------------------------------
// Console errors

interface ConsoleEntry {
	at: number;
	text: string;
	url: string;
}

/**
 * Errors that n8n's own editor logs in this closed sandbox whatever the package does: the login
 * probe before signing in, and the enterprise-only external secrets endpoint. Everything else fails.
 */
const N8N_NOISE: Array<{ text: RegExp; url: RegExp }> = [
	{ text: /status of 401/, url: /\/rest\/login$/ },
	{ text: /status of 404/, url: /\/rest\/external-secrets\// },
];

function isNoise(e: ConsoleEntry): boolean {
	return N8N_NOISE.some((n) => n.text.test(e.text) && n.url.test(e.url));
}

// ---------------------------------------------------------------------------------------------------
// Package types, as n8n loads them from dist/

interface NodeInfo {
	name: string;
	type: string;
	displayName: string;
	/** Each Resource (or one pseudo-resource when the node has none) with its Operation names. */
	resources: Array<{ resource?: string; operations: string[] }>;
}

interface PropertyInfo {
	name: string;
	type: string;
	options?: Array<{ name: string; value?: unknown }>;
	displayOptions?: { show?: Record<string, unknown[]> };
}
interface CredentialInfo {
	name: string;
	displayName: string;
	hasOwnTest: boolean;
}

function packageNodes(): NodeInfo[] {
	return PKG.n8n.nodes.map((f) => {
		const mod = require(path.join(REPO_DIR, f)) as Record<string, new () => { description: { name: string; displayName: string; properties: PropertyInfo[] } }>;
		const cls = mod[path.basename(f).split('.')[0]];
		const d = new cls().description;
		const options = (p?: PropertyInfo) => (p?.type === 'options' ? (p.options ?? []) : []);
		const operationsFor = (resourceValue?: unknown) =>
			options(
				d.properties.find(
					(p) => p.name === 'operation' && (resourceValue === undefined || !p.displayOptions?.show?.resource || p.displayOptions.show.resource.includes(resourceValue)),
				),
			).map((o) => o.name);
		const resource = d.properties.find((p) => p.name === 'resource');
		const resources = resource
			? options(resource).map((r) => ({ resource: r.name, operations: operationsFor(r.value) }))
			: [{ resource: undefined, operations: operationsFor() }];
		return { name: d.name, type: `${PKG.name}.${d.name}`, displayName: d.displayName, resources };
	});
}

function packageCredentials(): CredentialInfo[] {
	return PKG.n8n.credentials.map((f) => {
		const mod = require(path.join(REPO_DIR, f)) as Record<string, new () => { name: string; displayName: string; test?: unknown }>;
		const c = new (mod[path.basename(f).split('.')[0]])();
		return { name: c.name, displayName: c.displayName, hasOwnTest: c.test !== undefined };
	});
}

// ---------------------------------------------------------------------------------------------------
// Credential sample data (pointing at the emulator), in form order

type Field = { name: string; value: string } | { name: string; option: string };

interface CredentialSample {
	fields: Field[];
	/** Values that must never be readable on screen. */
	secrets: string[];
}

function makeKeyStore(dir: string, days = 365): string {
	const o = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
	o('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'client.key', '-out', 'client.crt', '-days', String(days), '-subj', '/CN=n8n-browser-test-client/O=n8n-nodes-liveperson tests');
	o('pkcs12', '-export', '-inkey', 'client.key', '-in', 'client.crt', '-name', 'client', '-out', 'client.p12', '-passout', `pass:${KEY_STORE_PASSWORD}`);
	return fs.readFileSync(path.join(dir, 'client.p12')).toString('base64');
}

function credentialSamples(emulatorUrl: string, keyStoreB64: string): Record<string, CredentialSample> {
	const c = EMULATOR_CONFIG;
	return {
		livePersonAccountApi: {
			fields: [
				{ name: 'accountId', value: c.accountId },
				{ name: 'csdsHost', value: emulatorUrl },
				{ name: 'allowedInternalNetworks', value: 'loopback' },
				{ name: 'authMethod', option: 'User Name and Password (Login Service)' },
				{ name: 'username', value: c.user.username },
				{ name: 'password', value: c.user.password },
			],
			secrets: [c.user.password],
		},
		livePersonOAuth2ClientCredentialsApi: {
			fields: [
				{ name: 'clientId', value: c.oauth2Client.clientId },
				{ name: 'clientSecret', value: c.oauth2Client.clientSecret },
				{ name: 'accessTokenUrl', value: `${emulatorUrl}/sentinel/api/account/${c.accountId}/app/token` },
				{ name: 'allowedInternalNetworks', value: 'loopback' },
			],
			secrets: [c.oauth2Client.clientSecret],
		},
		livePersonBasicAuthApi: {
			fields: [
				{ name: 'user', value: c.user.username },
				{ name: 'password', value: c.user.password },
			],
			secrets: [c.user.password],
		},
		livePersonAccessTokenApi: {
			fields: [
				{ name: 'accessToken', value: 'sandbox-static-token-7f3a9c' },
				{ name: 'tokenType', value: 'Bearer' },
			],
			secrets: ['sandbox-static-token-7f3a9c'],
		},
		livePersonMutualTlsApi: {
			fields: [
				{ name: 'keyStoreFormat', option: 'PKCS#12 / PFX (.P12, .PFX)' },
				{ name: 'keyStore', value: keyStoreB64 },
				{ name: 'keyStorePassword', value: KEY_STORE_PASSWORD },
			],
			secrets: [keyStoreB64.slice(0, 40), KEY_STORE_PASSWORD],
		},
		conversationOrchestratorApi: {
			fields: [
				{ name: 'region', option: 'Custom Host' },
				{ name: 'customHost', value: emulatorUrl },
				{ name: 'allowedInternalNetworks', value: 'loopback' },
				{ name: 'apiVersion', option: 'V2 (User ID and Password)' },
				{ name: 'userId', value: c.orchestrator.v2.userId },
				{ name: 'password', value: c.orchestrator.v2.password },
			],
			secrets: [c.orchestrator.v2.password],
		},
		livePersonTransferToMessagingApi: {
			fields: [
				{ name: 'accountId', value: c.accountId },
				{ name: 'csdsHost', value: emulatorUrl },
				{ name: 'allowedInternalNetworks', value: 'loopback' },
				{ name: 'clientId', value: c.oauth2Client.clientId },
				{ name: 'clientSecret', value: c.oauth2Client.clientSecret },
			],
			secrets: [c.oauth2Client.clientSecret],
		},
		livePersonNluApi: {
			fields: [
				{ name: 'provider', option: 'IBM Watson' },
				{ name: 'apiKey', value: EMULATOR_IBM_API_KEY },
				{ name: 'iamUrl', value: `${emulatorUrl}/identity/token` },
				{ name: 'allowedInternalNetworks', value: 'loopback' },
			],
			secrets: [EMULATOR_IBM_API_KEY],
		},
		livePersonConsumerAuthApi: {
			fields: [
				{ name: 'authUrl', value: `${emulatorUrl}/consumer-auth/authorize` },
				{ name: 'accessTokenUrl', value: `${emulatorUrl}/consumer-auth/token` },
				{ name: 'clientId', value: c.oauth2Client.clientId },
				{ name: 'clientSecret', value: c.oauth2Client.clientSecret },
				{ name: 'allowedInternalNetworks', value: 'loopback' },
			],
			secrets: [c.oauth2Client.clientSecret],
		},
		livePersonAppInstallationApi: {
			fields: [
				{ name: 'accountId', value: c.accountId },
				{ name: 'clientId', value: c.oauth2Client.clientId },
				{ name: 'clientSecret', value: c.oauth2Client.clientSecret },
			],
			secrets: [c.oauth2Client.clientSecret],
		},
		livePersonBotApi: {
			fields: [
				{ name: 'accountIds', value: c.accountId },
				{ name: 'csdsHost', value: emulatorUrl },
				{ name: 'allowedInternalNetworks', value: 'loopback' },
			],
			secrets: [],
		},
	};
}

/** Options that lead to a deprecated path, and the notice the form must then show. */
const DEPRECATION_NOTICES: Record<string, { field: string; option: string; text: RegExp; shot: string }> = {
	livePersonAccountApi: {
		field: 'authMethod',
		option: 'OAuth 1.0 App Key (Deprecated)',
		text: /ended OAuth 1\.0.*30 Sep 2025.*30 Apr 2026.*31 May 2026/,
		shot: 'notice-oauth1-end-of-life.png',
	},
	livePersonMutualTlsApi: {
		field: 'protocols',
		option: 'TLS 1.1 and Newer (Insecure, Legacy Servers Only)',
		text: /TLS 1\.1 is deprecated/,
		shot: 'notice-tls11-deprecated.png',
	},
};

// ---------------------------------------------------------------------------------------------------
// The OAuth 2.0 authorization server fixture

interface Oidc {
	child: ChildProcess;
	issuer: string;
	stderr: () => string;
}

function startOidc(callbackUrl: string): Promise<Oidc> {
	const config = {
		ttlSeconds: OIDC_TOKEN_TTL_S,
		resourceStatus: 401,
		clients: [
			{
				client_id: OIDC_CLIENT_ID,
				client_secret: OIDC_CLIENT_SECRET,
				grant_types: ['authorization_code', 'refresh_token'],
				response_types: ['code'],
				redirect_uris: [callbackUrl],
				token_endpoint_auth_method: 'client_secret_basic',
			},
		],
	};
	const child = spawn(process.execPath, [path.join(REPO_DIR, 'test', 'fixtures', 'oidc-server.mjs')], {
		env: { ...process.env, OIDC_FIXTURE: JSON.stringify(config) },
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	let err = '';
	child.stderr!.on('data', (b) => (err += String(b)));
	return new Promise((resolve, reject) => {
		let out = '';
		const timer = setTimeout(() => reject(new Error(`oidc fixture did not start:\n${err}`)), 20_000);
		child.stdout!.on('data', (b) => {
			out += String(b);
			const nl = out.indexOf('\n');
			if (nl < 0) return;
			clearTimeout(timer);
			const { issuer } = JSON.parse(out.slice(0, nl)) as { issuer: string };
			resolve({ child, issuer, stderr: () => err });
		});
		child.on('exit', (code) => reject(new Error(`oidc fixture exited (${code}):\n${err}`)));
	});
}

/** Revokes the access tokens the fixture's resource has accepted: the next call with them gets 401. */
async function oidcRevokeServedTokens(issuer: string): Promise<number> {
	const res = await fetch(`${issuer}/revoke-served-tokens`, { method: 'POST' });
	return ((await res.json()) as { revoked: number }).revoked;
}

async function oidcGrants(issuer: string): Promise<number> {
	const res = await fetch(`${issuer}/stats`);
	const body = (await res.json()) as { grants: Record<string, number> };
	return body.grants[OIDC_CLIENT_ID] ?? 0;
}

// ---------------------------------------------------------------------------------------------------
// Page helpers

// Browser globals used inside page.evaluate(): this project is type-checked without the DOM lib, so
// the few members used are declared here (module scope only).
interface DomInput {
	tagName: string;
	value: string;
	type?: string;
}
declare const document: { body: { innerText: string }; querySelectorAll(selector: string): ArrayLike<DomInput> };
declare const localStorage: { getItem(key: string): string | null };
declare function requestAnimationFrame(cb: () => void): number;

/**
 * What a page still waits for from n8n: requests to the editor's origin (REST calls such as a node's
 * loadOptions, code chunks, icons; not the push channel, which stays open) and the reading of an error
 * answer's body (recorded as a console error). `settled()` waits for none, then two frames (Vue has
 * rendered what they changed), and again none.
 */
const pending = new WeakMap<Page, Set<unknown>>();

function trackPending(p: Page, origin: () => string | undefined): void {
	const open = new Set<unknown>();
	pending.set(p, open);
	const mine = (url: string) => {
		const o = origin();
		return o !== undefined && url.startsWith(o) && !new URL(url).pathname.startsWith('/rest/push');
	};
	p.on('request', (r) => {
		if (mine(r.url())) open.add(r);
	});
	p.on('requestfinished', (r) => void open.delete(r));
	p.on('requestfailed', (r) => void open.delete(r));
}

async function settled(p: Page, what: string, timeoutMs = 30_000): Promise<void> {
	const open = pending.get(p)!;
	await until(
		`${what}: n8n answered everything the page asked (${open.size} open)`,
		async () => {
			if (open.size) return false;
			await p.evaluate(() => new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))));
			return open.size === 0;
		},
		timeoutMs,
	);
}

/** Retries `fn` until it returns true (Jest's expect has no poll). */
async function until(what: string, fn: () => Promise<boolean>, timeoutMs: number): Promise<void> {
	const t0 = Date.now();
	for (;;) {
		if (await fn().catch(() => false)) return;
		if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs / 1000}s: ${what}`);
		await new Promise((r) => setTimeout(r, 100));
	}
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const exact = (s: string) => new RegExp(`^\\s*${escapeRe(s)}\\s*$`);

/** n8n's REST API from inside the page (same session cookie and browser-id as the editor). */
async function restInPage<T>(page: Page, method: string, p: string, body?: unknown): Promise<{ status: number; json: T }> {
	return page.evaluate(
		async ({ method, p, body }) => {
			const res = await fetch(p, {
				method,
				headers: { 'content-type': 'application/json', 'browser-id': localStorage.getItem('n8n-browserId') ?? '' },
				body: body === undefined ? undefined : JSON.stringify(body),
			});
			const text = await res.text();
			let json: unknown;
			try {
				json = JSON.parse(text);
			} catch {
				json = text;
			}
			return { status: res.status, json };
		},
		{ method, p, body },
	) as Promise<{ status: number; json: T }>;
}

/** Fails if a secret is readable on the page: in visible text, or in any input that is not a masked password field. */
async function assertNoSecretVisible(page: Page, secrets: string[], where: string): Promise<void> {
	const leaks = await page.evaluate((secrets) => {
		const found: string[] = [];
		const text = document.body.innerText;
		for (const s of secrets) if (s && text.includes(s)) found.push(`text contains secret #${secrets.indexOf(s)}`);
		for (const el of Array.from(document.querySelectorAll('input, textarea'))) {
			const masked = el.tagName === 'INPUT' && el.type === 'password';
			for (const s of secrets) {
				if (s && el.value.includes(s) && !masked) found.push(`unmasked ${el.tagName.toLowerCase()} holds secret #${secrets.indexOf(s)}`);
			}
		}
		return found;
	}, secrets);
	if (leaks.length) throw new Error(`${where}: secret visible on screen: ${leaks.join('; ')}`);
}

/** LP_BROWSER_TIMING=1: the time between steps, printed at the end (where a slow run spends it). */
const laps: Array<[string, number]> = [];
let lapAt = Date.now();
function lap(label: string): void {
	const now = Date.now();
	if (process.env.LP_BROWSER_TIMING === '1') laps.push([label, now - lapAt]);
	lapAt = now;
}

/** The screenshots taken (files relative to the repository) and the time they took. */
const shots = { files: [] as string[], ms: 0 };

async function shot(target: Page | Locator, file: string): Promise<void> {
	if (!SHOOT) return;
	const t0 = Date.now();
	fs.mkdirSync(SHOTS, { recursive: true });
	const p = path.join(SHOTS, file);
	await target.screenshot({ path: p, animations: 'disabled' });
	shots.ms += Date.now() - t0;
	shots.files.push(path.relative(REPO_DIR, p));
}

async function chooseOption(page: Page, scope: Locator, name: string, option: string): Promise<void> {
	await scope.locator(`[data-test-id="parameter-input-${name}"]`).locator('visible=true').first().click();
	// An option with a description shows both: match the item whose own text, or one line of it, is the name.
	const items = page.locator('.el-select-dropdown__item, [role="option"]').locator('visible=true');
	const item = items.filter({ hasText: exact(option) }).or(items.filter({ has: page.getByText(option, { exact: true }) })).first();
	await item.click();
	// The field shows the choice (not only a click on a list that may have gone).
	const field = scope.locator(`[data-test-id="parameter-input-${name}"]`).locator('visible=true').first();
	await until(
		`${name} shows "${option}"`,
		() =>
			field.evaluate((el, option) => {
				const e = el as unknown as { innerText: string; querySelector(s: string): { value: string } | null };
				return `${e.querySelector('input')?.value ?? ''}\n${e.innerText}`.includes(option);
			}, option),
		10_000,
	);
}

async function fillField(page: Page, scope: Locator, field: Field): Promise<void> {
	if ('option' in field) return chooseOption(page, scope, field.name, field.option);
	const input = scope.locator(`[data-test-id="parameter-input-${field.name}"]`).locator('visible=true').first().locator('input, textarea').first();
	await input.fill(field.value);
}

// ---------------------------------------------------------------------------------------------------

describe(`the package in the n8n ${process.env.LP_N8N_VERSION ?? '2.8.4'} editor (Chromium, headless)`, () => {
	const sandboxDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lp-browser-e2e-'));
	const keyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lp-browser-keys-'));
	let sandbox: SandboxHandle | undefined;
	let oidc: Oidc | undefined;
	let browser: Browser | undefined;
	let context: BrowserContext;
	let page: Page;
	const consoleErrors: ConsoleEntry[] = [];
	let nodes: NodeInfo[];
	let credentials: CredentialInfo[];
	let testedByNode: Set<string>;

	const errorsSince = (mark: number) => consoleErrors.filter((e) => e.at >= mark && !isNoise(e));

	beforeAll(async () => {
		assertChromium();
		const port = await freePort();
		const emulatorPort = await freePort();
		const [s, o] = await Promise.all([
			// No sample credentials or example workflows: this test makes its own (saves an n8n CLI import each).
			start({ port, emulatorPort, sandboxDir, echo: false, imports: false }),
			startOidc(`http://127.0.0.1:${port}/rest/oauth2-credential/callback`),
		]);
		sandbox = s;
		oidc = o;
		process.stderr.write(`sandbox start timings (s): ${JSON.stringify(s.timings)}\n`);
		nodes = packageNodes();
		credentials = packageCredentials();
		testedByNode = new Set(
			PKG.n8n.nodes.flatMap((f) => {
				const mod = require(path.join(REPO_DIR, f)) as Record<string, new () => { description: { credentials?: Array<{ name: string; testedBy?: unknown }> } }>;
				const d = new (mod[path.basename(f).split('.')[0]])().description;
				return (d.credentials ?? []).filter((c) => c.testedBy).map((c) => c.name);
			}),
		);

		browser = await launchChromium();
		context = await browser.newContext({ viewport: { width: 1400, height: 1200 } });
		// The editor asks api.n8n.io for banners, templates and community node lists; this machine has no
		// internet, so answer those with an empty list instead of logging network errors. Loopback (n8n, the
		// emulator, the authorization server) is never intercepted.
		await context.route(
			(url) => !['127.0.0.1', 'localhost'].includes(url.hostname),
			(route) => route.fulfill({ status: 200, contentType: 'application/json', headers: { 'access-control-allow-origin': '*' }, body: '[]' }),
		);
		context.on('page', (p) => {
			trackPending(p, () => sandbox?.editorUrl);
			p.on('console', (m) => {
				if (m.type() === 'error') consoleErrors.push({ at: Date.now(), text: m.text(), url: m.location().url ?? '' });
			});
			p.on('pageerror', (e) => consoleErrors.push({ at: Date.now(), text: `pageerror: ${e.message}`, url: '' }));
			// n8n's REST answers >= 500 carry the reason (e.g. a loadOptions method that threw): keep it.
			p.on('response', (r) => {
				if (r.status() >= 500 && new URL(r.url()).pathname.startsWith('/rest/')) {
					const reading = {};
					pending.get(p)?.add(reading);
					void r
						.text()
						.catch(() => '')
						.then((body) => {
							consoleErrors.push({ at: Date.now(), text: `n8n answered ${r.status()}: ${body.slice(0, 300)}`, url: r.url() });
							pending.get(p)?.delete(reading);
						});
				}
			});
			p.on('dialog', (d) => void d.accept());
		});
		page = await context.newPage();

		// Log in as the sandbox owner through the sign-in form.
		await page.goto(`${sandbox.editorUrl}/signin`);
		await page.fill('[data-test-id="emailOrLdapLoginId"] input', sandbox.email);
		await page.fill('[data-test-id="password"] input', sandbox.password);
		await page.click('[data-test-id="form-submit-button"]');
		await page.waitForURL((u) => !u.pathname.startsWith('/signin'), { timeout: 30_000 });
	}, INSTALL_TIMEOUT_MS);

	afterAll(async () => {
		const unexpected = consoleErrors.filter((e) => !isNoise(e));
		process.stderr.write(
			`browser console: ${consoleErrors.length} error(s), ${unexpected.length} not known n8n noise\n` +
				unexpected.map((e) => `  ${e.text} @ ${e.url}`).join('\n') +
				(SHOOT ? `\nscreenshots (${(shots.ms / 1000).toFixed(1)} s):\n${shots.files.map((s) => `  ${s}`).join('\n')}\n` : '\nno screenshots (LP_SCREENSHOTS=1 takes them)\n'),
		);
		if (laps.length) {
			const sum = new Map<string, { n: number; ms: number; max: number }>();
			for (const [k, ms] of laps) sum.set(k, { n: (sum.get(k)?.n ?? 0) + 1, ms: (sum.get(k)?.ms ?? 0) + ms, max: Math.max(sum.get(k)?.max ?? 0, ms) });
			process.stderr.write(`steps:\n${[...sum].map(([k, v]) => `  ${k}: ${v.n}x, ${(v.ms / 1000).toFixed(1)} s (longest ${(v.max / 1000).toFixed(1)} s)`).join('\n')}\n`);
		}
		await browser?.close().catch(() => undefined);
		if (oidc) {
			const exited = new Promise((r) => oidc!.child.once('exit', r));
			oidc.child.kill('SIGKILL');
			oidc.child.stdout?.destroy();
			oidc.child.stderr?.destroy();
			await exited;
		}
		await sandbox?.stop();
		fs.rmSync(sandboxDir, { recursive: true, force: true });
		fs.rmSync(keyDir, { recursive: true, force: true });
	}, 120_000);

	/** A saved workflow with a Manual Trigger (and more nodes), opened in the editor. */
	async function openWorkflow(name: string, extraNodes: Array<Record<string, unknown>> = [], connections: Record<string, unknown> = {}): Promise<string> {
		const created = await restInPage<{ data: { id: string } }>(page, 'POST', '/rest/workflows', {
			name,
			active: false,
			settings: { executionOrder: 'v1' },
			connections,
			nodes: [
				{ id: 'b0000000-0000-4000-8000-000000000000', name: 'Manual Trigger', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
				...extraNodes,
			],
		});
		expect(created.status).toBe(200);
		const id = created.json.data.id;
		await page.goto(`${sandbox!.editorUrl}/workflow/${id}`);
		await page.waitForSelector('[data-test-id="canvas-node"]', { timeout: 30_000 });
		return id;
	}

	test('every node is in the node panel, found by its display name, with an icon that loads', async () => {
		expect(nodes.length).toBeGreaterThan(0);
		await openWorkflow('Browser test: node panel');
		lap('panel: workflow open');
		// The editor's node types carry each node's codex (categories, docs): the *.node.json files are shipped.
		// (Filtered in the page: the whole list is every n8n node, megabytes to hand over to the test.)
		const types = await page.evaluate(async (prefix) => {
			const all = (await (await fetch('/types/nodes.json')).json()) as Array<{ name: string; codex?: { categories?: string[] } }>;
			return all.filter((t) => t.name.startsWith(prefix)).map((t) => ({ name: t.name, codex: { categories: t.codex?.categories } }));
		}, `${PKG.name}.`);
		lap('panel: node types');
		for (const node of nodes) {
			const t = types.find((x) => x.name === node.type);
			expect({ node: node.name, categories: (t?.codex?.categories ?? []).length > 0 }).toEqual({ node: node.name, categories: true });
		}
		// One open node panel, one search per node.
		await page.click('[data-test-id="node-creator-plus-button"]');
		const search = page.locator('[data-test-id="node-creator-search-bar"]');
		await search.waitFor();
		const ours = page.locator(`[data-test-id="item-iterator-item"][data-keyboard-nav-id^="${PKG.name}."]`);
		for (const node of nodes) {
			// A fresh list: nothing of the package is listed before the name is typed (a search for nothing:
			// an empty one would draw n8n's whole category view each time, seconds on a busy machine).
			await search.fill('no-node-has-this-name');
			lap('panel: fill no match');
			await until(`node panel lists none of the package's nodes for a search that matches nothing (before "${node.displayName}")`, async () => (await ours.count()) === 0, 10_000);
			lap('panel: cleared');
			await search.fill(node.displayName);
			const item = page.locator(`[data-test-id="item-iterator-item"][data-keyboard-nav-id^="${node.type}-"]`).first();
			await item.waitFor({ timeout: 15_000 }).catch(async () => {
				const listed = await page.locator('[data-test-id="node-creator-item-name"]').allInnerTexts();
				throw new Error(`"${node.displayName}" (${node.type}) not in the node panel; listed: ${listed.join(', ') || 'nothing'}`);
			});
			lap('panel: found');
			// n8n's node panel lists a trigger without its " Trigger" suffix ("LivePerson Trigger" → "LivePerson").
			expect([node.displayName, node.displayName.replace(/ Trigger$/, '')]).toContain(await item.locator('[data-test-id="node-creator-item-name"]').first().innerText());
			const img = item.locator('img').first();
			await img.waitFor();
			const src = await img.getAttribute('src');
			expect(src).toContain(`/icons/${PKG.name}/`);
			// Decoded by the browser (a broken image has naturalWidth 0) …
			await until(
				`icon of ${node.displayName} decoded by the browser (${src})`,
				() => img.evaluate((el) => (el as unknown as { complete: boolean; naturalWidth: number }).complete && (el as unknown as { naturalWidth: number }).naturalWidth > 0),
				10_000,
			);
			lap('panel: icon decoded');
			// … and served as an SVG.
			const res = await page.request.get(new URL(src!, sandbox!.editorUrl).toString());
			expect({ node: node.name, status: res.status() }).toEqual({ node: node.name, status: 200 });
			expect((await res.text()).trimStart()).toMatch(/^(<\?xml[^>]*>\s*)?<svg/);
			lap('panel: icon fetched');
		}
		if (SHOOT) {
			// One overview shot: everything the package adds, listed under one search, icons drawn.
			await search.fill('LivePerson');
			await until('the package listed under "LivePerson"', async () => (await ours.count()) > 0, 10_000);
			await settled(page, 'node panel icons');
			await shot(page, 'node-panel.png');
		}
		await page.keyboard.press('Escape');
		await page.locator('[data-test-id="node-creator"]').waitFor({ state: 'hidden', timeout: 5_000 }).catch(() => undefined);
	}, 300_000);

	/** Opens "Create credential" for a type, by its display name. Returns the edit modal. */
	async function newCredentialForm(displayName: string): Promise<Locator> {
		// The credentials page stays open between forms (no reload of the editor per form).
		// (After a save n8n shows the project's list, /projects/<id>/credentials: the same button.)
		const add = page.locator('[data-test-id="add-resource-credential"]').first();
		if (!(await add.isVisible())) {
			await page.goto(`${sandbox!.editorUrl}/home/credentials`);
			lap('cred: goto');
		}
		await add.click();
		lap('cred: add clicked');
		await page.locator('[data-test-id="new-credential-type-select"]').waitFor();
		lap('cred: type select');
		await page.keyboard.type(displayName);
		await page.locator('.el-select-dropdown__item, [role="option"]').locator('visible=true').filter({ hasText: exact(displayName) }).first().click();
		await page.click('[data-test-id="new-credential-type-button"]');
		const modal = page.locator('[data-test-id="editCredential-modal"]');
		await modal.waitFor();
		await modal.locator('[data-test-id="credential-save-button"]').waitFor();
		lap('cred: form open');
		return modal;
	}

	/** Closes the credential form; a form changed since its save asks first: close without saving. */
	async function closeCredentialForm(modal: Locator): Promise<void> {
		const closeButton = modal.locator('.el-dialog__headerbtn').first();
		if (await closeButton.isVisible()) await closeButton.click();
		else await page.keyboard.press('Escape');
		// "Close without saving?": Close.
		const ask = page.locator('.el-message-box').locator('visible=true');
		await until(
			'the credential form closed',
			async () => {
				if (await ask.isVisible()) await ask.locator('.btn--cancel').click();
				return !(await modal.isVisible());
			},
			15_000,
		).catch(async (e: Error) => {
			const box = (await ask.allInnerTexts()).join(' | ');
			throw new Error(`${e.message}; form: ${(await modal.innerText().catch(() => '')).slice(0, 300)}; box: ${box}`);
		});
	}

	async function savedCredentialId(type: string): Promise<string> {
		const list = await restInPage<{ data: Array<{ id: string; type: string; updatedAt: string }> }>(page, 'GET', '/rest/credentials');
		const mine = list.json.data.filter((c) => c.type === type).sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
		if (!mine.length) throw new Error(`no saved credential of type ${type}`);
		return mine[0].id;
	}

	test('every credential form opens, saves, and its Test reports success against the emulator', async () => {
		const keyStore = makeKeyStore(keyDir);
		const samples = credentialSamples(sandbox!.emulatorUrl, keyStore);
		const problems: string[] = [];
		for (const cred of credentials) {
			if (cred.name === 'livePersonOAuth2AuthCodeApi') continue; // Connect flow: next test.
			const sample = samples[cred.name];
			if (!sample) {
				problems.push(`${cred.name}: no sample data in this test (add it to credentialSamples)`);
				continue;
			}
			const mark = Date.now();
			const modal = await newCredentialForm(cred.displayName);
			for (const f of sample.fields) await fillField(page, modal, f);
			lap('cred: filled');
			// Password fields are masked before anything is saved or shown.
			await assertNoSecretVisible(page, sample.secrets, `${cred.name} form`);
			await modal.locator('[data-test-id="credential-save-button"]').click();
			const testable = cred.hasOwnTest || testedByNode.has(cred.name);
			const success = modal.locator('[data-test-id="credentials-config-container-test-success"]');
			const failure = modal.getByText(/Couldn.t connect with these settings/);
			if (testable) {
				await success.or(failure).first().waitFor({ timeout: 60_000 });
				if (await failure.isVisible()) {
					const details = (await modal.innerText()).split('\n').slice(0, 20).join(' / ');
					problems.push(`${cred.name}: Test failed: ${details}`);
				}
			} else {
				await until(`${cred.name} saved`, () => savedCredentialId(cred.name).then(() => true), 20_000);
				// The form is done (saved, nothing being saved or tested): a Test, had it run, has shown its banner.
				await until(`${cred.name}: the form says Saved`, async () => /^\s*Saved\s*$/.test(await modal.locator('[data-test-id="credential-save-button"]').innerText()), 20_000);
				await settled(page, `${cred.name} saved`);
				if (await failure.isVisible()) problems.push(`${cred.name}: a test failure banner appeared for a type without a Test`);
			}
			lap('cred: saved+tested');
			await assertNoSecretVisible(page, sample.secrets, `${cred.name} after save`);
			await shot(modal, `credential-${cred.name}.png`);
			// Deprecated paths show a notice in the form (not saved: the form is left without saving).
			const notice = DEPRECATION_NOTICES[cred.name];
			if (notice) {
				await chooseOption(page, modal, notice.field, notice.option);
				const text = modal.getByText(notice.text).first();
				await text.waitFor({ timeout: 10_000 }).catch(() => {
					throw new Error(`${cred.name}: no notice matching ${notice.text} after choosing "${notice.option}"`);
				});
				await text.scrollIntoViewIfNeeded();
				await assertNoSecretVisible(page, sample.secrets, `${cred.name} notice`);
				await shot(modal, notice.shot);
			}
			await settled(page, `${cred.name} form`);
			const errors = errorsSince(mark);
			if (errors.length) problems.push(`${cred.name}: console: ${errors.map((e) => e.text).join(' | ')}`);
			await closeCredentialForm(modal);
			lap('cred: closed');
		}
		expect(problems).toEqual([]);
	}, 600_000);

	test('warnings the editor shows: a certificate that expires soon, and a Test URL the policy refuses', async () => {
		// A key store valid for 10 more days: the Test says so in the failure banner (n8n shows nothing
		// but "Connection tested successfully" for an OK test).
		const soon = makeKeyStore(keyDir, 10);
		let modal = await newCredentialForm('LivePerson Mutual TLS API');
		await fillField(page, modal, { name: 'keyStoreFormat', option: 'PKCS#12 / PFX (.P12, .PFX)' });
		await fillField(page, modal, { name: 'keyStore', value: soon });
		await fillField(page, modal, { name: 'keyStorePassword', value: KEY_STORE_PASSWORD });
		await modal.locator('[data-test-id="credential-save-button"]').click();
		// n8n's banner says "Couldn't connect with these settings"; "More details" opens the message.
		const details = async () => {
			await modal.getByText(/Couldn.t connect with these settings/).first().waitFor({ timeout: 60_000 });
			await modal.getByText('More details').first().click();
		};
		await details();
		await modal.getByText(/expires in (9|10) days/).first().waitFor({ timeout: 20_000 });
		await shot(modal, 'warning-certificate-expires-soon.png');
		await closeCredentialForm(modal);
		// A Test URL on loopback without "Allowed Internal Networks": an error that says how to allow it.
		modal = await newCredentialForm('LivePerson Basic Auth API');
		await fillField(page, modal, { name: 'user', value: 'browser-user' });
		await fillField(page, modal, { name: 'password', value: 'browser-password-1' });
		await fillField(page, modal, { name: 'testUrl', value: `${sandbox!.emulatorUrl}/protected/echo` });
		await modal.locator('[data-test-id="credential-save-button"]').click();
		await details();
		await modal.getByText(/Blocked request to 127\.0\.0\.1/).first().waitFor({ timeout: 20_000 });
		await modal.getByText(/Allowed Internal Networks/).first().waitFor({ timeout: 10_000 });
		await shot(modal, 'warning-test-url-refused.png');
		await closeCredentialForm(modal);
	}, 300_000);

	test("every node's parameter panel opens, and every operation renders, without console errors", async () => {
		const canvasNodes = nodes.map((n, i) => ({
			id: `b0000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`,
			name: n.displayName,
			type: n.type,
			typeVersion: 1,
			position: [260 + 260 * (i % 4), 220 * Math.floor(i / 4)],
			parameters: {},
		}));
		await openWorkflow('Browser test: parameter panels', canvasNodes);
		const problems: string[] = [];
		const testStart = Date.now();
		for (const node of nodes) {
			const mark = Date.now();
			await page.locator(`[data-test-id="canvas-node"][data-node-name="${node.displayName}"]`).dblclick();
			const ndv = page.locator('[data-test-id="ndv"]');
			await ndv.waitFor({ timeout: 15_000 });
			await ndv.locator('[data-test-id="node-parameters"]').waitFor();
			await settled(page, `${node.displayName} panel`);
			lap('ndv: open+settled');
			for (const { resource, operations } of node.resources) {
				if (resource) {
					await chooseOption(page, ndv, 'resource', resource);
					await settled(page, `${node.displayName}: ${resource}`);
				}
				for (const op of operations) {
					await chooseOption(page, ndv, 'operation', op);
					await settled(page, `${node.displayName}: ${resource ?? ''} ${op}`);
					lap('ndv: op chosen, settled');
				}
			}
			if (SHOOT) {
				// Back to the first resource and operation for the screenshot.
				const first = node.resources[0];
				if (first?.resource) await chooseOption(page, ndv, 'resource', first.resource);
				if (first?.operations.length) await chooseOption(page, ndv, 'operation', first.operations[0]);
				await settled(page, `${node.displayName} for the screenshot`);
				await shot(page, `node-${node.name}.png`);
			}
			const errors = errorsSince(mark);
			if (errors.length) problems.push(`${node.displayName}: ${errors.map((e) => `${e.text} @ ${e.url}`).join(' | ')}`);
			await page.click('[data-test-id="ndv-close-button"]');
			await ndv.waitFor({ state: 'hidden' });
			lap('ndv: closed');
		}
		await settled(page, 'the canvas after the last panel');
		// Anything that came after its node's panel closed still counts.
		const late = errorsSince(testStart).filter((e) => !problems.some((p) => p.includes(e.text)));
		if (late.length) problems.push(`after the panels: ${late.map((e) => `${e.text} @ ${e.url}`).join(' | ')}`);
		expect(problems).toEqual([]);
	}, 300_000);

	test('OAuth2 Authorization Code with PKCE: Connect, consent in the popup, then a workflow calls the protected resource (and refreshes)', async () => {
		const issuer = oidc!.issuer;
		const callback = `${sandbox!.editorUrl}/rest/oauth2-credential/callback`;
		const secrets = [OIDC_CLIENT_SECRET];
		const modal = await newCredentialForm('LivePerson OAuth2 Authorization Code API');
		// The redirect URL n8n shows is the one registered at the authorization server.
		await expect(modal.locator('[data-test-id="copy-input"]').first().innerText()).resolves.toContain(callback);
		await chooseOption(page, modal, 'grantType', 'Authorization Code with PKCE');
		for (const f of [
			{ name: 'clientId', value: OIDC_CLIENT_ID },
			{ name: 'clientSecret', value: OIDC_CLIENT_SECRET },
			{ name: 'userScope', value: 'openid offline_access api:read' },
			{ name: 'userAuthUrl', value: `${issuer}/auth` },
			{ name: 'userTokenUrl', value: `${issuer}/token` },
			// oidc-provider grants offline_access (so a refresh token) only with prompt=consent.
			{ name: 'userAuthQueryParameters', value: 'prompt=consent' },
		]) {
			await fillField(page, modal, f);
		}
		await assertNoSecretVisible(page, secrets, 'OAuth2 form');
		await modal.locator('[data-test-id="credential-save-button"]').click();
		// The Connect button: n8n 2.8's "Connect my account" (oauth-connect-button); n8n 2.41's "Connect" in
		// the "Connect your account to use this credential" banner (quick-connect-button inside it).
		const connect = modal
			.locator('[data-test-id="oauth-connect-button"], [data-test-id="oauth-not-connected-banner"] [data-test-id="quick-connect-button"]')
			.first();
		await connect.waitFor({ timeout: 20_000 });
		await connect.scrollIntoViewIfNeeded();
		await shot(modal, 'credential-livePersonOAuth2AuthCodeApi-connect.png');
		const grantsBefore = await oidcGrants(issuer);
		// The authorization request n8n builds, as the popup sends it (recorded, not changed).
		const authRequests: URL[] = [];
		await context.route(
			(url) => url.origin === issuer && url.pathname === '/auth',
			(route) => {
				authRequests.push(new URL(route.request().url()));
				return route.continue();
			},
		);

		const popupPromise = context.waitForEvent('page', { timeout: 20_000 });
		await connect.locator('button, [role="button"]').first().or(connect).first().click();
		const popup = await popupPromise;
		const visited: string[] = [];
		popup.on('framenavigated', (f) => {
			if (f === popup.mainFrame()) visited.push(new URL(f.url()).origin + new URL(f.url()).pathname);
		});
		const banner = modal.locator('[data-test-id="oauth-connect-success-banner"]');
		await banner.waitFor({ timeout: 60_000 }).catch(async () => {
			const toasts = await page.locator('.el-notification, [role="alert"]').allInnerTexts();
			const popupText = popup.isClosed() ? '(popup closed)' : await popup.locator('body').innerText().catch(() => '');
			throw new Error(
				`credential not connected. Popup went through: ${visited.join(' -> ')}. Popup says: ${popupText.slice(0, 500)}. Editor says: ${toasts.join(' | ')}. Fixture: ${oidc!.stderr().slice(-1000)}`,
			);
		});
		await expect(banner.innerText()).resolves.toMatch(/Account connected/i);
		// n8n resolved the credential's `$self` expressions at Connect: auth URL, scope; and sent PKCE (S256).
		expect(authRequests).toHaveLength(1);
		const q = authRequests[0].searchParams;
		expect({
			client_id: q.get('client_id'),
			redirect_uri: q.get('redirect_uri'),
			response_type: q.get('response_type'),
			scope: q.get('scope'),
			code_challenge_method: q.get('code_challenge_method'),
			code_challenge: /^[A-Za-z0-9_-]{43}$/.test(q.get('code_challenge') ?? ''),
			prompt: q.get('prompt'),
		}).toEqual({
			client_id: OIDC_CLIENT_ID,
			redirect_uri: callback,
			response_type: 'code',
			scope: 'openid offline_access api:read',
			code_challenge_method: 'S256',
			code_challenge: true,
			// From the credential's Auth URI Query Parameters (a `$self` expression resolved at Connect).
			prompt: 'consent',
		});
		// The code was exchanged once, at the fixture's token endpoint, with the PKCE verifier (required there).
		expect(await oidcGrants(issuer)).toBe(grantsBefore + 1);
		await assertNoSecretVisible(page, secrets, 'OAuth2 connected');
		await shot(modal, 'credential-livePersonOAuth2AuthCodeApi.png');
		const credentialId = await savedCredentialId('livePersonOAuth2AuthCodeApi');
		await closeCredentialForm(modal);

		// A workflow that uses it: API Integration → the fixture's protected resource.
		const apiNode = nodes.find((n) => n.name === 'livePersonApiIntegration');
		expect(apiNode).toBeDefined();
		await openWorkflow(
			'Browser test: OAuth2 PKCE API call',
			[
				{
					id: 'b0000000-0000-4000-8000-00000000a001',
					name: 'Call Protected API',
					type: apiNode!.type,
					typeVersion: 1,
					position: [260, 0],
					parameters: {
						authentication: 'oAuth2AuthCode',
						method: 'GET',
						url: `${issuer}/api/resource`,
						options: { allowedInternalNetworks: 'loopback' },
					},
					credentials: { livePersonOAuth2AuthCodeApi: { id: credentialId, name: 'LivePerson Authorization Code account' } },
				},
			],
			{ 'Manual Trigger': { main: [[{ node: 'Call Protected API', type: 'main', index: 0 }]] } },
		);

		const runOnce = async (label: string) => {
			const mark = Date.now();
			await page.click('[data-test-id="execute-workflow-button"]');
			const node = page.locator('[data-test-id="canvas-node"][data-node-name="Call Protected API"]');
			await node
				.locator('[data-test-id="canvas-node-status-success"]')
				.waitFor({ timeout: 60_000 })
				.catch(async () => {
					const toasts = await page.locator('.el-notification, [role="alert"]').allInnerTexts();
					throw new Error(`${label}: the API node did not succeed. Editor says: ${toasts.join(' | ')}`);
				});
			await node.dblclick();
			const out = page.locator('[data-test-id="ndv-output-panel"], [data-test-id="output-panel"]').first();
			await out.waitFor();
			await out.locator('[data-test-id="radio-button-json"]').first().click();
			await until(`${label}: output shows "ok": true`, async () => /"?ok"?\s*:\s*true/.test(await out.innerText()), 10_000);
			const text = await out.innerText();
			expect(text).toContain(OIDC_CLIENT_ID);
			await assertNoSecretVisible(page, secrets, `${label} output`);
			const errors = errorsSince(mark);
			expect(errors.map((e) => e.text)).toEqual([]);
			return text;
		};
		await runOnce('first run');
		const grantsAfterFirst = await oidcGrants(issuer);
		await shot(page, 'oauth2-pkce-workflow-run.png');
		await page.click('[data-test-id="ndv-close-button"]');

		// Second run after the server revoked the access token (401 invalid_token, as for an expired one;
		// its lifetime has not run out, so only the 401 can make n8n refresh): n8n refreshes at the token URL
		// (which it reads through the credential's `$self` expression) and repeats the call.
		expect(await oidcRevokeServedTokens(issuer)).toBe(1);
		await runOnce('second run (after the token was revoked)');
		expect(await oidcGrants(issuer)).toBe(grantsAfterFirst + 1);
		await page.click('[data-test-id="ndv-close-button"]');
	}, 600_000);
});
