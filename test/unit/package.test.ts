/**
 * The published package: what `npm pack` ships, and the community-package rules of package.json.
 * Runs after `npm run build` (scripts/test.js builds before Jest).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

test('npm pack ships only dist/, README.md, LICENSE and package.json', () => {
	expect(fs.existsSync(path.join(root, 'dist'))).toBe(true); // npm run build first
	const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
	const files: string[] = JSON.parse(out)[0].files.map((f: { path: string }) => f.path);
	const outside = files.filter((f) => !f.startsWith('dist/') && !['README.md', 'LICENSE', 'package.json'].includes(f));
	expect(outside).toEqual([]);
	expect(files).toEqual(expect.arrayContaining(['README.md', 'LICENSE', 'package.json']));
	// Nothing of the tests, the sandbox or the benchmark leaks into dist.
	expect(files.filter((f) => /^dist\/(test|sandbox|bench|scripts)\//.test(f))).toEqual([]);
	// Every node and credential n8n will load is in the package, with its icons next to it.
	for (const entry of [...pkg.n8n.credentials, ...pkg.n8n.nodes]) expect(files).toContain(entry);
	for (const node of pkg.n8n.nodes as string[]) {
		expect(files).toContain(node.replace(/\.node\.js$/, '.node.json'));
		expect(files.some((f) => f.startsWith(path.posix.dirname(node)) && f.endsWith('.svg'))).toBe(true);
	}
});

test('community package rules: name, keyword, n8n block, peer dependency, no install scripts, MIT', () => {
	expect(pkg.name).toMatch(/^n8n-nodes-/);
	expect(pkg.keywords).toContain('n8n-community-node-package');
	expect(pkg.license).toBe('MIT');
	expect(pkg.files).toEqual(['dist']);
	expect(pkg.n8n.n8nNodesApiVersion).toBe(1);
	expect(pkg.peerDependencies).toEqual({ 'n8n-workflow': '*' });
	expect(pkg.devDependencies['n8n-workflow']).toMatch(/^\d+\.\d+\.\d+$/); // pinned
	for (const script of ['preinstall', 'install', 'postinstall', 'prepare', 'prepublish']) expect(pkg.scripts[script]).toBeUndefined();
	// ioredis: the shared token store in n8n queue mode (README "Queue mode"), loaded only there.
	expect(Object.keys(pkg.dependencies).sort()).toEqual(['ioredis', 'ipaddr.js', 'jose', 'node-forge', 'undici']);
});
