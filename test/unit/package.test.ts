/**
 * The published package: what `npm pack` ships, and the community-package rules of package.json.
 * Runs after `npm run build` (scripts/test.js builds before Jest).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

/** What `npm pack --dry-run --json` would put in the tarball (dist/ as built now; prepack not run). */
function packedFiles(): string[] {
	const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
	return JSON.parse(out)[0].files.map((f: { path: string }) => f.path);
}

/**
 * A setting as npm resolves it from the repository's own .npmrc (no user or global config: two paths that do
 * not exist; npm 11 refuses the same file, e.g. /dev/null, as both).
 */
function projectNpmConfig(key: string): string {
	const none = path.join(os.tmpdir(), `no-npmrc-${process.pid}`);
	return execFileSync('npm', ['config', 'get', key, `--userconfig=${none}-user`, `--globalconfig=${none}-global`], { cwd: root, encoding: 'utf8' }).trim();
}

test('npm pack ships dist/ (every file the n8n block names), README.md, LICENSE and package.json, nothing else', () => {
	expect(fs.existsSync(path.join(root, 'dist'))).toBe(true); // npm run build first
	const files = packedFiles();
	const outside = files.filter((f) => !f.startsWith('dist/') && !['README.md', 'LICENSE', 'package.json'].includes(f));
	expect(outside).toEqual([]);
	expect(files).toEqual(expect.arrayContaining(['README.md', 'LICENSE', 'package.json']));
	// Nothing of the tests, the sandbox, its .sandbox folder, the benchmark or the scripts; no source maps,
	// type declarations, TypeScript sources, keys or certificates.
	expect(files.filter((f) => /(^|\/)(test|sandbox|\.sandbox|bench|scripts|fixtures|node_modules)\//.test(f))).toEqual([]);
	expect(files.filter((f) => /\.(map|ts|pem|key|crt|p12|pfx|jks|tgz)$/.test(f))).toEqual([]);
	// Only dist/credentials, dist/nodes and dist/lib: what the n8n block's files load.
	expect(files.filter((f) => f.startsWith('dist/') && !/^dist\/(credentials|nodes|lib)\//.test(f))).toEqual([]);
	// Every node and credential n8n will load is in the package, with its codex and icons next to it.
	for (const entry of [...pkg.n8n.credentials, ...pkg.n8n.nodes]) expect(files).toContain(entry);
	for (const node of pkg.n8n.nodes as string[]) {
		expect(files).toContain(node.replace(/\.node\.js$/, '.node.json'));
		expect(files.some((f) => f.startsWith(path.posix.dirname(node)) && f.endsWith('.svg'))).toBe(true);
	}
	// No stale output: every shipped file comes from a source file that exists now.
	const orphans = files
		.filter((f) => f.startsWith('dist/'))
		.filter((f) => {
			const src = f.slice('dist/'.length);
			return !fs.existsSync(path.join(root, src.endsWith('.js') ? src.replace(/\.js$/, '.ts') : src));
		});
	expect(orphans).toEqual([]);
});

test('npm pack and npm publish build dist/ themselves; dependencies never run install scripts', () => {
	// "prepack" (run by npm pack and npm publish) removes dist/ and builds it.
	expect(pkg.scripts.prepack).toBe('node scripts/n8n-package.js build');
	// ignore-scripts=true would skip prepack too (npm 11: libnpmpack runs prepack only without it).
	expect(projectNpmConfig('ignore-scripts')).toBe('false');
	// Instead: every dependency that has install scripts is denied in allowScripts, and any new one
	// fails `npm ci` until reviewed (strict-allow-scripts).
	expect(projectNpmConfig('strict-allow-scripts')).toBe('true');
	const lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as {
		packages: Record<string, { hasInstallScript?: boolean }>;
	};
	const withScripts = Object.entries(lock.packages)
		.filter(([p, v]) => p && v.hasInstallScript)
		.map(([p]) => p.slice(p.lastIndexOf('node_modules/') + 'node_modules/'.length))
		.sort();
	expect(withScripts.length).toBeGreaterThan(0);
	expect(Object.keys(pkg.allowScripts).sort()).toEqual([...new Set(withScripts)]);
	for (const name of withScripts) expect(pkg.allowScripts[name]).toBe(false);
});

test('community package rules: name, keyword, n8n block, peer dependency, no install scripts, MIT', () => {
	expect(pkg.name).toMatch(/^n8n-nodes-/);
	expect(pkg.keywords).toContain('n8n-community-node-package');
	expect(pkg.license).toBe('MIT');
	expect(pkg.files).toEqual(['dist']);
	expect(pkg.n8n.n8nNodesApiVersion).toBe(1);
	expect(pkg.peerDependencies).toEqual({ 'n8n-workflow': '*' });
	// Optional: a plain `npm i n8n-nodes-liveperson` in .n8n/nodes (n8n's manual route) does not install a
	// second n8n-workflow (npm 7+ installs required peers; the newest n8n-workflow even needs Node 24).
	expect(pkg.peerDependenciesMeta).toEqual({ 'n8n-workflow': { optional: true } });
	expect(pkg.devDependencies['n8n-workflow']).toMatch(/^\d+\.\d+\.\d+$/); // pinned
	for (const script of ['preinstall', 'install', 'postinstall', 'prepare', 'prepublish']) expect(pkg.scripts[script]).toBeUndefined();
	// ioredis: the shared token store in n8n queue mode (README "Queue mode"), loaded only there.
	expect(Object.keys(pkg.dependencies).sort()).toEqual(['ioredis', 'ipaddr.js', 'jose', 'node-forge', 'undici']);
});

test('publishing workflow: npm publish --provenance --access public with the OIDC token, on a release', () => {
	// js-yaml: already in the lockfile (through Jest), not a dependency of ours.
	const yaml = require('js-yaml') as { load(text: string): unknown };
	const wf = yaml.load(fs.readFileSync(path.join(root, '.github', 'workflows', 'publish.yml'), 'utf8')) as {
		on: { release: { types: string[] } };
		permissions: Record<string, string>;
		jobs: { publish: { steps: Array<{ run?: string; uses?: string }> } };
	};
	expect(wf.on.release.types).toEqual(['published']);
	expect(wf.permissions).toEqual({ contents: 'read', 'id-token': 'write' });
	const runs = wf.jobs.publish.steps.map((s) => s.run ?? '');
	const publish = runs.findIndex((r) => r.startsWith('npm publish --provenance --access public'));
	expect(publish).toBeGreaterThan(0);
	// Installs without dependency scripts, tests before publishing.
	expect(runs.indexOf('npm ci --ignore-scripts')).toBeGreaterThanOrEqual(0);
	expect(runs.indexOf('npm test')).toBeGreaterThan(runs.indexOf('npm ci --ignore-scripts'));
	expect(runs.indexOf('npm test')).toBeLessThan(publish);
});
