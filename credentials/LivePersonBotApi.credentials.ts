import type { ICredentialType, INodeProperties } from 'n8n-workflow';
import { allowedInternalNetworksCredentialField } from '../nodes/shared/properties';

/**
 * LivePerson Third-Party Bots (Custom Endpoint): who may call a bot served by the LivePerson Bot
 * Trigger. No secret: LivePerson signs each call with a Sentinel token for the account; the trigger
 * checks it against the account's Sentinel public keys (found through CSDS, or a fixed JWKS URL).
 */
export class LivePersonBotApi implements ICredentialType {
	name = 'livePersonBotApi';

	displayName = 'LivePerson Bot (Custom Endpoint) API';

	icon = { light: 'file:liveperson.svg', dark: 'file:liveperson.dark.svg' } as const;

	documentationUrl = 'https://github.com/n8n-nodes-liveperson/n8n-nodes-liveperson/blob/main/docs/bot.md#set-it-up-with-liveperson';

	properties: INodeProperties[] = [
		{
			displayName: 'Account IDs',
			name: 'accountIds',
			type: 'string',
			default: '',
			required: true,
			placeholder: '12345678',
			description: 'The LivePerson account(s) allowed to call this bot, comma-separated (the "aud" of the Sentinel token)',
		},
		{
			displayName: 'CSDS Host',
			name: 'csdsHost',
			type: 'string',
			default: 'api.liveperson.net',
			description:
				'Host of the LivePerson Domain API (CSDS) that names the account\'s Sentinel host, whose public keys (/sentinel/well-known/jwks) sign the calls. A URL such as http://127.0.0.1:8090 points at the local emulator.',
		},
		{
			displayName: 'JWKS URL',
			name: 'jwksUrl',
			type: 'string',
			default: '',
			placeholder: 'https://va.sentinel.liveperson.net/sentinel/well-known/jwks',
			description: 'Optional: a fixed URL of the Sentinel public keys. Empty: the account\'s zone, found through CSDS.',
		},
		{
			displayName: 'Public Key (PEM)',
			// Not named "…Key": n8n's lint rules would ask a public key to be masked as a secret.
			name: 'sentinelPem',
			type: 'string',
			typeOptions: { rows: 4 },
			default: '',
			placeholder: '-----BEGIN PUBLIC KEY-----',
			description:
				'Optional: your zone\'s Sentinel public key as PEM (LivePerson publishes it with its OAuth 2.0 client credentials documentation). When set, calls are checked with it instead of the key set.',
		},
		allowedInternalNetworksCredentialField('the CSDS host and the Sentinel key set'),
	];
}
