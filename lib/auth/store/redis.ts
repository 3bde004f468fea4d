/**
 * A token store on Redis (ioredis), shared by every process that points at the same Redis and has the
 * same encryption key: in n8n queue mode, the main process and all workers.
 *
 * Layout (all names under `keyPrefix`, default "n8n-nodes-liveperson:", with a hash tag so a
 * credential's two keys live in one Redis Cluster slot; <name> = HMAC of the cache key, see seal.ts):
 *   <prefix>{<name>}:token   hash { h: keyed hash of the token value, r: AES-256-GCM record }, PX = token expiry
 *   <prefix>{<name>}:lease   string "<pid>:<random>", SET NX PX; renewed and released only by its owner
 * Compare-and-delete (rejected token, lease release) and compare-and-extend (lease renewal) are Lua
 * scripts, so they are atomic on the server.
 *
 * Settings are plain values (lib/ never reads n8n's configuration): nodes/shared/tokenStore.ts maps
 * n8n's QUEUE_BULL_REDIS_* environment onto them. Commands fail fast while Redis is unreachable
 * (no offline queue, short command timeout) so the cache can fall back to its per-process copy.
 */
import { randomBytes } from 'crypto';
import type { ConnectionOptions } from 'tls';
import IORedis, { Cluster, type ClusterNode, type Redis, type RedisOptions } from 'ioredis';
import { LpError } from '../../errors';
import { TokenSealer } from './seal';
import type { StoredToken, TokenStore } from './types';

export interface RedisTokenStoreSettings {
	host?: string;
	port?: number;
	db?: number;
	username?: string;
	password?: string;
	/** true for TLS with the system's trust, or TLS options. */
	tls?: boolean | ConnectionOptions;
	/** Redis Cluster: the seed nodes (host/port/db of a single server are then ignored). */
	clusterNodes?: Array<{ host: string; port: number }>;
	/** The secret every process shares (n8n: N8N_ENCRYPTION_KEY); keys are derived from it. */
	encryptionKey: string;
	keyPrefix?: string;
	/** A command that takes longer fails (the cache then falls back). Default 2000 ms. */
	commandTimeoutMs?: number;
	/** How long the first connection may take before commands fail. Default 3000 ms. */
	connectTimeoutMs?: number;
}

export const DEFAULT_KEY_PREFIX = 'n8n-nodes-liveperson:';

const SCRIPTS = {
	lpTokenSet: {
		numberOfKeys: 1,
		lua: "redis.call('DEL', KEYS[1]); redis.call('HSET', KEYS[1], 'h', ARGV[1], 'r', ARGV[2]); redis.call('PEXPIRE', KEYS[1], ARGV[3]); return 1",
	},
	lpTokenDelIfHash: {
		numberOfKeys: 1,
		lua: "if redis.call('HGET', KEYS[1], 'h') == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end",
	},
	lpLeaseRenew: {
		numberOfKeys: 1,
		lua: "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end",
	},
	lpLeaseRelease: {
		numberOfKeys: 1,
		lua: "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end",
	},
} as const;

type ScriptClient = (Redis | Cluster) & {
	lpTokenSet(key: string, hash: string, record: string, ttlMs: number): Promise<number>;
	lpTokenDelIfHash(key: string, hash: string): Promise<number>;
	lpLeaseRenew(key: string, owner: string, ttlMs: number): Promise<number>;
	lpLeaseRelease(key: string, owner: string): Promise<number>;
};

function positive(value: number | undefined, fallback: number): number {
	return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : fallback;
}

export class RedisTokenStore implements TokenStore {
	readonly name = 'redis';
	private readonly client: ScriptClient;
	private readonly sealer: TokenSealer;
	private readonly prefix: string;
	private readonly connectTimeoutMs: number;
	private readonly firstReady: Promise<void>;
	private everReady = false;
	private closed = false;
	/** The last connection error (code or class only: a message may quote the URL). */
	lastError: string | undefined;

	constructor(settings: RedisTokenStoreSettings) {
		this.sealer = new TokenSealer(settings.encryptionKey);
		this.prefix = settings.keyPrefix ?? DEFAULT_KEY_PREFIX;
		this.connectTimeoutMs = positive(settings.connectTimeoutMs, 3000);
		const commandTimeout = positive(settings.commandTimeoutMs, 2000);
		const tls = settings.tls === true ? {} : settings.tls || undefined;
		const common: RedisOptions = {
			username: settings.username || undefined,
			password: settings.password || undefined,
			tls,
			commandTimeout,
			connectTimeout: this.connectTimeoutMs,
			enableOfflineQueue: false,
			maxRetriesPerRequest: 0,
			// Reconnect forever, at most every 2 s: the cache uses Redis again once it is back.
			retryStrategy: (times: number) => (this.closed ? null : Math.min(100 * times, 2000)),
			connectionName: 'n8n-nodes-liveperson-tokens',
			// A socket that never connected is destroyed after this on close() (ioredis default: 2 s).
			disconnectTimeout: 200,
		};
		if (settings.clusterNodes?.length) {
			const nodes: ClusterNode[] = settings.clusterNodes.map((n) => ({ host: n.host, port: n.port }));
			this.client = new Cluster(nodes, {
				redisOptions: common,
				enableOfflineQueue: false,
				clusterRetryStrategy: (times: number) => (this.closed ? null : Math.min(100 * times, 2000)),
			}) as ScriptClient;
		} else {
			this.client = new IORedis({
				...common,
				host: settings.host || 'localhost',
				port: positive(settings.port, 6379),
				db: settings.db ?? 0,
			}) as ScriptClient;
		}
		for (const [name, def] of Object.entries(SCRIPTS)) {
			this.client.defineCommand(name, { numberOfKeys: def.numberOfKeys, lua: def.lua });
		}
		this.client.on('error', (e: NodeJS.ErrnoException) => {
			this.lastError = e?.code || e?.name || 'Error';
		});
		this.firstReady = new Promise<void>((resolve) => {
			this.client.once('ready', () => {
				this.everReady = true;
				resolve();
			});
		});
		this.firstReady.catch(() => undefined);
	}

