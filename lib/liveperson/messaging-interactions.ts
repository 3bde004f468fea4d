/**
 * Messaging Interactions API (CSDS service `msgHist`), DevC `messaging-interactions-api-methods-conversations.html`
 * and `…-get-conversation-by-conversation-id.html`:
 *
 *   POST /messaging_history/api/account/{accountId}/conversations/search?offset=0&limit=50[&sort=start:desc][&v=2]
 *        {"start": {"from": <epoch ms>, "to": <epoch ms>}, "status": ["OPEN","CLOSE"], "skillIds": [...], …}
 *   POST /messaging_history/api/account/{accountId}/conversations/conversation/search
 *        {"conversationId": "…", "contentToRetrieve": [...]?}
 *   → {"_metadata": {"count": n, "self": {...}, "next": {...}?}, "conversationHistoryRecords": [ … ]}
 *
 * Documented limits: `limit` at most 100 (default 50); `start` is required; the start (and end) range
 * is at most three months; statuses OPEN / CLOSE. Authentication: a Login Service bearer or an OAuth 2.0
 * client-credentials token (live overview page), so the account credential's token works as is.
 * Both searches are read-only POSTs: safe to retry after a 5xx (see lib/liveperson/api.ts).
 */
import { inputError, LpError } from '../errors';
import { fieldText } from '../text';
import type { LpApiCall } from './api';

export const MSG_HIST_SERVICE = 'msgHist';
export const MI_MAX_LIMIT = 100;
export const MI_DEFAULT_LIMIT = 50;
export const MI_STATUSES = ['OPEN', 'CLOSE'] as const;
export const MI_CONTENT_TYPES = [
	'campaign',
	'messageRecords',
	'agentParticipants',
	'agentParticipantsLeave',
	'agentParticipantsActive',
	'consumerParticipants',
	'transfers',
	'interactions',
	'messageScores',
	'messageStatuses',
	'conversationSurveys',
	'coBrowseSessions',
	'summary',
	'sdes',
	'unAuthSdes',
	'monitoring',
	'responseTime',
	'dialogs',
] as const;

export interface ConversationSearchInput {
	/** Start-time range, epoch milliseconds or anything Date parses. Required. */
	startFrom: number | string;
	startTo: number | string;
	status?: string[];
	skillIds?: Array<string | number>;
	agentIds?: Array<string | number>;
	keyword?: string;
	contentToRetrieve?: string[];
	/** "start:asc", "start:desc", "end:asc", "end:desc". */
	sort?: string;
	/** 1 or 2 (v=2 returns unauthenticated SDEs too). */
	version?: '1' | '2' | string;
	/** Further documented filters, merged as given (e.g. {"latestSkillIds": [1]}). */
	extraFilters?: Record<string, unknown>;
}

function epochMs(value: unknown, field: string): number {
	if (typeof value === 'number' && Number.isFinite(value)) return Math.trunc(value);
	const text = fieldText(value).trim();
	if (!text) throw inputError(field, `${field === 'startFrom' ? 'Start From' : 'Start To'} is empty: the search needs a start-time range`, 'Use epoch milliseconds or a date such as 2026-01-31T00:00:00Z.', 'MI_START_EMPTY');
	const n = /^\d{10,16}$/.test(text) ? Number(text) : Date.parse(text);
	if (!Number.isFinite(n)) throw inputError(field, `"${text.slice(0, 40)}" is not a date or epoch milliseconds`, 'Use epoch milliseconds or an ISO date.', 'MI_DATE_INVALID');
	return n;
}

/** Adds calendar months in UTC (the docs' "three months"). */
function addMonthsUtc(ms: number, months: number): number {
	const d = new Date(ms);
	return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds());
}

function idList(values: Array<string | number> | undefined, field: string): Array<string | number> | undefined {
	if (!values || values.length === 0) return undefined;
	return values.map((v) => {
		const text = fieldText(v).trim();
		if (!/^-?[A-Za-z0-9_.-]{1,64}$/.test(text)) throw inputError(field, `"${text.slice(0, 30)}" is not an ID`, 'Give IDs as numbers, separated by commas.', 'MI_ID_INVALID');
		return /^-?\d{1,15}$/.test(text) ? Number(text) : text;
	});
}

/** Pure: the search body (filters), validated against the documented limits. */
export function buildConversationSearchBody(input: ConversationSearchInput): Record<string, unknown> {
	const from = epochMs(input.startFrom, 'startFrom');
	const to = epochMs(input.startTo, 'startTo');
	if (to < from) throw inputError('startTo', 'Start To is before Start From', undefined, 'MI_RANGE_INVALID');
	if (to > addMonthsUtc(from, 3)) {
		throw inputError('startTo', 'The start-time range is longer than three months, which the Messaging Interactions API rejects', 'Search in several ranges of at most three months.', 'MI_RANGE_TOO_LONG');
	}
	const body: Record<string, unknown> = { ...(input.extraFilters ?? {}), start: { from, to } };
	if (input.status?.length) {
		for (const s of input.status) if (!(MI_STATUSES as readonly string[]).includes(s)) throw inputError('status', `Status "${String(s).slice(0, 20)}" is not OPEN or CLOSE`, undefined, 'MI_STATUS_INVALID');
		body.status = [...input.status];
	}
	const skills = idList(input.skillIds, 'skillIds');
	if (skills) body.skillIds = skills;
	const agents = idList(input.agentIds, 'agentIds');
	if (agents) body.agentIds = agents;
	const keyword = fieldText(input.keyword).trim();
	if (keyword) body.keyword = keyword;
	if (input.contentToRetrieve?.length) {
		for (const c of input.contentToRetrieve) if (!(MI_CONTENT_TYPES as readonly string[]).includes(c)) throw inputError('contentToRetrieve', `Content type "${String(c).slice(0, 30)}" is not documented`, `Use ${MI_CONTENT_TYPES.join(', ')}.`, 'MI_CONTENT_INVALID');
		body.contentToRetrieve = [...input.contentToRetrieve];
	}
	return body;
}

