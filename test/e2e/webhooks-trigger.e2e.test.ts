/**
 * LivePerson calls n8n, in a REAL n8n (`npm start`'s sandbox, scripts/start.js: 2.8.4, or
 * LP_N8N_VERSION=2.41.3) with the package installed, and the sandbox's emulator playing LivePerson's
 * webhooks service and app installation API:
 *
 *   1. someone else already subscribed ChatStateEvent to their endpoint in the app installation;
 *   2. the workflow (LivePerson Trigger: 4 event types, Manage Subscription on) is activated through
 *      n8n's REST API → the trigger's webhookMethods write the production URL into the emulator's
 *      installation (through the package's pipeline: CSDS → Login Service → PUT with If-Match);
 *   3. unsigned / wrongly signed / wrong account / oversized calls get 401/413 and start nothing;
 *   4. the emulator delivers a scripted conversation, signed: 201 notifications to our URL, each answered
 *      200 within LivePerson's 5 s; every one starts exactly one execution (counted through n8n's REST
 *      executions list), then 60 byte-exact redeliveries start none;
 *   5. deactivation removes exactly what the trigger added: the endpoint someone re-pointed meanwhile
 *      and the other party's ChatStateEvent stay.
 */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort, INSTALL_TIMEOUT_MS, n8nRestClient, nodeType, processesLeft } from './harness';

interface SandboxHandle {
	editorUrl: string;
	emulatorUrl: string;
	email: string;
	password: string;
	sandboxDir: string;
	pids: { start: number; n8n: number; emulator: number };
	timings: Record<string, number>;
	stop(): Promise<void>;
}
const { start } = require('../../scripts/start.js') as {
	start(opts: { port: number; emulatorPort: number; sandboxDir: string; echo?: boolean }): Promise<SandboxHandle>;
};

const STEP_TIMEOUT_MS = 4 * 60 * 1000;
const ACC = '12345678';
const CLIENT = 'sandbox-client';
const OURS = [
	'ms.MessagingEventNotification.ContentEvent',
	'ms.MessagingEventNotification.RichContentEvent',
	'ms.MessagingEventNotification.AcceptStatusEvent',
	'cqm.ExConversationChangeNotification',
];
const SOMEONE_ELSE = 'https://127.0.0.1:9/someone-elses-hook';
const TURNS = 66; // 3 conversation changes + 66 × (consumer message, READ, answer) = 201 notifications for us

let sandbox: SandboxHandle | undefined;
const n8nApi = n8nRestClient(() => sandbox!.editorUrl, 'lp-webhooks-trigger-e2e');
const rest = n8nApi.rest;

interface WorkflowRecord {
	id: string;
	versionId: string;
	active: boolean;
}

