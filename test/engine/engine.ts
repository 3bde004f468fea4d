/**
 * n8n's own engine, in-process: runs workflow JSON (the same JSON as the samples and the e2e tests) with
 * `WorkflowExecute` from n8n-core over n8n-workflow's `Workflow`, the way n8n's own node tests do, in
 * seconds instead of an `n8n execute` process per run.
 *
 *   const n8n = await createEngine('2.8.4');                // or '2.41.3'
 *   await n8n.importCredentials([{ id: 'c1', name: 'LP', type: 'livePersonAccountApi', data: {...} }]);
 *   const [id] = await n8n.importWorkflows([manualTriggerWorkflow('wf', [node])]);
 *   const run = await n8n.execute(id);                     // same ExecutionResult as test/e2e/harness.ts
 *   await n8n.close();
 *
 * What is real: the engine (n8n-core, with its n8n-workflow, of each pinned n8n: 2.8.1 in n8n 2.8.4,
 * 2.41.1 in n8n 2.41.3, loaded from the pinned install that the e2e tests use), the node classes of this
 * package from dist/ (as n8n loads them from the package.json `n8n` block, with the package's own copy of
 * n8n-workflow, as in a real install where the two copies differ), and n8n's own core nodes (Manual
 * Trigger, Code, Set, If, HTTP Request, ...) from that install's n8n-nodes-base.
 * Why not n8n-core from npm as devDependencies (npm aliases, one per version): tried; npm cannot lay out
 * two n8n-core trees side by side without splitting 2.41's dependency-injection container (@n8n/di) into
 * four copies, and n8n's HTTP Request node then fails with "[DI] OutboundHttp is not decorated with
 * Service". It also added 1085 packages (540 MB) to `npm ci`. The pinned installs are pnpm trees, one per
 * n8n version, exactly what that n8n runs, and `npm test` installs them anyway.
 * What stands in:
 *   - credentials: given as plain objects (what n8n decrypts), with the type's defaults applied by
 *     n8n-workflow's own NodeHelpers.getNodeParameters, as n8n's CredentialsHelper does;
 *   - the Code node's task runner (a separate process in n8n 2.x): its JavaScript runs in a node:vm
 *     context with `$input`, `items` and `$json` (enough for the code in these tests).
 * Also real: n8n's logger (@n8n/backend-common) at debug level, in the text format `n8n execute` prints,
 * captured per run into ExecutionResult.logs for the secret scans (expectNodesLogged checks a run's log
 * holds its nodes). n8n 2.41's Wait node needs ES-module-only packages (htmlparser2 12…), which the
 * engine project of jest.config.js compiles to CommonJS.
 * What needs a server stays in test/e2e: install routes, the editor, webhooks and triggers, credential
 * tests through the REST API, queue mode, the sandbox and the bench.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vm from 'node:vm';

import { ensureN8n } from '../../scripts/n8n-install';
import { INSTALL_TIMEOUT_MS, manualTriggerWorkflow, nodeType, REPO_DIR, toExecutionResult, workflowId, type CredentialInput, type ExecutionResult, type WorkflowJson, type WorkflowNode } from '../e2e/harness';

/** The pinned n8n versions whose engine runs these tests (sandbox/n8n/<version>). */
export const ENGINE_VERSIONS = ['2.8.4', '2.41.3'] as const;
export type EngineVersion = (typeof ENGINE_VERSIONS)[number];

/* eslint-disable @typescript-eslint/no-explicit-any -- n8n's classes come from two package copies loaded at run time */
type Any = any;

export interface EngineOptions {
	/** Environment set while a workflow runs (e.g. N8N_SSRF_* settings), restored afterwards. */
	env?: Record<string, string>;
	/**
	 * 'run' (default): every execute() loads a fresh copy of the package's modules and closes its
	 * connections afterwards, as `n8n execute` does with a new process per run (token caches, CSDS
	 * cache, pooled connections start empty). 'instance': one copy for all runs of this instance, as in
	 * a long-running n8n (`n8n start`).
	 */
	moduleScope?: 'run' | 'instance';
	/** n8n's instance base URL (getInstanceBaseUrl; N8N_EDITOR_BASE_URL / WEBHOOK_URL in a real n8n). Default http://127.0.0.1:5678 */
	instanceBaseUrl?: string;
	/**
	 * Called each time a copy of the package is loaded, with a require of that copy's dist/ files: the way
	 * for a test to reach the copy n8n runs, e.g. to inject a clock (`load('lib/http/index.js').setRetrySleep(...)`).
	 */
	onPackageLoad?: (load: (distFile: string) => unknown) => void;
}

/** What test files use of an n8n instance; createN8n (real n8n) and createEngine both provide it. */
export interface WorkflowRunner {
	version: string;
	importCredentials(creds: CredentialInput[]): Promise<unknown>;
	importWorkflow(workflow: Partial<WorkflowJson> & { nodes: WorkflowNode[] }): Promise<string>;
	importWorkflows(workflows: Array<Partial<WorkflowJson> & { nodes: WorkflowNode[] }>): Promise<string[]>;
	execute(workflowId: string, opts?: { timeoutMs?: number }): Promise<ExecutionResult>;
	allLogs(): string;
	close(): Promise<void>;
}

