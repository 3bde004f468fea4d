'use strict';
/**
 * Build + pack this package, and install it into an n8n user folder with the npm commands n8n's
 * "Settings -> Community nodes -> Install" runs (plain Node, CommonJS, no dependencies; shared by
 * test/e2e/harness.ts, test/e2e/install-routes.e2e.test.ts and scripts/start.js).
 *
 * n8n's installer (CommunityPackagesService, packages/cli/src/modules/community-packages/
 * community-packages.service.ts + npm-utils.ts; read in 2.8.4 and 2.41.3, same commands in both):
 *   0. GET <registry>/<encodeURIComponent(name)>/<version> (the version must exist)
 *   1. <userFolder>/.n8n/nodes/package.json = {name: 'installed-nodes', private: true, dependencies: {}}
 *      when missing (2.41.3 also rebuilds it from its database when it is unusable)
 *   2. the package folder nodes/node_modules/<name> is emptied (2.8.4 deletes it; 2.41.3 renames it to
 *      <name>.backup-<ms>, restored on failure and deleted on success)
 *   3. in nodes/: `npm pack <name>@<version> --registry=<registry> --quiet` (stdout: the tarball's name)
 *   4. `tar -xzf <tarball> -C node_modules/<name> --strip-components=1`
 *   5. devDependencies, peerDependencies and optionalDependencies are deleted from that package.json,
 *      so n8n-workflow (our peer) is NOT installed a second time: n8n provides its own copy
 *   6. in the package folder: `npm install --audit=false --fund=false --bin-links=false
 *      --install-strategy=shallow --ignore-scripts=true --package-lock=false --registry=<registry>`
 *   7. nodes/package.json dependencies[name] = version; the tarball is deleted
 * n8n runs npm with its own environment (no npm_config_* of ours); the registry is
 * https://registry.npmjs.org unless N8N_COMMUNITY_PACKAGES_REGISTRY is set, which needs an enterprise
 * licence (getNpmRegistry throws FeatureNotLicensedError otherwise). An update is the same steps with the
 * new version (default "latest"); n8n then unloads and reloads the package in the running process.
 *
 * CLI: `node scripts/n8n-package.js build` (package.json "prepack"): removes dist/ and runs
 * `npm run build`, so a tarball never ships the compiled file of a removed source.
 */
const { execFile, spawn, spawnSync } = require('child_process');
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');

const REPO = path.resolve(__dirname, '..');
/** n8n's `npm install` arguments (2.8.4: NPM_COMMON_ARGS + NPM_INSTALL_ARGS; 2.41.3: the same list inline), without --registry. */
const NPM_INSTALL_ARGS = [
	'--audit=false',
	'--fund=false',
	'--bin-links=false',
	'--install-strategy=shallow',
	'--ignore-scripts=true',
	'--package-lock=false',
];
/** n8n's default registry (CommunityPackagesConfig.registry). */
const DEFAULT_REGISTRY = 'https://registry.npmjs.org';

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
 * `npm pack` into outDir (default: a fresh temp folder): the package's "prepack" script removes dist/ and
 * builds it (`build` below), as for `npm publish`. Returns the .tgz path.
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
	// `npm test` (scripts/test.js) packs this working tree once, right after its build, and names the
	// tarball in LP_PACKED_TGZ: every e2e file and sandbox start of that run installs a copy of it instead
	// of building and packing the same sources again (about 6 s each, some 20 times a run).
	const packed = process.env.LP_PACKED_TGZ;
	if (packed && !opts.envRef && repoDir === REPO) {
		if (!fs.existsSync(packed)) throw new Error(`LP_PACKED_TGZ names ${packed}, which does not exist`);
		const copy = path.join(outDir, path.basename(packed));
		if (path.resolve(copy) !== path.resolve(packed)) fs.copyFileSync(packed, copy);
		return copy;
	}
	const npmEnv = { ...process.env, npm_config_update_notifier: 'false' };
	if (opts.envRef) delete npmEnv.LP_PACK_REF;
	const { name, version } = JSON.parse(fs.readFileSync(path.join(repoDir, 'package.json'), 'utf8'));
	const tgz = path.join(outDir, `${name.replace(/^@/, '').replace('/', '-')}-${version}.tgz`);
	fs.rmSync(tgz, { force: true });
	// --ignore-scripts=false: an ignore-scripts=true in the caller's npm config would skip "prepack" and
	// pack no dist/. --foreground-scripts shows the build's output.
	const args = ['pack', '--ignore-scripts=false', '--pack-destination', outDir];
	if (opts.quiet) await runQuiet('npm', args, { cwd: repoDir, env: npmEnv });
	else await runVisible('npm', [...args, '--foreground-scripts'], { cwd: repoDir, env: npmEnv }, '[build]');
	if (!fs.existsSync(tgz)) throw new Error(`npm pack did not write ${tgz}`);
	return tgz;
}

