import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { buildGetConversationCall, MI_CONTENT_TYPES, processGetConversationBody } from '../../../lib/liveperson/messaging-interactions';
import type { LpApiCaller } from '../transport';

const show = { show: { resource: ['messagingInteractions'], operation: ['getConversation'] } };

export const description: INodeProperties[] = [
	{
		displayName: 'Conversation ID',
		name: 'conversationId',
		type: 'string',
		default: '',
		required: true,
		displayOptions: show,
	},
	{
		displayName: 'Content to Retrieve',
		name: 'conversationContent',
		type: 'multiOptions',
		default: [],
		displayOptions: show,
		options: MI_CONTENT_TYPES.map((c) => ({ name: c, value: c })),
		description: 'Only these parts of the conversation (empty: everything the API returns by default)',
	},
];

export async function execute(this: IExecuteFunctions, i: number, api: LpApiCaller): Promise<IDataObject> {
	const conversationId = this.getNodeParameter('conversationId', i, '') as string;
	const result = await api(buildGetConversationCall(conversationId, this.getNodeParameter('conversationContent', i, []) as string[]));
	return processGetConversationBody(result.body, conversationId.trim()) as IDataObject;
}
