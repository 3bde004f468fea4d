'use strict';
/**
 * Build + pack this package, and install the packed .tgz into an n8n user folder exactly the way
 * n8n's "Settings -> Community nodes -> Install" does (plain Node, CommonJS, no dependencies; shared by
 * test/e2e/harness.ts and scripts/start.js).
 *
 * Mirrors CommunityPackagesService in n8n 2.8.4 (packages/cli/src/modules/community-packages/
 * community-packages.service.ts: ensurePackageJson + downloadPackage):
 *   1. <userFolder>/.n8n/nodes/package.json = {name: 'installed-nodes', private: true, dependencies: {}}
 *   2. the tarball is extracted into nodes/node_modules/<name> (tar --strip-components=1)
 *   3. devDependencies, peerDependencies and optionalDependencies are deleted from that package.json,
 *      so n8n-workflow (our peer) is NOT installed a second time: n8n provides its own copy
 *   4. `npm install --audit=false --fund=false --bin-links=false --install-strategy=shallow
 *      --ignore-scripts=true --package-lock=false` inside the package folder
 *   5. nodes/package.json dependencies[name] = version
 */
const { execFile, spawn } = require('child_process');
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');

const REPO = path.resolve(__dirname, '..');
/** Same arguments as n8n's NPM_COMMON_ARGS + NPM_INSTALL_ARGS (plus --omit=dev, a no-op once devDependencies are gone). */
const NPM_INSTALL_ARGS = [
	'--audit=false',
	'--fund=false',
	'--bin-links=false',
	'--install-strategy=shallow',
	'--ignore-scripts=true',
	'--package-lock=false',
	'--omit=dev',
];

function runQuiet(cmd, args, opts) {
	return new Promise((resolve, reject) => {
		execFile(cmd, args, { maxBuffer: 64 * 1024 * 1024, ...opts }, (err, stdout, stderr) => {
			if (err) {
				err.message = `${cmd} ${args.join(' ')} failed: ${err.message}\n${String(stdout).slice(-3000)}${String(stderr).slice(-3000)}`;
				reject(err);
			} else resolve(String(stdout));
		});
	});
}

