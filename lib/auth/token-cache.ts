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
 */
import { createHash } from 'crypto';
import { decodeJwt } from 'jose';
import { LpError } from '../errors';

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

export class TokenCache {
	private readonly marginMs: number;
	private readonly now: () => number;
	private readonly maxEntries: number;
	private readonly entries = new Map<string, Entry>();
	private readonly flights = new Map<string, Flight>();
	private readonly generations = new Map<string, number>();
	private globalGeneration = 0;

	constructor(opts: TokenCacheOptions = {}) {
		const margin = opts.marginMs ?? DEFAULT_MARGIN_MS;
		this.marginMs = Number.isFinite(margin) && margin > 0 ? margin : 0;
		this.now = opts.now ?? (() => Date.now()); // late-bound: a test clock that replaces Date is seen
		const max = opts.maxEntries ?? DEFAULT_MAX_ENTRIES;
		this.maxEntries = Number.isFinite(max) && max >= 1 ? Math.floor(max) : DEFAULT_MAX_ENTRIES;
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
				const token = checkToken(await fetcher());
				if (this.isCurrent(key, flight)) this.store(key, token);
				return token;
			} finally {
				if (this.flights.get(key) === flight) this.flights.delete(key);
			}
		})();
		this.flights.set(key, flight);
		return flight.promise;
	}

	private store(key: string, token: CachedToken): void {
		const storedAt = this.now();
		// A token that is already unusable is handed to the waiters but not kept.
		if (!(token.expiresAt > storedAt)) return;
		this.entries.delete(key);
		this.entries.set(key, { token, storedAt });
		while (this.entries.size > this.maxEntries) {
			const oldest = this.entries.keys().next().value as string;
			this.entries.delete(oldest);
		}
	}

	/** Drops the cached token; with `value`, only when the cached token is still that one. */
	invalidate(key: string, value?: string): void {
		const entry = this.entries.get(key);
		if (!entry) return;
		if (value !== undefined && entry.token.value !== value) return;
		this.entries.delete(key);
	}

	/** Forgets the key entirely: the cached token, and any running fetch will not be stored. */
	delete(key: string): void {
		this.entries.delete(key);
		this.flights.delete(key);
		this.generations.set(key, (this.generations.get(key) ?? 0) + 1);
	}

	clear(): void {
		this.entries.clear();
		this.flights.clear();
		this.generations.clear();
		this.globalGeneration++;
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
