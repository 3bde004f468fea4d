/**
 * End-to-end harness: real n8n (pinned versions from sandbox/n8n/, installed by scripts/n8n-install.js
 * into a cache outside the repo) with this package installed the way "Community nodes -> Install" does.
 *
 *   const tgz = await packPackage();                       // once per process
 *   const n8n = await createN8n('2.8.4');                  // throwaway user folder + packed package
 *   await n8n.importCredentials([{ id: 'c1', name: 'LP', type: 'livePersonAccountApi', data: {...} }]);
 *   const [id] = await n8n.importWorkflows([manualTriggerWorkflow('wf', [node], connections)]);
 *   const run = await n8n.execute(id);                     // { ok, error, runData, items(name), logs }
 *   await n8n.close();
 *
 * Every CLI call starts n8n (a few seconds): import several workflows at once, then execute each.
 * Commands of one instance run one after the other (one SQLite database).
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

import { ensureN8n, instanceEnv as n8nInstanceEnv, type N8nInstall } from '../../scripts/n8n-install';
import { buildAndPack, installCommunityPackage } from '../../scripts/n8n-package';

/**
 * The processes still running (zombies excluded: they have exited and only wait to be reaped) whose
 * pid or process group is one of `ids`, polled until none is left or `ms` passed: a process killed a
 * moment ago may still be on its way out. Each as "pid command line".
 */
export async function processesLeft(ids: number[], ms = 10_000): Promise<string[]> {
	const running = () =>
		execFileSync('ps', ['-eo', 'pid=,pgid=,stat=,args='])
			.toString()
			.split('\n')
			.map((l) => l.trim().split(/\s+/))
			.filter(([pid, pgid, stat]) => pid && stat && !stat.startsWith('Z') && (ids.includes(Number(pid)) || ids.includes(Number(pgid))))
			.map(([pid, , , ...args]) => `${pid} ${args.join(' ').slice(0, 120)}`);
	const t0 = Date.now();
	let left = running();
	while (left.length && Date.now() - t0 < ms) {
		await new Promise((r) => setTimeout(r, 200));
		left = running();
	}
	return left;
}

/**
 * n8n's REST API as the editor calls it: JSON in, `data` out, any status but 200 an error quoting the
 * answer; the `n8n-auth` cookie of the first answer that sets it (the login) goes with every later call.
 */
export function n8nRestClient(baseUrl: () => string, browserId: string): {
	rest<T = Record<string, unknown>>(method: string, p: string, body?: unknown): Promise<T>;
	cookie(): string;
} {
	let cookie = '';
	return {
		cookie: () => cookie,
		async rest<T>(method: string, p: string, body?: unknown): Promise<T> {
			const res = await fetch(baseUrl() + p, {
				method,
				headers: { 'content-type': 'application/json', 'browser-id': browserId, ...(cookie ? { cookie } : {}) },
				body: body === undefined ? undefined : JSON.stringify(body),
			});
			const text = await res.text();
			if (res.status !== 200) throw new Error(`${method} ${p}: HTTP ${res.status} ${text.slice(0, 500)}`);
			if (!cookie) {
				const auth = res.headers
					.getSetCookie()
					.map((c) => c.split(';')[0])
					.find((c) => c.startsWith('n8n-auth='));
				if (auth) cookie = auth;
			}
			return (JSON.parse(text) as { data: T }).data;
		},
	};
}

export const N8N_VERSIONS = ['2.8.4', '2.41.3'] as const;
export type N8nVersion = (typeof N8N_VERSIONS)[number] | string;

/** Jest timeouts: a cold n8n install takes minutes; each `n8n execute` starts n8n. */
export const INSTALL_TIMEOUT_MS = 15 * 60 * 1000;
export const EXECUTE_TIMEOUT_MS = 2 * 60 * 1000;

export const REPO_DIR = path.resolve(__dirname, '..', '..');
export const PACKAGE_NAME: string = (
	JSON.parse(fs.readFileSync(path.join(REPO_DIR, 'package.json'), 'utf8')) as { name: string }
).name;

/** Node type name as n8n registers it for this package, e.g. nodeType('livePersonDomains'). */
export function nodeType(name: string): string {
	return `${PACKAGE_NAME}.${name}`;
}

// ---------------------------------------------------------------------------------------------------
// Packing

const packs = new Map<string, Promise<string>>();
const packDirs: string[] = [];

