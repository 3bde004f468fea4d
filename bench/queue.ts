/**
 * `npm run bench -- --queue`: n8n 2.8.4 in queue mode (test/e2e/queue-cluster.ts: PostgreSQL, Redis,
 * main + workers, this package installed as a community package) under the same webhook load with 1
 * and with 2 workers: executions/s (webhook replies per second, counted only when the reply echoes the
 * request) and token requests per 1000 executions across the cluster (counted at the emulator).
 *
 *   --n <executions>   BENCH_N            default 500
 *   --parallel <k>     BENCH_PARALLEL     webhook calls in flight, default 20
 *   --workers 1,2      BENCH_WORKERS      cluster sizes, default 1,2
 *   BENCH_N8N          n8n version, default 2.8.4 (2.41.1 runs on its pinned Node 24)
 */
import { startEmulator } from '../sandbox/emulator/index';
import { loadEcho, setupEchoWorkflow, startQueueCluster, waitForEcho } from '../test/e2e/queue-cluster';

export interface QueueBenchOptions {
	n?: number;
	parallel?: number;
	workers?: number[];
	version?: string;
	log?: (line: string) => void;
}

export interface QueueBenchRow {
	n8n: string;
	workers: number;
	executions: number;
	ok: number;
	dropped: number;
	seconds: number;
	perSecond: number;
	succeededInDb: number;
	perWorker: Record<string, number>;
	tokenRequests: number;
	tokenRequestsPer1000: number;
}

export async function runQueueBench(opts: QueueBenchOptions = {}): Promise<QueueBenchRow[]> {
	const n = opts.n ?? 500;
	const parallel = opts.parallel ?? 20;
	const sizes = opts.workers ?? [1, 2];
	const log = opts.log ?? ((l: string) => process.stderr.write(`[bench queue] ${l}\n`));
	const rows: QueueBenchRow[] = [];
	for (const workers of sizes) {
		const emu = await startEmulator();
		log(`starting PostgreSQL, Redis, n8n main + ${workers} worker(s)`);
		const cluster = await startQueueCluster({ workers, version: opts.version });
		try {
			const { webhookUrl, workflowId } = await setupEchoWorkflow(cluster, emu);
			const probe = await waitForEcho(webhookUrl);
			if (!probe.ok) throw new Error(`the webhook does not answer (HTTP ${probe.status}):\n${cluster.main.logs().slice(-2000)}`);
			await loadEcho(webhookUrl, -20, 19, Math.min(parallel, 19));
			const perWorkerBefore = cluster.executionsPerWorker();
			log(`${workers} worker(s): ${n} executions, ${parallel} in flight`);
			const t0 = performance.now();
			// A reply n8n drops would hold a slot until the timeout: 20 s, not 60.
			const results = await loadEcho(webhookUrl, 0, n, parallel, undefined, 20_000);
			const seconds = (performance.now() - t0) / 1000;
			await new Promise((r) => setTimeout(r, 1000));
			const status = cluster.executionStatus(workflowId);
			const ok = results.filter((r) => r.ok).length;
			const all = Object.values(status).reduce((a, b) => a + b, 0);
			const tokenRequests = emu.count('sentinel.token');
			rows.push({
				n8n: cluster.install.version,
				workers,
				executions: n,
				ok,
				dropped: results.filter((r) => r.dropped).length,
				seconds,
				perSecond: ok / seconds,
				succeededInDb: status.success ?? 0,
				perWorker: Object.fromEntries(Object.entries(cluster.executionsPerWorker()).map(([k, v]) => [k, v - (perWorkerBefore[k] ?? 0)])),
				tokenRequests,
				// Every execution the cluster ran since it started (warm-up included) shares these token requests.
				tokenRequestsPer1000: (tokenRequests * 1000) / Math.max(1, all),
			});
		} finally {
			await cluster.stop();
			await emu.close();
		}
	}
	return rows;
}

export function queueReport(rows: QueueBenchRow[]): string {
	const lines = [
		`n8n ${rows[0]?.n8n ?? ''} queue mode, webhook → Domains → API Integration (OAuth2 client credentials) → emulator`,
		'workers | executions | replies ok | dropped | seconds | executions/s | success in DB | per worker | token requests | per 1000 executions',
	];
	for (const r of rows) {
		lines.push(
			`${r.workers} | ${r.executions} | ${r.ok} | ${r.dropped} | ${r.seconds.toFixed(1)} | ${r.perSecond.toFixed(1)} | ${r.succeededInDb} | ${JSON.stringify(r.perWorker)} | ${r.tokenRequests} | ${r.tokenRequestsPer1000.toFixed(2)}`,
		);
	}
	if (rows.length === 2) lines.push(`2 workers / 1 worker: ${(rows[1].perSecond / rows[0].perSecond).toFixed(2)}x`);
	return lines.join('\n');
}
