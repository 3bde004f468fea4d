/**
 * Messaging Interactions (`msgHist`) and Messaging Operations (`leDataReporting`) with the documented
 * shapes (DevC messaging-interactions-api-methods-conversations.html, …-get-conversation-by-conversation-id.html,
 * messaging-operations-api-methods-messaging-current-queue-health.html). The data is a fixed,
 * generated set: 120 conversations from 2026-01-01T00:00:00Z, one every 6 hours, every third OPEN,
 * skills 1234 / 5678 alternating, three messages each (consumer, bot, consumer).
 *
 * Auth: a Login Service bearer or a Sentinel app token (the overview page), or an OAuth1 app key.
 *
 * Refused as LivePerson's pages describe (the status and body of a refusal are not documented: every
 * refusal here is a 400 with {"error": "…"} naming the parameter, the emulator's usual shape):
 * - no `source` URL parameter, or one over 20 characters (Required on the live search, get-by-ID and
 *   consumer-search pages, e.g. developers.liveperson.com/messaging-interactions-api-methods-conversations.html);
 * - a `contentToRetrieve` value outside the endpoint's own list (the lists in
 *   lib/liveperson/messaging-interactions.ts, copied from each page); when given, only those parts
 *   (and `info`) come back;
 * - `conversationIds` beyond 100 (get-by-ID page); a `sort` other than start|end:asc|desc.
 * Search semantics of the conversations page: `skillIds` = "any skill, through the entire flow of the
 * conversation" (every fourth conversation starts in skill 1234 and is transferred to 5678),
 * `latestSkillIds` = the latest skill only; start.from / start.to "rounded to the last/next 10
 * minutes, respectively" before filtering (the three-month check is on the values as sent: the page
 * does not say which comes first).
 * A 429 mode (`setMessagingRateLimit`): a token bucket per emulator, refilled by a clock the test can
 * drive, answering 429 with Retry-After like a rate-limited LivePerson API.
 */
import { MI_GET_CONTENT_TYPES, MI_MAX_CONVERSATION_IDS, MI_SEARCH_CONTENT_TYPES, MI_SOURCE_MAX_LENGTH, roundMiRange } from '../../../lib/liveperson/messaging-interactions';
import type { Ctx, Route, ServiceModule } from '../http';
import { isObject, jsonBody, sendJson } from '../http';
import type { EmulatorState } from '../state';

/** The 429 mode: `capacity` calls, refilled at `refillPerSecond` by `now()` (default Date.now). */
export interface MessagingRateLimit {
	capacity: number;
	refillPerSecond: number;
	retryAfterSeconds?: number;
	now?: () => number;
}
const rateLimits = new Map<string, { limit: MessagingRateLimit; tokens: number; at: number }>();

/** Turns the 429 mode on (or off with null) for the emulator at `hostPort`; reset() turns it off. */
export function setMessagingRateLimit(hostPort: string, limit: MessagingRateLimit | null): void {
	if (!limit) rateLimits.delete(hostPort);
	else rateLimits.set(hostPort, { limit, tokens: limit.capacity, at: (limit.now ?? Date.now)() });
}

/** True when the call may go on; otherwise the 429 has been sent. */
function withinRateLimit(ctx: Ctx, hostPort: string): boolean {
	const bucket = rateLimits.get(hostPort);
	if (!bucket) return true;
	const now = (bucket.limit.now ?? Date.now)();
	bucket.tokens = Math.min(bucket.limit.capacity, bucket.tokens + ((now - bucket.at) / 1000) * bucket.limit.refillPerSecond);
	bucket.at = now;
	if (bucket.tokens >= 1) {
		bucket.tokens -= 1;
		return true;
	}
	const retryAfter = bucket.limit.retryAfterSeconds ?? Math.max(1, Math.ceil((1 - bucket.tokens) / bucket.limit.refillPerSecond));
	sendJson(ctx, 429, { error: 'Too Many Requests' }, { 'retry-after': String(retryAfter) });
	return false;
}

/** The `source` URL parameter every Messaging Interactions call must carry; false when refused. */
function sourceOk(ctx: Ctx): boolean {
	const source = ctx.query.get('source');
	if (!source) {
		sendJson(ctx, 400, { error: 'source is required: a URL parameter naming the caller (ProjectName+AppName+UseCase), at most 20 characters' });
		return false;
	}
	if (source.length > MI_SOURCE_MAX_LENGTH) {
		sendJson(ctx, 400, { error: `source must not exceed ${MI_SOURCE_MAX_LENGTH} characters` });
		return false;
	}
	return true;
}

