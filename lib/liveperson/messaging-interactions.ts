/**
 * Messaging Interactions API (CSDS service `msgHist`), DevC `messaging-interactions-api-methods-conversations.html`
 * and `…-get-conversation-by-conversation-id.html`:
 *
 *   POST /messaging_history/api/account/{accountId}/conversations/search?offset=0&limit=50&source=…[&sort=start:desc][&v=2]
 *        {"start": {"from": <epoch ms>, "to": <epoch ms>}, "status": ["OPEN","CLOSE"], "skillIds": [...], …}
 *   POST /messaging_history/api/account/{accountId}/conversations/conversation/search?source=…
 *        {"conversationId": "…"} or {"conversationIds": [… at most 100]}, "contentToRetrieve": [...]?
 *   → {"_metadata": {"count": n, "self": {...}, "next": {...}?}, "conversationHistoryRecords": [ … ]}
 *
 * Documented limits: `limit` at most 100 (default 50); `start` is required; the start (and end) range
 * is at most three months; statuses OPEN / CLOSE. Authentication: a Login Service bearer or an OAuth 2.0
 * client-credentials token (live overview page), so the account credential's token works as is.
 * Both searches are read-only POSTs: safe to retry after a 5xx (see lib/liveperson/api.ts).
 *
 * `source` (URL parameter): the live pages of the conversations search, get-by-ID and consumer search
 * (developers.liveperson.com/messaging-interactions-api-methods-conversations.html,
 * …-get-conversation-by-conversation-id.html, …-get-conversations-by-consumer-id.html) mark it
 * **Required**: "Used to describe the originator of the call … should not exceed 20 characters. Please
 * follow the format of ProjectName+AppName+UseCase. Example: LP_AgentUI_History" (older copies of the same
 * pages in the developers-community repository: "Optional. Will be required from March 2021"). It is sent
 * on every call. The pages name no character set; we accept what the example uses plus "-" and "."
 * (letters, digits, "_", "-", "."), so the value never needs URL encoding.
 *
 * `contentToRetrieve`: each page lists its own valid values (below, one list per endpoint).
 */
import { inputError, LpError } from '../errors';
import { fieldText } from '../text';
import type { LpApiCall } from './api';

export const MSG_HIST_SERVICE = 'msgHist';
export const MI_MAX_LIMIT = 100;
export const MI_DEFAULT_LIMIT = 50;
export const MI_STATUSES = ['OPEN', 'CLOSE'] as const;
/**
 * `contentToRetrieve` of the conversations search: the search page's valid values (campaign …
 * monitoring) plus `dialogs` and `responseTime`, which the same page's response table and
 * `responseTime` filter example return (DevC messaging-interactions-api-methods-conversations.html).
 */
