/**
 * An n8n queue-mode cluster for tests and the bench: PostgreSQL + Redis (test/support), one shared user
 * folder with this package installed as a community package, `n8n start` (main, webhooks) and N
 * `n8n worker` processes, all with EXECUTIONS_MODE=queue and the same N8N_ENCRYPTION_KEY. Every process
 * gets its own task-runner broker port. Logs of each process are kept in memory (and in the temp
 * folder); `executionsPerWorker()` reads the workers' "Worker finished execution <id>" lines.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { ensureN8n, instanceEnv, type N8nInstall } from '../../scripts/n8n-install';
import { installCommunityPackage } from '../../scripts/n8n-package';
import { startPostgres, type PostgresServer } from '../support/postgres-server';
import { startRedis, type RedisServer } from '../support/redis-server';
import { freePort, nodeType, packPackage, parseExecuteOutput, toExecutionResult, type CredentialInput, type ExecutionResult, type WorkflowNode } from './harness';

const OWNER = { email: 'queue-owner@example.com', firstName: 'Queue', lastName: 'Owner', password: `Q-${randomBytes(9).toString('hex')}9` };

/** Creates the owner of a fresh instance and logs in; returns the session cookie. */
async function ownerCookie(baseUrl: string, main: ClusterProcess): Promise<string> {
	const post = (p: string, body: unknown) =>
		fetch(baseUrl + p, { method: 'POST', headers: { 'content-type': 'application/json', 'browser-id': 'lp-queue-e2e' }, body: JSON.stringify(body) });
	// Until main has registered its REST routes it answers with a placeholder page: wait for JSON.
	await waitFor('the n8n REST API', async () => {
		const r = await fetch(`${baseUrl}/rest/settings`);
		await r.arrayBuffer();
		return r.status === 200 && (r.headers.get('content-type') ?? '').includes('json');
	}, 180_000, main);
	const setup = await post('/rest/owner/setup', OWNER);
	if (setup.status !== 200) throw new Error(`owner setup: HTTP ${setup.status} ${(await setup.text()).slice(0, 300)}`);
	const cookies = [setup, await post('/rest/login', { emailOrLdapLoginId: OWNER.email, password: OWNER.password })]
		.flatMap((r) => r.headers.getSetCookie())
		.map((c) => c.split(';')[0])
		.filter((c) => c.startsWith('n8n-auth='));
	if (!cookies.length) throw new Error(`owner setup and login set no n8n-auth cookie: ${JSON.stringify([...setup.headers])}`);
	return cookies[cookies.length - 1];
}

export interface ClusterProcess {
	name: string;
	pid: number;
	child: ChildProcess;
	logs(): string;
	exited(): boolean;
	/** Signals the process group; SIGKILL after `graceMs` (default 15 s) if it has not exited by then. */
	kill(signal: NodeJS.Signals, graceMs?: number): Promise<void>;
}

export interface QueueCluster {
	install: N8nInstall;
	pg: PostgresServer;
	redis: RedisServer;
	userFolder: string;
	baseUrl: string;
	env: NodeJS.ProcessEnv;
	main: ClusterProcess;
	workers: ClusterProcess[];
	/** The `n8n webhook` processes started with the cluster (QueueClusterOptions.webhookProcesses). */
	webhooks: Array<{ process: ClusterProcess; baseUrl: string }>;
	importCredentials(creds: CredentialInput[]): Promise<void>;
	/** Creates a workflow through the REST API (not active); returns its id. */
	createWorkflow(name: string, nodes: WorkflowNode[], connections: Record<string, unknown>): Promise<string>;
	/** Creates and activates (publishes) a workflow through the REST API; returns its id. */
	createActiveWorkflow(name: string, nodes: WorkflowNode[], connections: Record<string, unknown>): Promise<string>;
	/**
	 * `n8n execute --id=<id>` in a process of its own: the cluster's database, key and user folder, with
	 * `env` on top (e.g. EXECUTIONS_MODE=regular to run it in that process rather than on a worker).
	 */
	execute(workflowId: string, env?: Record<string, string>): Promise<ExecutionResult>;
	/** Finished executions per worker name, from the workers' logs. */
	executionsPerWorker(): Record<string, number>;
	/** Rows of execution_entity for a workflow, by status. */
	executionStatus(workflowId: string): Record<string, number>;
	/** Seconds from the start of startQueueCluster until each start-up phase was done, in order. */
	timings: Array<[string, number]>;
	/**
	 * Starts one more receiving process, `n8n webhook` on its own port (same database, Redis and key), as
	 * a load balancer would put next to main; stopped with the cluster. Resolves once it reports its
	 * database ready (/healthz/readiness).
	 */
	startWebhookProcess(name?: string): Promise<{ process: ClusterProcess; baseUrl: string }>;
	stop(): Promise<void>;
}

