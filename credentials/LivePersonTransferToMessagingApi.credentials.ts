import type { ICredentialType, INodeProperties } from 'n8n-workflow';
import { allowedInternalNetworksCredentialField } from '../nodes/shared/properties';

/**
 * Transfer to Messaging (Connect-to-Messaging API): the account and an installed application's
 * OAuth 2.0 client ID and secret. The app token ("APP JWT") comes from Sentinel (client credentials,
 * host from CSDS) and is cached until it expires (lib/liveperson/c2m-auth.ts). The Test button is a
 * node `credentialTest` (nodes/shared/credentialTests.ts) that fetches a real token.
 */
export class LivePersonTransferToMessagingApi implements ICredentialType {
	name = 'livePersonTransferToMessagingApi';

	displayName = 'LivePerson Transfer to Messaging API';

	icon = { light: 'file:liveperson.svg', dark: 'file:liveperson.dark.svg' } as const;

	documentationUrl = 'https://github.com/n8n-nodes-liveperson/n8n-nodes-liveperson/blob/main/docs/credentials/liveperson-account.md#liveperson-transfer-to-messaging-api';

	properties: INodeProperties[] = [
		{
			displayName: 'Account ID',
			name: 'accountId',
			type: 'string',
			default: '',
			required: true,
			placeholder: '12345678',
			description: 'Your LivePerson account (site) ID',
		},
		{
			displayName: 'CSDS Host',
			name: 'csdsHost',
			type: 'string',
			default: 'api.liveperson.net',
			placeholder: 'api.liveperson.net',
			description:
				'Host of the LivePerson Domain API (CSDS) that gives the Sentinel and Connect-to-Messaging hosts. A URL such as http://127.0.0.1:8090 points every service at the local emulator.',
		},
		{
			displayName: 'Client ID',
			name: 'clientId',
			type: 'string',
			default: '',
			required: true,
			description: 'OAuth 2.0 client ID of the installed application (client_credentials grant)',
		},
		{
			displayName: 'Client Secret',
			name: 'clientSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
		},
		allowedInternalNetworksCredentialField('the CSDS host and the LivePerson hosts it names'),
	];
}
