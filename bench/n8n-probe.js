'use strict';
/**
 * Preloaded into the `n8n execute` process by the benchmark (NODE_OPTIONS=--require <this file>),
 * plain CommonJS without dependencies. At exit it reads the counters of THIS package's modules as
 * n8n loaded them (the copy installed in <userFolder>/.n8n/nodes), if they were loaded at all:
 *   - lib/tls/keystore.js  keyStoreStats(): key store parses vs cache hits
 *   - lib/tls/agent-pool.js agentPoolStats(): undici Agents / secure contexts built
 * and writes them to $LP_BENCH_PROBE_DIR/probe-<pid>.json. Nothing secret is read or written.
 */
const fs = require('node:fs');
const path = require('node:path');

const dir = process.env.LP_BENCH_PROBE_DIR;
// Same instant on both clocks: CPU profile timestamps are CLOCK_MONOTONIC microseconds.
const clock = { wallMs: Date.now(), monotonicUs: Number(process.hrtime.bigint() / 1000n) };
const pkg = process.env.LP_BENCH_PACKAGE || 'n8n-nodes-liveperson';

function loaded(suffix) {
	const want = path.join(pkg, 'dist', suffix);
	for (const [file, mod] of Object.entries(require.cache)) {
		if (file.endsWith(want) && mod && mod.loaded) return mod.exports;
	}
	return undefined;
}

if (dir) {
	process.on('exit', () => {
		try {
			const keystore = loaded(path.join('lib', 'tls', 'keystore.js'));
			const pool = loaded(path.join('lib', 'tls', 'agent-pool.js'));
			const out = {
				pid: process.pid,
				argv: process.argv.slice(2, 4),
				keyStore: keystore && typeof keystore.keyStoreStats === 'function' ? keystore.keyStoreStats() : null,
				agentPool: pool && typeof pool.agentPoolStats === 'function' ? pool.agentPoolStats() : null,
				clock,
				memory: process.memoryUsage(),
				resourceUsage: process.resourceUsage(),
			};
			fs.writeFileSync(path.join(dir, `probe-${process.pid}.json`), JSON.stringify(out));
		} catch {
			/* never disturb n8n */
		}
	});
}
