/**
 * (c) raw undici and the lib row, run in a child process on the Node binary of the n8n under test
 * (n8n 2.41 runs on Node 24, 2.8.4 on Node 20): a ratio (a)/(c) then compares one runtime, not two.
 * The parent (bench/run.ts) forks this file with that Node and tsx's CommonJS hook; the counting
 * server stays in the parent, reached through IPC (reset, counts).
 *
 * Parent → child: { type: 'sequential' | 'round', id, job }   child → parent: { type: 'result', id, ... }
 * Child → parent: { type: 'server', id, op: 'reset' | 'counts', opts }  parent → child: { type: 'server-reply', id, value }
 */
import { closeAllDispatchers } from '../lib/http';
import { closeAllAgents } from '../lib/tls/agent-pool';
import { measureLibThroughput, type LibRun, type StoreFixture } from './lib-level';
import type { CountingServer, ServerCounts } from './mtls-server';
import { rawUndici, type RawRun } from './raw-undici';

export interface LimitJob {
	url: string;
	tls: { key: string; cert: string; ca: string };
	store: StoreFixture;
	n: number;
	concurrency: number;
	warmup: number;
}

export type LimitRequest = { type: 'sequential' | 'round' | 'exit'; id: number; job?: LimitJob };
export type LimitReply =
	| { type: 'result'; id: number; sequential?: RawRun; c?: RawRun; lib?: LibRun; node: string }
	| { type: 'error'; id: number; message: string }
	| { type: 'server'; id: number; op: 'reset' | 'counts'; opts?: { keepConnections?: boolean } };

let nextServerCall = 1;
const waiting = new Map<number, (value: unknown) => void>();

function send(msg: LimitReply): void {
	(process.send as (m: unknown) => boolean)(msg);
}

function serverCall<T>(op: 'reset' | 'counts', opts?: { keepConnections?: boolean }): Promise<T> {
	const id = nextServerCall++;
	return new Promise<T>((resolve) => {
		waiting.set(id, resolve as (value: unknown) => void);
		send({ type: 'server', id, op, opts });
	});
}

/** The parent's counting server, as far as measureLibThroughput uses it. */
function remoteServer(url: string): CountingServer {
	return {
		origin: new URL(url).origin,
		url,
		pid: 0,
		counts: () => serverCall<ServerCounts>('counts'),
		events: () => Promise.reject(new Error('events() is not available in the limit child')),
		reset: (opts) => serverCall<void>('reset', opts),
		close: () => Promise.resolve(),
	};
}

async function handle(req: LimitRequest): Promise<void> {
	const job = req.job as LimitJob;
	try {
		if (req.type === 'sequential') {
			await serverCall('reset');
			const sequential = await rawUndici(job.url, job.tls, job.n, 1, job.warmup);
			send({ type: 'result', id: req.id, sequential, node: process.version });
		} else {
			await serverCall('reset');
			const c = await rawUndici(job.url, job.tls, job.n, job.concurrency, job.warmup);
			await serverCall('reset');
			const lib = await measureLibThroughput(remoteServer(job.url), job.store, job.n, job.concurrency, job.warmup);
			send({ type: 'result', id: req.id, c, lib, node: process.version });
		}
	} catch (e) {
		send({ type: 'error', id: req.id, message: e instanceof Error ? e.message : String(e) });
	}
}

process.on('message', (msg: LimitRequest | { type: 'server-reply'; id: number; value: unknown }) => {
	if (msg.type === 'server-reply') {
		const resolve = waiting.get(msg.id);
		waiting.delete(msg.id);
		resolve?.(msg.value);
	} else if (msg.type === 'exit') {
		void Promise.all([closeAllAgents(), closeAllDispatchers()]).finally(() => process.exit(0));
	} else {
		void handle(msg);
	}
});
