import type {
	ICredentialDataDecryptedObject,
	ICredentialType,
	IHttpRequestOptions,
	INodeProperties,
} from 'n8n-workflow';
import { clientCredentialsConfig, CREDENTIAL_TYPES, strategyFor } from '../nodes/shared/credentialConfig';
import { buildClientCredentialsRequest } from '../lib/auth/oauth2';
import { allowedInternalNetworksCredentialField } from '../nodes/shared/properties';

/**
 * Conversation Builder "OAuth 2.0 / Client Credentials" bot-account credential.
 *
 * Decision: this does NOT extend n8n's `oAuth2Api`; the token is owned by this package's
 * process-wide token cache (lib/auth/token-cache.ts, keyed by a SHA-256 fingerprint of these
 * fields). Why:
 * - n8n's client-credentials support (`requestOAuth2`) only reacts to the "expired" status: it
 *   never looks at `expires_in`, so every expiry costs one failed call per credential. The cache
 *   refreshes shortly before `expires_in` / the JWT `exp`, and still refetches on the configured
 *   status (401 or 403) by the pipeline's re-login interceptor (lib/http), invalidating by value so N items that saw
 *   the same rejection cause ONE new token request.
 * - Our nodes send through undici (`lib/http`, the one request pipeline; per-credential mTLS / outbound-policy
 *   dispatchers) which n8n's OAuth2 helper cannot use; n8n's helper would also write the token
 *   into the stored credential on every fetch (a database write per refresh).
 * - Client credentials need no user interaction, so nothing is lost by not persisting the token:
 *   each n8n process (main, worker) fetches its own on first use.
 * In n8n queue mode the cache shares its tokens through Redis (lib/auth/store), one fetch per cluster.
 *
 * `authenticate` (used by `httpRequestWithAuthentication` and by the Test button) adds
 * `Authorization: <token_type> <access_token>` from the cache. The Test button POSTs the
 * client-credentials token request itself to the Token URL (a request to the Token URL is
 * client-authenticated instead of bearer-signed), so a wrong secret or scope fails the test.
 */
// The class name ends in OAuth2Api (n8n loads the class named like this file and registers it under
// `name`); the type name stays, since stored credentials and workflows reference it.
export class LivePersonClientCredentialsOAuth2Api implements ICredentialType {
	name = 'livePersonOAuth2ClientCredentialsApi';

	displayName = 'LivePerson OAuth2 Client Credentials API';

	icon = { light: 'file:liveperson.svg', dark: 'file:liveperson.dark.svg' } as const;

	documentationUrl = 'https://github.com/n8n-nodes-liveperson/n8n-nodes-liveperson/blob/main/docs/credentials/oauth2-and-bot-accounts.md#liveperson-oauth2-client-credentials-api';

	properties: INodeProperties[] = [
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
			displayName: 'Scope',
			name: 'scope',
			type: 'string',
			default: '',
			description:
				'(Optional) Used to define the scope of the access granted by the token. This value is passed as is; it should conform to the OAuth 2.0 specification (scopes separated by spaces).',
		},
		{
			displayName: 'Token URL',
			name: 'accessTokenUrl',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'https://auth.example.com/oauth/token',
			description:
				'The token endpoint. Used to exchange the OAuth2 credentials for an access token that will be used for making the secured API calls. Also used for getting a new token when it expires.',
		},
		{
			displayName: 'Client Authentication',
			name: 'authentication',
			type: 'options',
			options: [
				{ name: 'Send as Basic Auth Header', value: 'header', description: 'Client_secret_basic (RFC 6749 §2.3.1)' },
				{ name: 'Send in Body', value: 'body', description: 'Client_id and client_secret as form fields' },
			],
			default: 'header',
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
			description: 'The HTTP status with which the API says the token is no longer valid; a new token is then fetched once and the call repeated',
		},
		allowedInternalNetworksCredentialField('the Token URL'),
	];

	authenticate = async (credentials: ICredentialDataDecryptedObject, requestOptions: IHttpRequestOptions): Promise<IHttpRequestOptions> => {
		const creds = clientCredentialsConfig(credentials);
		if (requestOptions.url && requestOptions.url.trim() === creds.tokenUrl.trim()) {
			// The token request itself (the Test button): client-authenticate it.
			const built = buildClientCredentialsRequest(creds);
			return { ...requestOptions, url: built.url, method: 'POST', headers: { ...(requestOptions.headers ?? {}), ...built.headers }, body: built.body };
		}
		const applied = await strategyFor(CREDENTIAL_TYPES.clientCredentials, credentials).apply({ method: requestOptions.method ?? 'GET', url: new URL(requestOptions.url, requestOptions.baseURL), headers: {} });
		return { ...requestOptions, headers: { ...(requestOptions.headers ?? {}), Authorization: applied.headers?.authorization } };
	};

	// No n8n `test` request (n8n would send it itself, outside the outbound policy): the Test button
	// is the API Integration node's `livePersonOAuth2ClientCredentialsApiTest`, a real token request
	// through the package's pipeline (nodes/shared/credentialTests.ts).
}
