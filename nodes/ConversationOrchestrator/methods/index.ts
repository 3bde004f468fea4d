import type { ILoadOptionsFunctions, INodePropertyOptions } from 'n8n-workflow';
import { orchestratorClient } from '../transport';
import { toNodeError } from '../../shared/errors';

export const loadOptions = {
	/** Namespaces of the account (Context Service v1 GET namespaces; needs the v1 API key). */
	async getNamespaces(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
		const accountId = String(this.getCurrentNodeParameter('accountId') ?? '').trim();
		// A fresh node has no Account ID yet: list nothing instead of failing the request (a 500 and a
		// console error in the editor every time a v1 operation is picked); the list loads once it is set.
		if (!accountId) return [];
		try {
			const list = (await (await orchestratorClient.call(this, { accountId })).ccsV1({ op: 'listNamespaces' })) as Array<{ name?: string; createdAt?: unknown }>;
			return (Array.isArray(list) ? list : [])
				.filter((n) => typeof n?.name === 'string')
				.map((n) => ({ name: n.name as string, value: n.name as string, ...(n.createdAt ? { description: `Created ${String(n.createdAt)}` } : {}) }))
				.sort((a, b) => a.name.localeCompare(b.name));
		} catch (error) {
			throw toNodeError(this.getNode(), error);
		}
	},
};
