/**
 * (c) The limit: raw undici 7 with ONE keep-alive Agent carrying the client certificate, no n8n,
 * no package code. Each request reads and parses the JSON body, as the nodes do.
 */
import { performance } from 'node:perf_hooks';
import { Agent, request } from 'undici';

export interface RawRun {
	items: number;
	concurrency: number;
	ms: number;
	itemsPerSec: number;
}

export async function rawUndici(
	url: string,
	tls: { key: string; cert: string; ca: string },
	n: number,
	concurrency: number,
): Promise<RawRun> {
	const agent = new Agent({
		connect: { key: tls.key, cert: tls.cert, ca: tls.ca, rejectUnauthorized: true },
		connections: concurrency,
		keepAliveTimeout: 30_000,
	});
	let next = 0;
	let failures = 0;
	const worker = async () => {
		for (;;) {
			const i = next++;
			if (i >= n) return;
			const res = await request(`${url}?i=${i}`, { dispatcher: agent });
			const body = (await res.body.json()) as { ok?: boolean };
			if (res.statusCode !== 200 || body.ok !== true) failures++;
		}
	};
	const t0 = performance.now();
	try {
		await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
	} finally {
		await agent.close();
	}
	const ms = performance.now() - t0;
	if (failures) throw new Error(`raw undici: ${failures} of ${n} requests failed`);
	return { items: n, concurrency, ms, itemsPerSec: n / (ms / 1000) };
}
