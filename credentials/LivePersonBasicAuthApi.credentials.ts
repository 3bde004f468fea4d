import type { ICredentialDataDecryptedObject, ICredentialType, IHttpRequestOptions, INodeProperties } from 'n8n-workflow';
import { basicAuthorization } from '../lib/auth/basic';
import { allowedInternalNetworksCredentialField } from '../nodes/shared/properties';

/**
 * Conversation Builder "Basic Authentication" bot-account credential: User Name and User
 * Password, sent as `Authorization: Basic …` (RFC 7617: NFC, UTF-8; a user name with ":" is
 * refused with an error naming the field "user").
 *
 * Test button: the API Integration node's `livePersonBasicAuthApiTest` (testedBy) checks the fields
 * and, when a Test URL is given, sends one GET there (lib/auth/credential-test.ts).
 */
export class LivePersonBasicAuthApi implements ICredentialType {
	name = 'livePersonBasicAuthApi';

	displayName = 'LivePerson Basic Auth API';

	icon = { light: 'file:liveperson.svg', dark: 'file:liveperson.dark.svg' } as const;

	documentationUrl = 'https://github.com/n8n-nodes-liveperson/n8n-nodes-liveperson/blob/main/docs/credentials/oauth2-and-bot-accounts.md#liveperson-basic-auth-api';

	properties: INodeProperties[] = [
		{
			displayName: 'User Name',
			name: 'user',
			type: 'string',
			default: '',
			required: true,
			description: 'The user name for the system to use to create the token. Must not contain a colon (":").',
		},
		{
			displayName: 'User Password',
			name: 'password',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'The password for the system to use to create the token',
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
		const authorization = basicAuthorization(String(credentials.user ?? ''), String(credentials.password ?? ''));
		return { ...requestOptions, headers: { ...(requestOptions.headers ?? {}), Authorization: authorization } };
	};
}
