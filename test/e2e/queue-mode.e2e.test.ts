/**
 * n8n in queue mode (2.8.4; LP_QUEUE_N8N for other versions, e.g. "2.8.4,2.41.3") (test/e2e/queue-cluster.ts):
 * ONE cluster per n8n version for every queue-mode case: PostgreSQL + Redis, `n8n start` + 2 `n8n worker`
 * + one `n8n webhook` process, this package installed as a community package in the shared user folder.
 * The cases, in this order (the last token case kills a worker):
 *
 *   - the LivePerson bot (queue-bot.cases.ts): conversations run on the workers, SDES kept in Redis,
 *     PUT to main and POST events to the webhook process.
 *   - LivePerson Trigger (queue-trigger.cases.ts): each notification delivered to main and to the webhook
 *     process at once starts one execution (dedup leases in Redis).
 *   - tokens shared through Redis: a webhook workflow (Webhook → LivePerson Domains (CSDS) → LivePerson
 *     API Integration with the OAuth2 client-credentials credential → the emulator's protected echo →
 *     reply with the last node) is called 500 times. The emulator runs in this process, so its counters
 *     tell how many token requests the whole cluster made.
 *       1. 500 executions: every one succeeds in the database, both workers ran some, one token request.
 *       2. Revoked-token storm: the emulator forgets every token it issued (reset()) while webhooks keep
 *          coming; every request with the old token gets 401 → one re-login in the whole cluster.
 *       3. SIGKILL of the worker that holds the token lease (token endpoint slowed down so the lease is
 *          held): the other worker takes the lease over once it expires; at most one extra login; later
 *          executions succeed.
 *     Webhook replies that n8n drops although the execution finished are counted apart from executions.
 *   - the shared token store configured (LP_TOKEN_STORE=redis, no queue mode) but Redis down: an
 *     `n8n execute` process of its own (the cluster's database and key) runs 40 items.
 *
 * Each case has its own emulator (their counters are its assertions) and its own workflow.
 */
import { startEmulator, type Emulator } from '../../sandbox/emulator';
import { freePort, INSTALL_TIMEOUT_MS, itemsNode, manualTriggerWorkflow, nodeType, type CredentialInput } from './harness';
import { createEchoWorkflow, echoCredentialData, echoCredentials, waitForEcho, loadEcho, startQueueCluster, type QueueCluster, type WebhookCall } from './queue-cluster';
import { botCredentials, describeBotCases } from './queue-bot.cases';
import { describeTriggerCases, triggerCredentials } from './queue-trigger.cases';
import { clientCredentialsCacheKey } from '../../lib/auth/strategies';
import { clientCredentialsConfig } from '../../nodes/shared/credentialConfig';
import { RedisTokenStore } from '../../lib/auth/store/redis';
import { postgresAvailable } from '../support/postgres-server';
import { redisAvailable } from '../support/redis-server';

/**
 * n8n versions to run: 2.8.4 (Node 20) by default, to keep CI short; LP_QUEUE_N8N=2.41.3 (or
 * "2.8.4,2.41.3") runs the newest pinned n8n (Node 24) too. LP_N8N_VERSION is read when LP_QUEUE_N8N is
 * not set (the trigger cases followed it before they moved here).
 */
const VERSIONS = (process.env.LP_QUEUE_N8N || process.env.LP_N8N_VERSION || '2.8.4').split(',').map((v) => v.trim()).filter(Boolean);
const EXECUTIONS = Number(process.env.LP_QUEUE_EXECUTIONS || 500);
const PARALLEL = 25;
const LEASE_MS = 3_000;

let emu: Emulator;
let cluster: QueueCluster;
let webhookUrl = '';
let workflowId = '';
const report: string[] = [];

/**
 * Replies normally take well under a second (the slowest of 500 was 2.7 s at a load average of 10 on 2
 * cores); a call without an answer after this is "dropped". n8n drops a few replies per hundred under
 * load (the execution still succeeds): each such call holds its slot until this timeout.
 */
const CALL_TIMEOUT_MS = 10_000;

function load(from: number, count: number, parallel = PARALLEL, during?: (done: number) => Promise<void> | void): Promise<WebhookCall[]> {
	return loadEcho(webhookUrl, from, count, parallel, during, CALL_TIMEOUT_MS);
}