/** A run in the engine, plus what the nodes handed to n8n's webhook answer (ExecuteContext.sendResponse). */
export type EngineExecutionResult = ExecutionResult & { sentResponses: unknown[] };

/** One node of a one-node workflow, outside a run (load options, webhook): its type, parameters, credentials. */
export interface NodeCallOptions {
	/** 'livePersonTrigger' (this package's, prefixed) or a full type. */
	type: string;
	typeVersion?: number;
	parameters: Record<string, unknown>;
	/** Credentials by type, as plain data (what n8n decrypts). */
	credentials?: Record<string, Record<string, unknown>>;
	/** The workflow's id; calls with the same id share the workflow's static data, as one active workflow does. */
	workflowId?: string;
	webhookId?: string;
}

export interface LoadOptionsCall extends NodeCallOptions {
	/** The name in the node's methods.loadOptions. */
	method: string;
	/** The parameter whose options are loaded (the context's path), default the method name. */
	parameterPath?: string;
}

/** What n8n's webhook server hands the node: its (express) request and response objects. */
export interface WebhookCall extends NodeCallOptions {
	request: { method?: string; headers: Record<string, string>; [key: string]: unknown };
	response: unknown;
	webhookName?: string;
	path?: string;
}

export interface WebhookCallResult {
	/** What node.webhook() returned (IWebhookResponseData). */
	result: { workflowData?: Array<Array<{ json: Record<string, unknown> }>>; webhookResponse?: unknown; noWebhookResponse?: boolean };
	/** What n8n's logger and the node printed meanwhile. */
	printed: string;
}

/** n8n's engine of one pinned version: runs workflows, and calls a node's load options and webhook as n8n does. */
export interface Engine extends WorkflowRunner {
	execute(workflowId: string, opts?: { timeoutMs?: number }): Promise<EngineExecutionResult>;
	/** A node's methods.loadOptions[method], called with n8n-core's LoadOptionsContext (as the editor's request does). */
	loadOptions(call: LoadOptionsCall): Promise<unknown>;
	/** A node's webhook(), called with n8n-core's WebhookContext over the given request/response (as n8n's webhook server does). */
	webhook(call: WebhookCall): Promise<WebhookCallResult>;
	/** A trigger's webhookMethods (checkExists / create / delete) on activation, with n8n-core's HookContext. Calls with one workflowId share its static data. */
	hook(call: HookCall): Promise<{ result: unknown; printed: string }>;
	/** A credential's Test button: the package node's credentialTest named by testedBy, on n8n-core's CredentialTestContext. */
	testCredential(call: CredentialTestCall): Promise<{ status: string; message: string }>;
}

export interface HookCall extends NodeCallOptions {
	method: 'checkExists' | 'create' | 'delete';
	webhookName?: string;
	activation?: 'init' | 'create' | 'update' | 'activate' | 'manual' | 'leadershipChange';
}

export interface CredentialTestCall {
	type: string;
	/** The credential's data as the editor sends it (the type's defaults are applied, as n8n does). */
	data: Record<string, unknown>;
}

// ---------------------------------------------------------------------------------------------------
// One user folder per test file (n8n-core's InstanceSettings writes its config there at first use).

let userFolder: string | undefined;
function ensureUserFolder(): string {
	if (!userFolder) {
		userFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'lp-engine-'));
		process.env.N8N_USER_FOLDER = userFolder;
		process.env.N8N_ENCRYPTION_KEY ??= randomBytes(24).toString('hex');
		process.env.N8N_DIAGNOSTICS_ENABLED = 'false';
	}
	return userFolder;
}
if (typeof afterAll === 'function') {
	afterAll(async () => {
		for (const engine of loaded.values()) (await engine.catch(() => undefined))?.shutdown();
		loaded.clear();
		if (userFolder) fs.rmSync(userFolder, { recursive: true, force: true });
		userFolder = undefined;
	});
}

// ---------------------------------------------------------------------------------------------------
// Node and credential types

interface Loaded {
	/** Stops what the engine started for the process (n8n-core 2.8's SSH tunnel sweep timer is not unref'd). */
	shutdown(): void;
	core: Any;
	workflow: Any;
	/** n8n's core nodes and credential types (n8n-nodes-base), by type name. */
	baseNode(name: string): Any;
	baseCred(name: string): Any;
}

/** This package's node and credential types, as n8n loads them, and how to let go of them. */
interface PackageTypes {
	nodes: Map<string, Any>;
	credentials: Map<string, Any>;
	/** Closes what the package opened (pooled connections, agents), as the end of a process would. */
	dispose(): Promise<void>;
}

const PACKAGE_JSON = JSON.parse(fs.readFileSync(path.join(REPO_DIR, 'package.json'), 'utf8')) as {
	name: string;
	n8n: { nodes: string[]; credentials: string[] };
};

const DIST = path.join(REPO_DIR, 'dist');

