/**
 * The routes a user takes to get this package into their own n8n (docs/install.md), on both pinned n8n
 * versions, from a fresh clone of the committed code:
 *
 *   fresh clone (HEAD) → `npm ci` (empty home; the machine's npm cache) → `npm pack` (prepack builds
 *   dist/: every file the n8n block names is in it; it is the one file docs/docker/Dockerfile.tarball
 *   copies from the build context .dockerignore leaves) → `npm publish --dry-run` (builds again; lists the
 *   same files) → `npm publish <tarball>` to a local registry (verdaccio on 127.0.0.1, our runtime
 *   dependencies proxied to registry.npmjs.org)
 *
 *   registry route: the npm commands n8n's Settings → Community nodes → Install runs
 *     (scripts/n8n-package.js installFromRegistry, read from n8n's community-packages.service of both
 *     versions) → `n8n start` → our nodes and credentials in /types/*.json with the package version,
 *     the Domains sample (examples/domains.json, behind a Webhook) answers from the emulator; then a second
 *     version is published and installed with the same commands ("latest", as n8n's update does) →
 *     restart → the new version is the one loaded and the same workflow still runs
 *   manual route (n8n's docs: `npm i <package>` in <user folder>/.n8n/nodes) → nodes listed, and the
 *     package is NOT in Settings → Community nodes (GET /rest/community-packages)
 *   tarball route (docs/install.md's commands with the tarball of the fresh clone) → nodes listed
 *
 * n8n's button itself can not be pressed against a local registry (N8N_COMMUNITY_PACKAGES_REGISTRY needs
 * an enterprise licence), so the test runs the button's commands. The routes of both versions run side
 * by side (six user folders, each on its own port), each test checking its own route. Durations are
 * printed at the end.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { startEmulator } from '../../sandbox/emulator';
import { cleanEnv } from '../../scripts/n8n-install';
import { installFromRegistry, NPM_INSTALL_ARGS } from '../../scripts/n8n-package';
import { copySources, parseDockerignore } from '../support/docker-context';
import { startVerdaccio, type Verdaccio } from '../support/verdaccio';
import { createN8n, freePort, INSTALL_TIMEOUT_MS, N8N_VERSIONS, n8nRestClient, PACKAGE_NAME, processesLeft, REPO_DIR, type N8nInstance } from './harness';

type Emulator = Awaited<ReturnType<typeof startEmulator>>;

const STEP_TIMEOUT_MS = 10 * 60 * 1000;
const OWNER = { email: 'routes-owner@example.com', firstName: 'Routes', lastName: 'Owner', password: `R-${randomBytes(9).toString('hex')}9` };
/** docs/install.md's tarball route, after `npm ci && npm pack` (run in <user folder>/.n8n/nodes). */
const NODES_PACKAGE_JSON = '{"name":"installed-nodes","private":true,"dependencies":{}}';
const TARBALL_INSTALL = ['install', '--omit=dev', '--omit=peer', '--ignore-scripts', '--no-audit', '--no-fund'];

const timings: Record<string, number> = {};
async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
	const t0 = Date.now();
	try {
		return await fn();
	} finally {
		timings[label] = Math.round((Date.now() - t0) / 100) / 10;
		process.stderr.write(`[install-routes] ${label}: ${timings[label]} s\n`);
	}
}

function run(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): Promise<string> {
	return new Promise((resolve, reject) =>
		execFile(cmd, args, { ...opts, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) =>
			err ? reject(new Error(`${cmd} ${args.join(' ')} (in ${opts.cwd}) failed: ${err.message}\n${String(stdout).slice(-2000)}${String(stderr).slice(-3000)}`)) : resolve(String(stdout)),
		),
	);
}

/**
 * The files of `npm pack --json` / `npm publish --json` output (an array or an object keyed by package
 * name), after the prepack script's output on the same stdout.
 */
