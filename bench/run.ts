/**
 * `npm run bench` — throughput, TLS handshakes, token requests, key store parses and n8n memory
 * for mutual-TLS API calls, from one run on one machine:
 *
 *   (a) the LivePerson API Integration node with the Mutual TLS credential, in real n8n
 *   (b) n8n's HTTP Request node 4.2 with its SSL Certificates credential, same n8n, same server
 *   (c) raw undici with one keep-alive Agent (the limit), one at a time and with (a)'s concurrency
 *
 * against a local Node `https` server requiring a client certificate (own process, counts
 * handshakes and requests), for every n8n version given (default: each pinned one, N8N_VERSIONS in
 * test/e2e/harness.ts). Each version has its own (c) and lib row, run in a child process on the Node
 * binary of that n8n (bench/limit-child.ts), so every ratio compares one runtime; each round visits
 * the versions in turn. Token requests of the lib, key store parse times and the IP Allowlist row do
 * not depend on the n8n version and run once. Keys are generated at run time in a temp dir and
 * deleted afterwards.
 *
 * Options (flags or environment):
 *   --n <items>            BENCH_N            default 2000
 *   --concurrency <k>      BENCH_CONCURRENCY  default: the API Integration node's default
 *   --n8n <v>[,<v>...]     BENCH_N8N          n8n versions (default: every pinned one, e.g. 2.8.4,2.41.3)
 *   --repeat <k>           BENCH_REPEAT       rounds of (a) + (c) + lib per version; best round reported (default 5)
 *   --out <dir>                               where results.json / results.svg go (default bench/)
 *   --profile                                 CPU-profile the n8n runs (bench/out/profiles), print where time goes
 *   --no-n8n                                  skip the n8n runs
 *   --only a,aExpr,b,tokens,ip                run only these scenarios; `--only ip` runs the IP Allowlist
 *                                             row alone (no n8n, no TLS server, seconds)
 *   --ip-items <k>, --ip-entries <k>          IP Allowlist row size (default 2000 items x 100000 entries)
 *   --readme                                  rewrite the figures in docs/performance.md from the results
 *   --queue [--n N --parallel K --workers 1,2]  n8n queue mode instead (bench/queue.ts): executions/s with
 *                                             1 and 2 workers, token requests per 1000 executions
 *   --bot-n <requests>     BENCH_BOT_N        the bot row (bench/bot.ts, reply latency of the sample bot vs
 *                                             Webhook + Respond to Webhook vs a bare server, at 1 and 20 in
 *                                             flight, n8n LP_N8N_VERSION or 2.8.4): requests per level, default 200
 *   --no-bot                                  skip the bot row (also skipped with --only)
 *   --bot [--n N]                             the bot row alone, printed only (bench/bot.ts)
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { API_INTEGRATION_DEFAULTS } from '../lib/integration/api-request';
import { closeAllDispatchers } from '../lib/http';
import { closeAllAgents } from '../lib/tls/agent-pool';
import { createN8n, N8N_VERSIONS, packPackage, type N8nInstance } from '../test/e2e/harness';
import { makeTestPki, STORE_PASSWORD } from '../test/helpers/pki';
import { startEmulator } from '../sandbox/emulator/index';
import { clientCredentialsData, measureCredentialRuns, measureParseTimes, measureTokenRequests, storeFixtures, type BenchPki, type LibRun } from './lib-level';
import { ipAllowlistReport, measureIpAllowlist } from './ip-allowlist';
import type { LimitJob, LimitReply, LimitRequest } from './limit-child';
import { startCountingServer, type CountingServer } from './mtls-server';
import { prepareN8nScenarios, type N8nRun, type PreparedScenarios, type ScenarioKey } from './n8n-runs';
import type { RawRun } from './raw-undici';
import { ensureN8n } from '../scripts/n8n-install';
import { queueReport, runQueueBench, type QueueBenchOptions } from './queue';
import { botReport, runBotBench } from './bot';
import { byScenario, computeRatios, computeTargets, README_BEGIN, README_END, readmeFigures, svgChart, textReport, type BenchResults, type VersionResults } from './report';

export interface BenchOptions {
	n?: number;
	concurrency?: number;
	/** n8n versions, each with its own (a), (b), (c) and lib rows (default: the pinned ones, N8N_VERSIONS). */
	n8nVersions?: string[];
	/** Folder for results.json and results.svg. */
	outDir?: string;
	profile?: boolean;
	n8n?: boolean;
	/** Rounds of (a), (a with expression), (c) and lib; the best round of each is reported. Default 5. */
	repeat?: number;
	/** n8n scenarios to run (default all): a, aExpr, b, tokens. */
	only?: ScenarioKey[];
	/** The IP Allowlist row (default on; `--only ip` runs it alone). */
	ip?: boolean;
	ipItems?: number;
	ipEntries?: number;
	readme?: boolean;
	/** The bot reply latency row (bench/bot.ts). Default off here, on from the CLI (`--no-bot` skips it). */
	bot?: boolean;
	/** Requests per concurrency level and target of the bot row (default 200). */
	botN?: number;
	/** Progress lines (default: stderr). */
	log?: (line: string) => void;
	/** Print the table (default true from the CLI). */
	print?: boolean;
}