function instantiate(file: string): Any {
	if (!fs.existsSync(file)) throw new Error(`${path.relative(REPO_DIR, file)} is missing: run \`npm run build\` first`);
	const mod = require(file) as Record<string, new () => Any>;
	const Cls = Object.values(mod).find((v) => typeof v === 'function');
	if (!Cls) throw new Error(`${file} exports no class`);
	return new Cls();
}

/** 'manualTrigger' → the n8n block entry ending in '/ManualTrigger.node.js' (or .credentials.js). */
function lazyTypes(dir: string, entries: string[], suffix: string, prefix: string): (name: string) => Any {
	const cache = new Map<string, Any>();
	return (name) => {
		if (!name.startsWith(prefix)) return undefined;
		const short = name.slice(prefix.length);
		if (!cache.has(short)) {
			const file = `/${short[0].toUpperCase()}${short.slice(1)}${suffix}`;
			const entry = entries.find((e) => e.endsWith(file));
			cache.set(short, entry ? instantiate(path.join(dir, entry)) : undefined);
		}
		return cache.get(short);
	};
}

let workflowCopyShared = false;
/**
 * The package's own copy of n8n-workflow (not n8n's: that one comes with the engine) is loaded once per
 * test file and handed to every fresh copy of the package: it keeps no state of the package's (error
 * classes, helpers, constants), and loading it again was about 100 of the 170 ms a fresh copy of the
 * package cost per run. It stays a copy of its own, apart from the engine's, as in a real install.
 */
function shareWorkflowCopy(): void {
	if (workflowCopyShared) return;
	workflowCopyShared = true;
	const copy: unknown = require('n8n-workflow');
	jest.doMock('n8n-workflow', () => copy);
}

/**
 * A fresh copy of the package's modules, with their own dependencies (undici, jose, node-forge…), in a
 * module registry of their own: each run of `n8n execute` is a new process, so no cache, token or pooled
 * connection of an earlier run is there.
 */
function loadPackage(onLoad?: EngineOptions['onPackageLoad']): PackageTypes {
	shareWorkflowCopy();
	let pkg: PackageTypes | undefined;
	jest.isolateModules(() => {
		const nodes = new Map<string, Any>();
		for (const entry of PACKAGE_JSON.n8n.nodes) {
			const node = instantiate(path.join(REPO_DIR, entry));
			nodes.set(`${PACKAGE_JSON.name}.${node.description?.name ?? node.nodeVersions?.[1]?.description?.name}`, node);
		}
		const credentials = new Map<string, Any>();
		for (const entry of PACKAGE_JSON.n8n.credentials) {
			const cred = instantiate(path.join(REPO_DIR, entry));
			credentials.set(cred.name, cred);
		}
		const dispatchers = require(path.join(DIST, 'lib', 'http', 'dispatchers.js')) as { closeAllDispatchers(): Promise<void> };
		pkg = { nodes, credentials, dispose: () => dispatchers.closeAllDispatchers() };
		onLoad?.((file) => require(path.join(DIST, file)));
	});
	return pkg!;
}

const loaded = new Map<string, Promise<Loaded>>();

function load(version: EngineVersion): Promise<Loaded> {
	let p = loaded.get(version);
	if (!p) {
		p = (async () => {
			ensureUserFolder();
			// The engine, n8n-workflow and the core nodes exactly as that n8n runs them: from its own install
			// (one consistent dependency tree; see the header for why not npm aliases).
			const install = await ensureN8n(version);
			const n8nDir = fs.realpathSync(path.dirname(path.dirname(install.bin)));
			const from = (dir: string, request: string) => path.dirname(require.resolve(`${request}/package.json`, { paths: [dir] }));
			const coreDir = from(n8nDir, 'n8n-core');
			// n8n's own logger (@n8n/backend-common), as `N8N_LOG_LEVEL=debug n8n execute` sets it up: debug
			// level, text lines "<time> | <level> | <message> <metadata>" on stdout (which execute() captures),
			// the format n8n picks when NODE_ENV is production, as in its bin. It takes over n8n-workflow's
			// LoggerProxy when it is created, so it is created here, before any run: every line of every run
			// (the engine's "Start executing node …" lines, the nodes' own this.logger) is printed by it.
			const nodeEnv = process.env.NODE_ENV;
			Object.assign(process.env, { NODE_ENV: 'production', N8N_LOG_LEVEL: 'debug', N8N_LOG_FORMAT: 'text', N8N_LOG_OUTPUT: 'console' });
			let core: Any;
			let workflow: Any;
			// What n8n prints while it loads (debug lines about its settings) is not part of any run.
			const quiet = redirectWrites(() => true);
			try {
				core = require(coreDir) as Any;
				workflow = require(from(coreDir, 'n8n-workflow')) as Any;
				const { Container } = require(from(coreDir, '@n8n/di')) as Any;
				const { Logger } = require(from(coreDir, '@n8n/backend-common')) as Any;
				const logger = Container.get(Logger);
				if (logger.level !== 'debug') throw new Error(`engine harness: n8n's logger is at level "${logger.level}", not debug`);
			} finally {
				quiet();
				process.env.NODE_ENV = nodeEnv;
			}
			const base = from(n8nDir, 'n8n-nodes-base');
			const baseN8n = (JSON.parse(fs.readFileSync(path.join(base, 'package.json'), 'utf8')) as { n8n: { nodes: string[]; credentials: string[] } }).n8n;

			const baseNode = lazyTypes(base, baseN8n.nodes, '.node.js', 'n8n-nodes-base.');
			const baseCred = lazyTypes(base, baseN8n.credentials, '.credentials.js', '');
			const shutdown = () => {
				const { Container } = require(from(coreDir, '@n8n/di')) as Any;
				const { SSHClientsManager } = require(path.join(coreDir, 'dist', 'execution-engine', 'ssh-clients-manager.js')) as Any;
				if (!Container.has(SSHClientsManager)) return;
				// Its "Shutting down" debug line comes after the tests: not printed into Jest's report.
				const undo = redirectWrites(() => true);
				try {
					Container.get(SSHClientsManager).onShutdown();
				} finally {
					undo();
				}
			};
			return { shutdown, core, workflow, baseNode, baseCred };
		})();
		p.catch(() => loaded.delete(version));
		loaded.set(version, p);
	}
	return p;
}

