/**
 * Conversation Builder calls n8n, in a REAL n8n (`npm start`'s sandbox: 2.8.4, or LP_N8N_VERSION):
 * the sandbox's emulator plays a bot's API integration (POST /sandbox/conversation-builder/integration:
 * Conversation Builder's default JSON headers, 20 s limit with 3 retries, the answer mapped into bot
 * variables) calling the sample workflows of examples/cb-*.json, one per Bot Accounts credential type:
 *
 *   Basic             → Webhook with Basic auth (sample credential lpSandboxCbBasic)
 *   Access Token      → Webhook with header auth (sample credential lpSandboxCbToken)
 *   OAuth 2.0 client credentials → a token from the emulator's Sentinel, checked by Verify JWT (JWKS)
 *   Mutual Authentication → nginx (TLS 1.2+, client certificate required and verified against a test CA
 *                     generated now) in front of n8n, passing the certificate subject and the peer address;
 *                     the IP Allowlist node admits only the "LivePerson range" (127.0.0.1 stands in for it)
 *
 * Every call without valid auth, with a certificate from an unknown CA, or from outside the allowed
 * range gets no bot variables.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort, INSTALL_TIMEOUT_MS, n8nRestClient, processesLeft, REPO_DIR } from './harness';
import { makeTestPki, type TestPki } from '../helpers/pki';
import { startNginxMtls, type NginxServer } from '../helpers/tls-servers';

interface SandboxHandle {
	editorUrl: string;
	emulatorUrl: string;
	email: string;
	password: string;
	pids: { start: number; n8n: number; emulator: number };
	stop(): Promise<void>;
}
const { start } = require('../../scripts/start.js') as {
	start(opts: { port: number; emulatorPort: number; sandboxDir: string; echo?: boolean }): Promise<SandboxHandle>;
};

const STEP_TIMEOUT_MS = 2 * 60 * 1000;
const SAMPLE_EMULATOR = 'http://127.0.0.1:8090';

let sandbox: SandboxHandle | undefined;
let nginx: NginxServer | undefined;
let pki: TestPki;
const n8nApi = n8nRestClient(() => sandbox!.editorUrl, 'lp-cb-e2e');
const rest = n8nApi.rest;

interface CbResult {
	ok: boolean;
	status: number;
	attempts: number;
	elapsedMs: number;
	variables: Record<string, unknown>;
	error?: string;
}

/** Conversation Builder runs one API integration (through the emulator). */
async function integration(body: Record<string, unknown>): Promise<CbResult> {
	const res = await fetch(`${sandbox!.emulatorUrl}/sandbox/conversation-builder/integration`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
	expect(res.status).toBe(200);
	return (await res.json()) as CbResult;
}

const FIELDS = { orderStatus: 'status', orderEta: 'eta', orderId: 'orderId' };

/** An example workflow, pointed at this run's emulator, created and activated through REST. */
async function activateExample(file: string): Promise<string> {
	const text = fs.readFileSync(path.join(REPO_DIR, 'examples', file), 'utf8').split(SAMPLE_EMULATOR).join(sandbox!.emulatorUrl);
	const w = JSON.parse(text) as { name: string; nodes: Array<Record<string, unknown>>; connections: unknown; settings: unknown };
	const created = await rest<{ id: string; versionId: string }>('POST', '/rest/workflows', { name: `${w.name} (e2e)`, nodes: w.nodes, connections: w.connections, settings: w.settings });
	const active = await rest<{ active: boolean }>('POST', `/rest/workflows/${created.id}/activate`, { versionId: created.versionId });
	expect(active.active).toBe(true);
	const webhook = w.nodes.find((n) => n.type === 'n8n-nodes-base.webhook') as { parameters: { path: string } };
	return webhook.parameters.path;
}

async function until(what: string, ready: () => Promise<boolean>, ms = 30_000): Promise<void> {
	const end = Date.now() + ms;
	while (!(await ready())) {
		if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 250));
	}
}

