/**
 * Process-wide cache of access tokens, keyed by a fingerprint of the credential (never by the
 * secret itself). Single-flight per key: however many items ask at once for a token that is
 * missing or about to expire, the fetcher runs exactly once and every caller gets its result.
 *
 * - A failed fetch is not cached: every waiter of that flight gets the same rejection, the next
 *   `get` tries again.
 * - A token is refreshed `marginMs` before it expires (default 60 s), but never earlier than half
 *   its lifetime (a 30 s token is used for 15 s, not refetched on every call).
 * - `invalidate(key, value)` drops the token only if it is still the one the caller used, so 200
 *   items that all received a 403 with the same token cause one re-login, not 200.
 *
 * With a shared store (`useStore`, lib/auth/store/: Redis in n8n queue mode) the same holds across
 * processes: a process that misses reads the store; if the store has nothing fresh, the process
 * takes the store's fetch lease (one holder cluster-wide, renewed while the fetch runs, released
 * after) and fetches, while the others poll the store for the value (bounded: after `waitMs` they
 * fetch themselves). A lease whose holder died expires after `leaseMs` and the next waiter takes it
 * over. `invalidate(key, value)` deletes the shared token only if it is still that value, so a 403
 * storm on every worker causes one re-login in the whole cluster. When the store fails, the cache
 * logs one warning, goes on per process (never failing an item for it) and tries the store again
 * after `storeRetryMs`.
 */
import { createHash } from 'crypto';
import { decodeJwt } from 'jose';
import { LpError } from '../errors';
import type { StoreLogger, TokenStore } from './store/types';

export interface CachedToken {
	value: string;
	/** Epoch milliseconds; Infinity = no expiry. */
	expiresAt: number;
	tokenType?: string;
	extra?: Record<string, unknown>;
}

export interface TokenCacheOptions {
	/** Refresh this early; default 60_000, capped at half the token's lifetime. */
	marginMs?: number;
	now?: () => number;
	/** Largest number of cached tokens; the least recently used is dropped first. Default 1000. */
	maxEntries?: number;
	/** A store shared with other processes (see useStore). */
	store?: TokenStore;
	/** Lifetime of the cross-process fetch lease, renewed every third of it while the fetch runs. Default 10_000. */
	leaseMs?: number;
	/** How long a process waits for another one's fetch before fetching itself. Default 30_000. */
	waitMs?: number;
	/** First poll interval while waiting (doubles up to 250 ms). Default 25. */
	pollMs?: number;
	/** After a store failure, the store is skipped for this long. Default 5_000. */
	storeRetryMs?: number;
	/** Where the one "store unavailable" warning goes. Default console.warn. */
	logger?: StoreLogger;
	/** Injectable sleep (tests with a fake clock). */
	sleep?: (ms: number) => Promise<void>;
}

/** Counters since the cache was made (or since `clear`). */
export interface TokenCacheStats {
	/** Tokens served from this process's copy. */
	hits: number;
	/** Tokens read from the shared store (fetched by this or another process). */
	storeHits: number;
	/** Fetcher calls made by this process (token requests / logins). */
	fetches: number;
	/** Of those, fetches made without the lease because the wait ran out or the store failed. */
	fetchesWithoutLease: number;
	/** Polls while another process held the lease. */
	waits: number;
	/** Leases taken after waiting for another holder (a holder that finished without a token, or died). */
	leaseTakeovers: number;
	invalidations: number;
	storeErrors: number;
	/** Cached tokens in this process. */
	size: number;
	/** The store's name ('none' without one) and whether it is currently skipped after a failure. */
	store: string;
	storeDegraded: boolean;
}

interface Entry {
	token: CachedToken;
	/** When the token was stored (start of its known lifetime). */
	storedAt: number;
}

interface Flight {
	promise: Promise<CachedToken>;
	/** Generations when the flight started: a delete/clear since then means "do not store". */
	keyGeneration: number;
	globalGeneration: number;
}

export const DEFAULT_MARGIN_MS = 60_000;
export const DEFAULT_MAX_ENTRIES = 1000;
export const DEFAULT_LEASE_MS = 10_000;
export const DEFAULT_WAIT_MS = 30_000;
/** Shared tokens without expiry are kept this long in the store. */
const STORE_MAX_TTL_MS = 24 * 3600 * 1000;
/** Rejected values remembered per key, so a stale store read cannot bring one back. */
const REJECTED_PER_KEY = 4;

