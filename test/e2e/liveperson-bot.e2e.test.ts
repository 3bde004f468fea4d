/**
 * n8n as a LivePerson bot, end to end in a REAL n8n (`npm start`'s sandbox, scripts/start.js, on free
 * ports in a temp folder; LP_N8N_VERSION picks the n8n version): the sample bot workflow
 * (examples/liveperson-bot.json: LivePerson Bot Trigger → Switch → LivePerson Bot Reply nodes) is
 * imported and published by the sandbox, and the emulator plays Third-Party Bots: Sentinel-signed
 * calls to environments, state, PUT conversation and POST events, every answer checked against the
 * Custom Endpoint spec by the emulator.
 *
 * - 3 conversations through the sample bot: greeting with quick replies and SDES kept from the PUT,
 *   echo, transfer to a skill (with a private text), close.
 * - Refused calls (no token, HS256 signed with the public key, wrong issuer, audience, scope,
 *   expired, unknown kid, another zone's key): 401 and no execution. Malformed bodies: 400 naming
 *   the field, no execution. A retried event (same sequence) runs once and gets the same answer.
 * - A workflow without a reply node: LivePerson gets the trigger's fallback (transfer to a skill).
 * - The emulator's chat page in Chromium: a person starts a conversation, types, clicks a quick reply
 *   and sees the bot's replies and the close.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as jose from 'jose';

import { freePort, INSTALL_TIMEOUT_MS, n8nRestClient, nodeType, processesLeft, REPO_DIR } from './harness';
import { launchChromium } from '../support/chromium';

interface SandboxHandle {
	editorUrl: string;
	emulatorUrl: string;
	chatUrl?: string;
	email: string;
	password: string;
	pids: { start: number; n8n: number; emulator: number };
	timings: Record<string, number>;
	stop(): Promise<void>;
}
const { start } = require('../../scripts/start.js') as {
	start(opts: { port: number; emulatorPort: number; sandboxDir: string; echo?: boolean }): Promise<SandboxHandle>;
};

const STEP_TIMEOUT_MS = 3 * 60 * 1000;
const VERSION = process.env.LP_N8N_VERSION ?? '2.8.4';
const example = JSON.parse(fs.readFileSync(path.join(REPO_DIR, 'examples', 'liveperson-bot.json'), 'utf8')) as {
	id: string;
	nodes: Array<{ type: string; webhookId?: string; parameters: Record<string, unknown> }>;
};
const triggerNode = example.nodes.find((n) => n.type.endsWith('.livePersonBotTrigger'))!;
const BOT_ID = String(triggerNode.parameters.botId);
const ACCOUNT = (JSON.parse(fs.readFileSync(path.join(REPO_DIR, 'sandbox', 'emulator', 'config.json'), 'utf8')) as { accountId: string }).accountId;

interface Line {
	from: string;
	kind: string;
	text: string;
	replies?: string[];
}
interface ConvView {
	conversationId: string;
	status: string;
	transferredTo?: { skillName?: string; agentId?: string };
	transcript: Line[];
}
interface Turn {
	status: number;
	attempts: number;
	problems: string[];
	lines: Line[];
	conversation: ConvView;
}

let sandbox: SandboxHandle | undefined;
const n8nApi = n8nRestClient(() => sandbox!.editorUrl, 'lp-bot-e2e');
const rest = n8nApi.rest;

async function emu<T>(method: string, p: string, body?: unknown): Promise<{ status: number; json: T }> {
	const res = await fetch(sandbox!.emulatorUrl + p, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
	return { status: res.status, json: (await res.json()) as T };
}

async function token(claims: { aud?: string; scope?: string; iss?: string; expiresIn?: number } = {}): Promise<string> {
	return (await emu<{ access_token: string }>('POST', '/thirdpartybots/token', claims)).json.access_token;
}

async function until(what: string, ready: () => Promise<boolean>, ms = 60_000): Promise<void> {
	const end = Date.now() + ms;
	while (!(await ready())) {
		if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 300));
	}
}

async function call(method: string, url: string, opts: { auth?: string; body?: unknown } = {}): Promise<{ status: number; text: string; json: unknown }> {
	const res = await fetch(url, {
		method,
		headers: { ...(opts.auth ? { authorization: opts.auth } : {}), ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }) },
		body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
	});
	const text = await res.text();
	let json: unknown;
	try {
		json = JSON.parse(text);
	} catch {
		json = undefined;
	}
	return { status: res.status, text, json };
}

async function executionCount(workflowId: string): Promise<number> {
	const data = await rest<{ count: number; results: unknown[] }>('GET', `/rest/executions?filter=${encodeURIComponent(JSON.stringify({ workflowId }))}&limit=100`); // n8n 2.41 allows at most 100 (this workflow runs fewer)
	return data.results.length;
}

/** The count once it stopped changing (executions are saved when they finish). */
async function settledCount(workflowId: string, expected?: number): Promise<number> {
	let last = -1;
	let same = 0;
	const end = Date.now() + 30_000;
	while (Date.now() < end) {
		const n = await executionCount(workflowId);
		same = n === last ? same + 1 : 0;
		last = n;
		// Stable for ~1 s (and at the expected count, when one is given: it may only be reached late).
		if (same >= 3 && (expected === undefined || n >= expected)) return n;
		await new Promise((r) => setTimeout(r, 300));
	}
	return last;
}

