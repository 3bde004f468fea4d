/**
 * mapItems with "Continue On Fail": one error item per failed input item, with pairedItem, and the n8n
 * error on `item.error` — what n8n 2.x routes to a node's error output ("Continue (using error output)").
 * Pure logic on a minimal context (input items, continueOnFail, getNode); the same behaviour through n8n's
 * engine of both pinned versions: test/engine/run-node.engine.test.ts ("per item: … Continue On Fail keeps
 * each", where n8n keeps only {error} in the JSON and the description on item.error, as
 * test/engine/api-integration-node.engine.test.ts checks).
 */
import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { LpError } from '../../../lib/errors';
import { mapItems } from '../../../nodes/shared/execute';

const node = { id: '1', name: 'Node', type: 't', typeVersion: 1, position: [0, 0] as [number, number], parameters: {} };
const ctx = (continueOnFail: boolean, items = 3) =>
	({
		getInputData: () => Array.from({ length: items }, (_, i) => ({ json: { i } })) as INodeExecutionData[],
		continueOnFail: () => continueOnFail,
		getNode: () => node,
	}) as unknown as IExecuteFunctions;

test('a failed item becomes an error item with pairedItem and the n8n error on item.error', async () => {
	const out = await mapItems(ctx(true), async (i) => {
		if (i === 1) throw new LpError('http', 'The API answered HTTP 500', { status: 500, hint: 'Try again later.' });
		if (i === 2) throw new LpError('input', 'URL is empty', { field: 'url' });
		return { ok: i };
	});
	expect(out.map((o) => o.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
	expect(out[0]).toEqual({ json: { ok: 0 }, pairedItem: { item: 0 } });
	expect(out[1].json).toMatchObject({ error: 'The API answered HTTP 500', description: 'Try again later.' });
	expect(out[1].error).toBeInstanceOf(NodeApiError);
	expect(out[2].error).toBeInstanceOf(NodeOperationError);
	expect(out[2].error?.message).toBe('URL is empty');
});

test('without Continue On Fail the first failure (in item order) fails the node', async () => {
	await expect(
		mapItems(ctx(false), async (i) => {
			if (i >= 1) throw new LpError('input', `bad item ${i}`, { field: 'url' });
			return { ok: i };
		}),
	).rejects.toThrow('bad item 1');
});
