/**
 * n8n's own errors inside the package's nodes, in real n8n with the package installed like "Community
 * nodes -> Install" and a second copy of n8n-workflow beside it (n8n throws from its own copy, the
 * package's classes are the other copy's): the Third-Party NLU sample, as
 * shipped (no credential attached), fails with n8n's missing-credential message, never with the
 * package's "unexpected error" / "a bug in n8n-nodes-liveperson".
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createN8n, EXECUTE_TIMEOUT_MS, INSTALL_TIMEOUT_MS, N8N_VERSIONS, REPO_DIR, type N8nInstance, type WorkflowJson } from './harness';

const sample = JSON.parse(fs.readFileSync(path.join(REPO_DIR, 'examples', 'third-party-nlu.json'), 'utf8')) as WorkflowJson;

describe.each(N8N_VERSIONS)('n8n %s: its own errors in our nodes are shown as n8n wrote them', (version) => {
	let n8n: N8nInstance;
	let id = '';

	beforeAll(async () => {
		n8n = await createN8n(version);
		// A second n8n-workflow beside the package, as in the two ways users meet it: `npm install <tarball>`
		// in ~/.n8n/nodes (n8n's manual route) installs the peer dependency there, and the sandbox's user
		// folder inside the repository finds the repository's copy. n8n itself keeps throwing from its own.
		const second = path.join(n8n.userFolder, '.n8n', 'nodes', 'node_modules', 'n8n-workflow');
		expect(fs.existsSync(second)).toBe(false);
		fs.symlinkSync(path.join(REPO_DIR, 'node_modules', 'n8n-workflow'), second, 'dir');
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
