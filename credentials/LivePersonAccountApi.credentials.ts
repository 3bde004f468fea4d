import type { ICredentialType, INodeProperties } from 'n8n-workflow';
import { allowedInternalNetworksCredentialField } from '../nodes/shared/properties';

/**
 * A LivePerson Conversational Cloud account: account (site) ID, the CSDS host used to find every
 * service domain, and how to log in. The login itself (Login Service, Sentinel, OAuth1) is done by
 * lib/liveperson/account-auth.ts with a token cache keyed by a fingerprint of these fields, so one
 * login serves every item and execution until the session ends.
 */
export class LivePersonAccountApi implements ICredentialType {
	name = 'livePersonAccountApi';

	displayName = 'LivePerson Account API';

	icon = { light: 'file:liveperson.svg', dark: 'file:liveperson.dark.svg' } as const;

	documentationUrl = 'https://github.com/n8n-nodes-liveperson/n8n-nodes-liveperson/blob/main/docs/credentials/liveperson-account.md';

	properties: INodeProperties[] = [
		{
			displayName: 'Account ID',
			name: 'accountId',
			type: 'string',
			default: '',
			required: true,
			placeholder: '12345678',
			description: 'Your LivePerson account (site) ID, as shown in Conversational Cloud.',
		},
		{
			displayName: 'CSDS Host',
			name: 'csdsHost',
			type: 'string',
			default: 'api.liveperson.net',
			placeholder: 'api.liveperson.net',
			description:
				'Host of the LivePerson Domain API (CSDS) that tells where each service lives. Use a URL such as http://127.0.0.1:8090 to point every service at the local emulator: the scheme given here is used for all service hosts.',
		},
		{
			displayName: 'Authentication Type',
			name: 'authMethod',
			type: 'options',
			default: 'userPassword',
			options: [
				{
					name: 'User Name and Password (Login Service)',
					value: 'userPassword',
					description: 'Log in as a LivePerson user (bot or agent) and use the session bearer',
				},
				{
					name: 'OAuth 2.0 Client Credentials (Sentinel)',
					value: 'clientCredentials',
					description: 'Client ID and secret of an installed application',
				},
				{
					name: 'OAuth 1.0 App Key (Deprecated)',
					value: 'oauth1',
					description: 'Legacy API key; LivePerson has ended OAuth1 (see the notice)',
				},
				{
					name: 'None (Domain Lookups Only)',
					value: 'none',
					description: 'No login: enough for the Domains node',
				},
			],
		},
		{
			displayName: 'Client Credentials Flow',
			name: 'clientCredentialsFlow',
			type: 'options',
			default: 'sentinel',
			options: [
				{
					name: 'Sentinel App Token',
					value: 'sentinel',
					description: 'OAuth 2.0 token from Sentinel (app JWT)',
				},
				{
					name: 'Login Service Application Login',
					value: 'loginService',
					description: 'Log in as the bot user with the client ID and secret and use the session bearer',
				},
			],
			displayOptions: { show: { authMethod: ['clientCredentials'] } },
		},
		{
			displayName: 'User Name',
			name: 'username',
			type: 'string',
			default: '',
			displayOptions: { show: { authMethod: ['userPassword'] } },
		},
		{
			displayName: 'Bot User Name',
			name: 'username',
			type: 'string',
			default: '',
			description: 'Login name of the bot user, for Application Login',
			displayOptions: { show: { authMethod: ['clientCredentials'], clientCredentialsFlow: ['loginService'] } },
		},
		{
			displayName: 'Password',
			name: 'password',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			displayOptions: { show: { authMethod: ['userPassword'] } },
		},
		{
			displayName: 'Client ID',
			name: 'clientId',
			type: 'string',
			default: '',
			displayOptions: { show: { authMethod: ['clientCredentials'] } },
		},
		{
			displayName: 'Client Secret',
			name: 'clientSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			displayOptions: { show: { authMethod: ['clientCredentials'] } },
		},
		{
			displayName:
				'LivePerson ended OAuth 1.0: application login with OAuth1 reached end of support on 30 Sep 2025 and end of life on 30 Apr 2026, and OAuth1 API keys became read-only on 30 Sep 2025 with the protocol at end of life on 31 May 2026. These dates have passed, so the key may no longer work: move to OAuth 2.0 client credentials.',
			name: 'oauth1Notice',
			type: 'notice',
			default: '',
			displayOptions: { show: { authMethod: ['oauth1'] } },
		},
		{
			displayName: 'Bot User Name',
			name: 'username',
			type: 'string',
			default: '',
			description: 'Optional: login name of the bot user. With it, Application Login gives a session bearer; without it, requests are signed with OAuth 1.0.',
			displayOptions: { show: { authMethod: ['oauth1'] } },
		},
		// eslint-disable-next-line @n8n/community-nodes/credential-unnecessary-password -- LivePerson treats the OAuth 1.0 app key as a secret; masked on purpose
		{
			displayName: 'App Key',
			name: 'appKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			displayOptions: { show: { authMethod: ['oauth1'] } },
		},
		{
			displayName: 'App Secret',
			name: 'appSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			displayOptions: { show: { authMethod: ['oauth1'] } },
		},
		{
			displayName: 'Access Token',
			name: 'accessToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			displayOptions: { show: { authMethod: ['oauth1'] } },
		},
		{
			displayName: 'Access Token Secret',
			name: 'accessTokenSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			displayOptions: { show: { authMethod: ['oauth1'] } },
		},
		allowedInternalNetworksCredentialField('the CSDS host and the LivePerson hosts it names'),
	];

	// No n8n `test` request (n8n would send it itself, outside the outbound policy): the Test button is
	// a real login through the package's pipeline (testedBy), see nodes/shared/credentialTests.ts.
}
