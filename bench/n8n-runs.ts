/**
 * (a) and (b) in real n8n (test/e2e/harness.ts: pinned install, package installed like the
 * Community nodes installer). Each workflow is Manual Trigger → Code node making N items → the
 * node under test, run with `n8n execute`. The node's own `executionTime` (run data) is the
 * measurement, so n8n start-up is not counted. The execute process is spawned here (not through
 * the harness's `cli`) to follow its pid: peak RSS from /proc/<pid>/status VmHWM (polled) and
 * from the process's own `resourceUsage().maxRSS` (bench/n8n-probe.js, preloaded with
 * NODE_OPTIONS), which also reports this package's key store / agent counters inside n8n.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
	freePort,
	itemsNode,
	manualTriggerWorkflow,
	nodeType,
	parseExecuteOutput,
	toExecutionResult,
	type ExecutionResult,
	type N8nInstance,
	type WorkflowNode,
} from '../test/e2e/harness';
import type { CountingServer, ServerCounts } from './mtls-server';
import { summarizeProfile, type ProfileSummary } from './profile';

export const API_NODE_TYPE = nodeType('livePersonApiIntegration');
export const MTLS_CREDENTIAL_TYPE = 'livePersonMutualTlsApi';
export const SSL_CREDENTIAL_TYPE = 'httpSslAuth';

export const MTLS_CREDENTIAL = { id: 'benchMtls0000001', name: 'Bench mutual TLS' };
export const SSL_CREDENTIAL = { id: 'benchSsl00000001', name: 'Bench SSL certificates' };
export const CC_CREDENTIAL_TYPE = 'livePersonOAuth2ClientCredentialsApi';
export const CC_CREDENTIAL = { id: 'benchOauthCc0001', name: 'Bench client credentials' };

/**
 * (a) The API Integration node: GET the server with the Mutual TLS credential. `perItemUrl` puts
 * an n8n expression in the URL (`?i={{ $json.i }}`), so n8n evaluates one expression per item.
 */
export function apiIntegrationNode(url: string, concurrency: number, perItemUrl = false): WorkflowNode {
	return {
		name: 'LivePerson API Integration',
		type: API_NODE_TYPE,
		typeVersion: 1,
		parameters: {
			authentication: 'none',
			mutualTls: true,
			method: 'GET',
			url: perItemUrl ? `=${url}?i={{ $json.i }}` : url,
			options: { concurrency, allowedInternalNetworks: 'loopback' },
		},
		credentials: { [MTLS_CREDENTIAL_TYPE]: MTLS_CREDENTIAL },
	};
}

/** (b) n8n's HTTP Request node 4.2 with "SSL Certificates" on and the httpSslAuth credential. */
export function httpRequestNode(url: string, perItemUrl = false): WorkflowNode {
	return {
		name: 'HTTP Request',
		type: 'n8n-nodes-base.httpRequest',
		typeVersion: 4.2,
		parameters: {
			method: 'GET',
			url: perItemUrl ? `=${url}?i={{ $json.i }}` : url,
			provideSslCertificates: true,
			options: {},
		},
		credentials: { [SSL_CREDENTIAL_TYPE]: SSL_CREDENTIAL },
	};
}

/** Token requests inside n8n: the API Integration node with the OAuth2 client credentials credential. */
export function clientCredentialsNode(url: string, concurrency: number): WorkflowNode {
	return {
		name: 'LivePerson API Integration (client credentials)',
		type: API_NODE_TYPE,
		typeVersion: 1,
		parameters: {
			authentication: 'oAuth2ClientCredentials',
			mutualTls: false,
			method: 'GET',
			url,
			options: { concurrency, allowedInternalNetworks: 'loopback' },
		},
		credentials: { [CC_CREDENTIAL_TYPE]: CC_CREDENTIAL },
	};
}

export type ScenarioKey = 'a' | 'aExpr' | 'b' | 'tokens';

