/**
 * Results of one benchmark run: the JSON shape, the printed table, the hand-written SVG chart and
 * the generated part of docs/performance.md.
 */
import type { BotBenchRow } from './bot';
import { botReport, botTargets } from './bot';
import type { IpAllowlistRun } from './ip-allowlist';
import { ipAllowlistReport } from './ip-allowlist';
import type { CredentialRun, LibRun, ParseTime, TokenRun } from './lib-level';
import type { N8nRun } from './n8n-runs';
import type { RawRun } from './raw-undici';

export interface PhaseRuns {
	cold: N8nRun;
	warm?: N8nRun;
}

/** Groups n8n runs by scenario into {cold, warm}. */
export function byScenario(runs: N8nRun[], key: string): PhaseRuns | undefined {
	const cold = runs.find((r) => r.scenario === key && r.phase === 'cold');
	return cold ? { cold, warm: runs.find((r) => r.scenario === key && r.phase === 'warm') } : undefined;
}

const steady = (p?: PhaseRuns) => p?.warm ?? p?.cold;

/** One n8n version's figures: (a), (b) and its own (c) and lib rows on that n8n's Node. */
export interface VersionResults {
	/** The n8n under test and its Node; absent with --no-n8n (then only (c) and lib, on the bench's Node). */
	n8n?: { version: string; node: string };
	/** Node that ran (c) and the lib row: the n8n's own, so every ratio compares one runtime. */
	limitNode: string;
	/** Per round: items/s of (a) cold/warm, (a with expression) cold/warm, (c) and lib measured right after. */
	samples: Array<{ aCold?: number; aWarm?: number; aExprCold?: number; aExprWarm?: number; c: number; lib: number }>;
	/**
	 * n8n runs: each workflow runs the node twice on the same N items in one `n8n execute`: `cold` is
	 * its first run in the fresh process (JIT cold, connections to open), `warm` the second (the steady
	 * state of a long-running n8n, as in (c), which is timed after a warm-up on the same Agent).
	 */
	throughput: {
		/** (a) constant URL. */
		a?: PhaseRuns;
		/** (a) with an n8n expression in the URL (one expression per item). */
		aExpr?: PhaseRuns;
		b?: PhaseRuns;
		c: { sequential: RawRun; concurrent: RawRun };
		/** The package's lib path (sendApiRequest) without n8n, same concurrency, warm. */
		lib: LibRun;
	};
	ratios: {
		/** Warm (steady state). */
		aOverC?: number;
		aOverB?: number;
		/** Cold (first run in a fresh n8n process). */
		aColdOverC?: number;
		aColdOverB?: number;
		aOverCSequential?: number;
		aExprOverC?: number;
		libOverC: number;
	};
	/** Token requests inside this n8n (the API Integration node with OAuth2 client credentials). */
	tokens?: N8nRun;
}

export interface BenchResults {
	meta: {
		date: string;
		n: number;
		concurrency: number;
		machine: { nproc: number; cpuModel: string; memGiB: number; loadBefore: number[]; loadAfter: number[] };
		/** Node that ran the bench itself (key store parse times, lib token requests, the servers). */
		node: string;
		undici: string;
		key: string;
		durationSec: number;
		profiled: boolean;
		/** Rounds of (a), (c) and lib per version (versions interleaved in each round); the rows are the best round of each kind. */
		repeat: number;
	};
	/** One entry per n8n version, in the order they were given. */
	versions: VersionResults[];
	/** Token requests of the lib paths (no n8n; the in-n8n row is per version). */
	tokens: { lib: TokenRun[] };
	keyStores: { parseTimes: ParseTime[]; perCredential: CredentialRun[] };
	/** Guard nodes without n8n (absent in results from before this row existed). */
	guards?: { ipAllowlist?: IpAllowlistRun };
	/** LivePerson bot reply latency (bench/bot.ts; absent in results from before this row existed or with --no-bot). */
	bot?: { n8n: string; rows: BotBenchRow[] };
	/** Per-version targets are named after their version ("n8n 2.8.4: …"). */
	targets: Array<{ name: string; target: string; value: string; met: boolean }>;
}

/** "n8n 2.8.4" (or "no n8n" with --no-n8n). */
export const versionName = (v: VersionResults) => (v.n8n ? `n8n ${v.n8n.version}` : 'no n8n');