function jsonFiles(out: string): string[] {
	const parsed = JSON.parse(out.slice(out.search(/^[[{]\s*$/m))) as unknown;
	const first = (Array.isArray(parsed) ? parsed[0] : Object.values(parsed as object)[0] ?? parsed) as { files?: Array<{ path: string }> };
	const files = first.files ?? (parsed as { files: Array<{ path: string }> }).files;
	return files.map((f) => f.path).sort();
}

// ---------------------------------------------------------------------------------------------------
// n8n as a server on the instance's user folder

interface Server {
	url: string;
	rest: ReturnType<typeof n8nRestClient>['rest'];
	get<T>(p: string): Promise<T>;
	logs(): string;
	stop(): Promise<void>;
}

async function startServer(n8n: N8nInstance): Promise<Server> {
	const port = await freePort();
	const url = `http://127.0.0.1:${port}`;
	const child: ChildProcess = spawn(n8n.install.nodeBin, [n8n.install.bin, 'start'], {
		cwd: n8n.userFolder,
		env: {
			...n8n.env,
			N8N_PORT: String(port),
			N8N_HOST: '127.0.0.1',
			N8N_PROTOCOL: 'http',
			N8N_SECURE_COOKIE: 'false',
			WEBHOOK_URL: `${url}/`,
			N8N_RUNNERS_BROKER_PORT: String(await freePort()),
		},
		detached: true,
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	let out = '';
	child.stdout?.on('data', (b: Buffer) => (out += b.toString('utf8')));
	child.stderr?.on('data', (b: Buffer) => (out += b.toString('utf8')));
	const exited = new Promise<void>((r) => child.once('exit', () => r()));
	const killGroup = (signal: NodeJS.Signals) => {
		try {
			process.kill(-(child.pid as number), signal);
		} catch {
			/* gone */
		}
	};
	const stop = async () => {
		if (child.exitCode === null && child.signalCode === null) {
			killGroup('SIGTERM');
			const t = setTimeout(() => killGroup('SIGKILL'), 20_000);
			await exited;
			clearTimeout(t);
		}
		killGroup('SIGKILL'); // task runners of the group
		expect(await processesLeft([child.pid as number])).toEqual([]);
	};
	try {
		const t0 = Date.now();
		for (;;) {
			if (child.exitCode !== null) throw new Error(`n8n ${n8n.version} exited while starting:\n${out.slice(-4000)}`);
			if (Date.now() - t0 > 240_000) throw new Error(`n8n ${n8n.version} did not start:\n${out.slice(-4000)}`);
			try {
				const res = await fetch(`${url}/rest/settings`);
				if (res.status === 200 && (await res.json() as { data?: unknown }).data !== undefined) break;
			} catch {
				/* not yet */
			}
			await new Promise((r) => setTimeout(r, 300));
		}
		const client = n8nRestClient(() => url, 'lp-install-routes-e2e');
		const settings = await client.rest<{ userManagement?: { showSetupOnFirstLoad?: boolean } }>('GET', '/rest/settings');
		if (settings.userManagement?.showSetupOnFirstLoad) await client.rest('POST', '/rest/owner/setup', OWNER);
		else await client.rest('POST', '/rest/login', { emailOrLdapLoginId: OWNER.email, password: OWNER.password });
		const get = async <T>(p: string): Promise<T> => {
			const res = await fetch(url + p, { headers: { cookie: client.cookie(), 'browser-id': 'lp-install-routes-e2e' } });
			if (res.status !== 200) throw new Error(`GET ${p}: HTTP ${res.status}`);
			return (await res.json()) as T;
		};
		return { url, rest: client.rest, get, logs: () => out, stop };
	} catch (e) {
		await stop();
		throw e;
	}
}

// ---------------------------------------------------------------------------------------------------

interface Declared {
	nodes: string[];
	credentials: string[];
}

let verdaccio: Verdaccio | undefined;
let emulator: Emulator | undefined;
let work = '';
let clone = '';
let npmEnv: NodeJS.ProcessEnv = {};
let npmrc = '';
let firstVersion = '';
let tarball = '';
let declared: Declared = { nodes: [], credentials: [] };
let secondVersion: Promise<string> | undefined;

/** Node and credential type names the built package declares (from the fresh clone's dist/). */
function declaredTypes(dir: string): Declared {
	const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name: string; n8n: { nodes: string[]; credentials: string[] } };
	const load = (f: string) => {
		const mod = require(path.join(dir, f)) as Record<string, new () => { name?: string; description?: { name: string } }>;
		return new mod[path.basename(f).split('.')[0]]();
	};
	return {
		nodes: pkg.n8n.nodes.map((f) => `${pkg.name}.${load(f).description?.name}`).sort(),
		credentials: pkg.n8n.credentials.map((f) => String(load(f).name)).sort(),
	};
}

/** Publishes the next patch version from the same clone (dist/ is already built from these sources). */
function publishSecondVersion(): Promise<string> {
	secondVersion ??= timed('publish the second version', async () => {
		const v = (await run('npm', ['version', 'patch', '--no-git-tag-version'], { cwd: clone, env: npmEnv })).trim().replace(/^v/, '');
		const out = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: clone, env: npmEnv });
		const tgz = path.join(work, (JSON.parse(out) as Array<{ filename: string }>)[0].filename);
		await run('npm', ['publish', tgz, `--registry=${verdaccio!.url}`, `--userconfig=${npmrc}`], { cwd: clone, env: npmEnv });
		return v;
	});
	return secondVersion;
}

/** Our node types as n8n lists them: name → communityNodePackageVersion. */
async function ourNodes(server: Server): Promise<Map<string, string | undefined>> {
	const types = await server.get<Array<{ name: string; communityNodePackageVersion?: string }>>('/types/nodes.json');
	expect(types.some((t) => t.name === 'n8n-nodes-base.webhook')).toBe(true);
	return new Map(types.filter((t) => t.name.startsWith(`${PACKAGE_NAME}.`)).map((t) => [t.name, t.communityNodePackageVersion]));
}

/** Every node and credential of the package is loaded, nodes with that package version. */
async function expectLoaded(server: Server, version: string): Promise<void> {
	const nodes = await ourNodes(server);
	expect(declared.nodes.filter((n) => !nodes.has(n))).toEqual([]);
	// Besides each node, n8n lists "<name>Tool" for nodes usable as AI agent tools; nothing else.
	expect([...nodes.keys()].filter((n) => !declared.nodes.includes(n.replace(/Tool$/, '')))).toEqual([]);
	expect([...new Set(nodes.values())]).toEqual([version]);
	const creds = await server.get<Array<{ name: string }>>('/types/credentials.json');
	const names = new Set(creds.map((c) => c.name));
	expect(declared.credentials.filter((c) => !names.has(c))).toEqual([]);
}

/** The Domains sample with a Webhook instead of its Manual Trigger, created and activated over REST. */
async function activateDomainsSample(server: Server, hookPath: string): Promise<void> {
	const credential = await server.rest<{ id: string; name: string }>('POST', '/rest/credentials', {
		name: 'LivePerson emulator (install routes)',
		type: 'livePersonAccountApi',
		data: { accountId: emulator!.config.accountId, csdsHost: emulator!.url, authMethod: 'none', allowedInternalNetworks: 'loopback' },
	});
	const sample = JSON.parse(fs.readFileSync(path.join(REPO_DIR, 'examples', 'domains.json'), 'utf8')) as {
		nodes: Array<Record<string, unknown> & { name: string; type: string; credentials?: Record<string, unknown> }>;
		connections: Record<string, unknown>;
	};
	const trigger = sample.nodes.find((n) => n.type === 'n8n-nodes-base.manualTrigger');
	expect(trigger).toBeDefined();
	const nodes = [
		{ id: randomUUID(), name: 'Webhook', type: 'n8n-nodes-base.webhook', typeVersion: 2, position: [0, 0], webhookId: randomUUID(), parameters: { httpMethod: 'GET', path: hookPath, responseMode: 'lastNode', responseData: 'allEntries', options: {} } },
		...sample.nodes
			.filter((n) => n !== trigger)
			.map((n) => ({ ...n, credentials: n.credentials ? { livePersonAccountApi: { id: credential.id, name: credential.name } } : undefined })),
	];
	const { [trigger!.name]: fromTrigger, ...rest } = sample.connections;
	const created = await server.rest<{ id: string; versionId: string }>('POST', '/rest/workflows', {
		name: 'LivePerson: service domains (install routes)',
		nodes,
		connections: { ...rest, Webhook: fromTrigger },
		settings: { executionOrder: 'v1' },
	});
	await server.rest('POST', `/rest/workflows/${created.id}/activate`, { versionId: created.versionId });
}

/** Calls the sample's webhook (n8n 2.41 registers it a moment after the activation answers). */
async function callDomainsSample(server: Server, hookPath: string): Promise<unknown> {
	const t0 = Date.now();
	for (;;) {
		const res = await fetch(`${server.url}/webhook/${hookPath}`);
		const text = await res.text();
		if (res.status === 200) return JSON.parse(text);
		if (res.status !== 404 || Date.now() - t0 > 60_000) throw new Error(`webhook: HTTP ${res.status} ${text.slice(0, 500)}\n${server.logs().slice(-3000)}`);
		await new Promise((r) => setTimeout(r, 500));
	}
}

function expectAgentVep(answer: unknown): void {
	expect(answer).toEqual([{ service: 'agentVep', baseURI: emulator!.hostPort, account: emulator!.config.accountId }]);
}

beforeAll(async () => {
	work = fs.mkdtempSync(path.join(os.tmpdir(), 'lp-install-routes-'));
	clone = path.join(work, 'clone');
	const home = path.join(work, 'home');
	const tmp = path.join(work, 'tmp');
	fs.mkdirSync(home);
	fs.mkdirSync(tmp);
	// An empty home (no ~/.npmrc) with the machine's npm cache, so packages already downloaded once are
	// not downloaded again.
	const cache = (await run('npm', ['config', 'get', 'cache'], { cwd: os.homedir(), env: cleanEnv() })).trim();
	npmEnv = { ...cleanEnv(), HOME: home, TMPDIR: tmp, npm_config_cache: cache };
	[verdaccio, emulator] = await Promise.all([
		timed('verdaccio start (install once)', () => startVerdaccio({ local: [PACKAGE_NAME] })),
		startEmulator({ port: 0 }),
	]);
	npmrc = await verdaccio.login('lp-e2e', `V-${randomBytes(9).toString('hex')}`);

	const head = (await run('git', ['rev-parse', 'HEAD'], { cwd: REPO_DIR, env: process.env })).trim();
	await timed('git clone + npm ci', async () => {
		await run('git', ['clone', '-q', '--no-checkout', REPO_DIR, clone], { cwd: work, env: process.env });
		await run('git', ['checkout', '-q', head], { cwd: clone, env: process.env });
		await run('npm', ['ci'], { cwd: clone, env: npmEnv });
	});
	expect(fs.existsSync(path.join(clone, 'dist'))).toBe(false);
	const pkg = JSON.parse(fs.readFileSync(path.join(clone, 'package.json'), 'utf8')) as { version: string; n8n: { nodes: string[]; credentials: string[] } };
	firstVersion = pkg.version;

	// npm pack builds dist/ (prepack) and ships every file of the n8n block, nothing of the tests or sandbox.
	const packed = await timed('npm pack (builds dist/)', async () => jsonFiles(await run('npm', ['pack', '--json'], { cwd: clone, env: npmEnv })));
	tarball = path.join(clone, `${PACKAGE_NAME}-${firstVersion}.tgz`);
	expect(fs.existsSync(tarball)).toBe(true);
	// The Docker route: docs/docker/Dockerfile.tarball's COPY source, as .dockerignore lets it into the
	// build context (the repository root), is exactly this tarball.
	const copy = fs.readFileSync(path.join(clone, 'docs', 'docker', 'Dockerfile.tarball'), 'utf8').match(/^COPY --chown=\S+ (\S+) /m);
	expect(copy?.[1]).toBe(`${PACKAGE_NAME}-*.tgz`);
	expect(copySources(clone, copy![1], parseDockerignore(path.join(clone, '.dockerignore')))).toEqual([path.basename(tarball)]);
	for (const f of [...pkg.n8n.nodes, ...pkg.n8n.credentials]) expect(packed).toContain(f);
	expect(packed.filter((f) => /(^|\/)(test|sandbox|\.sandbox|bench|scripts)\//.test(f) || /\.(ts|map|pem|key|p12|jks)$/.test(f))).toEqual([]);
	// npm publish builds too: without dist/, --dry-run lists the same files.
	fs.rmSync(path.join(clone, 'dist'), { recursive: true, force: true });
	const published = await timed('npm publish --dry-run (builds dist/)', async () =>
		jsonFiles(await run('npm', ['publish', '--dry-run', '--json', `--registry=${verdaccio!.url}`, `--userconfig=${npmrc}`], { cwd: clone, env: npmEnv })),
	);
	expect(published).toEqual(packed);
	await timed('npm publish (tarball) to the local registry', () =>
		run('npm', ['publish', tarball, `--registry=${verdaccio!.url}`, `--userconfig=${npmrc}`], { cwd: clone, env: npmEnv }),
	);
	declared = declaredTypes(clone);
	expect(declared.nodes).toHaveLength(pkg.n8n.nodes.length);
}, INSTALL_TIMEOUT_MS);

afterAll(async () => {
	// Every route has ended (and closed its n8n) before the registry and the folders go away.
	await Promise.allSettled([...routes.values()].flatMap((r) => [r.registry.updated, r.manual, r.tarball]));
	await verdaccio?.stop();
	await emulator?.close();
	if (work) fs.rmSync(work, { recursive: true, force: true });
	process.stderr.write(`[install-routes] durations (s): ${JSON.stringify(timings)}\n`);
});

test('docs/install.md shows the commands this test runs', () => {
	const doc = fs.readFileSync(path.join(REPO_DIR, 'docs', 'install.md'), 'utf8');
	expect(doc).toContain(`npm pack ${PACKAGE_NAME}@<version> --registry=<registry> --quiet`);
	expect(doc).toContain(`npm install ${NPM_INSTALL_ARGS.join(' ')} --registry=<registry>`);
	expect(doc).toContain(NODES_PACKAGE_JSON);
	expect(doc).toContain(`npm ${TARBALL_INSTALL.join(' ')} /path/to/${PACKAGE_NAME}-<version>.tgz`);
	expect(doc).toContain(`npm i ${PACKAGE_NAME}`);
});

/**
 * The routes of both versions run side by side (each n8n start takes 5-12 s, mostly waiting on one
 * core): every route is a pipeline started once, in its own user folder on its own port, and each
 * test awaits its own pipeline's outcome and checks it. A route's failure fails its own test only.
 */
interface RegistryRoute {
	/** n8n's install commands ran, n8n loaded the first version and the sample answered. */
	installed: Promise<N8nInstance>;
	/** n8n's update commands ran and n8n loaded the new version. */
	updated: Promise<void>;
}

/** A promise whose rejection is reported where it is awaited (its test), not as an unhandled one. */
function pending<T>(p: Promise<T>): Promise<T> {
	p.catch(() => undefined);
	return p;
}

function registryRoute(version: string): RegistryRoute {
	const hookPath = `lp-routes-${version.replace(/\./g, '-')}-${randomBytes(3).toString('hex')}`;
	const installed = pending(
		(async () => {
			const n8n = await timed(`${version} n8n install check + user folder`, () => createN8n(version, { tgz: false, env: { N8N_UNVERIFIED_PACKAGES_ENABLED: 'true' } }));
			try {
				const done = await timed(`${version} registry install (n8n's commands)`, () =>
					installFromRegistry(n8n.userFolder, PACKAGE_NAME, { version: firstVersion, registry: verdaccio!.url, env: n8n.env }),
				);
				expect(done.commands).toEqual([
					['npm', 'pack', `${PACKAGE_NAME}@${firstVersion}`, `--registry=${verdaccio!.url}`, '--quiet'],
					['npm', 'install', ...NPM_INSTALL_ARGS, `--registry=${verdaccio!.url}`],
				]);
				const nodesDir = path.join(n8n.userFolder, '.n8n', 'nodes');
				expect(JSON.parse(fs.readFileSync(path.join(nodesDir, 'package.json'), 'utf8'))).toEqual({ name: 'installed-nodes', private: true, dependencies: { [PACKAGE_NAME]: firstVersion } });
				// Runtime dependencies came through the registry; n8n-workflow (our peer) was not installed again.
				expect(fs.existsSync(path.join(done.dir, 'node_modules', 'undici', 'package.json'))).toBe(true);
				expect(fs.existsSync(path.join(done.dir, 'node_modules', 'n8n-workflow'))).toBe(false);
				expect(fs.readdirSync(nodesDir).filter((f) => f.endsWith('.tgz'))).toEqual([]);

				const server = await timed(`${version} n8n start (registry route)`, () => startServer(n8n));
				try {
					await expectLoaded(server, firstVersion);
					await activateDomainsSample(server, hookPath);
					const before = emulator!.count('csds.all');
					expectAgentVep(await timed(`${version} Domains sample run`, () => callDomainsSample(server, hookPath)));
					expect(emulator!.count('csds.all')).toBeGreaterThan(before);
				} finally {
					await timed(`${version} n8n stop`, () => server.stop());
				}
				return n8n;
			} catch (e) {
				await n8n.close();
				throw e;
			}
		})(),
	);
	const updated = pending(
		(async () => {
			const n8n = await installed;
			try {
				const next = await publishSecondVersion();
				expect(next).not.toBe(firstVersion);
				const done = await timed(`${version} registry update (n8n's commands)`, () => installFromRegistry(n8n.userFolder, PACKAGE_NAME, { registry: verdaccio!.url, env: n8n.env }));
				expect(done.version).toBe(next);
				expect(done.commands[0]).toEqual(['npm', 'pack', `${PACKAGE_NAME}@latest`, `--registry=${verdaccio!.url}`, '--quiet']);
				const nodesDir = path.join(n8n.userFolder, '.n8n', 'nodes');
				expect(JSON.parse(fs.readFileSync(path.join(nodesDir, 'package.json'), 'utf8')).dependencies).toEqual({ [PACKAGE_NAME]: next });
				// No backup folder and no tarball left behind.
				expect(fs.readdirSync(path.join(nodesDir, 'node_modules')).filter((f) => f.includes('.backup-'))).toEqual([]);

				const server = await timed(`${version} n8n restart (after update)`, () => startServer(n8n));
				try {
					await expectLoaded(server, next);
					expectAgentVep(await callDomainsSample(server, hookPath));
				} finally {
					await server.stop();
				}
			} finally {
				await n8n.close();
			}
		})(),
	);
	return { installed, updated };
}

/** n8n's docs: `npm i <package>` in <user folder>/.n8n/nodes. */
async function manualRoute(version: string): Promise<void> {
	const latest = await publishSecondVersion();
	const n8n = await createN8n(version, { tgz: false, env: { N8N_UNVERIFIED_PACKAGES_ENABLED: 'true' } });
	try {
		const nodesDir = path.join(n8n.userFolder, '.n8n', 'nodes');
		fs.mkdirSync(nodesDir, { recursive: true });
		await timed(`${version} manual npm i`, () => run('npm', ['i', PACKAGE_NAME, `--registry=${verdaccio!.url}`], { cwd: nodesDir, env: n8n.env }));
		// The peer dependency is optional: npm does not add a second n8n-workflow next to n8n's own.
		expect(fs.existsSync(path.join(nodesDir, 'node_modules', 'n8n-workflow'))).toBe(false);
		const server = await timed(`${version} n8n start (manual route)`, () => startServer(n8n));
		try {
			await expectLoaded(server, latest);
			const listed = await server.rest<Array<{ packageName: string }>>('GET', '/rest/community-packages');
			expect(listed.map((p) => p.packageName)).not.toContain(PACKAGE_NAME);
		} finally {
			await server.stop();
		}
	} finally {
		await n8n.close();
	}
}

/** docs/install.md: the tarball of the fresh clone, installed with the documented command. */
async function tarballRoute(version: string): Promise<void> {
	const n8n = await createN8n(version, { tgz: false, env: { N8N_UNVERIFIED_PACKAGES_ENABLED: 'true' } });
	try {
		const nodesDir = path.join(n8n.userFolder, '.n8n', 'nodes');
		fs.mkdirSync(nodesDir, { recursive: true });
		fs.writeFileSync(path.join(nodesDir, 'package.json'), NODES_PACKAGE_JSON);
		await timed(`${version} tarball npm install`, () => run('npm', [...TARBALL_INSTALL, tarball], { cwd: nodesDir, env: n8n.env }));
		// --omit=peer: no second copy of n8n-workflow next to n8n's own.
		expect(fs.existsSync(path.join(nodesDir, 'node_modules', 'n8n-workflow'))).toBe(false);
		const server = await timed(`${version} n8n start (tarball route)`, () => startServer(n8n));
		try {
			await expectLoaded(server, firstVersion);
		} finally {
			await server.stop();
		}
	} finally {
		await n8n.close();
	}
}

interface Routes {
	registry: RegistryRoute;
	manual: Promise<void>;
	tarball: Promise<void>;
}
const routes = new Map<string, Routes>();

/** Starts every route of every version once (after the publish in beforeAll); later calls get the same. */
function routesOf(version: string): Routes {
	if (!routes.size) {
		for (const v of N8N_VERSIONS) routes.set(v, { registry: registryRoute(v), manual: pending(manualRoute(v)), tarball: pending(tarballRoute(v)) });
	}
	return routes.get(version)!;
}

describe.each(N8N_VERSIONS)('install routes into n8n %s', (version) => {
	test(
		"registry route: n8n's npm commands install it, n8n loads it and runs the Domains sample",
		async () => {
			await routesOf(version).registry.installed;
		},
		STEP_TIMEOUT_MS,
	);

	test(
		"registry route: a new version is installed like n8n's update (\"latest\") and is the one loaded",
		async () => {
			await routesOf(version).registry.updated;
		},
		STEP_TIMEOUT_MS,
	);

	test(
		"manual route (n8n's docs: npm i in .n8n/nodes): nodes load, not listed under Settings → Community nodes",
		async () => {
			await routesOf(version).manual;
		},
		STEP_TIMEOUT_MS,
	);

	test(
		"tarball route (docs/install.md): the fresh clone's tarball installed with the documented command",
		async () => {
			await routesOf(version).tarball;
		},
		STEP_TIMEOUT_MS,
	);
});