function total(status: Record<string, number>): number {
	return Object.values(status).reduce((a, b) => a + b, 0);
}

async function waitSettled(expected: number, timeoutMs = 90_000): Promise<Record<string, number>> {
	const t0 = Date.now();
	for (;;) {
		const s = cluster.executionStatus(workflowId);
		const running = (s.new ?? 0) + (s.running ?? 0) + (s.waiting ?? 0);
		if ((total(s) >= expected && running === 0) || Date.now() - t0 > timeoutMs) return s;
		await new Promise((r) => setTimeout(r, 500));
	}
}

const tokens = () => emu.count('sentinel.token');
const csds = () => emu.count('csds.all') + emu.count('csds.one');

afterAll(() => {
	process.stdout.write(`\n=== n8n queue mode (main + 2 workers + webhook process, PostgreSQL, Redis) ===\n${report.join('\n')}\n\n`);
});

const canRun = postgresAvailable() && redisAvailable();
// No silent skip: without the servers the file fails and says what to install (`npm test` installs them).
if (!canRun) throw new Error('queue-mode e2e needs PostgreSQL 15 and redis-server: apt-get install postgresql redis-server');
const d = describe;

/** The Redis-down case's credential (its own emulator: one token request expected). */
const REDIS_DOWN_CREDENTIAL = { id: 'lpRedisDownCc001', name: 'LP OAuth2 CC (Redis down)' };
function redisDownCredentials(emulator: Emulator): CredentialInput[] {
	const c = emulator.config;
	return [
		{
			...REDIS_DOWN_CREDENTIAL,
			type: 'livePersonOAuth2ClientCredentialsApi',
			data: {
				clientId: c.oauth2Client.clientId,
				clientSecret: c.oauth2Client.clientSecret,
				accessTokenUrl: `${emulator.url}/sentinel/api/v2/account/${c.accountId}/app/token`,
				authentication: 'header',
				scope: '',
				tokenExpiredStatusCode: 401,
				allowedInternalNetworks: 'loopback',
			},
		},
	];
}