/** An error of the shared store, as opposed to an error of the fetcher. */
class StoreFailure extends Error {
	constructor(readonly original: unknown) {
		super('token store failure');
	}
}

function num(value: number | undefined, fallback: number, min = 0): number {
	return typeof value === 'number' && Number.isFinite(value) && value >= min ? value : fallback;
}

function hashValue(value: string): string {
	return createHash('sha256').update(value).digest('base64url');
}

const realSleep = (ms: number) =>
	new Promise<void>((resolve) => {
		setTimeout(resolve, ms);
	});

export class TokenCache {
	private readonly marginMs: number;
	private readonly now: () => number;
	private readonly maxEntries: number;
	private leaseMs: number;
	private waitMs: number;
	private readonly pollMs: number;
	private readonly storeRetryMs: number;
	private readonly sleep: (ms: number) => Promise<void>;
	private logger: StoreLogger;
	private store: TokenStore | undefined;
	private storeSkipUntil = 0;
	private warned = false;
	private readonly entries = new Map<string, Entry>();
	private readonly flights = new Map<string, Flight>();
	private readonly generations = new Map<string, number>();
	private readonly rejected = new Map<string, string[]>();
	private readonly pendingInvalidations = new Map<string, Promise<void>>();
	private globalGeneration = 0;
	private counters = TokenCache.zero();

	constructor(opts: TokenCacheOptions = {}) {
		const margin = opts.marginMs ?? DEFAULT_MARGIN_MS;
		this.marginMs = Number.isFinite(margin) && margin > 0 ? margin : 0;
		this.now = opts.now ?? (() => Date.now()); // late-bound: a test clock that replaces Date is seen
		const max = opts.maxEntries ?? DEFAULT_MAX_ENTRIES;
		this.maxEntries = Number.isFinite(max) && max >= 1 ? Math.floor(max) : DEFAULT_MAX_ENTRIES;
		this.leaseMs = num(opts.leaseMs, DEFAULT_LEASE_MS, 100);
		this.waitMs = num(opts.waitMs, DEFAULT_WAIT_MS);
		this.pollMs = num(opts.pollMs, 25, 1);
		this.storeRetryMs = num(opts.storeRetryMs, 5_000);
		this.sleep = opts.sleep ?? realSleep;
		this.logger = opts.logger ?? { warn: (m) => console.warn(m) };
		this.store = opts.store;
	}

	private static zero() {
		return { hits: 0, storeHits: 0, fetches: 0, fetchesWithoutLease: 0, waits: 0, leaseTakeovers: 0, invalidations: 0, storeErrors: 0 };
	}

	/**
	 * Puts a shared store behind this cache (or removes it with undefined). Tokens already cached in
	 * this process stay; the previous store is not closed (its owner closes it).
	 */
	useStore(store: TokenStore | undefined, opts: { logger?: StoreLogger } = {}): void {
		this.store = store;
		this.storeSkipUntil = 0;
		this.warned = false;
		if (opts.logger) this.logger = opts.logger;
	}

	/** Changes the lease lifetime and the bounded wait (values that are not numbers are ignored). */
	configure(opts: Pick<TokenCacheOptions, 'leaseMs' | 'waitMs'>): void {
		this.leaseMs = num(opts.leaseMs, this.leaseMs, 100);
		this.waitMs = num(opts.waitMs, this.waitMs);
	}

	/** The shared store, if any. */
	currentStore(): TokenStore | undefined {
		return this.store;
	}

	stats(): TokenCacheStats {
		return {
			...this.counters,
			size: this.entries.size,
			store: this.store?.name ?? 'none',
			storeDegraded: !!this.store && this.now() < this.storeSkipUntil,
		};
	}

	/** True while the token may still be used (before expiry minus the capped margin). */
	private isFresh(entry: Entry, now: number): boolean {
		const { expiresAt } = entry.token;
		if (expiresAt === Infinity) return true;
		const lifetime = Math.max(0, expiresAt - entry.storedAt);
		const margin = Math.min(this.marginMs, lifetime / 2);
		return now < expiresAt - margin;
	}

	private isCurrent(key: string, flight: Flight): boolean {
		return flight.globalGeneration === this.globalGeneration && flight.keyGeneration === (this.generations.get(key) ?? 0);
	}