export interface N8nRun {
	scenario: ScenarioKey;
	/** cold: the node's first run in a fresh `n8n execute` process; warm: the same node again right after (JIT-warm code, open connections). */
	phase: 'cold' | 'warm';
	label: string;
	nodeName: string;
	items: number;
	/** The node's executionTime from the run data (ms). */
	nodeMs: number;
	itemsPerSec: number;
	/** Wall time of the whole `n8n execute` (start-up, Code node, node, output). */
	executeWallMs: number;
	/** Peak RSS of the n8n process, MiB: max of VmHWM polling and resourceUsage().maxRSS. */
	peakRssMiB: number;
	/** The mutual-TLS server's counters for this node run (handshakes, requests inside its time window). */
	server?: ServerCounts;
	/** Whole execution (both node runs). */
	execution?: { handshakes: number; requests: number; serverCpuMs: number };
	/** Token endpoint calls during the run (tokens scenario), and API calls. */
	tokenRequests?: number;
	apiRequests?: number;
	/** This package's counters inside the n8n process (bench/n8n-probe.js), when its modules loaded. */
	probe?: {
		keyStore?: { parses: number; cacheHits: number; byFormat: Record<string, number> } | null;
		agentPool?: { agentsBuilt: number; secureContextsBuilt: number; size: number } | null;
	};
	profile?: ProfileSummary;
}

function readHwmKb(pid: number): number {
	try {
		const m = /VmHWM:\s+(\d+)\s+kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
		return m ? Number(m[1]) : 0;
	} catch {
		return 0;
	}
}

interface ExecuteStats {
	result: ExecutionResult;
	wallMs: number;
	hwmKb: number;
	probe?: Record<string, unknown>;
	profileFile?: string;
}