/** The "prepack" script: removes dist/ and runs `npm run build` (tsc + icons) in repoDir. */
function build(repoDir = REPO) {
	fs.rmSync(path.join(repoDir, 'dist'), { recursive: true, force: true });
	const res = spawnSync('npm', ['run', 'build'], { cwd: repoDir, stdio: 'inherit' });
	if (res.status !== 0) throw new Error(`npm run build failed (exit ${res.status ?? res.signal})`);
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

const NAME_RULE = /^(@[a-z0-9-~][a-z0-9-._~]*\/)?n8n-nodes-[a-z0-9-._~]+$/;

/** <userFolder>/.n8n/nodes with n8n's package.json (step 1). Returns the folder. */
function ensureNodesFolder(userFolder) {
	const nodesDir = path.join(userFolder, '.n8n', 'nodes');
	fs.mkdirSync(nodesDir, { recursive: true });
	const nodesPkg = path.join(nodesDir, 'package.json');
	if (!fs.existsSync(nodesPkg)) {
		fs.writeFileSync(nodesPkg, JSON.stringify({ name: 'installed-nodes', private: true, dependencies: {} }, null, 2));
	}
	return nodesDir;
}

function packageDir(nodesDir, name) {
	if (!NAME_RULE.test(name)) {
		throw new Error(`package name ${JSON.stringify(name)}: n8n only loads packages named n8n-nodes-* or @scope/n8n-nodes-*`);
	}
	return path.join(nodesDir, 'node_modules', ...name.split('/'));
}

/**
 * Steps 4-7 for a tarball: extract into dir, strip dev/peer/optional dependencies, `npm install` with
 * n8n's arguments, record the version in nodes/package.json.
 */
async function unpackAndInstall(nodesDir, dir, tgz, { env, registry }) {
	fs.mkdirSync(dir, { recursive: true });
	await runQuiet('tar', ['-xzf', tgz, '-C', dir, '--strip-components=1']);
	const pkgFile = path.join(dir, 'package.json');
	// eslint-disable-next-line @typescript-eslint/no-unused-vars
	const { devDependencies, peerDependencies, optionalDependencies, ...stripped } = JSON.parse(
		fs.readFileSync(pkgFile, 'utf8'),
	);
	fs.writeFileSync(pkgFile, JSON.stringify(stripped, null, 2));
	const registryArgs = registry ? [`--registry=${registry.replace(/\/+$/, '')}`] : [];
	await runQuiet('npm', ['install', ...NPM_INSTALL_ARGS, ...registryArgs], { cwd: dir, env });
	const nodesPkg = path.join(nodesDir, 'package.json');
	const nodesJson = JSON.parse(fs.readFileSync(nodesPkg, 'utf8'));
	nodesJson.dependencies = { ...(nodesJson.dependencies || {}), [stripped.name]: stripped.version };
	fs.writeFileSync(nodesPkg, JSON.stringify(nodesJson, null, 2));
	return { name: stripped.name, version: stripped.version };
}

/**
 * Installs a packed community package into <userFolder>/.n8n/nodes like n8n's installer (steps 1, 2, 4-7
 * with a local tarball instead of `npm pack`). Skips the work when the same tarball content is already
 * installed there (marker file).
 * @param {string} userFolder N8N_USER_FOLDER
 * @param {string} tgz path of the packed package
 * @param {{ env?: NodeJS.ProcessEnv, force?: boolean }} [opts] env: must carry the PATH of the Node
 *   that runs n8n (npm runs on it)
 * @returns {Promise<{ name: string, version: string, dir: string, skipped: boolean }>}
 */
async function installCommunityPackage(userFolder, tgz, opts = {}) {
	const env = { ...(opts.env || process.env), npm_config_update_notifier: 'false' };
	const nodesDir = ensureNodesFolder(userFolder);
	const manifest = JSON.parse(await runQuiet('tar', ['-xzf', tgz, '-O', 'package/package.json']));
	const { name, version } = manifest;
	const dir = packageDir(nodesDir, name);
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
	await unpackAndInstall(nodesDir, dir, tgz, { env });
	fs.writeFileSync(markerFile, JSON.stringify({ name, version, sha256: sha, installedAt: new Date().toISOString() }));
	return { name, version, dir, skipped: false };
}

/**
 * Install or update `name@version` from a registry with exactly the commands n8n runs (steps 0-7 above),
 * e.g. against a local registry. version: an exact version or a dist-tag (n8n's default: "latest").
 * @param {string} userFolder N8N_USER_FOLDER
 * @param {string} name package name
 * @param {{ version?: string, registry?: string, env?: NodeJS.ProcessEnv }} [opts] env: the environment
 *   npm runs with (PATH of the Node that runs n8n; no npm_config_* of an outer npm)
 * @returns {Promise<{ name: string, version: string, dir: string, commands: string[][] }>} commands: the
 *   npm command lines run, in order
 */
async function installFromRegistry(userFolder, name, opts = {}) {
	const version = opts.version || 'latest';
	const registry = (opts.registry || DEFAULT_REGISTRY).replace(/\/+$/, '');
	const env = { ...(opts.env || process.env), npm_config_update_notifier: 'false' };
	const nodesDir = ensureNodesFolder(userFolder);
	const dir = packageDir(nodesDir, name);
	const res = await fetch(`${registry}/${encodeURIComponent(name)}/${version}`);
	if (res.status !== 200) throw new Error(`${name}@${version} is not in ${registry} (HTTP ${res.status})`);
	await res.arrayBuffer();
	const backup = fs.existsSync(dir) ? `${dir}.backup-${Date.now()}` : undefined;
	if (backup) fs.renameSync(dir, backup);
	const commands = [];
	let tarball;
	try {
		fs.mkdirSync(dir, { recursive: true });
		const packArgs = ['pack', `${name}@${version}`, `--registry=${registry}`, '--quiet'];
		commands.push(['npm', ...packArgs]);
		tarball = (await runQuiet('npm', packArgs, { cwd: nodesDir, env })).trim();
		commands.push(['npm', 'install', ...NPM_INSTALL_ARGS, `--registry=${registry}`]);
		const installed = await unpackAndInstall(nodesDir, dir, path.join(nodesDir, tarball), { env, registry });
		if (backup) fs.rmSync(backup, { recursive: true, force: true });
		return { ...installed, dir, commands };
	} catch (e) {
		fs.rmSync(dir, { recursive: true, force: true });
		if (backup) fs.renameSync(backup, dir);
		throw e;
	} finally {
		if (tarball) fs.rmSync(path.join(nodesDir, tarball), { force: true });
	}
}

module.exports = { build, buildAndPack, installCommunityPackage, installFromRegistry, NPM_INSTALL_ARGS, DEFAULT_REGISTRY, REPO };

if (require.main === module) {
	if (process.argv[2] !== 'build') {
		process.stderr.write('usage: node scripts/n8n-package.js build   (removes dist/ and runs npm run build)\n');
		process.exit(2);
	}
	try {
		build();
	} catch (e) {
		process.stderr.write(`${e.message}\n`);
		process.exit(1);
	}
}