function sleep(ms: number) {
	return new Promise((r) => setTimeout(r, ms));
}

function spawnN8n(name: string, install: N8nInstall, args: string[], env: NodeJS.ProcessEnv, cwd: string, logFile: string): ClusterProcess {
	const child = spawn(install.nodeBin, [install.bin, ...args], { env, cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
	const out = fs.createWriteStream(logFile);
	let text = '';
	const onData = (d: Buffer) => {
		text += d.toString('utf8');
		out.write(d);
	};
	child.stdout?.on('data', onData);
	child.stderr?.on('data', onData);
	let done = false;
	const exit = new Promise<void>((r) =>
		child.once('exit', () => {
			done = true;
			r();
		}),
	);
	child.once('close', () => out.end());
	return {
		name,
		pid: child.pid ?? -1,
		child,
		logs: () => text,
		exited: () => done,
		async kill(signal, graceMs = 15_000) {
			if (done) return;
			try {
				process.kill(-(child.pid as number), signal);
			} catch {
				/* gone */
			}
			const t = setTimeout(() => {
				try {
					process.kill(-(child.pid as number), 'SIGKILL');
				} catch {
					/* gone */
				}
			}, graceMs);
			await exit;
			clearTimeout(t);
			try {
				process.kill(-(child.pid as number), 'SIGKILL');
			} catch {
				/* task runners gone too */
			}
		},
	};
}

async function waitFor(what: string, fn: () => Promise<boolean>, timeoutMs: number, proc?: ClusterProcess) {
	const t0 = Date.now();
	for (;;) {
		try {
			if (await fn()) return;
		} catch {
			/* not yet */
		}
		if (proc?.exited()) throw new Error(`${proc.name} exited while waiting for ${what}:\n${proc.logs().slice(-4000)}`);
		if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}${proc ? `:\n${proc.logs().slice(-3000)}` : ''}`);
		await sleep(300);
	}
}

export interface QueueClusterOptions {
	version?: string;
	workers?: number;
	/** Jobs each worker runs at once (n8n worker --concurrency). Default 10. */
	concurrency?: number;
	/** `n8n webhook` processes started together with the workers (each on its own port). Default 0. */
	webhookProcesses?: number;
	/**
	 * Credentials created through the REST API once the owner exists, as in the editor (n8n gives them ids
	 * of its own: workflows created through the cluster may name them by the ids given here).
	 */
	credentials?: CredentialInput[];
	/** Extra environment for every process. */
	env?: Record<string, string>;
	tgz?: string;
}

/**
 * Start-up order: the n8n install, the packed package, PostgreSQL and Redis at once; then main alone (it
 * runs the database migrations, and n8n has no migration lock: every n8n command migrates at start);
 * once main reports the migrations done (/healthz/readiness), the workers, the webhook processes and the
 * owner set-up (then the credentials, through the REST API: no extra n8n process) all at once, each
 * waited for on its own readiness signal.
 */
export async function startQueueCluster(opts: QueueClusterOptions = {}): Promise<QueueCluster> {
	const timings: Array<[string, number]> = [];
	const t0 = Date.now();
	const timed = async <T>(label: string, p: Promise<T>): Promise<T> => {
		const v = await p;
		timings.push([label, (Date.now() - t0) / 1000]);
		return v;
	};
	const userFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'lp-queue-'));
	const started: Array<() => Promise<void>> = [];
	const n8nProcesses: ClusterProcess[] = [];
	const stopAll = async () => {
		const t = Date.now();
		// n8n processes first, all at once, then Redis and PostgreSQL. n8n's graceful shutdown waits for
		// executions it still counts as running (up to N8N_GRACEFUL_SHUTDOWN_TIMEOUT, 30 s): main does so
		// for the webhook calls whose reply it dropped. Nothing is left to check then: SIGKILL after 5 s.
		const procs = n8nProcesses.splice(0);
		const down: string[] = [];
		await Promise.all(
			procs.map(async (p) => {
				await p.kill('SIGTERM', 5_000).catch(() => undefined);
				down.push(`${p.name} ${((Date.now() - t) / 1000).toFixed(1)} s`);
			}),
		);
		const t1 = Date.now();
		await Promise.all(started.splice(0).map((s) => s().catch(() => undefined)));
		const t2 = Date.now();
		if (process.env.LP_E2E_KEEP !== '1') fs.rmSync(userFolder, { recursive: true, force: true });
		if (procs.length) {
			const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
			process.stdout.write(`queue cluster stopped in ${s(Date.now() - t)}: ${down.join(', ')}; Redis + PostgreSQL ${s(t2 - t1)}; files ${s(Date.now() - t2)}\n`);
		}
	};
	try {
		const servers = Promise.allSettled([
			timed('postgres', startPostgres()).then((pg) => (started.push(() => pg.stop()), pg)),
			timed('redis', startRedis()).then((redis) => (started.push(() => redis.stop()), redis)),
		]);
		const [install, tgz] = await Promise.all([
			timed('n8n install', ensureN8n(opts.version ?? '2.8.4')),
			opts.tgz ?? timed('pack', packPackage()),
		]).finally(() => servers);
		const [pgResult, redisResult] = await servers;
		if (pgResult.status === 'rejected') throw pgResult.reason;
		if (redisResult.status === 'rejected') throw redisResult.reason;
		const pg = pgResult.value;
		const redis = redisResult.value;
		const port = await freePort();
		const env: NodeJS.ProcessEnv = {
			...instanceEnv(install, userFolder, /^LP_TOKEN_/),
			N8N_ENCRYPTION_KEY: randomBytes(24).toString('hex'),
			DB_TYPE: 'postgresdb',
			DB_POSTGRESDB_HOST: pg.host,
			DB_POSTGRESDB_PORT: String(pg.port),
			DB_POSTGRESDB_DATABASE: pg.database,
			DB_POSTGRESDB_USER: pg.user,
			DB_POSTGRESDB_PASSWORD: 'unused-trust-auth',
			EXECUTIONS_MODE: 'queue',
			QUEUE_BULL_REDIS_HOST: redis.host,
			QUEUE_BULL_REDIS_PORT: String(redis.port),
			QUEUE_HEALTH_CHECK_ACTIVE: 'false',
			N8N_DIAGNOSTICS_ENABLED: 'false',
			N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
			N8N_PERSONALIZATION_ENABLED: 'false',
			N8N_LOG_LEVEL: 'info',
			N8N_LOG_FORMAT: 'text',
			N8N_LOG_OUTPUT: 'console',
			N8N_LISTEN_ADDRESS: '127.0.0.1',
			N8N_HOST: '127.0.0.1',
			N8N_PORT: String(port),
			N8N_PROTOCOL: 'http',
			N8N_SECURE_COOKIE: 'false',
			N8N_RUNNERS_BROKER_LISTEN_ADDRESS: '127.0.0.1',
			N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
			N8N_BLOCK_ENV_ACCESS_IN_NODE: 'false',
			NODE_ENV: 'production',
			...(opts.env ?? {}),
		};
		await timed('package install', installCommunityPackage(userFolder, tgz, { env }));

		/** Starts an n8n process of the cluster (its own task-runner broker port; stopped with the cluster). */
		const spawnMember = async (name: string, args: string[], extra: NodeJS.ProcessEnv = {}): Promise<ClusterProcess> => {
			const p = spawnN8n(name, install, args, { ...env, N8N_RUNNERS_BROKER_PORT: String(await freePort()), ...extra }, userFolder, path.join(userFolder, `${name}.log`));
			n8nProcesses.push(p);
			return p;
		};
		/** A one-off n8n command (not a member: it exits by itself); resolves with it once it exited. */
		const runCli = async (args: string[], extra: NodeJS.ProcessEnv = {}): Promise<ClusterProcess> => {
			const p = spawnN8n(`cli ${args[0]}`, install, args, { ...env, N8N_RUNNERS_BROKER_PORT: String(await freePort()), ...extra }, userFolder, path.join(userFolder, `cli-${randomBytes(3).toString('hex')}.log`));
			await new Promise((r) => p.child.once('close', r));
			return p;
		};
		const cli = async (args: string[]) => {
			const p = await runCli(args);
			if (p.child.exitCode !== 0) throw new Error(`n8n ${args.join(' ')} failed (exit ${p.child.exitCode}):\n${p.logs().slice(-3000)}`);
		};
		const importCredentials = async (creds: CredentialInput[]) => {
			const file = path.join(userFolder, `creds-${randomBytes(4).toString('hex')}.json`);
			fs.writeFileSync(file, JSON.stringify(creds), { mode: 0o600 });
			try {
				await cli(['import:credentials', `--input=${file}`]);
			} finally {
				fs.rmSync(file, { force: true });
			}
		};
		const startWebhook = async (name: string) => {
			const webhookPort = await freePort();
			const proc = await spawnMember(name, ['webhook'], { N8N_PORT: String(webhookPort), QUEUE_HEALTH_CHECK_PORT: String(await freePort()) });
			const url = `http://127.0.0.1:${webhookPort}`;
			// Readiness, not /healthz: /healthz answers before the process has its database.
			await waitFor(`${name} /healthz/readiness`, async () => (await fetch(`${url}/healthz/readiness`)).ok, 180_000, proc);
			return { process: proc, baseUrl: url };
		};

		const main = await spawnMember('main', ['start']);
		const baseUrl = `http://127.0.0.1:${port}`;
		// Migrations done: from here on other n8n commands can start against the same database.
		await timed('main migrated', waitFor('n8n main /healthz/readiness', async () => (await fetch(`${baseUrl}/healthz/readiness`)).ok, 180_000, main));

		const workers: ClusterProcess[] = [];
		for (let i = 0; i < (opts.workers ?? 2); i++) {
			workers.push(await spawnMember(`worker${i + 1}`, ['worker', `--concurrency=${opts.concurrency ?? 10}`], { QUEUE_HEALTH_CHECK_PORT: String(await freePort()) }));
		}
		let cookie = '';
		const rest = async <T>(method: string, p: string, body?: unknown): Promise<T> => {
			const res = await fetch(baseUrl + p, {
				method,
				headers: { 'content-type': 'application/json', cookie, 'browser-id': 'lp-queue-e2e' },
				body: body === undefined ? undefined : JSON.stringify(body),
			});
			const text = await res.text();
			if (!res.ok) throw new Error(`${method} ${p}: HTTP ${res.status} ${text.slice(0, 500)}`);
			const json = JSON.parse(text) as { data?: T };
			return (json.data ?? json) as T;
		};
		/** The ids n8n gave the credentials of opts.credentials, by the id given there. */
		const credentialIds = new Map<string, string>();
		const createCredentials = async (creds: CredentialInput[]) => {
			for (const c of creds) {
				const created = await rest<{ id: string }>('POST', '/rest/credentials', { name: c.name, type: c.type, data: c.data });
				credentialIds.set(c.id, created.id);
			}
		};
		const createWorkflow = (name: string, nodes: WorkflowNode[], connections: Record<string, unknown>) =>
			rest<{ id: string; versionId: string }>('POST', '/rest/workflows', {
				name,
				nodes: nodes.map((n, i) => ({
					id: randomUUID(),
					position: [i * 220, 0],
					...n,
					...(n.credentials
						? { credentials: Object.fromEntries(Object.entries(n.credentials).map(([type, ref]) => [type, { ...ref, id: credentialIds.get(ref.id) ?? ref.id }])) }
						: {}),
				})),
				connections,
				settings: { executionOrder: 'v1' },
				active: false,
			});

		const [, , webhooks] = await Promise.all([
			timed(
				'main REST + owner + credentials',
				(async () => {
					cookie = await ownerCookie(baseUrl, main);
					await createCredentials(opts.credentials ?? []);
				})(),
			),
			timed('workers ready', Promise.all(workers.map((w) => waitFor(`${w.name} ready`, async () => /n8n worker is now ready/.test(w.logs()), 180_000, w)))),
			timed('webhook processes ready', Promise.all(Array.from({ length: opts.webhookProcesses ?? 0 }, (_, i) => startWebhook(`webhook${i + 1}`)))),
		]);
		process.stdout.write(`queue cluster ${install.version} up after: ${timings.map(([l, s]) => `${l} ${s.toFixed(1)} s`).join(', ')}\n`);

		return {
			install,
			pg,
			redis,
			userFolder,
			baseUrl,
			env,
			main,
			workers,
			webhooks,
			timings,
			importCredentials,
			async createWorkflow(name, nodes, connections) {
				return (await createWorkflow(name, nodes, connections)).id;
			},
			async createActiveWorkflow(name, nodes, connections) {
				const created = await createWorkflow(name, nodes, connections);
				await rest('POST', `/rest/workflows/${created.id}/activate`, { versionId: created.versionId });
				return created.id;
			},
			async execute(workflowId, extraEnv = {}) {
				const p = await runCli(['execute', `--id=${workflowId}`], extraEnv);
				const parsed = parseExecuteOutput(p.logs());
				if (!parsed) throw new Error(`n8n execute --id=${workflowId} printed no run (exit ${p.child.exitCode}):\n${p.logs().slice(-4000)}`);
				return toExecutionResult(parsed, p.logs(), p.child.exitCode);
			},
			executionsPerWorker() {
				const out: Record<string, number> = {};
				for (const w of workers) out[w.name] = (w.logs().match(/Worker finished execution \d+/g) ?? []).length;
				return out;
			},
			executionStatus(workflowId) {
				const rows = pg.query(`select status, count(*) from execution_entity where "workflowId" = '${workflowId.replace(/'/g, '')}' group by status`);
				const out: Record<string, number> = {};
				for (const line of rows.split('\n').filter(Boolean)) {
					const [status, n] = line.split('|');
					out[status] = Number(n);
				}
				return out;
			},
			async startWebhookProcess(name = `webhook${webhooks.length + 1}`) {
				const t = Date.now();
				const webhook = await startWebhook(name);
				process.stdout.write(`queue cluster: ${name} process ready in ${((Date.now() - t) / 1000).toFixed(1)} s\n`);
				return webhook;
			},
			stop: stopAll,
		};
	} catch (e) {
		await stopAll();
		throw e;
	}
}

