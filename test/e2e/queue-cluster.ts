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
import { freePort, nodeType, packPackage, type CredentialInput, type WorkflowNode } from './harness';

const OWNER = { email: 'queue-owner@example.com', firstName: 'Queue', lastName: 'Owner', password: `Q-${randomBytes(9).toString('hex')}9` };

/** Creates the owner of a fresh instance and logs in; returns the session cookie. */
async function ownerCookie(baseUrl: string): Promise<string> {
	const post = (p: string, body: unknown) =>
		fetch(baseUrl + p, { method: 'POST', headers: { 'content-type': 'application/json', 'browser-id': 'lp-queue-e2e' }, body: JSON.stringify(body) });
	// Right after start-up the REST routes may still answer with a placeholder page: retry until JSON.
	let setup = await post('/rest/owner/setup', OWNER);
	for (let i = 0; i < 60 && !(setup.headers.get('content-type') ?? '').includes('json'); i++) {
		await sleep(500);
		setup = await post('/rest/owner/setup', OWNER);
	}
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
	kill(signal: NodeJS.Signals): Promise<void>;
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
	importCredentials(creds: CredentialInput[]): Promise<void>;
	/** Creates and activates (publishes) a workflow through the REST API; returns its id. */
	createActiveWorkflow(name: string, nodes: WorkflowNode[], connections: Record<string, unknown>): Promise<string>;
	/** Finished executions per worker name, from the workers' logs. */
	executionsPerWorker(): Record<string, number>;
	/** Rows of execution_entity for a workflow, by status. */
	executionStatus(workflowId: string): Record<string, number>;
	/** Seconds each start-up phase took (pack, postgres, redis, ...), in order. */
	timings: Array<[string, number]>;
	/**
	 * Starts one more receiving process, `n8n webhook` on its own port (same database, Redis and key), as
	 * a load balancer would put next to main; stopped with the cluster. Resolves once it answers /healthz.
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
		async kill(signal) {
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
			}, 15_000);
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
	/** Extra environment for every process. */
	env?: Record<string, string>;
	tgz?: string;
}

