/**
 * A local npm registry for tests: verdaccio (pinned below; 6.x runs on Node 20), installed once from the
 * npm registry into the cache folder OUTSIDE the repository (scripts/n8n-install.js's cacheRoot(), e.g.
 * ~/.cache/n8n-nodes-liveperson/verdaccio-6.8.0; not a dependency of this package), started in a child
 * process on 127.0.0.1 and a port the kernel picks, with its configuration, storage and users in a temp
 * folder removed by stop().
 *
 * Packages named in `local` are served only from this registry (never proxied: a published copy on
 * npmjs.com can not mix in); every other package (our runtime dependencies and theirs) is proxied to
 * `uplink` (default https://registry.npmjs.org/).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { cacheRoot, cleanEnv, withLock } from '../../scripts/n8n-install';

export const VERDACCIO_VERSION = '6.8.0';

export interface Verdaccio {
	/** http://127.0.0.1:<port> (no trailing slash). */
	url: string;
	pid: number;
	/** Creates a user (verdaccio's htpasswd) and returns an npm userconfig file holding its token. */
	login(name: string, password: string): Promise<string>;
	/** Everything verdaccio printed. */
	logs(): string;
	stop(): Promise<void>;
}

/** The verdaccio package folder in the cache (installed on first use, under a lock). */
export async function ensureVerdaccio(): Promise<string> {
	const root = path.join(cacheRoot(), `verdaccio-${VERDACCIO_VERSION}`);
	const pkgDir = path.join(root, 'node_modules', 'verdaccio');
	const marker = path.join(root, '.lp-installed.json');
	if (fs.existsSync(marker) && fs.existsSync(path.join(pkgDir, 'package.json'))) return pkgDir;
	fs.mkdirSync(cacheRoot(), { recursive: true });
	return withLock(`${root}.lock`, `verdaccio ${VERDACCIO_VERSION}`, async () => {
		if (fs.existsSync(marker)) return pkgDir;
		fs.rmSync(root, { recursive: true, force: true });
		fs.mkdirSync(root, { recursive: true });
		fs.writeFileSync(path.join(root, 'package.json'), JSON.stringify({ name: 'lp-verdaccio', private: true }));
		const t0 = Date.now();
		await new Promise<void>((resolve, reject) =>
			execFile(
				'npm',
				['install', `verdaccio@${VERDACCIO_VERSION}`, '--ignore-scripts', '--no-audit', '--no-fund', '--package-lock=false'],
				{ cwd: root, env: cleanEnv(), maxBuffer: 16 * 1024 * 1024 },
				(err, stdout, stderr) => (err ? reject(new Error(`npm install verdaccio@${VERDACCIO_VERSION} in ${root} failed: ${err.message}\n${stdout}${stderr}`)) : resolve()),
			),
		);
		const version = (JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')) as { version: string }).version;
		if (version !== VERDACCIO_VERSION) throw new Error(`installed verdaccio ${version}, expected ${VERDACCIO_VERSION}`);
		fs.writeFileSync(marker, JSON.stringify({ version, seconds: (Date.now() - t0) / 1000, installedAt: new Date().toISOString() }));
		return pkgDir;
	});
}

/** Starts verdaccio in a child process: app.listen(0, '127.0.0.1'), the port read from its first line. */
const LAUNCHER = `
const { runServer } = require(process.argv[1]);
runServer(process.argv[2]).then((app) => {
	const server = app.listen(0, '127.0.0.1', () => process.stdout.write('LP-VERDACCIO-LISTENING ' + server.address().port + '\\n'));
	process.on('SIGTERM', () => server.close(() => process.exit(0)));
}, (e) => { console.error(e); process.exit(1); });
`;

export async function startVerdaccio(opts: { local: string[]; uplink?: string; timeoutMs?: number }): Promise<Verdaccio> {
	const pkgDir = await ensureVerdaccio();
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lp-verdaccio-'));
	const uplink = opts.uplink ?? 'https://registry.npmjs.org/';
	const q = (s: string) => JSON.stringify(s);
	const config = [
		`storage: ${q(path.join(dir, 'storage'))}`,
		'auth:',
		'  htpasswd:',
		`    file: ${q(path.join(dir, 'htpasswd'))}`,
		'    max_users: 10',
		'uplinks:',
		'  npmjs:',
		`    url: ${q(uplink)}`,
		'web:',
		'  enable: false',
		'packages:',
		...opts.local.flatMap((name) => [`  ${q(name)}:`, '    access: $all', '    publish: $authenticated', '    unpublish: $authenticated']),
		"  '**':",
		'    access: $all',
		'    publish: $authenticated',
		'    proxy: npmjs',
		'log: { type: stdout, format: pretty, level: warn }',
		'',
	].join('\n');
	const configFile = path.join(dir, 'config.yaml');
	fs.writeFileSync(configFile, config);

	const child: ChildProcess = spawn(process.execPath, ['-e', LAUNCHER, pkgDir, configFile], {
		cwd: dir,
		env: { ...cleanEnv(), VERDACCIO_APPDIR: dir },
		detached: true,
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	let out = '';
	const exited = new Promise<void>((r) => child.once('exit', () => r()));
	const cleanup = async () => {
		if (child.exitCode === null && child.signalCode === null) {
			try {
				process.kill(-(child.pid as number), 'SIGTERM');
			} catch {
				/* gone */
			}
			const t = setTimeout(() => {
				try {
					process.kill(-(child.pid as number), 'SIGKILL');
				} catch {
					/* gone */
				}
			}, 5000);
			await exited;
			clearTimeout(t);
		}
		fs.rmSync(dir, { recursive: true, force: true });
	};
	try {
		const port = await new Promise<number>((resolve, reject) => {
			const timer = setTimeout(() => reject(new Error(`verdaccio did not start in time:\n${out.slice(-3000)}`)), opts.timeoutMs ?? 60_000);
			const onData = (b: Buffer) => {
				out += b.toString('utf8');
				const m = /LP-VERDACCIO-LISTENING (\d+)/.exec(out);
				if (m) {
					clearTimeout(timer);
					resolve(Number(m[1]));
				}
			};
			child.stdout?.on('data', onData);
			child.stderr?.on('data', onData);
			void exited.then(() => {
				clearTimeout(timer);
				reject(new Error(`verdaccio exited before listening:\n${out.slice(-3000)}`));
			});
		});
		const url = `http://127.0.0.1:${port}`;
		return {
			url,
			pid: child.pid as number,
			logs: () => out,
			async login(name, password) {
				const res = await fetch(`${url}/-/user/org.couchdb.user:${encodeURIComponent(name)}`, {
					method: 'PUT',
					headers: { 'content-type': 'application/json' },
					body: JSON.stringify({ _id: `org.couchdb.user:${name}`, name, password, type: 'user', roles: [], date: new Date().toISOString() }),
				});
				const body = (await res.json()) as { token?: string };
				if (res.status !== 201 || !body.token) throw new Error(`verdaccio: creating user ${name} answered HTTP ${res.status}`);
				const file = path.join(dir, `npmrc-${name}`);
				fs.writeFileSync(file, `//127.0.0.1:${port}/:_authToken=${body.token}\n`, { mode: 0o600 });
				return file;
			},
			stop: cleanup,
		};
	} catch (e) {
		await cleanup();
		throw e;
	}
}
