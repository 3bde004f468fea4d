import type { ILoadOptionsFunctions, INodePropertyOptions } from 'n8n-workflow';
import { csds } from '../../../lib/liveperson/csds';
import { toNodeError } from '../../shared/errors';
import { domainsAccount } from '../transport';

export const loadOptions = {
	/** The services CSDS lists for the credential's account. */
	async getServices(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
		try {
			const { creds, policy } = await domainsAccount.call(this);
			const domains = await csds.getDomains(creds.csdsHost, creds.accountId, { policy });
			return domains.map((d) => ({ name: d.service, value: d.service, description: d.baseURI })).sort((a, b) => a.name.localeCompare(b.name));
		} catch (error) {
			throw toNodeError(this.getNode(), error);
		}
	},
};
