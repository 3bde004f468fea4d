import type { INodeProperties } from 'n8n-workflow';

/** The node's parameters; the node class (../LivePersonDomains.node.ts) holds the rest of its description. */
export const properties: INodeProperties[] = [
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
];
