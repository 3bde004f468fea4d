import type { ICredentialType, INodeProperties } from 'n8n-workflow';
import { allowedInternalNetworksCredentialField } from '../nodes/shared/properties';

/**
 * Conversation Builder Bot Accounts "Consumer Authentication": the OAuth 2.0 client with which the
 * consumer completes an authorization-code challenge (with PKCE S256) during a conversation. Used
 * by the LivePerson Consumer Authentication node (Start builds the URL, Complete exchanges the
 * code; lib/auth/consumer-auth.ts). The consumer's tokens are never stored in this credential.
 *
 * Test button: the node's `livePersonConsumerAuthApiTest` (testedBy) authenticates the client at
 * the Token URL with a made-up code: invalid_grant means the client was accepted.
 */
export class LivePersonConsumerAuthApi implements ICredentialType {
	name = 'livePersonConsumerAuthApi';

	displayName = 'LivePerson Consumer Authentication API';

	icon = { light: 'file:liveperson.svg', dark: 'file:liveperson.dark.svg' } as const;

	documentationUrl = 'https://github.com/n8n-nodes-liveperson/n8n-nodes-liveperson/blob/main/docs/credentials/consumer-authentication.md';

	properties: INodeProperties[] = [
		{
			displayName: 'Authorization URL',
			name: 'authUrl',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'https://idp.example.com/oauth2/authorize',
			description: "The identity provider's authorization endpoint the consumer is sent to",
		},
		{
			displayName: 'Token URL',
			name: 'accessTokenUrl',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'https://idp.example.com/oauth2/token',
		},
		{
			displayName: 'Client ID',
			name: 'clientId',
			type: 'string',
			default: '',
			required: true,
		},
		{
			displayName: 'Client Secret',
			name: 'clientSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description: 'Leave empty for a public client (PKCE alone)',
		},
		{
			displayName: 'Scope',
			name: 'scope',
			type: 'string',
			default: '',
			placeholder: 'openid profile orders:read',
			description: 'Scopes asked of the consumer, separated by spaces',
		},
		{
			displayName: 'Client Authentication',
			name: 'authentication',
			type: 'options',
			options: [
				{ name: 'Send as Basic Auth Header', value: 'header' },
				{ name: 'Send in Body', value: 'body' },
			],
			default: 'header',
		},
		allowedInternalNetworksCredentialField('the Token URL'),
	];
}
