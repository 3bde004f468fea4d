/**
 * The n8n boundary of the shared token store: the only code that reads n8n's queue-mode settings.
 * Called when a node of this package first runs in a process (nodes/shared/execute.ts). In queue mode
 * (EXECUTIONS_MODE=queue) it puts a Redis store, on the Redis that n8n's Bull queue already uses,
 * behind the process-wide token cache, so the main process and every worker share tokens and make one
 * token request per credential per token lifetime. Anything missing (no encryption key) or failing
 * (Redis down) leaves the per-process cache in place, with one warning; an item never fails for it.
 *
 * Read from process.env (the names n8n itself uses; a `<NAME>_FILE` variant is read for the secrets,
 * as n8n does):
 *   EXECUTIONS_MODE=queue            turns the shared store on (LP_TOKEN_STORE=memory turns it off,
 *                                    LP_TOKEN_STORE=redis turns it on outside queue mode)
 *   QUEUE_BULL_REDIS_HOST / _PORT / _DB / _USERNAME / _PASSWORD / _TLS (true/false)
 *   QUEUE_BULL_REDIS_CLUSTER_NODES   "host:port,host:port" (Redis Cluster)
 *   N8N_ENCRYPTION_KEY               the key the store's keys are derived from; without it, n8n's
 *                                    <N8N_USER_FOLDER>/.n8n/config "encryptionKey" is read
 *   LP_TOKEN_LEASE_MS / LP_TOKEN_WAIT_MS  lease lifetime and bounded wait (defaults 10 s / 30 s)
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { tokenCache, type TokenCache } from '../../lib/auth/token-cache';
import type { StoreLogger } from '../../lib/auth/store/types';
import type { RedisTokenStoreSettings } from '../../lib/auth/store/redis';

type Env = Record<string, string | undefined>;

function secretFrom(env: Env, name: string): string | undefined {
	const direct = env[name];
	if (direct) return direct;
	const file = env[`${name}_FILE`];
	if (!file) return undefined;
	try {
		return fs.readFileSync(file, 'utf8').trim() || undefined;
	} catch {
		return undefined;
	}
}

function encryptionKeyFrom(env: Env): string | undefined {
	const fromEnv = secretFrom(env, 'N8N_ENCRYPTION_KEY');
	if (fromEnv) return fromEnv;
	const base = env.N8N_USER_FOLDER || os.homedir();
	try {
		const config = JSON.parse(fs.readFileSync(path.join(base, '.n8n', 'config'), 'utf8')) as { encryptionKey?: unknown };
		return typeof config.encryptionKey === 'string' && config.encryptionKey ? config.encryptionKey : undefined;
	} catch {
		return undefined;
	}
}

function int(value: string | undefined): number | undefined {
	if (value === undefined || value.trim() === '') return undefined;
	const n = Number(value);
	return Number.isInteger(n) && n >= 0 ? n : undefined;
}

/** Whether this process should share tokens, and the store settings (plain values for lib/). */
export function tokenStoreSettingsFromEnv(env: Env = process.env): { settings?: RedisTokenStoreSettings; reason: string } {
	const wanted = (env.LP_TOKEN_STORE ?? '').trim().toLowerCase();
	if (wanted === 'memory') return { reason: 'LP_TOKEN_STORE=memory' };
	if (env.EXECUTIONS_MODE !== 'queue' && wanted !== 'redis') return { reason: 'not in queue mode' };
	const encryptionKey = encryptionKeyFrom(env);
	if (!encryptionKey) return { reason: 'no N8N_ENCRYPTION_KEY' };
	const clusterNodes = (env.QUEUE_BULL_REDIS_CLUSTER_NODES ?? '')
		.split(',')
		.map((s) => s.trim())
		.filter(Boolean)
		.map((hp) => {
			const at = hp.lastIndexOf(':');
			return { host: at > 0 ? hp.slice(0, at) : hp, port: int(at > 0 ? hp.slice(at + 1) : '') ?? 6379 };
		});
	return {
		reason: 'queue mode',
		settings: {
			host: env.QUEUE_BULL_REDIS_HOST || 'localhost',
			port: int(env.QUEUE_BULL_REDIS_PORT) ?? 6379,
			db: int(env.QUEUE_BULL_REDIS_DB) ?? 0,
			username: env.QUEUE_BULL_REDIS_USERNAME || undefined,
			password: secretFrom(env, 'QUEUE_BULL_REDIS_PASSWORD'),
			tls: /^(true|1)$/i.test(env.QUEUE_BULL_REDIS_TLS ?? ''),
			clusterNodes: clusterNodes.length ? clusterNodes : undefined,
			encryptionKey,
		},
	};
}

let installing: Promise<void> | undefined;

/**
 * Installs the shared store behind `cache` once per process (later calls return the same promise).
 * Never rejects.
 */
export function ensureSharedTokenStore(logger?: StoreLogger, env: Env = process.env, cache: TokenCache = tokenCache): Promise<void> {
	if (installing) return installing;
	installing = (async () => {
		const warn = (m: string) => {
			try {
				(logger ?? { warn: (x: string) => console.warn(x) }).warn(m);
			} catch {
				/* never fail an item for a log line */
			}
		};
		const { settings, reason } = tokenStoreSettingsFromEnv(env);
		if (!settings) {
			if (reason === 'no N8N_ENCRYPTION_KEY') {
				warn('n8n-nodes-liveperson: queue mode without N8N_ENCRYPTION_KEY: tokens are cached per process (each worker logs in on its own).');
			}
			return;
		}
		try {
			// Loaded only in queue mode: a single n8n never loads the Redis client.
			const { RedisTokenStore } = await import('../../lib/auth/store/redis');
			const store = new RedisTokenStore(settings);
			const lease = int(env.LP_TOKEN_LEASE_MS);
			const wait = int(env.LP_TOKEN_WAIT_MS);
			if (lease || wait) cache.configure({ leaseMs: lease, waitMs: wait });
			cache.useStore(store, { logger: logger ? { warn } : undefined });
		} catch (error) {
			warn(`n8n-nodes-liveperson: the shared token store could not be set up (${(error as Error)?.message ?? 'unknown error'}); tokens are cached per process.`);
		}
	})();
	return installing;
}

/** Tests: forget that the store was installed. */
export function resetSharedTokenStoreForTests(): void {
	installing = undefined;
}