describe(`Conversation Builder calls n8n ${process.env.LP_N8N_VERSION ?? '2.8.4'} with each Bot Accounts credential type`, () => {
	const sandboxDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lp-cb-'));
	const paths: Record<string, string> = {};
	let n8nPort = 0;

	beforeAll(async () => {
		pki = makeTestPki();
		n8nPort = await freePort();
		sandbox = await start({ port: n8nPort, emulatorPort: await freePort(), sandboxDir, echo: false });
		await rest('POST', '/rest/login', { emailOrLdapLoginId: sandbox.email, password: sandbox.password });
		for (const [k, f] of Object.entries({ basic: 'cb-basic-auth.json', token: 'cb-access-token.json', oauth2: 'cb-oauth2-client-credentials.json', mtls: 'cb-mutual-tls.json' })) paths[k] = await activateExample(f);
		nginx = await startNginxMtls(pki, {
			location: `proxy_pass http://127.0.0.1:${n8nPort};
      proxy_set_header X-Real-IP $remote_addr;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header X-SSL-Client-Verify $ssl_client_verify;
      proxy_set_header X-SSL-Client-S-DN $ssl_client_s_dn;`,
		});
		for (const p of Object.values(paths)) await until(`/webhook/${p}`, async () => (await fetch(`${sandbox!.editorUrl}/webhook/${p}`, { method: 'POST' })).status !== 404);
	}, INSTALL_TIMEOUT_MS);

	afterAll(async () => {
		const pids = sandbox ? [sandbox.pids.n8n, sandbox.pids.emulator] : [];
		await nginx?.close();
		await sandbox?.stop();
		fs.rmSync(sandboxDir, { recursive: true, force: true });
		expect(await processesLeft(pids)).toEqual([]);
	}, STEP_TIMEOUT_MS);

	const call = (p: string, extra: Record<string, unknown>) =>
		integration({ url: `${sandbox!.editorUrl}/webhook/${p}`, method: 'POST', body: { orderId: 'A-1001' }, responseDataVariable: 'OrderStatus', customDataFields: FIELDS, ...extra });

	const expectVariables = (r: CbResult, more: Record<string, unknown> = {}) => {
		expect(r).toMatchObject({ ok: true, status: 200, variables: { orderStatus: 'shipped', orderEta: '2026-12-24', orderId: 'A-1001', ...more } });
		expect((r.variables.api_OrderStatus as Record<string, unknown>).status).toBe('shipped');
		expect(r.elapsedMs).toBeLessThan(20_000);
	};

	it('Basic: the right user and password get the variables; a wrong password gets none', async () => {
		expectVariables(await call(paths.basic, { credential: { type: 'basic', username: 'cb-sandbox-bot', password: 'Sandbox-CB-Basic-Passw0rd!' } }));
		const wrong = await call(paths.basic, { credential: { type: 'basic', username: 'cb-sandbox-bot', password: 'not-it' } });
		expect(wrong).toMatchObject({ ok: false, variables: {} });
		expect([401, 403]).toContain(wrong.status);
		expect((await call(paths.basic, {})).variables).toEqual({});
	}, STEP_TIMEOUT_MS);

	it('Access token: the right token gets the variables; another token or type gets none', async () => {
		expectVariables(await call(paths.token, { credential: { type: 'accessToken', token: 'sandbox-cb-access-token', tokenType: 'Bearer' } }));
		expect((await call(paths.token, { credential: { type: 'accessToken', token: 'guessed', tokenType: 'Bearer' } })).variables).toEqual({});
		expect((await call(paths.token, { credential: { type: 'accessToken', token: 'sandbox-cb-access-token', tokenType: 'Basic' } })).variables).toEqual({});
	}, STEP_TIMEOUT_MS);

	it('OAuth 2.0 client credentials: a Sentinel token passes Verify JWT; a wrong secret or a forged token gets nothing', async () => {
		const tokenUrl = `${sandbox!.emulatorUrl}/sentinel/api/account/12345678/app/token?v=1.0`;
		const good = await call(paths.oauth2, { credential: { type: 'oauth2ClientCredentials', clientId: 'sandbox-client', clientSecret: 'sandbox-client-secret', tokenUrl } });
		expectVariables(good, { orderId: 'A-1001' });
		expect((good.variables.api_OrderStatus as Record<string, unknown>).client).toBe('sandbox-client');
		const wrongSecret = await call(paths.oauth2, { credential: { type: 'oauth2ClientCredentials', clientId: 'sandbox-client', clientSecret: 'nope', tokenUrl } });
		expect(wrongSecret).toMatchObject({ ok: false, attempts: 0, variables: {} });
		const forged = ['eyJhbGciOiJub25lIn0', Buffer.from(JSON.stringify({ sub: 'x', aud: '12345678' })).toString('base64url'), ''].join('.');
		const r = await call(paths.oauth2, { credential: { type: 'accessToken', token: forged, tokenType: 'Bearer' } });
		expect(r).toMatchObject({ ok: false, status: 401, variables: {} });
	}, STEP_TIMEOUT_MS);

	it('Mutual TLS through nginx from the allowed range: variables with the certificate subject; no, or an unknown, certificate or another address: none', async () => {
		const url = `${nginx!.url}/webhook/${paths.mtls}`;
		const mtls = (cert: { certPem: string; keyPem: string }, extra: Record<string, unknown> = {}) =>
			integration({ url, method: 'POST', body: { orderId: 'A-1001' }, responseDataVariable: 'OrderStatus', customDataFields: { ...FIELDS, verified: 'verified', subject: 'clientCertificate' }, credential: { type: 'mutualAuthentication', ...cert, trustPem: pki.caPem }, ...extra });
		const good = await mtls(pki.rsa, { sourceAddress: '127.0.0.1' });
		expectVariables(good, { verified: 'SUCCESS' });
		expect(String(good.variables.subject)).toMatch(/CN=/);
		const outside = await mtls(pki.rsa, { sourceAddress: '127.0.0.2' });
		expect(outside).toMatchObject({ ok: false, status: 403, variables: {} });
		const unknownCa = await mtls(pki.untrusted, { sourceAddress: '127.0.0.1' });
		expect(unknownCa.ok).toBe(false);
		expect(unknownCa.variables).toEqual({});
		// TLS trusted, no client certificate: nginx refuses (400), nothing reaches n8n.
		const noCert = await integration({ url, method: 'POST', body: { orderId: 'A-1001' }, responseDataVariable: 'OrderStatus', customDataFields: FIELDS, trustPem: pki.caPem, sourceAddress: '127.0.0.1' });
		expect(noCert.status).toBe(400);
		expect(noCert.ok).toBe(false);
		expect(noCert.variables).toEqual({});
	}, STEP_TIMEOUT_MS);

	it("Conversation Builder's limit: no answer within the time budget means no variables", async () => {
		// The emulator's budget shortened to 1 ms for the test (Conversation Builder: 20 s, not
		// configurable): no answer arrives in time, so the bot gets no variables.
		const r = await call(paths.basic, { credential: { type: 'basic', username: 'cb-sandbox-bot', password: 'Sandbox-CB-Basic-Passw0rd!' }, timeoutMs: 1 });
		expect(r).toMatchObject({ ok: false, variables: {} });
	}, STEP_TIMEOUT_MS);
});
