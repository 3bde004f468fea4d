import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import type { OrchestratorClient } from '../../../lib/liveperson/orchestrator';

const on = (ops: string[]) => ({ show: { resource: ['nextActions'], operation: ops } });

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		default: 'v2Get',
		displayOptions: { show: { resource: ['nextActions'] } },
		options: [
			{ name: 'V1: Get Next Actions', value: 'v1Get', action: 'Get next actions v1', description: 'GET /v1/account/{accountId}/next-actions (API key)' },
			{ name: 'V2: Get Next Actions', value: 'v2Get', action: 'Get next actions v2', description: 'POST /v2/policy/nextaction (access token)' },
		],
	},
	{ displayName: 'Conversation ID', name: 'conversationId', type: 'string', default: '', displayOptions: on(['v1Get', 'v2Get']) },
	{ displayName: 'Consumer ID', name: 'consumerId', type: 'string', default: '', displayOptions: on(['v1Get']) },
	{ displayName: 'Group ID', name: 'groupId', type: 'string', default: '', displayOptions: on(['v1Get']) },
	{
		displayName: 'Additional Fields',
		name: 'additionalFields',
		type: 'collection',
		placeholder: 'Add Field',
		default: {},
		displayOptions: on(['v2Get']),
		options: [
			{ displayName: 'Customer ID', name: 'customerId', type: 'string', default: '' },
			{
				displayName: 'LivePerson Token',
				name: 'lpToken',
				type: 'string',
				typeOptions: { password: true },
				default: '',
				description: 'A LivePerson bearer for policies that call LivePerson APIs ("Bearer " is added when missing)',
			},
			{ displayName: 'Policy ID', name: 'policyId', type: 'string', default: '' },
			{ displayName: 'Session ID', name: 'sessionId', type: 'string', default: '' },
		],
	},
];

export async function execute(this: IExecuteFunctions, i: number, client: OrchestratorClient, operation: string): Promise<IDataObject | IDataObject[]> {
	const accountId = this.getNodeParameter('accountId', i) as string;
	const conversationId = this.getNodeParameter('conversationId', i, '') as string;
	if (operation === 'v1Get') {
		const result = await client.nextActionsV1({
			accountId,
			conversationId,
			consumerId: this.getNodeParameter('consumerId', i, '') as string,
			groupId: this.getNodeParameter('groupId', i, '') as string,
		});
		return result as IDataObject;
	}
	const extra = this.getNodeParameter('additionalFields', i, {}) as { customerId?: string; lpToken?: string; policyId?: string; sessionId?: string };
	const actions = await client.nextActionsV2({ accountId, conversationId, ...extra });
	// One item with the list: an empty list (no matching policy) still gives an item to branch on.
	return { accountId, ...(conversationId ? { conversationId } : {}), actions: actions as IDataObject[] };
}