	async get(key: string, fetcher: () => Promise<CachedToken>): Promise<CachedToken> {
		const entry = this.entries.get(key);
		if (entry) {
			if (this.isFresh(entry, this.now())) {
				// LRU: move to the end of the insertion order.
				this.entries.delete(key);
				this.entries.set(key, entry);
				this.counters.hits++;
				return entry.token;
			}
			this.entries.delete(key);
		}
		const running = this.flights.get(key);
		if (running) return running.promise;

		const flight: Flight = {
			keyGeneration: this.generations.get(key) ?? 0,
			globalGeneration: this.globalGeneration,
			promise: undefined as unknown as Promise<CachedToken>,
		};
		flight.promise = (async () => {
			try {
				const got = await this.obtain(key, fetcher);
				if (this.isCurrent(key, flight)) this.storeLocal(key, got);
				return got.token;
			} finally {
				if (this.flights.get(key) === flight) this.flights.delete(key);
			}
		})();
		this.flights.set(key, flight);
		return flight.promise;
	}

	/** A token from the shared store or the fetcher (one call per process, see get). */
	private async obtain(key: string, fetcher: () => Promise<CachedToken>): Promise<Entry> {
		const store = this.usableStore();
		if (store) {
			try {
				const shared = await this.obtainShared(store, key, fetcher);
				if (shared) return shared;
			} catch (error) {
				if (!(error instanceof StoreFailure)) throw error;
				this.storeFailed(store, error.original);
			}
			this.counters.fetchesWithoutLease++;
		}
		return this.fetchNow(fetcher);
	}

	private async fetchNow(fetcher: () => Promise<CachedToken>): Promise<Entry> {
		this.counters.fetches++;
		const token = checkToken(await fetcher());
		return { token, storedAt: this.now() };
	}

	/** Runs a store call; its failure becomes a StoreFailure (so it is told apart from the fetcher's). */
	private async s<T>(call: () => Promise<T>): Promise<T> {
		try {
			return await call();
		} catch (error) {
			throw new StoreFailure(error);
		}
	}

	/**
	 * The cross-process part: read, else lease + fetch + write, else wait for the holder. Undefined
	 * when the wait ran out (the caller then fetches without the lease).
	 */
	private async obtainShared(store: TokenStore, key: string, fetcher: () => Promise<CachedToken>): Promise<Entry | undefined> {
		const pending = this.pendingInvalidations.get(key);
		if (pending) await pending;
		const deadline = this.now() + this.waitMs;
		let poll = this.pollMs;
		let waited = false;
		for (;;) {
			const found = await this.s(() => store.read(key));
			if (found && this.isFresh(found, this.now()) && !this.isRejected(key, found.token.value)) {
				this.counters.storeHits++;
				return found;
			}
			const owner = await this.s(() => store.acquireLease(key, this.leaseMs));
			if (owner) {
				if (waited) this.counters.leaseTakeovers++;
				return this.fetchUnderLease(store, key, owner, fetcher);
			}
			if (this.now() >= deadline) return undefined;
			this.counters.waits++;
			waited = true;
			await this.sleep(poll);
			poll = Math.min(poll * 2, 250);
		}
	}

	private async fetchUnderLease(store: TokenStore, key: string, owner: string, fetcher: () => Promise<CachedToken>): Promise<Entry> {
		let released = false;
		const release = () => {
			if (released) return;
			released = true;
			store.releaseLease(key, owner).catch((e) => this.storeFailed(store, e));
		};
		try {
			// Someone may have stored a token between our read and our lease.
			const again = await this.s(() => store.read(key));
			if (again && this.isFresh(again, this.now()) && !this.isRejected(key, again.token.value)) {
				this.counters.storeHits++;
				return again;
			}
		} catch (error) {
			release();
			throw error;
		}
		const renew = setInterval(
			() => {
				store.renewLease(key, owner, this.leaseMs).catch(() => undefined);
			},
			Math.max(50, Math.floor(this.leaseMs / 3)),
		);
		renew.unref?.();
		try {
			const got = await this.fetchNow(fetcher);
			const ttl = got.token.expiresAt === Infinity ? STORE_MAX_TTL_MS : got.token.expiresAt - this.now();
			if (ttl > 0) {
				try {
					await store.write(key, got, Math.min(ttl, STORE_MAX_TTL_MS));
				} catch (e) {
					// The token is good: hand it out anyway, the other processes fetch their own.
					this.storeFailed(store, e);
				}
			}
			return got;
		} finally {
			clearInterval(renew);
			release();
		}
	}

	private usableStore(): TokenStore | undefined {
		if (!this.store) return undefined;
		return this.now() < this.storeSkipUntil ? undefined : this.store;
	}

