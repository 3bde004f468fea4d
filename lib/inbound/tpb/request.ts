/**
 * Third-Party Bots Custom Endpoint: the requests LivePerson sends, parsed into typed values.
 *
 * Routes (LivePerson's reference service, docs/v1.json; `{base}` is the URL configured in the bot):
 *   GET  {base}/v1/bots/{botId}/environments                                   -> ["draft", ...]
 *   GET  {base}/v1/bots/{botId}/environments/{env}/state                       -> {state, version}
 *   PUT  {base}/v1/bots/{botId}/environments/{env}/conversations/{convId}      {sdes, context}
 *   POST {base}/v1/bots/{botId}/environments/{env}/conversations/{convId}/events {type, source, data, context}
 * botId: letters, digits and "-", at most 36 characters. Conversation context: type MESSAGING|CHAT,
 * skillId and engagementId numbers (campaignId, contextType numbers and visitor object optional).
 * Event types: TEXT {message}, RICH_CONTENT {content}, CONVERSATION {name: STARTED|TRANSFERRED|CLOSED},
 * hosted-file {relativePath, fileType, caption?, preview?}, and the reference service's START
 * (welcome event; lpEvent.lastConsumerMessage) and CLOSE_CONVERSATION (survey bots). Every event has
 * context.lpEvent (the raw LivePerson event, with `sequence` when it comes from a message).
 *
 * Every problem is a TpbRequestError naming the field, answered 400 by the trigger.
 */
import { isObject, type JsonObject } from './reply';

export class TpbRequestError extends Error {
	constructor(
		readonly field: string,
		message: string,
		readonly status = 400,
	) {
		super(`${field}: ${message}`);
		this.name = 'TpbRequestError';
	}
}

export type TpbRoute = 'environments' | 'state' | 'conversation' | 'event';

export const BOT_ID_PATTERN = /^[A-Za-z0-9-]{1,36}$/;

/** The route of a request from its method and its number of path segments after the base. */
export function routeOf(method: string, params: Record<string, unknown>): TpbRoute | undefined {
	const m = method.toUpperCase();
	const hasEnv = typeof params.environment === 'string';
	const hasConv = typeof params.convId === 'string';
	if (m === 'GET' && !hasEnv && !hasConv) return 'environments';
	if (m === 'GET' && hasEnv && !hasConv) return 'state';
	if (m === 'PUT' && hasEnv && hasConv) return 'conversation';
	if (m === 'POST' && hasEnv && hasConv) return 'event';
	return undefined;
}

export interface RouteParams {
	botId: string;
	environment?: string;
	conversationId?: string;
}

function param(params: Record<string, unknown>, name: string): string | undefined {
	const v = params[name];
	if (v === undefined) return undefined;
	if (typeof v !== 'string' || !v.trim()) throw new TpbRequestError(name, 'is missing in the path');
	return v;
}

/** The path parameters, checked: botId pattern, environment and conversation id non-empty. */
export function parseRouteParams(params: Record<string, unknown>): RouteParams {
	const botId = param(params, 'botId');
	if (!botId || !BOT_ID_PATTERN.test(botId)) throw new TpbRequestError('botId', 'must be 1 to 36 letters, digits or "-"');
	const environment = param(params, 'environment');
	if (environment !== undefined && !/^[A-Za-z0-9._-]{1,64}$/.test(environment)) throw new TpbRequestError('environment', 'must be 1 to 64 letters, digits, ".", "_" or "-"');
	const conversationId = param(params, 'convId');
	if (conversationId !== undefined && conversationId.length > 200) throw new TpbRequestError('convId', 'is longer than 200 characters');
	return { botId, environment, conversationId };
}

export interface ConversationContext extends JsonObject {
	type: 'MESSAGING' | 'CHAT';
	skillId: number;
	engagementId: number;
}

export interface ConversationState {
	sdes: JsonObject;
	context: ConversationContext;
}

const isNum = (v: unknown) => typeof v === 'number' && Number.isFinite(v);

function body(value: unknown): JsonObject {
	let v = value;
	if (typeof v === 'string' || Buffer.isBuffer(v)) {
		try {
			v = JSON.parse(v.toString());
		} catch {
			throw new TpbRequestError('body', 'is not valid JSON');
		}
	}
	if (!isObject(v)) throw new TpbRequestError('body', 'must be a JSON object');
	return v;
}

