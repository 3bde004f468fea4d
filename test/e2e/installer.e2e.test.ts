/**
 * scripts/n8n-install.js as a new user runs it: an EMPTY home folder (no ~/.npmrc, no nodedir, no
 * node-gyp header cache, no npx cache), its own cache folder, and no network but the npm registry.
 * sqlite3 has no reachable prebuilt binary, so it must compile against the local Node headers the
 * installer finds; the compiler's output goes to the log file, not to the terminal.
 *
 * Package downloads: by default the test points pnpm at the machine's existing pnpm store
 * (LP_INSTALLER_TEST_STORE, default ~/.local/share/pnpm/store when it exists) so it does not pull
 * 1.3 GB again, and turns pnpm's side-effects cache off, so sqlite3's native build still runs from
 * source (the part a fresh machine failed on). LP_INSTALLER_TEST_STORE=fresh uses an empty store.
 *
 * On a new user's machine, `npm test` itself starts with exactly this run: its background install of
 * the pinned n8n versions (scripts/test.js prefetchN8n) on an empty home, no pnpm store, no node-gyp
 * headers. It then names that run in LP_INSTALLER_FRESH_RUN, and this test checks that run's output
 * (its 2.8.4 lines) and files instead of compiling sqlite3 once more: the same assertions either way.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { DEFAULT_VERSION } from '../../scripts/n8n-install';
import { REPO_DIR } from './harness';

/** The sandbox's default version: the one a new user installs first, and `npm test`'s own install checks. */
const VERSION: string = DEFAULT_VERSION;
const TIMEOUT_MS = 30 * 60 * 1000;

function storeDir(tmp: string): string {
	const wanted = process.env.LP_INSTALLER_TEST_STORE;
	if (wanted === 'fresh') return path.join(tmp, 'store');
	if (wanted) return wanted;
	const shared = path.join(os.homedir(), '.local', 'share', 'pnpm', 'store');
	return fs.existsSync(shared) ? shared : path.join(tmp, 'store');
}

function runInstaller(env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, [path.join(REPO_DIR, 'scripts', 'n8n-install.js'), VERSION], {
			cwd: REPO_DIR,
			env,
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		let out = '';
		child.stdout.on('data', (b: Buffer) => (out += b.toString('utf8')));
		child.stderr.on('data', (b: Buffer) => (out += b.toString('utf8')));
		child.on('error', reject);
		child.on('close', (code) => resolve({ code, out }));
	});
}

interface InstallerRun {
	/** Where the run came from, for the test's output. */
	source: string;
	code: number | null;
	/** What the installer printed for 2.8.4 (its terminal output). */
	out: string;
	/** LP_N8N_CACHE of the run, and its HOME. */
	cache: string;
	home: string;
	/** The environment to load the binding with. */
	env: NodeJS.ProcessEnv;
}

/** The installer run by `npm test` on this new machine (LP_INSTALLER_FRESH_RUN), awaited to its end. */
async function freshRunOfNpmTest(named: string): Promise<InstallerRun> {
	const { output, exitCodeFile, cache, home } = JSON.parse(named) as { output: string; exitCodeFile: string; cache: string; home: string };
	const t0 = Date.now();
	while (!fs.existsSync(exitCodeFile)) {
		if (Date.now() - t0 > TIMEOUT_MS - 60_000) throw new Error(`npm test's n8n install has not ended (${exitCodeFile})`);
		await new Promise((r) => setTimeout(r, 1000));
	}
	const code = Number(fs.readFileSync(exitCodeFile, 'utf8').trim());
	const all = fs.readFileSync(output, 'utf8');
	// Its lines for 2.8.4 (each is prefixed with the version), and the installer's own failure line.
	const out = all
		.split('\n')
		.filter((l) => l.startsWith(`[n8n-install ${VERSION}`) || l.startsWith('[n8n-install] failed'))
		.map((l) => `${l}\n`)
		.join('');
	return { source: "npm test's own install on this new machine", code, out: code === 0 ? out : all, cache, home, env: { PATH: process.env.PATH, HOME: home, LANG: 'C.UTF-8' } };
}

