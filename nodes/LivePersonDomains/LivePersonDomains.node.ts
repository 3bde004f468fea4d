import type {
	IDataObject,
	IExecuteFunctions,
	ILoadOptionsFunctions,
	INodeExecutionData,
	INodePropertyOptions,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { csds, DEFAULT_CSDS_TTL_MS } from '../../lib/liveperson/csds';
import { accountPolicy } from '../../lib/liveperson/account-auth';
import { accountConfig, CREDENTIAL_TYPES } from '../shared/credentialConfig';
import { credentialTests } from '../shared/credentialTests';
import { mapItems } from '../shared/execute';
import { toNodeError } from '../shared/errors';

export class LivePersonDomains implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'LivePerson Domains',
		name: 'livePersonDomains',
		icon: { light: 'file:liveperson.svg', dark: 'file:liveperson.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{ $parameter["operation"] === "get" ? "Get " + $parameter["service"] : "Get Many Service Domains" }}',
		description: 'Find the host of each LivePerson service for an account (CSDS Domain API).',
		defaults: { name: 'LivePerson Domains' },
		usableAsTool: true,
		inputs: ['main'],
		outputs: ['main'],
		credentials: [{ name: 'livePersonAccountApi', required: true, testedBy: 'livePersonAccountApiTest' }],
		properties: [
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				default: 'getAll',
				options: [
					{
						name: 'Get Many',
						value: 'getAll',
						action: 'Get many service domains',
						description: 'List the host of every service of the account',
					},
					{
						name: 'Get Service Domain',
						value: 'get',
						action: 'Get one service domain',
						description: 'Get the host of one service, e.g. agentVep or mtlsGateway',
					},
				],
			},
			{
				displayName: 'Service Name or ID',
				name: 'service',
				type: 'options',
				typeOptions: { loadOptionsMethod: 'getServices' },
				default: '',
				required: true,
				displayOptions: { show: { operation: ['get'] } },
				description:
					'The service to look up (case sensitive). Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
			},
			{
				displayName: 'Account ID',
				name: 'accountId',
				type: 'string',
				default: '',
				placeholder: '12345678',
				description: "Leave empty to use the credential's account ID",
			},
			{
				displayName: 'Options',
				name: 'options',
				type: 'collection',
				placeholder: 'Add option',
				default: {},
				options: [
					{
						displayName: 'Cache Minutes',
						name: 'cacheMinutes',
						type: 'number',
						typeOptions: { minValue: 0, maxValue: 1440 },
						default: 10,
						description: 'How long a CSDS answer is reused for the same account (0 = ask CSDS on every execution)',
					},
					{
						displayName: 'Output',
						name: 'output',
						type: 'options',
						default: 'items',
						displayOptions: { show: { '/operation': ['getAll'] } },
						options: [
							{ name: 'One Item per Service', value: 'items' },
							{ name: 'One Item with a Service Map', value: 'map' },
						],
						description: 'Whether to return one item per service, or one item mapping service names to hosts',
					},
				],
			},
		],
	};

	methods = {
		credentialTest: credentialTests,
		loadOptions: {
			async getServices(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
				const creds = accountConfig(await this.getCredentials(CREDENTIAL_TYPES.account));
				try {
					const domains = await csds.getDomains(creds.csdsHost, creds.accountId, { policy: accountPolicy(creds) });
					return domains
						.map((d) => ({ name: d.service, value: d.service, description: d.baseURI }))
						.sort((a, b) => a.name.localeCompare(b.name));
				} catch (error) {
					throw toNodeError(this.getNode(), error);
				}
			},
		},
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const creds = accountConfig(await this.getCredentials(CREDENTIAL_TYPES.account));
		const policy = accountPolicy(creds);
		const operation = this.getNodeParameter('operation', 0) as string;

		const out = await mapItems(this, async (i) => {
			const accountParam = (this.getNodeParameter('accountId', i, '') as string).trim();
			const accountId = accountParam || creds.accountId;
			const options = this.getNodeParameter('options', i, {}) as { cacheMinutes?: number; output?: string };
			const ttlMs = options.cacheMinutes === undefined ? DEFAULT_CSDS_TTL_MS : options.cacheMinutes * 60_000;
			const lookup = { ttlMs, refresh: ttlMs === 0, policy };

			if (operation === 'get') {
				const service = this.getNodeParameter('service', i) as string;
				const domain = await csds.getDomain(creds.csdsHost, accountId, service, lookup);
				return { ...domain } as IDataObject;
			}
			const domains = await csds.getDomains(creds.csdsHost, accountId, lookup);
			if (options.output === 'map') {
				return { account: accountId, domains: Object.fromEntries(domains.map((d) => [d.service, d.baseURI])) };
			}
			return domains.map((d) => ({ ...d }) as IDataObject);
		});
		return [out];
	}
}
