import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { inputError } from '../../../lib/errors';
import type { CcsV1Operation, OrchestratorClient } from '../../../lib/liveperson/orchestrator';

const V1_WITH_NAMESPACE_LIST = ['v1DeleteNamespace', 'v1SetProperties', 'v1SetProperty', 'v1GetProperties', 'v1DeleteProperties', 'v1ListSessionIds', 'v1ListSessionProperties', 'v1SetSessionTtl'];
const V2 = ['v2Create', 'v2Get', 'v2GetProperties', 'v2Delete'];
const WITH_SESSION = ['v1SetProperties', 'v1SetProperty', 'v1GetProperties', 'v1DeleteProperties', 'v1SetSessionTtl', ...V2];
const on = (ops: string[]) => ({ show: { resource: ['contextService'], operation: ops } });

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		default: 'v2Get',
		displayOptions: { show: { resource: ['contextService'] } },
		options: [
			{ name: 'V1: Create Namespace', value: 'v1CreateNamespace', action: 'Create a namespace v1', description: 'POST /v1/account/{accountId}' },
			{ name: 'V1: Delete Namespace', value: 'v1DeleteNamespace', action: 'Delete a namespace v1' },
			{ name: 'V1: Delete Properties', value: 'v1DeleteProperties', action: 'Delete properties v1', description: 'Delete one property, or every property of a session' },
			{ name: 'V1: Get Properties', value: 'v1GetProperties', action: 'Get properties v1', description: 'All properties, or one, of the namespace or a session' },
			{ name: 'V1: List Namespaces', value: 'v1ListNamespaces', action: 'List namespaces v1' },
			{ name: 'V1: List Session IDs', value: 'v1ListSessionIds', action: 'List session identifiers v1' },
			{ name: 'V1: List Session Properties', value: 'v1ListSessionProperties', action: 'List session properties v1' },
			{ name: 'V1: Set Properties', value: 'v1SetProperties', action: 'Set properties v1', description: 'Merge a JSON object into the namespace or a session (PATCH)' },
			{ name: 'V1: Set Property', value: 'v1SetProperty', action: 'Set one property v1', description: 'Replace one property (PUT)' },
			{ name: 'V1: Set Session TTL', value: 'v1SetSessionTtl', action: 'Set the time to live of a session v1' },
			{ name: 'V2: Create or Update Document', value: 'v2Create', action: 'Create or update a document v2', description: 'POST /v2/context/document/create' },
			{ name: 'V2: Delete Document or Properties', value: 'v2Delete', action: 'Delete a document or properties v2' },
			{ name: 'V2: Get Document', value: 'v2Get', action: 'Get a document v2' },
			{ name: 'V2: Get Properties', value: 'v2GetProperties', action: 'Get properties of a document v2' },
		],
	},
	{
		displayName: 'Namespace Name or ID',
		name: 'namespace',
		type: 'options',
		typeOptions: { loadOptionsMethod: 'getNamespaces', loadOptionsDependsOn: ['accountId'] },
		default: '',
		required: true,
		displayOptions: on(V1_WITH_NAMESPACE_LIST),
		description:
			'Letters, digits and underscore only. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
	},
	{
		displayName: 'Namespace',
		name: 'namespaceName',
		type: 'string',
		default: '',
		required: true,
		displayOptions: on(['v1CreateNamespace', ...V2]),
		description: 'Letters, digits and underscore only ([A-Za-z0-9_])',
	},
	{
		displayName: 'Session ID',
		name: 'sessionId',
		type: 'string',
		default: '',
		displayOptions: on(WITH_SESSION),
		description: 'Leave empty for the namespace level (v2 uses the "__default__" session then); required to set a session TTL',
	},
	{
		displayName: 'Properties (JSON)',
		name: 'properties',
		type: 'json',
		default: '{}',
		required: true,
		displayOptions: on(['v1SetProperties']),
		description: 'The properties to merge, e.g. {"intent": "billing"}',
	},
	{
		displayName: 'Property',
		name: 'property',
		type: 'string',
		default: '',
		required: true,
		displayOptions: on(['v1SetProperty']),
	},
	{
		displayName: 'Property',
		name: 'property',
		type: 'string',
		default: '',
		displayOptions: on(['v1GetProperties', 'v1DeleteProperties']),
		description: 'Leave empty for all properties (a session is then required to delete)',
	},
	{
		displayName: 'Value (JSON)',
		name: 'value',
		type: 'json',
		default: '""',
		displayOptions: on(['v1SetProperty']),
		description: 'The new value as JSON: a string in quotes, a number, an object, …',
	},
	{
		displayName: 'Payload (JSON)',
		name: 'payload',
		type: 'json',
		default: '{}',
		required: true,
		displayOptions: on(['v2Create']),
		description: 'The document properties; an existing document is merged with them',
	},
	{
		displayName: 'TTL (Seconds)',
		name: 'ttlSeconds',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 86400,
		required: true,
		displayOptions: on(['v2Create', 'v1SetSessionTtl']),
		description: 'Time to live; the documented maximum retention is 13 months',
	},
	{
		displayName: 'TTL (Seconds)',
		name: 'ttlSeconds',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 0,
		displayOptions: on(['v1CreateNamespace']),
		description: 'Time to live of the namespace\'s data (0 = none)',
	},
	{
		displayName: 'Properties to Get',
		name: 'filter',
		type: 'string',
		default: '',
		required: true,
		displayOptions: on(['v2GetProperties']),
		placeholder: 'intent, customer.tier',
		description: 'Comma-separated property names; the namespace prefix ("ns.") is added when missing',
	},
	{
		displayName: 'Properties to Delete',
		name: 'propertiesToDelete',
		type: 'string',
		default: '',
		displayOptions: on(['v2Delete']),
		description: 'Comma-separated property names; leave empty to delete the whole document',
	},
	{
		displayName: 'Page',
		name: 'page',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 0,
		displayOptions: on(['v1ListSessionIds', 'v1ListSessionProperties']),
	},
	{
		displayName: 'Per Page',
		name: 'perPage',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 1000 },
		default: 100,
		displayOptions: on(['v1ListSessionIds', 'v1ListSessionProperties']),
	},
];

