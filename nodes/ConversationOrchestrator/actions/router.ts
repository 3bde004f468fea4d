import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { inputError } from '../../../lib/errors';
import type { TokenPlacement } from '../../../lib/liveperson/orchestrator';
import { orchestratorClient } from '../transport';
import { mapItems } from '../../shared/execute';
import { concurrencyOf } from '../../shared/properties';
import { CONCURRENCY } from './properties';
import * as contextService from './contextService.operation';
import * as login from './login.operation';
import * as nextActions from './nextActions.operation';

export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const resource = this.getNodeParameter('resource', 0) as string;
	const options = this.getNodeParameter('options', 0, {}) as { concurrency?: number; timeout?: number; tokenPlacement?: TokenPlacement };
	// One client per execution: the token cache (process-wide) gives one login per token lifetime.
	const client = await orchestratorClient.call(this, { tokenPlacement: options.tokenPlacement ?? 'query', timeoutMs: options.timeout ? options.timeout * 1000 : undefined });
	const concurrency = concurrencyOf(options, CONCURRENCY);
	const out = await mapItems(
		this,
		async (i) => {
			if (resource === 'login') return login.execute.call(this, i, client);
			const operation = this.getNodeParameter('operation', i) as string;
			if (resource === 'contextService') return contextService.execute.call(this, i, client, operation);
			if (resource === 'nextActions') return nextActions.execute.call(this, i, client, operation);
			throw inputError('resource', `Resource "${resource}" is not supported`);
		},
		{ concurrency },
	);
	return [out];
}
