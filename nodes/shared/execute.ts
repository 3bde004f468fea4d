import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { errorItem, toNodeError } from './errors';
import { ensureSharedTokenStore } from './tokenStore';

export type ItemResult = IDataObject | IDataObject[] | INodeExecutionData | INodeExecutionData[];

function isExecutionData(value: unknown): value is INodeExecutionData {
	return typeof value === 'object' && value !== null && 'json' in value && typeof (value as { json: unknown }).json === 'object';
}

function normalise(result: ItemResult, itemIndex: number): INodeExecutionData[] {
	const list = Array.isArray(result) ? result : [result];
	return list.map((entry) =>
		isExecutionData(entry)
			? { ...entry, pairedItem: entry.pairedItem ?? { item: itemIndex } }
			: { json: entry as IDataObject, pairedItem: { item: itemIndex } },
	);
}

/**
 * Runs `fn` for every input item with at most `concurrency` in flight, keeps the input order,
 * puts `pairedItem` on every output item, and applies "Continue On Fail": an error becomes one
 * error item for its input item (none is lost), otherwise the first error (in item order) fails
 * the node as a NodeApiError / NodeOperationError.
 */
export async function mapItems(
	ctx: IExecuteFunctions,
	fn: (itemIndex: number) => Promise<ItemResult>,
	options: { concurrency?: number } = {},
): Promise<INodeExecutionData[]> {
	// Queue mode: tokens shared with the other n8n processes (once per process; never fails).
	await ensureSharedTokenStore(ctx.logger);
	const count = ctx.getInputData().length;
	const concurrency = Math.max(1, Math.min(options.concurrency ?? 1, 1000));
	const results: INodeExecutionData[][] = new Array(count);
	const failures: Array<{ index: number; error: unknown }> = [];
	const continueOnFail = ctx.continueOnFail();
	let next = 0;
	let stop = false;

	async function worker() {
		while (!stop) {
			const index = next++;
			if (index >= count) return;
			try {
				results[index] = normalise(await fn(index), index);
			} catch (error) {
				if (continueOnFail) {
					results[index] = [errorItem(error, index, ctx.getNode())];
				} else {
					failures.push({ index, error });
					stop = true;
				}
			}
		}
	}

	await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(count, 1)) }, worker));
	if (failures.length) {
		failures.sort((a, b) => a.index - b.index);
		throw toNodeError(ctx.getNode(), failures[0].error, failures[0].index);
	}
	return results.flat();
}