/** "n8n 2.8.4 on Node v20.20.2; (c) and lib on the same Node" */
export function versionTitle(v: VersionResults): string {
	const limit = v.n8n && v.limitNode === v.n8n.node ? 'the same Node' : `Node ${v.limitNode}`;
	return v.n8n ? `n8n ${v.n8n.version} on Node ${v.n8n.node}; (c) and the lib row on ${limit}` : `no n8n; (c) and the lib row on Node ${v.limitNode}`;
}

const fmt = (x: number | undefined, digits = 0) => (x === undefined || !Number.isFinite(x) ? 'n/a' : x.toFixed(digits));
const ratio = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? 'n/a' : `${x.toFixed(2)}×`);

const median = (xs: number[]): number | undefined => {
	const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
	if (!v.length) return undefined;
	const m = Math.floor(v.length / 2);
	return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};

/**
 * (a)/(c): best round over best round — short runs whose disturbances on a shared machine only
 * slow them down. (a)/(b): the MEDIAN (a) round over (b)'s single long run (conservative: a 10 s
 * run averages the disturbances instead of escaping them).
 */
export function computeRatios(r: Pick<VersionResults, 'throughput' | 'samples'>): VersionResults['ratios'] {
	const { b, c } = r.throughput;
	const div = (x?: number, y?: number) => (x !== undefined && y ? x / y : undefined);
	const all = (f: (s: VersionResults['samples'][number]) => number | undefined) => r.samples.map((s) => f(s) ?? NaN).filter((x) => Number.isFinite(x));
	const max = (xs: number[]) => (xs.length ? Math.max(...xs) : undefined);
	const cBest = max(all((s) => s.c));
	return {
		aOverC: div(max(all((s) => s.aWarm)), cBest),
		aOverB: div(median(all((s) => s.aWarm)), steady(b)?.itemsPerSec),
		aColdOverC: div(max(all((s) => s.aCold)), cBest),
		aColdOverB: div(median(all((s) => s.aCold)), b?.cold.itemsPerSec),
		aOverCSequential: div(max(all((s) => s.aWarm)), c.sequential.itemsPerSec),
		aExprOverC: div(max(all((s) => s.aExprWarm)), cBest),
		libOverC: div(max(all((s) => s.lib)), cBest) as number,
	};
}

/**
 * Throughput targets per version: warm from the pipeline issue ((a)/(c) ≥ 0.75, (a)/(b) ≥ 25),
 * cold from the benchmark issue ((a)/(c) ≥ 0.7, (a)/(b) ≥ 10).
 */
export const RATIO_TARGETS: ReadonlyArray<{ key: keyof VersionResults['ratios']; ratio: string; phase: 'warm' | 'cold'; min: number; digits: number }> = [
	{ key: 'aOverC', ratio: '(a)/(c)', phase: 'warm', min: 0.75, digits: 2 },
	{ key: 'aColdOverC', ratio: '(a)/(c)', phase: 'cold', min: 0.7, digits: 2 },
	{ key: 'aOverB', ratio: '(a)/(b)', phase: 'warm', min: 25, digits: 1 },
	{ key: 'aColdOverB', ratio: '(a)/(b)', phase: 'cold', min: 10, digits: 1 },
];

type Target = BenchResults['targets'][number];

/** Targets of one version (names without the version). */
function versionTargets(v: VersionResults, concurrency: number): Target[] {
	const t: Target[] = [];
	for (const { key, ratio: name, phase, min, digits } of RATIO_TARGETS) {
		const x = v.ratios[key];
		if (x !== undefined) t.push({ name: `${name} items/s, ${phase}`, target: `≥ ${min}`, value: fmt(x, digits), met: x >= min });
	}
	for (const p of [v.throughput.a, v.throughput.aExpr]) {
		for (const x of p ? [p.cold, p.warm] : []) {
			if (!x?.server) continue;
			t.push({ name: `${x.scenario} ${x.phase}: TLS handshakes`, target: `≤ ${concurrency}`, value: String(x.server.handshakes), met: x.server.handshakes <= concurrency });
		}
		const parses = p?.cold.probe?.keyStore?.parses;
		if (p && parses !== undefined) t.push({ name: `${p.cold.scenario}: key store parses in the n8n process`, target: '1', value: String(parses), met: parses === 1 });
	}
	const { a, b } = v.throughput;
	if (a?.cold.server && b?.cold.server) {
		t.push({ name: '(b) handshakes > (a) handshakes', target: 'yes', value: `${b.cold.server.handshakes} > ${a.cold.server.handshakes}`, met: b.cold.server.handshakes > a.cold.server.handshakes });
	}
	const tn = v.tokens;
	if (tn?.tokenRequests !== undefined) {
		t.push({ name: `token requests, clientCredentials, in n8n (${tn.items} items)`, target: '1', value: String(tn.tokenRequests), met: tn.tokenRequests === 1 });
	}
	return t;
}