/**
 * The load workflow of the queue test and bench: Webhook (POST, reply with the last node's first item)
 * → LivePerson Domains (CSDS lookup of one service through a LivePerson Account credential, the
 * emulator's CSDS) → LivePerson API Integration with an OAuth2 client-credentials credential (the
 * emulator's Sentinel token endpoint) → POST <emulator>/protected/echo {i}. Returns the webhook URL and
 * the workflow id.
 */
type EchoEmulator = { url: string; config: { accountId: string; oauth2Client: { clientId: string; clientSecret: string } } };

/** The OAuth2 client-credentials credential data of the echo workflow (the emulator's Sentinel client). */
export function echoCredentialData(emu: EchoEmulator): Record<string, unknown> {
	const c = emu.config;
	return {
		clientId: c.oauth2Client.clientId,
		clientSecret: c.oauth2Client.clientSecret,
		accessTokenUrl: `${emu.url}/sentinel/api/v2/account/${c.accountId}/app/token`,
		authentication: 'header',
		scope: '',
		tokenExpiredStatusCode: 401,
		// The emulator's token endpoint is on 127.0.0.1.
		allowedInternalNetworks: 'loopback',
	};
}

const ECHO_CREDENTIAL = { id: 'lpQueueOauth2cc01', name: 'LP OAuth2 CC (queue)' };
const ECHO_ACCOUNT = { id: 'lpQueueAccount001', name: 'LP Account (queue)' };