/** contentToRetrieve checked against the endpoint's list; undefined when absent, null when refused (400 sent). */
function contentOf(ctx: Ctx, value: unknown, allowed: readonly string[]): string[] | undefined | null {
	if (value === undefined) return undefined;
	const bad = Array.isArray(value) ? value.find((v) => typeof v !== 'string' || !allowed.includes(v)) : value;
	if (!Array.isArray(value) || bad !== undefined) {
		sendJson(ctx, 400, { error: `contentToRetrieve: "${String(bad).slice(0, 40)}" is not a valid value` });
		return null;
	}
	return value as string[];
}

/** Only the parts asked for (info always). */
function only<T extends { info: unknown }>(record: T, content: string[] | undefined): Partial<T> {
	if (!content) return record;
	return Object.fromEntries(Object.entries(record).filter(([k]) => k === 'info' || content.includes(k))) as Partial<T>;
}

export const MI_BASE_TIME = Date.UTC(2026, 0, 1);
export const MI_CONVERSATIONS = 120;
const STEP_MS = 6 * 3600 * 1000;
const SKILLS = [1234, 5678];

function conversation(acc: string, i: number) {
	const start = MI_BASE_TIME + i * STEP_MS;
	const id = `emu-conv-${String(i).padStart(4, '0')}`;
	const open = i % 3 === 0;
	const skill = SKILLS[i % 2];
	// Every fourth conversation starts in skill 1234 and is transferred to 5678 after 2 minutes.
	const transferred = i % 4 === 1;
	const consumer = `consumer-${i}`;
	const texts = [`Hello, I need help with order ${1000 + i}`, `Sure, let me check order ${1000 + i}`, i % 5 === 0 ? 'Thanks, refund received' : 'Thanks'];
	const iso = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '+0000');
	return {
		info: {
			conversationId: id,
			brandId: acc,
			status: open ? 'OPEN' : 'CLOSE',
			startTime: iso(start),
			startTimeL: start,
			endTime: open ? 'undefined' : iso(start + 600_000),
			endTimeL: open ? -1 : start + 600_000,
			duration: open ? 0 : 600_000,
			latestSkillId: skill,
			latestSkillName: skill === 1234 ? 'support' : 'sales',
			latestAgentId: '3705342610',
			source: 'APP',
			device: 'MOBILE',
			latestQueueState: 'ACTIVE',
			isPartial: false,
		},
		campaign: { campaignEngagementId: '2330596212', campaignId: '2266771712', campaignName: 'Sandbox campaign' },
		messageRecords: texts.map((text, seq) => ({
			type: 'TEXT_PLAIN',
			messageData: { msg: { text } },
			messageId: `ms::conv:${id}::msg:${seq}`,
			seq,
			dialogId: id,
			participantId: seq === 1 ? '3705342610' : consumer,
			source: 'APP',
			time: iso(start + seq * 60_000),
			timeL: start + seq * 60_000,
			sentBy: seq === 1 ? 'Agent' : 'Consumer',
		})),
		agentParticipants: [{ agentId: '3705342610', agentLoginName: 'sandbox-bot', userTypeName: 'Bot', role: 'ASSIGNED_AGENT', time: iso(start + 30_000), timeL: start + 30_000 }],
		consumerParticipants: [{ participantId: consumer, firstName: 'Sandbox', lastName: `Consumer ${i}`, joinTime: iso(start), joinTimeL: start }],
		transfers: transferred
			? [{ timeL: start + 120_000, time: iso(start + 120_000), assignedAgentId: '', targetSkillId: 5678, targetSkillName: 'sales', reason: 'Skill', by: '3705342610', sourceSkillId: 1234, sourceSkillName: 'support', sourceAgentId: '3705342610' }]
			: [],
		interactions: [],
		summary: { text: '', lastUpdatedTime: start },
		sdes: { events: [] },
	};
}

/** Every skill the conversation was in, through its whole flow (first skill and transfer targets). */
function skillsOf(c: ReturnType<typeof conversation>): number[] {
	return [...new Set([...c.transfers.map((t) => t.sourceSkillId), c.info.latestSkillId])];
}

const SORT_KEYS: Record<string, (c: ReturnType<typeof conversation>) => number> = {
	start: (c) => c.info.startTimeL,
	// An open conversation has no end yet (endTimeL -1): it sorts after every ended one (a choice).
	end: (c) => (c.info.endTimeL < 0 ? Number.POSITIVE_INFINITY : c.info.endTimeL),
};