function runVisible(cmd, args, opts, prefix) {
	return new Promise((resolve, reject) => {
		const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
		let tail = '';
		const onData = (chunk) => {
			const text = String(chunk);
			tail = (tail + text).slice(-4000);
			for (const line of text.split(/\r?\n/)) if (line.trim()) process.stderr.write(`${prefix} ${line}\n`);
		};
		child.stdout.on('data', onData);
		child.stderr.on('data', onData);
		child.on('error', reject);
		child.on('close', (code) =>
			code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} failed (exit ${code}):\n${tail}`)),
		);
	});
}

/**
 * `npm run build` then `npm pack` into outDir (default: a fresh temp folder). Returns the .tgz path.
 * @param {{ repoDir?: string, outDir?: string, quiet?: boolean }} [opts]
 */
async function buildAndPack(opts = {}) {
	const gitRef = opts.envRef ? undefined : opts.gitRef || process.env.LP_PACK_REF;
	if (gitRef) {
		const src = await exportGitRef(path.resolve(opts.repoDir || REPO), gitRef);
		try {
			return await buildAndPack({ ...opts, gitRef: undefined, repoDir: src, envRef: true });
		} finally {
			fs.rmSync(src, { recursive: true, force: true });
		}
	}
	const repoDir = path.resolve(opts.repoDir || REPO);
	const outDir = opts.outDir || fs.mkdtempSync(path.join(os.tmpdir(), 'lp-pack-'));
	fs.mkdirSync(outDir, { recursive: true });
	const npmEnv = { ...process.env, npm_config_update_notifier: 'false' };
	if (opts.envRef) delete npmEnv.LP_PACK_REF;
	if (opts.quiet) await runQuiet('npm', ['run', 'build'], { cwd: repoDir, env: npmEnv });
	else await runVisible('npm', ['run', 'build'], { cwd: repoDir, env: npmEnv }, '[build]');
	const out = await runQuiet('npm', ['pack', '--json', '--pack-destination', outDir], { cwd: repoDir, env: npmEnv });
	const start = out.indexOf('[');
	const info = JSON.parse(out.slice(start));
	const tgz = path.join(outDir, info[0].filename);
	if (!fs.existsSync(tgz)) throw new Error(`npm pack did not write ${tgz}`);
	return tgz;
}

/**
 * Copies the files of a commit (e.g. HEAD) into a temp folder with the repo's node_modules linked, so
 * the package can be built from committed code while others edit the working tree (LP_PACK_REF=HEAD).
 */
async function exportGitRef(repoDir, ref) {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lp-src-'));
	const tar = path.join(dir, '..', `${path.basename(dir)}.tar`);
	await runQuiet('git', ['archive', '--format=tar', '-o', tar, ref], { cwd: repoDir });
	await runQuiet('tar', ['-xf', tar, '-C', dir]);
	fs.rmSync(tar, { force: true });
	fs.symlinkSync(path.join(repoDir, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
	return dir;
}

function sha256File(file) {
	return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/**
 * Installs a packed community package into <userFolder>/.n8n/nodes like n8n's installer.
 * Skips the work when the same tarball content is already installed there (marker file).
 * @param {string} userFolder N8N_USER_FOLDER
 * @param {string} tgz path of the packed package
 * @param {{ env?: NodeJS.ProcessEnv, force?: boolean }} [opts] env: must carry the PATH of the Node
 *   that runs n8n (npm runs on it)
 * @returns {Promise<{ name: string, version: string, dir: string, skipped: boolean }>}
 */
async function installCommunityPackage(userFolder, tgz, opts = {}) {
	const env = { ...(opts.env || process.env), npm_config_update_notifier: 'false' };
	const nodesDir = path.join(userFolder, '.n8n', 'nodes');
	fs.mkdirSync(nodesDir, { recursive: true });
	const nodesPkg = path.join(nodesDir, 'package.json');
	if (!fs.existsSync(nodesPkg)) {
		fs.writeFileSync(nodesPkg, JSON.stringify({ name: 'installed-nodes', private: true, dependencies: {} }, null, 2));
	}
	const manifest = JSON.parse(await runQuiet('tar', ['-xzf', tgz, '-O', 'package/package.json']));
	const { name, version } = manifest;
	if (!/^(@[a-z0-9-~][a-z0-9-._~]*\/)?n8n-nodes-[a-z0-9-._~]+$/.test(name)) {
		throw new Error(`package name ${JSON.stringify(name)}: n8n only loads packages named n8n-nodes-* or @scope/n8n-nodes-*`);
	}
	const dir = path.join(nodesDir, 'node_modules', ...name.split('/'));
	const markerFile = path.join(nodesDir, `.lp-installed-${name.replace(/[/@]/g, '_')}.json`);
	const sha = sha256File(tgz);
	try {
		const marker = JSON.parse(fs.readFileSync(markerFile, 'utf8'));
		if (!opts.force && marker.sha256 === sha && fs.existsSync(path.join(dir, 'package.json'))) {
			return { name, version, dir, skipped: true };
		}
	} catch {
		/* not installed yet */
	}
	fs.rmSync(dir, { recursive: true, force: true });
	fs.mkdirSync(dir, { recursive: true });
	await runQuiet('tar', ['-xzf', tgz, '-C', dir, '--strip-components=1']);
	const pkgFile = path.join(dir, 'package.json');
	// eslint-disable-next-line @typescript-eslint/no-unused-vars
	const { devDependencies, peerDependencies, optionalDependencies, ...stripped } = JSON.parse(
		fs.readFileSync(pkgFile, 'utf8'),
	);
	fs.writeFileSync(pkgFile, JSON.stringify(stripped, null, 2));
	await runQuiet('npm', ['install', ...NPM_INSTALL_ARGS], { cwd: dir, env });
	const nodesJson = JSON.parse(fs.readFileSync(nodesPkg, 'utf8'));
	nodesJson.dependencies = { ...(nodesJson.dependencies || {}), [name]: version };
	fs.writeFileSync(nodesPkg, JSON.stringify(nodesJson, null, 2));
	fs.writeFileSync(markerFile, JSON.stringify({ name, version, sha256: sha, installedAt: new Date().toISOString() }));
	return { name, version, dir, skipped: false };
}

module.exports = { buildAndPack, installCommunityPackage, NPM_INSTALL_ARGS, REPO };
