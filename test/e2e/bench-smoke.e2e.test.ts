/**
 * Smoke version of `npm run bench` (bench/run.ts) with N = 50 in real n8n 2.8.4: every figure is
 * produced and sane — (a) makes at most `concurrency` TLS handshakes, (b) makes more, one token
 * request per credential, one key store parse per credential. No timing assertions (the machine
 * is shared); results go to a temp folder, never over bench/results.json.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runBench } from '../../bench/run';
import type { BenchResults } from '../../bench/report';
import { INSTALL_TIMEOUT_MS } from './harness';

const N = 50;
const CONCURRENCY = 8;
let outDir: string;
let results: BenchResults;

beforeAll(async () => {
	outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lp-bench-smoke-'));
	results = await runBench({ n: N, concurrency: CONCURRENCY, repeat: 1, outDir, print: false, log: () => undefined });
}, INSTALL_TIMEOUT_MS);

afterAll(() => {
	if (outDir) fs.rmSync(outDir, { recursive: true, force: true });
});

const positive = (x: number | undefined) => {
	expect(typeof x).toBe('number');
	expect(Number.isFinite(x)).toBe(true);
	expect(x as number).toBeGreaterThan(0);
};

describe('bench smoke (N = 50, n8n 2.8.4)', () => {
	it('writes results.json (same figures as returned) and an SVG chart', () => {
		const saved = JSON.parse(fs.readFileSync(path.join(outDir, 'results.json'), 'utf8')) as BenchResults;
		expect(saved.meta.n).toBe(N);
		expect(saved.throughput.a?.cold.itemsPerSec).toBe(results.throughput.a?.cold.itemsPerSec);
		const svg = fs.readFileSync(path.join(outDir, 'results.svg'), 'utf8');
		expect(svg.startsWith('<svg')).toBe(true);
		expect(svg.trim().endsWith('</svg>')).toBe(true);
		expect((svg.match(/<rect /g) ?? []).length).toBeGreaterThanOrEqual(6); // background + 5 bars at least
		expect(svg).toContain('API Integration');
	});

	it('records the machine, Node and n8n versions', () => {
		const m = results.meta;
		expect(m.machine.nproc).toBeGreaterThanOrEqual(1);
		expect(m.machine.cpuModel.length).toBeGreaterThan(0);
		expect(m.node).toBe(process.version);
		expect(m.n8n.version).toBe('2.8.4');
		expect(m.n8n.node).toMatch(/^v\d+\./);
	});

	it('(a) API Integration node, cold and warm: every item answered, at most `concurrency` handshakes, one parse and one agent in n8n', () => {
		for (const p of [results.throughput.a, results.throughput.aExpr]) {
			expect(p?.cold).toBeDefined();
			expect(p?.warm).toBeDefined();
			for (const x of [p?.cold, p?.warm]) {
				expect(x?.items).toBe(N);
				positive(x?.itemsPerSec);
				positive(x?.nodeMs);
				expect(x?.server?.handshakes).toBeLessThanOrEqual(CONCURRENCY);
				expect(x?.peakRssMiB).toBeGreaterThan(50);
			}
			// Cold: the connections are opened; warm: the same node reuses them.
			expect(p?.cold.server?.handshakes).toBeGreaterThanOrEqual(1);
			expect(p?.cold.execution).toMatchObject({ requests: 2 * N });
			expect((p?.cold.server?.requests ?? 0) + (p?.warm?.server?.requests ?? 0)).toBe(2 * N);
			// Two node runs, 2N items, in one n8n process: one key store parse, one undici agent.
			expect(p?.cold.probe?.keyStore?.parses).toBe(1);
			expect(p?.cold.probe?.agentPool?.agentsBuilt).toBe(1);
		}
	});

	it('(b) HTTP Request node: every item answered, one handshake per item, more than (a)', () => {
		const { a, b } = results.throughput;
		for (const x of [b?.cold, b?.warm]) {
			expect(x?.items).toBe(N);
			positive(x?.itemsPerSec);
		}
		expect(b?.cold.execution).toMatchObject({ requests: 2 * N });
		expect(b?.cold.execution?.handshakes).toBeGreaterThanOrEqual(2 * N);
		expect(b?.cold.server?.handshakes).toBeGreaterThan(a?.cold.server?.handshakes ?? Infinity);
		expect(b?.cold.peakRssMiB).toBeGreaterThan(50);
	});

	it('(c) raw undici and the lib-only run produce figures; ratios are computed', () => {
		const { c, lib } = results.throughput;
		positive(c.sequential.itemsPerSec);
		positive(c.concurrent.itemsPerSec);
		expect(c.concurrent.concurrency).toBe(CONCURRENCY);
		positive(lib.itemsPerSec);
		expect(lib.requests).toBe(N);
		expect(lib.handshakes).toBeLessThanOrEqual(CONCURRENCY);
		for (const k of ['aOverC', 'aOverB', 'aColdOverC', 'aColdOverB', 'libOverC'] as const) {
			const x = results.ratios[k];
			// Name the ratio in a failure, with the samples it came from.
			expect({ ratio: k, finitePositive: typeof x === 'number' && Number.isFinite(x) && x > 0 }).toEqual({ ratio: k, finitePositive: true });
		}
		expect(results.samples).toHaveLength(1);
	});

	it('one token request for N calls: client credentials and Conversation Orchestrator v2 (lib), client credentials in n8n', () => {
		expect(results.tokens.lib.map((t) => [t.path, t.tokenRequests, t.apiRequests])).toEqual([
			['clientCredentials', 1, N],
			['orchestratorV2', 1, N],
		]);
		expect(results.tokens.n8n?.tokenRequests).toBe(1);
		expect(results.tokens.n8n?.apiRequests).toBe(N);
	});

	it('one key store parse per credential, for every format, and a parse time for each', () => {
		expect(results.keyStores.parseTimes.map((p) => p.store).sort()).toEqual(['jks', 'pem', 'pkcs12Legacy', 'pkcs12Modern']);
		for (const p of results.keyStores.parseTimes) positive(p.medianMs);
		expect(results.keyStores.parseTimes.find((p) => p.store === 'pkcs12Legacy')?.source).toBe('forge-pkcs12');
		expect(results.keyStores.parseTimes.find((p) => p.store === 'pkcs12Modern')?.source).toBe('native-pkcs12');
		for (const c of results.keyStores.perCredential) {
			expect([c.store, c.parses, c.secureContexts]).toEqual([c.store, 1, 1]);
			expect(c.handshakes).toBeLessThanOrEqual(CONCURRENCY);
		}
	});

	it('lists the targets with their verdicts (the counting ones are met)', () => {
		const byName = (re: RegExp) => results.targets.filter((t) => re.test(t.name));
		expect(byName(/\(a\)\/\(c\)/)).toHaveLength(2); // warm and cold
		expect(byName(/\(a\)\/\(b\)/)).toHaveLength(2);
		for (const t of byName(/handshakes|token requests|parses/)) expect([t.name, t.met]).toEqual([t.name, true]);
	});
});
