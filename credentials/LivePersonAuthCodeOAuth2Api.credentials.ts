import type { ICredentialType, INodeProperties } from 'n8n-workflow';
import { allowedInternalNetworksCredentialField } from '../nodes/shared/properties';

/**
 * Conversation Builder "OAuth 2.0 / Authorization Code" bot-account credential, optionally with
 * PKCE. It extends n8n's `oAuth2Api`, so n8n owns the flow: the "Connect" button calls
 * `/rest/oauth2-credential/auth`, n8n shows the OAuth Redirect URL to register at the provider,
 * generates the PKCE S256 verifier/challenge itself, stores the token (`oauthTokenData`) and
 * refreshes it in `httpRequestWithAuthentication` on the Token Expired Status.
 *
 * Verified in n8n's source (not guessed):
 * - Grant type. The editor decides whether to show "Connect" from the RAW stored value
 *   (`credentialData.grantType === 'authorizationCode' || === 'pkce'`, in CredentialEdit.vue /
 *   useCredentialForm.ts), without resolving expressions. A hidden `grantType` derived from a
 *   switch (`={{$self.usePkce ? "pkce" : "authorizationCode"}}`) would therefore hide the Connect
 *   button, so the PKCE choice is a visible "Grant Type" field with n8n's own values.
 * - Scope. Before building the authorization URL n8n DELETES the stored `scope` of every
 *   credential type whose name contains "OAuth2" and is not in its own
 *   GENERIC_OAUTH2_CREDENTIALS_WITH_EDITABLE_SCOPE list, then re-applies the property default
 *   with expressions resolved (the pattern n8n's Databricks credential relies on). So the
 *   user's scope lives in `userScope` and the hidden `scope` is `={{$self["userScope"]}}`.
 * - Order. Inherited properties keep the parent's position (NodeHelpers.mergeNodeProperties
 *   replaces in place; new ones are appended). To show the fields in the Conversation Builder
 *   order (Grant Type, Client ID, Client Secret, Scope, Auth URL, Token URL), the parent's
 *   `authUrl`, `accessTokenUrl` and `authentication` are hidden and take their values from the
 *   appended visible fields through `$self` (resolved by n8n when the credential is decrypted).
 * - `tokenExpiredStatusCode` is `doNotInherit` in oAuth2Api, so it is declared again here.
 */
// The type and display names are fixed (stored credentials and workflows reference the type name;
// Conversation Builder's "OAuth 2.0 / Authorization Code" wording): the n8n lint rules below want
// "OAuth2" at the end of each, which these names carry in the middle instead. The class name is
// free (n8n loads the class named like this file and registers it under `name`): it ends in OAuth2Api.
export class LivePersonAuthCodeOAuth2Api implements ICredentialType {
	// eslint-disable-next-line n8n-nodes-base/cred-class-field-name-missing-oauth2
	name = 'livePersonOAuth2AuthCodeApi';

	extends = ['oAuth2Api'];

	// eslint-disable-next-line n8n-nodes-base/cred-class-field-display-name-missing-oauth2
	displayName = 'LivePerson OAuth2 Authorization Code API';

	icon = { light: 'file:liveperson.svg', dark: 'file:liveperson.dark.svg' } as const;

	documentationUrl = 'https://github.com/n8n-nodes-liveperson/n8n-nodes-liveperson/blob/main/docs/credentials/oauth2-and-bot-accounts.md#liveperson-oauth2-authorization-code-api';

