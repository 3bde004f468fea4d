/**
 * The shared token store logic (lib/auth/token-cache.ts with lib/auth/store/): several TokenCache
 * instances sharing one MemoryTokenStore behave like several n8n workers sharing Redis. A fake clock
 * drives lease expiry and the bounded wait (the injected sleep advances it), so nothing sleeps.
 */
import { randomBytes } from 'crypto';
import { TokenCache, type CachedToken } from '../../../lib/auth/token-cache';
import { MemoryTokenStore } from '../../../lib/auth/store/memory';
import { TokenSealer } from '../../../lib/auth/store/seal';
import type { StoredToken, TokenStore } from '../../../lib/auth/store/types';

function clock(start = 1_700_000_000_000) {
	let t = start;
	return { now: () => t, advance: (ms: number) => (t += ms) };
}

function deferred<T>() {
	let resolve!: (v: T) => void;
	let reject!: (e: unknown) => void;
	const promise = new Promise<T>((res, rej) => {
		resolve = res;
		reject = rej;
	});
	return { promise, resolve, reject };
}

/** A sleep that moves the fake clock and yields to other promises. */
function fakeSleep(c: ReturnType<typeof clock>) {
	return async (ms: number) => {
		c.advance(ms);
		await new Promise((r) => setImmediate(r));
	};
}

function workers(n: number, c: ReturnType<typeof clock>, store: TokenStore, extra: Partial<ConstructorParameters<typeof TokenCache>[0]> = {}) {
	const warnings: string[] = [];
	const caches = Array.from(
		{ length: n },
		() => new TokenCache({ now: c.now, store, sleep: fakeSleep(c), logger: { warn: (m) => warnings.push(m) }, ...extra }),
	);
	return { caches, warnings };
}

describe('TokenSealer (HKDF-SHA256 → AES-256-GCM)', () => {
	const key = randomBytes(24).toString('hex');
	const entry: StoredToken = { token: { value: 'tok-secret-1', expiresAt: 1_700_000_600_000, tokenType: 'Bearer' }, storedAt: 1_700_000_000_000 };

	test('round trip; the record shows neither the token nor the key; random IV per seal', () => {
		const s = new TokenSealer(key);
		const name = s.name('cache-key');
		const a = s.seal(name, entry);
		const b = s.seal(name, entry);
		expect(a).not.toBe(b);
		for (const text of [a, b]) {
			expect(text).not.toContain('tok-secret-1');
			expect(text).not.toContain(key);
			expect(JSON.parse(text)).toEqual(expect.objectContaining({ v: 1, kid: s.keyId }));
		}
		expect(s.open(name, a)).toEqual(entry);
	});

	test('Infinity expiry survives JSON', () => {
		const s = new TokenSealer(key);
		const e: StoredToken = { token: { value: 'v', expiresAt: Infinity }, storedAt: 1 };
		expect(s.open('n', s.seal('n', e))).toEqual(e);
	});

	test('another key, another name, a flipped bit or garbage: not opened (undefined, no throw)', () => {
		const s = new TokenSealer(key);
		const sealed = s.seal('n1', entry);
		expect(new TokenSealer(randomBytes(24).toString('hex')).open('n1', sealed)).toBeUndefined();
		expect(s.open('n2', sealed)).toBeUndefined();
		const rec = JSON.parse(sealed);
		const ct = Buffer.from(rec.ct, 'base64url');
		ct[0] ^= 1;
		expect(s.open('n1', JSON.stringify({ ...rec, ct: ct.toString('base64url') }))).toBeUndefined();
		expect(s.open('n1', JSON.stringify({ ...rec, v: 2 }))).toBeUndefined();
		expect(s.open('n1', 'not json')).toBeUndefined();
		expect(s.open('n1', '{}')).toBeUndefined();
	});

	test('names and value hashes are keyed: same input, other key → other output; deterministic per key', () => {
		const s1 = new TokenSealer(key);
		const s2 = new TokenSealer(key);
		const s3 = new TokenSealer(randomBytes(24).toString('hex'));
		expect(s1.name('k')).toBe(s2.name('k'));
		expect(s1.name('k')).not.toBe(s3.name('k'));
		expect(s1.name('k')).not.toContain('k'.repeat(2));
		expect(s1.valueHash('t')).toBe(s2.valueHash('t'));
		expect(s1.valueHash('t')).not.toBe(s3.valueHash('t'));
		expect(s1.keyId).toMatch(/^[0-9a-f]{16}$/);
		expect(s1.keyId).not.toBe(s3.keyId);
	});

	test('a short key is refused with a typed error naming the setting', () => {
		expect(() => new TokenSealer('short')).toThrow(/N8N_ENCRYPTION_KEY/);
	});
});

