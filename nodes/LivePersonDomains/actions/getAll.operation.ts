import type { IDataObject } from 'n8n-workflow';
import { csds, type CsdsOptions } from '../../../lib/liveperson/csds';
import type { DomainsAccount } from '../transport';

/** Every service's host: one item per service, or one item with a service → host map. */
export async function execute(account: DomainsAccount, accountId: string, output: string | undefined, lookup: CsdsOptions): Promise<IDataObject | IDataObject[]> {
	const domains = await csds.getDomains(account.creds.csdsHost, accountId, { ...lookup, policy: account.policy });
	if (output === 'map') return { account: accountId, domains: Object.fromEntries(domains.map((d) => [d.service, d.baseURI])) };
	return domains.map((d) => ({ ...d }) as IDataObject);
}
