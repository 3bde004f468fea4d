/**
 * LivePerson Trigger: LivePerson's webhooks of an app installation call n8n (Connector API → Webhooks,
 * developers.liveperson.com/connector-api-webhooks-notification-protocol.html).
 *
 * Thin adapter (see lib/inbound/webhooks): every call is verified on its RAW bytes before anything
 * runs (HMAC with the installation's client secret, constant time, account and client ids), a refused
 * call gets 401 (413 over 10 MB) and starts nothing; a good call is answered 200 at once (responseMode
 * onReceived: LivePerson's 5 s delivery limit never waits for the workflow) and the workflow runs with
 * one item per event; a redelivered event (same dialog + sequence, or same conversation change) starts
 * nothing, also across queue-mode processes (the package's shared store, nodes/shared/tokenStore.ts).
 *
 * Raw body: n8n's body parser keeps the bytes it parsed in `req.rawBody` (n8n 2.8.4 and 2.41.3:
 * packages/cli middlewares/body-parser `rawBodyReader` + `parseBody`, called for every webhook of a
 * version-1 node); when absent, `req.readRawBody()` reads them. The signature is never checked on a
 * re-serialized JSON.
 *
 * Subscription (optional, webhookMethods): on activation the production URL is registered for the
 * chosen events in the installation's `capabilities.webhooks` (through the account credential and the
 * pipeline, lib/inbound/webhooks/subscription.ts); on deactivation exactly what was added is removed.
 */