/** The two credentials of the echo workflow (import them before createEchoWorkflow). */
export function echoCredentials(emu: EchoEmulator): CredentialInput[] {
	return [
		{ ...ECHO_CREDENTIAL, type: 'livePersonOAuth2ClientCredentialsApi', data: echoCredentialData(emu) },
		{ ...ECHO_ACCOUNT, type: 'livePersonAccountApi', data: { accountId: emu.config.accountId, csdsHost: emu.url, authMethod: 'none', allowedInternalNetworks: 'loopback' } },
	];
}

/** Imports the echo workflow's credentials, then creates and activates it. */
export async function setupEchoWorkflow(cluster: QueueCluster, emu: EchoEmulator): Promise<{ webhookUrl: string; workflowId: string }> {
	await cluster.importCredentials(echoCredentials(emu));
	return createEchoWorkflow(cluster, emu);
}

/** Creates and activates the echo workflow (its credentials already imported: echoCredentials). */
export async function createEchoWorkflow(cluster: QueueCluster, emu: EchoEmulator): Promise<{ webhookUrl: string; workflowId: string }> {
	const credential = ECHO_CREDENTIAL;
	const account = ECHO_ACCOUNT;
	const webhookPath = `lp-queue-${randomUUID().slice(0, 8)}`;
	const workflowId = await cluster.createActiveWorkflow(
		'LP queue mode',
		[
			{
				name: 'Webhook',
				type: 'n8n-nodes-base.webhook',
				typeVersion: 2,
				webhookId: randomUUID(),
				parameters: { httpMethod: 'POST', path: webhookPath, responseMode: 'lastNode', responseData: 'firstEntryJson', options: {} },
			},
			{
				name: 'Domain',
				type: nodeType('livePersonDomains'),
				typeVersion: 1,
				parameters: { operation: 'get', service: 'agentVep' },
				credentials: { livePersonAccountApi: account },
			},
			{
				name: 'Echo',
				type: nodeType('livePersonApiIntegration'),
				typeVersion: 1,
				parameters: {
					authentication: 'oAuth2ClientCredentials',
					method: 'POST',
					url: `${emu.url}/protected/echo`,
					sendBody: true,
					bodyContentType: 'json',
					jsonBody: "={{ JSON.stringify({ i: $('Webhook').item.json.body.i }) }}",
					options: { allowedInternalNetworks: 'loopback', concurrency: 1 },
				},
				credentials: { livePersonOAuth2ClientCredentialsApi: credential },
			},
		],
		{ Webhook: { main: [[{ node: 'Domain', type: 'main', index: 0 }]] }, Domain: { main: [[{ node: 'Echo', type: 'main', index: 0 }]] } },
	);
	return { webhookUrl: `${cluster.baseUrl}/webhook/${webhookPath}`, workflowId };
}