export function computeTargets(r: Omit<BenchResults, 'targets'>): BenchResults['targets'] {
	const t: Target[] = [];
	for (const v of r.versions) t.push(...versionTargets(v, r.meta.concurrency).map((x) => ({ ...x, name: `${versionName(v)}: ${x.name}` })));
	for (const tok of r.tokens.lib) {
		t.push({ name: `token requests, ${tok.path}, lib (${tok.items} calls)`, target: '1', value: String(tok.tokenRequests), met: tok.tokenRequests === 1 });
	}
	for (const c of r.keyStores.perCredential) {
		t.push({ name: `parses per credential, ${c.store}`, target: '1', value: String(c.parses), met: c.parses === 1 });
	}
	if (r.bot) t.push(...botTargets(r.bot.rows).map((x) => ({ ...x, name: `bot, n8n ${r.bot?.n8n}: ${x.name}` })));
	return t;
}

function pad(rows: string[][]): string {
	const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
	return rows.map((r) => r.map((c, i) => (i === 0 ? (c ?? '').padEnd(widths[i]) : (c ?? '').padStart(widths[i]))).join('  ')).join('\n');
}

function n8nRow(label: string, x?: N8nRun): string[] {
	if (!x) return [label, 'not run', '', '', '', '', ''];
	return [
		label,
		fmt(x.itemsPerSec),
		fmt(x.nodeMs),
		x.server ? String(x.server.handshakes) : '',
		x.server ? String(x.server.requests) : String(x.apiRequests ?? ''),
		x.phase === 'cold' ? fmt(x.peakRssMiB, 1) : '',
		x.phase === 'cold' && x.execution ? String(x.execution.serverCpuMs) : '',
	];
}

/** The in-n8n token request row of each version that ran it. */
const n8nTokenRuns = (r: BenchResults) => r.versions.flatMap((v) => (v.tokens ? [{ v, run: v.tokens }] : []));

/** "(a): 1 key store parse and 1 undici agent for 4000 items" inside one version's n8n process, if measured. */
function probeLine(v: VersionResults, n: number): string | undefined {
	const probe = v.throughput.a?.cold.probe;
	if (!probe?.keyStore) return undefined;
	const count = (k: number | undefined, word: string) => (k === undefined ? `n/a ${word}s` : `${k} ${word}${k === 1 ? '' : 's'}`);
	return `${count(probe.keyStore.parses, 'key store parse')}, ${count(probe.keyStore.cacheHits, 'cache hit')} and ${count(probe.agentPool?.agentsBuilt, 'undici agent')} for ${2 * n} items`;
}