export function validateLimit(value: unknown, field = 'limit'): number {
	const n = typeof value === 'number' ? value : Number(fieldText(value) || MI_DEFAULT_LIMIT);
	if (!Number.isInteger(n) || n < 1 || n > MI_MAX_LIMIT) throw inputError(field, `Page size must be a whole number from 1 to ${MI_MAX_LIMIT} (documented maximum)`, undefined, 'MI_LIMIT_INVALID');
	return n;
}

/** Pure: one page of the conversation search as a LivePerson API call. */
export function buildConversationSearchCall(input: ConversationSearchInput, page: { offset: number; limit: number }): LpApiCall {
	const body = buildConversationSearchBody(input);
	const limit = validateLimit(page.limit);
	if (!Number.isInteger(page.offset) || page.offset < 0) throw inputError('offset', 'Offset must be a whole number, 0 or more', undefined, 'MI_OFFSET_INVALID');
	const query: Record<string, string> = { offset: String(page.offset), limit: String(limit) };
	const sort = fieldText(input.sort).trim();
	if (sort) {
		if (!/^(start|end):(asc|desc)$/.test(sort)) throw inputError('sort', `Sort "${sort.slice(0, 20)}" is not documented`, 'Use start:asc, start:desc, end:asc or end:desc.', 'MI_SORT_INVALID');
		query.sort = sort;
	}
	const v = fieldText(input.version).trim();
	if (v && v !== '1') {
		if (v !== '2') throw inputError('version', 'API version must be 1 or 2', undefined, 'MI_VERSION_INVALID');
		query.v = v;
	}
	return {
		service: MSG_HIST_SERVICE,
		method: 'POST',
		path: '/messaging_history/api/account/{accountId}/conversations/search',
		query,
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify(body),
		idempotent: true,
	};
}

/** Pure: the "get conversation by ID" call. */
export function buildGetConversationCall(conversationIdInput: unknown, contentToRetrieve?: string[]): LpApiCall {
	const conversationId = fieldText(conversationIdInput).trim();
	if (!conversationId) throw inputError('conversationId', 'Conversation ID is empty', undefined, 'MI_CONVERSATION_EMPTY');
	if (!/^[A-Za-z0-9_.:-]{1,200}$/.test(conversationId)) throw inputError('conversationId', 'Conversation ID must be letters, digits, "-", "_", "." or ":"', undefined, 'MI_CONVERSATION_INVALID');
	const body: Record<string, unknown> = { conversationId };
	if (contentToRetrieve?.length) {
		for (const c of contentToRetrieve) if (!(MI_CONTENT_TYPES as readonly string[]).includes(c)) throw inputError('contentToRetrieve', `Content type "${String(c).slice(0, 30)}" is not documented`, undefined, 'MI_CONTENT_INVALID');
		body.contentToRetrieve = [...contentToRetrieve];
	}
	return {
		service: MSG_HIST_SERVICE,
		method: 'POST',
		path: '/messaging_history/api/account/{accountId}/conversations/conversation/search',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify(body),
		idempotent: true,
	};
}

export interface TranscriptLine {
	seq?: number;
	time?: string;
	timeL?: number;
	sentBy?: string;
	participantId?: string;
	type?: string;
	text?: string;
}

/** Pure: the messages of a conversation record as a simple transcript, in sequence order. */
export function transcriptOf(record: Record<string, unknown>): TranscriptLine[] {
	const messages = (record.messageRecords ?? record.messagesRecords) as Array<Record<string, unknown>> | undefined;
	if (!Array.isArray(messages)) return [];
	return messages
		.filter((m) => typeof m === 'object' && m !== null)
		.map((m) => {
			const data = (m.messageData ?? {}) as Record<string, unknown>;
			const msg = (data.msg ?? {}) as Record<string, unknown>;
			const text = typeof msg.text === 'string' ? msg.text : undefined;
			return { seq: m.seq as number, time: m.time as string, timeL: m.timeL as number, sentBy: m.sentBy as string, participantId: m.participantId as string, type: m.type as string, ...(text !== undefined ? { text } : {}) };
		})
		.sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
}

/** Pure: the one conversation of a "get by ID" answer, with its transcript, or a 404-like error. */
export function processGetConversationBody(body: unknown, conversationId: string): Record<string, unknown> {
	const records = (body as { conversationHistoryRecords?: unknown })?.conversationHistoryRecords;
	if (!Array.isArray(records)) {
		throw new LpError('response', 'Messaging Interactions answered without "conversationHistoryRecords"', { code: 'MI_SHAPE', hint: 'Check the service (msgHist) and the account.' });
	}
	const record = records.find((r) => typeof r === 'object' && r !== null) as Record<string, unknown> | undefined;
	if (!record) {
		throw new LpError('http', `No conversation ${conversationId} in this account`, { status: 404, code: 'MI_CONVERSATION_NOT_FOUND', field: 'conversationId', hint: 'Conversations are kept 13 months; check the ID and the account.' });
	}
	return { ...record, transcript: transcriptOf(record) };
}