// Jest runs each test file in its own module registry and does not run process 'exit' listeners
// registered from a test file: remove this file's pack folders when its tests are done.
if (typeof afterAll === 'function') {
	afterAll(() => {
		for (const dir of packDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
		packs.clear();
	});
}

/** `npm pack` (its prepack rebuilds dist/) into a temp folder, once per process (cached by repo path). */
export function packPackage(repoDir: string = REPO_DIR): Promise<string> {
	const key = path.resolve(repoDir);
	let p = packs.get(key);
	if (!p) {
		const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lp-e2e-pack-'));
		packDirs.push(outDir);
		process.once('exit', () => fs.rmSync(outDir, { recursive: true, force: true }));
		p = buildAndPack({ repoDir: key, outDir, quiet: true });
		p.catch(() => packs.delete(key));
		packs.set(key, p);
	}
	return p;
}

// ---------------------------------------------------------------------------------------------------
// Workflow builders

export interface WorkflowNode {
	id?: string;
	name: string;
	type: string;
	typeVersion: number;
	position?: [number, number];
	parameters: Record<string, unknown>;
	credentials?: Record<string, { id: string; name: string }>;
	[key: string]: unknown;
}

/** n8n's connection map: { [fromNode]: { main: [[{ node, type: 'main', index }], ...] } }. */
export type Connections = Record<string, { main: Array<Array<{ node: string; type: 'main'; index: number }>> }>;

export interface WorkflowJson {
	id: string;
	name: string;
	nodes: WorkflowNode[];
	connections: Connections;
	active: boolean;
	settings: Record<string, unknown>;
	[key: string]: unknown;
}

export const MANUAL_TRIGGER = 'Manual Trigger';

/** n8n workflow ids are 16 alphanumeric characters. */
export function workflowId(seed?: string): string {
	if (seed) {
		const clean = seed.replace(/[^A-Za-z0-9]/g, '');
		return (clean + 'x'.repeat(16)).slice(0, 16);
	}
	return randomBytes(12).toString('base64').replace(/[^A-Za-z0-9]/g, '').padEnd(16, 'z').slice(0, 16);
}

/** Connects nodes one after the other: chain('A', 'B', 'C') → A→B→C (main output 0 → input 0). */
export function chain(...names: string[]): Connections {
	const c: Connections = {};
	for (let i = 0; i + 1 < names.length; i++) {
		c[names[i]] = { main: [[{ node: names[i + 1], type: 'main', index: 0 }]] };
	}
	return c;
}

/**
 * A workflow starting with a Manual Trigger named "Manual Trigger" (what `n8n execute` starts from).
 * If `connections` is omitted, the trigger and the given nodes are chained in order.
 */
export function manualTriggerWorkflow(
	name: string,
	nodes: WorkflowNode[],
	connections?: Connections,
	opts: { id?: string } = {},
): WorkflowJson {
	const trigger: WorkflowNode = {
		name: MANUAL_TRIGGER,
		type: 'n8n-nodes-base.manualTrigger',
		typeVersion: 1,
		parameters: {},
	};
	const all = [trigger, ...nodes].map((n, i) => ({
		id: n.id ?? `${String(i).padStart(8, '0')}-0000-4000-8000-${randomBytes(6).toString('hex')}`,
		position: n.position ?? ([i * 220, 0] as [number, number]),
		...n,
	}));
	return {
		id: opts.id ?? workflowId(name),
		name,
		nodes: all,
		connections: connections ?? chain(...all.map((n) => n.name)),
		active: false,
		settings: { executionOrder: 'v1' },
		pinData: {},
	};
}

/** A Code node that outputs `count` items `{ i, ...extra }` (i = 0..count-1), for load tests. */
export function itemsNode(count: number, name = 'Items', extra: Record<string, unknown> = {}): WorkflowNode {
	if (!Number.isInteger(count) || count < 0) throw new Error(`itemsNode count: expected an integer >= 0, got ${count}`);
	return {
		name,
		type: 'n8n-nodes-base.code',
		typeVersion: 2,
		parameters: {
			mode: 'runOnceForAllItems',
			language: 'javaScript',
			jsCode: `const extra = ${JSON.stringify(extra)};\nreturn Array.from({ length: ${count} }, (_, i) => ({ json: { i, ...extra } }));`,
		},
	};
}

// ---------------------------------------------------------------------------------------------------
// Output parsing

export interface ExecutionError {
	message: string;
	description?: string;
	/** Name of the node that failed, when n8n says. */
	node?: string;
	[key: string]: unknown;
}

export interface NodeRun {
	startTime?: number;
	executionTime?: number;
	executionStatus?: string;
	error?: Record<string, unknown>;
	data?: { main?: Array<Array<{ json: Record<string, unknown>; pairedItem?: unknown }> | null> };
	[key: string]: unknown;
}

export type RunData = Record<string, NodeRun[]>;

export interface ExecutionResult {
	ok: boolean;
	error?: ExecutionError;
	runData: RunData;
	/** JSON of the items a node emitted on one output (run 0 unless runIndex is given). */
	items(nodeName: string, outputIndex?: number, runIndex?: number): Array<Record<string, unknown>>;
	/** Everything the `n8n execute` process printed (stdout then stderr). Scan it for secrets. */
	logs: string;
	exitCode: number | null;
	/** The whole printed run (IRun). */
	raw: Record<string, unknown>;
}

/** Index just after the JSON value starting at `start` ('{' or '['), honouring strings; -1 if unbalanced. */
function jsonEnd(text: string, start: number): number {
	let depth = 0;
	let inString = false;
	for (let i = start; i < text.length; i++) {
		const ch = text[i];
		if (inString) {
			if (ch === '\\') i++;
			else if (ch === '"') inString = false;
		} else if (ch === '"') inString = true;
		else if (ch === '{' || ch === '[') depth++;
		else if (ch === '}' || ch === ']') {
			depth--;
			if (depth === 0) return i + 1;
		}
	}
	return -1;
}

const SUCCESS_MARKER = 'Execution was successful:';
/** n8n's text log format at debug level: "2026-01-01T00:00:00.000Z | info  | message {"file":...}". */
const LOG_PREFIX = /^\d{4}-\d\d-\d\dT[\d:.]+Z \| \w+\s*\| /;
const LOG_META = /\s*\{"file":"[^"]*"(,"function":"[^"]*")?\}\s*$/;
const FAILURE_MARKER = 'Execution error:';