const REPO = path.resolve(__dirname, '..');
export const DEFAULT_N = 2000;
/** Every pinned n8n (test/e2e/harness.ts), oldest first. */
export const DEFAULT_N8N_VERSIONS: string[] = [...N8N_VERSIONS];
export const DEFAULT_REPEAT = 5;

/** One round: (a) and (a with expression) executions, then (c) and the lib run right after. */
interface Round {
	a?: N8nRun[];
	aExpr?: N8nRun[];
	c?: RawRun;
	lib?: LibRun;
}

function cpuModel(): string {
	try {
		const m = /^model name\s*:\s*(.+)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
		if (m) return m[1].trim();
	} catch {
		/* not Linux */
	}
	return os.cpus()[0]?.model ?? 'unknown';
}

function nproc(): number {
	try {
		return Number(execFileSync('nproc', { encoding: 'utf8' }).trim()) || os.cpus().length;
	} catch {
		return os.cpus().length;
	}
}

function versionOf(pkg: string): string {
	try {
		return (JSON.parse(fs.readFileSync(path.join(REPO, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
	} catch {
		return 'unknown';
	}
}

const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

/** (c) and the lib row in a child on `nodeBin` (bench/limit-child.ts); the counting server stays here. */
interface LimitRunner {
	node: string;
	sequential(job: LimitJob): Promise<RawRun>;
	round(job: LimitJob): Promise<{ c: RawRun; lib: LibRun }>;
	close(): Promise<void>;
}

function startLimitRunner(nodeBin: string, server: CountingServer): Promise<LimitRunner> {
	const child: ChildProcess = fork(path.join(__dirname, 'limit-child.ts'), [], {
		execPath: nodeBin,
		execArgv: ['--require', require.resolve('tsx/cjs')],
		stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
	});
	let nextId = 1;
	const waiting = new Map<number, (msg: LimitReply) => void>();
	let exited = false;
	const exitPromise = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
	void exitPromise.then(() => {
		for (const [id, done] of waiting) done({ type: 'error', id, message: `limit child (${nodeBin}) exited` });
		waiting.clear();
	});
	child.on('message', (msg: LimitReply) => {
		if (msg.type === 'server') {
			const op = msg.op === 'reset' ? server.reset(msg.opts) : server.counts();
			void op.then((value) => child.send({ type: 'server-reply', id: msg.id, value: value ?? null }));
			return;
		}
		const done = waiting.get(msg.id);
		waiting.delete(msg.id);
		done?.(msg);
	});
	const ask = (type: 'sequential' | 'round', job: LimitJob) =>
		new Promise<Extract<LimitReply, { type: 'result' }>>((resolve, reject) => {
			if (exited) return reject(new Error(`limit child (${nodeBin}) is not running`));
			const id = nextId++;
			waiting.set(id, (msg) => (msg.type === 'result' ? resolve(msg) : reject(new Error(msg.type === 'error' ? msg.message : 'unexpected reply'))));
			child.send({ type, id, job } satisfies LimitRequest);
		});
	const node = execFileSync(nodeBin, ['--version'], { encoding: 'utf8' }).trim();
	return Promise.resolve({
		node,
		sequential: async (job) => (await ask('sequential', job)).sequential as RawRun,
		round: async (job) => {
			const r = await ask('round', job);
			return { c: r.c as RawRun, lib: r.lib as LibRun };
		},
		close: async () => {
			if (!exited) child.send({ type: 'exit', id: 0 } satisfies LimitRequest);
			const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
			await exitPromise;
			clearTimeout(timer);
		},
	});
}

/** One n8n version under test: its n8n, the limit child on that n8n's Node, and its measurements. */
interface Lane {
	/** Undefined with --no-n8n: (c) and lib alone, on the bench's own Node. */
	version?: string;
	limit: LimitRunner;
	n8nNode?: string;
	inst?: N8nInstance;
	prepared?: PreparedScenarios;
	sequential?: RawRun;
	rounds: Round[];
	/** (b) and the token requests: one long run each, after the rounds. */
	runs: N8nRun[];
}

async function openLane(version: string | undefined, server: CountingServer, log: (line: string) => void): Promise<Lane> {
	// The Node that runs the n8n under test also runs (c) and the lib row.
	const nodeBin = version ? (await ensureN8n(version)).nodeBin : process.execPath;
	const limit = await startLimitRunner(nodeBin, server);
	log(`${version ? `n8n ${version}` : 'no n8n'}: (c) and the lib row run on Node ${limit.node} (${nodeBin})`);
	return { version, limit, rounds: [], runs: [] };
}

/** The figures of one lane: the best round of each kind, ratios to its own (c). */
function laneResults(lane: Lane): VersionResults {
	const { rounds } = lane;
	const samples = rounds.map((r) => ({
		aCold: r.a?.find((x) => x.phase === 'cold')?.itemsPerSec,
		aWarm: r.a?.find((x) => x.phase === 'warm')?.itemsPerSec,
		aExprCold: r.aExpr?.find((x) => x.phase === 'cold')?.itemsPerSec,
		aExprWarm: r.aExpr?.find((x) => x.phase === 'warm')?.itemsPerSec,
		c: (r.c as RawRun).itemsPerSec,
		lib: (r.lib as LibRun).itemsPerSec,
	}));
	// Short runs on a shared machine: the best round of each kind is the least disturbed one
	// (best-of, as usual for micro-benchmarks); every round is kept in `samples`.
	const best = <T>(items: T[], value: (x: T) => number | undefined): T | undefined =>
		items.filter((x) => Number.isFinite(value(x))).sort((x, y) => (value(y) as number) - (value(x) as number))[0];
	const phase = (runsOf: N8nRun[] | undefined, p: 'cold' | 'warm') => runsOf?.find((x) => x.phase === p);
	const runs = [...lane.runs];
	for (const get of [(r: Round) => r.a, (r: Round) => r.aExpr]) {
		for (const p of ['cold', 'warm'] as const) {
			const top = best(rounds, (r) => phase(get(r), p)?.itemsPerSec);
			const run = top ? phase(get(top), p) : undefined;
			if (run) runs.push(run);
		}
	}
	const partial = {
		...(lane.version ? { n8n: { version: lane.version, node: lane.n8nNode ?? lane.limit.node } } : {}),
		limitNode: lane.limit.node,
		samples,
		throughput: {
			a: byScenario(runs, 'a'),
			aExpr: byScenario(runs, 'aExpr'),
			b: byScenario(runs, 'b'),
			c: { sequential: lane.sequential as RawRun, concurrent: (best(rounds, (r) => r.c?.itemsPerSec) as Round).c as RawRun },
			lib: (best(rounds, (r) => r.lib?.itemsPerSec) as Round).lib as LibRun,
		},
		tokens: runs.find((r) => r.scenario === 'tokens'),
	};
	return { ...partial, ratios: computeRatios(partial) };
}

export async function runBench(opts: BenchOptions = {}): Promise<BenchResults> {
	const log = opts.log ?? ((line: string) => process.stderr.write(`[bench] ${line}\n`));
	const n = opts.n ?? DEFAULT_N;
	const concurrency = opts.concurrency ?? API_INTEGRATION_DEFAULTS.concurrency;
	if (!Number.isInteger(n) || n < 1) throw new Error(`--n: expected a positive integer, got ${n}`);
	if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`--concurrency: expected a positive integer, got ${concurrency}`);
	const versions = opts.n8n === false ? [undefined] : (opts.n8nVersions ?? DEFAULT_N8N_VERSIONS);
	if (!versions.length) throw new Error('--n8n: expected at least one version');
	const repeat = opts.repeat ?? DEFAULT_REPEAT;
	if (!Number.isInteger(repeat) || repeat < 1) throw new Error(`--repeat: expected a positive integer, got ${repeat}`);
	const outDir = opts.outDir ?? __dirname;
	const t0 = performance.now();
	const loadBefore = os.loadavg();
	log(`N=${n}, concurrency ${concurrency}, n8n ${opts.n8n === false ? 'none' : versions.join(', ')}, load ${loadBefore.map((x) => x.toFixed(2)).join(' ')} on ${nproc()} cores`);

	log('generating the test PKI (openssl, keytool) in a temp dir');
	const testPki = makeTestPki();
	const pki: BenchPki = {
		caPem: testPki.caPem,
		serverKey: testPki.serverKey,
		serverCert: testPki.serverCert,
		rsa: testPki.rsa,
		p12Modern: testPki.p12Modern,
		p12Legacy: testPki.p12Legacy,
		jksRsa: testPki.jksRsa,
		password: STORE_PASSWORD,
	};
	const clientTls = { key: pki.rsa.keyPem, cert: pki.rsa.certPem, ca: pki.caPem };
	const stores = storeFixtures(pki);
	const server = await startCountingServer({ key: pki.serverKey, cert: pki.serverCert, ca: pki.caPem });
	const emulator = await startEmulator();
	const lanes: Lane[] = [];
	try {
		for (const version of versions) lanes.push(await openLane(version, server, log));

		// Figures that do not depend on the n8n version: measured once, in this process.
		log('key store parse times (cache bypassed)');
		const parseTimes = measureParseTimes(stores);

		let ipAllowlist: Awaited<ReturnType<typeof measureIpAllowlist>> | undefined;
		if (opts.ip !== false) {
			log('IP Allowlist node: items against a large allow list (no n8n)');
			ipAllowlist = await measureIpAllowlist({ items: opts.ipItems, entries: opts.ipEntries });
		}

		log(`lib: key store parses, agents and handshakes per credential, each format`);
		const perCredential = await measureCredentialRuns(server, stores, (s) => (s.name === 'pkcs12Modern' ? n : Math.min(n, 200)), concurrency);

		log('token requests (client credentials, Conversation Orchestrator v2) against the emulator');
		const tokenRuns = await measureTokenRequests(emulator, n, concurrency);

		const warmup = Math.min(n, 300);
		const job: LimitJob = { url: server.url, tls: clientTls, store: stores[0], n, concurrency, warmup };
		for (const lane of lanes) {
			log(`(c) on Node ${lane.limit.node}: raw undici, one keep-alive Agent, one at a time (timed after a warm-up on the same Agent)`);
			lane.sequential = await lane.limit.sequential(job);
		}

		if (opts.n8n !== false) {
			log(`packing the package and preparing n8n ${versions.join(', ')} (first time: minutes)`);
			await packPackage();
			const profileRoot = opts.profile ? path.join(__dirname, 'out', 'profiles', new Date().toISOString().replace(/[:.]/g, '-')) : undefined;
			for (const lane of lanes) {
				const version = lane.version as string;
				lane.inst = await createN8n(version);
				lane.n8nNode = execFileSync(lane.inst.install.nodeBin, ['--version'], { encoding: 'utf8' }).trim();
				lane.prepared = await prepareN8nScenarios(lane.inst, {
					n,
					concurrency,
					server,
					tls: clientTls,
					mtlsCredential: stores[0].credential,
					tokens: {
						url: `${emulator.url}/protected/echo`,
						credential: clientCredentialsData(emulator),
						reset: () => emulator.reset(),
						counts: () => ({ tokenRequests: emulator.count('sentinel.token'), apiRequests: emulator.count('protected.echo') }),
					},
					only: opts.only,
					profileDir: profileRoot && path.join(profileRoot, version),
					log: (line) => log(`n8n ${version}: ${line}`),
				});
			}
		}

		// (c) and the lib run at (a)'s concurrency are measured right after each (a) execution, on the
		// same version's Node, in `repeat` rounds; each round visits every version in turn, so that a
		// quiet or a busy spell of the shared machine falls on all of them alike.
		for (let i = 0; i < repeat; i++) {
			if (repeat > 1) log(`round ${i + 1} of ${repeat}`);
			for (const lane of lanes) {
				const round: Round = {};
				const has = (k: ScenarioKey) => lane.prepared?.keys.includes(k) === true;
				if (has('a')) round.a = await lane.prepared?.run('a');
				if (has('aExpr')) round.aExpr = await lane.prepared?.run('aExpr');
				Object.assign(round, await lane.limit.round(job));
				lane.rounds.push(round);
			}
		}
		for (const lane of lanes) {
			for (const k of ['b', 'tokens'] as const) if (lane.prepared?.keys.includes(k)) lane.runs.push(...(await lane.prepared.run(k)));
		}

		let bot: BenchResults['bot'];
		if (opts.bot === true && opts.n8n !== false && !opts.only) {
			log('LivePerson bot reply latency (bench/bot.ts: the sample bot, Webhook + Respond to Webhook, a bare server)');
			bot = { n8n: process.env.LP_N8N_VERSION || '2.8.4', rows: await runBotBench({ n: opts.botN, log: (line) => log(`bot: ${line}`) }) };
		}

		const partial = {
			meta: {
				date: new Date().toISOString(),
				n,
				concurrency,
				machine: { nproc: nproc(), cpuModel: cpuModel(), memGiB: round(os.totalmem() / 2 ** 30), loadBefore: loadBefore.map((x) => round(x, 2)), loadAfter: os.loadavg().map((x) => round(x, 2)) },
				node: process.version,
				undici: versionOf('undici'),
				key: 'RSA-2048 client and server keys',
				durationSec: round((performance.now() - t0) / 1000),
				profiled: opts.profile === true,
				repeat,
			},
			versions: lanes.map(laneResults),
			tokens: { lib: tokenRuns },
			keyStores: { parseTimes, perCredential },
			...(ipAllowlist ? { guards: { ipAllowlist } } : {}),
			...(bot ? { bot } : {}),
		};
		const results: BenchResults = { ...partial, targets: computeTargets(partial) };
		fs.mkdirSync(outDir, { recursive: true });
		fs.writeFileSync(path.join(outDir, 'results.json'), JSON.stringify(results, null, 2) + '\n');
		fs.writeFileSync(path.join(outDir, 'results.svg'), svgChart(results));
		if (opts.readme) updateReadme(results);
		if (opts.print !== false) process.stdout.write(textReport(results) + '\n');
		log(`wrote ${path.join(outDir, 'results.json')} and results.svg in ${results.meta.durationSec} s`);
		return results;
	} finally {
		for (const lane of lanes) {
			await lane.inst?.close();
			await lane.limit.close();
		}
		await server.close();
		await emulator.close();
		await closeAllAgents();
		await closeAllDispatchers();
		fs.rmSync(testPki.dir, { recursive: true, force: true });
	}
}

/**
 * Replaces the generated figures between the bench markers of docs/performance.md (the hand-written text
 * around them stays). Without markers, adds a section before "## License" (or at the end).
 */
export function updateReadme(results: BenchResults, file = path.join(REPO, 'docs', 'performance.md')): void {
	const text = fs.readFileSync(file, 'utf8');
	const figures = readmeFigures(results);
	const begin = text.indexOf(README_BEGIN);
	const end = text.indexOf(README_END);
	let next: string;
	if (begin >= 0 && end > begin) {
		next = text.slice(0, begin) + figures + text.slice(end + README_END.length);
	} else {
		const section = `## Performance\n\n${figures}\n\n`;
		const lic = text.search(/^## License\s*$/m);
		next = lic >= 0 ? text.slice(0, lic) + section + text.slice(lic) : `${text.trimEnd()}\n\n${section}`;
	}
	fs.writeFileSync(file, next);
}

function num(name: string, v: string | undefined): number {
	const x = Number(v);
	if (v === undefined || !Number.isInteger(x) || x < 1) throw new Error(`${name}: expected a positive integer, got ${JSON.stringify(v)}`);
	return x;
}

/** "2.8.4,2.41.3" → ['2.8.4', '2.41.3'] */
function versionList(name: string, v: string | undefined): string[] {
	const list = (v ?? '').split(',').map((x) => x.trim());
	const bad = list.filter((x) => !/^\d+\.\d+\.\d+$/.test(x));
	if (!list.length || bad.length) throw new Error(`${name}: expected n8n versions like ${N8N_VERSIONS.join(',')}, got ${JSON.stringify(v)}`);
	return [...new Set(list)];
}

function parseArgs(argv: string[], env: NodeJS.ProcessEnv): BenchOptions & { onlyIp?: boolean } {
	const o: BenchOptions & { onlyIp?: boolean } = { bot: true };
	if (env.BENCH_BOT_N) o.botN = num('BENCH_BOT_N', env.BENCH_BOT_N);
	if (env.BENCH_N) o.n = num('BENCH_N', env.BENCH_N);
	if (env.BENCH_CONCURRENCY) o.concurrency = num('BENCH_CONCURRENCY', env.BENCH_CONCURRENCY);
	if (env.BENCH_N8N) o.n8nVersions = versionList('BENCH_N8N', env.BENCH_N8N);
	if (env.BENCH_REPEAT) o.repeat = num('BENCH_REPEAT', env.BENCH_REPEAT);
	for (let i = 0; i < argv.length; i++) {
		const [flag, inline] = argv[i].split('=', 2) as [string, string | undefined];
		const value = () => inline ?? argv[++i];
		switch (flag) {
			case '--n':
				o.n = num('--n', value());
				break;
			case '--concurrency':
				o.concurrency = num('--concurrency', value());
				break;
			case '--repeat':
				o.repeat = num('--repeat', value());
				break;
			case '--n8n':
				o.n8nVersions = versionList('--n8n', value());
				break;
			case '--out':
				o.outDir = path.resolve(value());
				break;
			case '--profile':
				o.profile = true;
				break;
			case '--no-n8n':
				o.n8n = false;
				break;
			case '--only': {
				const all = value().split(',').map((k) => k.trim());
				const bad = all.filter((k) => !['a', 'aExpr', 'b', 'tokens', 'ip'].includes(k));
				if (bad.length) throw new Error(`--only: unknown scenario(s) ${bad.join(', ')} (a, aExpr, b, tokens, ip)`);
				o.ip = all.includes('ip');
				const keys = all.filter((k) => k !== 'ip') as ScenarioKey[];
				if (keys.length) o.only = keys;
				else if (o.ip) o.onlyIp = true;
				break;
			}
			case '--ip-items':
				o.ipItems = num('--ip-items', value());
				break;
			case '--ip-entries':
				o.ipEntries = num('--ip-entries', value());
				break;
			case '--readme':
				o.readme = true;
				break;
			case '--no-bot':
				o.bot = false;
				break;
			case '--bot-n':
				o.botN = num('--bot-n', value());
				break;
			case '--help':
			case '-h':
				process.stdout.write(fs.readFileSync(__filename, 'utf8').split('*/')[0] + '*/\n');
				process.exit(0);
				break;
			default:
				throw new Error(`unknown option ${argv[i]} (see --help)`);
		}
	}
	return o;
}

/** `--only ip`: the IP Allowlist row alone (no PKI, no servers, no n8n). */
async function runIpOnly(opts: BenchOptions): Promise<void> {
	process.stderr.write('[bench] IP Allowlist node: items against a large allow list (no n8n)\n');
	const run = await measureIpAllowlist({ items: opts.ipItems, entries: opts.ipEntries });
	process.stdout.write(`${ipAllowlistReport(run)}\n`);
}

function queueArgs(argv: string[], env: NodeJS.ProcessEnv): QueueBenchOptions {
	const o: QueueBenchOptions = {};
	const list = (name: string, v: string | undefined) => (v ?? '').split(',').map((x) => num(name, x.trim()));
	if (env.BENCH_N) o.n = num('BENCH_N', env.BENCH_N);
	if (env.BENCH_PARALLEL) o.parallel = num('BENCH_PARALLEL', env.BENCH_PARALLEL);
	if (env.BENCH_WORKERS) o.workers = list('BENCH_WORKERS', env.BENCH_WORKERS);
	if (env.BENCH_N8N) o.version = env.BENCH_N8N;
	for (let i = 0; i < argv.length; i++) {
		const [flag, inline] = argv[i].split('=', 2) as [string, string | undefined];
		const value = () => inline ?? argv[++i];
		if (flag === '--queue') continue;
		else if (flag === '--n') o.n = num('--n', value());
		else if (flag === '--parallel') o.parallel = num('--parallel', value());
		else if (flag === '--workers') o.workers = list('--workers', value());
		else if (flag === '--n8n') o.version = value();
		else throw new Error(`unknown option with --queue: ${argv[i]} (--n, --parallel, --workers, --n8n)`);
	}
	return o;
}

if (require.main === module && process.argv.includes('--bot')) {
	const nArg = process.argv.indexOf('--n');
	const n = nArg > 0 ? num('--n', process.argv[nArg + 1]) : process.env.BENCH_N ? num('BENCH_N', process.env.BENCH_N) : undefined;
	runBotBench({ n }).then(
		(rows) => {
			process.stdout.write(`${botReport(rows)}\n`);
			process.exit(0);
		},
		(error: unknown) => {
			process.stderr.write(`[bench] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
			process.exit(1);
		},
	);
} else if (require.main === module && process.argv.includes('--queue')) {
	runQueueBench(queueArgs(process.argv.slice(2), process.env)).then(
		(rows) => {
			process.stdout.write(`${queueReport(rows)}\n`);
			process.exit(0);
		},
		(error: unknown) => {
			process.stderr.write(`[bench] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
			process.exit(1);
		},
	);
} else if (require.main === module) {
	const parsed = parseArgs(process.argv.slice(2), process.env);
	(parsed.onlyIp ? runIpOnly(parsed) : runBench(parsed)).then(
		() => process.exit(0),
		(error: unknown) => {
			process.stderr.write(`[bench] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
			process.exit(1);
		},
	);
}
