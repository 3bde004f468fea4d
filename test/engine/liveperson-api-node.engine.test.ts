/**
 * The LivePerson API node in n8n's own engine (both pinned versions, test/engine/engine.ts) against the emulator over real HTTP on 127.0.0.1:
 * any API by CSDS service name + path with the account credential (Login Service bearer and Sentinel
 * app token), one re-login after a 401, LivePerson's retry policy (429 retried, a POST never repeated
 * after a 5xx), offset/limit paging; the typed Messaging Interactions (search with paging, get one
 * conversation with its transcript) and Messaging Operations (current queue health) operations with
 * the documented shapes and limits. No secret in any output or error.
 */
import type { Emulator } from '../../sandbox/emulator/index';
import { useAccountEmulator } from '../support/lp-account-emulator';
import { MI_BASE_TIME, MI_CONVERSATIONS, setMessagingRateLimit } from '../../sandbox/emulator/services/messaging';
import type { LivePersonAccountCredentials } from '../../lib/liveperson/account-auth';
import { INSTALL_TIMEOUT_MS } from '../e2e/harness';
import { createEngine, ENGINE_VERSIONS, RUN_NODE, runNode, type WorkflowRunner } from './engine';

jest.setTimeout(120_000);

const DAY = 24 * 3600 * 1000;

// The package's caches live in the copy the engine loads fresh for every run.
const lp = useAccountEmulator();
const { user, sentinel, noSecret } = lp;
let emu: Emulator;
beforeAll(() => {
	emu = lp.emu();
});

let n8n: WorkflowRunner;
/** The retry clock of the package copy n8n runs (its lib/http setRetrySleep): the real one unless a test sets it. */
let retryClock: ((ms: number) => Promise<void>) | undefined;

type OutItem = { json: Record<string, unknown>; pairedItem?: unknown };

/** The node in n8n's engine on `items` input items; its output items (the run must succeed). */
async function run(params: Record<string, unknown>, credentials: LivePersonAccountCredentials = user(), extra: { items?: number; continueOnFail?: boolean } = {}): Promise<OutItem[]> {
	const r = await runNode(n8n, {
		type: 'livePersonApi',
		parameters: params,
		credentials: { livePersonAccountApi: credentials as unknown as Record<string, unknown> },
		items: Array.from({ length: extra.items ?? 1 }, (_, i) => ({ i })),
		continueOnFail: extra.continueOnFail,
	});
	if (!r.ok) throw Object.assign(new Error(r.error?.message ?? 'run failed'), { description: r.error?.description, node: r.error?.node });
	const out = (r.runData[RUN_NODE]?.[0]?.data?.main?.[0] ?? []) as OutItem[];
	noSecret(out);
	return out;
}

/** The failed run's error, as n8n reports it (on this node, no secret in it). */
async function failure(p: Promise<unknown>): Promise<Error & { description?: string; node?: string }> {
	try {
		await p;
	} catch (error) {
		const e = error as Error & { description?: string; node?: string };
		noSecret({ message: e.message, description: e.description });
		expect(e.node).toBe(RUN_NODE);
		return e;
	}
	throw new Error('expected a failure');
}

const searchBody = { start: { from: MI_BASE_TIME, to: MI_BASE_TIME + 40 * DAY } };

