import type { ICredentialDataDecryptedObject, ICredentialType, IHttpRequestOptions, INodeProperties } from 'n8n-workflow';
import { GOOGLE_DEFAULT_SCOPE, IBM_DEFAULT_IAM_URL } from '../lib/auth/nlu';
import { CREDENTIAL_TYPES, strategyFor } from '../nodes/shared/credentialConfig';
import { allowedInternalNetworksCredentialField } from '../nodes/shared/properties';

/**
 * Conversation Builder Bot Accounts "third-party NLU" credential: Google Dialogflow (a
 * service-account JSON key, exchanged for an access token with a signed JWT bearer grant, RFC 7523)
 * or IBM Watson (an API key, exchanged for an IBM Cloud IAM token). Tokens live in the package's
 * shared token cache (single-flight, refreshed before expiry, one refetch after a 401), never in
 * the stored credential (lib/auth/nlu.ts).
 *
 * Test button: the API Integration node's `livePersonNluApiTest` (testedBy) obtains one token
 * through the package's pipeline (no n8n `test` request: n8n would send it outside the policy).
 */
export class LivePersonNluApi implements ICredentialType {
	name = 'livePersonNluApi';

	displayName = 'LivePerson Third-Party NLU API';

	icon = { light: 'file:liveperson.svg', dark: 'file:liveperson.dark.svg' } as const;

	documentationUrl = 'https://github.com/n8n-nodes-liveperson/n8n-nodes-liveperson/blob/main/docs/credentials/third-party-nlu.md';

	properties: INodeProperties[] = [
		{
			displayName: 'NLU Provider',
			name: 'provider',
			type: 'options',
			options: [
				{ name: 'Google Dialogflow', value: 'dialogflow', description: 'Service-account JSON key → OAuth 2.0 access token (JWT bearer grant)' },
				{ name: 'IBM Watson', value: 'watson', description: 'API key → IBM Cloud IAM access token' },
			],
			default: 'dialogflow',
		},
		// It holds the service account's private key: hidden like any secret.
		// eslint-disable-next-line @n8n/community-nodes/credential-unnecessary-password
		{
			displayName: 'Service Account JSON',
			name: 'serviceAccountJson',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			displayOptions: { show: { provider: ['dialogflow'] } },
			description: 'The whole key file of the service account (JSON with client_email, private_key and token_uri), as downloaded from Google Cloud',
		},
		{
			displayName: 'Scope',
			name: 'scope',
			type: 'string',
			default: GOOGLE_DEFAULT_SCOPE,
			displayOptions: { show: { provider: ['dialogflow'] } },
			description: 'OAuth scopes asked for in the signed assertion, separated by spaces (Dialogflow needs cloud-platform or dialogflow)',
		},
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			displayOptions: { show: { provider: ['watson'] } },
			description: 'The IBM Cloud API key of the Watson service',
		},
		{
			displayName: 'IAM Token URL',
			name: 'iamUrl',
			type: 'string',
			default: IBM_DEFAULT_IAM_URL,
			displayOptions: { show: { provider: ['watson'] } },
			description: 'IBM Cloud IAM token endpoint (change only for a private or test IAM endpoint)',
		},
		allowedInternalNetworksCredentialField('the token endpoint'),
	];

	authenticate = async (credentials: ICredentialDataDecryptedObject, requestOptions: IHttpRequestOptions): Promise<IHttpRequestOptions> => {
		const applied = await strategyFor(CREDENTIAL_TYPES.nlu, credentials).apply({ method: requestOptions.method ?? 'GET', url: new URL(requestOptions.url, requestOptions.baseURL), headers: {} });
		return { ...requestOptions, headers: { ...(requestOptions.headers ?? {}), Authorization: applied.headers?.authorization } };
	};
}
