/**
 * IP Allowlist row: the LivePerson IP Allowlist node's execute() (no n8n process: a minimal
 * IExecuteFunctions stand-in) on `items` addresses against an allow list of `entries` entries
 * (single IPv4/IPv6 addresses, ranges and CIDR blocks, overlapping, from a seeded generator).
 * Half of the items are inside an entry. The first run includes parsing the list and building the
 * matcher; the second run is a fresh execution of the same node (the list is parsed again: each
 * execution parses its own list).
 *
 * Alone: `npm run bench -- --only ip` (optionally `--ip-items 2000 --ip-entries 100000`).
 */
import { performance } from 'node:perf_hooks';
import { IpList } from '../lib/net/ip-list';
import { LivePersonIpAllowlist } from '../nodes/LivePersonIpAllowlist/LivePersonIpAllowlist.node.js'; // .js: tsx reads a bare '.node' path as a native addon
import { nodeCtx } from '../test/support/node-ctx';

export interface IpAllowlistRun {
	items: number;
	entries: number;
	/** Parse the list (IpList.parse) alone, ms. */
	parseMs: number;
	/** The node's execute(), list parse and matcher build included, ms (best of `rounds`). */
	executeMs: number;
	/** executeMs minus parseMs: the per-item work (segments built once, one binary search per item). */
	matchMs: number;
	allowed: number;
	denied: number;
	rounds: number;
	/** The target from the issue: under 1 s. */
	targetMs: number;
}

/** Deterministic PRNG (mulberry32), so that every run checks the same list. */
function prng(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

const v4 = (x: number) => `${(x >>> 24) & 255}.${(x >>> 16) & 255}.${(x >>> 8) & 255}.${x & 255}`;

/** The allow list text and the items (half inside an entry, half random). */
export function ipAllowlistWorkload(items: number, entries: number, seed = 13): { allowList: string; ips: string[] } {
	const rnd = prng(seed);
	const u32 = () => Math.floor(rnd() * 2 ** 32) >>> 0;
	const list: string[] = [];
	const inside: string[] = [];
	for (let i = 0; i < entries; i++) {
		const kind = rnd();
		const base = u32();
		if (kind < 0.5) {
			list.push(v4(base));
			inside.push(v4(base));
		} else if (kind < 0.75) {
			const prefix = 16 + Math.floor(rnd() * 17);
			const net = prefix === 32 ? base : (base & ~((1 << (32 - prefix)) - 1)) >>> 0;
			list.push(`${v4(net)}/${prefix}`);
			inside.push(v4(net));
		} else if (kind < 0.9) {
			const end = Math.min(base + Math.floor(rnd() * 5000), 2 ** 32 - 1);
			list.push(`${v4(base)}-${v4(end)}`);
			inside.push(v4(end));
		} else {
			const g = () => Math.floor(rnd() * 0x10000).toString(16);
			const net = `2001:db8:${g()}:${g()}::`;
			list.push(`${net}/64`);
			inside.push(`${net}${g()}`);
		}
	}
	const ips: string[] = [];
	for (let i = 0; i < items; i++) ips.push(i % 2 === 0 ? inside[Math.floor(rnd() * inside.length)] : v4(u32()));
	return { allowList: list.join('\n'), ips };
}

export async function measureIpAllowlist(options: { items?: number; entries?: number; rounds?: number } = {}): Promise<IpAllowlistRun> {
	const items = options.items ?? 2000;
	const entries = options.entries ?? 100_000;
	const rounds = options.rounds ?? 3;
	const { allowList, ips } = ipAllowlistWorkload(items, entries);
	const input = ips.map((ip) => ({ json: { ip } }));
	const params = (name: string, i: number): unknown => ({ operation: 'check', ipAddress: ips[i], allowList, outputMode: 'route' })[name];

	let parseMs = Infinity;
	let executeMs = Infinity;
	let allowed = 0;
	let denied = 0;
	for (let r = 0; r < rounds; r++) {
		let t = performance.now();
		IpList.parse(allowList, 'allowList');
		parseMs = Math.min(parseMs, performance.now() - t);
		t = performance.now();
		const [yes, no] = await new LivePersonIpAllowlist().execute.call(nodeCtx({ items: input, params }));
		executeMs = Math.min(executeMs, performance.now() - t);
		allowed = yes.length;
		denied = no.length;
	}
	const round1 = (x: number) => Math.round(x * 10) / 10;
	return {
		items,
		entries,
		parseMs: round1(parseMs),
		executeMs: round1(executeMs),
		matchMs: round1(Math.max(0, executeMs - parseMs)),
		allowed,
		denied,
		rounds,
		targetMs: 1000,
	};
}

/** The printed row. */
export function ipAllowlistReport(run: IpAllowlistRun): string {
	const k = run.entries >= 1000 ? `${Math.round(run.entries / 1000)}k` : String(run.entries);
	return [
		`IP Allowlist: ${run.items} items x ${k} entries: ${run.executeMs} ms (node execute, best of ${run.rounds}; list parse ${run.parseMs} ms, matching ${run.matchMs} ms; ${run.allowed} allowed, ${run.denied} denied) — target < ${run.targetMs} ms: ${run.executeMs < run.targetMs ? 'met' : 'NOT met'}`,
	].join('\n');
}
