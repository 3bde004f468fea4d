import type { INodeProperties } from 'n8n-workflow';
import * as contextService from './contextService.operation';
import * as login from './login.operation';
import * as nextActions from './nextActions.operation';
import { concurrencyOption, type ConcurrencySpec } from '../../shared/properties';

/** Items sent at the same time. */
export const CONCURRENCY: ConcurrencySpec = { default: 5, max: 64 };

/** The node's parameters; the node class (../ConversationOrchestrator.node.ts) holds the rest of its description. */
export const properties: INodeProperties[] = [
	{
		displayName: 'Resource',
		name: 'resource',
		type: 'options',
		noDataExpression: true,
		default: 'contextService',
		options: [
			{ name: 'Context Service', value: 'contextService' },
			{ name: 'Login', value: 'login', description: 'Log in (v2) and return the token expiry' },
			{ name: 'Next Action', value: 'nextActions' },
		],
	},
	{
		displayName: 'Account ID',
		name: 'accountId',
		type: 'string',
		default: '',
		required: true,
		placeholder: '12345678',
		displayOptions: { show: { resource: ['contextService', 'nextActions'] } },
		description: 'The LivePerson account (site) ID',
	},
	{
		displayName: 'LivePerson announced that the Conversation Orchestrator v1 APIs (API key) were to be deprecated on 30 June 2024. Prefer the v2 operations.',
		name: 'v1ContextNotice',
		type: 'notice',
		default: '',
		displayOptions: {
			show: {
				resource: ['contextService'],
				operation: ['v1CreateNamespace', 'v1DeleteNamespace', 'v1DeleteProperties', 'v1GetProperties', 'v1ListNamespaces', 'v1ListSessionIds', 'v1ListSessionProperties', 'v1SetProperties', 'v1SetProperty', 'v1SetSessionTtl'],
			},
		},
	},
	{
		displayName: 'LivePerson announced that the Conversation Orchestrator v1 APIs (API key) were to be deprecated on 30 June 2024. Prefer V2: Get Next Actions.',
		name: 'v1NextActionsNotice',
		type: 'notice',
		default: '',
		displayOptions: { show: { resource: ['nextActions'], operation: ['v1Get'] } },
	},
	...login.description,
	...contextService.description,
	...nextActions.description,
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		options: [
			concurrencyOption(CONCURRENCY),
			{
				displayName: 'Timeout (Seconds)',
				name: 'timeout',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 300 },
				default: 20,
				description: 'Time limit of each request',
			},
			{
				displayName: 'V2 Token Placement',
				name: 'tokenPlacement',
				type: 'options',
				default: 'query',
				options: [
					{ name: 'Query Parameter (Access_token)', value: 'query', description: 'As in every documented example' },
					{ name: 'Authorization Header (Bearer)', value: 'header', description: 'As the documentation text says' },
				],
				description: 'How the v2 token is sent',
			},
		],
	},
];