describe(`LivePerson bot in n8n ${VERSION}: the emulator plays Third-Party Bots`, () => {
	const sandboxDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lp-bot-e2e-'));
	let botUrl = '';
	let base = '';

	beforeAll(async () => {
		sandbox = await start({ port: await freePort(), emulatorPort: await freePort(), sandboxDir, echo: false });
		expect(sandbox.chatUrl).toBe(`${sandbox.emulatorUrl}/chat`);
		await rest('POST', '/rest/login', { emailOrLdapLoginId: sandbox.email, password: sandbox.password });
		// Fast retries for the test (the documented policy: 3 attempts).
		await emu('POST', '/thirdpartybots/settings', { retryDelaysMs: [200, 200] });
		const settings = (await emu<{ botUrl: string; botId: string }>('GET', '/thirdpartybots/settings')).json;
		expect(settings.botId).toBe(BOT_ID);
		botUrl = settings.botUrl;
		expect(botUrl).toBe(`${sandbox.editorUrl}/webhook/${triggerNode.webhookId}`);
		base = `${botUrl}/v1/bots/${BOT_ID}/environments`;
		const auth = `Bearer ${await token()}`;
		await until('the bot webhooks', async () => (await call('GET', base, { auth })).status === 200);
	}, INSTALL_TIMEOUT_MS);

	afterAll(async () => {
		const pids = sandbox ? [sandbox.pids.n8n, sandbox.pids.emulator] : [];
		await sandbox?.stop();
		fs.rmSync(sandboxDir, { recursive: true, force: true });
		expect(await processesLeft(pids)).toEqual([]);
		process.stdout.write(`[liveperson-bot] n8n ${VERSION} sandbox start ${JSON.stringify(sandbox?.timings)}\n`);
	}, STEP_TIMEOUT_MS);

	it(
		'answers environments and state itself (no execution); unknown bot or environment: 404',
		async () => {
			const before = await settledCount(example.id);
			const auth = `Bearer ${await token()}`;
			expect(await call('GET', base, { auth })).toMatchObject({ status: 200, json: ['draft'] });
			expect(await call('GET', `${base}/draft/state`, { auth })).toMatchObject({ status: 200, json: { state: 'online', version: '1.0.0' } });
			expect((await call('GET', `${botUrl}/v1/bots/other-bot/environments`, { auth })).status).toBe(404);
			expect((await call('GET', `${base}/prod/state`, { auth })).status).toBe(404);
			expect(await settledCount(example.id)).toBe(before);
		},
		STEP_TIMEOUT_MS,
	);

	it(
		'drives 3 conversations through the sample bot: greeting + quick replies + SDES, echo, transfer, close',
		async () => {
			const before = await settledCount(example.id);
			const startConv = async (sdes?: unknown) => {
				const r = await emu<Turn>('POST', '/thirdpartybots/conversations', sdes ? { sdes } : {});
				expect(r.status).toBe(200);
				expect(r.json.problems).toEqual([]);
				return r.json;
			};
			const say = async (id: string, text: string) => {
				const r = await emu<Turn>('POST', `/thirdpartybots/conversations/${id}/messages`, { text });
				expect({ status: r.status, problems: r.json.problems }).toEqual({ status: 200, problems: [] });
				return r.json;
			};

			// 1: SDES from the PUT reach the POST's item; quick replies; echo; transfer with a private text.
			const a = await startConv({ unauthenticatedSdes: { personalInfo: { name: 'Robin' } } });
			expect(a.lines[0]).toMatchObject({ from: 'bot', kind: 'text', text: 'Hi Robin! I am the n8n sample bot.' });
			expect(a.lines[1]).toMatchObject({ kind: 'quickReplies', text: 'What can I help you with?', replies: ['Order status', 'Talk to an agent', 'Bye'] });
			const idA = a.conversation.conversationId;
			expect((await say(idA, 'Order status')).lines[0]).toMatchObject({ kind: 'text', text: 'You said: Order status' });
			const transfer = await say(idA, 'Talk to an agent');
			expect(transfer.lines.map((l) => l.kind)).toEqual(['text', 'private', 'transfer']);
			expect(transfer.lines[1].text).toBe('Consumer asked for an agent: "Talk to an agent"');
			expect(transfer.conversation).toMatchObject({ status: 'transferred', transferredTo: { skillName: 'human-agents' } });

			// 2: bye closes.
			const b = await startConv();
			expect(b.lines[0].text).toBe('Hi Sam! I am the n8n sample bot.'); // the emulator's default SDES
			const bye = await say(b.conversation.conversationId, 'bye');
			expect(bye.lines.map((l) => l.kind)).toEqual(['text', 'close']);
			expect(bye.conversation.status).toBe('closed');

			// 3: free text, an order lookup (Domains → LivePerson API Integration with the sandbox OAuth2
			// client-credentials credential → the emulator's protected API), then "human" transfers.
			const c = await startConv();
			const idC = c.conversation.conversationId;
			expect((await say(idC, 'hello there')).lines[0].text).toBe('You said: hello there');
			const order = await say(idC, 'where is order #4711?');
			expect(order.lines[0]).toMatchObject({ kind: 'text', text: 'Order 4711: the order service answered OK (looked up through the LivePerson API Integration node).' });
			expect(order.lines[1]).toMatchObject({ kind: 'quickReplies', replies: ['Talk to an agent', 'Bye'] });
			expect((await say(idC, 'I want a human please')).conversation).toMatchObject({ status: 'transferred', transferredTo: { skillName: 'human-agents' } });

			// One execution per event: 3 STARTED + 6 TEXT.
			expect(await settledCount(example.id, before + 9)).toBe(before + 9);
			// Every call was answered at the first attempt.
			const calls = (await emu<Array<{ attempt: number; status: unknown }>>('GET', '/thirdpartybots/calls')).json;
			expect(calls.filter((x) => x.attempt > 1)).toEqual([]);
		},
		STEP_TIMEOUT_MS,
	);

	it(
		'refuses bad tokens with 401 and starts nothing',
		async () => {
			const conv = randomUUID();
			const eventsUrl = `${base}/draft/conversations/${conv}/events`;
			const body = { type: 'TEXT', source: 'CONSUMER', data: { message: 'hi' }, context: { lpEvent: { sequence: 1 } } };
			const jwks = (await emu<{ keys: Array<jose.JWK & { kid: string }> }>('GET', '/sentinel/well-known/jwks')).json.keys[0];
			const publicPem = (await jose.exportSPKI((await jose.importJWK(jwks, 'RS256')) as jose.KeyLike)) as string;
			const hs256 = await new jose.SignJWT({ scope: 'thirdpartybots.customendpoint.bot' })
				.setProtectedHeader({ alg: 'HS256', kid: jwks.kid })
				.setIssuer('Sentinel')
				.setAudience(ACCOUNT)
				.setExpirationTime('1h')
				.sign(new TextEncoder().encode(publicPem));
			const otherZone = generateKeyPairSync('rsa', { modulusLength: 2048 });
			const signOther = (kid: string) =>
				new jose.SignJWT({ scope: 'thirdpartybots.customendpoint.bot' }).setProtectedHeader({ alg: 'RS256', kid }).setIssuer('Sentinel').setAudience(ACCOUNT).setExpirationTime('1h').sign(otherZone.privateKey);
			const cases: Array<[string, string | undefined]> = [
				['no token', undefined],
				['HS256 signed with the public key', `Bearer ${hs256}`],
				['wrong issuer', `Bearer ${await token({ iss: 'https://va.sentinel.liveperson.net' })}`],
				['wrong audience', `Bearer ${await token({ aud: '99999999' })}`],
				['wrong scope', `Bearer ${await token({ scope: 'msg.consumer' })}`],
				['expired', `Bearer ${await token({ expiresIn: -600 })}`],
				['unknown key id', `Bearer ${await signOther('unknown-kid')}`],
				["another zone's key", `Bearer ${await signOther(jwks.kid)}`],
			];
			const before = await settledCount(example.id);
			for (const [name, auth] of cases) {
				const r = await call('POST', eventsUrl, { auth, body });
				expect({ name, status: r.status }).toEqual({ name, status: 401 });
				const put = await call('PUT', `${base}/draft/conversations/${conv}`, { auth, body: { sdes: {}, context: { type: 'MESSAGING', skillId: 1, engagementId: 2 } } });
				expect({ name, put: put.status }).toEqual({ name, put: 401 });
				expect({ name, env: (await call('GET', base, { auth })).status }).toEqual({ name, env: 401 });
			}
			// The legacy scope is still accepted.
			expect((await call('GET', base, { auth: `Bearer ${await token({ scope: 'ihub.tpb.customendpoint' })}` })).status).toBe(200);
			expect(await settledCount(example.id)).toBe(before);
		},
		STEP_TIMEOUT_MS,
	);

	it(
		'malformed bodies: 400 naming the field, nothing runs; a retried event runs once and gets the same answer',
		async () => {
			const auth = `Bearer ${await token()}`;
			const conv = randomUUID();
			const before = await settledCount(example.id);
			const badPut = await call('PUT', `${base}/draft/conversations/${conv}`, { auth, body: { sdes: {}, context: { type: 'MESSAGING', skillId: 'x', engagementId: 2 } } });
			expect(badPut).toMatchObject({ status: 400, json: { field: 'context.skillId' } });
			const ok = await call('PUT', `${base}/draft/conversations/${conv}`, { auth, body: { sdes: {}, context: { type: 'MESSAGING', skillId: 1, engagementId: 2 } } });
			expect(ok.status).toBe(200);
			const eventsUrl = `${base}/draft/conversations/${conv}/events`;
			for (const [body, field] of [
				[{ type: 'TEXT', data: {}, context: { lpEvent: {} } }, 'data.message'],
				[{ type: 'SOMETHING', data: {}, context: { lpEvent: {} } }, 'type'],
				[{ type: 'TEXT', data: { message: 'a' } }, 'context'],
			] as const) {
				expect(await call('POST', eventsUrl, { auth, body })).toMatchObject({ status: 400, json: { field } });
			}
			expect(await settledCount(example.id)).toBe(before);

			const event = { type: 'TEXT', source: 'CONSUMER', data: { message: 'retry me' }, context: { lpEvent: { sequence: 42 } } };
			const first = await call('POST', eventsUrl, { auth, body: event });
			expect(first.status).toBe(200);
			expect((first.json as { response: unknown[] }).response[0]).toEqual({ type: 'TEXT', data: { message: 'You said: retry me' } });
			const retry = await call('POST', eventsUrl, { auth, body: event });
			expect({ status: retry.status, json: retry.json }).toEqual({ status: 200, json: first.json });
			expect(await settledCount(example.id, before + 1)).toBe(before + 1);
		},
		STEP_TIMEOUT_MS,
	);

	it(
		'a workflow that answers nothing: LivePerson gets the fallback (transfer to the configured skill)',
		async () => {
			const webhookId = randomUUID();
			const created = await rest<{ id: string; versionId: string }>('POST', '/rest/workflows', {
				name: 'LP bot without a reply node',
				nodes: [
					{
						name: 'Bot',
						type: nodeType('livePersonBotTrigger'),
						typeVersion: 1,
						position: [0, 0],
						webhookId,
						parameters: { botId: 'silent-bot', environments: 'draft', fallbackAction: 'transfer', fallbackSkill: 'backup-skill', fallbackMessage: 'One moment please.', options: {} },
						credentials: { livePersonBotApi: { id: 'lpSandboxBot', name: 'LivePerson sandbox (emulator, bot Custom Endpoint)' } },
					},
				],
				connections: {},
				settings: { executionOrder: 'v1' },
			});
			await rest('POST', `/rest/workflows/${created.id}/activate`, { versionId: created.versionId });
			const auth = `Bearer ${await token()}`;
			const silent = `${sandbox!.editorUrl}/webhook/${webhookId}/v1/bots/silent-bot/environments`;
			await until('the silent bot', async () => (await call('GET', silent, { auth })).status === 200);
			const r = await call('POST', `${silent}/draft/conversations/${randomUUID()}/events`, {
				auth,
				body: { type: 'TEXT', data: { message: 'anyone?' }, context: { lpEvent: { sequence: 1 } } },
			});
			expect(r).toMatchObject({
				status: 200,
				json: {
					response: [
						{ type: 'TEXT', data: { message: 'One moment please.' } },
						{ type: 'ACTION', data: { name: 'TRANSFER', parameters: { skillName: 'backup-skill' } } },
					],
					analytics: { intents: [] },
				},
			});
		},
		STEP_TIMEOUT_MS,
	);

	it(
		'the chat page: a person types as the consumer and sees the replies (Chromium)',
		async () => {
			const browser = await launchChromium();
			try {
				const page = await browser.newPage();
				await page.goto(sandbox!.chatUrl!);
				// The settings prefilled by npm start's sandbox point at the sample bot.
				await page.waitForFunction("document.getElementById('botId').value !== ''");
				await page.click('#start');
				await page.locator('.line.bot', { hasText: 'I am the n8n sample bot.' }).waitFor();
				await page.locator('.qr button', { hasText: 'Order status' }).first().waitFor();
				await page.fill('#text', 'where is my parcel?');
				await page.press('#text', 'Enter');
				await page.locator('.line.consumer', { hasText: 'where is my parcel?' }).waitFor();
				await page.locator('.line.bot', { hasText: 'You said: where is my parcel?' }).waitFor();
				await page.locator('.qr button', { hasText: 'Bye' }).last().click();
				await page.locator('.line.system[data-kind="close"]', { hasText: 'Conversation closed' }).waitFor();
				expect(await page.locator('#status').textContent()).toBe('closed');
				expect(await page.locator('#text').isDisabled()).toBe(true);
				expect(await page.locator('.line.problem').count()).toBe(0);
			} finally {
				await browser.close();
			}
		},
		STEP_TIMEOUT_MS,
	);
});