export async function startQueueCluster(opts: QueueClusterOptions = {}): Promise<QueueCluster> {
	const timings: Array<[string, number]> = [];
	let mark = Date.now();
	const phase = (label: string) => {
		const now = Date.now();
		timings.push([label, (now - mark) / 1000]);
		mark = now;
	};
	const install = await ensureN8n(opts.version ?? '2.8.4');
	const tgz = opts.tgz ?? (await packPackage());
	phase('n8n install + pack');
	const userFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'lp-queue-'));
	const started: Array<() => Promise<void>> = [];
	const stopAll = async () => {
		for (const s of started.reverse()) await s().catch(() => undefined);
		started.length = 0;
		if (process.env.LP_E2E_KEEP !== '1') fs.rmSync(userFolder, { recursive: true, force: true });
	};
	try {
		const pg = await startPostgres();
		started.push(() => pg.stop());
		phase('postgres');
		const redis = await startRedis();
		started.push(() => redis.stop());
		phase('redis');
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
		await installCommunityPackage(userFolder, tgz, { env });
		phase('package install');

		const cli = async (args: string[]) => {
			const p = spawnN8n(`cli ${args[0]}`, install, args, { ...env, N8N_RUNNERS_BROKER_PORT: String(await freePort()) }, userFolder, path.join(userFolder, `cli-${randomBytes(3).toString('hex')}.log`));
			await new Promise((r) => p.child.once('close', r));
			if (p.child.exitCode !== 0) throw new Error(`n8n ${args.join(' ')} failed (exit ${p.child.exitCode}):\n${p.logs().slice(-3000)}`);
		};

		const main = spawnN8n('main', install, ['start'], { ...env, N8N_RUNNERS_BROKER_PORT: String(await freePort()) }, userFolder, path.join(userFolder, 'main.log'));
		started.push(() => main.kill('SIGTERM'));
		const baseUrl = `http://127.0.0.1:${port}`;
		await waitFor('n8n main /healthz', async () => (await fetch(`${baseUrl}/healthz`)).ok, 180_000, main);
		phase('main /healthz');
		await waitFor('the n8n REST API', async () => (await fetch(`${baseUrl}/rest/settings`)).status === 200, 180_000, main);
		phase('main REST');
		const cookie = await ownerCookie(baseUrl);
		phase('owner');

		const workers: ClusterProcess[] = [];
		for (let i = 0; i < (opts.workers ?? 2); i++) {
			const w = spawnN8n(
				`worker${i + 1}`,
				install,
				['worker', `--concurrency=${opts.concurrency ?? 10}`],
				{ ...env, N8N_RUNNERS_BROKER_PORT: String(await freePort()), QUEUE_HEALTH_CHECK_PORT: String(await freePort()) },
				userFolder,
				path.join(userFolder, `worker${i + 1}.log`),
			);
			started.push(() => w.kill('SIGTERM'));
			workers.push(w);
		}
		for (const w of workers) {
			await waitFor(`${w.name} ready`, async () => /n8n worker is now ready/.test(w.logs()), 180_000, w);
		}
		phase('workers ready');
		process.stdout.write(`queue cluster ${install.version} started: ${timings.map(([l, s]) => `${l} ${s.toFixed(1)} s`).join(', ')}\n`);

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

		return {
			install,
			pg,
			redis,
			userFolder,
			baseUrl,
			env,
			main,
			workers,
			timings,
			async importCredentials(creds) {
				const file = path.join(userFolder, `creds-${randomBytes(4).toString('hex')}.json`);
				fs.writeFileSync(file, JSON.stringify(creds), { mode: 0o600 });
				try {
					await cli(['import:credentials', `--input=${file}`]);
				} finally {
					fs.rmSync(file, { force: true });
				}
			},
			async createActiveWorkflow(name, nodes, connections) {
				const created = await rest<{ id: string; versionId: string }>('POST', '/rest/workflows', {
					name,
					nodes: nodes.map((n, i) => ({ id: randomUUID(), position: [i * 220, 0], ...n })),
					connections,
					settings: { executionOrder: 'v1' },
					active: false,
				});
				await rest('POST', `/rest/workflows/${created.id}/activate`, { versionId: created.versionId });
				return created.id;
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
			async startWebhookProcess(name = 'webhook') {
				const webhookPort = await freePort();
				const proc = spawnN8n(
					name,
					install,
					['webhook'],
					{ ...env, N8N_PORT: String(webhookPort), N8N_RUNNERS_BROKER_PORT: String(await freePort()), QUEUE_HEALTH_CHECK_PORT: String(await freePort()) },
					userFolder,
					path.join(userFolder, `${name}.log`),
				);
				started.push(() => proc.kill('SIGTERM'));
				const url = `http://127.0.0.1:${webhookPort}`;
				const t0 = Date.now();
				await waitFor(`${name} /healthz`, async () => (await fetch(`${url}/healthz`)).ok, 180_000, proc);
				timings.push([`${name} /healthz`, (Date.now() - t0) / 1000]);
				process.stdout.write(`queue cluster: ${name} process answered /healthz in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
				return { process: proc, baseUrl: url };
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

export async function setupEchoWorkflow(
	cluster: QueueCluster,
	emu: EchoEmulator,
): Promise<{ webhookUrl: string; workflowId: string }> {
	const credential = { id: 'lpQueueOauth2cc01', name: 'LP OAuth2 CC (queue)' };
	const account = { id: 'lpQueueAccount001', name: 'LP Account (queue)' };
	await cluster.importCredentials([
		{ ...credential, type: 'livePersonOAuth2ClientCredentialsApi', data: echoCredentialData(emu) },
		{ ...account, type: 'livePersonAccountApi', data: { accountId: emu.config.accountId, csdsHost: emu.url, authMethod: 'none', allowedInternalNetworks: 'loopback' } },
	]);
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
