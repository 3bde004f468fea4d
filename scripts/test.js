#!/usr/bin/env node
/**
 * `npm test`: the whole suite, as CI runs it (.ci/run = npm ci && npm test).
 *   1. system packages the tests need (Debian: chromium for browser tests, nginx for mTLS tests,
 *      redis-server and postgresql for the queue-mode test), installed when missing and we may (root);
 *      otherwise the tests that need them fail clearly
 *   2. the pinned n8n installs, started in the background (they overlap the next steps)
 *   3. lint, type check, build (with e2e: build + npm pack once; every e2e file installs that tarball)
 *   4. jest unit + integration (parallel), then engine (workflows in n8n's own engine of both pinned
 *      versions, in-process), then e2e (real n8n servers, one file at a time), then the sandbox,
 *      webhook, bot and browser tests on the newest pinned n8n
 * Each phase prints its duration, and a summary of all of them at the end.
 * Set LP_TEST_ONLY=unit|integration|engine|e2e to run one tier. `npm test -- --help` prints the usage below.
 */
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const USAGE = `Usage: npm test                         everything, as CI runs it: lint, type check, build, unit +
                                       integration, then engine, then every e2e file on real n8n
       LP_TEST_ONLY=unit npm test        build + unit tests (about 1 min)
       LP_TEST_ONLY=integration npm test build + integration tests on local servers (a few minutes)
       LP_TEST_ONLY=engine npm test      build + node behaviour and every sample workflow in n8n's own
                                       engine of both pinned versions, in-process (about 1 min once
                                       the pinned n8n installs exist; they install first, minutes cold)
       LP_TEST_ONLY=e2e npm test         build + the e2e files on real n8n servers
       npx jest <file> --selectProjects unit|integration|engine one test file
       npx jest <file> --selectProjects e2e --runInBand         one e2e file (real n8n, 1-10 min)
       npm test -- --help                this text
All but the unit mode first apt-get install chromium, nginx-light, redis-server and postgresql when
missing and run as root on Debian/Ubuntu. Details: docs/testing.md`;

const TIERS = ['unit', 'integration', 'engine', 'e2e'];
const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
	process.stdout.write(`${USAGE}\n`);
	process.exit(0);
}
if (args.length) {
	process.stderr.write(`npm test takes no arguments (got: ${args.join(' ')}); to run one file use npx jest.\n${USAGE}\n`);
	process.exit(2);
}
const only = process.env.LP_TEST_ONLY || undefined;
if (only !== undefined && !TIERS.includes(only)) {
	process.stderr.write(`LP_TEST_ONLY must be one of ${TIERS.join(', ')} (got: ${only}).\n${USAGE}\n`);
	process.exit(2);
}
const started = Date.now();

/** Every phase run so far: [label, seconds, passed], printed as a summary at exit. */
const phases = [];

function run(label, cmd, args, opts = {}) {
	const t = Date.now();
	process.stdout.write(`\n=== ${label}\n`);
	const res = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
	const secs = ((Date.now() - t) / 1000).toFixed(1);
	phases.push([label, secs, res.status === 0]);
	if (res.status !== 0) {
		process.stdout.write(`=== ${label}: FAILED after ${secs} s\n`);
		process.exit(res.status ?? 1);
	}
	process.stdout.write(`=== ${label}: ok (${secs} s)\n`);
}

/** fs.existsSync with one `*` path segment allowed (postgres lives in /usr/lib/postgresql/<major>/bin). */
function exists(pattern) {
	const i = pattern.indexOf('*');
	if (i < 0) return fs.existsSync(pattern);
	const dir = pattern.slice(0, i);
	const rest = pattern.slice(i + 1);
	try {
		return fs.readdirSync(dir).some((entry) => fs.existsSync(dir + entry + rest));
	} catch {
		return false;
	}
}

