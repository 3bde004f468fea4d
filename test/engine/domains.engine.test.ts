/**
 * LivePerson Domains node in n8n's engine (both pinned versions), loaded from dist/ like
 * "Community nodes -> Install", against the LivePerson emulator's CSDS.
 */
import { startEmulator } from '../../sandbox/emulator';
import { EXECUTE_TIMEOUT_MS, INSTALL_TIMEOUT_MS, manualTriggerWorkflow, nodeType, type WorkflowNode } from '../e2e/harness';
import { createEngine, ENGINE_VERSIONS, expectRunOk, type WorkflowRunner } from './engine';

type Emulator = Awaited<ReturnType<typeof startEmulator>>;

const ACCOUNT = '12345678';
const CREDENTIAL = { id: 'lpAccountE2e0001', name: 'LivePerson e2e account' };
const NODE = 'LivePerson Domains';

function domainsNode(parameters: Record<string, unknown>): WorkflowNode {
	return {
		name: NODE,
		type: nodeType('livePersonDomains'),
		typeVersion: 1,
		parameters,
		credentials: { livePersonAccountApi: CREDENTIAL },
	};
}

interface CsdsAnswer {
	baseURIs: Array<{ service: string; account: string; baseURI: string }>;
}

describe.each(ENGINE_VERSIONS)('LivePerson Domains node in n8n %s', (version) => {
	let emulator: Emulator;
	let n8n: WorkflowRunner;
	let expected: CsdsAnswer['baseURIs'];
	const ids = { getAll: '', getOne: '', unknown: '', wrongCase: '' };

	beforeAll(async () => {
		emulator = await startEmulator({ port: 0 });
		// What the emulator's CSDS itself answers: the node must reproduce it item for item.
		const res = await fetch(`${emulator.url}/api/account/${ACCOUNT}/service/baseURI.json?version=1.0`);
		expect(res.status).toBe(200);
		expected = ((await res.json()) as CsdsAnswer).baseURIs;
		expect(expected.length).toBeGreaterThan(5);

		n8n = await createEngine(version);
		await n8n.importCredentials([
			{
				...CREDENTIAL,
				type: 'livePersonAccountApi',
				data: { accountId: ACCOUNT, csdsHost: emulator.url, allowedInternalNetworks: 'loopback', authMethod: 'none' },
			},
		]);
		[ids.getAll, ids.getOne, ids.unknown, ids.wrongCase] = await n8n.importWorkflows([
			manualTriggerWorkflow(`Domains getAll ${version}`, [domainsNode({ operation: 'getAll' })]),
			manualTriggerWorkflow(`Domains get agentVep ${version}`, [domainsNode({ operation: 'get', service: 'agentVep' })]),
			manualTriggerWorkflow(`Domains get unknown ${version}`, [domainsNode({ operation: 'get', service: 'noSuchService' })]),
			manualTriggerWorkflow(`Domains get wrong case ${version}`, [domainsNode({ operation: 'get', service: 'agentvep' })]),
		]);
	}, INSTALL_TIMEOUT_MS);

	afterAll(async () => {
		await n8n?.close();
		await emulator?.close();
	});

	beforeEach(() => emulator.reset());

	test(
		'getAll lists every service domain as one item each, with one CSDS call',
		async () => {
			const run = await n8n.execute(ids.getAll);
			expectRunOk(run);
			const items = run.items(NODE);
			expect(items).toHaveLength(expected.length);
			const byService = new Map(items.map((i) => [i.service, i]));
			for (const e of expected) {
				expect(byService.get(e.service)).toEqual({ service: e.service, baseURI: e.baseURI, account: ACCOUNT });
			}
			expect(byService.get('agentVep')?.baseURI).toBe(emulator.hostPort);
			expect(emulator.count('csds.all')).toBe(1);
		},
		EXECUTE_TIMEOUT_MS,
	);

	test(
		'get agentVep returns exactly that service',
		async () => {
			const run = await n8n.execute(ids.getOne);
			expectRunOk(run);
			expect(run.items(NODE)).toEqual([{ service: 'agentVep', baseURI: emulator.hostPort, account: ACCOUNT }]);
			expect(emulator.count('csds.all')).toBe(1);
		},
		EXECUTE_TIMEOUT_MS,
	);

	test(
		'an unknown service fails the run with an error that names the service and the node',
		async () => {
			const run = await n8n.execute(ids.unknown);
			expect(run.ok).toBe(false);
			expect(run.exitCode).not.toBe(0);
			expect(run.error?.node).toBe(NODE);
			expect(run.error?.message).toContain('noSuchService');
			expect(emulator.count('csds.all')).toBe(1);
		},
		EXECUTE_TIMEOUT_MS,
	);

	test(
		'a wrongly cased service name fails with a hint naming the right one',
		async () => {
			const run = await n8n.execute(ids.wrongCase);
			expect(run.ok).toBe(false);
			expect(run.error?.node).toBe(NODE);
			expect(`${run.error?.message} ${run.error?.description ?? ''}`).toContain('agentVep');
		},
		EXECUTE_TIMEOUT_MS,
	);

	test('no run printed the encryption key', () => {
		const key = process.env.N8N_ENCRYPTION_KEY as string;
		expect(key.length).toBeGreaterThan(20);
		expect(n8n.allLogs().length).toBeGreaterThan(0);
		expect(n8n.allLogs()).not.toContain(key);
	});
});
