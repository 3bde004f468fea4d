/**
 * What of the guard nodes is not run in n8n's engine: their descriptions, and IP Allowlist as an AI tool.
 * Every other case (routing, field mode, configuration errors, Continue On Fail, pairedItem, no token copy)
 * runs in n8n's engine of both pinned versions: test/engine/guard-nodes.engine.test.ts.
 */
import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { LivePersonIpAllowlist } from '../../../nodes/LivePersonIpAllowlist/LivePersonIpAllowlist.node';
import { LivePersonVerifyJwt } from '../../../nodes/LivePersonVerifyJwt/LivePersonVerifyJwt.node';

// A fake on purpose: n8n builds the "…Tool" variant of a usableAsTool node in its server's node loader
// (n8n's tool-generation, not n8n-core) and runs it only under an AI Agent, which the engine harness does
// not load. The same node code without the Tool suffix: test/engine/guard-nodes.engine.test.ts.
function toolCtx(items: INodeExecutionData[], params: Record<string, unknown>): IExecuteFunctions {
	return {
		getInputData: () => items,
		getNodeParameter: (name: string, i: number, fallback?: unknown) => (name === 'ipAddress' ? items[i].json.ip : (params[name] ?? fallback)),
		continueOnFail: () => false,
		getNode: () => ({ id: '1', name: 'Guard', type: 'n8n-nodes-liveperson.livePersonIpAllowlistTool', typeVersion: 1, position: [0, 0], parameters: {} }),
	} as unknown as IExecuteFunctions;
}

describe('LivePerson IP Allowlist node', () => {
	it('as an AI tool, every item is on the one output n8n gives the agent, with its verdict', async () => {
		const items = [{ json: { ip: '203.0.113.7' } }, { json: { ip: '8.8.8.8' } }, { json: { ip: '0x7f.1' } }];
		const out = await new LivePersonIpAllowlist().execute.call(toolCtx(items, { operation: 'check', allowList: '203.0.113.0/24', outputMode: 'route' }));
		expect(out).toHaveLength(1);
		expect(out[0].map((x) => (x.json.ipCheck as { allowed: boolean }).allowed)).toEqual([true, false, false]);
		expect(out[0].map((x) => x.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(new LivePersonIpAllowlist().description.usableAsTool).toBe(true);
	});
});

describe('LivePerson Verify JWT node', () => {
	it('Require Expiration is a boolean option, on by default', () => {
		const option = new LivePersonVerifyJwt().description.properties.find((p) => p.name === 'options')?.options?.find((o) => 'name' in o && o.name === 'requireExpiration');
		expect(option).toMatchObject({ type: 'boolean', default: true });
	});
});