// ---------------------------------------------------------------------------------------------------
// Credentials helper (n8n's ICredentialsHelper, over plain objects)

function credentialsHelper(engine: Loaded, credentialType: (name: string) => Any, store: Map<string, CredentialInput>): Any {
	const parents = (type: string): string[] => {
		const ext: string[] = credentialType(type)?.extends ?? [];
		return ext.flatMap((p) => [p, ...parents(p)]);
	};
	const properties = (type: string): Any[] => {
		const own: Any[] = credentialType(type)?.properties ?? [];
		const inherited = (credentialType(type)?.extends ?? []).flatMap((p: string) => properties(p));
		// The extending type's own definition of a property wins, as in n8n's CredentialTypes.
		return [...own, ...inherited.filter((p: Any) => !own.some((o) => o.name === p.name))];
	};
	const stored = (nodeCredentials: { id: string | null; name: string }, type: string): CredentialInput => {
		const c = nodeCredentials.id ? store.get(nodeCredentials.id) : undefined;
		if (!c || c.type !== type) throw new Error(`Credential with ID "${nodeCredentials.id}" does not exist for type "${type}".`);
		return c;
	};
	return {
		getParentTypes: parents,
		// n8n 2.41: a credential restricted to some node types (restrictToSupportedNodes); none of ours is.
		isCredentialUsableByNode: () => true,
		getCredentialsProperties: properties,
		async getDecrypted(_additionalData: unknown, nodeCredentials: { id: string | null; name: string }, type: string) {
			const data = stored(nodeCredentials, type).data;
			// Defaults of every (inherited) property, as n8n's CredentialsHelper.applyDefaultsAndOverwrites.
			const withDefaults = engine.workflow.NodeHelpers.getNodeParameters(properties(type), data, true, false, null, null) ?? {};
			return { ...withDefaults, ...data };
		},
		async authenticate(credentials: unknown, typeName: string, requestOptions: unknown) {
			const auth = credentialType(typeName)?.authenticate;
			if (typeof auth === 'function') return await auth(credentials, requestOptions);
			if (auth) throw new Error(`engine harness: generic authenticate of "${typeName}" is not supported; use test/e2e`);
			return requestOptions;
		},
		async preAuthentication() {
			return undefined;
		},
		// n8n 2.41's OAuth2 helper (requestOAuth2) calls this before signing; without it the helper throws
		// before any request goes out. As n8n's CredentialsHelper: the type's own preAuthentication, if any.
		async runPreAuthentication(helpers: Any, credentials: Record<string, unknown>, typeName: string) {
			const pre = credentialType(typeName)?.preAuthentication;
			return typeof pre === 'function' ? ((await pre.call(helpers, credentials)) ?? undefined) : undefined;
		},
		async updateCredentials(nodeCredentials: { id: string | null; name: string }, type: string, data: Record<string, unknown>) {
			stored(nodeCredentials, type).data = { ...data };
		},
		async updateCredentialsOauthTokenData(nodeCredentials: { id: string | null; name: string }, type: string, data: Record<string, unknown>) {
			const c = stored(nodeCredentials, type);
			c.data = { ...c.data, ...data };
		},
	};
}

// ---------------------------------------------------------------------------------------------------
// The Code node's task runner, in-process

