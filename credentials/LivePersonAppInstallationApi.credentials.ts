import type { ICredentialType, INodeProperties } from 'n8n-workflow';

/**
 * The app installation whose webhooks call n8n (Connector API → Webhooks). LivePerson signs each call
 * with the installation's client secret and names the account and client in `x-liveperson-account-id`
 * and `x-liveperson-client-id` (developers.liveperson.com/connector-api-webhooks-notification-protocol.html);
 * the LivePerson Trigger node refuses any call whose account, client or signature do not match these
 * fields. The secret is only used to check signatures: nothing is sent with it. The Test button
 * (LivePersonTrigger's `credentialTest`) checks the fields locally: only a signed call can prove the secret.
 */
export class LivePersonAppInstallationApi implements ICredentialType {
	name = 'livePersonAppInstallationApi';

	displayName = 'LivePerson App Installation (Webhooks) API';

	icon = { light: 'file:liveperson.svg', dark: 'file:liveperson.dark.svg' } as const;

	documentationUrl = 'https://github.com/n8n-nodes-liveperson/n8n-nodes-liveperson/blob/main/docs/webhooks.md#what-you-do';

	properties: INodeProperties[] = [
		{
			displayName: 'Account ID',
			name: 'accountId',
			type: 'string',
			default: '',
			required: true,
			placeholder: '12345678',
			description: 'Your LivePerson account (site) ID: calls for another account are refused',
		},
		{
			displayName: 'Client ID',
			name: 'clientId',
			type: 'string',
			default: '',
			required: true,
			description: 'The client_id of the app installation (LivePerson gives it when the app is installed); also the installation ID',
		},
		{
			displayName: 'Client Secret',
			name: 'clientSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'The client_secret of the app installation: LivePerson signs every webhook call with it',
		},
	];
}
