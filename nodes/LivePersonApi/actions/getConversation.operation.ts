import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { buildGetConversationCall, conversationIdsOf, MI_GET_CONTENT_TYPES, processGetConversationBody, type GetConversationInput } from '../../../lib/liveperson/messaging-interactions';
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
		description: 'One conversation ID, or up to 100 separated by commas (sent as conversationIds, as documented); one output item per conversation found',
	},
	{
		displayName: 'Content to Retrieve',
		name: 'conversationContent',
		type: 'multiOptions',
		default: [],
		displayOptions: show,
		// The get-by-ID page's own list (it has five values the search does not).
		options: MI_GET_CONTENT_TYPES.map((c) => ({ name: c, value: c })),
		description: 'Only these parts of the conversation (empty: everything the API returns by default)',
	},
];

export async function execute(this: IExecuteFunctions, i: number, api: LpApiCaller): Promise<INodeExecutionData[]> {
	const input: GetConversationInput = {
		conversationId: this.getNodeParameter('conversationId', i, ''),
		contentToRetrieve: this.getNodeParameter('conversationContent', i, []) as string[],
		source: (this.getNodeParameter('options', i, {}) as IDataObject).source as string | undefined,
	};
	const result = await api(buildGetConversationCall(input));
	return processGetConversationBody(result.body, conversationIdsOf(input)).map((record) => ({ json: record as IDataObject, pairedItem: { item: i } }));
}