function startRunnerTask(
	_additionalData: unknown,
	jobType: string,
	settings: { code: string; nodeMode: string; chunk?: { startIndex: number; count: number } },
	executeFunctions: Any,
): Promise<{ ok: true; result: unknown } | { ok: false; error: { message: string } }> {
	if (jobType !== 'javascript') return Promise.resolve({ ok: false, error: { message: `engine harness: no ${jobType} runner` } });
	const items: Array<{ json: unknown }> = executeFunctions.getInputData();
	const input = { all: () => items, first: () => items[0], last: () => items[items.length - 1] };
	const run = (ctx: Record<string, unknown>) => vm.runInNewContext(`(async () => {\n${settings.code}\n})()`, { ...ctx, console: { log() {} } }, { timeout: 10_000 });
	return (async () => {
		try {
			if (settings.nodeMode === 'runOnceForAllItems') return { ok: true as const, result: await run({ $input: input, items, $json: items[0]?.json }) };
			const { startIndex = 0, count = items.length } = settings.chunk ?? {};
			const result: unknown[] = [];
			for (let i = startIndex; i < startIndex + count && i < items.length; i++) {
				result.push(await run({ $input: { ...input, item: items[i] }, item: items[i], $json: items[i].json }));
			}
			return { ok: true as const, result };
		} catch (e) {
			return { ok: false as const, error: { message: e instanceof Error ? e.message : String(e) } };
		}
	})();
}

// ---------------------------------------------------------------------------------------------------

/** Captures what anything prints while `fn` runs (n8n's logger and console write to stdout/stderr). */
async function capture<T>(fn: () => Promise<T>): Promise<{ value: T; printed: string }> {
	const chunks: string[] = [];
	const undo = redirectWrites((chunk: unknown): boolean => {
		chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
		return true;
	});
	try {
		return { value: await fn(), printed: chunks.join('') };
	} finally {
		undo();
	}
}

/**
 * Sends every write of process.stdout/stderr, and of the streams behind `console` (n8n's logger, winston,
 * writes to `console._stdout`: process.stdout when Jest runs one file in band, a buffer of Jest's own in
 * its worker processes), to `grab`. Returns the undo.
 */
function redirectWrites(grab: (chunk: unknown) => boolean): () => void {
	const c = console as unknown as { _stdout?: object; _stderr?: object };
	const streams = [...new Set([process.stdout, process.stderr, c._stdout, c._stderr])].filter((s): s is object => !!s) as Array<Record<'write', unknown>>;
	const saved = streams.map((s) => [s, Object.getOwnPropertyDescriptor(s, 'write')] as const);
	for (const s of streams) s.write = grab;
	return () => {
		for (const [s, own] of saved) {
			if (own) Object.defineProperty(s, 'write', own);
			else delete (s as Partial<Record<'write', unknown>>).write;
		}
	};
}

async function withEnv<T>(env: Record<string, string> | undefined, fn: () => Promise<T>): Promise<T> {
	if (!env) return fn();
	const before = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
	Object.assign(process.env, env);
	try {
		return await fn();
	} finally {
		for (const [k, v] of Object.entries(before)) {
			if (v === undefined) delete process.env[k];
			else process.env[k] = v;
		}
	}
}