describe.each(VERSIONS)('n8n %s queue mode', (VERSION) => {
	const ctx = {} as { cluster: QueueCluster; botEmu: Emulator; redisDownEmu: Emulator };
	let emulators: Emulator[] = [];

	beforeAll(async () => {
		emulators = await Promise.all([startEmulator(), startEmulator(), startEmulator()]);
		[emu, ctx.botEmu, ctx.redisDownEmu] = emulators;
		// The token cases' lease settings (LP_TOKEN_LEASE_MS: a SIGKILLed holder's lease expires in 3 s)
		// hold for every process of the cluster; the Redis-down case's process resets them.
		cluster = ctx.cluster = await startQueueCluster({
			version: VERSION,
			workers: 2,
			webhookProcesses: 1,
			env: { LP_TOKEN_LEASE_MS: String(LEASE_MS), LP_TOKEN_WAIT_MS: '20000' },
			credentials: [...botCredentials(ctx.botEmu), ...triggerCredentials, ...echoCredentials(emu), ...redisDownCredentials(ctx.redisDownEmu)],
		});
	}, INSTALL_TIMEOUT_MS);

	afterAll(async () => {
		await cluster?.stop();
		await Promise.all(emulators.map((e) => e.close()));
	}, 120_000);

	describeBotCases(ctx);
	describeTriggerCases(ctx);

	d(`main + 2 workers share tokens through Redis`, () => {
		beforeAll(async () => {
			({ webhookUrl, workflowId } = await createEchoWorkflow(cluster, emu));
			const probe = await waitForEcho(webhookUrl, CALL_TIMEOUT_MS);
			if (!probe.ok) throw new Error(`the webhook does not answer as expected (HTTP ${probe.status}):\n${cluster.main.logs().slice(-3000)}`);
			emu.reset();
		}, 120_000);

		test(
			`${EXECUTIONS} webhook executions: all succeed in the database, both workers work, ONE token request`,
			async () => {
				const before = cluster.executionStatus(workflowId);
				const perWorkerBefore = cluster.executionsPerWorker();
				const t0 = Date.now();
				const results = await load(0, EXECUTIONS);
				const seconds = (Date.now() - t0) / 1000;
				const after = await waitSettled(total(before) + EXECUTIONS);
				const perWorker = cluster.executionsPerWorker();
				const succeeded = (after.success ?? 0) - (before.success ?? 0);
				const failed = total(after) - total(before) - succeeded;
				const replies = results.filter((r) => r.ok).length;
				const dropped = results.filter((r) => r.dropped).length;
				const badReplies = EXECUTIONS - replies - dropped;
				const workerCounts = Object.fromEntries(Object.entries(perWorker).map(([k, v]) => [k, v - (perWorkerBefore[k] ?? 0)]));
				report.push(
					`[${VERSION}] executions sent ${EXECUTIONS}, succeeded (database) ${succeeded}, failed ${failed}, lost ${EXECUTIONS - succeeded - failed}`,
					`webhook replies: ${replies} ok (slowest ${Math.max(0, ...results.filter((r) => r.ok).map((r) => r.ms))} ms), ${dropped} dropped by n8n (no reply although sent), ${badReplies} wrong`,
					`executions per worker: ${JSON.stringify(workerCounts)}; ${(EXECUTIONS / seconds).toFixed(1)} executions/s`,
					`token requests at the emulator: ${tokens()} (target 1 per credential); protected calls: ${emu.count('protected.echo')}; CSDS lookups (LivePerson Domains, cached per process): ${csds()}`,
				);
				expect(succeeded).toBe(EXECUTIONS);
				expect(failed).toBe(0);
				expect(Object.values(workerCounts).every((n) => n > 0)).toBe(true);
				expect(tokens()).toBe(1);
				// A dropped reply is n8n's (the execution finished); any other bad reply is ours.
				expect(badReplies).toBe(0);
			},
			10 * 60_000,
		);

		test(
			'revoked-token storm (every call 401 until re-login): ONE re-login in the whole cluster',
			async () => {
				const tokensBefore = tokens();
				const before = cluster.executionStatus(workflowId);
				const n = 100;
				const results = await load(10_000, n, PARALLEL, (done) => {
					// After a few calls the emulator forgets every token: all in-flight and later requests get 401.
					if (done === 10) emu.reset();
				});
				const after = await waitSettled(total(before) + n);
				// reset() also zeroed the counters: what the emulator counted since is the storm.
				const relogins = emu.count('sentinel.token');
				const succeeded = (after.success ?? 0) - (before.success ?? 0);
				report.push(
					`[${VERSION}] revoked-token storm: ${n} executions, ${succeeded} succeeded, ${results.filter((r) => r.dropped).length} replies dropped by n8n, re-logins ${relogins} (target 1; token requests before the storm ${tokensBefore})`,
				);
				expect(succeeded).toBe(n);
				expect(relogins).toBe(1);
				expect(results.filter((r) => !r.ok && !r.dropped)).toHaveLength(0);
			},
			5 * 60_000,
		);

		test(
			'SIGKILL of the worker holding the token lease: the other takes over, at most one extra login',
			async () => {
				// Slow token answers keep the lease held long enough to find its holder.
				emu.reset();
				emu.setFault('sentinel.token', { delayMs: 2_000, times: 1 });
				const pids = new Map(cluster.workers.map((w) => [w.pid, w]));
				const cacheKey = clientCredentialsCacheKey(clientCredentialsConfig(echoCredentialData(emu)));
				// The Redis name of this credential's token lease (other cases of the cluster hold leases too:
				// dedup and bot event leases, owned by main and the webhook process).
				const names = new RedisTokenStore({ host: cluster.redis.host, port: cluster.redis.port, encryptionKey: String(cluster.env.N8N_ENCRYPTION_KEY) });
				const leaseKey = names.redisKeys(cacheKey).lease;
				await names.close();
				let killed: string | undefined;
				let holderSeenAt = 0;
				const watch = (async () => {
					const t0 = Date.now();
					while (!killed && Date.now() - t0 < 30_000) {
						const owner = await cluster.redis.cli('GET', leaseKey);
						const w = pids.get(Number(owner.split(':')[0]));
						if (w) {
							holderSeenAt = Date.now();
							killed = w.name;
							await w.kill('SIGKILL');
						}
						await new Promise((r) => setTimeout(r, 20));
					}
				})();
				const before = cluster.executionStatus(workflowId);
				// Calls whose job died with the worker get no reply: give up on them sooner.
				const results = await loadEcho(webhookUrl, 20_000, 60, 10, undefined, 10_000);
				await watch;
				const tookOver = Date.now() - holderSeenAt;
				// The killed worker's executions never settle: do not wait for them long.
				const after = await waitSettled(total(before) + 60, 3_000);
				const survivor = cluster.workers.find((w) => w.name !== killed);
				const succeeded = (after.success ?? 0) - (before.success ?? 0);
				const logins = tokens();
				const more = await load(30_000, 20, 5);
				const lost = 60 - results.filter((r) => r.ok).length;
				report.push(
					`[${VERSION}] SIGKILL ${killed ?? '(no holder found)'} while it held the lease: logins ${logins} (target <= 2), ${succeeded}/60 executions succeeded meanwhile ` +
						`(${results.filter((r) => r.ok).length} replies ok, ${lost} without reply: their jobs died with the worker or n8n dropped the reply); ` +
						`after the kill ${more.filter((r) => r.ok).length}/20 ok on ${survivor?.name}; ${tookOver} ms from kill to the end of the load; ` +
						`token requests after that: ${tokens() - logins}` +
						(more.some((r) => !r.ok) ? `; calls after the kill without an ok reply: ${JSON.stringify(more.filter((r) => !r.ok))}` : ''),
				);
				expect(killed).toBeDefined();
				expect(logins).toBeGreaterThanOrEqual(1);
				expect(logins).toBeLessThanOrEqual(2);
				expect(more.every((r) => r.ok)).toBe(true);
				expect(tokens()).toBe(logins);
				expect(survivor?.exited()).toBe(false);
				// The shared token is intact: it opens with the cluster's key and the API accepts it.
				const store = new RedisTokenStore({ host: cluster.redis.host, port: cluster.redis.port, encryptionKey: String(cluster.env.N8N_ENCRYPTION_KEY) });
				try {
					const shared = await store.read(cacheKey);
					expect(shared?.token.value).toEqual(expect.any(String));
					const check = await fetch(`${emu.url}/protected/echo`, { headers: { authorization: `Bearer ${shared?.token.value}` } });
					expect(check.status).toBe(200);
				} finally {
					await store.close();
				}
			},
			5 * 60_000,
		);
	});

	d(`the shared token store configured but Redis down`, () => {
		test(
			'every item succeeds with per-process tokens, and the log has exactly one warning',
			async () => {
				const emulator = ctx.redisDownEmu;
				const c = emulator.config;
				const workflow = manualTriggerWorkflow('LP Redis down', [
					itemsNode(40),
					{
						name: 'Echo',
						type: nodeType('livePersonApiIntegration'),
						typeVersion: 1,
						parameters: {
							authentication: 'oAuth2ClientCredentials',
							method: 'GET',
							url: `${emulator.url}/protected/echo`,
							options: { allowedInternalNetworks: 'loopback', concurrency: 8 },
						},
						credentials: { livePersonOAuth2ClientCredentialsApi: REDIS_DOWN_CREDENTIAL },
					},
				]);
				const id = await cluster.createWorkflow(workflow.name, workflow.nodes, workflow.connections);
				// Not a member of the queue: the workflow runs in this `n8n execute` process. Nothing listens on
				// the Redis port: the store fails at once. LP_TOKEN_STORE=redis turns the store on without queue
				// mode (queue mode itself cannot run without its Redis). The cluster's lease settings are unset.
				const run = await cluster.execute(id, {
					EXECUTIONS_MODE: 'regular',
					LP_TOKEN_STORE: 'redis',
					QUEUE_BULL_REDIS_HOST: '127.0.0.1',
					QUEUE_BULL_REDIS_PORT: String(await freePort()),
					LP_TOKEN_LEASE_MS: '',
					LP_TOKEN_WAIT_MS: '',
				});
				const warnings = run.logs.split('\n').filter((l) => l.includes('shared token store (redis) failed'));
				report.push(`[${VERSION}] Redis down: ${run.items('Echo').filter((j) => j.ok === true).length}/40 items ok, token requests ${emulator.count('sentinel.token')}, warnings ${warnings.length}`);
				expect(run.ok).toBe(true);
				expect(run.items('Echo').filter((j) => j.ok === true)).toHaveLength(40);
				expect(emulator.count('sentinel.token')).toBe(1);
				expect(warnings).toHaveLength(1);
				expect(run.logs).not.toContain(c.oauth2Client.clientSecret);
			},
			5 * 60_000,
		);
	});
});