/** The installer run here on an empty home folder of its own. */
async function ownRun(tmp: string): Promise<InstallerRun> {
	const home = path.join(tmp, 'home');
	const cache = path.join(tmp, 'cache');
	fs.mkdirSync(home);
	// Only what a login shell has: no npm_config_* (so no nodedir), a fresh HOME.
	const env: NodeJS.ProcessEnv = {
		PATH: process.env.PATH,
		HOME: home,
		LANG: 'C.UTF-8',
		LP_N8N_CACHE: cache,
		npm_config_store_dir: storeDir(tmp),
		npm_config_side_effects_cache: 'false',
	};
	const t0 = Date.now();
	const { code, out } = await runInstaller(env);
	process.stderr.write(`installer on an empty home: exit ${code} in ${Math.round((Date.now() - t0) / 1000)}s\n`);
	return { source: 'an installer run on an empty home folder of its own', code, out, cache, home, env };
}

describe(`n8n installer on an empty home folder (n8n ${VERSION})`, () => {
	const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lp-installer-e2e-'));
	afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

	test(
		'finds the local Node headers, compiles sqlite3 quietly into the log, and the binding loads',
		async () => {
			const fresh = process.env.LP_INSTALLER_FRESH_RUN;
			const { source, code, out, cache, home, env } = fresh ? await freshRunOfNpmTest(fresh) : await ownRun(tmp);
			process.stderr.write(`installer checked on ${source}\n`);
			expect({ code, tail: code === 0 ? '' : out.slice(-4000) }).toEqual({ code: 0, tail: '' });

			// Headers found locally (the running Node's own include folder), never downloaded.
			const nodedir = path.resolve(fs.realpathSync(process.execPath), '..', '..');
			expect(out).toContain(`Node headers for sqlite3's build: ${nodedir}`);
			expect(fs.existsSync(path.join(home, '.cache', 'node-gyp'))).toBe(false);

			// Announced once; the compiler's chatter is in the log only.
			expect(out.split('compiling sqlite3 (a few minutes, once)').length - 1).toBe(1);
			expect(out).not.toMatch(/gyp info|warning: |\bCC\(target\)|CXX\(target\)/);
			const logFile = path.join(cache, `n8n-${VERSION}.install.log`);
			const log = fs.readFileSync(logFile, 'utf8');
			expect(log).toMatch(/gyp info/);
			expect(log).toMatch(/CXX\(target\)|CC\(target\)/);
			expect(log).toContain(`node_root_dir=${nodedir}`);

			// The binding exists and n8n's CLI starts on it.
			const pnpmDir = path.join(cache, `n8n-${VERSION}`, 'node_modules', '.pnpm');
			const sqlite = fs.readdirSync(pnpmDir).find((d) => d.startsWith('sqlite3@'));
			expect(sqlite).toBeDefined();
			expect(
				fs.existsSync(path.join(pnpmDir, sqlite as string, 'node_modules', 'sqlite3', 'build', 'Release', 'node_sqlite3.node')),
			).toBe(true);
			const probe = await new Promise<{ code: number | null; out: string }>((resolve, reject) => {
				const child = spawn(
					process.execPath,
					['-e', `require(${JSON.stringify(path.join(pnpmDir, sqlite as string, 'node_modules', 'sqlite3'))}); console.log('sqlite3 ok')`],
					{ env, stdio: ['ignore', 'pipe', 'pipe'] },
				);
				let text = '';
				child.stdout.on('data', (b: Buffer) => (text += b.toString('utf8')));
				child.stderr.on('data', (b: Buffer) => (text += b.toString('utf8')));
				child.on('error', reject);
				child.on('close', (c) => resolve({ code: c, out: text }));
			});
			expect(probe).toEqual({ code: 0, out: 'sqlite3 ok\n' });
		},
		TIMEOUT_MS,
	);
});
