/**
 * LivePerson Bot Trigger: n8n as a Third-Party Bots "Custom Endpoint" bot. One node serves every
 * route of one bot id (four n8n webhooks with route parameters, under the node's webhook id):
 *   GET  …/v1/bots/:botId/environments                       answered here (configured environments)
 *   GET  …/v1/bots/:botId/environments/:environment/state    answered here ({state, version})
 *   PUT  …/environments/:environment/conversations/:convId   SDES + context kept in the shared store
 *   POST …/conversations/:convId/events                      starts the workflow with one item; the
 *        answer comes from a LivePerson Bot Reply node (response mode "responseNode"), guarded by
 *        the fallback (lib/inbound/tpb/guard.ts)
 * Every call is verified first (lib/inbound/tpb/auth.ts): a refused call gets 401 and starts nothing.
 * The protocol lives in lib/inbound/tpb; this file turns its verdicts into n8n's answers.
 */
import type { ServerResponse } from 'node:http';
import { NodeConnectionTypes } from 'n8n-workflow';
import type { IDataObject, INodeType, INodeTypeDescription, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';
import { verifyTpbAuthorization } from '../../lib/inbound/tpb/auth';
import { guardBotReply } from '../../lib/inbound/tpb/guard';
import { botReply, closeConversation, text, transferToSkill, type BotReply, type BotResponseItem } from '../../lib/inbound/tpb/reply';
import { parseConversation, parseEvent, parseRouteParams, routeOf, TpbRequestError } from '../../lib/inbound/tpb/request';
import { BotConversationStore, type ConversationKey } from '../../lib/inbound/tpb/store';
import { DEFAULT_CLOCK_TOLERANCE_SEC } from '../../lib/jwt/verify';
import { policyForAllowText } from '../../lib/net/policy';
import { botEndpointConfig, CREDENTIAL_TYPES } from '../shared/credentialConfig';
import { sharedBotStore } from '../shared/botStore';
import { credentialTests } from '../shared/credentialTests';
import { clockToleranceField } from '../shared/properties';

/**
 * Webhook paths. n8n (2.8 to 2.41) serves a path with ":param" segments at
 * /webhook/<node webhookId>/<path> when the description says `isFullPath: true`, stores it under the
 * path alone (its key is method + path) and matches it by webhook id, segment count and the static
 * segments. The bot id is therefore part of the path (two bots never share a stored path), and the one
 * route without a parameter (environments) is a plain path under the webhook id. All four routes then
 * share the base URL /webhook/<webhookId> that is entered in LivePerson.
 */
const botPath = (rest: string) => `={{ "v1/bots/" + $parameter["botId"] + "/environments${rest}" }}`;
function answer(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): IWebhookResponseData {
	if (!res.headersSent) {
		if (body === undefined) {
			res.writeHead(status, { 'content-length': '0', ...headers });
			res.end();
		} else {
			const json = JSON.stringify(body);
			res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(json)), ...headers });
			res.end(json);
		}
	}
	return { noWebhookResponse: true };
}

/** The fallback answer configured on the node. */
export function fallbackReply(action: string, message: string, skill: string): BotReply {
	const items: BotResponseItem[] = message.trim() ? [text(message.trim())] : [];
	if (action === 'transfer') items.push(transferToSkill(skill.trim()));
	else if (action === 'close') items.push(closeConversation());
	else if (!items.length) items.push(text('Sorry, something went wrong.'));
	return botReply(items);
}

// LivePerson's side (the Custom Endpoint vendor of a bot) is configured in LivePerson's Bot Accounts
// UI, not through an API this node could call: there is nothing to create or delete on activation.
// eslint-disable-next-line @n8n/community-nodes/webhook-lifecycle-complete -- see above
export class LivePersonBotTrigger implements INodeType {
	methods = { credentialTest: credentialTests };

