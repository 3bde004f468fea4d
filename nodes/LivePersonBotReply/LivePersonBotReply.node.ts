/**
 * LivePerson Bot Reply: answers the conversation event that started the workflow (LivePerson Bot
 * Trigger) with bot messages and an action, like n8n's Respond to Webhook answers a Webhook. The
 * answer is built and checked by lib/inbound/tpb/reply.ts and sent once per execution with
 * `sendResponse` (n8n routes it to the waiting request, also from a queue-mode worker). The input
 * items pass through, with the reply sent added as `botReply`.
 */
import { NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';
import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { isLpError } from '../../lib/errors';
import { checkBotReply, type BotReply } from '../../lib/inbound/tpb/reply';
import { jsonObjectField, replyFromFields, type MessageFields, type ReplyFields } from '../../lib/inbound/tpb/reply-fields';
import { toNodeError } from '../shared/errors';

/** The node's fields of item `i`, as plain values for lib (only the fields the chosen action shows). */
function fieldsOf(ctx: IExecuteFunctions, i: number): ReplyFields {
	const p = <T>(name: string, fallback: T) => ctx.getNodeParameter(name, i, fallback) as T;
	const action = p<string>('action', 'none');
	const fields: ReplyFields = {
		messages: ((p<IDataObject>('messages', {}).message ?? []) as IDataObject[]).map((m) => m as MessageFields),
		action,
		intents: (p<IDataObject>('intents', {}).intent ?? []) as ReplyFields['intents'],
	};
	if (action === 'transferSkill') fields.skillName = p('skillName', '');
	else if (action === 'transferAgent') fields.agentId = p('agentId', '');
	else if (action === 'close') fields.withoutPcs = p('withoutPcs', false);
	else if (action === 'changeTtr') {
		fields.ttrType = p('ttrType', 'URGENT');
		if (fields.ttrType === 'CUSTOM') fields.ttrValue = String(p('ttrValue', ''));
	} else if (action === 'invokeFunction') {
		fields.lambdaUuid = p('lambdaUuid', '');
		fields.payload = p('payload', '{}');
		fields.failOnError = p('failOnError', false);
	}
	return fields;
}

// Not offered as an AI tool: it answers the LivePerson call waiting on this execution's trigger.
// eslint-disable-next-line @n8n/community-nodes/node-usable-as-tool -- a webhook reply, not a tool (above)
export class LivePersonBotReply implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'LivePerson Bot Reply',
		name: 'livePersonBotReply',
		icon: { light: 'file:botReply.svg', dark: 'file:botReply.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{ $parameter["mode"] === "json" ? "JSON" : $parameter["action"] }}',
		description: 'Answer the LivePerson conversation event: messages, quick replies, transfer, close…',
		defaults: { name: 'LivePerson Bot Reply' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		properties: [
			{
				displayName: 'Reply With',
				name: 'mode',
				type: 'options',
				default: 'fields',
				options: [
					{ name: 'Fields', value: 'fields', description: 'Messages and an action built from the fields below' },
					{ name: 'JSON', value: 'json', description: 'A whole Custom Endpoint answer {response, analytics}, checked before it is sent' },
				],
			},
			{
				displayName: 'Reply JSON',
				name: 'replyJson',
				type: 'json',
				default: '{\n  "response": [{ "type": "TEXT", "data": { "message": "Hello" } }],\n  "analytics": { "intents": [] }\n}',
				displayOptions: { show: { mode: ['json'] } },
			},
			{
				displayName: 'Messages',
				name: 'messages',
				type: 'fixedCollection',
				typeOptions: { multipleValues: true, sortable: true },
				placeholder: 'Add message',
				default: { message: [{ type: 'text', text: '' }] },
				displayOptions: { show: { mode: ['fields'] } },
				options: [
					{
						name: 'message',
						displayName: 'Message',
						values: [
							{
								displayName: 'Quick Replies',
								name: 'replies',
								type: 'string',
								typeOptions: { rows: 3 },
								default: '',
								description: 'One reply per line (or comma-separated); each is also the text sent back',
								displayOptions: { show: { type: ['quickReplies'] } },
							},
							{ displayName: 'Seconds', name: 'seconds', type: 'number', typeOptions: { minValue: 1 }, default: 1, displayOptions: { show: { type: ['delay'] } } },
							{ displayName: 'Show Typing', name: 'typing', type: 'boolean', default: true, displayOptions: { show: { type: ['delay'] } } },
							{
								displayName: 'Structured Content',
								name: 'structuredContent',
								type: 'json',
								default: '{ "type": "vertical", "elements": [{ "type": "text", "text": "Hello" }] }',
								displayOptions: { show: { type: ['structuredContent'] } },
							},
							{ displayName: 'Text', name: 'text', type: 'string', default: '', displayOptions: { show: { type: ['text', 'privateText', 'quickReplies'] } } },
							{
								displayName: 'Type',
								name: 'type',
								type: 'options',
								default: 'text',
								options: [
									{ name: 'Delay', value: 'delay' },
									{ name: 'Private Text (Agents and Managers Only)', value: 'privateText' },
									{ name: 'Quick Replies', value: 'quickReplies' },
									{ name: 'Structured Content', value: 'structuredContent' },
									{ name: 'Text', value: 'text' },
								],
							},
						],
					},
				],
			},
			{
				displayName: 'Action',
				name: 'action',
				type: 'options',
				default: 'none',
				displayOptions: { show: { mode: ['fields'] } },
				options: [
					{ name: 'Change Time to Response', value: 'changeTtr' },
					{ name: 'Close Conversation', value: 'close' },
					{ name: 'Invoke Function (FaaS)', value: 'invokeFunction' },
					{ name: 'None', value: 'none' },
					{ name: 'Transfer to Agent', value: 'transferAgent' },
					{ name: 'Transfer to Skill', value: 'transferSkill' },
				],
			},
			{ displayName: 'Skill Name', name: 'skillName', type: 'string', default: '', description: 'Case sensitive', displayOptions: { show: { mode: ['fields'], action: ['transferSkill'] } } },
			{ displayName: 'Agent ID', name: 'agentId', type: 'string', default: '', displayOptions: { show: { mode: ['fields'], action: ['transferAgent'] } } },
			{
				displayName: 'Without Post-Conversation Survey',
				name: 'withoutPcs',
				type: 'boolean',
				default: false,
				displayOptions: { show: { mode: ['fields'], action: ['close'] } },
			},
			{
				displayName: 'TTR Type',
				name: 'ttrType',
				type: 'options',
				default: 'URGENT',
				displayOptions: { show: { mode: ['fields'], action: ['changeTtr'] } },
				options: [
					{ name: 'Urgent', value: 'URGENT' },
					{ name: 'Normal', value: 'NORMAL' },
					{ name: 'Prioritized', value: 'PRIORITIZED' },
					{ name: 'Custom', value: 'CUSTOM' },
				],
			},
			{ displayName: 'TTR Value', name: 'ttrValue', type: 'string', default: '', displayOptions: { show: { mode: ['fields'], action: ['changeTtr'], ttrType: ['CUSTOM'] } } },
			{ displayName: 'Function UUID', name: 'lambdaUuid', type: 'string', default: '', displayOptions: { show: { mode: ['fields'], action: ['invokeFunction'] } } },
			{ displayName: 'Payload', name: 'payload', type: 'json', default: '{}', displayOptions: { show: { mode: ['fields'], action: ['invokeFunction'] } } },
			{ displayName: 'Fail On Error', name: 'failOnError', type: 'boolean', default: false, displayOptions: { show: { mode: ['fields'], action: ['invokeFunction'] } } },
			{
				displayName: 'Intents',
				name: 'intents',
				type: 'fixedCollection',
				typeOptions: { multipleValues: true },
				placeholder: 'Add intent',
				default: {},
				description: 'Matched intents, reported to LivePerson\'s bot analytics',
				displayOptions: { show: { mode: ['fields'] } },
				options: [
					{
						name: 'intent',
						displayName: 'Intent',
						values: [
							{ displayName: 'ID', name: 'id', type: 'string', default: '', description: 'No spaces' },
							{ displayName: 'Description', name: 'description', type: 'string', default: '' },
							{ displayName: 'Confidence Score', name: 'confidenceScore', type: 'number', typeOptions: { minValue: 0, maxValue: 1, numberPrecision: 2 }, default: 1 },
						],
					},
				],
			},
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		if (!items.length) return [[]];
		let reply: BotReply;
		try {
			const mode = this.getNodeParameter('mode', 0, 'fields') as string;
			reply = mode === 'json' ? checkBotReply(jsonObjectField(this.getNodeParameter('replyJson', 0, '{}'), 'Reply JSON')) : replyFromFields(fieldsOf(this, 0));
		} catch (error) {
			if (isLpError(error)) {
				throw new NodeOperationError(this.getNode(), `The reply is not a valid LivePerson bot answer: ${error.message}`, {
					description: 'Fix the field named above. Until then LivePerson receives the Bot Trigger\'s fallback (the shapes are those of the Third-Party Bots Custom Endpoint API).',
					itemIndex: 0,
				});
			}
			throw toNodeError(this.getNode(), error, 0);
		}
		this.sendResponse({ body: reply as unknown as IDataObject, headers: { 'content-type': 'application/json; charset=utf-8' }, statusCode: 200 });
		return [items.map((item, index) => ({ json: { ...item.json, botReply: reply as unknown as IDataObject }, pairedItem: { item: index } }))];
	}
}
