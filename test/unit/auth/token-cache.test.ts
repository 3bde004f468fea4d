import fc from 'fast-check';
import { SignJWT, UnsecuredJWT } from 'jose';
import { LpError } from '../../../lib/errors';
import { CachedToken, TokenCache, expiresAtFrom, fingerprint, tokenCache } from '../../../lib/auth/token-cache';

function clock(start = 1_700_000_000_000) {
	let t = start;
	return { now: () => t, advance: (ms: number) => (t += ms), set: (v: number) => (t = v) };
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

describe('TokenCache', () => {
	test('200 concurrent waiters on a missing token cause exactly one fetch', async () => {
		const c = clock();
		const cache = new TokenCache({ now: c.now });
		const gate = deferred<CachedToken>();
		const fetcher = jest.fn(() => gate.promise);
		const waiters = Array.from({ length: 200 }, () => cache.get('k', fetcher));
		gate.resolve({ value: 'tok-1', expiresAt: c.now() + 3_600_000 });
		const results = await Promise.all(waiters);
		expect(fetcher).toHaveBeenCalledTimes(1);
		expect(new Set(results.map((r) => r.value))).toEqual(new Set(['tok-1']));
		// Later callers get the cached token without a fetch.
		await cache.get('k', fetcher);
		expect(fetcher).toHaveBeenCalledTimes(1);
		expect(cache.size()).toBe(1);
	});

	test('200 concurrent waiters on an expired token cause exactly one refetch', async () => {
		const c = clock();
		const cache = new TokenCache({ now: c.now });
		let n = 0;
		const fetcher = jest.fn(async () => ({ value: `tok-${++n}`, expiresAt: c.now() + 600_000 }));
		await cache.get('k', fetcher);
		c.advance(600_000);
		const results = await Promise.all(Array.from({ length: 200 }, () => cache.get('k', fetcher)));
		expect(fetcher).toHaveBeenCalledTimes(2);
		expect(results.every((r) => r.value === 'tok-2')).toBe(true);
	});

	test('separate keys are fetched separately', async () => {
		const cache = new TokenCache();
		const fetcher = jest.fn(async () => ({ value: 'v', expiresAt: Infinity }));
		await Promise.all([cache.get('a', fetcher), cache.get('b', fetcher), cache.get('a', fetcher)]);
		expect(fetcher).toHaveBeenCalledTimes(2);
	});

	test('refreshes marginMs before expiry', async () => {
		const c = clock();
		const cache = new TokenCache({ now: c.now, marginMs: 60_000 });
		let n = 0;
		const fetcher = jest.fn(async () => ({ value: `tok-${++n}`, expiresAt: c.now() + 3_600_000 }));
		await cache.get('k', fetcher);
		c.advance(3_600_000 - 60_001);
		expect((await cache.get('k', fetcher)).value).toBe('tok-1');
		c.advance(1);
		expect((await cache.get('k', fetcher)).value).toBe('tok-2');
		expect(fetcher).toHaveBeenCalledTimes(2);
	});

	test('the margin is capped at half the lifetime', async () => {
		const c = clock();
		const cache = new TokenCache({ now: c.now, marginMs: 60_000 });
		let n = 0;
		const fetcher = jest.fn(async () => ({ value: `tok-${++n}`, expiresAt: c.now() + 30_000 }));
		await cache.get('k', fetcher);
		c.advance(14_999);
		expect((await cache.get('k', fetcher)).value).toBe('tok-1');
		c.advance(1);
		expect((await cache.get('k', fetcher)).value).toBe('tok-2');
	});

	test('default margin is 60 s', async () => {
		const c = clock();
		const cache = new TokenCache({ now: c.now });
		let n = 0;
		const fetcher = async () => ({ value: `tok-${++n}`, expiresAt: c.now() + 600_000 });
		await cache.get('k', fetcher);
		c.advance(540_000 - 1);
		expect((await cache.get('k', fetcher)).value).toBe('tok-1');
		c.advance(1);
		expect((await cache.get('k', fetcher)).value).toBe('tok-2');
	});

	test('Infinity never expires', async () => {
		const c = clock();
		const cache = new TokenCache({ now: c.now });
		const fetcher = jest.fn(async () => ({ value: 'forever', expiresAt: Infinity }));
		await cache.get('k', fetcher);
		c.advance(10 * 365 * 24 * 3_600_000);
		await cache.get('k', fetcher);
		expect(fetcher).toHaveBeenCalledTimes(1);
	});

	test('invalidate with a value drops only that token: 200 stale 403s cause one re-login', async () => {
		const c = clock();
		const cache = new TokenCache({ now: c.now });
		let n = 0;
		const fetcher = jest.fn(async () => ({ value: `tok-${++n}`, expiresAt: c.now() + 3_600_000 }));
		const first = await cache.get('k', fetcher);
		// 200 items all used tok-1 and all got a 403.
		const retried = await Promise.all(
			Array.from({ length: 200 }, async () => {
				cache.invalidate('k', first.value);
				return cache.get('k', fetcher);
			}),
		);
		expect(fetcher).toHaveBeenCalledTimes(2);
		expect(retried.every((t) => t.value === 'tok-2')).toBe(true);
		// A late 403 that still carries tok-1 must not drop tok-2.
		cache.invalidate('k', 'tok-1');
		expect((await cache.get('k', fetcher)).value).toBe('tok-2');
		expect(fetcher).toHaveBeenCalledTimes(2);
		// invalidate without a value always drops.
		cache.invalidate('k');
		expect((await cache.get('k', fetcher)).value).toBe('tok-3');
	});

	test('a failed fetch is not cached and rejects all waiters', async () => {
		const cache = new TokenCache();
		const gate = deferred<CachedToken>();
		const failing = jest.fn(() => gate.promise);
		const waiters = Array.from({ length: 50 }, () => cache.get('k', failing));
		const boom = new LpError('auth', 'login refused');
		gate.reject(boom);
		const settled = await Promise.allSettled(waiters);
		expect(failing).toHaveBeenCalledTimes(1);
		expect(settled.every((s) => s.status === 'rejected' && s.reason === boom)).toBe(true);
		expect(cache.size()).toBe(0);
		const ok = jest.fn(async () => ({ value: 'good', expiresAt: Infinity }));
		expect((await cache.get('k', ok)).value).toBe('good');
		expect(ok).toHaveBeenCalledTimes(1);
	});

	test('a synchronous throw in the fetcher is a rejection, not a crash', async () => {
		const cache = new TokenCache();
		const fetcher = (() => {
			throw new LpError('auth', 'nope');
		}) as unknown as () => Promise<CachedToken>;
		await expect(cache.get('k', fetcher)).rejects.toThrow('nope');
		expect(cache.size()).toBe(0);
	});

	test('a fetcher result without value or expiry is rejected as LpError', async () => {
		const cache = new TokenCache();
		await expect(cache.get('k', async () => ({ value: '', expiresAt: Infinity }))).rejects.toBeInstanceOf(LpError);
		await expect(cache.get('k', async () => ({ value: 'x', expiresAt: NaN }))).rejects.toBeInstanceOf(LpError);
		expect(cache.size()).toBe(0);
	});

	test('an already expired token is returned but not kept', async () => {
		const c = clock();
		const cache = new TokenCache({ now: c.now });
		const fetcher = jest.fn(async () => ({ value: 'old', expiresAt: c.now() - 1 }));
		expect((await cache.get('k', fetcher)).value).toBe('old');
		expect(cache.size()).toBe(0);
	});

	test('delete during a running fetch: the result reaches the waiter but is not stored', async () => {
		const cache = new TokenCache();
		const gate = deferred<CachedToken>();
		const waiter = cache.get('k', () => gate.promise);
		cache.delete('k');
		gate.resolve({ value: 'v', expiresAt: Infinity });
		expect((await waiter).value).toBe('v');
		expect(cache.size()).toBe(0);
	});

	test('clear during a running fetch: nothing is stored', async () => {
		const cache = new TokenCache();
		const gate = deferred<CachedToken>();
		const waiter = cache.get('k', () => gate.promise);
		cache.clear();
		gate.resolve({ value: 'v', expiresAt: Infinity });
		await waiter;
		expect(cache.size()).toBe(0);
	});

	test('maxEntries evicts the least recently used', async () => {
		const cache = new TokenCache({ maxEntries: 2 });
		const f = (v: string) => jest.fn(async () => ({ value: v, expiresAt: Infinity }));
		await cache.get('a', f('a'));
		await cache.get('b', f('b'));
		await cache.get('a', f('x')); // touch a
		await cache.get('c', f('c')); // evicts b
		expect(cache.size()).toBe(2);
		const fb = f('b2');
		expect((await cache.get('b', fb)).value).toBe('b2');
		expect(fb).toHaveBeenCalledTimes(1);
	});

	test('the process-wide cache exists', () => {
		expect(tokenCache).toBeInstanceOf(TokenCache);
	});
});

describe('fingerprint', () => {
	test('is sha256 hex, stable across key order, and reveals nothing', () => {
		const a = fingerprint('type', { clientId: 'id', clientSecret: 's3cr3t-value', scope: undefined });
		const b = fingerprint('type', { clientSecret: 's3cr3t-value', clientId: 'id' });
		expect(a).toMatch(/^[0-9a-f]{64}$/);
		expect(a).toBe(b);
		expect(a).not.toContain('s3cr3t');
	});
	test('changes when any field changes', () => {
		const base = fingerprint({ clientId: 'id', clientSecret: 'one' });
		expect(fingerprint({ clientId: 'id', clientSecret: 'two' })).not.toBe(base);
		expect(fingerprint({ clientId: 'id2', clientSecret: 'one' })).not.toBe(base);
		expect(fingerprint(['a', 'b'])).not.toBe(fingerprint(['ab']));
		expect(fingerprint('a', 'b')).not.toBe(fingerprint('a,b'));
	});
	test('never throws on odd input', () => {
		const cyclic: Record<string, unknown> = { a: 1 };
		cyclic.self = cyclic;
		expect(fingerprint(cyclic, 1n, Buffer.from('x'), new Date(0), NaN, null, undefined)).toMatch(/^[0-9a-f]{64}$/);
		fc.assert(fc.property(fc.anything(), (v) => /^[0-9a-f]{64}$/.test(fingerprint(v))));
	});
});

describe('expiresAtFrom', () => {
	const now = 1_700_000_000_000;
	test('expires_in as number or numeric string (seconds)', () => {
		expect(expiresAtFrom({ expiresIn: 3600, now })).toBe(now + 3_600_000);
		expect(expiresAtFrom({ expiresIn: '3600', now })).toBe(now + 3_600_000);
		expect(expiresAtFrom({ expiresIn: 0, now })).toBe(now);
	});
	test('ttlMs (sessionTTl-style string of ms)', () => {
		expect(expiresAtFrom({ ttlMs: '1800000', now })).toBe(now + 1_800_000);
		expect(expiresAtFrom({ ttlMs: 5000, now })).toBe(now + 5000);
	});
	test('JWT exp, read without verification', async () => {
		const exp = Math.floor(now / 1000) + 120;
		const jwt = new UnsecuredJWT({ sub: 'x' }).setExpirationTime(exp).encode();
		expect(expiresAtFrom({ jwt, now })).toBe(exp * 1000);
		const signed = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(exp).sign(new Uint8Array(32));
		expect(expiresAtFrom({ jwt: signed, now })).toBe(exp * 1000);
	});
	test('the earliest known wins', () => {
		const exp = Math.floor(now / 1000) + 120;
		const jwt = new UnsecuredJWT({}).setExpirationTime(exp).encode();
		expect(expiresAtFrom({ expiresIn: 3600, jwt, now })).toBe(exp * 1000);
		expect(expiresAtFrom({ expiresIn: 60, jwt, ttlMs: 90_000, now })).toBe(now + 60_000);
		expect(expiresAtFrom({ expiresIn: 600, ttlMs: '90000', now })).toBe(now + 90_000);
	});
	test('nothing known: defaultMs, else Infinity; opaque tokens and JWTs without exp are no information', () => {
		expect(expiresAtFrom({ now })).toBe(Infinity);
		expect(expiresAtFrom({ now, defaultMs: 1000 })).toBe(now + 1000);
		expect(expiresAtFrom({ jwt: 'opaque-token-value', now })).toBe(Infinity);
		expect(expiresAtFrom({ jwt: new UnsecuredJWT({ a: 1 }).encode(), now })).toBe(Infinity);
	});
	test('garbage is LpError kind response', () => {
		for (const bad of ['', 'abc', '-5', '1e3', 'NaN', '12s']) {
			expect(() => expiresAtFrom({ expiresIn: bad, now })).toThrow(LpError);
		}
		for (const bad of [NaN, -1, Infinity]) {
			expect(() => expiresAtFrom({ expiresIn: bad, now })).toThrow(LpError);
			expect(() => expiresAtFrom({ ttlMs: bad, now })).toThrow(LpError);
		}
		try {
			expiresAtFrom({ expiresIn: 'soon', now });
			throw new Error('no throw');
		} catch (e) {
			expect(e).toBeInstanceOf(LpError);
			expect((e as LpError).kind).toBe('response');
		}
		// JWT-shaped but not decodable.
		expect(() => expiresAtFrom({ jwt: 'aaaa.bbbb.cccc', now })).toThrow(LpError);
		const badExp = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"exp":"tomorrow"}').toString('base64url')}.`;
		expect(() => expiresAtFrom({ jwt: badExp, now })).toThrow(LpError);
	});
	test('property: never throws anything but LpError', () => {
		const value = fc.oneof(fc.string(), fc.double(), fc.integer(), fc.constant(undefined), fc.anything());
		fc.assert(
			fc.property(value, value, value, value, (expiresIn, jwt, ttlMs, defaultMs) => {
				try {
					const r = expiresAtFrom({ expiresIn, jwt, ttlMs, defaultMs, now } as never);
					return typeof r === 'number' && !Number.isNaN(r);
				} catch (e) {
					return e instanceof LpError;
				}
			}),
			{ numRuns: 2000 },
		);
		// JWT-like strings assembled from base64url parts of random JSON.
		const part = fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v)).toString('base64url'));
		fc.assert(
			fc.property(part, part, fc.string(), (h, p, s) => {
				try {
					expiresAtFrom({ jwt: `${h}.${p}.${s}`, now });
					return true;
				} catch (e) {
					return e instanceof LpError;
				}
			}),
			{ numRuns: 1000 },
		);
	});
});

describe('expiresAtFrom with hostile shapes (found by the property test, seed 1619005950)', () => {
	test('an array holding an object whose toString is not a function gives LpError, not TypeError', () => {
		const hostile = [{ toString: '' }] as unknown as string;
		expect(() => expiresAtFrom({ ttlMs: hostile, now: 0 })).toThrow(LpError);
		expect(() => expiresAtFrom({ expiresIn: hostile, now: 0 })).toThrow(LpError);
	});
});
