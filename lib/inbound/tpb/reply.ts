/**
 * Third-Party Bots Custom Endpoint: the bot's answer to a conversation event.
 *
 * The answer body is `{ response: BotResponse[], analytics: { intents? } }` (LivePerson's reference
 * service, docs/v1.json "PostEventResponse": both members required). Each response item is one of:
 *   TEXT               data.message (string), metadata (object or array), encodedMetadata (string),
 *                      messageAudience ALL (default) or AGENTS_AND_MANAGERS (a private text)
 *   STRUCTURED_CONTENT data.structuredContent (object: LivePerson structured content, or
 *                      { quickReplies, message }), metadata, encodedMetadata
 *   DELAY              data.seconds (integer >= 1), typing (boolean, default true)
 *   ACTION             data.name TRANSFER ({skillName} or {agentId}, nothing else),
 *                      CLOSE_CONVERSATION ({withoutPcs?: boolean}), CHANGE_TTR ({ttrType:
 *                      URGENT|NORMAL|PRIORITIZED} or {ttrType: CUSTOM, value}), INVOKE_FUNCTION
 *                      ({lambdaUuid: uuid, payload: object, failOnError?: boolean})
 * Intents: { id (no white space), description (string), confidenceScore (0..1) }.
 *
 * `checkBotReply` checks a whole answer and throws an LpError naming the JSON path of the first
 * problem (e.g. `response[1].data.parameters.skillName`); the builders produce items that pass it.
 */
import { LpError } from '../../errors';

export type MessageAudience = 'ALL' | 'AGENTS_AND_MANAGERS';
export type JsonObject = Record<string, unknown>;

export interface TextItem {
	type: 'TEXT';
	data: { message: string; metadata?: unknown; encodedMetadata?: string; messageAudience?: MessageAudience };
}
export interface StructuredContentItem {
	type: 'STRUCTURED_CONTENT';
	data: { structuredContent: JsonObject; metadata?: unknown; encodedMetadata?: string };
}
export interface DelayItem {
	type: 'DELAY';
	data: { seconds: number; typing?: boolean };
}
export type ActionName = 'TRANSFER' | 'CLOSE_CONVERSATION' | 'CHANGE_TTR' | 'INVOKE_FUNCTION';
export interface ActionItem {
	type: 'ACTION';
	data: { name: ActionName; parameters?: JsonObject };
}
export type BotResponseItem = TextItem | StructuredContentItem | DelayItem | ActionItem;

export interface Intent {
	id: string;
	description: string;
	confidenceScore: number;
}
export interface BotReply {
	response: BotResponseItem[];
	analytics: { intents?: Intent[] };
}