function jsonParam(this: IExecuteFunctions, name: string, i: number): unknown {
	const raw = this.getNodeParameter(name, i) as unknown;
	if (typeof raw !== 'string') return raw;
	try {
		return JSON.parse(raw);
	} catch {
		throw inputError(name, `${name} is not valid JSON`, undefined, 'CCS_JSON');
	}
}

const list = (text: string) =>
	text
		.split(',')
		.map((s) => s.trim())
		.filter(Boolean);

export async function execute(this: IExecuteFunctions, i: number, client: OrchestratorClient, operation: string): Promise<IDataObject | IDataObject[]> {
	const accountId = this.getNodeParameter('accountId', i) as string;
	const p = <T>(name: string, fallback: T) => this.getNodeParameter(name, i, fallback) as T;
	if (operation.startsWith('v2')) {
		const namespace = p('namespaceName', '');
		const sessionId = p('sessionId', '') || undefined;
		let result: unknown;
		switch (operation) {
			case 'v2Create':
				result = await client.ccsV2({ op: 'create', accountId, namespace, sessionId, ttlSeconds: p('ttlSeconds', 0), payload: jsonParam.call(this, 'payload', i) as Record<string, unknown> });
				break;
			case 'v2Get':
				result = await client.ccsV2({ op: 'get', accountId, namespace, sessionId });
				break;
			case 'v2GetProperties':
				result = await client.ccsV2({ op: 'getProperties', accountId, namespace, sessionId, filter: list(p('filter', '')) });
				break;
			case 'v2Delete':
				result = await client.ccsV2({ op: 'delete', accountId, namespace, sessionId, properties: list(p('propertiesToDelete', '')) });
				break;
			default:
				throw inputError('operation', `Operation "${operation}" is not supported`);
		}
		return shape(result);
	}

	const ns = operation === 'v1CreateNamespace' ? p('namespaceName', '') : p('namespace', '');
	const sessionId = p('sessionId', '') || undefined;
	let op: CcsV1Operation;
	switch (operation) {
		case 'v1ListNamespaces':
			op = { op: 'listNamespaces' };
			break;
		case 'v1CreateNamespace':
			op = { op: 'createNamespace', namespace: ns, ttlSeconds: p('ttlSeconds', 0) || undefined };
			break;
		case 'v1DeleteNamespace':
			op = { op: 'deleteNamespace', namespace: ns };
			break;
		case 'v1SetProperties':
			op = { op: 'setProperties', namespace: ns, sessionId, properties: jsonParam.call(this, 'properties', i) as Record<string, unknown> };
			break;
		case 'v1SetProperty':
			op = { op: 'setProperty', namespace: ns, sessionId, property: p('property', ''), value: jsonParam.call(this, 'value', i) };
			break;
		case 'v1GetProperties':
			op = { op: 'getProperties', namespace: ns, sessionId, property: p('property', '') || undefined };
			break;
		case 'v1DeleteProperties':
			op = { op: 'deleteProperties', namespace: ns, sessionId, property: p('property', '') || undefined };
			break;
		case 'v1ListSessionIds':
			op = { op: 'listSessionIds', namespace: ns, page: p('page', 0), perPage: p('perPage', 100) };
			break;
		case 'v1ListSessionProperties':
			op = { op: 'listSessionProperties', namespace: ns, page: p('page', 0), perPage: p('perPage', 100) };
			break;
		case 'v1SetSessionTtl':
			op = { op: 'setSessionTtl', namespace: ns, sessionId: sessionId ?? '', ttlSeconds: p('ttlSeconds', 0) };
			break;
		default:
			throw inputError('operation', `Operation "${operation}" is not supported`);
	}
	const result = await client.ccsV1(op, accountId);
	if (op.op === 'getProperties' && op.property) return { namespace: ns, ...(sessionId ? { sessionId } : {}), property: op.property, value: result as IDataObject };
	if (op.op === 'listSessionIds' && Array.isArray(result)) return result.map((sessionIdValue) => ({ sessionId: sessionIdValue as string }));
	return shape(result);
}

/** Lists become one item per entry; objects stay one item; anything else is wrapped. */
function shape(result: unknown): IDataObject | IDataObject[] {
	if (Array.isArray(result)) return result.map((r) => (typeof r === 'object' && r !== null ? (r as IDataObject) : { value: r as IDataObject }));
	if (typeof result === 'object' && result !== null) return result as IDataObject;
	return { value: result as IDataObject };
}
