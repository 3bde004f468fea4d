import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { mapItems } from '../../shared/execute';
import { showWarnings } from '../../shared/hints';
import { parameterReader } from '../../shared/params';
import { concurrencyOf } from '../../shared/properties';
import { CONCURRENCY, resolveAuth } from '../transport';
import * as request from './request.operation';

/** One resource/operation today (a request); the router keeps the Airtable v2 layout for more. */
export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	// Credentials are read once per execution, not per item. A credential that cannot be used (a
	// missing field, a wrong key-store password) fails every item, so "Continue On Fail" turns it into
	// one error item per input item, like any other failure.
	const auth = await resolveAuth.call(this).then(
		(value) => ({ value }),
		(error: unknown) => ({ error }),
	);
	const options = this.getNodeParameter('options', 0, {}) as request.RequestOptions;
	const concurrency = concurrencyOf(options, CONCURRENCY);
	// Parameters without expressions are resolved once per execution, not once per item.
	const param = parameterReader(this);
	const out = await mapItems(
		this,
		async (i) => {
			if ('error' in auth) throw auth.error;
			return request.execute.call(this, i, auth.value, param);
		},
		{ concurrency },
	);
	// A client certificate that expires soon (or lacks clientAuth) is said above the output, every run.
	const identity = 'value' in auth ? (auth.value.connection as { material?: { warnings?: string[] } } | undefined) : undefined;
	return [showWarnings(this, out, identity?.material?.warnings ?? [])];
}
