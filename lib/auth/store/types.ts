/**
 * The store behind the token cache (lib/auth/token-cache.ts). The cache keeps its per-process copy
 * and its in-process single-flight either way; a store adds what several processes (n8n queue-mode
 * workers) must share: the token itself and a lease that lets one process at a time fetch it.
 *
 * Keys are the cache's keys (credential fingerprints); a store may hash them again before using them
 * as names. Every method may reject (network, server down): the cache treats that as "store
 * unavailable" and goes on per process, it never fails an item because of its store.
 */
import type { CachedToken } from '../token-cache';

export interface StoredToken {
	token: CachedToken;
	/** Epoch ms when the token was fetched (start of its known lifetime, for the refresh margin). */
	storedAt: number;
}

export interface TokenStore {
	/** Short name for stats and log lines, e.g. 'memory' or 'redis'. */
	readonly name: string;
	read(key: string): Promise<StoredToken | undefined>;
	/** Stores the token for `ttlMs` (> 0), replacing any other. */
	write(key: string, entry: StoredToken, ttlMs: number): Promise<void>;
	/** Deletes the token only when its value is still `value` (compare-and-delete). True if deleted. */
	deleteIfValue(key: string, value: string): Promise<boolean>;
	/** Deletes the token whatever it is. */
	delete(key: string): Promise<void>;
	/** Takes the fetch lease of `key` for `ttlMs` if nobody holds it: the owner id, else undefined. */
	acquireLease(key: string, ttlMs: number): Promise<string | undefined>;
	/** Extends the lease if `owner` still holds it. False when it was lost (expired, taken over). */
	renewLease(key: string, owner: string, ttlMs: number): Promise<boolean>;
	/** Gives the lease back if `owner` still holds it (compare-and-delete). */
	releaseLease(key: string, owner: string): Promise<void>;
	close(): Promise<void>;
}

/** Where the cache reports that its store failed (once per process). */
export interface StoreLogger {
	warn(message: string): void;
}
