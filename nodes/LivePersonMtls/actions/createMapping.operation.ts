import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import type { CreateMappingVariant, MtlsClient } from '../../../lib/liveperson/mtls-gateway';

const show = { show: { operation: ['createMapping'] } };

export const description: INodeProperties[] = [
	{
		displayName: 'API Variant',
		name: 'mappingVariant',
		type: 'options',
		default: 'configuration',
		displayOptions: show,
		options: [
			{ name: 'Account Configuration (Ac-Common v3.0)', value: 'configuration', description: 'POST on the accountConfigReadWrite domain (bearer or OAuth1)' },
			{ name: 'Activate Certificate (Gateway)', value: 'activate', description: 'Newer self-service gateway method; documented as OAuth 2 only (a Sentinel app token: the credential needs OAuth 2.0 client credentials)' },
		],
		description: 'Which documented API creates the mapping',
	},
	{
		displayName: 'Certificate ID',
		name: 'certificateId',
		type: 'string',
		default: '',
		required: true,
		displayOptions: show,
		description: 'The numeric ID from List Certificates or Upload Certificate',
	},
	{
		displayName: 'Service',
		name: 'mappingService',
		type: 'options',
		default: 'WEBHOOKS',
		displayOptions: show,
		options: [
			{ name: 'IDP (1)', value: 'IDP' },
			{ name: 'TEST_SERVICE (0)', value: 'TEST_SERVICE' },
			{ name: 'WEBHOOKS (2)', value: 'WEBHOOKS' },
		],
		description: 'The LivePerson service that will use the certificate (an expression may give a numeric service ID)',
	},
	{
		displayName: 'URL',
		name: 'mappingUrl',
		type: 'string',
		default: '',
		required: true,
		displayOptions: show,
		placeholder: 'https://api.example.com/endpoint',
		description: 'The whole URL (query included) the certificate is used for',
	},
	{
		displayName: 'Mapping Name',
		name: 'mappingName',
		type: 'string',
		default: '',
		required: true,
		displayOptions: { show: { operation: ['createMapping'], mappingVariant: ['configuration'] } },
		description: 'A name that is unique in the account',
	},
	{
		displayName: 'Enabled',
		name: 'mappingEnabled',
		type: 'boolean',
		default: true,
		displayOptions: { show: { operation: ['createMapping'], mappingVariant: ['configuration'] } },
		description: 'Whether the mapping is active',
	},
	{
		displayName: 'Validate URL',
		name: 'validateUrl',
		type: 'boolean',
		default: false,
		displayOptions: { show: { operation: ['createMapping'], mappingVariant: ['activate'] } },
		description: 'Whether the gateway calls the URL with the certificate first (a failing call is reported as HTTP 424)',
	},
];

export async function execute(this: IExecuteFunctions, i: number, client: MtlsClient): Promise<IDataObject> {
	const variant = this.getNodeParameter('mappingVariant', i, 'configuration') as CreateMappingVariant;
	const input = {
		certificateId: this.getNodeParameter('certificateId', i, '') as string,
		service: String(this.getNodeParameter('mappingService', i, 'WEBHOOKS')),
		url: this.getNodeParameter('mappingUrl', i, '') as string,
		name: variant === 'configuration' ? (this.getNodeParameter('mappingName', i, '') as string) : undefined,
		enable: variant === 'configuration' ? (this.getNodeParameter('mappingEnabled', i, true) as boolean) : undefined,
		validateUrl: variant === 'activate' ? (this.getNodeParameter('validateUrl', i, false) as boolean) : undefined,
	};
	return (await client.createMapping(input, variant)) as IDataObject;
}
