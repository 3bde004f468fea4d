/**
 * LivePerson's webhooks service and the app installation API, as the developer center describes them:
 *
 * App installations (the account configuration service, CSDS `accountConfigReadWrite`):
 *   GET  /api/account/{acc}/configuration/app-install/installations            → [installation]
 *   GET  /api/account/{acc}/configuration/app-install/installations/{id}       → installation
 *   PUT  /api/account/{acc}/configuration/app-install/installations/{id}       ← installation
 * Any LivePerson bearer / OAuth1 the emulator accepts; the answer carries the revision in `ac-revision`
 * and `ETag`; a PUT with an `If-Match` that is not the current revision gets 412. `capabilities.webhooks`
 * is checked as Webhooks → Configuration documents it (webhooks-configuration.html): a map of event type
 * → { endpoint (mandatory, SSL secured URL), max_retries (optional, 0–5, default 0) }. The emulator also
 * accepts http:// endpoints on loopback (the sandbox's n8n has no TLS). The default installation's id
 * and secret are the emulator's OAuth2 client (`oauth2Client`: the installation's client_id/secret).
 *
 * Deliveries (Connector API → Webhooks → Notification Protocol, connector-api-webhooks-notification-
 * protocol.html): POST of the notification JSON with `x-liveperson-account-id`, `x-liveperson-client-id`
 * and `x-liveperson-signature: sha1=<base64 HMAC-SHA1(body, client secret)>` (sha256 and hex on request,
 * "for specific accounts"); only 200/201 count as delivered; a connection or answer slower than 5 s
 * is a failure; failures are retried up to the subscription's max_retries; an app whose endpoint answers
 * slower than 2.5 s for 2 minutes "may be disabled": the emulator disables the installation
 * (`enabled: false`) and stops delivering.
 *
 * Sandbox control (not LivePerson API; for tests and the local sandbox):
 *   POST /sandbox/webhooks/conversation {installationId?, turns?, algorithm?, encoding?, retryDelayMs?,
 *        limits?} → plays a scripted conversation (open, messages, read receipts, typing, assignment,
 *        close) and delivers each notification to the endpoint subscribed for its event type
 *   POST /sandbox/webhooks/notify {installationId?, notification, …} → delivers one given notification
 *   POST /sandbox/webhooks/replay {count?} → sends the last N delivered notifications again, byte for
 *        byte (a LivePerson redelivery)
 *   GET  /sandbox/webhooks/deliveries → the delivery log
 */
