import type { INodeProperties } from 'n8n-workflow';
import { MTLS_SERVICE_NAMES } from '../../../lib/liveperson/mtls-gateway';
import { concurrencyOption, type ConcurrencySpec } from '../../shared/properties';

/** Items sent at the same time. */
export const CONCURRENCY: ConcurrencySpec = { default: 5, max: 64, why: 'the mTLS service is throttle protected' };

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
	concurrencyOption(CONCURRENCY),
	{
		displayName: 'Configuration Host',
		name: 'configHost',
		type: 'string',
		default: '',
		placeholder: 'va.ac.liveperson.net',
		description: 'Use this host instead of the CSDS accountConfigReadWrite domain (Create Mapping)',
	},
	{
		displayName: 'Gateway Authentication',
		name: 'gatewayAuthentication',
		type: 'options',
		default: 'documented',
		options: [
			{
				name: 'As Documented per Call',
				value: 'documented',
				description:
					'Forward, Check Mapping and Activate send a Sentinel app token when the credential has OAuth 2.0 client credentials (what LivePerson\'s FaaS client sends; the activate page says OAuth 2 only); every other call, and other credentials, send what the credential yields',
			},
			{ name: 'As the Credential Is Set Up', value: 'credential', description: 'Login Service bearer, Sentinel app token or OAuth 1.0 signature, as the credential yields' },
			{ name: 'Login Service Bearer', value: 'loginService', description: 'User login, or application login with the client ID/secret and the bot user name' },
			{ name: 'OAuth 1.0 AppKey', value: 'oauth1', description: 'The forward and mapping pages say "AppKey only"; OAuth 1.0 is end of life at LivePerson (30 Apr 2026)' },
			{ name: 'Sentinel App Token', value: 'sentinel', description: 'OAuth 2.0 client credentials (needs the credential\'s client ID and secret)' },
		],
		description: 'Which authentication the gateway receives. LivePerson\'s pages disagree (forward/mapping: AppKey only; activate: OAuth 2 only; FaaS client: Sentinel app token). A 401/403 names what was sent and what the call wants.',
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