async function emulator(method: string, p: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, unknown> }> {
	const res = await fetch(`${sandbox!.emulatorUrl}${p}`, { method, headers: { 'content-type': 'application/json', ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
	const text = await res.text();
	return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

async function bearer(): Promise<string> {
	const { json } = await emulator('POST', `/api/account/${ACC}/login?v=1.3`, { username: 'sandbox-agent', password: 'Sandbox-Passw0rd!' });
	return json.bearer as string;
}

const installationPath = `/api/account/${ACC}/configuration/app-install/installations/${CLIENT}?v=1.0`;

async function installation(): Promise<{ json: Record<string, unknown>; revision: string }> {
	const res = await fetch(`${sandbox!.emulatorUrl}${installationPath}`, { headers: { authorization: `Bearer ${await bearer()}` } });
	expect(res.status).toBe(200);
	return { json: (await res.json()) as Record<string, unknown>, revision: res.headers.get('ac-revision') ?? '' };
}

function hooksOf(json: Record<string, unknown>): Record<string, { endpoint: string }> {
	return ((json.capabilities as Record<string, unknown> | undefined)?.webhooks ?? {}) as Record<string, { endpoint: string }>;
}

/** Someone else edits the installation (same API, their own write). */
async function editInstallation(change: (hooks: Record<string, unknown>) => void): Promise<void> {
	const { json, revision } = await installation();
	const hooks = { ...hooksOf(json) } as Record<string, unknown>;
	change(hooks);
	const res = await emulator('PUT', installationPath, { ...json, capabilities: { ...(json.capabilities as object), webhooks: hooks } }, { authorization: `Bearer ${await bearer()}`, 'if-match': revision });
	expect(res.status).toBe(200);
}

async function executionCount(workflowId: string): Promise<number> {
	const filter = encodeURIComponent(JSON.stringify({ workflowId }));
	const data = await rest<{ count: number; results: unknown[] }>('GET', `/rest/executions?filter=${filter}&limit=1`);
	return data.count;
}

async function until(what: string, ready: () => Promise<boolean>, ms = 60_000): Promise<void> {
	const end = Date.now() + ms;
	while (!(await ready())) {
		if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 250));
	}
}

/** The count once it stopped changing for 2 s (executions are saved after the 200 answer). */
async function settledCount(workflowId: string, atLeast: number): Promise<number> {
	await until(`${atLeast} executions`, async () => (await executionCount(workflowId)) >= atLeast, 120_000);
	let last = await executionCount(workflowId);
	for (let stable = 0; stable < 8; ) {
		await new Promise((r) => setTimeout(r, 250));
		const now = await executionCount(workflowId);
		stable = now === last ? stable + 1 : 0;
		last = now;
	}
	return last;
}

describe(`LivePerson Trigger in real n8n ${process.env.LP_N8N_VERSION ?? '2.8.4'}: signed webhooks from the emulator`, () => {
	const sandboxDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lp-webhooks-trigger-'));
	const t0 = Date.now();
	let workflow: WorkflowRecord;
	let hookUrl = '';
	const webhookId = randomUUID();

	beforeAll(async () => {
		sandbox = await start({ port: await freePort(), emulatorPort: await freePort(), sandboxDir, echo: false });
		await rest('POST', '/rest/login', { emailOrLdapLoginId: sandbox.email, password: sandbox.password });
		const app = await rest<{ id: string }>('POST', '/rest/credentials', {
			name: 'Webhooks e2e app installation',
			type: 'livePersonAppInstallationApi',
			data: { accountId: ACC, clientId: CLIENT, clientSecret: 'sandbox-client-secret' },
		});
		const account = await rest<{ id: string }>('POST', '/rest/credentials', {
			name: 'Webhooks e2e account',
			type: 'livePersonAccountApi',
			data: { accountId: ACC, csdsHost: sandbox.emulatorUrl, authMethod: 'userPassword', username: 'sandbox-agent', password: 'Sandbox-Passw0rd!', allowedInternalNetworks: 'loopback' },
		});
		// 1. Someone else's subscription, before ours.
		await editInstallation((h) => (h['ms.MessagingEventNotification.ChatStateEvent'] = { endpoint: SOMEONE_ELSE }));
		const created = await rest<WorkflowRecord>('POST', '/rest/workflows', {
			name: 'LP webhooks trigger e2e',
			nodes: [
				{
					name: 'LivePerson Trigger',
					type: nodeType('livePersonTrigger'),
					typeVersion: 1,
					position: [0, 0],
					webhookId,
					parameters: { events: OURS, manageSubscription: true, maxRetries: 2, options: {} },
					credentials: { livePersonAppInstallationApi: { id: app.id, name: 'Webhooks e2e app installation' }, livePersonAccountApi: { id: account.id, name: 'Webhooks e2e account' } },
				},
			],
			connections: {},
			settings: { executionOrder: 'v1' },
		});
		// 2. Activation registers the subscription.
		workflow = await rest<WorkflowRecord>('POST', `/rest/workflows/${created.id}/activate`, { versionId: created.versionId });
		expect(workflow.active).toBe(true);
		hookUrl = `${sandbox.editorUrl}/webhook/${webhookId}/liveperson`;
		await until('the webhook to be registered', async () => (await fetch(hookUrl, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })).status !== 404);
	}, INSTALL_TIMEOUT_MS);

	afterAll(async () => {
		const pids = sandbox ? [sandbox.pids.n8n, sandbox.pids.emulator] : [];
		await sandbox?.stop();
		fs.rmSync(sandboxDir, { recursive: true, force: true });
		expect(await processesLeft(pids)).toEqual([]);
		process.stdout.write(`[webhooks-trigger] sandbox start ${JSON.stringify(sandbox?.timings)}; whole file ${Math.round((Date.now() - t0) / 1000)}s\n`);
	}, STEP_TIMEOUT_MS);

	it('activation wrote the production URL for the chosen events, next to the other party\'s', async () => {
		// n8n 2.41 serves the webhook a moment before the trigger's create() has finished: poll (bounded).
		await until('the subscription to be written', async () => {
			const h = hooksOf((await installation()).json);
			return OURS.every((e) => e in h);
		});
		const hooks = hooksOf((await installation()).json);
		for (const e of OURS) expect(hooks[e]).toEqual({ endpoint: hookUrl, max_retries: 2 });
		expect(hooks['ms.MessagingEventNotification.ChatStateEvent']).toEqual({ endpoint: SOMEONE_ELSE });
	}, STEP_TIMEOUT_MS);

	it('refused calls get 401/413 and start nothing', async () => {
		const body = JSON.stringify({ kind: 'notification', type: 'cqm.ExConversationChangeNotification', body: { changes: [{ type: 'UPSERT', result: { convId: 'forged', conversationDetails: { state: 'CLOSE', metaDataLastUpdateTs: 1 } } }] } });
		const { createHmac } = await import('node:crypto');
		const sig = (b: string | Buffer, secret = 'sandbox-client-secret') => `sha1=${createHmac('sha1', secret).update(b).digest('base64')}`;
		const good = { 'content-type': 'application/json', 'x-liveperson-account-id': ACC, 'x-liveperson-client-id': CLIENT };
		const call = async (headers: Record<string, string>, b: string | Buffer = body) => (await fetch(hookUrl, { method: 'POST', headers, body: b })).status;
		expect(await call(good)).toBe(401); // no signature
		expect(await call({ ...good, 'x-liveperson-signature': sig(body, 'not-the-secret') })).toBe(401);
		expect(await call({ ...good, 'x-liveperson-signature': sig(body) }, body.replace('CLOSE', 'CLOSF'))).toBe(401);
		expect(await call({ ...good, 'x-liveperson-account-id': '87654321', 'x-liveperson-signature': sig(body) })).toBe(401);
		expect(await call({ ...good, 'x-liveperson-client-id': 'another-app', 'x-liveperson-signature': sig(body) })).toBe(401);
		const big = Buffer.concat([Buffer.from(body.slice(0, -1)), Buffer.from(`,"pad":"${'x'.repeat(10 * 1024 * 1024)}"}`)]);
		expect(await call({ ...good, 'x-liveperson-signature': sig(big) }, big)).toBe(413);
		await new Promise((r) => setTimeout(r, 1000));
		expect(await executionCount(workflow.id)).toBe(0);
	}, STEP_TIMEOUT_MS);

	it('201 signed notifications of a scripted conversation: 201 executions; 60 redeliveries: none more', async () => {
		const r = await emulator('POST', '/sandbox/webhooks/conversation', { turns: TURNS, retryDelayMs: 200 });
		expect(r.status).toBe(200);
		const deliveries = r.json.deliveries as Array<{ endpoint: string; outcome: string; durationsMs: number[]; statuses: unknown[] }>;
		const ours = deliveries.filter((d) => d.endpoint === hookUrl);
		expect(ours).toHaveLength(3 + TURNS * 3);
		expect(ours.filter((d) => d.outcome !== 'delivered')).toEqual([]);
		// Answered within LivePerson's 5 s: the emulator's limit would have made them failures.
		expect(Math.max(...ours.flatMap((d) => d.durationsMs))).toBeLessThan(5_000);
		expect(await settledCount(workflow.id, ours.length)).toBe(ours.length);

		const replay = await emulator('POST', '/sandbox/webhooks/replay', { count: 60 });
		expect(replay.json.delivered).toBe(60);
		// Answered 200, started nothing.
		expect(await settledCount(workflow.id, ours.length)).toBe(ours.length);
	}, STEP_TIMEOUT_MS);

	it('deactivation removes exactly what the trigger added', async () => {
		// Someone re-points one of "our" events meanwhile: it is theirs now.
		await editInstallation((h) => (h['cqm.ExConversationChangeNotification'] = { endpoint: SOMEONE_ELSE }));
		await rest('POST', `/rest/workflows/${workflow.id}/deactivate`, {});
		// Bounded poll: the trigger's delete() may finish after the REST answer.
		const ours = (h: Record<string, { endpoint: string }>) => Object.values(h).some((v) => v.endpoint === hookUrl);
		await until('the subscription to be removed', async () => !ours(hooksOf((await installation()).json)), 30_000).catch(() => undefined);
		const hooks = hooksOf((await installation()).json);
		expect(hooks).toEqual({
			'ms.MessagingEventNotification.ChatStateEvent': { endpoint: SOMEONE_ELSE },
			'cqm.ExConversationChangeNotification': { endpoint: SOMEONE_ELSE },
		});
	}, STEP_TIMEOUT_MS);

	it("n8n's log never holds the client secret or a signature", () => {
		const log = fs.readFileSync(path.join(sandboxDir, 'n8n.log'), 'utf8');
		expect(log).not.toContain('sandbox-client-secret');
		expect(log).not.toMatch(/sha1=[A-Za-z0-9+/]{27}=/);
	});
});
