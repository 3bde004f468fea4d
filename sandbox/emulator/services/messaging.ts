/**
 * Messaging Interactions (`msgHist`) and Messaging Operations (`leDataReporting`) with the documented
 * shapes (DevC messaging-interactions-api-methods-conversations.html, …-get-conversation-by-conversation-id.html,
 * messaging-operations-api-methods-messaging-current-queue-health.html). The data is a fixed,
 * generated set: 120 conversations from 2026-01-01T00:00:00Z, one every 6 hours, every third OPEN,
 * skills 1234 / 5678 alternating, three messages each (consumer, bot, consumer).
 *
 * Auth: a Login Service bearer or a Sentinel app token (the overview page), or an OAuth1 app key.
 */
import type { Ctx, Route } from '../http';
import { isObject, jsonBody, sendJson } from '../http';
import type { EmulatorState } from '../state';

export const MI_BASE_TIME = Date.UTC(2026, 0, 1);
export const MI_CONVERSATIONS = 120;
const STEP_MS = 6 * 3600 * 1000;
const SKILLS = [1234, 5678];

function conversation(acc: string, i: number) {
	const start = MI_BASE_TIME + i * STEP_MS;
	const id = `emu-conv-${String(i).padStart(4, '0')}`;
	const open = i % 3 === 0;
	const skill = SKILLS[i % 2];
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
		transfers: [],
		interactions: [],
		summary: { text: '', lastUpdatedTime: start },
		sdes: { events: [] },
	};
}

function numberList(v: unknown): number[] | undefined {
	if (!Array.isArray(v)) return undefined;
	return v.map((x) => Number(x)).filter((n) => Number.isFinite(n));
}

export function messagingRoutes(state: EmulatorState): Route[] {
	const all = (acc: string) => Array.from({ length: MI_CONVERSATIONS }, (_, i) => conversation(acc, i));

	const authorised = async (ctx: Ctx, acc: string): Promise<boolean> => {
		const r = await state.checkLpAuth(ctx.header('authorization'));
		if (!r.ok || !state.knownAccount(acc)) {
			sendJson(ctx, 401, { error: r.ok ? 'unknown account' : r.reason === 'expired' ? 'token expired' : 'Unauthorized' }, { 'www-authenticate': 'Bearer realm="msgHist"' });
			return false;
		}
		return true;
	};

	const page = (ctx: Ctx, acc: string, records: ReturnType<typeof conversation>[], offset: number, limit: number) => {
		const self = `${state.url}/messaging_history/api/account/${acc}/conversations/search?offset=${offset}&limit=${limit}`;
		const slice = records.slice(offset, offset + limit);
		const meta: Record<string, unknown> = { count: records.length, self: { rel: 'self', href: self }, shardsStatusResult: { partialResult: false } };
		if (offset + limit < records.length) meta.next = { rel: 'next', href: `${state.url}/messaging_history/api/account/${acc}/conversations/search?offset=${offset + limit}&limit=${limit}` };
		if (offset > 0) meta.prev = { rel: 'prev', href: `${state.url}/messaging_history/api/account/${acc}/conversations/search?offset=${Math.max(0, offset - limit)}&limit=${limit}` };
		sendJson(ctx, 200, { _metadata: meta, conversationHistoryRecords: slice });
	};

	return [
		{
			id: 'msgHist.search',
			methods: ['POST'],
			pattern: /^\/messaging_history\/api\/account\/([^/]+)\/conversations\/search$/,
			handler: async (ctx) => {
				const [acc] = ctx.params;
				if (!(await authorised(ctx, acc))) return;
				const offset = Number(ctx.query.get('offset') ?? 0);
				const limit = Number(ctx.query.get('limit') ?? 50);
				if (!Number.isInteger(offset) || offset < 0) return sendJson(ctx, 400, { error: 'offset must be a non-negative integer' });
				// Documented: default 50, max 100.
				if (!Number.isInteger(limit) || limit < 1 || limit > 100) return sendJson(ctx, 400, { error: 'limit must be between 1 and 100' });
				const body = jsonBody(ctx);
				if (!isObject(body) || !isObject(body.start)) return sendJson(ctx, 400, { error: 'start {from, to} is required' });
				const from = Number(body.start.from);
				const to = Number(body.start.to) === -1 || body.start.to === undefined ? Date.now() : Number(body.start.to);
				if (!Number.isFinite(from) || !Number.isFinite(to) || to < from) return sendJson(ctx, 400, { error: 'start.from / start.to must be epoch milliseconds, from <= to' });
				const three = new Date(from);
				three.setUTCMonth(three.getUTCMonth() + 3);
				if (to > three.getTime()) return sendJson(ctx, 400, { error: 'The maximum time interval is three months' });
				let records = all(acc).filter((c) => c.info.startTimeL >= from && c.info.startTimeL <= to);
				if (Array.isArray(body.status) && body.status.length) records = records.filter((c) => (body.status as unknown[]).includes(c.info.status));
				const skills = numberList(body.skillIds);
				if (skills?.length) records = records.filter((c) => skills.includes(c.info.latestSkillId));
				if (typeof body.keyword === 'string' && body.keyword.trim()) {
					const k = body.keyword.replace(/^"|"$/g, '').toLowerCase();
					records = records.filter((c) => c.messageRecords.some((m) => m.messageData.msg.text.toLowerCase().includes(k)));
				}
				const sort = ctx.query.get('sort');
				if (sort === 'start:desc') records = [...records].reverse();
				page(ctx, acc, records, offset, limit);
			},
		},
		{
			id: 'msgHist.conversation',
			methods: ['POST'],
			pattern: /^\/messaging_history\/api\/account\/([^/]+)\/conversations\/conversation\/search$/,
			handler: async (ctx) => {
				const [acc] = ctx.params;
				if (!(await authorised(ctx, acc))) return;
				const body = jsonBody(ctx);
				if (!isObject(body) || typeof body.conversationId !== 'string' || !body.conversationId) return sendJson(ctx, 400, { error: 'conversationId is required' });
				const found = all(acc).filter((c) => c.info.conversationId === body.conversationId);
				sendJson(ctx, 200, { _metadata: { count: found.length }, conversationHistoryRecords: found });
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
}