	private storeFailed(store: TokenStore, error: unknown): void {
		this.counters.storeErrors++;
		if (store !== this.store) return;
		this.storeSkipUntil = this.now() + this.storeRetryMs;
		if (this.warned) return;
		this.warned = true;
		const code =
			error instanceof LpError ? error.message : (error as NodeJS.ErrnoException)?.code || (error as Error)?.name || 'unknown error';
		try {
			this.logger.warn(
				`n8n-nodes-liveperson: the shared token store (${store.name}) failed (${code}); tokens are cached per process until it answers again, so each process may log in on its own. This warning is shown once.`,
			);
		} catch {
			/* a logger must not fail an item */
		}
	}

	private isRejected(key: string, value: string): boolean {
		const list = this.rejected.get(key);
		return !!list && list.includes(hashValue(value));
	}

	private rememberRejected(key: string, value: string): void {
		const list = this.rejected.get(key) ?? [];
		const h = hashValue(value);
		if (!list.includes(h)) list.push(h);
		while (list.length > REJECTED_PER_KEY) list.shift();
		this.rejected.delete(key);
		this.rejected.set(key, list);
		while (this.rejected.size > this.maxEntries) this.rejected.delete(this.rejected.keys().next().value as string);
	}

	private storeLocal(key: string, got: Entry): void {
		// A token that is already unusable is handed to the waiters but not kept.
		if (!(got.token.expiresAt > this.now())) return;
		this.entries.delete(key);
		this.entries.set(key, { token: got.token, storedAt: got.storedAt });
		while (this.entries.size > this.maxEntries) {
			const oldest = this.entries.keys().next().value as string;
			this.entries.delete(oldest);
		}
	}

	/**
	 * Drops the cached token; with `value`, only when the cached token is still that one. With a shared
	 * store, the shared token is deleted the same way (compare-and-delete on the value), so however
	 * many processes report the same rejected token, one of them fetches the next. The returned
	 * promise settles when the store has answered (it never rejects); a `get` made meanwhile waits
	 * for it.
	 */
	invalidate(key: string, value?: string): Promise<void> {
		this.counters.invalidations++;
		const entry = this.entries.get(key);
		if (entry && (value === undefined || entry.token.value === value)) this.entries.delete(key);
		if (value !== undefined) this.rememberRejected(key, value);
		const store = this.usableStore();
		if (!store) return Promise.resolve();
		const previous = this.pendingInvalidations.get(key) ?? Promise.resolve();
		const p: Promise<void> = previous
			.then(() => (value === undefined ? store.delete(key) : store.deleteIfValue(key, value).then(() => undefined)))
			.catch((e) => this.storeFailed(store, e))
			.finally(() => {
				if (this.pendingInvalidations.get(key) === p) this.pendingInvalidations.delete(key);
			});
		this.pendingInvalidations.set(key, p);
		return p;
	}

	/** Forgets the key entirely in this process: the cached token, and any running fetch will not be stored. */
	delete(key: string): void {
		this.entries.delete(key);
		this.flights.delete(key);
		this.rejected.delete(key);
		this.generations.set(key, (this.generations.get(key) ?? 0) + 1);
	}

	/** Empties this process's copy and counters (the shared store is left as it is). */
	clear(): void {
		this.entries.clear();
		this.flights.clear();
		this.generations.clear();
		this.rejected.clear();
		this.globalGeneration++;
		this.counters = TokenCache.zero();
	}

	/** Number of cached tokens (running fetches not counted). */
	size(): number {
		return this.entries.size;
	}
}

function checkToken(token: CachedToken): CachedToken {
	if (!token || typeof token.value !== 'string' || token.value.length === 0) {
		throw new LpError('response', 'The token fetcher returned no access token', { code: 'TOKEN_MISSING' });
	}
	if (typeof token.expiresAt !== 'number' || Number.isNaN(token.expiresAt)) {
		throw new LpError('response', 'The token fetcher returned no valid expiry time', { code: 'TOKEN_EXPIRY_INVALID' });
	}
	return token;
}

/** Process-wide cache shared by every node and credential of this package. */
export const tokenCache = new TokenCache();