describe('TokenCache over a shared store (fake clock)', () => {
	test('200 callers on 2 workers → 1 fetch; the second worker reads the store', async () => {
		const c = clock();
		const store = new MemoryTokenStore({ now: c.now });
		const { caches } = workers(2, c, store);
		const gate = deferred<CachedToken>();
		const fetcher = jest.fn(() => gate.promise);
		const all = Array.from({ length: 200 }, (_, i) => caches[i % 2].get('k', fetcher));
		await new Promise((r) => setImmediate(r));
		gate.resolve({ value: 'tok-1', expiresAt: c.now() + 3_600_000 });
		const results = await Promise.all(all);
		expect(fetcher).toHaveBeenCalledTimes(1);
		expect(new Set(results.map((r) => r.value))).toEqual(new Set(['tok-1']));
		const [a, b] = caches.map((x) => x.stats());
		expect(a.fetches + b.fetches).toBe(1);
		expect(a.storeHits + b.storeHits).toBe(1);
		expect(a.store).toBe('memory');
	});

	test('invalidate storm on both workers → 1 re-login; a stale value is never brought back', async () => {
		const c = clock();
		const store = new MemoryTokenStore({ now: c.now });
		const { caches } = workers(2, c, store);
		let n = 0;
		const fetcher = jest.fn(async () => ({ value: `tok-${++n}`, expiresAt: c.now() + 3_600_000 }));
		await Promise.all(caches.map((x) => x.get('k', fetcher)));
		expect(fetcher).toHaveBeenCalledTimes(1);
		// 100 items per worker got a 403 with tok-1: each reports it, then asks again.
		const again = await Promise.all(
			Array.from({ length: 200 }, async (_, i) => {
				await caches[i % 2].invalidate('k', 'tok-1');
				return caches[i % 2].get('k', fetcher);
			}),
		);
		expect(fetcher).toHaveBeenCalledTimes(2);
		expect(new Set(again.map((t) => t.value))).toEqual(new Set(['tok-2']));
		// A late report of the old token does not drop the new one.
		await caches[0].invalidate('k', 'tok-1');
		expect((await store.read('k'))?.token.value).toBe('tok-2');
	});

	test('a lease holder that died: waiters poll, the lease expires, ONE takes over (one extra login)', async () => {
		const c = clock();
		const store = new MemoryTokenStore({ now: c.now });
		// The dead worker: took the lease, never wrote, never released, never renews.
		const dead = await store.acquireLease('k', 10_000);
		expect(dead).toBeDefined();
		const { caches } = workers(2, c, store, { leaseMs: 10_000, waitMs: 30_000 });
		const fetcher = jest.fn(async () => ({ value: 'tok-2', expiresAt: c.now() + 3_600_000 }));
		const t0 = c.now();
		const got = await Promise.all(Array.from({ length: 50 }, (_, i) => caches[i % 2].get('k', fetcher)));
		expect(fetcher).toHaveBeenCalledTimes(1);
		expect(got.every((t) => t.value === 'tok-2')).toBe(true);
		expect(c.now() - t0).toBeGreaterThanOrEqual(10_000);
		expect(c.now() - t0).toBeLessThan(30_000);
		const s = caches.map((x) => x.stats());
		expect(s[0].leaseTakeovers + s[1].leaseTakeovers).toBe(1);
		expect(s[0].fetchesWithoutLease + s[1].fetchesWithoutLease).toBe(0);
	});

	test('the wait is bounded: a holder that keeps the lease past waitMs → the waiter fetches itself', async () => {
		const c = clock();
		const store = new MemoryTokenStore({ now: c.now });
		const owner = await store.acquireLease('k', 60_000);
		expect(owner).toBeDefined();
		const { caches } = workers(1, c, store, { leaseMs: 60_000, waitMs: 5_000 });
		const fetcher = jest.fn(async () => ({ value: 'own', expiresAt: c.now() + 3_600_000 }));
		const t0 = c.now();
		expect((await caches[0].get('k', fetcher)).value).toBe('own');
		expect(fetcher).toHaveBeenCalledTimes(1);
		expect(c.now() - t0).toBeGreaterThanOrEqual(5_000);
		expect(caches[0].stats().fetchesWithoutLease).toBe(1);
	});

	test('a holder whose fetch fails releases the lease; its error reaches its callers; the next worker fetches', async () => {
		const c = clock();
		const store = new MemoryTokenStore({ now: c.now });
		const { caches } = workers(2, c, store);
		const failing = jest.fn(async (): Promise<CachedToken> => {
			throw new Error('idp down');
		});
		await expect(caches[0].get('k', failing)).rejects.toThrow('idp down');
		expect(store.leaseOwner('k')).toBeUndefined();
		const ok = jest.fn(async () => ({ value: 'tok', expiresAt: c.now() + 3_600_000 }));
		expect((await caches[1].get('k', ok)).value).toBe('tok');
		expect(ok).toHaveBeenCalledTimes(1);
	});

	test('the lease is renewed while a slow fetch runs (no second holder)', async () => {
		jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick'] });
		try {
			const c = clock();
			const store = new MemoryTokenStore({ now: c.now });
			const { caches } = workers(1, c, store, { leaseMs: 3_000 });
			const gate = deferred<CachedToken>();
			const p = caches[0].get('k', () => gate.promise);
			for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
			const owner = store.leaseOwner('k');
			expect(owner).toBeDefined();
			// 9 s pass in steps of 1 s: the renewal (every 1 s) keeps the 3 s lease alive.
			for (let i = 0; i < 9; i++) {
				c.advance(1_000);
				jest.advanceTimersByTime(1_000);
				await new Promise((r) => setImmediate(r));
			}
			expect(store.leaseOwner('k')).toBe(owner);
			expect(await store.acquireLease('k', 3_000)).toBeUndefined();
			gate.resolve({ value: 'slow', expiresAt: c.now() + 3_600_000 });
			await p;
			expect(store.leaseOwner('k')).toBeUndefined();
		} finally {
			jest.useRealTimers();
		}
	});

	test('a failing store: items still get tokens, ONE warning, store retried after storeRetryMs', async () => {
		const c = clock();
		const broken: TokenStore = {
			name: 'broken',
			read: jest.fn(async () => {
				throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1 password=hunter2'), { code: 'ECONNREFUSED' });
			}),
			write: jest.fn(),
			deleteIfValue: jest.fn(),
			delete: jest.fn(),
			acquireLease: jest.fn(),
			renewLease: jest.fn(),
			releaseLease: jest.fn(),
			close: jest.fn(),
		};
		const { caches, warnings } = workers(1, c, broken, { storeRetryMs: 5_000 });
		let n = 0;
		const fetcher = jest.fn(async () => ({ value: `t${++n}`, expiresAt: c.now() + 1_000 }));
		expect((await caches[0].get('k', fetcher)).value).toBe('t1');
		expect(caches[0].stats().storeDegraded).toBe(true);
		c.advance(1_000);
		expect((await caches[0].get('k', fetcher)).value).toBe('t2');
		expect(broken.read).toHaveBeenCalledTimes(1);
		c.advance(5_000);
		expect((await caches[0].get('k', fetcher)).value).toBe('t3');
		expect(broken.read).toHaveBeenCalledTimes(2);
		expect(warnings).toHaveLength(1);
		expect(warnings[0]).toContain('ECONNREFUSED');
		expect(warnings[0]).not.toContain('hunter2');
		expect(caches[0].stats().storeErrors).toBe(2);
	});

	test('a store record with a rejected value is ignored even if the store did not delete it', async () => {
		const c = clock();
		const store = new MemoryTokenStore({ now: c.now });
		await store.write('k', { token: { value: 'bad', expiresAt: c.now() + 3_600_000 }, storedAt: c.now() }, 3_600_000);
		const { caches } = workers(1, c, store);
		expect((await caches[0].get('k', async () => ({ value: 'x', expiresAt: Infinity }))).value).toBe('bad');
		// The delete reaches a store that (wrongly) keeps the value.
		jest.spyOn(store, 'deleteIfValue').mockResolvedValue(false);
		await caches[0].invalidate('k', 'bad');
		const fresh = jest.fn(async () => ({ value: 'good', expiresAt: c.now() + 3_600_000 }));
		expect((await caches[0].get('k', fresh)).value).toBe('good');
		expect(fresh).toHaveBeenCalledTimes(1);
	});
});
