import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import type { CheckVariant, MtlsClient } from '../../../lib/liveperson/mtls-gateway';
import { serviceNameOptions } from './common';

const show = { show: { operation: ['checkMapping'] } };

export const description: INodeProperties[] = [
	{
		displayName: 'API Variant',
		name: 'checkVariant',
		type: 'options',
		default: 'gatewayV2',
		displayOptions: show,
		options: [
			{ name: 'Gateway Mapping Check (V2)', value: 'gatewayV2', description: 'POST /mtls/mapping?v=2 on the mTLS gateway' },
			{ name: 'Gateway Mapping Check (V1)', value: 'gatewayV1', description: 'POST /mtls/mapping?v=1 (older answer shape)' },
			{ name: 'Account URL Mapping Check', value: 'account', description: 'POST /api/account/{accountId}/checks/serviceUrlMappings (newer)' },
		],
		description: 'Which of the documented mapping-check APIs to call',
	},
	{
		displayName: 'Service Name / URL Pairs',
		name: 'pairs',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		default: { pair: [{ serviceName: 'WEBHOOKS', url: '' }] },
		placeholder: 'Add Pair',
		displayOptions: show,
		description: 'The mapping key is account / service name / the whole URL (query included)',
		options: [
			{
				name: 'pair',
				displayName: 'Pair',
				values: [
					{ displayName: 'Service Name', name: 'serviceName', type: 'options', options: serviceNameOptions, default: 'WEBHOOKS' },
					{ displayName: 'URL', name: 'url', type: 'string', default: '', placeholder: 'https://api.example.com/endpoint' },
				],
			},
		],
	},
];

export async function execute(this: IExecuteFunctions, i: number, client: MtlsClient): Promise<IDataObject[]> {
	const variant = this.getNodeParameter('checkVariant', i, 'gatewayV2') as CheckVariant;
	const pairs = (this.getNodeParameter('pairs', i, {}) as { pair?: Array<{ serviceName: string; url: string }> }).pair ?? [];
	const results = await client.checkMappings(pairs, variant);
	return results.map((r) => ({ ...r, variant }));
}
