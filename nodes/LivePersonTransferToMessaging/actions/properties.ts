import type { INodeProperties } from 'n8n-workflow';
import * as eligibility from './eligibility.operation';
import * as invite from './invite.operation';
import { concurrencyOption, type ConcurrencySpec } from '../../shared/properties';

/** Items sent at the same time. */
export const CONCURRENCY: ConcurrencySpec = { default: 5, max: 30, why: 'the API allows 30 requests per second' };

/** The node's parameters; the node class (../LivePersonTransferToMessaging.node.ts) holds the rest of its description. */
export const properties: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		default: 'eligibility',
		options: [
			{ name: 'Check Eligibility', value: 'eligibility', action: 'Check eligibility', description: 'Which messaging channels can reach the caller; returns a callId' },
			{ name: 'Invite', value: 'invite', action: 'Invite to messaging', description: 'Send the invitation for a callId' },
		],
	},
	...eligibility.description,
	...invite.description,
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		options: [
			concurrencyOption(CONCURRENCY),
			{
				displayName: 'Host',
				name: 'host',
				type: 'string',
				default: '',
				placeholder: 'va.connect-to-messaging.liveperson.net',
				description: 'Use this host instead of the CSDS connectToMessagingDomain',
			},
			{
				displayName: 'Timeout (Seconds)',
				name: 'timeout',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 300 },
				default: 20,
				description: 'Time limit of each request',
			},
		],
	},
];
