/**
 * runNode (test/engine/engine.ts): one node fed pinned items, in n8n's own engine of both pinned versions.
 */
import { createEngine, ENGINE_VERSIONS, RUN_ITEMS, RUN_NODE, runNode, type WorkflowRunner } from './engine';
import { INSTALL_TIMEOUT_MS } from '../e2e/harness';

describe.each(ENGINE_VERSIONS)('runNode in n8n %s', (version) => {
	let n8n: WorkflowRunner;
	beforeAll(async () => {
		n8n = await createEngine(version);
	}, INSTALL_TIMEOUT_MS);
	afterAll(() => n8n?.close());

	test('the node receives exactly the given items, in order, each paired with its input', async () => {
		const items = [{ a: 1 }, { a: 2 }, { b: 'x' }];
		const run = await runNode(n8n, { type: 'n8n-nodes-base.noOp', parameters: {}, items });
		expect(run.ok).toBe(true);
		expect(run.items(RUN_ITEMS)).toEqual(items);
		expect(run.items(RUN_NODE)).toEqual(items);
		expect(run.runData[RUN_NODE][0].data?.main?.[0]?.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
	});

	test("the package's node runs with its parameters; a failure stops the run with the node's error", async () => {
		const ok = await runNode(n8n, { type: 'livePersonIpAllowlist', parameters: { operation: 'check', outputMode: 'field', ipAddress: '10.1.2.3', allowList: '10.0.0.0/8' } });
		expect(ok.ok).toBe(true);
		expect(ok.items(RUN_NODE)[0]).toMatchObject({ ipAllowed: true });
		const bad = await runNode(n8n, { type: 'livePersonIpAllowlist', parameters: { operation: 'check', outputMode: 'field', ipAddress: '10.1.2.3', allowList: '10.0.0.0/33' } });
		expect(bad.ok).toBe(false);
		expect(bad.error?.node).toBe(RUN_NODE);
		expect(bad.error?.message).toMatch(/10\.0\.0\.0\/33/);
	});

	test('Continue On Fail: the run succeeds, each failed item carries the error and its pairing', async () => {
		const run = await runNode(n8n, {
			type: 'livePersonIpAllowlist',
			parameters: { operation: 'check', outputMode: 'field', ipAddress: '10.1.2.3', allowList: '10.0.0.0/33' },
			items: [{ k: 0 }, { k: 1 }],
			continueOnFail: true,
		});
		expect(run.ok).toBe(true);
		const out = run.runData[RUN_NODE][0].data?.main?.[0] ?? [];
		expect(out).toHaveLength(2);
		expect(out.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		expect(out.every((i) => typeof i.json.error === 'string' && /10\.0\.0\.0\/33/.test(i.json.error))).toBe(true);
	});

	// nodes/shared/execute.ts mapItems (unit: test/unit/nodes/execute.test.ts) as n8n runs it: per-item
	// results in item order, the first failing item fails the node, Continue On Fail keeps every item.
	test('per item: a good item passes, the first failing item (in item order) fails the node; Continue On Fail keeps each', async () => {
		const parameters = { operation: 'check', outputMode: 'field', ipAddress: '10.1.2.3', allowList: '={{ $json.list }}' };
		const items = [{ list: '10.0.0.0/8' }, { list: '10.0.0.0/33' }, { list: '10.0.0.0/34' }];
		const failed = await runNode(n8n, { type: 'livePersonIpAllowlist', parameters, items });
		expect(failed.ok).toBe(false);
		expect(failed.error?.message).toMatch(/10\.0\.0\.0\/33/);
		const kept = await runNode(n8n, { type: 'livePersonIpAllowlist', parameters, items, continueOnFail: true });
		expect(kept.ok).toBe(true);
		const out = (kept.runData[RUN_NODE][0].data?.main?.[0] ?? []) as Array<{ json: Record<string, unknown>; pairedItem?: unknown; error?: { name?: string; message?: string } }>;
		expect(out.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(out[0].json).toMatchObject({ ipAllowed: true });
		expect(out.slice(1).map((i) => i.json.error)).toEqual([expect.stringMatching(/\/33/), expect.stringMatching(/\/34/)]);
		expect(out[1].error?.message).toMatch(/\/33/);
	});

	// n8n's errors raised inside the package's node come from n8n's copy of n8n-workflow, not the package's
	// (the engine loads both, as an install does): they pass through unchanged (unit, with a copied second
	// n8n-workflow: test/unit/nodes/errors-two-copies.test.ts; real server: test/e2e/n8n-errors.e2e.test.ts).
	test("n8n's own missing-credential error passes through the package's node unchanged; Continue On Fail keeps each item", async () => {
		const parameters = { authentication: 'thirdPartyNlu', method: 'POST', url: '={{ "https://dialogflow.googleapis.com/v2/x:detectIntent?i=" + $json.i }}', options: { retries: 0 } };
		const items = [{ i: 0 }, { i: 1 }, { i: 2 }];
		const failed = await runNode(n8n, { type: 'livePersonApiIntegration', parameters, items });
		expect(failed.ok).toBe(false);
		expect(failed.error?.node).toBe(RUN_NODE);
		expect(failed.error?.message).toMatch(/^Node does not have any credentials set/);
		expect(`${failed.error?.message} ${failed.error?.description ?? ''}`).not.toMatch(/bug in n8n-nodes-liveperson|unexpected error|Unexpected internal error/i);
		const kept = await runNode(n8n, { type: 'livePersonApiIntegration', parameters, items, continueOnFail: true });
		expect(kept.ok).toBe(true);
		const out = (kept.runData[RUN_NODE][0].data?.main?.[0] ?? []) as Array<{ json: Record<string, unknown>; pairedItem?: unknown }>;
		expect(out.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(out.map((i) => i.json.error)).toEqual(Array(3).fill(failed.error?.message));
	});

	test('credentials are given as plain data', async () => {
		const run = await runNode(n8n, {
			type: 'livePersonApiIntegration',
			parameters: { authentication: 'accessToken', mutualTls: false, method: 'GET', url: 'http://127.0.0.1:1/x', options: { allowedInternalNetworks: 'loopback', retries: 0 } },
			credentials: { livePersonAccessTokenApi: { accessToken: '' } },
		});
		expect(run.ok).toBe(false);
		expect(run.error?.message).toMatch(/Access Token is required/);
	});
});