export interface WebhookCall {
	ok: boolean;
	status: number;
	/** No answer at all (connection closed or timed out): n8n dropped the reply. */
	dropped: boolean;
	ms: number;
}

/** POSTs {i} to the echo workflow's webhook; ok when the reply echoes i back. */
export async function callEcho(webhookUrl: string, i: number, timeoutMs = 60_000): Promise<WebhookCall> {
	const t0 = Date.now();
	try {
		const res = await fetch(webhookUrl, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ i }),
			signal: AbortSignal.timeout(timeoutMs),
		});
		const text = await res.text();
		let ok = false;
		try {
			const json = JSON.parse(text) as { ok?: boolean; body?: { i?: number } };
			ok = res.status === 200 && json.ok === true && json.body?.i === i;
		} catch {
			ok = false;
		}
		return { ok, status: res.status, dropped: false, ms: Date.now() - t0 };
	} catch {
		return { ok: false, status: 0, dropped: true, ms: Date.now() - t0 };
	}
}

/**
 * Calls the echo webhook until it answers: n8n 2.41 registers a production webhook shortly after the
 * activation request returns (404 meanwhile). Returns the last call.
 */
export async function waitForEcho(webhookUrl: string, timeoutMs = 20_000, waitMs = 60_000): Promise<WebhookCall> {
	let probe = await callEcho(webhookUrl, -1, timeoutMs);
	for (const t0 = Date.now(); !probe.ok && probe.status === 404 && Date.now() - t0 < waitMs; ) {
		await sleep(1000);
		probe = await callEcho(webhookUrl, -1, timeoutMs);
	}
	return probe;
}

/** Sends `count` calls (i = from..from+count-1) with `parallel` in flight; `during(done)` after each. */
export async function loadEcho(
	webhookUrl: string,
	from: number,
	count: number,
	parallel: number,
	during?: (done: number) => Promise<void> | void,
	timeoutMs = 60_000,
): Promise<WebhookCall[]> {
	const out: WebhookCall[] = new Array(count);
	let next = 0;
	let done = 0;
	await Promise.all(
		Array.from({ length: parallel }, async () => {
			while (next < count) {
				const k = next++;
				out[k] = await callEcho(webhookUrl, from + k, timeoutMs);
				done++;
				if (during) await during(done);
			}
		}),
	);
	return out;
}