function numberList(v: unknown): number[] | undefined {
	if (!Array.isArray(v)) return undefined;
	return v.map((x) => Number(x)).filter((n) => Number.isFinite(n));
}

export function messagingRoutes(state: EmulatorState): ServiceModule {
	const all = (acc: string) => Array.from({ length: MI_CONVERSATIONS }, (_, i) => conversation(acc, i));

	const authorised = async (ctx: Ctx, acc: string): Promise<boolean> => {
		if (!withinRateLimit(ctx, state.hostPort)) return false;
		const r = await state.checkLpAuth(ctx.header('authorization'));
		if (!r.ok || !state.knownAccount(acc)) {
			sendJson(ctx, 401, { error: r.ok ? 'unknown account' : r.reason === 'expired' ? 'token expired' : 'Unauthorized' }, { 'www-authenticate': 'Bearer realm="msgHist"' });
			return false;
		}
		return true;
	};

	const page = (ctx: Ctx, acc: string, records: Array<Partial<ReturnType<typeof conversation>>>, offset: number, limit: number) => {
		const self = `${state.url}/messaging_history/api/account/${acc}/conversations/search?offset=${offset}&limit=${limit}`;
		const slice = records.slice(offset, offset + limit);
		const meta: Record<string, unknown> = { count: records.length, self: { rel: 'self', href: self }, shardsStatusResult: { partialResult: false } };
		if (offset + limit < records.length) meta.next = { rel: 'next', href: `${state.url}/messaging_history/api/account/${acc}/conversations/search?offset=${offset + limit}&limit=${limit}` };
		if (offset > 0) meta.prev = { rel: 'prev', href: `${state.url}/messaging_history/api/account/${acc}/conversations/search?offset=${Math.max(0, offset - limit)}&limit=${limit}` };
		sendJson(ctx, 200, { _metadata: meta, conversationHistoryRecords: slice });
	};

	const routes: Route[] = [
		{
			id: 'msgHist.search',
			methods: ['POST'],
			pattern: /^\/messaging_history\/api\/account\/([^/]+)\/conversations\/search$/,
			handler: async (ctx) => {
				const [acc] = ctx.params;
				if (!(await authorised(ctx, acc))) return;
				if (!sourceOk(ctx)) return;
				const offset = Number(ctx.query.get('offset') ?? 0);
				const limit = Number(ctx.query.get('limit') ?? 50);
				if (!Number.isInteger(offset) || offset < 0) return sendJson(ctx, 400, { error: 'offset must be a non-negative integer' });
				// Documented: default 50, max 100.
				if (!Number.isInteger(limit) || limit < 1 || limit > 100) return sendJson(ctx, 400, { error: 'limit must be between 1 and 100' });
				const body = jsonBody(ctx);
				if (!isObject(body) || !isObject(body.start)) return sendJson(ctx, 400, { error: 'start {from, to} is required' });
				const rawFrom = Number(body.start.from);
				const rawTo = Number(body.start.to) === -1 || body.start.to === undefined ? Date.now() : Number(body.start.to);
				if (!Number.isFinite(rawFrom) || !Number.isFinite(rawTo) || rawTo < rawFrom) return sendJson(ctx, 400, { error: 'start.from / start.to must be epoch milliseconds, from <= to' });
				const three = new Date(rawFrom);
				three.setUTCMonth(three.getUTCMonth() + 3);
				if (rawTo > three.getTime()) return sendJson(ctx, 400, { error: 'The maximum time interval is three months' });
				const { from, to } = roundMiRange(rawFrom, rawTo);
				const content = contentOf(ctx, body.contentToRetrieve, MI_SEARCH_CONTENT_TYPES);
				if (content === null) return;
				const sort = ctx.query.get('sort');
				const sortMatch = sort === null ? undefined : /^(start|end):(asc|desc)$/.exec(sort);
				if (sortMatch === null) return sendJson(ctx, 400, { error: 'sort must be start or end, then :asc or :desc' });
				let records = all(acc).filter((c) => c.info.startTimeL >= from && c.info.startTimeL <= to);
				if (Array.isArray(body.status) && body.status.length) records = records.filter((c) => (body.status as unknown[]).includes(c.info.status));
				const skills = numberList(body.skillIds);
				if (skills?.length) records = records.filter((c) => skillsOf(c).some((s) => skills.includes(s)));
				const latestSkills = numberList(body.latestSkillIds);
				if (latestSkills?.length) records = records.filter((c) => latestSkills.includes(c.info.latestSkillId));
				if (typeof body.keyword === 'string' && body.keyword.trim()) {
					const k = body.keyword.replace(/^"|"$/g, '').toLowerCase();
					records = records.filter((c) => c.messageRecords.some((m) => m.messageData.msg.text.toLowerCase().includes(k)));
				}
				if (sortMatch) {
					const key = SORT_KEYS[sortMatch[1]];
					const dir = sortMatch[2] === 'asc' ? 1 : -1;
					records = [...records].sort((a, b) => (key(a) === key(b) ? a.info.startTimeL - b.info.startTimeL : key(a) < key(b) ? -dir : dir));
				}
				page(ctx, acc, records.map((r) => only(r, content)), offset, limit);
			},
		},
		{
			id: 'msgHist.conversation',
			methods: ['POST'],
			pattern: /^\/messaging_history\/api\/account\/([^/]+)\/conversations\/conversation\/search$/,
			handler: async (ctx) => {
				const [acc] = ctx.params;
				if (!(await authorised(ctx, acc))) return;
				if (!sourceOk(ctx)) return;
				const body = jsonBody(ctx);
				if (!isObject(body)) return sendJson(ctx, 400, { error: 'conversationId or conversationIds is required' });
				const ids = Array.isArray(body.conversationIds) ? body.conversationIds : typeof body.conversationId === 'string' && body.conversationId ? [body.conversationId] : [];
				if (!ids.length) return sendJson(ctx, 400, { error: 'conversationId or conversationIds is required' });
				if (ids.length > MI_MAX_CONVERSATION_IDS) return sendJson(ctx, 400, { error: `conversationIds is limited to ${MI_MAX_CONVERSATION_IDS} conversations` });
				const content = contentOf(ctx, body.contentToRetrieve, MI_GET_CONTENT_TYPES);
				if (content === null) return;
				const found = all(acc).filter((c) => ids.includes(c.info.conversationId));
				sendJson(ctx, 200, { _metadata: { count: found.length }, conversationHistoryRecords: found.map((c) => only(c, content)) });
			},
		},
		{
			id: 'leDataReporting.queueHealth',
			methods: ['GET'],
			pattern: /^\/operations\/api\/account\/([^/]+)\/msgqueuehealth\/current\/?$/,
			handler: async (ctx) => {
				const [acc] = ctx.params;
				if (!(await authorised(ctx, acc))) return;
				if (ctx.query.get('v') !== '1') return sendJson(ctx, 400, { error: 'v=1 is required' });
				const param = ctx.query.get('skillIds');
				const ids = !param || param === 'all' ? SKILLS.map(String) : param.split(',').map((s) => s.trim());
				if (ids.some((s) => !/^\d+$/.test(s))) return sendJson(ctx, 400, { error: 'skillIds must be numbers separated by commas' });
				const now = Date.now();
				const metrics = (id: string) => {
					const open = all(acc).filter((c) => c.info.status === 'OPEN' && String(c.info.latestSkillId) === id).length;
					// Documented default when there is no data: -1.
					const known = SKILLS.map(String).includes(id);
					return {
						time: now,
						unassignedConversations: known ? open : -1,
						actionableConversations: known ? Math.ceil(open / 2) : -1,
						notActionableConversations: known ? Math.floor(open / 2) : -1,
						actionableAndManualSla: known ? 0 : -1,
						actionableAndDuringTransfer: known ? 0 : -1,
						actionableAndConsumerLastMessage: known ? Math.ceil(open / 2) : -1,
						notActionableDuringTransfer: known ? 0 : -1,
						notActionableAndManualSla: known ? 0 : -1,
						unassignedConversationsAndFirstTimeConsumer: known ? 1 : -1,
						avgWaitTimeForAgentAssignment_NewConversation: known ? 159 : -1,
						avgWaitTimeForAgentAssignment_AfterTransfer: known ? 171 : -1,
						maxWaitTimeForAgentAssignment: known ? 274 : -1,
						waitTimeForAgentAssignment_50thPercentile: known ? 160 : -1,
						waitTimeForAgentAssignment_90thPercentile: known ? 250 : -1,
					};
				};
				const skillsMetrics = Object.fromEntries(ids.map((id) => [id, metrics(id)]));
				const metricsTotal: Record<string, number> = {};
				for (const m of Object.values(skillsMetrics)) {
					for (const [k, v] of Object.entries(m)) if (k !== 'time' && v >= 0) metricsTotal[k] = (metricsTotal[k] ?? 0) + v;
				}
				sendJson(ctx, 200, { skillsMetrics, metricsTotal });
			},
		},
	];
	return { routes, reset: () => setMessagingRateLimit(state.hostPort, null) };
}
