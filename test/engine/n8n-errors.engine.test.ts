/**
 * n8n's own errors inside the package's nodes, in n8n's own engine (test/engine/engine.ts, both pinned
 * versions): the engine throws from its n8n-workflow (2.8.1 / 2.41.0, from the pinned n8n install), the
 * package's nodes are loaded from dist/ with the package's own copy (node_modules/n8n-workflow), as in a
 * real install with a second n8n-workflow beside the package ("Community nodes -> Install" with the peer
 * dependency, or the sandbox's user folder inside the repository). The Third-Party NLU sample, as shipped
 * (no credential attached), fails with n8n's missing-credential message, never with the package's
 * "unexpected error" / "a bug in n8n-nodes-liveperson" (which an `instanceof` check on n8n-workflow's
 * classes would produce).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EXECUTE_TIMEOUT_MS, INSTALL_TIMEOUT_MS, REPO_DIR, type WorkflowJson } from '../e2e/harness';
import { createEngine, ENGINE_VERSIONS, type WorkflowRunner } from './engine';

const sample = JSON.parse(fs.readFileSync(path.join(REPO_DIR, 'examples', 'third-party-nlu.json'), 'utf8')) as WorkflowJson;

describe.each(ENGINE_VERSIONS)('n8n %s (engine): its own errors in our nodes are shown as n8n wrote them', (version) => {
	let n8n: WorkflowRunner;
	let id = '';

	beforeAll(async () => {
		n8n = await createEngine(version);
		[id] = await n8n.importWorkflows([sample]);
	}, INSTALL_TIMEOUT_MS);

	afterAll(async () => {
		await n8n?.close();
	});

	test(
		'the Third-Party NLU sample without a credential: n8n\'s "no credentials set" error on the first NLU node',
		async () => {
			const run = await n8n.execute(id);
			expect(run.ok).toBe(false);
			expect(run.error?.node).toBe('Dialogflow Detect Intent');
			expect(run.error?.message).toMatch(/^Node does not have any credentials set/);
			expect(`${run.error?.message} ${run.error?.description ?? ''}`).not.toMatch(/bug in n8n-nodes-liveperson|unexpected error|Unexpected internal error/i);
		},
		EXECUTE_TIMEOUT_MS,
	);
});
