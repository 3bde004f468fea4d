import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { inputError } from '../../../lib/errors';
import { DEFAULT_CSDS_TTL_MS } from '../../../lib/liveperson/csds';
import { mapItems } from '../../shared/execute';
import { domainsAccount } from '../transport';
import * as get from './get.operation';
import * as getAll from './getAll.operation';

export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const account = await domainsAccount.call(this);
	const operation = this.getNodeParameter('operation', 0) as string;
	const out = await mapItems(this, async (i) => {
		const accountParam = (this.getNodeParameter('accountId', i, '') as string).trim();
		const accountId = accountParam || account.creds.accountId;
		const options = this.getNodeParameter('options', i, {}) as { cacheMinutes?: number; output?: string };
		const ttlMs = options.cacheMinutes === undefined ? DEFAULT_CSDS_TTL_MS : options.cacheMinutes * 60_000;
		const lookup = { ttlMs, refresh: ttlMs === 0 };
		switch (operation) {
			case 'get':
				return get.execute(account, accountId, this.getNodeParameter('service', i) as string, lookup);
			case 'getAll':
				return getAll.execute(account, accountId, options.output, lookup);
			default:
				throw inputError('operation', `Operation "${operation}" is not supported`);
		}
	});
	return [out];
}
