import type { INodeProperties } from 'n8n-workflow';
import { MI_DEFAULT_SOURCE, MI_SOURCE_MAX_LENGTH } from '../../../lib/liveperson/messaging-interactions';
import { concurrencyOption, type ConcurrencySpec } from '../../shared/properties';

/** Items sent at the same time. */
export const CONCURRENCY: ConcurrencySpec = { default: 5, max: 64 };
import * as currentQueueHealth from './currentQueueHealth.operation';
import * as getConversation from './getConversation.operation';
import * as request from './request.operation';
import * as searchConversations from './searchConversations.operation';

/** The node's parameters; the node class (../LivePersonApi.node.ts) holds the rest of its description. */
export const properties: INodeProperties[] = [
	{
		displayName: 'Resource',
		name: 'resource',
		type: 'options',
		noDataExpression: true,
		default: 'api',
		options: [
			{ name: 'API Request', value: 'api', description: 'Any LivePerson REST API by CSDS service name and path' },
			{ name: 'Messaging Interaction', value: 'messagingInteractions', description: 'Conversation history (CSDS service msgHist)' },
			{ name: 'Messaging Operation', value: 'messagingOperations', description: 'Real-time queue data (CSDS service leDataReporting)' },
		],
	},
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		default: 'request',
		displayOptions: { show: { resource: ['api'] } },
		options: [{ name: 'Send Request', value: 'request', action: 'Send a request', description: 'The credential\'s authentication attached; one new login after a 401' }],
	},
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		default: 'searchConversations',
		displayOptions: { show: { resource: ['messagingInteractions'] } },
		options: [
			{ name: 'Get Conversation', value: 'getConversation', action: 'Get a conversation with its transcript', description: 'POST …/conversations/conversation/search by conversation ID' },
			{ name: 'Search Conversations', value: 'searchConversations', action: 'Search conversations', description: 'POST …/conversations/search, paged by offset / limit (at most 100 per page)' },
		],
	},
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		default: 'currentQueueHealth',
		displayOptions: { show: { resource: ['messagingOperations'] } },
		options: [{ name: 'Get Current Queue Health', value: 'currentQueueHealth', action: 'Get the current messaging queue health', description: 'GET …/msgqueuehealth/current/?v=1 (rate limited: 429 is retried)' }],
	},
	{
		displayName: 'Account ID',
		name: 'accountId',
		type: 'string',
		default: '',
		placeholder: '12345678',
		description: 'The account to call; empty for the credential\'s account (the host still comes from the credential\'s CSDS lookup)',
	},
	...request.description,
	...searchConversations.description,
	...getConversation.description,
	...currentQueueHealth.description,
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		options: [
			concurrencyOption(CONCURRENCY),
			{ displayName: 'CSDS Cache Minutes', name: 'cacheMinutes', type: 'number', typeOptions: { minValue: 1, maxValue: 1440 }, default: 10, description: 'How long the hosts found through CSDS are reused for the account' },
			{
				displayName: 'Full Response',
				name: 'fullResponse',
				type: 'boolean',
				default: false,
				displayOptions: { show: { '/resource': ['api'] } },
				description: 'Whether to return the status code and headers with the body',
			},
			{
				displayName: 'Host Override',
				name: 'hostOverride',
				type: 'string',
				default: '',
				placeholder: 'https://va.msghist.liveperson.net',
				description: 'Use this host instead of the one CSDS gives for the service (https; http only for a loopback emulator)',
			},
			{ displayName: 'Max Response Size (MB)', name: 'maxResponseSizeMb', type: 'number', typeOptions: { minValue: 1, maxValue: 512 }, default: 10, description: 'Larger answers fail instead of filling the memory' },
			{
				displayName: 'Never Error',
				name: 'neverError',
				type: 'boolean',
				default: false,
				displayOptions: { show: { '/resource': ['api'] } },
				description: 'Whether an answer outside 2xx is returned as output instead of failing (not with pagination)',
			},
			{
				displayName: 'Retry',
				name: 'retry',
				type: 'boolean',
				default: true,
				description:
					'Whether to follow LivePerson\'s published retry policy: 4xx not retried; 429 retried after 1, 2 and 4 s (a longer Retry-After honoured); 5xx and network errors retried 3 times after 5, 10 and 15 s, only for GET/PUT/DELETE and read-only searches. A POST is never sent twice after a 5xx.',
			},
			{
				// Required by every Messaging Interactions page (developers.liveperson.com/messaging-interactions-api-methods-conversations.html).
				displayName: 'Source',
				name: 'source',
				type: 'string',
				default: MI_DEFAULT_SOURCE,
				displayOptions: { show: { '/resource': ['messagingInteractions'] } },
				description: `Who is calling, sent as the source URL parameter LivePerson requires: at most ${MI_SOURCE_MAX_LENGTH} letters, digits, "_", "-" or ".", as ProjectName+AppName+UseCase (e.g. LP_AgentUI_History). Empty: ${MI_DEFAULT_SOURCE}.`,
			},
			{ displayName: 'Timeout (Seconds)', name: 'timeout', type: 'number', typeOptions: { minValue: 1, maxValue: 300 }, default: 20, description: 'Time limit of each request' },
		],
	},
];
