import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { collectOffsetPages } from '../../../lib/liveperson/api';
import { buildConversationSearchCall, MI_MAX_LIMIT, MI_SEARCH_CONTENT_TYPES, transcriptOf, type ConversationSearchInput } from '../../../lib/liveperson/messaging-interactions';
import type { LpApiCaller } from '../transport';

const show = { show: { resource: ['messagingInteractions'], operation: ['searchConversations'] } };

export const description: INodeProperties[] = [
	{
		displayName: 'Start From',
		name: 'startFrom',
		type: 'dateTime',
		default: '',
		required: true,
		displayOptions: show,
		description: 'Conversations that started at or after this time (the range may span at most three months; LivePerson rounds it out to 10 minutes, as documented)',
	},
	{
		displayName: 'Start To',
		name: 'startTo',
		type: 'dateTime',
		default: '',
		required: true,
		displayOptions: show,
		description: 'Conversations that started at or before this time',
	},
	{
		displayName: 'Return All',
		name: 'returnAll',
		type: 'boolean',
		default: false,
		displayOptions: show,
		description: 'Whether to return all results or only up to a given limit',
	},
	{
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 50,
		displayOptions: { show: { resource: ['messagingInteractions'], operation: ['searchConversations'], returnAll: [false] } },
		description: 'Max number of results to return',
	},
	{
		displayName: 'Filters',
		name: 'filters',
		type: 'collection',
		placeholder: 'Add Filter',
		default: {},
		displayOptions: show,
		options: [
			{ displayName: 'Agent IDs', name: 'agentIds', type: 'string', default: '', description: 'Comma-separated agent IDs' },
			{
				displayName: 'Content to Retrieve',
				name: 'contentToRetrieve',
				type: 'multiOptions',
				default: [],
				options: MI_SEARCH_CONTENT_TYPES.map((c) => ({ name: c, value: c })),
				description: 'Only these parts of each conversation (empty: the documented defaults)',
			},
			{ displayName: 'Keyword', name: 'keyword', type: 'string', default: '', description: 'A word or phrase in the messages (wrap a phrase in quotes)' },
			{
				displayName: 'Latest Skill IDs',
				name: 'latestSkillIds',
				type: 'string',
				default: '',
				description: 'Comma-separated skill IDs: conversations whose latest skill is one of them',
			},
			{
				displayName: 'Skill IDs',
				name: 'skillIds',
				type: 'string',
				default: '',
				description: 'Comma-separated skill IDs: conversations that were in one of them at any point (transfers included), as LivePerson documents',
			},
			{
				displayName: 'Sort',
				name: 'sort',
				type: 'options',
				default: 'start:desc',
				options: [
					{ name: 'End, Ascending', value: 'end:asc' },
					{ name: 'End, Descending', value: 'end:desc' },
					{ name: 'Start, Ascending', value: 'start:asc' },
					{ name: 'Start, Descending', value: 'start:desc' },
				],
			},
			{
				displayName: 'Status',
				name: 'status',
				type: 'multiOptions',
				default: [],
				options: [
					{ name: 'Open', value: 'OPEN' },
					{ name: 'Closed', value: 'CLOSE' },
				],
			},
		],
	},
	{
		displayName: 'Add Transcript',
		name: 'addTranscript',
		type: 'boolean',
		default: false,
		displayOptions: show,
		description: 'Whether to add a simple transcript (time, sender, text) built from each conversation\'s messageRecords',
	},
];

const list = (text: unknown) => (typeof text === 'string' ? text.split(',').map((s) => s.trim()).filter(Boolean) : []);

export async function execute(this: IExecuteFunctions, i: number, api: LpApiCaller): Promise<INodeExecutionData[]> {
	const filters = this.getNodeParameter('filters', i, {}) as IDataObject;
	const input: ConversationSearchInput = {
		startFrom: this.getNodeParameter('startFrom', i, '') as string,
		startTo: this.getNodeParameter('startTo', i, '') as string,
		status: (filters.status as string[]) ?? [],
		skillIds: list(filters.skillIds),
		latestSkillIds: list(filters.latestSkillIds),
		agentIds: list(filters.agentIds),
		keyword: filters.keyword as string,
		contentToRetrieve: (filters.contentToRetrieve as string[]) ?? [],
		sort: filters.sort as string,
		source: (this.getNodeParameter('options', i, {}) as IDataObject).source as string | undefined,
	};
	const returnAll = this.getNodeParameter('returnAll', i, false) as boolean;
	const max = returnAll ? Number.MAX_SAFE_INTEGER : Math.max(1, Math.floor(this.getNodeParameter('limit', i, 50) as number));
	const addTranscript = this.getNodeParameter('addTranscript', i, false) as boolean;
	const pageSize = Math.min(MI_MAX_LIMIT, max);
	const records = (await collectOffsetPages(async (offset) => (await api(buildConversationSearchCall(input, { offset, limit: pageSize }))).body, {
		limit: pageSize,
		maxRecords: max,
		itemsField: 'conversationHistoryRecords',
	})) as IDataObject[];
	return records.map((record) => ({ json: addTranscript ? { ...record, transcript: transcriptOf(record) as unknown as IDataObject[] } : record, pairedItem: { item: i } }));
}
