/**
 * IP Allowlist node in n8n's own engine (both pinned versions): every IPv6 spelling of an address goes
 * to the same output (route mode), the address read per item from the input through an expression.
 */
import { INSTALL_TIMEOUT_MS } from '../e2e/harness';
import { compatibleSpellings, mappedSpellings } from '../support/ip-spellings';
import { createEngine, ENGINE_VERSIONS, RUN_NODE, runNode, type WorkflowRunner } from './engine';

describe.each(ENGINE_VERSIONS)('IP Allowlist spellings in n8n %s', (version) => {
	let n8n: WorkflowRunner;
	beforeAll(async () => {
		n8n = await createEngine(version);
	}, INSTALL_TIMEOUT_MS);
	afterAll(() => n8n?.close());

	it('through the node: every spelling of 127.0.0.1 goes to the same output, each item paired with its input', async () => {
		const spellings = [...mappedSpellings('127.0.0.1'), ...compatibleSpellings('127.0.0.1')];
		const run = await runNode(n8n, {
			type: 'livePersonIpAllowlist',
			parameters: { operation: 'check', ipAddress: '={{ $json.ip }}', allowList: '127.0.0.1', outputMode: 'route' },
			items: spellings.map((ip) => ({ ip })),
		});
		expect(run.ok).toBe(true);
		const [allowed, denied] = [run.items(RUN_NODE, 0), run.items(RUN_NODE, 1)];
		expect(allowed.map((x) => x.ip)).toEqual(mappedSpellings('127.0.0.1'));
		expect(denied.map((x) => x.ip)).toEqual(compatibleSpellings('127.0.0.1'));
		expect(allowed.every((x) => (x.ipCheck as { clientIp: string }).clientIp === '127.0.0.1')).toBe(true);
		expect(denied.every((x) => (x.ipCheck as { clientIp: string }).clientIp === '::7f00:1')).toBe(true);
		const paired = run.runData[RUN_NODE][0].data?.main?.flatMap((o) => o ?? []).map((i) => (i.pairedItem as { item: number }).item);
		expect(paired?.sort((a, b) => a - b)).toEqual(spellings.map((_, i) => i));
	});
});