/** n8n's engine of a pinned n8n version, in this process. */
export async function createEngine(version: EngineVersion, opts: EngineOptions = {}): Promise<Engine> {
	const engine = await load(version);
	const credentials = new Map<string, CredentialInput>();
	const workflows = new Map<string, WorkflowJson>();
	const logs: string[] = [];
	let executions = 0;

	const importWorkflows = async (list: Array<Partial<WorkflowJson> & { nodes: WorkflowNode[] }>) =>
		list.map((w) => {
			const full = { active: false, connections: {}, settings: { executionOrder: 'v1' }, ...w, id: w.id ?? workflowId(), name: w.name ?? 'engine workflow' } as WorkflowJson;
			workflows.set(full.id, structuredClone(full));
			return full.id;
		});

	let shared: PackageTypes | undefined;
	const packageTypes = (): PackageTypes => (opts.moduleScope === 'instance' ? (shared ??= loadPackage(opts.onPackageLoad)) : loadPackage(opts.onPackageLoad));

	/** What n8n's NodeTypes, credential types and IWorkflowExecuteAdditionalData give a node, for one package copy. */
	const runtime = (pkg: PackageTypes, executionId: string, hooks: Any) => {
		const { workflow: wf } = engine;
		const byName = (type: string): Any => {
			const t = pkg.nodes.get(type) ?? engine.baseNode(type);
			if (!t) throw new Error(`engine harness: unknown node type "${type}"`);
			return t;
		};
		const nodeTypes = {
			getByName: byName,
			getByNameAndVersion: (type: string, v?: number) => wf.NodeHelpers.getVersionedNodeType(byName(type), v),
			getKnownTypes: () => ({}),
		};
		const credentialType = (name: string) => pkg.credentials.get(name) ?? engine.baseCred(name);
		const additionalData: Record<string, unknown> = {
			executionId,
			hooks,
			credentialsHelper: credentialsHelper(engine, credentialType, credentials),
			variables: {},
			restApiUrl: 'http://127.0.0.1:5678/rest',
			instanceBaseUrl: opts.instanceBaseUrl ?? 'http://127.0.0.1:5678',
			webhookBaseUrl: 'http://127.0.0.1:5678/webhook',
			webhookTestBaseUrl: 'http://127.0.0.1:5678/webhook-test',
			webhookWaitingBaseUrl: 'http://127.0.0.1:5678/webhook-waiting',
			formWaitingBaseUrl: 'http://127.0.0.1:5678/form-waiting',
			currentNodeParameters: undefined,
			userId: 'engine-harness',
			setExecutionStatus: () => undefined,
			logAiEvent: () => undefined,
			startRunnerTask,
		};
		return { nodeTypes, additionalData };
	};

	const execute = async (id: string): Promise<EngineExecutionResult> => {
		const data = workflows.get(id);
		if (!data) throw new Error(`engine harness: no workflow ${id}`);
		const { core, workflow: wf } = engine;
		const pkg = packageTypes();
		const executionId = String(++executions);
		const hooks = new core.ExecutionLifecycleHooks('cli', executionId, data);
		const { nodeTypes, additionalData } = runtime(pkg, executionId, hooks);
		const instance = new wf.Workflow({
			id: data.id,
			name: data.name,
			nodes: structuredClone(data.nodes),
			connections: data.connections,
			active: false,
			nodeTypes,
			staticData: {},
			settings: data.settings,
		});
		const finished = new Promise<Any>((resolve) => hooks.addHandler('workflowExecuteAfter', (run: Any) => resolve(run)));
		// What a node hands to n8n's webhook answer (Respond to Webhook, Bot Reply): ExecuteContext.sendResponse
		// runs the 'sendResponse' hook, which n8n's webhook server listens to.
		const sentResponses: unknown[] = [];
		hooks.addHandler('sendResponse', (response: unknown) => void sentResponses.push(response));
		const start = instance.getStartNode();
		if (!start) throw new Error(`engine harness: workflow ${data.name} has no start node`);
		const runExecutionData = {
			startData: {},
			// The workflow's pinned data, as n8n passes it for a manual run (a pinned node emits it without running).
			resultData: { runData: {}, pinData: (data.pinData as Record<string, unknown> | undefined) ?? {} },
			executionData: {
				contextData: {},
				metadata: {},
				nodeExecutionStack: [{ node: start, data: { main: [[{ json: {} }]] }, source: null }],
				waitingExecution: {},
				waitingExecutionSource: {},
			},
		};
		const { value: run, printed } = await capture(() =>
			withEnv(opts.env, async () => {
				try {
					await new core.WorkflowExecute(additionalData, 'cli', runExecutionData).processRunExecutionData(instance);
					return await finished;
				} finally {
					if (pkg !== shared) await pkg.dispose();
				}
			}),
		);
		// What n8n execute would print: the run as JSON, plus whatever was logged meanwhile.
		const printedRun = JSON.parse(JSON.stringify(run)) as Record<string, unknown>;
		const text = `${printed}\n${JSON.stringify(printedRun)}`;
		logs.push(`$ execute ${data.name}\n${text}`);
		return { ...toExecutionResult({ ok: run.status === 'success', run: printedRun }, text, run.status === 'success' ? 0 : 1), sentResponses };
	};

	/** One node of this package (or n8n's) in a one-node workflow, its credentials stored for the call. */
	const singleNode = async (pkg: PackageTypes, opts: NodeCallOptions, hooks: Any = undefined) => {
		const n = ++executions;
		const creds = Object.entries(opts.credentials ?? {}).map(([type, data], i) => ({ id: workflowId(`nc${n}c${i}${type}`), name: `${type} ${n}`, type, data }));
		for (const c of creds) credentials.set(c.id, structuredClone(c));
		const node = {
			// One id for the node under test, as a node keeps its id in a saved workflow.
			id: 'engine-node-1',
			name: RUN_NODE,
			type: opts.type.includes('.') ? opts.type : nodeType(opts.type),
			typeVersion: opts.typeVersion ?? 1,
			position: [0, 0],
			parameters: opts.parameters,
			...(opts.webhookId ? { webhookId: opts.webhookId } : {}),
			...(creds.length ? { credentials: Object.fromEntries(creds.map((c) => [c.type, { id: c.id, name: c.name }])) } : {}),
		};
		const { nodeTypes, additionalData } = runtime(pkg, String(n), hooks);
		const wid = opts.workflowId ?? `wf-${n}`;
		const staticData = (workflowStaticData[wid] ??= {});
		const instance = new engine.workflow.Workflow({ id: wid, name: `engine ${wid}`, nodes: [node], connections: {}, active: true, nodeTypes, staticData, settings: { executionOrder: 'v1' } });
		return { node: instance.getNode(RUN_NODE), instance, nodeType: nodeTypes.getByNameAndVersion(node.type, node.typeVersion), additionalData };
	};
	const workflowStaticData: Record<string, Record<string, unknown>> = {};

	/** Runs `fn` on a package copy (per call, or this instance's), in the engine's environment, printing captured. */
	const withPackage = async <T>(fn: (pkg: PackageTypes) => Promise<T>): Promise<{ value: T; printed: string }> => {
		const pkg = packageTypes();
		return capture(() =>
			withEnv(opts.env, async () => {
				try {
					return await fn(pkg);
				} finally {
					if (pkg !== shared) await pkg.dispose();
				}
			}),
		);
	};

	const loadOptions = async (call: LoadOptionsCall): Promise<unknown> =>
		(
			await withPackage(async (pkg) => {
				const { node, instance, nodeType: type, additionalData } = await singleNode(pkg, call);
				// As n8n's LoadNodeParameterOptions: the editor's current parameters of the node, a LoadOptionsContext on it.
				additionalData.currentNodeParameters = call.parameters;
				const method = type.methods?.loadOptions?.[call.method];
				if (typeof method !== 'function') throw new Error(`engine harness: ${call.type} has no loadOptions method ${call.method}`);
				return method.call(new engine.core.LoadOptionsContext(instance, node, additionalData, `parameters.${call.parameterPath ?? call.method}`));
			})
		).value;

	const testCredential = async (call: CredentialTestCall): Promise<{ status: string; message: string }> =>
		(
			await withPackage(async (pkg) => {
				// As n8n's CredentialsTester: the node that names the test (credentials[].testedBy), the data with
				// the type's defaults applied, the test function called on n8n-core's CredentialTestContext.
				const { additionalData } = runtime(pkg, String(++executions), undefined);
				for (const node of pkg.nodes.values()) {
					const types = [node, ...Object.values(node.nodeVersions ?? {})] as Any[];
					for (const t of types) {
						const testedBy = (t.description?.credentials ?? []).find((c: { name: string; testedBy?: unknown }) => c.name === call.type && typeof c.testedBy === 'string')?.testedBy;
						const fn = testedBy && t.methods?.credentialTest?.[testedBy];
						if (typeof fn !== 'function') continue;
						const helper = additionalData.credentialsHelper as Any;
						const defaults = engine.workflow.NodeHelpers.getNodeParameters(helper.getCredentialsProperties(call.type), call.data, true, false, null, null) ?? {};
						return await fn.call(new engine.core.CredentialTestContext(additionalData), { id: 'credential-test', name: call.type, type: call.type, data: { ...defaults, ...call.data } });
					}
				}
				throw new Error(`engine harness: no node of the package tests credential type ${call.type}`);
			})
		).value;

	const hook = async (call: HookCall): Promise<{ result: unknown; printed: string }> => {
		const { value, printed } = await withPackage(async (pkg) => {
			const { node, instance, nodeType: type, additionalData } = await singleNode(pkg, call);
			const name = call.webhookName ?? 'default';
			const method = type.webhookMethods?.[name]?.[call.method];
			if (typeof method !== 'function') throw new Error(`engine harness: ${call.type} has no webhookMethods.${name}.${call.method}`);
			// As n8n's activation (ActiveWorkflowManager → createWebhookIfNotExists): a HookContext with the webhook's data.
			const description = (type.description.webhooks ?? []).find((w: { name: string }) => w.name === name);
			const webhookData = { httpMethod: description?.httpMethod ?? 'POST', node: node.name, path: description?.path ?? '', webhookDescription: description, workflowId: instance.id, workflowExecuteAdditionalData: additionalData, isTest: false, webhookId: call.webhookId };
			return await method.call(new engine.core.HookContext(instance, node, additionalData, 'trigger', call.activation ?? 'activate', webhookData));
		});
		return { result: value, printed };
	};

	const webhook = async (call: WebhookCall): Promise<WebhookCallResult> => {
		const { value, printed } = await withPackage(async (pkg) => {
			const { node, instance, nodeType: type, additionalData } = await singleNode(pkg, call);
			additionalData.httpRequest = call.request;
			additionalData.httpResponse = call.response;
			// The node's webhook of that name and the request's method (n8n registers one per method and path).
			const named = (type.description.webhooks ?? []).filter((w: { name: string }) => w.name === (call.webhookName ?? 'default'));
			const description = named.find((w: { httpMethod?: string }) => w.httpMethod === (call.request.method ?? 'POST')) ?? named[0];
			if (!description || typeof type.webhook !== 'function') throw new Error(`engine harness: ${call.type} has no webhook ${call.webhookName ?? 'default'}`);
			// As n8n's WebhookService.runWebhook: a WebhookContext over the request and response, then node.webhook().
			const webhookData = { httpMethod: call.request.method ?? 'POST', node: node.name, path: call.path ?? '', webhookDescription: description, workflowId: instance.id, workflowExecuteAdditionalData: additionalData, isTest: false, webhookId: call.webhookId };
			return await type.webhook.call(new engine.core.WebhookContext(instance, node, additionalData, 'webhook', webhookData, [], null));
		});
		return { result: value, printed };
	};

	return {
		version,
		loadOptions,
		webhook,
		hook,
		testCredential,
		async importCredentials(creds) {
			for (const c of creds) credentials.set(c.id, structuredClone(c));
		},
		importWorkflows,
		importWorkflow: async (w) => (await importWorkflows([w]))[0],
		execute,
		allLogs: () => logs.join('\n'),
		async close() {
			await shared?.dispose();
			shared = undefined;
			workflows.clear();
			credentials.clear();
		},
	};
}