	description: INodeTypeDescription = {
		displayName: 'LivePerson Bot Trigger',
		name: 'livePersonBotTrigger',
		icon: { light: 'file:botTrigger.svg', dark: 'file:botTrigger.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{ "Bot " + $parameter["botId"] }}',
		description: 'Run a LivePerson bot in n8n: Third-Party Bots calls this workflow (Custom Endpoint) for each conversation event',
		defaults: { name: 'LivePerson Bot Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'livePersonBotApi', required: true, testedBy: 'livePersonBotApiTest' }],
		webhooks: [
			{ name: 'default', httpMethod: 'POST', responseMode: 'responseNode', isFullPath: true, path: botPath('/:environment/conversations/:convId/events') },
			{ name: 'default', httpMethod: 'PUT', responseMode: 'onReceived', isFullPath: true, path: botPath('/:environment/conversations/:convId') },
			{ name: 'default', httpMethod: 'GET', responseMode: 'onReceived', isFullPath: true, path: botPath('/:environment/state') },
			{ name: 'default', httpMethod: 'GET', responseMode: 'onReceived', isFullPath: false, path: botPath('') },
		],
		properties: [
			{
				displayName:
					'In Third-Party Bots, choose the Custom Endpoint vendor and enter as base URL this workflow\'s production webhook URL up to (not including) "/v1/bots/…", and the Bot ID below. Answer each event with a LivePerson Bot Reply node.',
				name: 'notice',
				type: 'notice',
				default: '',
			},
			{
				displayName: 'Bot ID',
				name: 'botId',
				type: 'string',
				default: '',
				required: true,
				placeholder: 'my-n8n-bot',
				description: 'The bot ID entered in Third-Party Bots (letters, digits and "-", at most 36)',
			},
			{
				displayName: 'Environments',
				name: 'environments',
				type: 'string',
				default: 'draft',
				description: 'Comma-separated environments this bot offers (LivePerson expects at least "draft")',
			},
			{
				displayName: 'Bot State',
				name: 'botState',
				type: 'options',
				default: 'online',
				description: 'What the bot reports to "Test Connection" and at bot start (anything but Online stops the bot)',
				options: [
					{ name: 'Online', value: 'online' },
					{ name: 'Offline', value: 'offline' },
					{ name: 'Maintenance', value: 'maintenance' },
					{ name: 'Error', value: 'error' },
				],
			},
			{ displayName: 'Version', name: 'version', type: 'string', default: '1.0.0', description: 'The bot version reported with the state (semantic version)' },
			{
				displayName: 'Fallback',
				name: 'fallbackAction',
				type: 'options',
				default: 'transfer',
				description: 'What the conversation gets when the workflow fails, answers nothing or answers late',
				options: [
					{ name: 'Transfer to a Skill', value: 'transfer' },
					{ name: 'Send a Message', value: 'text' },
					{ name: 'Close the Conversation', value: 'close' },
				],
			},
			{
				displayName: 'Fallback Skill',
				name: 'fallbackSkill',
				type: 'string',
				default: '',
				required: true,
				displayOptions: { show: { fallbackAction: ['transfer'] } },
				description: 'The skill name (case sensitive) the conversation is transferred to',
			},
			{
				displayName: 'Fallback Message',
				name: 'fallbackMessage',
				type: 'string',
				default: 'Sorry, something went wrong on my side.',
				description: 'Sent before the fallback action (empty: none)',
			},
			{
				displayName: 'Options',
				name: 'options',
				type: 'collection',
				placeholder: 'Add option',
				default: {},
				options: [
					{
						displayName: 'Reply Timeout (Seconds)',
						name: 'replyTimeoutSeconds',
						type: 'number',
						typeOptions: { minValue: 1, maxValue: 58 },
						default: 50,
						description: 'The fallback is sent when the workflow has not answered after this time (LivePerson waits 60 s)',
					},
					{
						displayName: 'Conversation TTL (Hours)',
						name: 'conversationTtlHours',
						type: 'number',
						typeOptions: { minValue: 1, maxValue: 720 },
						default: 24,
						description: 'How long a conversation\'s SDES and context are kept',
					},
					clockToleranceField('clockTolerance'),
				],
			},
		],
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const req = this.getRequestObject();
		const res = this.getResponseObject() as unknown as ServerResponse;
		const options = this.getNodeParameter('options', {}) as IDataObject;

		let cfg: ReturnType<typeof botEndpointConfig>;
		try {
			cfg = botEndpointConfig(await this.getCredentials(CREDENTIAL_TYPES.bot));
		} catch {
			return answer(res, 500, { message: 'The bot is not configured (credential)' });
		}
		const policy = policyForAllowText(cfg.allowedInternalNetworks);
		let verdict: Awaited<ReturnType<typeof verifyTpbAuthorization>>;
		try {
			verdict = await verifyTpbAuthorization(req.headers.authorization, {
				...cfg,
				policy,
				clockToleranceSec: typeof options.clockTolerance === 'number' ? options.clockTolerance : DEFAULT_CLOCK_TOLERANCE_SEC,
			});
		} catch (error) {
			this.logger.warn(`LivePerson Bot Trigger: the Sentinel keys could not be read (${(error as Error).message})`);
			return answer(res, 503, { message: 'The caller cannot be verified right now' }, { 'retry-after': '2' });
		}
		if (!verdict.ok) return answer(res, 401, { message: verdict.message }, { 'www-authenticate': 'Bearer realm="liveperson-bot"' });

		try {
			// The bot id is a literal part of every path (see botPath): only the configured one reaches here.
			const botId = String(this.getNodeParameter('botId', '')).trim();
			const pathParams = { ...(this.getParamsData() as Record<string, unknown>), botId };
			const params = parseRouteParams(pathParams);
			const route = routeOf(req.method ?? '', pathParams);
			const environments = String(this.getNodeParameter('environments', 'draft'))
				.split(',')
				.map((s) => s.trim())
				.filter(Boolean);
			if (route === 'environments') return answer(res, 200, environments);
			if (!params.environment || !environments.includes(params.environment)) return answer(res, 404, { message: 'Environment not found' });
			if (route === 'state') {
				return answer(res, 200, { state: this.getNodeParameter('botState', 'online') as string, version: String(this.getNodeParameter('version', '1.0.0')) });
			}
			const ttlHours = typeof options.conversationTtlHours === 'number' ? options.conversationTtlHours : 24;
			const store = new BotConversationStore(await sharedBotStore(), { conversationTtlMs: ttlHours * 3600_000 });
			const key: ConversationKey = { botId, environment: params.environment, conversationId: params.conversationId as string };
			if (route === 'conversation') {
				const state = parseConversation(req.body);
				await store.saveConversation(key, state);
				return answer(res, 200);
			}
			if (route !== 'event') return answer(res, 405, { message: 'Method not allowed' });

			const event = parseEvent(req.body);
			const fallback = fallbackReply(
				this.getNodeParameter('fallbackAction', 'transfer') as string,
				String(this.getNodeParameter('fallbackMessage', '')),
				String(this.getNodeParameter('fallbackSkill', '')),
			);
			const seq = event.sequence;
			if (seq !== undefined) {
				let first = true;
				try {
					first = await store.claimEvent(key, seq);
				} catch {
					/* store unavailable: run (a retry may then run twice) */
				}
				if (!first) {
					const prior = await store.loadReply(key, seq).catch(() => undefined);
					if (prior) return answer(res, 200, prior);
					return answer(res, 503, { message: 'This event is still being answered' }, { 'retry-after': '2' });
				}
			}
			const conversation = await store.loadConversation(key).catch(() => undefined);
			const timeoutSec = typeof options.replyTimeoutSeconds === 'number' ? options.replyTimeoutSeconds : 50;
			guardBotReply(res, {
				fallback,
				timeoutMs: timeoutSec * 1000,
				onSent: (reply, replaced) => {
					if (replaced) this.logger.warn(`LivePerson Bot Trigger: fallback sent for conversation ${key.conversationId}: ${replaced}`);
					if (seq !== undefined) store.saveReply(key, seq, reply).catch(() => undefined);
				},
			});
			const item: IDataObject = {
				event: event.type,
				...(event.change ? { change: event.change } : {}),
				text: event.text ?? null,
				...(event.content ? { content: event.content as IDataObject } : {}),
				...(event.file ? { file: event.file as IDataObject } : {}),
				conversationId: key.conversationId,
				consumerId: event.consumerId ?? null,
				botId,
				environment: key.environment,
				accountId: verdict.accountId,
				sequence: seq ?? null,
				source: event.source ?? null,
				sdes: (conversation?.sdes ?? {}) as IDataObject,
				context: (conversation?.context ?? null) as IDataObject | null,
				conversationKnown: conversation !== undefined,
				lpEvent: event.lpEvent as IDataObject,
			};
			return { workflowData: [[{ json: item }]] };
		} catch (error) {
			if (error instanceof TpbRequestError) return answer(res, error.status, { message: error.message, field: error.field });
			this.logger.warn(`LivePerson Bot Trigger: ${(error as Error).message}`);
			return answer(res, 500, { message: 'The bot could not handle the request' });
		}
	}
}
