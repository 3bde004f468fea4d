/**
 * Every sample workflow that starts from a Manual Trigger (examples/*.json), run by n8n's own engine of
 * both pinned n8n versions, with the sandbox's sample credentials pointed at an emulator on loopback:
 * each must succeed and every node on its path must run. A sample that needs a real outside service
 * (a Google or IBM NLU endpoint) must fail with n8n's or the package's clear message, never as "a bug".
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { startEmulator, type Emulator } from '../../sandbox/emulator';
import { REPO_DIR, type CredentialInput, type WorkflowJson } from '../e2e/harness';
import { createEngine, ENGINE_VERSIONS, type WorkflowRunner } from './engine';

const { template } = require('../../scripts/start.js') as { template: (value: unknown, vars: Record<string, string>, config: unknown) => unknown };

const EXAMPLES = path.join(REPO_DIR, 'examples');
const samples = fs
	.readdirSync(EXAMPLES)
	.filter((f) => f.endsWith('.json'))
	.sort()
	.flatMap((file) => {
		const w = JSON.parse(fs.readFileSync(path.join(EXAMPLES, file), 'utf8')) as WorkflowJson | WorkflowJson[];
		return (Array.isArray(w) ? w : [w]).map((workflow) => ({ file, workflow }));
	})
	.filter(({ workflow }) => workflow.nodes.some((n) => n.type === 'n8n-nodes-base.manualTrigger'));

/** Samples whose nodes call a real outside service (no emulator stands in for it). */
const OUTSIDE = new Set(['third-party-nlu.json']);

let emulator: Emulator;
beforeAll(async () => {
	emulator = await startEmulator({ port: 0 });
});
afterAll(async () => {
	await emulator?.close();
});

test('there are Manual Trigger samples to run', () => {
	expect(samples.length).toBeGreaterThanOrEqual(8);
});

describe.each(ENGINE_VERSIONS)("the samples in n8n %s's engine", (version) => {
	let n8n: WorkflowRunner;
	beforeAll(async () => {
		n8n = await createEngine(version);
		const config = JSON.parse(fs.readFileSync(path.join(REPO_DIR, 'sandbox', 'emulator', 'config.json'), 'utf8')) as unknown;
		const keyFile = (await (await fetch(`${emulator.url}/__emulator/google-service-account.json`)).json()) as Record<string, unknown>;
		const vars = {
			EMULATOR_URL: emulator.url,
			EMULATOR_HOSTPORT: emulator.hostPort,
			GOOGLE_SERVICE_ACCOUNT_JSON: JSON.stringify({ ...keyFile, token_uri: `${emulator.url}/google/token` }),
		};
		const creds = template(JSON.parse(fs.readFileSync(path.join(REPO_DIR, 'sandbox', 'samples', 'credentials.json'), 'utf8')), vars, config) as CredentialInput[];
		await n8n.importCredentials(creds);
		await n8n.importWorkflows(samples.map((s) => s.workflow));
	}, 15 * 60 * 1000);
	afterAll(async () => {
		await n8n?.close();
	});

	test.each(samples.map((s) => [`${s.file}: ${s.workflow.name}`, s] as const))('%s', async (_label, { file, workflow }) => {
		emulator.reset();
		const run = await n8n.execute(workflow.id);
		if (OUTSIDE.has(file)) {
			expect(run.ok).toBe(false);
			expect(`${run.error?.message} ${run.error?.description ?? ''}`).not.toMatch(/a bug in n8n-nodes-liveperson/i);
			return;
		}
		expect(run.error).toBeUndefined();
		expect(run.ok).toBe(true);
		// Every node ran and emitted items on some output (sticky notes are not executable; Verify JWT
		// routes to a Valid and an Invalid output).
		const executable = workflow.nodes.filter((n) => n.type !== 'n8n-nodes-base.stickyNote' && (n.disabled as boolean | undefined) !== true);
		for (const node of executable) {
			expect(Object.keys(run.runData)).toContain(node.name);
			const outputs = run.runData[node.name][0].data?.main ?? [];
			expect(outputs.reduce((sum, items) => sum + (items?.length ?? 0), 0)).toBeGreaterThan(0);
		}
	});
});
