/** The node's only reader of credentials: the account's CSDS host, account ID and outbound policy. */
import type { IExecuteFunctions, ILoadOptionsFunctions } from 'n8n-workflow';
import { accountPolicy, type LivePersonAccountCredentials } from '../../../lib/liveperson/account-auth';
import type { OutboundPolicy } from '../../../lib/net/policy';
import { accountConfig, CREDENTIAL_TYPES } from '../../shared/credentialConfig';

export interface DomainsAccount {
	creds: LivePersonAccountCredentials;
	policy: OutboundPolicy;
}

export async function domainsAccount(this: IExecuteFunctions | ILoadOptionsFunctions): Promise<DomainsAccount> {
	const creds = accountConfig(await this.getCredentials(CREDENTIAL_TYPES.account));
	return { creds, policy: accountPolicy(creds) };
}
