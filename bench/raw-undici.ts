/**
 * (c) The limit: raw undici 7 with ONE keep-alive Agent carrying the client certificate, no n8n,
 * no package code. Each request reads and parses the JSON body, as the nodes do. `warmup`
 * requests go first on the same Agent (connections open, code warm) and are not timed.
 */
import { performance } from 'node:perf_hooks';
import { Agent, request } from 'undici';

export interface RawRun {
	items: number;
	concurrency: number;
	/** Untimed requests sent first on the same Agent. */
	warmup: number;
	ms: number;
	itemsPerSec: number;
}

export async function rawUndici(
	url: string,
	tls: { key: string; cert: string; ca: string },
	n: number,
	concurrency: number,
	warmup = 0,
): Promise<RawRun> {
	const agent = new Agent({
		connect: { key: tls.key, cert: tls.cert, ca: tls.ca, rejectUnauthorized: true },
		connections: concurrency,
		keepAliveTimeout: 30_000,
	});
	let next = 0;
	let failures = 0;
	let end = 0;
	const worker = async () => {
		for (;;) {
			const i = next++;
			if (i >= end) return;
			const res = await request(`${url}?i=${i}`, { dispatcher: agent });
			const body = (await res.body.json()) as { ok?: boolean };
			if (res.statusCode !== 200 || body.ok !== true) failures++;
		}
	};
	const run = async (count: number) => {
		next = 0;
		end = count;
		await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
	};
	let ms: number;
	try {
		if (warmup > 0) await run(warmup);
		const t0 = performance.now();
		await run(n);
		ms = performance.now() - t0;
	} finally {
		await agent.close();
	}
	if (failures) throw new Error(`raw undici: ${failures} of ${n} requests failed`);
	return { items: n, concurrency, warmup, ms, itemsPerSec: n / (ms / 1000) };
}
