/**
 * A bot answer described by form fields (the LivePerson Bot Reply node's), turned into a checked
 * Custom Endpoint answer. Every problem is an LpError('input') naming the field as the form shows it.
 */
import { inputError } from '../../errors';
import {
	botReply,
	changeTtr,
	checkIntents,
	closeConversation,
	delay,
	invokeFunction,
	isObject,
	isUuid,
	privateText,
	quickReplies,
	structuredContent,
	text,
	transferToAgent,
	transferToSkill,
	type BotReply,
	type BotResponseItem,
	type JsonObject,
} from './reply';

export interface MessageFields {
	type?: unknown;
	text?: unknown;
	replies?: unknown;
	structuredContent?: unknown;
	seconds?: unknown;
	typing?: unknown;
}

export interface ReplyFields {
	messages: MessageFields[];
	action?: string;
	skillName?: string;
	agentId?: string;
	withoutPcs?: boolean;
	ttrType?: string;
	ttrValue?: string;
	lambdaUuid?: string;
	payload?: unknown;
	failOnError?: boolean;
	intents?: Array<{ id?: unknown; description?: unknown; confidenceScore?: unknown }>;
}

/** A JSON object from a JSON field (text or already parsed). */
export function jsonObjectField(value: unknown, field: string): JsonObject {
	let v = value;
	if (typeof v === 'string') {
		try {
			v = JSON.parse(v);
		} catch {
			throw inputError(field, `${field} is not valid JSON`);
		}
	}
	if (!isObject(v)) throw inputError(field, `${field} must be a JSON object`);
	return v;
}

function message(m: MessageFields, n: number): BotResponseItem {
	const field = `Messages[${n + 1}]`;
	const t = typeof m.text === 'string' ? m.text : '';
	const needText = (why = '') => {
		if (!t.trim()) throw inputError(`${field}.text`, `${field} Text is empty${why}`);
		return t;
	};
	switch (m.type) {
		case 'text':
			return text(needText());
		case 'privateText':
			return privateText(needText());
		case 'quickReplies': {
			const question = needText(' (the question the quick replies answer)');
			const titles = String(m.replies ?? '')
				.split(/\r?\n|,/)
				.map((s) => s.trim())
				.filter(Boolean);
			if (!titles.length) throw inputError(`${field}.replies`, `${field} Quick Replies needs at least one reply`);
			return quickReplies(question, titles);
		}
		case 'structuredContent':
			return structuredContent(jsonObjectField(m.structuredContent, `${field} Structured Content`));
		case 'delay': {
			const s = Number(m.seconds);
			if (!Number.isInteger(s) || s < 1) throw inputError(`${field}.seconds`, `${field} Seconds must be a whole number of at least 1`);
			return delay(s, m.typing !== false);
		}
		default:
			throw inputError(`${field}.type`, `${field} Type "${String(m.type)}" is not a message type`);
	}
}

function need(value: string | undefined, label: string): string {
	const v = (value ?? '').trim();
	if (!v) throw inputError(label, `${label} is required for this action`);
	return v;
}

/** The checked answer the fields describe. */
export function replyFromFields(f: ReplyFields): BotReply {
	const items = f.messages.map(message);
	switch (f.action ?? 'none') {
		case 'none':
			break;
		case 'transferSkill':
			items.push(transferToSkill(need(f.skillName, 'Skill Name')));
			break;
		case 'transferAgent':
			items.push(transferToAgent(need(f.agentId, 'Agent ID')));
			break;
		case 'close':
			items.push(closeConversation(f.withoutPcs === true));
			break;
		case 'changeTtr':
			if (f.ttrType === 'CUSTOM') {
				const raw = need(f.ttrValue, 'TTR Value');
				items.push(changeTtr('CUSTOM', /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw));
			} else items.push(changeTtr(f.ttrType ?? 'URGENT'));
			break;
		case 'invokeFunction': {
			const uuid = need(f.lambdaUuid, 'Function UUID');
			if (!isUuid(uuid)) throw inputError('Function UUID', 'Function UUID must be the function\'s UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)');
			items.push(invokeFunction(uuid, jsonObjectField(f.payload ?? '{}', 'Payload'), f.failOnError === true));
			break;
		}
		default:
			throw inputError('action', `Action "${f.action}" is not known`);
	}
	if (!items.length) throw inputError('messages', 'Add at least one message or an action');
	const intents = (f.intents ?? []).map((x) => ({ id: String(x.id ?? ''), description: String(x.description ?? ''), confidenceScore: Number(x.confidenceScore) }));
	checkIntents(intents, 'Intents');
	return botReply(items, intents);
}
