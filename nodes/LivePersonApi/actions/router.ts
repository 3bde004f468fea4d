import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { inputError } from '../../../lib/errors';
import { mapItems } from '../../shared/execute';
import { concurrencyOf } from '../../shared/properties';
import { CONCURRENCY } from './properties';
import { lpApiCaller, type LpApiCaller, type LpApiNodeOptions } from '../transport';
import * as currentQueueHealth from './currentQueueHealth.operation';
import * as getConversation from './getConversation.operation';
import * as request from './request.operation';
import * as searchConversations from './searchConversations.operation';

export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const resource = this.getNodeParameter('resource', 0) as string;
	const operation = this.getNodeParameter('operation', 0) as string;
	const options = this.getNodeParameter('options', 0, {}) as LpApiNodeOptions & { fullResponse?: boolean; neverError?: boolean };
	// Made on first use inside the item loop: a credential problem is an item error (Continue On Fail).
	let made: Promise<LpApiCaller> | undefined;
	const concurrency = concurrencyOf(options, CONCURRENCY);
	const out = await mapItems(
		this,
		async (i) => {
			const api = await (made ??= lpApiCaller.call(this, { ...options, accountId: this.getNodeParameter('accountId', 0, '') as string }));
			switch (`${resource}:${operation}`) {
				case 'api:request':
					return request.execute.call(this, i, api, this.getNodeParameter('options', i, {}) as typeof options);
				case 'messagingInteractions:searchConversations':
					return searchConversations.execute.call(this, i, api);
				case 'messagingInteractions:getConversation':
					return getConversation.execute.call(this, i, api);
				case 'messagingOperations:currentQueueHealth':
					return currentQueueHealth.execute.call(this, i, api);
				default:
					throw inputError('operation', `Operation "${operation}" of "${resource}" is not supported`);
			}
		},
		{ concurrency },
	);
	return [out];
}