/** One version's table, ratios and rounds for the terminal. */
function versionText(v: VersionResults, n: number): string[] {
	const { a, aExpr, b, c, lib } = v.throughput;
	const rows: string[][] = [['run', 'items/s', 'time (ms)', 'TLS handshakes', 'requests', 'peak RSS (MiB)', 'server CPU (ms)']];
	const both = (label: string, p?: PhaseRuns) => {
		rows.push(n8nRow(`${label}, cold`, p?.cold));
		if (p?.warm) rows.push(n8nRow(`${label}, warm`, p.warm));
	};
	both('(a) API Integration node + Mutual TLS (n8n)', a);
	both('(a) same, URL expression {{ $json.i }}', aExpr);
	both('(b) HTTP Request 4.2 + SSL Certificates (n8n)', b);
	rows.push([`(c) raw undici, one keep-alive Agent, 1 in flight`, fmt(c.sequential.itemsPerSec), fmt(c.sequential.ms), '', '', '', '']);
	rows.push([`(c) raw undici, one keep-alive Agent, ${c.concurrent.concurrency} in flight`, fmt(c.concurrent.itemsPerSec), fmt(c.concurrent.ms), '', '', '', '']);
	rows.push([`lib only: sendApiRequest, ${lib.concurrency} in flight (no n8n)`, fmt(lib.itemsPerSec), fmt(lib.ms), String(lib.handshakes), String(lib.requests), '', '']);
	const lines = [`== ${versionTitle(v)}`, pad(rows), ''];
	lines.push(
		`ratios (warm): (a)/(c) ${ratio(v.ratios.aOverC)}, (a)/(b) ${ratio(v.ratios.aOverB)}, (a)/(c one at a time) ${ratio(v.ratios.aOverCSequential)}, (a with expression)/(c) ${ratio(v.ratios.aExprOverC)}, lib/(c) ${ratio(v.ratios.libOverC)}`,
		`ratios (cold): (a)/(c) ${ratio(v.ratios.aColdOverC)}, (a)/(b) ${ratio(v.ratios.aColdOverB)}`,
	);
	if (v.samples.length > 1) {
		const list = (f: (x: VersionResults['samples'][number]) => number | undefined) => v.samples.map((x) => fmt(f(x))).join(', ');
		lines.push(
			`${v.samples.length} rounds (rows above: the best round of each kind; (a)/(c): best over best; (a)/(b): median (a) over (b)):`,
			`  (a) warm [${list((x) => x.aWarm)}], cold [${list((x) => x.aCold)}]; with expression warm [${list((x) => x.aExprWarm)}]; (c) [${list((x) => x.c)}]; lib [${list((x) => x.lib)}]`,
		);
	}
	const probe = probeLine(v, n);
	if (probe) lines.push(`inside the n8n process of (a), both runs: ${probe}`);
	lines.push('');
	return lines;
}

/** CPU profile summaries of one version's n8n runs (--profile). */
function profileText(v: VersionResults): string[] {
	const { a, aExpr, b } = v.throughput;
	const lines: string[] = [];
	for (const x of [a?.cold, a?.warm, aExpr?.cold, aExpr?.warm, b?.cold, b?.warm, v.tokens]) {
		if (!x?.profile) continue;
		lines.push('', `CPU profile, ${versionName(v)}, ${x.label} [${x.phase}]: ${x.profile.windowMs} ms window (the node's run)`);
		for (const p of x.profile.partition) if (p.ms > 0) lines.push(`  ${p.bucket.padEnd(52)} ${fmt(p.ms).padStart(7)} ms  ${p.pct.toFixed(1).padStart(5)}%`);
		lines.push('  heaviest functions (self time):');
		for (const f of x.profile.topFunctions.slice(0, 10)) lines.push(`    ${f.fn.slice(0, 36).padEnd(36)} ${fmt(f.ms).padStart(7)} ms  ${f.pct.toFixed(1).padStart(5)}%  ${f.where}`);
	}
	return lines;
}