	/** The connected client; rejects at once while a once-working connection is down. */
	private async ready(): Promise<ScriptClient> {
		if (this.closed) throw new LpError('config', 'The Redis token store is closed', { code: 'TOKEN_STORE_CLOSED' });
		if (this.client.status === 'ready') return this.client;
		if (!this.everReady) {
			let timer: NodeJS.Timeout | undefined;
			const timeout = new Promise<never>((_, reject) => {
				timer = setTimeout(() => reject(this.unreachable()), this.connectTimeoutMs);
				timer.unref?.();
			});
			try {
				await Promise.race([this.firstReady, timeout]);
			} finally {
				clearTimeout(timer);
			}
			if ((this.client.status as string) === 'ready') return this.client;
		}
		throw this.unreachable();
	}

	private unreachable(): LpError {
		return new LpError('network', `Redis is unreachable${this.lastError ? ` (${this.lastError})` : ''}`, {
			code: 'TOKEN_STORE_UNAVAILABLE',
		});
	}

	private keys(key: string): { token: string; lease: string; name: string } {
		const name = this.sealer.name(key);
		return { name, token: `${this.prefix}{${name}}:token`, lease: `${this.prefix}{${name}}:lease` };
	}

	/**
	 * Runs one Redis command; a failure of the client (a Redis error reply such as NOAUTH or OOM, a
	 * dropped connection) becomes an LpError naming only its code: callers and users then see a
	 * token-store problem, not an unknown error.
	 */
	private async run<T>(command: (c: ScriptClient) => Promise<T>): Promise<T> {
		const c = await this.ready();
		try {
			return await command(c);
		} catch (error) {
			if (error instanceof LpError) throw error;
			const e = error as { code?: unknown; name?: unknown; message?: unknown } | undefined;
			// Redis error replies start with an upper-case word (WRONGTYPE, NOAUTH, OOM): that word is safe to show.
			const word = typeof e?.message === 'string' ? /^[A-Z][A-Z0-9_]{1,30}(?=\s|$)/.exec(e.message)?.[0] : undefined;
			const why = (typeof e?.code === 'string' && e.code) || word || (typeof e?.name === 'string' && e.name) || 'Error';
			throw new LpError('network', `The Redis token store failed (${why})`, {
				code: 'TOKEN_STORE_ERROR',
				cause: error,
				hint: "Check the Redis server n8n's queue mode uses (QUEUE_BULL_REDIS_*): that it is up, accepts the password and has memory left.",
			});
		}
	}

	async read(key: string): Promise<StoredToken | undefined> {
		const { name, token } = this.keys(key);
		const record = await this.run((c) => c.hget(token, 'r'));
		return record ? this.sealer.open(name, record) : undefined;
	}

	async write(key: string, entry: StoredToken, ttlMs: number): Promise<void> {
		const ttl = Math.ceil(ttlMs);
		if (!(ttl > 0)) return;
		const { name, token } = this.keys(key);
		await this.run((c) => c.lpTokenSet(token, this.sealer.valueHash(entry.token.value), this.sealer.seal(name, entry), ttl));
	}

	async deleteIfValue(key: string, value: string): Promise<boolean> {
		return (await this.run((c) => c.lpTokenDelIfHash(this.keys(key).token, this.sealer.valueHash(value)))) === 1;
	}

	async delete(key: string): Promise<void> {
		await this.run((c) => c.del(this.keys(key).token));
	}

	async acquireLease(key: string, ttlMs: number): Promise<string | undefined> {
		const owner = `${process.pid}:${randomBytes(12).toString('hex')}`;
		const ok = await this.run((c) => c.set(this.keys(key).lease, owner, 'PX', Math.ceil(ttlMs), 'NX'));
		return ok === 'OK' ? owner : undefined;
	}

	async renewLease(key: string, owner: string, ttlMs: number): Promise<boolean> {
		return (await this.run((c) => c.lpLeaseRenew(this.keys(key).lease, owner, Math.ceil(ttlMs)))) === 1;
	}

	async releaseLease(key: string, owner: string): Promise<void> {
		await this.run((c) => c.lpLeaseRelease(this.keys(key).lease, owner));
	}

	/** The Redis names of a cache key (tests and diagnostics; reveals nothing about the key). */
	redisKeys(key: string): { token: string; lease: string } {
		const { token, lease } = this.keys(key);
		return { token, lease };
	}

	async close(): Promise<void> {
		if (this.closed) return;
		this.closed = true;
		try {
			if (this.client.status === 'ready') await this.client.quit();
			else this.client.disconnect();
		} catch {
			this.client.disconnect();
		}
	}
}
