/**
 * The Docker routes of docs/install.md, checked without a Docker engine: the two Dockerfiles (tarball,
 * registry) share base image, environment, install folder and npm options (those of the documented
 * tarball route); .dockerignore lets in only the tarball and never keys, .sandbox, tests or
 * node_modules; the queue-mode compose file parses, builds from one of the two Dockerfiles and gives every
 * n8n process the settings the queue-mode test (test/e2e/queue-cluster.ts) gives its processes.
 * The tarball the Dockerfile copies exists after the documented commands: test/e2e/install-routes.e2e.test.ts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { dockerIgnored, parseDockerignore } from '../support/docker-context';

const root = path.resolve(__dirname, '../..');
const read = (rel: string) => fs.readFileSync(path.join(root, rel), 'utf8');
const { N8N_VERSIONS } = require('../../scripts/n8n-install.js') as { N8N_VERSIONS: string[] };
// A YAML parser already in the lockfile (js-yaml 4, through Jest's istanbul); not a dependency of ours.
const yaml = require('js-yaml') as { load(text: string): unknown };

/** The Dockerfile's instructions, continuation lines joined, comments dropped. */
function instructions(rel: string): string[] {
	return read(rel)
		.split('\n')
		.filter((l) => !l.trim().startsWith('#'))
		.join('\n')
		.replace(/\\\n/g, ' ')
		.split('\n')
		.map((l) => l.replace(/\s+/g, ' ').trim())
		.filter(Boolean);
}

const TARBALL = 'docs/docker/Dockerfile.tarball';
const REGISTRY = 'docs/docker/Dockerfile.registry';
const NPM_FLAGS = 'npm install --omit=dev --omit=peer --ignore-scripts --no-audit --no-fund';

test('both Dockerfiles: the newest pinned n8n image, the same environment, folder and npm options', () => {
	const newest = N8N_VERSIONS[N8N_VERSIONS.length - 1];
	const t = instructions(TARBALL);
	const r = instructions(REGISTRY);
	for (const lines of [t, r]) {
		expect(lines.filter((l) => /^(ARG N8N_VERSION|FROM)/.test(l))).toEqual([`ARG N8N_VERSION=${newest}`, 'FROM n8nio/n8n:${N8N_VERSION}']);
		expect(lines.filter((l) => /^(ENV|USER)/.test(l))).toEqual(['USER node', 'ENV N8N_UNVERIFIED_PACKAGES_ENABLED=true']);
		const run = lines.filter((l) => l.startsWith('RUN'));
		expect(run).toHaveLength(1);
		expect(run[0]).toContain('cd /home/node/.n8n/nodes;');
		expect(run[0]).toContain(`echo '{"name":"installed-nodes","private":true,"dependencies":{}}' > package.json`);
		expect(run[0]).toContain(NPM_FLAGS);
	}
	// The same npm command as the documented tarball route (docs/install.md, route 3).
	expect(read('docs/install.md')).toContain(`${NPM_FLAGS} /path/to/n8n-nodes-liveperson-<version>.tgz`);
	// Tarball: copies the tarball `npm pack` writes; registry: a version build argument, nothing copied.
	expect(t.filter((l) => l.startsWith('COPY'))).toEqual(['COPY --chown=node:node n8n-nodes-liveperson-*.tgz /opt/n8n-nodes-liveperson/']);
	expect(t.find((l) => l.startsWith('RUN'))).toContain(`${NPM_FLAGS} /opt/n8n-nodes-liveperson/n8n-nodes-liveperson-*.tgz`);
	expect(r.filter((l) => l.startsWith('COPY') || l.startsWith('ADD'))).toEqual([]);
	expect(r).toContain('ARG PACKAGE_VERSION=latest');
	expect(r.find((l) => l.startsWith('RUN'))).toContain(`${NPM_FLAGS} "n8n-nodes-liveperson@\${PACKAGE_VERSION}"`);
	// One Dockerfile per route: no other Dockerfile left in docs/.
	const dockerfiles = fs.readdirSync(path.join(root, 'docs'), { recursive: true }).map(String).filter((f) => /Dockerfile/.test(path.basename(f)));
	expect(dockerfiles.sort()).toEqual(['docker/Dockerfile.registry', 'docker/Dockerfile.tarball']);
});