/** Plain-text report for the terminal. */
export function textReport(r: BenchResults): string {
	const m = r.meta;
	const lines: string[] = [];
	lines.push(
		`n8n-nodes-liveperson benchmark — ${m.date}${m.profiled ? ' (CPU-profiled: throughput is lower than usual)' : ''}`,
		`machine: ${m.machine.nproc} cores, ${m.machine.cpuModel}, load ${m.machine.loadBefore.map((x) => x.toFixed(2)).join(' ')} before / ${m.machine.loadAfter
			.map((x) => x.toFixed(2))
			.join(' ')} after; bench on Node ${m.node}; undici ${m.undici}; ${m.key}`,
		`N = ${m.n} items, concurrency ${m.concurrency}, loopback mutual-TLS server in its own process; n8n ${r.versions.map((v) => v.n8n?.version ?? 'none').join(' and ')}, interleaved round by round.`,
		'n8n rows: the node\'s executionTime; each workflow runs the node twice in one `n8n execute` — cold (fresh process) then warm (steady state).',
		'',
	);
	for (const v of r.versions) lines.push(...versionText(v, m.n));
	const tok: string[][] = [['token requests', 'calls', 'concurrency', 'token requests', 'API requests']];
	for (const t of r.tokens.lib) tok.push([`${t.path} (lib, emulator)`, String(t.items), String(t.concurrency), String(t.tokenRequests), String(t.apiRequests)]);
	for (const { v, run } of n8nTokenRuns(r)) {
		tok.push([`clientCredentials (API Integration node in ${versionName(v)}, emulator)`, String(run.items), String(m.concurrency), String(run.tokenRequests ?? 'n/a'), String(run.apiRequests ?? 'n/a')]);
	}
	lines.push(pad(tok), '');
	const ks: string[][] = [['key store (RSA-2048)', 'parser', 'parse ms (median)', 'min', 'parses / credential', 'agents', 'handshakes', 'items']];
	for (const p of r.keyStores.parseTimes) {
		const x = r.keyStores.perCredential.find((y) => y.store === p.store);
		ks.push([p.label, p.source, fmt(p.medianMs, 2), fmt(p.minMs, 2), String(x?.parses ?? ''), String(x?.secureContexts ?? ''), String(x?.handshakes ?? ''), String(x?.items ?? '')]);
	}
	lines.push(pad(ks), '');
	if (r.guards?.ipAllowlist) lines.push(ipAllowlistReport(r.guards.ipAllowlist), '');
	if (r.bot) lines.push(`n8n ${r.bot.n8n}:`, botReport(r.bot.rows), '');
	const tg: string[][] = [['target', 'wanted', 'measured', 'met']];
	for (const t of r.targets) tg.push([t.name, t.target, t.value, t.met ? 'yes' : 'NO']);
	lines.push(pad(tg));
	for (const v of r.versions) lines.push(...profileText(v));
	return lines.join('\n');
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

interface Bar {
	label: string;
	value: number;
	note: string;
	color: string;
}

/** The bars of one version's panel. */
function versionBars(v: VersionResults): Bar[] {
	const { a, aExpr, b, c, lib } = v.throughput;
	const bars: Bar[] = [];
	const hs = (x?: N8nRun) => (x?.server ? `${x.server.handshakes} TLS handshakes` : '');
	if (a?.warm) bars.push({ label: '(a) LivePerson API Integration, warm', value: a.warm.itemsPerSec, note: hs(a.warm), color: '#ff6a00' });
	if (a) bars.push({ label: '(a) LivePerson API Integration, cold', value: a.cold.itemsPerSec, note: hs(a.cold), color: '#ff9a4d' });
	if (aExpr?.warm) bars.push({ label: '(a) with a per-item URL expression, warm', value: aExpr.warm.itemsPerSec, note: hs(aExpr.warm), color: '#ffc397' });
	if (b?.warm) bars.push({ label: '(b) HTTP Request + SSL certificates, warm', value: b.warm.itemsPerSec, note: hs(b.warm), color: '#6f6f6f' });
	if (b) bars.push({ label: '(b) HTTP Request + SSL certificates, cold', value: b.cold.itemsPerSec, note: hs(b.cold), color: '#a5a5a5' });
	bars.push({ label: `(c) raw undici, ${c.concurrent.concurrency} in flight (the limit)`, value: c.concurrent.itemsPerSec, note: '', color: '#2f6fb7' });
	bars.push({ label: '(c) raw undici, 1 in flight', value: c.sequential.itemsPerSec, note: '', color: '#8fb3dc' });
	bars.push({ label: `package lib only (no n8n), ${lib.concurrency} in flight`, value: lib.itemsPerSec, note: '', color: '#c9a27e' });
	return bars;
}

/**
 * A hand-written horizontal bar chart (items/s) with the handshake counts, no dependencies: one
 * panel per n8n version, all on the same scale.
 */
export function svgChart(r: BenchResults): string {
	const panels = r.versions.map((v) => ({ title: `${versionName(v)} · Node ${v.n8n?.node ?? v.limitNode} · (a)/(c) warm ${ratio(v.ratios.aOverC)}, (a)/(b) warm ${ratio(v.ratios.aOverB)}`, bars: versionBars(v) }));
	const W = 820;
	const left = 300;
	const right = 170;
	const top = 66;
	const rowH = 30;
	const headH = 26;
	const plotH = panels.reduce((h, p) => h + headH + p.bars.length * rowH, 0);
	const H = top + plotH + 44;
	const max = Math.max(...panels.flatMap((p) => p.bars.map((x) => x.value))) * 1.02;
	const step = niceStep(max);
	const axisMax = Math.ceil(max / step) * step;
	const scale = (v: number) => ((W - left - right) * v) / axisMax;
	const parts: string[] = [];
	parts.push(
		`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
		`<rect width="${W}" height="${H}" fill="#ffffff"/>`,
		`<text x="12" y="22" font-size="15" font-weight="bold">Items per second through a mutual-TLS API (higher is better)</text>`,
		`<text x="12" y="40" fill="#555">${esc(`N = ${r.meta.n}, ${r.meta.concurrency} in flight, loopback, RSA-2048, ${r.meta.machine.nproc} cores (${r.meta.machine.cpuModel}), ${r.meta.date.slice(0, 10)}; (c) and lib on each n8n's Node`)}</text>`,
		`<text x="12" y="56" fill="#555">${esc('cold: first run of the node in a fresh n8n process; warm: the same node again in that process (steady state)')}</text>`,
	);
	for (let v = 0; v <= axisMax + 1e-9; v += step) {
		const x = left + scale(v);
		parts.push(`<line x1="${x.toFixed(1)}" y1="${top + headH - 4}" x2="${x.toFixed(1)}" y2="${top + plotH}" stroke="#e3e3e3"/>`);
		parts.push(`<text x="${x.toFixed(1)}" y="${top + plotH + 16}" text-anchor="middle" fill="#777">${Math.round(v)}</text>`);
	}
	let y = top;
	for (const panel of panels) {
		parts.push(`<text x="12" y="${y + 18}" font-size="13" font-weight="bold">${esc(panel.title)}</text>`);
		y += headH;
		for (const bar of panel.bars) {
			const w = Math.max(1, scale(bar.value));
			parts.push(`<text x="${left - 8}" y="${y + 19}" text-anchor="end">${esc(bar.label)}</text>`);
			parts.push(`<rect x="${left}" y="${y + 5}" width="${w.toFixed(1)}" height="${rowH - 9}" fill="${bar.color}"/>`);
			parts.push(
				`<text x="${(left + w + 6).toFixed(1)}" y="${y + 19}" font-weight="bold">${Math.round(bar.value)}${bar.note ? `<tspan font-weight="normal" fill="#555"> · ${esc(bar.note)}</tspan>` : ''}</text>`,
			);
			y += rowH;
		}
	}
	parts.push(`<text x="${left}" y="${H - 8}" fill="#777">items/s; n8n runs: the node's own execution time (n8n start-up excluded)</text>`);
	parts.push('</svg>');
	return parts.join('\n') + '\n';
}

function niceStep(max: number): number {
	const raw = max / 6;
	const p = 10 ** Math.floor(Math.log10(raw));
	for (const m of [1, 2, 2.5, 5, 10]) if (raw <= m * p) return m * p;
	return 10 * p;
}

export const README_BEGIN = '<!-- bench:begin (generated by `npm run bench -- --readme`) -->';
export const README_END = '<!-- bench:end -->';

const mdRow = (cells: string[]) => `| ${cells.join(' | ')} |`;

/** One version's table and ratio line for the README. */
function versionMarkdown(v: VersionResults): string[] {
	const { a, aExpr, b, c, lib } = v.throughput;
	const cell = (x?: N8nRun) => (x ? fmt(x.itemsPerSec) : 'n/a');
	const hs = (x?: N8nRun) => (x?.server ? String(x.server.handshakes) : 'n/a');
	const n8nRows = (label: string, p?: PhaseRuns) => mdRow([label, cell(p?.cold), cell(p?.warm), `${hs(p?.cold)} / ${hs(p?.warm)}`, p ? `${fmt(p.cold.peakRssMiB)} MiB` : 'n/a']);
	const verdicts = RATIO_TARGETS.filter((t) => t.phase === 'warm' && v.ratios[t.key] !== undefined).map(
		(t) => `${t.ratio} ≥ ${t.min} ${(v.ratios[t.key] as number) >= t.min ? 'met' : '**missed**'}`,
	);
	return [
		`**${versionTitle(v)}**`,
		'',
		mdRow(['run', 'items/s, cold', 'items/s, warm', 'TLS handshakes (cold / warm)', 'peak RSS of n8n']),
		mdRow(['---', '---:', '---:', '---:', '---:']),
		n8nRows('(a) LivePerson API Integration + Mutual TLS credential', a),
		n8nRows('(a) same, URL with a per-item expression', aExpr),
		n8nRows('(b) n8n HTTP Request 4.2 + SSL Certificates credential', b),
		mdRow([`(c) raw undici, one keep-alive Agent, ${c.concurrent.concurrency} in flight`, '', fmt(c.concurrent.itemsPerSec), '', '']),
		mdRow(['(c) raw undici, one keep-alive Agent, 1 in flight', '', fmt(c.sequential.itemsPerSec), '', '']),
		mdRow([`package lib only (no n8n), ${lib.concurrency} in flight`, '', fmt(lib.itemsPerSec), '', '']),
		'',
		`Ratios, ${versionName(v)}, warm: (a)/(c) = ${ratio(v.ratios.aOverC)}, (a)/(b) = ${ratio(v.ratios.aOverB)}; cold: (a)/(c) = ${ratio(v.ratios.aColdOverC)}, (a)/(b) = ${ratio(v.ratios.aColdOverB)}; package lib/(c) = ${ratio(v.ratios.libOverC)}.` +
			(verdicts.length ? ` Warm targets: ${verdicts.join(', ')}.` : ''),
		'',
	];
}

/** The bot reply latency table (issue 23's bot row) for docs/performance.md. */
function botMarkdown(bot: NonNullable<BenchResults['bot']>): string[] {
	const verdicts = botTargets(bot.rows).map((t) => `${t.name}: ${t.value} (${t.target}) ${t.met ? 'met' : '**missed**'}`);
	return [
		`**LivePerson bot reply latency, n8n ${bot.n8n}** (one TEXT event → the sample bot's echo answer; ms)`,
		'',
		mdRow(['run', 'in flight', 'requests', 'p50', 'p95', 'errors']),
		mdRow(['---', '---:', '---:', '---:', '---:', '---:']),
		...bot.rows.map((x) => mdRow([x.target, String(x.concurrency), String(x.n), fmt(x.p50, 1), fmt(x.p95, 1), String(x.errors)])),
		'',
		...(verdicts.length ? [`Targets: ${verdicts.join('; ')}.`, ''] : []),
	];
}

/** The generated part of docs/performance.md (markdown, between the markers; links relative to docs/). */
export function readmeFigures(r: BenchResults): string {
	const m = r.meta;
	const probes = r.versions.flatMap((v) => {
		const line = probeLine(v, m.n);
		return line ? [`${versionName(v)}: ${line}`] : [];
	});
	const lines = [
		README_BEGIN,
		`Measured ${m.date.slice(0, 10)}: N = ${m.n} items, ${m.concurrency} in flight, ${m.machine.nproc} cores (${m.machine.cpuModel}), load average ${m.machine.loadBefore[0].toFixed(1)} at the start and ${m.machine.loadAfter[0].toFixed(1)} at the end; ${r.versions.map(versionName).join(' and ')}, interleaved round by round (${m.repeat} rounds); the bench itself on Node ${m.node}, undici ${m.undici}, ${m.key}.`,
		'',
		'![items per second](../bench/results.svg)',
		'',
		...r.versions.flatMap(versionMarkdown),
		mdRow(['token requests', 'calls', 'token requests']),
		mdRow(['---', '---:', '---:']),
		...r.tokens.lib.map((t) => mdRow([t.path === 'clientCredentials' ? 'OAuth2 client credentials (lib)' : 'Conversation Orchestrator v2 (lib)', String(t.items), String(t.tokenRequests)])),
		...n8nTokenRuns(r).map(({ v, run }) => mdRow([`OAuth2 client credentials (API Integration node in ${versionName(v)})`, String(run.items), String(run.tokenRequests ?? 'n/a')])),
		'',
		mdRow(['key store (RSA-2048)', 'parser', 'parse time (median)', 'parses per credential']),
		mdRow(['---', '---', '---:', '---:']),
		...r.keyStores.parseTimes.map((p) => mdRow([p.label, p.source, `${fmt(p.medianMs, 1)} ms`, String(r.keyStores.perCredential.find((x) => x.store === p.store)?.parses ?? 'n/a')])),
		'',
		`Inside the n8n process of (a), both runs: ${probes.length ? probes.join('; ') : 'n/a'}. Raw figures: [bench/results.json](../bench/results.json).`,
		...(r.bot ? ['', ...botMarkdown(r.bot).slice(0, -1)] : []),
		README_END,
	];
	return lines.join('\n');
}