/** `run`, or an error quoting n8n's run error and the end of its log when the run failed. */
export function expectRunOk<R extends ExecutionResult>(run: R): R {
	if (!run.ok) throw new Error(`run failed: ${JSON.stringify(run.error)}\n${run.logs.slice(-3000)}`);
	return run;
}

/**
 * Fails unless n8n's log of `run` shows each of `nodes` started and finished: a secret scan of the logs
 * then reads the lines n8n printed while those nodes ran, not an empty text.
 */
export function expectNodesLogged(run: ExecutionResult, nodes: string[]): void {
	const seen = nodes.map((node) => ({ node, started: run.logs.includes(`Start executing node "${node}"`), finished: run.logs.includes(`Running node "${node}" finished`) }));
	expect(seen).toEqual(nodes.map((node) => ({ node, started: true, finished: true })));
}

/**
 * A fresh engine for every test of the calling describe block (caches start empty, as `beforeEach` clearing
 * them would in a lib test), the version loaded once before; returns a getter of the current one.
 */
export function enginePerTest(version: EngineVersion, opts: EngineOptions = {}): () => Engine {
	let current: Engine | undefined;
	beforeAll(async () => {
		await (await createEngine(version)).close();
	}, INSTALL_TIMEOUT_MS);
	beforeEach(async () => {
		current = await createEngine(version, opts);
	});
	afterEach(() => current?.close());
	return () => {
		if (!current) throw new Error('engine harness: no engine outside a test');
		return current;
	};
}