test('.dockerignore: only the tarball goes into the build context; never keys, .sandbox, tests, node_modules, .git', () => {
	const rules = parseDockerignore(path.join(root, '.dockerignore'));
	expect(dockerIgnored('n8n-nodes-liveperson-0.1.0.tgz', rules)).toBe(false);
	for (const rel of [
		'.sandbox/google-service-account.json',
		'.sandbox/n8n/.n8n/config',
		'test/fixtures/x.json',
		'node_modules/undici/index.js',
		'.git/HEAD',
		'some/where/server.key',
		'n8n-nodes-liveperson-0.1.0/key.pem',
		'client.p12',
		'other-package-1.0.0.tgz',
		'package.json',
		'dist/nodes/LivePersonDomains/LivePersonDomains.node.js',
	]) {
		expect({ rel, ignored: dockerIgnored(rel, rules) }).toEqual({ rel, ignored: true });
	}
});

test('queue-mode compose file: parses, builds from docs/docker/Dockerfile.*, and carries the queue-mode test\'s settings', () => {
	const compose = yaml.load(read('docs/queue-mode/docker-compose.yml')) as {
		'x-n8n-env': Record<string, string>;
		services: Record<string, { build?: { context: string; dockerfile: string; args?: Record<string, string> }; image?: string; environment?: Record<string, string>; command?: string }>;
	};
	const { main, worker } = compose.services;
	expect(main.build).toBeDefined();
	const context = path.resolve(root, 'docs/queue-mode', main.build!.context);
	expect(context).toBe(root);
	// ${LP_INSTALL_FROM:-tarball}: both values name an existing Dockerfile of the context.
	for (const from of ['tarball', 'registry']) {
		const dockerfile = main.build!.dockerfile.replace('${LP_INSTALL_FROM:-tarball}', from);
		expect(fs.existsSync(path.join(context, dockerfile))).toBe(true);
	}
	expect(main.build!.dockerfile.replace('${LP_INSTALL_FROM:-tarball}', 'tarball')).toBe(TARBALL);
	expect(main.build!.args).toEqual({ PACKAGE_VERSION: '${PACKAGE_VERSION:-latest}' });
	expect(worker.image).toBe(main.image);
	expect(worker.command).toMatch(/^worker\b/);
	for (const svc of [main, worker]) {
		for (const [k, v] of Object.entries(compose['x-n8n-env'])) expect(svc.environment?.[k]).toBe(v);
	}

	// The queue-mode test's process settings (its env object literal) that are not about loopback, ports
	// of the test or logging: each is in the compose file, literal values equal (not secrets).
	const src = read('test/e2e/queue-cluster.ts');
	const block = src.slice(src.indexOf('const env: NodeJS.ProcessEnv = {'), src.indexOf('...(opts.env ?? {})'));
	const testEnv = [...block.matchAll(/^\s*([A-Z][A-Z0-9_]+):\s*(.+?),?\s*$/gm)].map(([, k, v]) => ({ k, v }));
	const shared = testEnv.filter(({ k }) => /^(N8N_ENCRYPTION_KEY|EXECUTIONS_MODE|QUEUE_BULL_REDIS_HOST|QUEUE_BULL_REDIS_PORT|DB_|N8N_DIAGNOSTICS_ENABLED)/.test(k));
	expect(shared.map((e) => e.k).sort()).toEqual(
		['DB_POSTGRESDB_DATABASE', 'DB_POSTGRESDB_HOST', 'DB_POSTGRESDB_PASSWORD', 'DB_POSTGRESDB_PORT', 'DB_POSTGRESDB_USER', 'DB_TYPE', 'EXECUTIONS_MODE', 'N8N_DIAGNOSTICS_ENABLED', 'N8N_ENCRYPTION_KEY', 'QUEUE_BULL_REDIS_HOST', 'QUEUE_BULL_REDIS_PORT'],
	);
	const env = compose['x-n8n-env'];
	for (const { k, v } of shared) {
		expect({ k, present: k in env }).toEqual({ k, present: true });
		// Secrets are the user's own (the test's PostgreSQL trusts loopback and ignores its password).
		const literal = /^'([^']*)'$/.exec(v);
		if (literal && !/PASSWORD|_KEY$/.test(k)) expect({ k, value: env[k] }).toEqual({ k, value: literal[1] });
	}
});
