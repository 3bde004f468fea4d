/**
 * `npm test` (scripts/test.js): `--help` prints the usage and starts nothing (no apt-get, no n8n install, no
 * build, no jest); an argument it does not know and an unknown LP_TEST_ONLY stop with the usage instead of
 * running (or silently skipping) the 30-minute suite.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const SCRIPT = path.join(__dirname, '..', '..', '..', 'scripts', 'test.js');

function run(args: string[], env: Record<string, string | undefined> = {}) {
	const merged: NodeJS.ProcessEnv = { ...process.env, ...env };
	for (const [k, v] of Object.entries(env)) if (v === undefined) delete merged[k];
	// A PATH without npm/npx/apt-get: if the script tried to start any step, it would fail loudly, not run it.
	merged.PATH = path.dirname(process.execPath);
	const res = spawnSync(process.execPath, [SCRIPT, ...args], { env: merged, encoding: 'utf8', timeout: 20_000 });
	return { status: res.status, stdout: res.stdout, stderr: res.stderr, all: res.stdout + res.stderr };
}

describe('scripts/test.js arguments', () => {
	test.each([['--help'], ['-h']])('%s prints the usage with every quick mode and exits 0 before any step', (flag) => {
		const r = run([flag], { LP_TEST_ONLY: undefined });
		expect(r.status).toBe(0);
		expect(r.stdout).toMatch(/^Usage: npm test/);
		for (const tier of ['unit', 'integration', 'e2e']) expect(r.stdout).toContain(`LP_TEST_ONLY=${tier} npm test`);
		expect(r.stdout).toContain('npx jest <file>');
		expect(r.stdout).toContain('docs/testing.md');
		// No step started: every step prints "=== <label>" first.
		expect(r.all).not.toContain('===');
	});

	test('--help wins over LP_TEST_ONLY and other arguments', () => {
		const r = run(['--foo', '--help'], { LP_TEST_ONLY: 'e2e' });
		expect(r.status).toBe(0);
		expect(r.all).not.toContain('===');
	});

	test('an unknown argument stops with exit code 2 and the usage, running nothing', () => {
		const r = run(['test/unit/csds.test.ts'], { LP_TEST_ONLY: undefined });
		expect(r.status).toBe(2);
		expect(r.stderr).toContain('npm test takes no arguments (got: test/unit/csds.test.ts)');
		expect(r.stderr).toContain('Usage: npm test');
		expect(r.all).not.toContain('===');
	});

	test('an unknown LP_TEST_ONLY stops with exit code 2 instead of reporting success', () => {
		const r = run([], { LP_TEST_ONLY: 'units' });
		expect(r.status).toBe(2);
		expect(r.stderr).toContain('LP_TEST_ONLY must be one of unit, integration, engine, e2e (got: units)');
		expect(r.all).not.toContain('All tests passed');
		expect(r.all).not.toContain('===');
	});
});