function ensureDebianPackages() {
	const wanted = [
		['/usr/bin/chromium', 'chromium'],
		['/usr/sbin/nginx', 'nginx-light'],
		['/usr/bin/redis-server', 'redis-server'],
		['/usr/lib/postgresql/*/bin/postgres', 'postgresql'],
	].filter(([bin]) => !exists(bin));
	if (!wanted.length) return;
	const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
	if (!isRoot) {
		process.stdout.write(`Missing ${wanted.map(([, p]) => p).join(', ')}: install with apt-get as root; the tests that need them will fail.\n`);
		return;
	}
	const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
	run('apt-get update', 'apt-get', ['update', '-qq'], { env });
	run(`apt-get install ${wanted.map(([, p]) => p).join(' ')}`, 'apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...wanted.map(([, p]) => p)], { env });
}

/**
 * The pinned n8n installs (minutes when the cache is cold) start in the background, so they overlap
 * lint, type check, build and the unit/integration tests. The e2e files call the same installer, which
 * waits on its per-version lock, so a file needing a version still being installed waits for it, and a
 * failed background install is simply tried again there (its output is printed at the end).
 */
function prefetchN8n() {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lp-n8n-prefetch-'));
	const logFile = path.join(dir, 'install.log');
	const codeFile = path.join(dir, 'exit-code');
	// On a new user's machine (an empty home: no n8n cache of ours, no pnpm store, no node-gyp headers,
	// no nodedir setting), this install IS the run test/e2e/installer.e2e.test.ts checks: the installer on
	// an empty home compiling sqlite3. The test then checks this run's output and files instead of
	// installing n8n a third time (LP_INSTALLER_FRESH_RUN); elsewhere it runs the installer itself.
	const { cacheRoot, DEFAULT_VERSION } = require('./n8n-install');
	const home = os.homedir();
	const newUser =
		!fs.existsSync(path.join(cacheRoot(), `n8n-${DEFAULT_VERSION}`)) &&
		!fs.existsSync(path.join(home, '.local', 'share', 'pnpm', 'store')) &&
		!fs.existsSync(path.join(home, '.cache', 'node-gyp')) &&
		!process.env.npm_config_nodedir &&
		!process.env.NPM_CONFIG_NODEDIR &&
		!process.env.npm_config_store_dir;
	if (newUser) process.env.LP_INSTALLER_FRESH_RUN = JSON.stringify({ output: logFile, exitCodeFile: codeFile, cache: cacheRoot(), home });
	const fd = fs.openSync(logFile, 'w');
	// Its own process group (so that stopping it stops pnpm too); the exit code goes to a file, since
	// this script runs its steps synchronously and never sees the child's exit event.
	const child = spawn('sh', ['-c', '"$0" "$1"; echo $? > "$2"', process.execPath, path.join(__dirname, 'n8n-install.js'), codeFile], {
		stdio: ['ignore', fd, fd],
		detached: true,
	});
	fs.closeSync(fd);
	process.stdout.write('=== pinned n8n installs: started in the background\n');
	return {
		/** Stops the install if it still runs, reports a failed one, and removes its folder. */
		finish() {
			const code = fs.existsSync(codeFile) ? fs.readFileSync(codeFile, 'utf8').trim() : undefined;
			if (code === undefined) {
				try {
					process.kill(-child.pid, 'SIGTERM');
				} catch {
					/* already gone */
				}
			} else if (code !== '0') {
				process.stdout.write(`=== pinned n8n installs (background) failed; the e2e files installed again:\n${fs.readFileSync(logFile, 'utf8').slice(-3000)}\n`);
			}
			fs.rmSync(dir, { recursive: true, force: true });
		},
	};
}

if (!only || only === 'e2e' || only === 'integration') ensureDebianPackages();
const prefetch = !only || only === 'e2e' || only === 'engine' ? prefetchN8n() : undefined;
process.on('exit', () => {
	prefetch?.finish();
	if (phases.length) {
		process.stdout.write(`\n=== phases\n${phases.map(([label, secs, ok]) => `${ok ? '  ok    ' : '  FAILED'} ${secs.padStart(7)} s  ${label}`).join('\n')}\n`);
	}
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));
if (!only) {
	run('lint', 'npm', ['run', '--silent', 'lint']);
	run('type check', 'npm', ['run', '--silent', 'typecheck']);
}
if (!only || only === 'e2e') {
	// The e2e files and sandbox starts install this package packed: pack once here (prepack builds dist/,
	// so this is also the build) and let every child install a copy of that tarball (LP_PACKED_TGZ, read
	// by scripts/n8n-package.js buildAndPack) instead of building and packing again per file.
	const packDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lp-test-pack-'));
	process.on('exit', () => fs.rmSync(packDir, { recursive: true, force: true }));
	run('build + npm pack', 'npm', ['pack', '--silent', '--ignore-scripts=false', '--pack-destination', packDir], { stdio: ['ignore', 'ignore', 'inherit'] });
	const tgz = fs.readdirSync(packDir).find((f) => f.endsWith('.tgz'));
	if (!tgz) {
		process.stdout.write(`=== npm pack wrote no tarball into ${packDir}\n`);
		process.exit(1);
	}
	process.env.LP_PACKED_TGZ = path.join(packDir, tgz);
} else {
	run('build', 'npm', ['run', '--silent', 'build']);
}
if (!only || only === 'unit' || only === 'integration') {
	const projects = only ? [only] : ['unit', 'integration'];
	run(`jest ${projects.join(' + ')}`, 'npx', ['jest', '--selectProjects', ...projects, '--maxWorkers=2']);
}
if (!only || only === 'engine') {
	// n8n's own engine (n8n-core of each pinned n8n, test/engine/engine.ts): node behaviour in seconds. It
	// waits for the pinned installs (started in the background above) for n8n's core nodes and engine.
	run('jest engine (n8n-core, in-process)', 'npx', ['jest', '--selectProjects', 'engine', '--maxWorkers=2']);
}
if (!only || only === 'e2e') {
	// The browser test (about 2.5 minutes per n8n version) runs on the newest pinned n8n only, below, to keep CI
	// short; on 2.8.4 (the sandbox's default) it runs with
	// `npx jest test/e2e/editor.browser.e2e.test.ts`, which is also how the screenshots in docs/ are made
	// (LP_UPDATE_SCREENSHOTS=1).
	run('jest e2e (real n8n)', 'npx', ['jest', '--selectProjects', 'e2e', '--runInBand', '--testPathIgnorePatterns', '/node_modules/', 'editor\\.browser']);
	// The sandbox and real-webhook tests also on the newest pinned n8n: they follow LP_N8N_VERSION (default
	// 2.8.4). Most other e2e files run both pinned versions themselves (docs/e2e-and-sandbox.md).
	const newest = '2.41.3';
	run(
		`jest e2e on n8n ${newest}: sandbox, webhook, browser`,
		'npx',
		['jest', 'test/e2e/sandbox.e2e.test.ts', 'test/e2e/webhook-guards.e2e.test.ts', 'test/e2e/liveperson-bot.e2e.test.ts', 'test/e2e/editor.browser.e2e.test.ts', '--selectProjects', 'e2e', '--runInBand'],
		{ env: { ...process.env, LP_N8N_VERSION: newest } },
	);
}
process.stdout.write(`\nAll tests passed in ${((Date.now() - started) / 60000).toFixed(1)} min.\n`);
