/**
 * Smoke version of `npm run bench` (bench/run.ts) with N = 50 in real n8n, every pinned version in one
 * run as `npm run bench` does: every figure is produced and sane per version — (a) makes at most
 * `concurrency` TLS handshakes, (b) makes more, (c) and lib run on that n8n's Node, one token request
 * per credential, one key store parse per credential. No timing assertions (the machine is shared);
 * results go to a temp folder, never over bench/results.json.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runBench } from '../../bench/run';
import type { BenchResults, VersionResults } from '../../bench/report';
import { INSTALL_TIMEOUT_MS, N8N_VERSIONS } from './harness';

const N = 50;
const CONCURRENCY = 8;
let outDir: string;
let results: BenchResults;

beforeAll(async () => {
	outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lp-bench-smoke-'));
	results = await runBench({ n: N, concurrency: CONCURRENCY, repeat: 1, outDir, print: false, log: () => undefined });
}, INSTALL_TIMEOUT_MS * N8N_VERSIONS.length);

afterAll(() => {
	if (outDir) fs.rmSync(outDir, { recursive: true, force: true });
});

const positive = (x: number | undefined) => {
	expect(typeof x).toBe('number');
	expect(Number.isFinite(x)).toBe(true);
	expect(x as number).toBeGreaterThan(0);
};

describe(`bench smoke (N = 50, n8n ${N8N_VERSIONS.join(' and ')})`, () => {
	it('runs every pinned version by default, in order; writes results.json (same figures as returned) and an SVG panel per version', () => {
		expect(results.versions.map((v) => v.n8n?.version)).toEqual([...N8N_VERSIONS]);
		const saved = JSON.parse(fs.readFileSync(path.join(outDir, 'results.json'), 'utf8')) as BenchResults;
		expect(saved.meta.n).toBe(N);
		expect(saved.versions.map((v) => v.throughput.a?.cold.itemsPerSec)).toEqual(results.versions.map((v) => v.throughput.a?.cold.itemsPerSec));
		const svg = fs.readFileSync(path.join(outDir, 'results.svg'), 'utf8');
		expect(svg.startsWith('<svg')).toBe(true);
		expect(svg.trim().endsWith('</svg>')).toBe(true);
		expect((svg.match(/<rect /g) ?? []).length).toBeGreaterThanOrEqual(1 + 8 * N8N_VERSIONS.length); // background + 8 bars a version
		expect(svg).toContain('API Integration');
		for (const version of N8N_VERSIONS) expect(svg).toContain(`n8n ${version} · Node v`);
	});

	it('records the machine and the Node of the bench', () => {
		const m = results.meta;
		expect(m.machine.nproc).toBeGreaterThanOrEqual(1);
		expect(m.machine.cpuModel.length).toBeGreaterThan(0);
		expect(m.node).toBe(process.version);
	});

	describe.each([...N8N_VERSIONS])('n8n %s', (version) => {
		let v: VersionResults;
		beforeAll(() => {
			v = results.versions.find((x) => x.n8n?.version === version) as VersionResults;
		});

		it("records its Node; (c) and the lib row ran on that same Node", () => {
			expect(v.n8n?.node).toMatch(/^v\d+\./);
			expect(v.limitNode).toBe(v.n8n?.node);
		});

		it('(a) API Integration node, cold and warm: every item answered, at most `concurrency` handshakes, one parse and one agent in n8n', () => {
			for (const p of [v.throughput.a, v.throughput.aExpr]) {
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
			const { a, b } = v.throughput;
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
			const { c, lib } = v.throughput;
			positive(c.sequential.itemsPerSec);
			positive(c.concurrent.itemsPerSec);
			expect(c.concurrent.concurrency).toBe(CONCURRENCY);
			positive(lib.itemsPerSec);
			expect(lib.requests).toBe(N);
			expect(lib.handshakes).toBeLessThanOrEqual(CONCURRENCY);
			for (const k of ['aOverC', 'aOverB', 'aColdOverC', 'aColdOverB', 'libOverC'] as const) {
				const x = v.ratios[k];
				// Name the ratio in a failure, with the samples it came from.
				expect({ ratio: k, finitePositive: typeof x === 'number' && Number.isFinite(x) && x > 0 }).toEqual({ ratio: k, finitePositive: true });
			}
			expect(v.samples).toHaveLength(1);
		});

		it('one token request for N items in n8n (client credentials)', () => {
			expect(v.tokens?.tokenRequests).toBe(1);
			expect(v.tokens?.apiRequests).toBe(N);
		});

		it('lists its targets with their verdicts (the counting ones are met)', () => {
			const mine = results.targets.filter((t) => t.name.startsWith(`n8n ${version}: `));
			expect(mine.filter((t) => /\(a\)\/\(c\)/.test(t.name))).toHaveLength(2); // warm and cold
			expect(mine.filter((t) => /\(a\)\/\(b\)/.test(t.name))).toHaveLength(2);
			for (const t of mine.filter((x) => /handshakes|token requests|parses/.test(x.name))) expect([t.name, t.met]).toEqual([t.name, true]);
		});
	});

	it('one token request for N calls in the lib: client credentials and Conversation Orchestrator v2', () => {
		expect(results.tokens.lib.map((t) => [t.path, t.tokenRequests, t.apiRequests])).toEqual([
			['clientCredentials', 1, N],
			['orchestratorV2', 1, N],
		]);
	});

	it('one key store parse per credential, for every format, and a parse time for each', () => {
		expect(results.keyStores.parseTimes.map((p) => p.store).sort()).toEqual(['jks', 'pem', 'pkcs12Legacy', 'pkcs12Modern']);
		for (const p of results.keyStores.parseTimes) positive(p.medianMs);
		expect(results.keyStores.parseTimes.find((p) => p.store === 'pkcs12Legacy')?.source).toBe('pkcs12-legacy');
		expect(results.keyStores.parseTimes.find((p) => p.store === 'pkcs12Modern')?.source).toBe('pkcs12');
		for (const c of results.keyStores.perCredential) {
			expect([c.store, c.parses, c.secureContexts]).toEqual([c.store, 1, 1]);
			expect(c.handshakes).toBeLessThanOrEqual(CONCURRENCY);
		}
		for (const t of results.targets.filter((x) => !x.name.startsWith('n8n '))) expect([t.name, t.met]).toEqual([t.name, true]);
	});
});
