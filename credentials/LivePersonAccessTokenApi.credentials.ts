import type { ICredentialDataDecryptedObject, ICredentialType, IHttpRequestOptions, INodeProperties } from 'n8n-workflow';
import { CREDENTIAL_TYPES, strategyFor } from '../nodes/shared/credentialConfig';
import { allowedInternalNetworksCredentialField } from '../nodes/shared/properties';

/**
 * Conversation Builder "Access Token" bot-account credential: a permanent token and its type,
 * sent as `Authorization: <Token Type> <Access Token>` (Token Type is free text, default Bearer).
 *
 * Test button: the API Integration node's `livePersonAccessTokenApiTest` (testedBy) checks the fields
 * and, when a Test URL is given, sends one GET there (lib/auth/credential-test.ts).
 */
export class LivePersonAccessTokenApi implements ICredentialType {
	name = 'livePersonAccessTokenApi';

	displayName = 'LivePerson Access Token API';

	icon = { light: 'file:liveperson.svg', dark: 'file:liveperson.dark.svg' } as const;

	documentationUrl = 'https://github.com/n8n-nodes-liveperson/n8n-nodes-liveperson/blob/main/docs/credentials/oauth2-and-bot-accounts.md#liveperson-access-token-api';

	properties: INodeProperties[] = [
		{
			displayName: 'Access Token',
			name: 'accessToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'The token to use',
		},
		// eslint-disable-next-line @n8n/community-nodes/credential-password-field -- "Bearer", "Basic": a scheme name, not a secret
		{
			displayName: 'Token Type',
			name: 'tokenType',
			// The token type ("Bearer", "Basic", ...) is not a secret: shown in clear on purpose.
			// eslint-disable-next-line n8n-nodes-base/cred-class-field-type-options-password-missing
			type: 'string',
			default: 'Bearer',
			description:
				'The type of token; typically "Bearer" or "Basic", but any other scheme the API expects can be entered. Sent as "Authorization: &lt;Token Type&gt; &lt;Access Token&gt;".',
		},
		{
			displayName: 'Test URL',
			name: 'testUrl',
			type: 'string',
			default: '',
			placeholder: 'https://api.example.com/me',
			description: 'Optional. The Test button sends a GET here with this credential and reports whether it was accepted.',
		},
		allowedInternalNetworksCredentialField('the Test URL'),
	];

	authenticate = async (credentials: ICredentialDataDecryptedObject, requestOptions: IHttpRequestOptions): Promise<IHttpRequestOptions> => {
		const applied = await strategyFor(CREDENTIAL_TYPES.accessToken, credentials).apply({ method: requestOptions.method ?? 'GET', url: new URL(requestOptions.url, requestOptions.baseURL), headers: {} });
		return { ...requestOptions, headers: { ...(requestOptions.headers ?? {}), Authorization: applied.headers?.authorization } };
	};
}