	properties: INodeProperties[] = [
		{
			displayName: 'Grant Type',
			name: 'grantType',
			type: 'options',
			options: [
				{ name: 'Authorization Code', value: 'authorizationCode' },
				{
					name: 'Authorization Code with PKCE',
					value: 'pkce',
					description: 'Proof Key for Code Exchange (S256): protects the code against interception during the redirect',
				},
			],
			default: 'authorizationCode',
			description:
				'Whether to add the Proof Key for Code Exchange (PKCE) extension for OAuth 2.0. After saving, copy the OAuth Redirect URL shown below into the resource (the provider app), then click Connect.',
		},
		{
			displayName: 'Client ID',
			name: 'clientId',
			type: 'string',
			default: '',
			required: true,
			description: 'A public ID that identifies the API client to the respective entity. Also called the consumer key/ID.',
		},
		{
			displayName: 'Client Secret',
			name: 'clientSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description:
				"A private secret that only the client should have. Used for verifying the client's identity before providing an access token to the API. Also called the consumer secret.",
		},
		{
			displayName: 'Scope (Resolved)',
			name: 'scope',
			type: 'hidden',
			default: '={{$self["userScope"]}}',
		},
		{
			displayName: 'Authorization URL (Resolved)',
			name: 'authUrl',
			type: 'hidden',
			default: '={{$self["userAuthUrl"]}}',
		},
		{
			displayName: 'Access Token URL (Resolved)',
			name: 'accessTokenUrl',
			type: 'hidden',
			default: '={{$self["userTokenUrl"]}}',
		},
		{
			displayName: 'Auth URI Query Parameters (Resolved)',
			name: 'authQueryParameters',
			type: 'hidden',
			default: '={{$self["userAuthQueryParameters"]}}',
		},
		{
			displayName: 'Authentication (Resolved)',
			name: 'authentication',
			type: 'hidden',
			default: '={{$self["clientAuthentication"]}}',
		},
		{
			displayName: 'Scope',
			name: 'userScope',
			type: 'string',
			default: '',
			description:
				'(Optional) Used to define the scope of the access granted by the token. For example, read_only in some resource providers would mean that the token will only grant access to read APIs. This value is passed as is; it should conform to the OAuth 2.0 specification.',
		},
		{
			displayName: 'Auth URL',
			name: 'userAuthUrl',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'https://auth.example.com/oauth/authorize',
			description:
				'The auth end point. Used to exchange the OAuth2 credentials for a code that is later exchanged for an access token. Used only during the authorization process, which usually happens once.',
		},
		{
			displayName: 'Token URL',
			name: 'userTokenUrl',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'https://auth.example.com/oauth/token',
			description:
				'The token end point. Used to exchange the OAuth2 credentials plus the code that was received from the Auth URL for an access token that will be used for making the secured API calls. Also used for refreshing the token when it expires.',
		},
		{
			displayName: 'Auth URI Query Parameters',
			name: 'userAuthQueryParameters',
			type: 'string',
			default: '',
			placeholder: 'prompt=consent&access_type=offline',
			description:
				'(Optional) Extra query parameters for the Auth URL. Many providers only issue a refresh token when asked, e.g. prompt=consent or access_type=offline; without a refresh token the credential must be connected again when the access token expires.',
		},
		{
			displayName: 'Authentication',
			name: 'clientAuthentication',
			type: 'options',
			options: [
				{ name: 'Header', value: 'header', description: 'Send the client credentials as a Basic Auth header' },
				{ name: 'Body', value: 'body', description: 'Send the client credentials in the body' },
			],
			default: 'header',
			description:
				'How the client ID and secret are sent to the Token URL. Note: with PKCE, n8n sends the secret in the Basic Auth header whatever this setting says.',
		},
		// eslint-disable-next-line @n8n/community-nodes/credential-password-field -- an HTTP status (401/403), not a secret; n8n's oAuth2Api field name
		{
			displayName: 'Token Expired Status',
			name: 'tokenExpiredStatusCode',
			type: 'options',
			options: [
				{ name: '401 Unauthorized', value: 401 },
				{ name: '403 Forbidden', value: 403 },
			],
			default: 401,
			description: 'The HTTP status with which the API says the access token has expired; n8n then refreshes the token and repeats the call',
		},
		allowedInternalNetworksCredentialField('the API URLs called with this credential'),
	];
}