/**
 * Finds the run JSON printed after the success / failure marker (log lines may surround it; on failure
 * n8n prints "Execution error:" twice: before the run JSON and again with the plain message).
 */
export function parseExecuteOutput(stdout: string, stderr = ''): { ok: boolean; run: Record<string, unknown> } | undefined {
	for (const text of [stdout, stderr, stdout + '\n' + stderr]) {
		const markers: Array<{ at: number; ok: boolean }> = [];
		for (const [marker, ok] of [
			[SUCCESS_MARKER, true],
			[FAILURE_MARKER, false],
		] as const) {
			for (let i = text.indexOf(marker); i >= 0; i = text.indexOf(marker, i + 1)) markers.push({ at: i, ok });
		}
		markers.sort((a, b) => b.at - a.at);
		for (const { at, ok } of markers) {
			// At N8N_LOG_LEVEL=debug every printed line carries a prefix ("<time> | info  | ") and a
			// metadata suffix ({"file":...}): try each "{" of the next few lines, not only the first.
			for (let open = text.indexOf('{', at); open >= 0; open = text.indexOf('{', open + 1)) {
				// The JSON must follow the marker line and its "====" line, not some later log line.
				const between = text
					.slice(at, open)
					.split('\n')
					.map((l) => l.replace(LOG_PREFIX, '').replace(LOG_META, ''))
					.filter((l) => l.trim() && !/^\s*=+\s*$/.test(l));
				if (between.length > 1) break;
				const end = jsonEnd(text, open);
				if (end < 0) continue;
				try {
					const run = JSON.parse(text.slice(open, end)) as Record<string, unknown>;
					if (run && typeof run === 'object' && 'data' in run) return { ok, run };
				} catch {
					/* not the run */
				}
			}
		}
	}
	return undefined;
}

function toExecutionError(raw: unknown): ExecutionError | undefined {
	if (!raw || typeof raw !== 'object') return undefined;
	const e = raw as Record<string, unknown>;
	const node = e.node as { name?: unknown } | string | undefined;
	return {
		...e,
		message: typeof e.message === 'string' ? e.message : JSON.stringify(e.message ?? 'unknown error'),
		description: typeof e.description === 'string' ? e.description : undefined,
		node: typeof node === 'string' ? node : typeof node?.name === 'string' ? node.name : undefined,
	};
}

export function toExecutionResult(
	parsed: { ok: boolean; run: Record<string, unknown> },
	logs: string,
	exitCode: number | null,
): ExecutionResult {
	const data = (parsed.run.data ?? {}) as { resultData?: { runData?: RunData; error?: unknown } };
	const runData: RunData = data.resultData?.runData ?? {};
	const error = toExecutionError(data.resultData?.error);
	return {
		ok: parsed.ok && !error && exitCode === 0,
		error,
		runData,
		logs,
		exitCode,
		raw: parsed.run,
		items(nodeName: string, outputIndex = 0, runIndex = 0) {
			const runs = runData[nodeName];
			if (!runs) {
				throw new Error(`node "${nodeName}" did not run; nodes that ran: ${Object.keys(runData).join(', ') || 'none'}`);
			}
			const run = runs[runIndex];
			if (!run) throw new Error(`node "${nodeName}" has no run ${runIndex} (it ran ${runs.length} times)`);
			return (run.data?.main?.[outputIndex] ?? []).map((item) => item.json);
		},
	};
}

