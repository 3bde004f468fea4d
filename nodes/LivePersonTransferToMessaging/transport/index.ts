/** The node's only reader of credentials: one Transfer to Messaging client per execution. */
import type { IExecuteFunctions } from 'n8n-workflow';
import { C2mClient, c2mClientForCredentials, type C2mCredentialOptions } from '../../../lib/liveperson/c2m';
import { CREDENTIAL_TYPES, transferToMessagingConfig } from '../../shared/credentialConfig';

export async function c2mClient(this: IExecuteFunctions, options: C2mCredentialOptions = {}): Promise<C2mClient> {
	return c2mClientForCredentials(transferToMessagingConfig(await this.getCredentials(CREDENTIAL_TYPES.transferToMessaging)), options);
}