export const RESPONSE_TYPES = ['TEXT', 'STRUCTURED_CONTENT', 'DELAY', 'ACTION'] as const;
export const ACTION_NAMES: readonly ActionName[] = ['TRANSFER', 'CLOSE_CONVERSATION', 'CHANGE_TTR', 'INVOKE_FUNCTION'];
export const STANDARD_TTR_TYPES = ['URGENT', 'NORMAL', 'PRIORITIZED'] as const;
export const AUDIENCES: readonly MessageAudience[] = ['ALL', 'AGENTS_AND_MANAGERS'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (v: unknown): v is string => typeof v === 'string' && UUID.test(v);

export const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** An LpError('input') naming where in the answer the problem is (its JSON path). */
export function replyError(path: string, message: string): LpError {
	return new LpError('input', `${path}: ${message}`, { field: path, code: 'INVALID_BOT_REPLY' });
}

function onlyKeys(obj: JsonObject, allowed: string[], path: string): void {
	for (const key of Object.keys(obj)) {
		if (!allowed.includes(key)) throw replyError(`${path}.${key}`, `not allowed here (only ${allowed.join(', ')})`);
	}
}

function optionalString(obj: JsonObject, key: string, path: string): void {
	if (obj[key] !== undefined && typeof obj[key] !== 'string') throw replyError(`${path}.${key}`, 'must be a string');
}

function optionalBoolean(obj: JsonObject, key: string, path: string): void {
	if (obj[key] !== undefined && typeof obj[key] !== 'boolean') throw replyError(`${path}.${key}`, 'must be true or false');
}

function checkMetadata(data: JsonObject, path: string): void {
	const m = data.metadata;
	if (m !== undefined && !isObject(m) && !(Array.isArray(m) && m.every(isObject))) throw replyError(`${path}.metadata`, 'must be an object or an array of objects');
	optionalString(data, 'encodedMetadata', path);
}

/** Quick replies: `{ type: "quickReplies", replies: [{ type: "button", title, click: { actions } }] }`. */
function checkQuickReplies(qr: unknown, path: string): void {
	if (!isObject(qr)) throw replyError(path, 'must be an object');
	if (qr.type !== 'quickReplies') throw replyError(`${path}.type`, 'must be "quickReplies"');
	if (qr.itemsPerRow !== undefined && !(Number.isInteger(qr.itemsPerRow) && (qr.itemsPerRow as number) >= 1)) throw replyError(`${path}.itemsPerRow`, 'must be a whole number of at least 1');
	if (!Array.isArray(qr.replies) || qr.replies.length === 0) throw replyError(`${path}.replies`, 'must be a non-empty array');
	qr.replies.forEach((r, i) => {
		const p = `${path}.replies[${i}]`;
		if (!isObject(r)) throw replyError(p, 'must be an object');
		if (r.type !== 'button') throw replyError(`${p}.type`, 'must be "button"');
		if (typeof r.title !== 'string' || !r.title) throw replyError(`${p}.title`, 'must be a non-empty string');
		if (!isObject(r.click) || !Array.isArray(r.click.actions) || r.click.actions.length === 0) throw replyError(`${p}.click.actions`, 'must be a non-empty array');
	});
}

function checkStructuredContent(sc: unknown, path: string): void {
	if (!isObject(sc)) throw replyError(path, 'must be a JSON object (LivePerson structured content)');
	if (sc.quickReplies !== undefined) {
		checkQuickReplies(sc.quickReplies, `${path}.quickReplies`);
		if (sc.type === undefined && typeof sc.message !== 'string') throw replyError(`${path}.message`, 'quick replies need the message text they answer');
		return;
	}
	if (typeof sc.type !== 'string' || !sc.type) throw replyError(`${path}.type`, 'structured content needs a "type" (e.g. "vertical", "text", "button") or "quickReplies"');
}

function checkAction(data: JsonObject, path: string): void {
	const name = data.name;
	if (typeof name !== 'string' || !ACTION_NAMES.includes(name as ActionName)) throw replyError(`${path}.name`, `must be one of ${ACTION_NAMES.join(', ')}`);
	onlyKeys(data, ['name', 'parameters'], path);
	const pp = `${path}.parameters`;
	const params = data.parameters;
	if (params !== undefined && !isObject(params)) throw replyError(pp, 'must be an object');
	const p = (params ?? {}) as JsonObject;
	switch (name as ActionName) {
		case 'TRANSFER': {
			if (params === undefined) throw replyError(pp, 'TRANSFER needs {skillName} or {agentId}');
			const hasSkill = p.skillName !== undefined;
			const hasAgent = p.agentId !== undefined;
			if (hasSkill === hasAgent) throw replyError(pp, 'TRANSFER needs exactly one of skillName or agentId');
			const key = hasSkill ? 'skillName' : 'agentId';
			onlyKeys(p, [key], pp);
			if (typeof p[key] !== 'string' || !(p[key] as string).trim()) throw replyError(`${pp}.${key}`, 'must be a non-empty string');
			return;
		}
		case 'CLOSE_CONVERSATION':
			onlyKeys(p, ['withoutPcs'], pp);
			optionalBoolean(p, 'withoutPcs', pp);
			return;
		case 'CHANGE_TTR': {
			if (params === undefined) throw replyError(pp, 'CHANGE_TTR needs {ttrType}');
			if (p.ttrType === 'CUSTOM') {
				onlyKeys(p, ['ttrType', 'value'], pp);
				const v = p.value;
				const ok = (typeof v === 'string' && v.length >= 1) || (typeof v === 'number' && Number.isFinite(v));
				if (!ok) throw replyError(`${pp}.value`, 'a CUSTOM time to response needs a value (a non-empty string or a number)');
				return;
			}
			if (!(STANDARD_TTR_TYPES as readonly unknown[]).includes(p.ttrType)) throw replyError(`${pp}.ttrType`, `must be one of ${[...STANDARD_TTR_TYPES, 'CUSTOM'].join(', ')}`);
			onlyKeys(p, ['ttrType'], pp);
			return;
		}
		case 'INVOKE_FUNCTION':
			if (params === undefined) throw replyError(pp, 'INVOKE_FUNCTION needs {lambdaUuid, payload}');
			if (!isUuid(p.lambdaUuid)) throw replyError(`${pp}.lambdaUuid`, 'must be the function\'s UUID');
			if (!isObject(p.payload)) throw replyError(`${pp}.payload`, 'must be a JSON object');
			optionalBoolean(p, 'failOnError', pp);
			return;
	}
}

/** Checks one response item (throws naming the path). */
export function checkResponseItem(item: unknown, path: string): asserts item is BotResponseItem {
	if (!isObject(item)) throw replyError(path, 'must be an object {type, data}');
	if (typeof item.type !== 'string' || !(RESPONSE_TYPES as readonly string[]).includes(item.type)) throw replyError(`${path}.type`, `must be one of ${RESPONSE_TYPES.join(', ')}`);
	const dp = `${path}.data`;
	const data = item.data;
	if (!isObject(data)) throw replyError(dp, 'must be an object');
	switch (item.type) {
		case 'TEXT':
			if (typeof data.message !== 'string' || !data.message) throw replyError(`${dp}.message`, 'must be a non-empty string');
			if (data.messageAudience !== undefined && !AUDIENCES.includes(data.messageAudience as MessageAudience)) throw replyError(`${dp}.messageAudience`, `must be ${AUDIENCES.join(' or ')}`);
			checkMetadata(data, dp);
			return;
		case 'STRUCTURED_CONTENT':
			checkStructuredContent(data.structuredContent, `${dp}.structuredContent`);
			checkMetadata(data, dp);
			return;
		case 'DELAY':
			if (!Number.isInteger(data.seconds) || (data.seconds as number) < 1) throw replyError(`${dp}.seconds`, 'must be a whole number of seconds, at least 1');
			optionalBoolean(data, 'typing', dp);
			return;
		case 'ACTION':
			checkAction(data, dp);
			return;
	}
}

export function checkIntents(intents: unknown, path = 'analytics.intents'): asserts intents is Intent[] {
	if (!Array.isArray(intents)) throw replyError(path, 'must be an array');
	intents.forEach((intent, i) => {
		const p = `${path}[${i}]`;
		if (!isObject(intent)) throw replyError(p, 'must be an object {id, description, confidenceScore}');
		if (typeof intent.id !== 'string' || !intent.id || /\s/.test(intent.id)) throw replyError(`${p}.id`, 'must be a non-empty string without white space');
		if (typeof intent.description !== 'string') throw replyError(`${p}.description`, 'must be a string');
		const s = intent.confidenceScore;
		if (typeof s !== 'number' || !Number.isFinite(s) || s < 0 || s > 1) throw replyError(`${p}.confidenceScore`, 'must be a number from 0 to 1');
	});
}

/** Checks a whole answer body against the documented shapes; returns it typed. */
export function checkBotReply(body: unknown): BotReply {
	if (!isObject(body)) throw replyError('body', 'must be a JSON object {response, analytics}');
	if (!Array.isArray(body.response)) throw replyError('response', 'must be an array of bot messages and actions');
	body.response.forEach((item, i) => checkResponseItem(item, `response[${i}]`));
	if (!isObject(body.analytics)) throw replyError('analytics', 'must be an object (e.g. {"intents": []})');
	if (body.analytics.intents !== undefined) checkIntents(body.analytics.intents);
	return body as unknown as BotReply;
}

/* ------------------------------------------------------------------------------------------------ */
/* Builders                                                                                           */
/* ------------------------------------------------------------------------------------------------ */

export const text = (message: string, audience: MessageAudience = 'ALL'): TextItem => ({
	type: 'TEXT',
	data: audience === 'ALL' ? { message } : { message, messageAudience: audience },
});

export const privateText = (message: string): TextItem => text(message, 'AGENTS_AND_MANAGERS');

export const structuredContent = (content: JsonObject, metadata?: unknown): StructuredContentItem => ({
	type: 'STRUCTURED_CONTENT',
	data: metadata === undefined ? { structuredContent: content } : { structuredContent: content, metadata },
});

/** Quick replies under a message: each title is also the text the consumer sends back. */
export function quickReplies(message: string, titles: string[], itemsPerRow = 8): StructuredContentItem {
	return structuredContent({
		quickReplies: {
			type: 'quickReplies',
			itemsPerRow,
			replies: titles.map((title) => ({ type: 'button', tooltip: title, title, click: { actions: [{ type: 'publishText', text: title }] } })),
		},
		message,
	});
}

export const delay = (seconds: number, typing = true): DelayItem => ({ type: 'DELAY', data: { seconds, typing } });

export const transferToSkill = (skillName: string): ActionItem => ({ type: 'ACTION', data: { name: 'TRANSFER', parameters: { skillName } } });
export const transferToAgent = (agentId: string): ActionItem => ({ type: 'ACTION', data: { name: 'TRANSFER', parameters: { agentId } } });
export const closeConversation = (withoutPcs = false): ActionItem => ({
	type: 'ACTION',
	data: { name: 'CLOSE_CONVERSATION', parameters: withoutPcs ? { withoutPcs: true } : {} },
});
export function changeTtr(ttrType: string, value?: string | number): ActionItem {
	return { type: 'ACTION', data: { name: 'CHANGE_TTR', parameters: ttrType === 'CUSTOM' ? { ttrType, value } : { ttrType } } };
}
export const invokeFunction = (lambdaUuid: string, payload: JsonObject, failOnError = false): ActionItem => ({
	type: 'ACTION',
	data: { name: 'INVOKE_FUNCTION', parameters: failOnError ? { lambdaUuid, payload, failOnError } : { lambdaUuid, payload } },
});

/** A checked answer from items and intents. */
export function botReply(items: BotResponseItem[], intents: Intent[] = []): BotReply {
	return checkBotReply({ response: items, analytics: { intents } });
}