import { NodeConnectionTypes } from 'n8n-workflow';
import type {
	IDataObject,
	IHookFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';
import { MemoryTokenStore } from '../../lib/auth/store/memory';
import { tokenCache } from '../../lib/auth/token-cache';
import {
	checkMaxRetries,
	DEFAULT_DEDUP_WINDOW_MS,
	firstDeliveries,
	MAX_WEBHOOK_BODY_BYTES,
	parseNotification,
	registerWebhooks,
	selectEvents,
	subscriptionExists,
	unregisterWebhooks,
	verifyWebhookCall,
	WEBHOOK_EVENT_TYPES,
	type AppInstallTarget,
	type WebhookEvent,
} from '../../lib/inbound/webhooks';
import { accountConfig, appInstallationConfig, CREDENTIAL_TYPES } from '../shared/credentialConfig';
import { toNodeError } from '../shared/errors';
import { credentialTests } from '../shared/credentialTests';
import { ensureSharedTokenStore } from '../shared/tokenStore';

/** This process's dedup leases (no queue mode, or the shared store failing). */
const processLeases = new MemoryTokenStore();

const EVENT_LABELS: Record<(typeof WEBHOOK_EVENT_TYPES)[number], { name: string; description: string }> = {
	'ms.MessagingEventNotification.ContentEvent': { name: 'Message (Content Event)', description: 'A consumer, agent or bot sent a text or file message' },
	'ms.MessagingEventNotification.RichContentEvent': { name: 'Rich Content Message', description: 'Structured content (cards, buttons, …) was sent' },
	'ms.MessagingEventNotification.AcceptStatusEvent': { name: 'Accept Status (Delivered / Read)', description: 'Messages were accepted, read or actioned' },
	'ms.MessagingEventNotification.ChatStateEvent': { name: 'Chat State (Typing)', description: 'A participant is typing, paused, …' },
	'cqm.ExConversationChangeNotification': { name: 'Conversation Change', description: 'A conversation opened, was assigned, transferred or closed' },
};

interface SubscriptionData {
	installationId?: string;
	/** event → the endpoint this node added (only these are removed on deactivation). */
	added?: Record<string, string>;
}

function chosenEvents(ctx: IHookFunctions | IWebhookFunctions): string[] {
	return (ctx.getNodeParameter('events', []) as string[]).filter((e) => typeof e === 'string' && e);
}

async function subscriptionTarget(ctx: IHookFunctions): Promise<AppInstallTarget> {
	const app = appInstallationConfig(await ctx.getCredentials(CREDENTIAL_TYPES.appInstallation));
	const creds = accountConfig(await ctx.getCredentials(CREDENTIAL_TYPES.account));
	const installationId = String(ctx.getNodeParameter('options.installationId', '') || '').trim() || app.clientId;
	return { creds, installationId, send: { accountId: app.accountId || creds.accountId } };
}

function manages(ctx: IHookFunctions): boolean {
	return ctx.getNodeParameter('manageSubscription', true) === true;
}

function productionUrl(ctx: IHookFunctions): string {
	const url = ctx.getNodeWebhookUrl('default');
	if (!url) throw toNodeError(ctx.getNode(), new Error('n8n gave no webhook URL'));
	return url;
}

function eventItem(event: WebhookEvent, accountId: string, notificationType: string, notification: unknown): INodeExecutionData {
	const json: IDataObject = {
		eventType: event.eventType,
		conversationId: event.conversationId ?? null,
		dialogId: event.dialogId ?? null,
		changeType: event.changeType ?? null,
		state: event.state ?? null,
		message: event.message ?? null,
		contentType: event.contentType ?? null,
		sequence: event.sequence ?? null,
		participant: (event.participant ?? null) as IDataObject | null,
		participants: (event.participants ?? []) as IDataObject[],
		timestamp: event.timestamp ?? null,
		accountId,
		notificationType,
		change: event.change as IDataObject,
		notification: notification as IDataObject,
	};
	return { json };
}

export class LivePersonTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'LivePerson Trigger',
		name: 'livePersonTrigger',
		icon: { light: 'file:livePersonTrigger.svg', dark: 'file:livePersonTrigger.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{ $parameter["events"].length }} event type(s)',
		description: 'Starts the workflow when LivePerson sends a signed webhook of your app installation (messages, conversation changes, …)',
		defaults: { name: 'LivePerson Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			{ name: 'livePersonAppInstallationApi', required: true, testedBy: 'livePersonAppInstallationApiTest' },
			{ name: 'livePersonAccountApi', required: true, testedBy: 'livePersonAccountApiTest', displayOptions: { show: { manageSubscription: [true] } } },
		],
		webhooks: [{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', path: 'liveperson' }],
		properties: [
			{
				displayName: 'Events',
				name: 'events',
				type: 'multiOptions',
				required: true,
				default: ['ms.MessagingEventNotification.ContentEvent'],
				options: WEBHOOK_EVENT_TYPES.map((value) => ({ name: EVENT_LABELS[value].name, value, description: `${EVENT_LABELS[value].description} (${value})` })),
				description: 'The webhook event types that start the workflow (the keys of the installation\'s capabilities.webhooks)',
			},
			{
				displayName: 'Manage Subscription',
				name: 'manageSubscription',
				type: 'boolean',
				default: true,
				description:
					'Whether to register this workflow\'s production URL for the chosen events in the app installation when the workflow is activated, and remove it when deactivated (needs a LivePerson Account credential allowed to edit app installations). Off: register the URL yourself.',
			},
			{
				displayName: 'Max Retries',
				name: 'maxRetries',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: 5 },
				default: 3,
				displayOptions: { show: { manageSubscription: [true] } },
				description: 'How often LivePerson retries a failed delivery (0–5, the installation\'s max_retries). Redeliveries start the workflow only once.',
			},
			{
				displayName: 'Options',
				name: 'options',
				type: 'collection',
				placeholder: 'Add Option',
				default: {},
				options: [
					{
						displayName: 'Deduplication Window (Minutes)',
						name: 'dedupWindowMinutes',
						type: 'number',
						typeOptions: { minValue: 1 },
						default: 60,
						description: 'How long an event is remembered: a redelivery within this time does not start the workflow again',
					},
					{
						displayName: 'Installation ID',
						name: 'installationId',
						type: 'string',
						default: '',
						description: 'The app installation to subscribe in. Empty: the credential\'s client ID (LivePerson uses the client_id as installation ID).',
					},
				],
			},
		],
	};

	methods = { credentialTest: credentialTests };

	webhookMethods = {
		default: {
			async checkExists(this: IHookFunctions): Promise<boolean> {
				if (!manages(this)) return true;
				try {
					return await subscriptionExists(await subscriptionTarget(this), productionUrl(this), chosenEvents(this));
				} catch (error) {
					throw toNodeError(this.getNode(), error);
				}
			},
			async create(this: IHookFunctions): Promise<boolean> {
				if (!manages(this)) return true;
				try {
					const target = await subscriptionTarget(this);
					const url = productionUrl(this);
					const plan = await registerWebhooks(target, url, chosenEvents(this), checkMaxRetries(this.getNodeParameter('maxRetries', 3)));
					const data = this.getWorkflowStaticData('node') as SubscriptionData;
					const added = data.installationId === target.installationId ? { ...(data.added ?? {}) } : {};
					for (const event of plan.added) added[event] = url;
					data.installationId = target.installationId;
					data.added = added;
					return true;
				} catch (error) {
					throw toNodeError(this.getNode(), error);
				}
			},
			async delete(this: IHookFunctions): Promise<boolean> {
				if (!manages(this)) return true;
				const data = this.getWorkflowStaticData('node') as SubscriptionData;
				if (!data.added || !Object.keys(data.added).length) return true;
				try {
					const target = await subscriptionTarget(this);
					if (data.installationId) target.installationId = data.installationId;
					await unregisterWebhooks(target, data.added);
					delete data.added;
					delete data.installationId;
					return true;
				} catch (error) {
					// Kept in the static data: the next deactivation tries again.
					this.logger.warn(`LivePerson Trigger: the webhook subscription could not be removed (${toNodeError(this.getNode(), error).message})`);
					return false;
				}
			},
		},
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const req = this.getRequestObject();
		const res = this.getResponseObject();
		const refuse = (status: number, error: string): IWebhookResponseData => {
			res.status(status).json({ error });
			return { noWebhookResponse: true };
		};
		const declared = Number(req.headers['content-length']);
		const contentLength = Number.isFinite(declared) ? declared : undefined;
		if (contentLength !== undefined && contentLength > MAX_WEBHOOK_BODY_BYTES) {
			this.logger.warn('LivePerson Trigger: call refused (body_too_large)');
			return refuse(413, 'payload too large');
		}
		if (!req.rawBody && typeof req.readRawBody === 'function') {
			try {
				await req.readRawBody();
			} catch {
				return refuse(413, 'payload too large');
			}
		}
		const raw = Buffer.isBuffer(req.rawBody) ? req.rawBody : undefined;
		const config = appInstallationConfig(await this.getCredentials(CREDENTIAL_TYPES.appInstallation));
		// No raw bytes: nothing can be verified, so nothing runs (fail closed).
		const verdict = raw ? verifyWebhookCall(config, req.headers, raw, contentLength) : ({ ok: false, reason: 'missing_body', message: '' } as const);
		if (!verdict.ok) {
			this.logger.warn(`LivePerson Trigger: call refused (${verdict.reason})`);
			return refuse(verdict.reason === 'body_too_large' ? 413 : 401, 'unauthorized');
		}
		let notification;
		try {
			notification = parseNotification(raw!);
		} catch {
			return refuse(400, 'not a LivePerson notification');
		}
		const events = selectEvents(notification.events, chosenEvents(this));
		if (!events.length) return { webhookResponse: { received: 0 } };

		await ensureSharedTokenStore(this.logger);
		const minutes = Number((this.getNodeParameter('options', {}) as IDataObject).dedupWindowMinutes);
		const node = this.getNode();
		const dedup = await firstDeliveries(events, {
			store: tokenCache.currentStore() ?? processLeases,
			fallback: processLeases,
			scope: `${config.accountId}|${config.clientId}|${this.getWorkflow().id ?? ''}|${node.id ?? node.name}`,
			windowMs: minutes > 0 ? minutes * 60_000 : DEFAULT_DEDUP_WINDOW_MS,
		});
		if (dedup.storeFailed) this.logger.warn('LivePerson Trigger: the shared store failed; redeliveries are recognised in this process only for now');
		if (!dedup.fresh.length) return { webhookResponse: { received: 0, duplicates: dedup.duplicates.length } };
		return {
			webhookResponse: { received: dedup.fresh.length, duplicates: dedup.duplicates.length },
			workflowData: [dedup.fresh.map((e) => eventItem(e, config.accountId, notification.type, notification.raw))],
		};
	}
}