import { createHmac, randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { Ctx, Route, ServiceModule } from '../http';
import { isObject, sendJson } from '../http';
import type { EmulatorState } from '../state';

export const DELIVERY_TIMEOUT_MS = 5_000;
export const SLOW_MS = 2_500;
export const SLOW_WINDOW_MS = 2 * 60_000;
export const MAX_RETRIES_LIMIT = 5;

interface Installation {
	json: Record<string, unknown>;
	secret: string;
	revision: number;
	/** First moment of an unbroken run of slow answers (undefined: the last one was fast). */
	slowSince?: number;
}

export interface DeliveryRecord {
	installationId: string;
	eventType: string;
	endpoint: string;
	attempts: number;
	statuses: Array<number | string>;
	durationsMs: number[];
	outcome: 'delivered' | 'failed' | 'disabled' | 'unsubscribed';
	/** The exact bytes and headers sent (for replay). */
	body: Buffer;
	headers: Record<string, string>;
}

interface Limits {
	timeoutMs: number;
	slowMs: number;
	slowWindowMs: number;
}

type Algorithm = 'sha1' | 'sha256';
type Encoding = 'base64' | 'hex';

function sign(body: Buffer, secret: string, algorithm: Algorithm, encoding: Encoding): string {
	return `${algorithm}=${createHmac(algorithm, secret).update(body).digest(encoding)}`;
}

/** The subscription name of a notification: its type, plus `.<event.type>` for messaging events. */
export function eventTypeOf(notification: Record<string, unknown>): string {
	const type = String(notification.type ?? '');
	if (type !== 'ms.MessagingEventNotification') return type;
	const body = isObject(notification.body) ? notification.body : {};
	const changes = Array.isArray(body.changes) ? body.changes : [];
	const first = changes.find(isObject);
	const event = first && isObject(first.event) ? first.event : {};
	return `${type}.${String(event.type ?? '')}`;
}

/**
 * A scripted conversation as LivePerson's webhooks report it (shapes of "Webhooks Examples",
 * connector-api-webhooks-webhooks-examples.html): conversation opened (cqm UPSERT OPEN), per turn a
 * consumer message, the agent's READ receipt, the agent typing, the agent's answer (every third turn a
 * rich content card), the agent assigned after the first message, and the conversation closed.
 */
export function scriptedConversation(opts: { brandId: string; turns: number; conversationId?: string; startTs?: number }): Array<Record<string, unknown>> {
	const convId = opts.conversationId ?? randomUUID();
	const consumer = `consumer-${convId.slice(0, 8)}`;
	const agent = `agent-${convId.slice(0, 8)}`;
	let ts = opts.startTs ?? Date.now();
	const start = ts;
	let seq = 0;
	const out: Array<Record<string, unknown>> = [];
	const cqm = (participants: Array<{ id: string; role: string }>, state: 'OPEN' | 'CLOSE') =>
		out.push({
			kind: 'notification',
			type: 'cqm.ExConversationChangeNotification',
			body: {
				changes: [
					{
						type: 'UPSERT',
						result: {
							convId,
							conversationDetails: {
								participants,
								brandId: opts.brandId,
								state,
								startTs: start,
								metaDataLastUpdateTs: (ts += 7),
								...(state === 'CLOSE' ? { endTs: ts, closeReason: 'AGENT' } : {}),
								ttr: { ttrType: 'PRIORITIZED', value: 600 },
							},
						},
					},
				],
			},
		});
	const ms = (who: { id: string; role: string }, event: Record<string, unknown>, sequenced = true) =>
		out.push({
			kind: 'notification',
			type: 'ms.MessagingEventNotification',
			body: { changes: [{ ...(sequenced ? { sequence: seq++ } : {}), originatorId: who.id, originatorMetadata: who, serverTimestamp: (ts += 11), event, dialogId: convId }] },
		});
	const C = { id: consumer, role: 'CONSUMER' };
	const A = { id: agent, role: 'ASSIGNED_AGENT' };
	cqm([C], 'OPEN');
	for (let i = 0; i < opts.turns; i++) {
		const asked = seq;
		ms(C, { type: 'ContentEvent', message: `consumer message ${i + 1}`, contentType: 'text/plain' });
		if (i === 0) cqm([A, C], 'OPEN');
		ms(A, { type: 'AcceptStatusEvent', status: 'READ', sequenceList: [asked] });
		ms(A, { type: 'ChatStateEvent', chatState: 'COMPOSING' }, false);
		if (i % 3 === 2) ms(A, { type: 'RichContentEvent', content: { type: 'vertical', elements: [{ type: 'text', text: `card ${i + 1}` }] } });
		else ms(A, { type: 'ContentEvent', message: `agent answer ${i + 1}`, contentType: 'text/plain' });
	}
	cqm([A, C], 'CLOSE');
	return out;
}

function isAllowedEndpoint(value: unknown): boolean {
	if (typeof value !== 'string') return false;
	try {
		const u = new URL(value);
		if (u.protocol === 'https:') return true;
		return u.protocol === 'http:' && /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/.test(u.hostname);
	} catch {
		return false;
	}
}

/** The documented checks of capabilities.webhooks; the error text, or undefined when valid. */
function checkWebhooks(json: Record<string, unknown>): string | undefined {
	if (json.capabilities === undefined) return undefined;
	if (!isObject(json.capabilities)) return 'capabilities must be an object';
	const hooks = json.capabilities.webhooks;
	if (hooks === undefined) return undefined;
	if (!isObject(hooks)) return 'capabilities.webhooks must be a map of event type to {endpoint, max_retries}';
	for (const [event, entry] of Object.entries(hooks)) {
		if (!isObject(entry)) return `capabilities.webhooks["${event}"] must be an object`;
		if (!isAllowedEndpoint(entry.endpoint)) return `capabilities.webhooks["${event}"].endpoint must be an SSL secured URL`;
		const r = entry.max_retries;
		if (r !== undefined && !(Number.isInteger(r) && (r as number) >= 0 && (r as number) <= MAX_RETRIES_LIMIT)) return `capabilities.webhooks["${event}"].max_retries must be 0-5`;
	}
	return undefined;
}

/** One POST with the 5 s limit (connection and answer together); the status or the failure. */
function post(endpoint: string, body: Buffer, headers: Record<string, string>, timeoutMs: number): Promise<number | string> {
	return new Promise((resolve) => {
		const u = new URL(endpoint);
		const lib = u.protocol === 'https:' ? https : http;
		let done = false;
		const finish = (v: number | string) => {
			if (done) return;
			done = true;
			clearTimeout(timer);
			resolve(v);
		};
		const req = lib.request(u, { method: 'POST', headers: { ...headers, 'content-length': String(body.length) }, agent: false, ...(u.protocol === 'https:' ? { minVersion: 'TLSv1.2' as const } : {}) }, (res) => {
			res.resume();
			res.on('end', () => finish(res.statusCode ?? 0));
			res.on('error', () => finish('read error'));
		});
		const timer = setTimeout(() => {
			finish('timeout');
			req.destroy();
		}, timeoutMs);
		req.on('error', (e) => finish(`network: ${(e as NodeJS.ErrnoException).code ?? e.message}`));
		req.end(body);
	});
}

export function webhooksModule(state: EmulatorState): ServiceModule {
	const installations = new Map<string, Installation>();
	const log: DeliveryRecord[] = [];
	const seed = () => {
		installations.clear();
		log.length = 0;
		const id = state.config.oauth2Client.clientId;
		installations.set(id, {
			json: { id, client_id: id, client_name: 'Sandbox webhooks app', enabled: true, grant_types: ['client_credentials'], capabilities: { webhooks: {} } },
			secret: state.config.oauth2Client.clientSecret,
			revision: 1,
		});
	};
	seed();

	const authorized = async (ctx: Ctx, acc: string): Promise<boolean> => {
		const r = await state.checkLpAuth(ctx.header('authorization'));
		if (!r.ok) {
			sendJson(ctx, 401, { message: 'Unauthorized' });
			return false;
		}
		if (!state.knownAccount(acc)) {
			sendJson(ctx, 403, { message: `Not authorized for account ${acc}` });
			return false;
		}
		return true;
	};
	const revisionHeaders = (inst: Installation) => ({ 'ac-revision': String(inst.revision), etag: String(inst.revision) });

	const list = async (ctx: Ctx) => {
		if (!(await authorized(ctx, ctx.params[0]))) return;
		sendJson(ctx, 200, [...installations.values()].map((i) => i.json));
	};

	const one = async (ctx: Ctx) => {
		const [acc, id] = ctx.params;
		if (!(await authorized(ctx, acc))) return;
		const inst = installations.get(id);
		if (!inst) return sendJson(ctx, 404, { message: `No app installation ${id}` });
		if (ctx.method === 'GET') return sendJson(ctx, 200, inst.json, revisionHeaders(inst));
		const ifMatch = ctx.header('if-match');
		if (ifMatch !== undefined && ifMatch.replace(/"/g, '') !== String(inst.revision)) {
			return sendJson(ctx, 412, { message: `Revision ${ifMatch} is not the current revision ${inst.revision}` }, revisionHeaders(inst));
		}
		let body: unknown;
		try {
			body = JSON.parse(ctx.body.toString('utf8'));
		} catch {
			return sendJson(ctx, 400, { message: 'body must be the installation JSON' });
		}
		if (!isObject(body)) return sendJson(ctx, 400, { message: 'body must be the installation JSON' });
		const problem = checkWebhooks(body);
		if (problem) return sendJson(ctx, 400, { message: problem });
		inst.json = { ...body, id, client_id: id };
		inst.revision += 1;
		inst.slowSince = undefined;
		sendJson(ctx, 200, inst.json, revisionHeaders(inst));
	};

	/** Delivers one notification to the endpoint subscribed for its event type, with retries. */
	const deliver = async (inst: Installation, notification: Record<string, unknown>, opts: { algorithm: Algorithm; encoding: Encoding; retryDelayMs: number; limits: Limits }): Promise<DeliveryRecord> => {
		const id = String(inst.json.id);
		const eventType = eventTypeOf(notification);
		const caps = isObject(inst.json.capabilities) ? inst.json.capabilities : {};
		const hooks = isObject(caps.webhooks) ? caps.webhooks : {};
		const entry = isObject(hooks[eventType]) ? hooks[eventType] : undefined;
		const body = Buffer.from(JSON.stringify(notification));
		const headers = {
			'content-type': 'application/json',
			'x-liveperson-account-id': state.config.accountId,
			'x-liveperson-client-id': id,
			'x-liveperson-signature': sign(body, inst.secret, opts.algorithm, opts.encoding),
		};
		const record: DeliveryRecord = { installationId: id, eventType, endpoint: String(entry?.endpoint ?? ''), attempts: 0, statuses: [], durationsMs: [], outcome: 'unsubscribed', body, headers };
		if (!entry) return record;
		if (inst.json.enabled === false) {
			record.outcome = 'disabled';
			return record;
		}
		const retries = Number.isInteger(entry.max_retries) ? (entry.max_retries as number) : 0;
		record.outcome = 'failed';
		for (let attempt = 0; attempt <= retries; attempt++) {
			if (attempt > 0) await new Promise((r) => setTimeout(r, opts.retryDelayMs));
			const t0 = Date.now();
			const status = await post(record.endpoint, body, headers, opts.limits.timeoutMs);
			const took = Date.now() - t0;
			record.attempts++;
			record.statuses.push(status);
			record.durationsMs.push(took);
			// "slower than 2.5 seconds over 2 minutes may be disabled"
			if (took > opts.limits.slowMs) {
				inst.slowSince ??= t0;
				if (Date.now() - inst.slowSince >= opts.limits.slowWindowMs) inst.json = { ...inst.json, enabled: false };
			} else inst.slowSince = undefined;
			if (status === 200 || status === 201) {
				record.outcome = 'delivered';
				break;
			}
			if (inst.json.enabled === false) break;
		}
		log.push(record);
		return record;
	};

	const optionsOf = (b: Record<string, unknown>) => {
		const limits = isObject(b.limits) ? b.limits : {};
		const n = (v: unknown, d: number) => (typeof v === 'number' && v >= 0 ? v : d);
		return {
			algorithm: (b.algorithm === 'sha256' ? 'sha256' : 'sha1') as Algorithm,
			encoding: (b.encoding === 'hex' ? 'hex' : 'base64') as Encoding,
			retryDelayMs: n(b.retryDelayMs, 1_000),
			limits: { timeoutMs: n(limits.timeoutMs, DELIVERY_TIMEOUT_MS), slowMs: n(limits.slowMs, SLOW_MS), slowWindowMs: n(limits.slowWindowMs, SLOW_WINDOW_MS) },
		};
	};
	const controlBody = (ctx: Ctx): Record<string, unknown> | undefined => {
		try {
			const b = ctx.body.length ? JSON.parse(ctx.body.toString('utf8')) : {};
			return isObject(b) ? b : undefined;
		} catch {
			return undefined;
		}
	};
	const summary = (records: DeliveryRecord[]) => ({
		notifications: records.length,
		delivered: records.filter((r) => r.outcome === 'delivered').length,
		deliveries: records.map(({ body: _b, headers: _h, ...r }) => r),
	});
	const installationFor = (ctx: Ctx, b: Record<string, unknown>): Installation | undefined => {
		const id = typeof b.installationId === 'string' ? b.installationId : state.config.oauth2Client.clientId;
		const inst = installations.get(id);
		if (!inst) sendJson(ctx, 404, { message: `No app installation ${id}` });
		return inst;
	};

	const conversation = async (ctx: Ctx) => {
		const b = controlBody(ctx);
		if (!b) return sendJson(ctx, 400, { message: 'body must be a JSON object' });
		const inst = installationFor(ctx, b);
		if (!inst) return;
		const turns = Number.isInteger(b.turns) && (b.turns as number) > 0 ? (b.turns as number) : 3;
		const notes = scriptedConversation({ brandId: state.config.accountId, turns, conversationId: typeof b.conversationId === 'string' ? b.conversationId : undefined });
		const opts = optionsOf(b);
		const records: DeliveryRecord[] = [];
		for (const n of notes) {
			const r = await deliver(inst, n, opts);
			if (r.outcome !== 'unsubscribed') records.push(r);
		}
		sendJson(ctx, 200, { ...summary(records), scripted: notes.length, enabled: inst.json.enabled !== false });
	};

	const notify = async (ctx: Ctx) => {
		const b = controlBody(ctx);
		if (!b || !isObject(b.notification)) return sendJson(ctx, 400, { message: 'body must be {notification, installationId?, algorithm?, encoding?}' });
		const inst = installationFor(ctx, b);
		if (!inst) return;
		const r = await deliver(inst, b.notification, optionsOf(b));
		sendJson(ctx, 200, { ...summary([r]), enabled: inst.json.enabled !== false });
	};

	const replay = async (ctx: Ctx) => {
		const b = controlBody(ctx) ?? {};
		const count = Number.isInteger(b.count) && (b.count as number) > 0 ? (b.count as number) : 1;
		const again = log.filter((r) => r.outcome === 'delivered').slice(-count);
		const limits = optionsOf(b).limits;
		const records: DeliveryRecord[] = [];
		for (const r of again) {
			const status = await post(r.endpoint, r.body, r.headers, limits.timeoutMs);
			records.push({ ...r, attempts: 1, statuses: [status], durationsMs: [], outcome: status === 200 || status === 201 ? 'delivered' : 'failed' });
		}
		sendJson(ctx, 200, summary(records));
	};

	const base = /^\/api\/account\/([^/]+)\/configuration\/app-install\/installations/;
	const routes: Route[] = [
		{ id: 'appInstall.list', methods: ['GET'], pattern: new RegExp(`${base.source}/?$`), handler: list },
		{ id: 'appInstall.installation', methods: ['GET', 'PUT'], pattern: new RegExp(`${base.source}/([^/]+)$`), handler: one },
		{ id: 'webhooks.conversation', methods: ['POST'], pattern: /^\/sandbox\/webhooks\/conversation$/, handler: conversation },
		{ id: 'webhooks.notify', methods: ['POST'], pattern: /^\/sandbox\/webhooks\/notify$/, handler: notify },
		{ id: 'webhooks.replay', methods: ['POST'], pattern: /^\/sandbox\/webhooks\/replay$/, handler: replay },
		{ id: 'webhooks.deliveries', methods: ['GET'], pattern: /^\/sandbox\/webhooks\/deliveries$/, handler: (ctx) => sendJson(ctx, 200, summary(log)) },
	];
	return { routes, reset: seed };
}
