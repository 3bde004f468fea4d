/**
 * Parent side of the benchmark's mutual-TLS server (bench/mtls-server-child.js runs in its own
 * process): start it with the server key/certificate and the CA that must have issued client
 * certificates, read and reset its counters.
 */
import { fork, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';

export interface ServerCounts {
	/** Full TLS handshakes accepted (secureConnection), resumed sessions included. */
	handshakes: number;
	/** Of those, resumed TLS sessions. */
	resumed: number;
	requests: number;
	/** Handshakes the server refused or that failed. */
	clientErrors: number;
	openConnections: number;
	peakConnections: number;
	/** Server process CPU time since the last reset. */
	cpuMs: number;
	wallMs: number;
}

export interface CountingServer {
	/** https://127.0.0.1:PORT */
	origin: string;
	/** The URL the benchmark calls. */
	url: string;
	pid: number;
	counts(): Promise<ServerCounts>;
	/** Date.now() of every handshake and request since the last reset (to split them by node run). */
	events(): Promise<{ handshakes: number[]; requests: number[] }>;
	/** Zeroes the counters and closes every open connection (so no scenario inherits warm sockets), unless `keepConnections`. */
	reset(opts?: { keepConnections?: boolean }): Promise<void>;
	close(): Promise<void>;
}

export async function startCountingServer(tls: { key: string; cert: string; ca: string }): Promise<CountingServer> {
	const child: ChildProcess = fork(path.join(__dirname, 'mtls-server-child.js'), [], {
		stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
		execArgv: [],
	});
	let nextId = 1;
	const waiting = new Map<number, (msg: Record<string, unknown>) => void>();
	let exited = false;
	const exitPromise = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
	child.on('message', (msg: Record<string, unknown>) => {
		const id = msg.id as number | undefined;
		if (id !== undefined && waiting.has(id)) {
			const cb = waiting.get(id) as (m: Record<string, unknown>) => void;
			waiting.delete(id);
			cb(msg);
		}
	});
	const ask = (type: string, extra: Record<string, unknown> = {}): Promise<Record<string, unknown>> =>
		new Promise((resolve, reject) => {
			if (exited) return reject(new Error('benchmark mTLS server exited'));
			const id = nextId++;
			const timer = setTimeout(() => {
				waiting.delete(id);
				reject(new Error(`benchmark mTLS server did not answer "${type}"`));
			}, 15_000);
			waiting.set(id, (m) => {
				clearTimeout(timer);
				resolve(m);
			});
			child.send({ ...extra, type, id });
		});

	const port = await new Promise<number>((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error('benchmark mTLS server did not start')), 15_000);
		child.once('exit', (code) => reject(new Error(`benchmark mTLS server exited (${code})`)));
		child.on('message', (msg: { type?: string; port?: number }) => {
			if (msg.type === 'listening') {
				clearTimeout(timer);
				resolve(msg.port as number);
			}
		});
		child.send({ type: 'start', ...tls });
	});
	const origin = `https://127.0.0.1:${port}`;
	return {
		origin,
		url: `${origin}/echo`,
		pid: child.pid as number,
		counts: async () => (await ask('counts')).counts as ServerCounts,
		events: async () => {
			const m = await ask('events');
			return { handshakes: m.handshakes as number[], requests: m.requests as number[] };
		},
		reset: async (opts = {}) => {
			await ask('reset', { keepConnections: opts.keepConnections === true });
		},
		close: async () => {
			if (exited) return;
			await Promise.race([ask('close').catch(() => undefined), exitPromise]);
			if (!exited) child.kill('SIGKILL');
			await exitPromise;
		},
	};
}