// ---------------------------------------------------------------------------------------------------
// One node, with given input items

export interface RunNodeOptions {
	/** 'livePersonApiIntegration' (this package's, prefixed) or a full type ('n8n-nodes-base.set'). */
	type: string;
	typeVersion?: number;
	parameters: Record<string, unknown>;
	/** Credentials by type, as plain data (what n8n decrypts). */
	credentials?: Record<string, Record<string, unknown>>;
	/** The JSON of the items the node receives (default: one empty item). */
	items?: Array<Record<string, unknown>>;
	/** Binary data given to every input item, by property name (pinned in memory, base64, as n8n pins it). */
	binary?: Record<string, { data: Buffer; fileName?: string; mimeType?: string }>;
	/** The node setting "Continue On Fail" (n8n: On Error → Continue). */
	continueOnFail?: boolean;
	/** The node setting On Error, as stored in the workflow; wins over continueOnFail. */
	onError?: 'stopWorkflow' | 'continueRegularOutput' | 'continueErrorOutput';
	/** Runs with the same id are runs of one saved workflow, with the same credential ids (default: a new workflow per run). */
	workflowId?: string;
	/** A credential's id by type, instead of the one runNode gives it (another stored credential with the same data). */
	credentialIds?: Record<string, string>;
}

/** The name runNode gives the node under test (read its items with `run.items(RUN_NODE)`). */
export const RUN_NODE = 'Node';
/** The pinned node that feeds it the items. */
export const RUN_ITEMS = 'Items';

let runNodeCount = 0;

/**
 * Manual Trigger → "Items" (a No Op node whose output is pinned to `items`) → "Node" (the node under test),
 * run in `engine`: the node gets its input, parameters, credentials and error handling from n8n itself.
 */
export async function runNode(engine: WorkflowRunner, opts: RunNodeOptions): Promise<EngineExecutionResult> {
	const n = ++runNodeCount;
	// Runs of one saved workflow (workflowId) keep their credentials' ids, as the saved nodes do.
	const creds = Object.entries(opts.credentials ?? {}).map(([type, data], i) => ({
		id: opts.credentialIds?.[type] ?? (opts.workflowId ? `${opts.workflowId}-c${i}` : workflowId(`rn${n}c${i}${type}`)),
		name: `${type} ${opts.workflowId ?? n}`,
		type,
		data,
	}));
	await engine.importCredentials(creds);
	const onError = opts.onError ?? (opts.continueOnFail ? 'continueRegularOutput' : undefined);
	const workflow = manualTriggerWorkflow(`runNode ${n} ${opts.type}`, [
		{ name: RUN_ITEMS, type: 'n8n-nodes-base.noOp', typeVersion: 1, parameters: {} },
		{
			name: RUN_NODE,
			type: opts.type.includes('.') ? opts.type : nodeType(opts.type),
			typeVersion: opts.typeVersion ?? 1,
			parameters: opts.parameters,
			...(creds.length ? { credentials: Object.fromEntries(creds.map((c) => [c.type, { id: c.id, name: c.name }])) } : {}),
			...(onError ? { onError } : {}),
		},
	]);
	const binary = opts.binary
		? Object.fromEntries(Object.entries(opts.binary).map(([k, b]) => [k, { data: b.data.toString('base64'), mimeType: b.mimeType ?? 'application/octet-stream', ...(b.fileName ? { fileName: b.fileName } : {}) }]))
		: undefined;
	if (opts.workflowId) workflow.id = opts.workflowId;
	workflow.pinData = { [RUN_ITEMS]: (opts.items ?? [{}]).map((json) => (binary ? { json, binary } : { json })) };
	return (await engine.execute(await engine.importWorkflow(workflow))) as EngineExecutionResult;
}