/** JSON with object keys sorted at every level, so equal data gives equal text. */
function stableJson(value: unknown, seen: Set<unknown> = new Set()): string {
	if (value === undefined) return '{"$u":1}';
	if (value === null || typeof value === 'boolean') return JSON.stringify(value);
	if (typeof value === 'number') return Number.isFinite(value) ? JSON.stringify(value) : `{"$n":"${String(value)}"}`;
	if (typeof value === 'string') return JSON.stringify(value);
	if (typeof value === 'bigint') return `{"$b":"${value.toString()}"}`;
	if (typeof value === 'function' || typeof value === 'symbol') return `{"$f":${JSON.stringify(String(value))}}`;
	if (Buffer.isBuffer(value) || value instanceof Uint8Array) return `{"$buf":"${Buffer.from(value).toString('base64')}"}`;
	if (value instanceof Date) return `{"$d":${JSON.stringify(value.toISOString())}}`;
	if (seen.has(value)) return '{"$cycle":1}';
	seen.add(value);
	let out: string;
	if (Array.isArray(value)) {
		out = `[${value.map((v) => stableJson(v, seen)).join(',')}]`;
	} else {
		const obj = value as Record<string, unknown>;
		const keys = Object.keys(obj)
			.filter((k) => obj[k] !== undefined)
			.sort();
		out = `{${keys.map((k) => `${JSON.stringify(k)}:${stableJson(obj[k], seen)}`).join(',')}}`;
	}
	seen.delete(value);
	return out;
}

/**
 * A cache key from credential fields (secrets included): sha256 hex of a stable JSON of the
 * parts, so the key changes when any field changes and reveals nothing about them.
 */
export function fingerprint(...parts: unknown[]): string {
	return createHash('sha256').update('n8n-nodes-liveperson/fingerprint/v1\n').update(stableJson(parts)).digest('hex');
}

export interface ExpiresAtInput {
	/** OAuth `expires_in`: seconds, as a number or a numeric string. */
	expiresIn?: number | string;
	/** A JWT access token: its `exp` claim is read (not verified). Opaque tokens are ignored. */
	jwt?: string;
	/** A lifetime in milliseconds (e.g. LivePerson `sessionTTl`), number or numeric string. */
	ttlMs?: number | string;
	now?: number;
	/** Lifetime used when nothing else is known; without it the token never expires (Infinity). */
	defaultMs?: number;
}

function numeric(value: unknown, field: string): number {
	// Only numbers and numeric strings: anything else (objects, arrays) must not reach String(), which
	// can throw a TypeError for hostile shapes ({toString: ''}).
	const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value) ? Number(value) : NaN;
	if (!Number.isFinite(n) || n < 0) {
		throw new LpError('response', `The token answer has an invalid "${field}": a non-negative number was expected`, {
			field,
			code: 'TOKEN_EXPIRY_INVALID',
		});
	}
	return n;
}

/**
 * When a token expires (epoch ms). Every known source counts and the earliest wins: `expires_in`
 * seconds, a millisecond TTL, the JWT `exp`. Unreadable values throw LpError kind 'response'.
 */
export function expiresAtFrom(input: ExpiresAtInput): number {
	const now = input.now ?? Date.now();
	if (typeof now !== 'number' || !Number.isFinite(now)) {
		throw new LpError('input', 'expiresAtFrom needs a finite "now"', { field: 'now', code: 'INVALID_INPUT' });
	}
	const candidates: number[] = [];
	if (input.expiresIn !== undefined && input.expiresIn !== null) {
		candidates.push(now + numeric(input.expiresIn, 'expires_in') * 1000);
	}
	if (input.ttlMs !== undefined && input.ttlMs !== null) {
		candidates.push(now + numeric(input.ttlMs, 'ttl'));
	}
	if (typeof input.jwt === 'string' && /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(input.jwt)) {
		let exp: unknown;
		try {
			exp = decodeJwt(input.jwt).exp;
		} catch (error) {
			throw new LpError('response', 'The access token looks like a JWT but cannot be decoded', { code: 'TOKEN_JWT_INVALID', cause: error });
		}
		if (exp !== undefined) {
			if (typeof exp !== 'number' || !Number.isFinite(exp)) {
				throw new LpError('response', 'The access token (JWT) has an invalid "exp" claim', { field: 'exp', code: 'TOKEN_EXPIRY_INVALID' });
			}
			candidates.push(exp * 1000);
		}
	} else if (input.jwt !== undefined && typeof input.jwt !== 'string') {
		throw new LpError('response', 'The access token is not a string', { code: 'TOKEN_INVALID' });
	}
	if (candidates.length === 0) {
		const d = input.defaultMs;
		return typeof d === 'number' && Number.isFinite(d) && d >= 0 ? now + d : Infinity;
	}
	return Math.min(...candidates);
}