describe.each(ENGINE_VERSIONS)('LivePerson API node in n8n %s', (version) => {
	beforeAll(async () => {
		n8n = await createEngine(version, { onPackageLoad: (load) => (load('lib/http/index.js') as typeof import('../../lib/http')).setRetrySleep(retryClock) });
	}, INSTALL_TIMEOUT_MS);
	afterAll(() => n8n?.close());

	it('Send Request: any API, query and body, and offset/limit paging over every page', async () => {
		const [one] = await run({ resource: 'api', operation: 'request', service: 'leDataReporting', method: 'GET', path: '/operations/api/account/{accountId}/msgqueuehealth/current/', sendQuery: true, queryParameters: { parameters: [{ name: 'v', value: '1' }, { name: 'skillIds', value: '1234' }] } });
		expect(Object.keys(one.json.skillsMetrics as object)).toEqual(['1234']);

		const paged = await run({
			resource: 'api',
			operation: 'request',
			service: 'msgHist',
			method: 'POST',
			path: '/messaging_history/api/account/{accountId}/conversations/search',
			sendQuery: true,
			queryParameters: { parameters: [{ name: 'source', value: 'Test_API_Paging' }] },
			sendBody: true,
			bodyContentType: 'json',
			jsonBody: JSON.stringify(searchBody),
			paginate: true,
			itemsField: 'conversationHistoryRecords',
			pageSize: 50,
			maxRecords: 1000,
		});
		// Every generated conversation (30 days, one every 6 hours) lies in the 40-day range.
		expect(paged).toHaveLength(MI_CONVERSATIONS);
		expect(new Set(paged.map((p) => (p.json.info as { conversationId: string }).conversationId)).size).toBe(paged.length);
		expect(emu.count('msgHist.search')).toBe(Math.ceil(paged.length / 50));
		expect(paged.every((p) => (p.pairedItem as { item: number }).item === 0)).toBe(true);
	});

	it('Search Conversations: documented filters, paging at 100 per page, limit and transcript', async () => {
		const all = await run({ resource: 'messagingInteractions', operation: 'searchConversations', startFrom: new Date(MI_BASE_TIME).toISOString(), startTo: new Date(MI_BASE_TIME + 40 * DAY).toISOString(), returnAll: true, filters: { sort: 'start:asc' } });
		expect(all).toHaveLength(MI_CONVERSATIONS);
		expect(emu.count('msgHist.search')).toBe(2); // 100 + 20
		const open = await run({ resource: 'messagingInteractions', operation: 'searchConversations', startFrom: MI_BASE_TIME, startTo: MI_BASE_TIME + 40 * DAY, returnAll: false, limit: 7, filters: { status: ['OPEN'], latestSkillIds: '1234' }, addTranscript: true });
		expect(open).toHaveLength(7);
		for (const o of open) {
			expect((o.json.info as { status: string }).status).toBe('OPEN');
			expect((o.json.info as { latestSkillId: number }).latestSkillId).toBe(1234);
			expect((o.json.transcript as Array<{ sentBy: string }>).map((t) => t.sentBy)).toEqual(['Consumer', 'Agent', 'Consumer']);
		}
		const e = await failure(run({ resource: 'messagingInteractions', operation: 'searchConversations', startFrom: '2026-01-01T00:00:00Z', startTo: '2026-04-02T00:00:00Z', returnAll: true }));
		expect(e.message).toMatch(/longer than three months/);
	});

	it('Messaging Interactions send the required source: the default, or the Source option; a bad one never leaves', async () => {
		// Without source the emulator answers 400, as LivePerson's pages make it Required.
		const [conv] = await run({ resource: 'messagingInteractions', operation: 'getConversation', conversationId: 'emu-conv-0005' });
		expect((conv.json.info as { conversationId: string }).conversationId).toBe('emu-conv-0005');
		const found = await run({ resource: 'messagingInteractions', operation: 'searchConversations', startFrom: MI_BASE_TIME, startTo: MI_BASE_TIME + DAY, returnAll: true, options: { source: 'Acme_n8n_Audit' } });
		expect(found.length).toBeGreaterThan(0);
		const before = emu.count('msgHist.conversation');
		const e = await failure(run({ resource: 'messagingInteractions', operation: 'getConversation', conversationId: 'emu-conv-0005', options: { source: 'a-source-name-of-21ch' } }));
		expect(e.message).toMatch(/Source is 21 characters; LivePerson allows at most 20/);
		expect(emu.count('msgHist.conversation')).toBe(before);
	});

	it('Get Conversation: several IDs (conversationIds), and the get-by-ID page\'s own content types', async () => {
		const out = await run({ resource: 'messagingInteractions', operation: 'getConversation', conversationId: 'emu-conv-0001, emu-conv-0002', conversationContent: ['transfers', 'skillChanges', 'intents', 'uniqueIntents', 'latestAgentSurvey', 'previouslySubmittedAgentSurveys'] });
		expect(out.map((o) => (o.json.info as { conversationId: string }).conversationId)).toEqual(['emu-conv-0001', 'emu-conv-0002']);
		expect(out[0].json.transfers).toHaveLength(1);
		expect(out[0].json.messageRecords).toBeUndefined();
		expect(emu.count('msgHist.conversation')).toBe(1);
	});

	it('Search Conversations: Skill IDs match any skill of the conversation, Latest Skill IDs the latest', async () => {
		const range = { startFrom: MI_BASE_TIME, startTo: MI_BASE_TIME + 18 * 3600 * 1000 + 60_000, returnAll: true, filters: { sort: 'start:asc' } };
		const any = await run({ resource: 'messagingInteractions', operation: 'searchConversations', ...range, filters: { ...range.filters, skillIds: '1234' } });
		expect(any.map((o) => (o.json.info as { conversationId: string }).conversationId)).toEqual(['emu-conv-0000', 'emu-conv-0001', 'emu-conv-0002']);
		const latest = await run({ resource: 'messagingInteractions', operation: 'searchConversations', ...range, filters: { ...range.filters, latestSkillIds: '1234' } });
		expect(latest.map((o) => (o.json.info as { conversationId: string }).conversationId)).toEqual(['emu-conv-0000', 'emu-conv-0002']);
	});

	it('Get Conversation: one conversation with its transcript; an unknown ID is a clear 404', async () => {
		const [conv] = await run({ resource: 'messagingInteractions', operation: 'getConversation', conversationId: 'emu-conv-0005' });
		expect((conv.json.info as { conversationId: string }).conversationId).toBe('emu-conv-0005');
		expect((conv.json.transcript as Array<{ text: string }>).map((t) => t.text)).toEqual(['Hello, I need help with order 1005', 'Sure, let me check order 1005', 'Thanks, refund received']);
		const out = await run({ resource: 'messagingInteractions', operation: 'getConversation', conversationId: 'nope' }, sentinel(), { continueOnFail: true });
		expect(out[0].json.error).toBe('No conversation nope in this account');
	});

	it('Get Current Queue Health: one item, or one per skill; bad skill IDs refused', async () => {
		const [health] = await run({ resource: 'messagingOperations', operation: 'currentQueueHealth', queueSkillIds: '' });
		expect(Object.keys(health.json.skillsMetrics as object).sort()).toEqual(['1234', '5678']);
		expect(health.json.metricsTotal).toMatchObject({ unassignedConversations: 40 });
		const split = await run({ resource: 'messagingOperations', operation: 'currentQueueHealth', queueSkillIds: '1234, 999', splitBySkill: true });
		expect(split.map((s) => s.json.skillId).sort()).toEqual(['1234', '999']);
		expect(split.find((s) => s.json.skillId === '999')?.json.unassignedConversations).toBe(-1);
		const e = await failure(run({ resource: 'messagingOperations', operation: 'currentQueueHealth', queueSkillIds: 'abc' }));
		expect(e.message).toMatch(/Skill ID "abc" is not a number/);
	});

	it('follows LivePerson\'s published retry policy with a fake clock: 429 after 1 s then 2 s, 5xx after 5 s, 4xx never', async () => {
		let now = 0;
		const slept: number[] = [];
		retryClock = async (ms) => {
			slept.push(ms);
			now += ms;
		};
		try {
			// The emulator's 429 mode refills one call per 3 s of the same clock: the node waits 1 s (still
			// limited), then 2 s (refilled), and gets its answer.
			await run({ resource: 'messagingOperations', operation: 'currentQueueHealth', queueSkillIds: '' });
			setMessagingRateLimit(emu.hostPort, { capacity: 1, refillPerSecond: 1 / 3, retryAfterSeconds: 0, now: () => now });
			await run({ resource: 'messagingOperations', operation: 'currentQueueHealth', queueSkillIds: '' });
			const before = emu.count('leDataReporting.queueHealth');
			const [health] = await run({ resource: 'messagingOperations', operation: 'currentQueueHealth', queueSkillIds: '' });
			expect(Object.keys(health.json.skillsMetrics as object).sort()).toEqual(['1234', '5678']);
			expect(slept).toEqual([1_000, 2_000]);
			expect(emu.count('leDataReporting.queueHealth')).toBe(before + 3);
			setMessagingRateLimit(emu.hostPort, null);

			slept.length = 0;
			emu.setFault('msgHist.conversation', { status: 503, body: 'busy', times: 1 });
			await run({ resource: 'messagingInteractions', operation: 'getConversation', conversationId: 'emu-conv-0005' });
			expect(slept).toEqual([5_000]);

			slept.length = 0;
			emu.setFault('msgHist.conversation', { status: 404, body: { error: 'not found' }, times: 1 });
			await failure(run({ resource: 'messagingInteractions', operation: 'getConversation', conversationId: 'emu-conv-0005' }));
			expect(slept).toEqual([]);
		} finally {
			retryClock = undefined;
			setMessagingRateLimit(emu.hostPort, null);
		}
	});

	it('a refused call names the authentication that was sent', async () => {
		emu.setFault('leDataReporting.queueHealth', { status: 403, body: { error: 'Forbidden' } });
		const e = await failure(run({ resource: 'messagingOperations', operation: 'currentQueueHealth', options: { retry: false } }, sentinel()));
		expect(e.message).toContain('HTTP 403');
		expect(e.description).toContain('Sent: Sentinel app token (OAuth 2.0 client credentials)');
	});
});
