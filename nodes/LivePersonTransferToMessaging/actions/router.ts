import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { inputError } from '../../../lib/errors';
import { c2mClient } from '../transport';
import { mapItems } from '../../shared/execute';
import { concurrencyOf } from '../../shared/properties';
import { CONCURRENCY } from './properties';
import * as eligibility from './eligibility.operation';
import * as invite from './invite.operation';

export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const operation = this.getNodeParameter('operation', 0) as string;
	const options = this.getNodeParameter('options', 0, {}) as { concurrency?: number; timeout?: number; host?: string };
	const client = await c2mClient.call(this, { host: options.host?.trim() || undefined, timeoutMs: options.timeout ? options.timeout * 1000 : undefined });
	const concurrency = concurrencyOf(options, CONCURRENCY);
	const out = await mapItems(
		this,
		async (i) => {
			if (operation === 'eligibility') return eligibility.execute.call(this, i, client);
			if (operation === 'invite') return invite.execute.call(this, i, client);
			throw inputError('operation', `Operation "${operation}" is not supported`);
		},
		{ concurrency },
	);
	return [out];
}
