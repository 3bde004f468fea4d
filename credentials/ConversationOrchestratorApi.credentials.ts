import type { ICredentialType, INodeProperties } from 'n8n-workflow';
import { allowedInternalNetworksCredentialField } from '../nodes/shared/properties';

/**
 * Conversation Orchestrator (formerly Maven): Conversation Context Service and Next Actions.
 * v1 sends the API key as `maven-api-key`; v2 logs in with the user ID and password
 * (`/v2/authenticate/login`, HTTP Basic) and caches the token until it expires, logging in again
 * once when the service answers 403 (lib/liveperson/orchestrator-auth.ts). Hosts per LivePerson's pages
 * (login on z{n}.ccs, the live API Authorization page), overridable with Login Host / API Host; v1 carries the deprecation notice. The login is not a single
 * static request, so the Test button is a node `credentialTest` (nodes/shared/credentialTests.ts).
 */
export class ConversationOrchestratorApi implements ICredentialType {
	name = 'conversationOrchestratorApi';

	displayName = 'LivePerson Conversation Orchestrator API';

	icon = { light: 'file:liveperson.svg', dark: 'file:liveperson.dark.svg' } as const;

	documentationUrl = 'https://github.com/n8n-nodes-liveperson/n8n-nodes-liveperson/blob/main/docs/credentials/conversation-orchestrator.md';

	properties: INodeProperties[] = [
		{
			displayName: 'Region',
			name: 'region',
			type: 'options',
			default: 'americas',
			options: [
				{ name: 'Americas (Z1)', value: 'americas', description: 'Login and Context Service v2 on z1.ccs.liveperson.net; v1 and Next Actions v2 on z1.context.liveperson.net' },
				{ name: 'EMEA (Z2)', value: 'emea', description: 'Login and Context Service v2 on z2.ccs.liveperson.net; v1 and Next Actions v2 on z2.context.liveperson.net' },
				{ name: 'APAC (Z3)', value: 'apac', description: 'Login and Context Service v2 on z3.ccs.liveperson.net; v1 and Next Actions v2 on z3.context.liveperson.net' },
				{ name: 'Custom Host', value: 'custom', description: 'One host for every call, e.g. a local emulator' },
			],
			description: 'Hosts as LivePerson\'s pages give them: the v2 login on z{n}.ccs.liveperson.net (API Authorization page), each API on the host of its method page',
		},
		{
			displayName: 'Custom Host',
			name: 'customHost',
			type: 'string',
			default: '',
			placeholder: 'https://z1.ccs.liveperson.net',
			description: 'URL of the Conversation Orchestrator host (scheme, host and optional port)',
			displayOptions: { show: { region: ['custom'] } },
		},
		{
			displayName: 'API Version',
			name: 'apiVersion',
			type: 'options',
			default: 'v2',
			options: [
				{ name: 'V1 (API Key, Deprecated)', value: 'v1', description: 'The key shown under API Authorization, sent as maven-api-key (LivePerson: v1 deprecated on 30 June 2024)' },
				{ name: 'V2 (User ID and Password)', value: 'v2', description: 'Log in for an OAuth 2.0 token (accounts upgraded to v2)' },
			],
		},
		{
			displayName: 'Login Host',
			name: 'loginHost',
			type: 'string',
			default: '',
			placeholder: 'https://z1.ccs.liveperson.net',
			description: 'Optional: call the v2 login (/v2/authenticate/login) on this host instead of the region\'s',
			displayOptions: { show: { apiVersion: ['v2'] } },
		},
		{
			displayName: 'API Host',
			name: 'apiHost',
			type: 'string',
			default: '',
			placeholder: 'https://z1.context.liveperson.net',
			description: 'Optional: call every Context Service and Next Actions API on this host instead of the one its page documents',
		},
		{
			displayName: 'LivePerson announced that the v1 APIs (API key) were to be deprecated on 30 June 2024. Move to v2 (user ID and password from API Authorization).',
			name: 'v1Notice',
			type: 'notice',
			default: '',
			displayOptions: { show: { apiVersion: ['v1'] } },
		},
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description: 'Conversation Orchestrator → API Authorization. Regenerating the key there invalidates this one.',
			displayOptions: { show: { apiVersion: ['v1'] } },
		},
		{
			displayName: 'User ID',
			name: 'userId',
			type: 'string',
			default: '',
			description: 'The v2 user ID from Conversation Orchestrator → API Authorization',
			displayOptions: { show: { apiVersion: ['v2'] } },
		},
		{
			displayName: 'Password',
			name: 'password',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description: 'The v2 password from Conversation Orchestrator → API Authorization',
			displayOptions: { show: { apiVersion: ['v2'] } },
		},
		allowedInternalNetworksCredentialField('the Conversation Orchestrator host'),
	];
}
