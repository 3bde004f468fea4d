import type { IDataObject } from 'n8n-workflow';
import { csds, type CsdsOptions } from '../../../lib/liveperson/csds';
import type { DomainsAccount } from '../transport';

/** One service's host (CSDS single-service lookup through the account's cached list). */
export async function execute(account: DomainsAccount, accountId: string, service: string, lookup: CsdsOptions): Promise<IDataObject> {
	const domain = await csds.getDomain(account.creds.csdsHost, accountId, service, { ...lookup, policy: account.policy });
	return { ...domain };
}