/** `n8n execute --id` with the instance's environment, following the process for memory. */
export async function executeWithStats(
	inst: N8nInstance,
	workflowId: string,
	opts: { timeoutMs: number; profileDir?: string },
): Promise<ExecuteStats> {
	const probeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lp-bench-probe-'));
	const nodeOptions = [`--require ${path.join(__dirname, 'n8n-probe.js')}`];
	// --cpu-prof is refused in NODE_OPTIONS: it goes on the command line of the n8n process only.
	const nodeArgs: string[] = [];
	if (opts.profileDir) {
		fs.mkdirSync(opts.profileDir, { recursive: true });
		nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${opts.profileDir}`);
	}
	const env = {
		...inst.env,
		N8N_RUNNERS_BROKER_PORT: String(await freePort()),
		NODE_OPTIONS: nodeOptions.join(' '),
		LP_BENCH_PROBE_DIR: probeDir,
	};
	const started = Date.now();
	const child = spawn(inst.install.nodeBin, [...nodeArgs, inst.install.bin, 'execute', `--id=${workflowId}`], {
		env,
		cwd: inst.userFolder,
		detached: true,
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	const pid = child.pid as number;
	const out: Buffer[] = [];
	const err: Buffer[] = [];
	child.stdout?.on('data', (b: Buffer) => out.push(b));
	child.stderr?.on('data', (b: Buffer) => err.push(b));
	let hwmKb = 0;
	const poll = setInterval(() => {
		hwmKb = Math.max(hwmKb, readHwmKb(pid));
	}, 50);
	const killGroup = (sig: NodeJS.Signals) => {
		try {
			process.kill(-pid, sig);
		} catch {
			/* gone */
		}
	};
	let timedOut = false;
	const timer = setTimeout(() => {
		timedOut = true;
		killGroup('SIGTERM');
		setTimeout(() => killGroup('SIGKILL'), 5000).unref();
	}, opts.timeoutMs);
	const code = await new Promise<number | null>((resolve, reject) => {
		child.on('error', reject);
		child.on('close', (c) => resolve(c));
	});
	clearTimeout(timer);
	clearInterval(poll);
	killGroup('SIGKILL');
	const wallMs = Date.now() - started;
	const stdout = Buffer.concat(out).toString('utf8');
	const stderr = Buffer.concat(err).toString('utf8');
	let probe: Record<string, unknown> | undefined;
	try {
		probe = JSON.parse(fs.readFileSync(path.join(probeDir, `probe-${pid}.json`), 'utf8')) as Record<string, unknown>;
	} catch {
		probe = undefined;
	}
	fs.rmSync(probeDir, { recursive: true, force: true });
	const parsed = parseExecuteOutput(stdout, stderr);
	if (!parsed) {
		throw new Error(`n8n execute --id=${workflowId} printed no run (${timedOut ? 'timed out' : `exit ${code}`}):\n${(stdout + stderr).slice(-4000)}`);
	}
	let profileFile: string | undefined;
	if (opts.profileDir) {
		profileFile = fs
			.readdirSync(opts.profileDir)
			.filter((f) => f.endsWith('.cpuprofile') && f.includes(`.${pid}.`))
			.map((f) => path.join(opts.profileDir as string, f))[0];
	}
	return { result: toExecutionResult(parsed, stdout + stderr, code), wallMs, hwmKb, probe, profileFile };
}

export interface N8nScenarioOptions {
	n: number;
	concurrency: number;
	server: CountingServer;
	tls: { key: string; cert: string; ca: string };
	/** Mutual TLS credential data for (a). */
	mtlsCredential: Record<string, string>;
	/** Token requests in n8n: the emulator's protected URL, credential data and call counters. */
	tokens?: {
		url: string;
		credential: Record<string, string>;
		reset: () => void;
		counts: () => { tokenRequests: number; apiRequests: number };
	};
	timeoutMs?: number;
	/** Write CPU profiles here and summarize them. */
	profileDir?: string;
	only?: ScenarioKey[];
	log?: (line: string) => void;
}

const PROFILE_GROUPS: Record<string, RegExp> = {
	'this package (dist/)': /n8n-nodes-liveperson\/dist\//,
	undici: /\/undici\//,
	'TLS (node:tls, _tls_wrap)': /node:(internal\/)?(tls|_tls)|_tls_wrap/,
	'n8n-core': /\/n8n-core\//,
	'n8n-workflow': /\/n8n-workflow\//,
	'axios / request helpers': /\/(axios|follow-redirects|request|form-data)\//,
};

interface ScenarioDef {
	key: ScenarioKey;
	label: string;
	/** The node under test; mTLS scenarios run it twice in one execution (cold, then warm). */
	node: WorkflowNode;
	warmNode?: WorkflowNode;
	reset: () => Promise<void>;
	/** Counters for a node run that took [startMs, endMs] (epoch ms), after a node that ended at previousEndMs. */
	after: (run: N8nRun, startMs: number, endMs: number, previousEndMs: number) => Promise<void>;
	/** Frames of the node's own code, for the time partition. */
	nodeCode: RegExp;
}

/** Node startTime / executionTime from the run data. */
function nodeTiming(r: ExecutionResult, name: string, label: string): { start: number; ms: number } {
	const run = r.runData[name]?.[0];
	const ms = Number(run?.executionTime);
	const start = Number(run?.startTime);
	if (!Number.isFinite(ms) || ms <= 0 || !Number.isFinite(start)) throw new Error(`${label}: no executionTime/startTime for ${name} in the run data`);
	return { start, ms };
}

export interface PreparedScenarios {
	keys: ScenarioKey[];
	/** One `n8n execute` of a scenario: its node run(s), cold then warm. */
	run(key: ScenarioKey): Promise<N8nRun[]>;
}

/** Imports the credentials and the workflows of the scenarios into `inst`; `run(key)` executes one. */
export async function prepareN8nScenarios(inst: N8nInstance, o: N8nScenarioOptions): Promise<PreparedScenarios> {
	const log = o.log ?? (() => undefined);
	const apiCode = /n8n-nodes-liveperson\/dist\//;
	// Handshakes and requests of one node run: the server's event times inside the node's window.
	const mtlsAfter = async (run: N8nRun, _startMs: number, endMs: number, previousEndMs: number) => {
		const ev = await o.server.events();
		// Both clocks are this machine's Date.now() in ms. The counters were reset just before the
		// execution and only the node(s) under test call the server, so a node's events are those
		// after the previous node's end (ties at a shared millisecond go to the earlier node).
		const inside = (t: number) => t > previousEndMs && t <= endMs;
		const total = await o.server.counts();
		run.server = { ...total, handshakes: ev.handshakes.filter(inside).length, requests: ev.requests.filter(inside).length };
		run.execution = { handshakes: total.handshakes, requests: total.requests, serverCpuMs: total.cpuMs };
	};
	const mtls = { reset: () => o.server.reset(), after: mtlsAfter };
	const warm = (node: WorkflowNode): WorkflowNode => ({ ...node, name: `${node.name} (warm)` });
	const aNode = apiIntegrationNode(o.server.url, o.concurrency);
	const aExprNode = { ...apiIntegrationNode(o.server.url, o.concurrency, true), name: 'LivePerson API Integration (expression)' };
	const bNode = httpRequestNode(o.server.url);
	const defs: ScenarioDef[] = [
		{ key: 'a', label: '(a) API Integration node + Mutual TLS credential', node: aNode, warmNode: warm(aNode), ...mtls, nodeCode: apiCode },
		{ key: 'aExpr', label: '(a) same, URL with a per-item expression', node: aExprNode, warmNode: warm(aExprNode), ...mtls, nodeCode: apiCode },
		{
			key: 'b',
			label: '(b) HTTP Request node 4.2 + SSL Certificates credential',
			node: bNode,
			warmNode: warm(bNode),
			...mtls,
			nodeCode: /n8n-nodes-base\/dist\/nodes\/HttpRequest\/|\/(axios|follow-redirects|request|form-data|@n8n\/backend-network)\//,
		},
	];
	const tokens = o.tokens;
	if (tokens) {
		defs.push({
			key: 'tokens',
			label: 'API Integration node + OAuth2 client credentials (emulator)',
			node: clientCredentialsNode(tokens.url, o.concurrency),
			reset: async () => tokens.reset(),
			after: async (run) => {
				Object.assign(run, tokens.counts());
			},
			nodeCode: apiCode,
		});
	}
	const selected = defs.filter((d) => !o.only || o.only.includes(d.key));
	const creds: Array<{ id: string; name: string; type: string; data: Record<string, unknown> }> = [
		{ ...MTLS_CREDENTIAL, type: MTLS_CREDENTIAL_TYPE, data: o.mtlsCredential },
		{ ...SSL_CREDENTIAL, type: SSL_CREDENTIAL_TYPE, data: { ca: o.tls.ca, cert: o.tls.cert, key: o.tls.key, passphrase: '' } },
	];
	if (tokens) creds.push({ ...CC_CREDENTIAL, type: CC_CREDENTIAL_TYPE, data: tokens.credential });
	await inst.importCredentials(creds);
	const ids = await inst.importWorkflows(
		selected.map((d, i) =>
			manualTriggerWorkflow(`Bench ${d.key}, ${o.n} items`, [itemsNode(o.n), d.node, ...(d.warmNode ? [d.warmNode] : [])], undefined, {
				id: `benchWorkflow${i}`.padEnd(16, '0'),
			}),
		),
	);
	const execution: Record<string, number> = {};
	const run = async (key: ScenarioKey): Promise<N8nRun[]> => {
		const k = selected.findIndex((x) => x.key === key);
		if (k < 0) throw new Error(`scenario ${key} was not prepared`);
		const d = selected[k];
		execution[key] = (execution[key] ?? 0) + 1;
		const runs: N8nRun[] = [];
		await d.reset();
		log(`${d.label}: n8n execute, ${o.n} items${d.warmNode ? ' (the node twice: cold, then warm)' : ''}`);
		const stats = await executeWithStats(inst, ids[k], {
			timeoutMs: o.timeoutMs ?? 10 * 60_000,
			profileDir: o.profileDir ? path.join(o.profileDir, `${d.key}-${execution[key]}`) : undefined,
		});
		const r = stats.result;
		if (!r.ok) {
			throw new Error(
				`${d.label} failed in n8n: ${r.error?.message ?? `exit ${r.exitCode}`}${r.error?.description ? ` (${r.error.description})` : ''}\n${r.logs.slice(-3000)}`,
			);
		}
		const probe = stats.probe as
			| (N8nRun['probe'] & { resourceUsage?: { maxRSS?: number }; clock?: { wallMs: number; monotonicUs: number } })
			| undefined;
		const peakKb = Math.max(stats.hwmKb, probe?.resourceUsage?.maxRSS ?? 0);
		const phases: Array<{ node: WorkflowNode; phase: 'cold' | 'warm' }> = [{ node: d.node, phase: 'cold' }];
		if (d.warmNode) phases.push({ node: d.warmNode, phase: 'warm' });
		let previousEndMs = -Infinity;
		for (const { node, phase } of phases) {
			const items = r.items(node.name);
			const bad = items.filter((j) => (j as { ok?: unknown }).ok !== true);
			if (items.length !== o.n || bad.length) {
				throw new Error(`${d.label} (${node.name}): expected ${o.n} items with the server's {ok:true}, got ${items.length} (${bad.length} without); first: ${JSON.stringify(items[0]).slice(0, 300)}`);
			}
			const { start, ms } = nodeTiming(r, node.name, d.label);
			const nodeRun: N8nRun = {
				scenario: d.key,
				phase,
				label: d.label,
				nodeName: node.name,
				items: items.length,
				nodeMs: ms,
				itemsPerSec: o.n / (ms / 1000),
				executeWallMs: stats.wallMs,
				peakRssMiB: Math.round((peakKb / 1024) * 10) / 10,
				probe: probe ? { keyStore: probe.keyStore ?? null, agentPool: probe.agentPool ?? null } : undefined,
			};
			await d.after(nodeRun, start, start + ms, previousEndMs);
			previousEndMs = start + ms;
			if (stats.profileFile && probe?.clock) {
				// Profile timestamps are CLOCK_MONOTONIC µs; the probe noted (Date.now, monotonic) at start-up.
				const toMono = (epochMs: number) => probe.clock!.monotonicUs + (epochMs - probe.clock!.wallMs) * 1000;
				nodeRun.profile = summarizeProfile(stats.profileFile, { window: { startUs: toMono(start), endUs: toMono(start + ms) } }, PROFILE_GROUPS, d.nodeCode);
			}
			log(
				`${d.label}${d.warmNode ? ` [${phase}]` : ''}: ${nodeRun.itemsPerSec.toFixed(0)} items/s in the node (${ms} ms)` +
					(nodeRun.server ? `, ${nodeRun.server.handshakes} TLS handshakes` : '') +
					(nodeRun.tokenRequests !== undefined ? `, ${nodeRun.tokenRequests} token request(s)` : '') +
					`, peak RSS ${nodeRun.peakRssMiB} MiB`,
			);
			runs.push(nodeRun);
		}
		return runs;
	};
	return { keys: selected.map((d) => d.key), run };
}

/** Prepares and runs every selected scenario once, in order. */
export async function runN8nScenarios(inst: N8nInstance, o: N8nScenarioOptions): Promise<N8nRun[]> {
	const prepared = await prepareN8nScenarios(inst, o);
	const runs: N8nRun[] = [];
	for (const key of prepared.keys) runs.push(...(await prepared.run(key)));
	return runs;
}
