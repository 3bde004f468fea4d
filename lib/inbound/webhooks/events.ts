/**
 * A verified LivePerson webhook notification → one typed event per change, with the fields people
 * filter on and a deduplication key. Shapes from the developer center (Connector API → Webhooks →
 * "Webhooks Examples", developers.liveperson.com/connector-api-webhooks-webhooks-examples.html):
 *
 *   { "kind": "notification", "type": "cqm.ExConversationChangeNotification",
 *     "body": { "changes": [ { "type": "UPSERT", "result": { "convId", "conversationDetails":
 *       { "participants": [{id, role}], "brandId", "state": "OPEN"|"CLOSE", "startTs",
 *         "metaDataLastUpdateTs", … } } } ] } }
 *   { "kind": "notification", "type": "ms.MessagingEventNotification",
 *     "body": { "changes": [ { "sequence", "originatorId", "originatorMetadata": {id, role},
 *       "serverTimestamp", "event": { "type": "ContentEvent", "message", "contentType" }, "dialogId" } ] } }
 *
 * The subscription names (Webhooks → Configuration, webhooks-configuration.html) are the notification
 * type, plus `.<event.type>` for messaging events: `ms.MessagingEventNotification.ContentEvent`,
 * `…RichContentEvent`, `…AcceptStatusEvent`, `…ChatStateEvent`, and `cqm.ExConversationChangeNotification`.
 *
 * Deduplication key (LivePerson retries a failed delivery with the same payload, "max_retries" 0–5):
 * a messaging event with a numeric `sequence` is `dialogId + sequence + event type` (the sequence is
 * the message's place in the dialog); a conversation change is `convId + change type + state +
 * metaDataLastUpdateTs`; anything else is a SHA-256 of the change as received. Pure: no I/O, no n8n.
 */
import { createHash } from 'crypto';
import { LpError } from '../../errors';

export const CONVERSATION_CHANGE = 'cqm.ExConversationChangeNotification';
export const MESSAGING_EVENT = 'ms.MessagingEventNotification';

/** The documented subscription names (webhooks-configuration.html and the notification protocol page). */
export const WEBHOOK_EVENT_TYPES = [
	`${MESSAGING_EVENT}.ContentEvent`,
	`${MESSAGING_EVENT}.RichContentEvent`,
	`${MESSAGING_EVENT}.AcceptStatusEvent`,
	`${MESSAGING_EVENT}.ChatStateEvent`,
	CONVERSATION_CHANGE,
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export interface WebhookParticipant {
	id?: string;
	role?: string;
}

export interface WebhookEvent {
	/** Subscription name, e.g. ms.MessagingEventNotification.ContentEvent. */
	eventType: string;
	/** The conversation (messaging events: conversationId, else the dialog id, which is the conversation id of the MAIN dialog). */
	conversationId?: string;
	dialogId?: string;
	/** cqm: UPSERT / DELETE; messaging: the event type (ContentEvent, AcceptStatusEvent, …). */
	changeType?: string;
	/** cqm: the conversation state (OPEN, CLOSE); AcceptStatusEvent: status (ACCEPT, READ, …); ChatStateEvent: chatState. */
	state?: string;
	/** ContentEvent: the text; other events: undefined. */
	message?: string;
	contentType?: string;
	sequence?: number;
	/** Who caused the change (messaging: the originator; cqm: the assigned agent, else the consumer). */
	participant?: WebhookParticipant;
	participants?: WebhookParticipant[];
	/** serverTimestamp / metaDataLastUpdateTs (epoch ms) when sent. */
	timestamp?: number;
	/** The change as received. */
	change: unknown;
	/** Stable across redeliveries of the same change. */
	dedupKey: string;
}

export interface ParsedNotification {
	kind?: string;
	type: string;
	events: WebhookEvent[];
	/** The whole notification as received. */
	raw: Record<string, unknown>;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

function participantOf(v: unknown): WebhookParticipant | undefined {
	if (!isObj(v)) return undefined;
	const p: WebhookParticipant = {};
	if (str(v.id)) p.id = str(v.id);
	if (str(v.role)) p.role = str(v.role);
	return p.id || p.role ? p : undefined;
}

function hashOf(value: unknown): string {
	return createHash('sha256').update(JSON.stringify(value)).digest('base64url');
}

function messagingEvent(type: string, change: Record<string, unknown>): WebhookEvent {
	const event = isObj(change.event) ? change.event : {};
	const eventName = str(event.type) ?? 'unknown';
	const dialogId = str(change.dialogId);
	const conversationId = str(change.conversationId) ?? dialogId;
	const sequence = num(change.sequence);
	const participant = participantOf(change.originatorMetadata) ?? (str(change.originatorId) ? { id: str(change.originatorId) } : undefined);
	const state = str(event.status) ?? str(event.chatState);
	const sequenced = sequence !== undefined && (dialogId || conversationId) && eventName !== 'ChatStateEvent';
	return {
		eventType: `${type}.${eventName}`,
		conversationId,
		dialogId,
		changeType: eventName,
		state,
		message: eventName === 'ContentEvent' && typeof event.message === 'string' ? event.message : undefined,
		contentType: str(event.contentType),
		sequence,
		participant,
		timestamp: num(change.serverTimestamp),
		change,
		dedupKey: sequenced ? `ms|${dialogId ?? conversationId}|${sequence}|${eventName}` : `ms|hash|${hashOf(change)}`,
	};
}

function conversationChange(type: string, change: Record<string, unknown>): WebhookEvent {
	const result = isObj(change.result) ? change.result : {};
	const details = isObj(result.conversationDetails) ? result.conversationDetails : {};
	const participants = Array.isArray(details.participants) ? details.participants.map(participantOf).filter((p): p is WebhookParticipant => !!p) : [];
	const convId = str(result.convId);
	const changeType = str(change.type);
	const state = str(details.state);
	const updated = num(details.metaDataLastUpdateTs);
	const participant = participants.find((p) => p.role === 'ASSIGNED_AGENT') ?? participants.find((p) => p.role === 'CONSUMER') ?? participants[0];
	return {
		eventType: type,
		conversationId: convId,
		changeType,
		state,
		participant,
		participants,
		timestamp: updated,
		change,
		dedupKey: convId && updated !== undefined ? `cqm|${convId}|${changeType ?? ''}|${state ?? ''}|${updated}` : `cqm|hash|${hashOf(change)}`,
	};
}

/** Parses a verified body. Throws a 'response' LpError when it is not a LivePerson notification. */
export function parseNotification(rawBody: Buffer): ParsedNotification {
	let raw: unknown;
	try {
		raw = JSON.parse(rawBody.toString('utf8'));
	} catch {
		throw new LpError('response', 'The webhook body is not JSON', { code: 'LP_WEBHOOK_NOT_JSON' });
	}
	if (!isObj(raw) || !str(raw.type) || !isObj(raw.body) || !Array.isArray(raw.body.changes)) {
		throw new LpError('response', 'The webhook body is not a LivePerson notification ({type, body: {changes: [...]}})', { code: 'LP_WEBHOOK_SHAPE' });
	}
	const type = raw.type as string;
	const events = (raw.body.changes as unknown[]).filter(isObj).map((change) => (type === MESSAGING_EVENT || isObj(change.event) ? messagingEvent(type, change) : conversationChange(type, change)));
	return { kind: str(raw.kind), type, events, raw };
}

/** The events a trigger listens to: an empty list means all. */
export function selectEvents(events: WebhookEvent[], wanted: readonly string[]): WebhookEvent[] {
	if (!wanted.length) return events;
	const set = new Set(wanted);
	return events.filter((e) => set.has(e.eventType));
}