/** PUT …/conversations/{convId}: `{ sdes, context }`. */
export function parseConversation(value: unknown): ConversationState {
	const b = body(value);
	// LivePerson sends SDES only when the bot is set to fetch the engagement attributes.
	if (b.sdes !== undefined && b.sdes !== null && !isObject(b.sdes)) throw new TpbRequestError('sdes', 'must be an object');
	const c = b.context;
	if (!isObject(c)) throw new TpbRequestError('context', 'must be an object {type, skillId, engagementId}');
	if (c.type !== 'MESSAGING' && c.type !== 'CHAT') throw new TpbRequestError('context.type', 'must be MESSAGING or CHAT');
	for (const key of ['skillId', 'engagementId']) if (!isNum(c[key])) throw new TpbRequestError(`context.${key}`, 'must be a number');
	for (const key of ['campaignId', 'contextType']) if (c[key] !== undefined && !isNum(c[key])) throw new TpbRequestError(`context.${key}`, 'must be a number');
	if (c.visitor !== undefined && !isObject(c.visitor)) throw new TpbRequestError('context.visitor', 'must be an object');
	return { sdes: (b.sdes as JsonObject | undefined) ?? {}, context: c as ConversationContext };
}

export const EVENT_TYPES = ['TEXT', 'RICH_CONTENT', 'CONVERSATION', 'hosted-file', 'START', 'CLOSE_CONVERSATION'] as const;
export type EventType = (typeof EVENT_TYPES)[number];
export const CONVERSATION_CHANGES = ['STARTED', 'TRANSFERRED', 'CLOSED'] as const;

export interface ConversationEvent {
	type: EventType;
	source?: string;
	/** TEXT: the consumer's message; START: lpEvent.lastConsumerMessage when sent. */
	text?: string;
	/** CONVERSATION: STARTED, TRANSFERRED or CLOSED. */
	change?: (typeof CONVERSATION_CHANGES)[number];
	/** RICH_CONTENT: the structured content the consumer sent. */
	content?: JsonObject;
	/** hosted-file: the file's fields. */
	file?: { relativePath: string; fileType: string; caption?: string; preview?: string };
	data: JsonObject;
	lpEvent: JsonObject;
	/** lpEvent.sequence, when it is a whole number (the key of retried events). */
	sequence?: number;
	/** lpEvent.originatorId (the consumer) when given. */
	consumerId?: string;
}

const str = (o: JsonObject, key: string, field: string, required: boolean): string | undefined => {
	const v = o[key];
	if (v === undefined && !required) return undefined;
	if (typeof v !== 'string') throw new TpbRequestError(field, 'must be a string');
	return v;
};

/** POST …/events: one typed event. */
export function parseEvent(value: unknown): ConversationEvent {
	const b = body(value);
	const type = b.type;
	if (typeof type !== 'string' || !(EVENT_TYPES as readonly string[]).includes(type)) throw new TpbRequestError('type', `must be one of ${EVENT_TYPES.join(', ')}`);
	if (b.source !== undefined && typeof b.source !== 'string') throw new TpbRequestError('source', 'must be a string');
	const ctx = b.context;
	if (!isObject(ctx)) throw new TpbRequestError('context', 'must be an object {lpEvent}');
	if (!isObject(ctx.lpEvent)) throw new TpbRequestError('context.lpEvent', 'must be an object');
	const lpEvent = ctx.lpEvent;
	const optionalData = type === 'START' || type === 'CLOSE_CONVERSATION';
	if (b.data === undefined && !optionalData) throw new TpbRequestError('data', 'is required');
	if (b.data !== undefined && !isObject(b.data)) throw new TpbRequestError('data', 'must be an object');
	const data = (b.data as JsonObject | undefined) ?? {};
	const event: ConversationEvent = { type: type as EventType, source: b.source as string | undefined, data, lpEvent };
	switch (type as EventType) {
		case 'TEXT':
			event.text = str(data, 'message', 'data.message', true);
			break;
		case 'RICH_CONTENT':
			if (!isObject(data.content)) throw new TpbRequestError('data.content', 'must be an object (LivePerson rich content)');
			event.content = data.content;
			break;
		case 'CONVERSATION':
			if (!(CONVERSATION_CHANGES as readonly unknown[]).includes(data.name)) throw new TpbRequestError('data.name', `must be one of ${CONVERSATION_CHANGES.join(', ')}`);
			event.change = data.name as ConversationEvent['change'];
			break;
		case 'hosted-file':
			event.file = {
				relativePath: str(data, 'relativePath', 'data.relativePath', true) as string,
				fileType: str(data, 'fileType', 'data.fileType', true) as string,
				caption: str(data, 'caption', 'data.caption', false),
				preview: str(data, 'preview', 'data.preview', false),
			};
			break;
		case 'START':
			event.text = typeof lpEvent.lastConsumerMessage === 'string' ? lpEvent.lastConsumerMessage : undefined;
			break;
		case 'CLOSE_CONVERSATION':
			break;
	}
	if (lpEvent.sequence !== undefined) {
		if (!Number.isInteger(lpEvent.sequence) || (lpEvent.sequence as number) < 0) throw new TpbRequestError('context.lpEvent.sequence', 'must be a whole number');
		event.sequence = lpEvent.sequence as number;
	}
	if (typeof lpEvent.originatorId === 'string') event.consumerId = lpEvent.originatorId;
	return event;
}
