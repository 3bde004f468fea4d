import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { inputError } from '../../../lib/errors';
import { collectOffsetPages, LP_API_METHODS } from '../../../lib/liveperson/api';
import { nameValueList, nameValuePairs } from '../../shared/properties';
import type { LpApiCaller } from '../transport';

const show = { show: { resource: ['api'], operation: ['request'] } };
const on = (extra: Record<string, unknown[]>) => ({ show: { resource: ['api'], operation: ['request'], ...extra } });

export const description: INodeProperties[] = [
	{
		displayName: 'Service',
		name: 'service',
		type: 'string',
		default: '',
		required: true,
		displayOptions: show,
		placeholder: 'msgHist',
		description:
			'The CSDS service name of the API (case sensitive), e.g. msgHist (Messaging Interactions), leDataReporting (Messaging Operations), accountConfigReadOnly (Account Configuration), engHistDomain (Engagement History). The host is looked up through CSDS.',
	},
	{
		displayName: 'Method',
		name: 'method',
		type: 'options',
		default: 'GET',
		displayOptions: show,
		options: LP_API_METHODS.map((m) => ({ name: m, value: m })),
	},
	{
		displayName: 'Path',
		name: 'path',
		type: 'string',
		default: '',
		required: true,
		displayOptions: show,
		placeholder: '/api/account/{accountId}/configuration/le-users/skills',
		description: 'The path on the service host; {accountId} is replaced by the account ID',
	},
	{ displayName: 'Send Query Parameters', name: 'sendQuery', type: 'boolean', default: false, noDataExpression: true, displayOptions: show },
	nameValueList({ displayName: 'Query Parameters', name: 'queryParameters', itemName: 'Parameter', placeholder: 'Add Parameter', displayOptions: on({ sendQuery: [true] }) }),
	{ displayName: 'Send Headers', name: 'sendHeaders', type: 'boolean', default: false, noDataExpression: true, displayOptions: show },
	nameValueList({ displayName: 'Header Parameters', name: 'headerParameters', itemName: 'Header', placeholder: 'Add Header', displayOptions: on({ sendHeaders: [true] }) }),
	{ displayName: 'Send Body', name: 'sendBody', type: 'boolean', default: false, noDataExpression: true, displayOptions: show },
	{
		displayName: 'Body Content Type',
		name: 'bodyContentType',
		type: 'options',
		default: 'json',
		displayOptions: on({ sendBody: [true] }),
		options: [
			{ name: 'JSON', value: 'json' },
			{ name: 'Raw', value: 'raw' },
		],
	},
	{ displayName: 'JSON Body', name: 'jsonBody', type: 'json', default: '{}', displayOptions: on({ sendBody: [true], bodyContentType: ['json'] }) },
	{ displayName: 'Content Type', name: 'rawContentType', type: 'string', default: 'text/plain', displayOptions: on({ sendBody: [true], bodyContentType: ['raw'] }) },
	{ displayName: 'Body', name: 'rawBody', type: 'string', typeOptions: { rows: 4 }, default: '', displayOptions: on({ sendBody: [true], bodyContentType: ['raw'] }) },
	{
		displayName: 'Pagination (Offset / Limit)',
		name: 'paginate',
		type: 'boolean',
		default: false,
		displayOptions: show,
		description: 'Whether to follow offset/limit paging (as LivePerson list APIs page): the request is repeated with offset increased until the last page; one output item per record',
	},
	{
		displayName: 'Items Field',
		name: 'itemsField',
		type: 'string',
		default: '',
		displayOptions: on({ paginate: [true] }),
		placeholder: 'conversationHistoryRecords',
		description: 'The list in the answer that holds the records (empty: the first list); _metadata.count gives the total when present',
	},
	{
		displayName: 'Page Size',
		name: 'pageSize',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 1000 },
		default: 50,
		displayOptions: on({ paginate: [true] }),
		description: 'The limit query parameter per page (Messaging Interactions: at most 100)',
	},
	{
		displayName: 'Max Records',
		name: 'maxRecords',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 1000,
		displayOptions: on({ paginate: [true] }),
		description: 'Stop after this many records',
	},
];

function bodyOf(this: IExecuteFunctions, i: number, method: string): { body?: string; contentType?: string } {
	if (!this.getNodeParameter('sendBody', i, false) || method === 'GET' || method === 'HEAD') return {};
	if (this.getNodeParameter('bodyContentType', i, 'json') === 'raw') {
		return { body: this.getNodeParameter('rawBody', i, '') as string, contentType: (this.getNodeParameter('rawContentType', i, 'text/plain') as string) || 'text/plain' };
	}
	const raw = this.getNodeParameter('jsonBody', i, '{}') as unknown;
	if (typeof raw !== 'string') return { body: JSON.stringify(raw), contentType: 'application/json' };
	try {
		JSON.parse(raw);
	} catch {
		throw inputError('jsonBody', 'JSON Body is not valid JSON', undefined, 'LP_API_JSON_BODY');
	}
	return { body: raw, contentType: 'application/json' };
}

export async function execute(this: IExecuteFunctions, i: number, api: LpApiCaller, options: { fullResponse?: boolean; neverError?: boolean }): Promise<INodeExecutionData[] | IDataObject> {
	const method = (this.getNodeParameter('method', i, 'GET') as string).toUpperCase();
	const query: Record<string, string[]> = {};
	if (this.getNodeParameter('sendQuery', i, false)) {
		for (const { name, value } of nameValuePairs(this.getNodeParameter('queryParameters', i, {}))) if (name) (query[name] ??= []).push(value);
	}
	const headers: Record<string, string> = {};
	if (this.getNodeParameter('sendHeaders', i, false)) {
		for (const { name, value } of nameValuePairs(this.getNodeParameter('headerParameters', i, {}))) if (name) headers[name] = value;
	}
	const { body, contentType } = bodyOf.call(this, i, method);
	if (contentType && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = contentType;
	const call = { service: this.getNodeParameter('service', i, '') as string, method, path: this.getNodeParameter('path', i, '') as string, query, headers, body };

	if (!this.getNodeParameter('paginate', i, false)) {
		const result = await api(call, { neverError: options.neverError });
		if (options.fullResponse) return { statusCode: result.statusCode, headers: result.headers, body: result.body as IDataObject };
		if (typeof result.body === 'object' && result.body !== null && !Array.isArray(result.body)) return result.body as IDataObject;
		return { data: result.body as IDataObject };
	}
	const itemsField = (this.getNodeParameter('itemsField', i, '') as string).trim() || undefined;
	const limit = Math.max(1, Math.floor(this.getNodeParameter('pageSize', i, 50) as number));
	const maxRecords = Math.max(1, Math.floor(this.getNodeParameter('maxRecords', i, 1000) as number));
	const records = await collectOffsetPages(async (offset) => (await api({ ...call, query: { ...query, offset: [String(offset)], limit: [String(limit)] } })).body, {
		limit,
		maxRecords,
		itemsField,
		startOffset: Number(query.offset?.[0] ?? 0) || 0,
	});
	return records.map((record) => ({ json: (typeof record === 'object' && record !== null && !Array.isArray(record) ? record : { data: record }) as IDataObject, pairedItem: { item: i } }));
}
