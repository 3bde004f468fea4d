/**
 * A token store in this process's memory. One TokenCache without a store already is the
 * per-process cache; this store lets several TokenCache instances of one process share tokens and
 * the fetch lease, the way several n8n workers share the Redis store. Used to test the lease logic
 * with an injected clock, and usable when one process hosts several independent caches.
 */
import { randomBytes } from 'crypto';
import type { StoredToken, TokenStore } from './types';

interface Timed<T> {
	value: T;
	until: number;
}

export class MemoryTokenStore implements TokenStore {
	readonly name = 'memory';
	private readonly tokens = new Map<string, Timed<StoredToken>>();
	private readonly leases = new Map<string, Timed<string>>();
	private readonly now: () => number;

	constructor(opts: { now?: () => number } = {}) {
		this.now = opts.now ?? Date.now;
	}

	private live<T>(map: Map<string, Timed<T>>, key: string): T | undefined {
		const hit = map.get(key);
		if (!hit) return undefined;
		if (hit.until <= this.now()) {
			map.delete(key);
			return undefined;
		}
		return hit.value;
	}

	async read(key: string): Promise<StoredToken | undefined> {
		const hit = this.live(this.tokens, key);
		return hit && { token: { ...hit.token }, storedAt: hit.storedAt };
	}

	async write(key: string, entry: StoredToken, ttlMs: number): Promise<void> {
		if (!(ttlMs > 0)) return;
		this.tokens.set(key, { value: { token: { ...entry.token }, storedAt: entry.storedAt }, until: this.now() + ttlMs });
	}

	async deleteIfValue(key: string, value: string): Promise<boolean> {
		const hit = this.live(this.tokens, key);
		if (!hit || hit.token.value !== value) return false;
		this.tokens.delete(key);
		return true;
	}

	async delete(key: string): Promise<void> {
		this.tokens.delete(key);
	}

	async acquireLease(key: string, ttlMs: number): Promise<string | undefined> {
		if (this.live(this.leases, key) !== undefined) return undefined;
		const owner = randomBytes(12).toString('hex');
		this.leases.set(key, { value: owner, until: this.now() + ttlMs });
		return owner;
	}

	async renewLease(key: string, owner: string, ttlMs: number): Promise<boolean> {
		if (this.live(this.leases, key) !== owner) return false;
		this.leases.set(key, { value: owner, until: this.now() + ttlMs });
		return true;
	}

	async releaseLease(key: string, owner: string): Promise<void> {
		if (this.live(this.leases, key) === owner) this.leases.delete(key);
	}

	/** Drops every expired entry (entries are otherwise dropped when read); returns how many. */
	sweep(): number {
		const now = this.now();
		let dropped = 0;
		for (const map of [this.tokens, this.leases] as Array<Map<string, Timed<unknown>>>) {
			for (const [key, hit] of map) {
				if (hit.until <= now) {
					map.delete(key);
					dropped++;
				}
			}
		}
		return dropped;
	}

	/** Live entries (tokens and leases), for tests and diagnostics. */
	size(): number {
		return this.tokens.size + this.leases.size;
	}

	/** Who holds the lease of `key` now (tests). */
	leaseOwner(key: string): string | undefined {
		return this.live(this.leases, key);
	}

	async close(): Promise<void> {
		this.tokens.clear();
		this.leases.clear();
	}
}
