import type { INodeProperties } from 'n8n-workflow';
import { MTLS_SERVICE_NAMES } from '../../../lib/liveperson/mtls-gateway';

export const serviceNameOptions = MTLS_SERVICE_NAMES.map((name) => ({ name, value: name }));

/** Options shared by every operation (the Forward operation adds its own below them). */
export const commonOptions: INodeProperties[] = [
	{
		displayName: 'CSDS Cache Minutes',
		name: 'cacheMinutes',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 1440 },
		default: 10,
		description: 'How long the hosts found through CSDS are reused for the account',
	},
	{
		displayName: 'Concurrency',
		name: 'concurrency',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 64 },
		default: 5,
		description: 'How many items are sent at the same time (the mTLS service is throttle protected)',
	},
	{
		displayName: 'Configuration Host',
		name: 'configHost',
		type: 'string',
		default: '',
		placeholder: 'va.ac.liveperson.net',
		description: 'Use this host instead of the CSDS accountConfigReadWrite domain (Create Mapping)',
	},
	{
		displayName: 'Gateway Host',
		name: 'gatewayHost',
		type: 'string',
		default: '',
		placeholder: 'va-a.mtls.liveperson.net',
		description: 'Use this host instead of the CSDS mtlsGateway domain',
	},
	{
		displayName: 'Timeout (Seconds)',
		name: 'timeout',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 300 },
		default: 20,
		description: 'Time limit of each request',
	},
];