export const MI_SEARCH_CONTENT_TYPES = [
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
/**
 * `contentToRetrieve` of "get conversation by ID": the page's "Valid values", which add skillChanges,
 * intents, uniqueIntents, latestAgentSurvey and previouslySubmittedAgentSurveys
 * (DevC messaging-interactions-api-methods-get-conversation-by-conversation-id.html).
 */
export const MI_GET_CONTENT_TYPES = [...MI_SEARCH_CONTENT_TYPES, 'skillChanges', 'intents', 'uniqueIntents', 'latestAgentSurvey', 'previouslySubmittedAgentSurveys'] as const;
/** `contentToRetrieve` of the consumer search: the search list without `dialogs` (DevC …-get-conversations-by-consumer-id.html). */
export const MI_CONSUMER_CONTENT_TYPES = MI_SEARCH_CONTENT_TYPES.filter((c) => c !== 'dialogs');
/** The get-by-ID page: "List of conversation Ids (Limited to 100 conversations)". */
export const MI_MAX_CONVERSATION_IDS = 100;
/** `source`: at most 20 characters (every Messaging Interactions page). */
export const MI_SOURCE_MAX_LENGTH = 20;
/** Our `source` when the node's option is not set: ProjectName (n8n) + AppName (LPNode) + UseCase (History). */
export const MI_DEFAULT_SOURCE = 'n8n_LPNode_History';
const MI_SOURCE_PATTERN = /^[A-Za-z0-9_.-]+$/;

/** The `source` URL parameter: the default when empty, else at most 20 letters, digits, "_", "-" or ".". */
export function validateMiSource(value: unknown, field = 'source'): string {
	const text = fieldText(value).trim();
	if (!text) return MI_DEFAULT_SOURCE;
	if (text.length > MI_SOURCE_MAX_LENGTH) {
		throw inputError(field, `Source is ${text.length} characters; LivePerson allows at most ${MI_SOURCE_MAX_LENGTH}`, 'Use ProjectName+AppName+UseCase in short, e.g. LP_AgentUI_History.', 'MI_SOURCE_TOO_LONG');
	}
	if (!MI_SOURCE_PATTERN.test(text)) throw inputError(field, 'Source may hold only letters, digits, "_", "-" and "."', 'Example: LP_AgentUI_History.', 'MI_SOURCE_INVALID');
	return text;
}

/** `contentToRetrieve` checked against one endpoint's documented list. */
export function validateContentToRetrieve(values: readonly string[] | undefined, allowed: readonly string[]): string[] | undefined {
	if (!values?.length) return undefined;
	for (const c of values) {
		if (!allowed.includes(c)) throw inputError('contentToRetrieve', `Content type "${String(c).slice(0, 40)}" is not documented for this call`, `Use ${allowed.join(', ')}.`, 'MI_CONTENT_INVALID');
	}
	return [...values];
}

export interface ConversationSearchInput {
	/** Start-time range, epoch milliseconds or anything Date parses. Required. */
	startFrom: number | string;
	startTo: number | string;
	status?: string[];
	/** Any skill through the whole conversation (the page: "Any skill, through the entire flow of the conversation"). */
	skillIds?: Array<string | number>;
	/** The latest skill only. */
	latestSkillIds?: Array<string | number>;
	agentIds?: Array<string | number>;
	keyword?: string;
	contentToRetrieve?: string[];
	/** "start:asc", "start:desc", "end:asc", "end:desc". */
	sort?: string;
	/** 1 or 2 (v=2 returns unauthenticated SDEs too). */
	version?: '1' | '2' | string;
	/** Further documented filters, merged as given (e.g. {"latestSkillIds": [1]}). */
	extraFilters?: Record<string, unknown>;
	/** The `source` URL parameter (default MI_DEFAULT_SOURCE). */
	source?: string;
}

function epochMs(value: unknown, field: string): number {
	if (typeof value === 'number' && Number.isFinite(value)) return Math.trunc(value);
	const text = fieldText(value).trim();
	if (!text) throw inputError(field, `${field === 'startFrom' ? 'Start From' : 'Start To'} is empty: the search needs a start-time range`, 'Use epoch milliseconds or a date such as 2026-01-31T00:00:00Z.', 'MI_START_EMPTY');
	const n = /^\d{10,16}$/.test(text) ? Number(text) : Date.parse(text);
	if (!Number.isFinite(n)) throw inputError(field, `"${text.slice(0, 40)}" is not a date or epoch milliseconds`, 'Use epoch milliseconds or an ISO date.', 'MI_DATE_INVALID');
	return n;
}

/** The search page: start/end "From/to value is rounded to the last/next 10 minutes, respectively". */
export const MI_ROUNDING_MS = 10 * 60 * 1000;

/**
 * Pure: the range LivePerson searches for a given one (from down, to up, to 10 minutes). The package
 * sends the times as given and checks "three months" on them; results may include conversations up to
 * 10 minutes outside the range, as documented.
 */
export function roundMiRange(from: number, to: number): { from: number; to: number } {
	return { from: Math.floor(from / MI_ROUNDING_MS) * MI_ROUNDING_MS, to: Math.ceil(to / MI_ROUNDING_MS) * MI_ROUNDING_MS };
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
	const latestSkills = idList(input.latestSkillIds, 'latestSkillIds');
	if (latestSkills) body.latestSkillIds = latestSkills;
	const agents = idList(input.agentIds, 'agentIds');
	if (agents) body.agentIds = agents;
	const keyword = fieldText(input.keyword).trim();
	if (keyword) body.keyword = keyword;
	const content = validateContentToRetrieve(input.contentToRetrieve, MI_SEARCH_CONTENT_TYPES);
	if (content) body.contentToRetrieve = content;
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
	const query: Record<string, string> = { offset: String(page.offset), limit: String(limit), source: validateMiSource(input.source) };
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

export interface GetConversationInput {
	/** One ID, or several separated by commas (then sent as `conversationIds`). */
	conversationId?: unknown;
	/** Further IDs (at most 100 in all). */
	conversationIds?: unknown[];
	contentToRetrieve?: string[];
	source?: string;
}

/** The IDs of a get-by-ID input: commas split, blanks and repeats dropped, at most 100, each checked. */
export function conversationIdsOf(input: GetConversationInput): string[] {
	const raw = [...fieldText(input.conversationId).split(','), ...(input.conversationIds ?? []).map((v) => fieldText(v))].map((v) => v.trim()).filter(Boolean);
	const ids = [...new Set(raw)];
	if (!ids.length) throw inputError('conversationId', 'Conversation ID is empty', undefined, 'MI_CONVERSATION_EMPTY');
	if (ids.length > MI_MAX_CONVERSATION_IDS) throw inputError('conversationId', `${ids.length} conversation IDs given; LivePerson accepts at most ${MI_MAX_CONVERSATION_IDS} per call`, 'Split the IDs over several items.', 'MI_CONVERSATION_TOO_MANY');
	for (const id of ids) if (!/^[A-Za-z0-9_.:-]{1,200}$/.test(id)) throw inputError('conversationId', 'Conversation ID must be letters, digits, "-", "_", "." or ":"', undefined, 'MI_CONVERSATION_INVALID');
	return ids;
}

/**
 * Pure: the "get conversation by ID" call: `conversationId` for one ID, `conversationIds` for several
 * (at most 100, as documented), `source` always, `contentToRetrieve` from the get-by-ID page's list.
 */
export function buildGetConversationCall(input: GetConversationInput): LpApiCall {
	const ids = conversationIdsOf(input);
	const body: Record<string, unknown> = ids.length === 1 ? { conversationId: ids[0] } : { conversationIds: ids };
	const content = validateContentToRetrieve(input.contentToRetrieve, MI_GET_CONTENT_TYPES);
	if (content) body.contentToRetrieve = content;
	return {
		service: MSG_HIST_SERVICE,
		method: 'POST',
		path: '/messaging_history/api/account/{accountId}/conversations/conversation/search',
		query: { source: validateMiSource(input.source) },
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

/**
 * Pure: the conversations of a "get by ID" answer, each with its transcript, or a 404-like error when
 * none of the IDs is in the account.
 */
export function processGetConversationBody(body: unknown, conversationIds: string | string[]): Array<Record<string, unknown>> {
	const ids = Array.isArray(conversationIds) ? conversationIds : [conversationIds];
	const records = (body as { conversationHistoryRecords?: unknown })?.conversationHistoryRecords;
	if (!Array.isArray(records)) {
		throw new LpError('response', 'Messaging Interactions answered without "conversationHistoryRecords"', { code: 'MI_SHAPE', hint: 'Check the service (msgHist) and the account.' });
	}
	const found = records.filter((r): r is Record<string, unknown> => typeof r === 'object' && r !== null);
	if (!found.length) {
		const what = ids.length === 1 ? `conversation ${ids[0]}` : `conversation of the ${ids.length} IDs`;
		throw new LpError('http', `No ${what} in this account`, { status: 404, code: 'MI_CONVERSATION_NOT_FOUND', field: 'conversationId', hint: 'Conversations are kept 13 months; check the ID and the account.' });
	}
	return found.map((record) => ({ ...record, transcript: transcriptOf(record) }));
}