// ---------------------------------------------------------------------------------------------------
// Processes

export function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const srv = net.createServer();
		srv.unref();
		srv.on('error', reject);
		srv.listen(0, '127.0.0.1', () => {
			const addr = srv.address();
			srv.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
		});
	});
}

export interface CliResult {
	stdout: string;
	stderr: string;
	code: number | null;
	signal: NodeJS.Signals | null;
	timedOut: boolean;
}

/** Runs a command in its own process group; on timeout the whole group is killed. */
export function runCommand(
	cmd: string,
	args: string[],
	opts: { env: NodeJS.ProcessEnv; cwd?: string; timeoutMs: number },
): Promise<CliResult> {
	return new Promise((resolve, reject) => {
		const child = spawn(cmd, args, { env: opts.env, cwd: opts.cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
		const out: Buffer[] = [];
		const err: Buffer[] = [];
		child.stdout.on('data', (b: Buffer) => out.push(b));
		child.stderr.on('data', (b: Buffer) => err.push(b));
		let timedOut = false;
		const killGroup = (sig: NodeJS.Signals) => {
			try {
				if (child.pid) process.kill(-child.pid, sig);
			} catch {
				/* already gone */
			}
		};
		const timer = setTimeout(() => {
			timedOut = true;
			killGroup('SIGTERM');
			setTimeout(() => killGroup('SIGKILL'), 5000).unref();
		}, opts.timeoutMs);
		child.on('error', (e) => {
			clearTimeout(timer);
			reject(e);
		});
		child.on('close', (code, signal) => {
			clearTimeout(timer);
			// Task runners or other grandchildren must not outlive the command.
			killGroup('SIGKILL');
			resolve({
				stdout: Buffer.concat(out).toString('utf8'),
				stderr: Buffer.concat(err).toString('utf8'),
				code,
				signal,
				timedOut,
			});
		});
	});
}

// ---------------------------------------------------------------------------------------------------
// Instances

export interface CreateN8nOptions {
	/** N8N_LOG_LEVEL, default 'info' (2.41.1 prints `execute` results only at info or debug). */
	logLevel?: 'info' | 'debug';
	/** Extra environment for every n8n command of this instance. */
	env?: Record<string, string>;
	/** The packed package to install; default packPackage(). Pass false to install nothing. */
	tgz?: string | false;
	/** Keep the user folder after close() (debugging). Also LP_E2E_KEEP=1. */
	keep?: boolean;
}

export interface CredentialInput {
	id: string;
	name: string;
	type: string;
	data: Record<string, unknown>;
}

export interface N8nInstance {
	version: string;
	install: N8nInstall;
	userFolder: string;
	env: NodeJS.ProcessEnv;
	importCredentials(creds: CredentialInput[]): Promise<CliResult>;
	/** Imports one workflow; returns its id (assigned if missing). */
	importWorkflow(workflow: Partial<WorkflowJson> & { nodes: WorkflowNode[] }): Promise<string>;
	/** Imports several workflows with one n8n start; returns their ids in order. */
	importWorkflows(workflows: Array<Partial<WorkflowJson> & { nodes: WorkflowNode[] }>): Promise<string[]>;
	/** `n8n execute --id=<id>`; throws only when n8n printed no run at all (infrastructure failure). */
	execute(workflowId: string, opts?: { timeoutMs?: number }): Promise<ExecutionResult>;
	/** Any n8n CLI command with this instance's environment. */
	cli(args: string[], opts?: { timeoutMs?: number }): Promise<CliResult>;
	/** Everything every command of this instance printed so far. */
	allLogs(): string;
	close(): Promise<void>;
}

/** Environment that n8n commands of an instance get; inherited N8N_* / DB_* settings are dropped. */
function instanceEnv(install: N8nInstall, userFolder: string, opts: CreateN8nOptions): NodeJS.ProcessEnv {
	return {
		...n8nInstanceEnv(install, userFolder),
		N8N_ENCRYPTION_KEY: randomBytes(24).toString('hex'),
		DB_TYPE: 'sqlite',
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_LOG_LEVEL: opts.logLevel ?? 'info',
		N8N_LOG_FORMAT: 'text',
		N8N_LOG_OUTPUT: 'console',
		N8N_LISTEN_ADDRESS: '127.0.0.1',
		N8N_RUNNERS_BROKER_LISTEN_ADDRESS: '127.0.0.1',
		N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
		N8N_BLOCK_ENV_ACCESS_IN_NODE: 'false',
		NODE_ENV: 'production',
		...(opts.env ?? {}),
	};
}

/**
 * A throwaway n8n: ensures the pinned install, creates a temp N8N_USER_FOLDER and installs the packed
 * package into <userFolder>/.n8n/nodes like the Community nodes installer.
 */
export async function createN8n(version: N8nVersion, opts: CreateN8nOptions = {}): Promise<N8nInstance> {
	const install = await ensureN8n(version);
	const tgz = opts.tgz === undefined ? await packPackage() : opts.tgz;
	const userFolder = fs.mkdtempSync(path.join(os.tmpdir(), `lp-n8n-${version}-`));
	const env = instanceEnv(install, userFolder, opts);
	const logs: string[] = [];
	let queue: Promise<unknown> = Promise.resolve();
	let closed = false;

	try {
		if (tgz) await installCommunityPackage(userFolder, tgz, { env });
	} catch (e) {
		fs.rmSync(userFolder, { recursive: true, force: true });
		throw e;
	}

	const cli = (args: string[], o: { timeoutMs?: number } = {}): Promise<CliResult> => {
		if (closed) return Promise.reject(new Error('n8n instance is closed'));
		const next = queue.then(async () => {
			// Task runner broker (2.x) listens on a port: give every command its own.
			const brokerPort = await freePort();
			const res = await runCommand(install.nodeBin, [install.bin, ...args], {
				env: { ...env, N8N_RUNNERS_BROKER_PORT: String(brokerPort) },
				cwd: userFolder,
				timeoutMs: o.timeoutMs ?? EXECUTE_TIMEOUT_MS,
			});
			logs.push(`$ n8n ${args.join(' ')}\n${res.stdout}${res.stderr}`);
			return res;
		});
		queue = next.catch(() => undefined);
		return next;
	};

	const writeTemp = (prefix: string, data: unknown): string => {
		const file = path.join(userFolder, `${prefix}-${randomBytes(4).toString('hex')}.json`);
		fs.writeFileSync(file, JSON.stringify(data));
		return file;
	};

	const expectOk = (what: string, res: CliResult): CliResult => {
		if (res.code !== 0) {
			throw new Error(
				`n8n ${version} ${what} failed (${res.timedOut ? 'timed out' : `exit ${res.code}`}):\n${(res.stdout + res.stderr).slice(-4000)}`,
			);
		}
		return res;
	};

	const importWorkflows = async (workflows: Array<Partial<WorkflowJson> & { nodes: WorkflowNode[] }>) => {
		const full = workflows.map((w) => ({
			active: false,
			connections: {},
			settings: { executionOrder: 'v1' },
			...w,
			id: w.id ?? workflowId(),
			name: w.name ?? 'e2e workflow',
		}));
		const file = writeTemp('workflows', full);
		try {
			expectOk('import:workflow', await cli(['import:workflow', `--input=${file}`]));
		} finally {
			fs.rmSync(file, { force: true });
		}
		return full.map((w) => w.id);
	};

	return {
		version,
		install,
		userFolder,
		env,
		cli,
		allLogs: () => logs.join('\n'),
		async importCredentials(creds) {
			const file = writeTemp('credentials', creds);
			try {
				return expectOk('import:credentials', await cli(['import:credentials', `--input=${file}`]));
			} finally {
				fs.rmSync(file, { force: true });
			}
		},
		async importWorkflow(workflow) {
			return (await importWorkflows([workflow]))[0];
		},
		importWorkflows,
		async execute(id, o = {}) {
			const res = await cli(['execute', `--id=${id}`], { timeoutMs: o.timeoutMs ?? EXECUTE_TIMEOUT_MS });
			const logsText = res.stdout + res.stderr;
			const parsed = parseExecuteOutput(res.stdout, res.stderr);
			if (!parsed) {
				throw new Error(
					`n8n ${version} execute --id=${id} printed no run (${res.timedOut ? 'timed out' : `exit ${res.code}`}):\n${logsText.slice(-4000)}`,
				);
			}
			return toExecutionResult(parsed, logsText, res.code);
		},
		async close() {
			if (closed) return;
			closed = true;
			await queue;
			if (!opts.keep && process.env.LP_E2E_KEEP !== '1') fs.rmSync(userFolder, { recursive: true, force: true });
		},
	};
}
