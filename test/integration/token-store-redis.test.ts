/**
 * The Redis token store against a REAL redis-server (test/support/redis-server.ts, free 127.0.0.1 port,
 * temp folder). Two TokenCache instances, each with its own RedisTokenStore (own connection), stand
 * for two n8n workers; the token endpoint is a local HTTP server that counts requests.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { TokenCache, type CachedToken } from '../../lib/auth/token-cache';
import { RedisTokenStore } from '../../lib/auth/store/redis';
import { LpError } from '../../lib/errors';
import { startRedis, type RedisServer } from '../support/redis-server';

let redis: RedisServer;
let idp: http.Server;
let idpUrl = '';
let tokenRequests = 0;
let delayMs = 0;
const encryptionKey = randomBytes(24).toString('base64');
const stores: RedisTokenStore[] = [];

beforeAll(async () => {
	redis = await startRedis();
	idp = http.createServer((req, res) => {
		tokenRequests++;
		const n = tokenRequests;
		setTimeout(() => {
			res.writeHead(200, { 'content-type': 'application/json' });
			res.end(JSON.stringify({ access_token: `tok-${n}-${randomBytes(6).toString('hex')}`, expires_in: 3600, token_type: 'Bearer' }));
		}, delayMs);
	});
	await new Promise<void>((r) => idp.listen(0, '127.0.0.1', () => r()));
	idpUrl = `http://127.0.0.1:${(idp.address() as AddressInfo).port}/token`;
}, 30_000);

afterAll(async () => {
	for (const s of stores) await s.close();
	idp.closeAllConnections();
	await new Promise<void>((r) => idp.close(() => r()));
	await redis?.stop();
});

beforeEach(async () => {
	tokenRequests = 0;
	delayMs = 0;
	await redis.cli('FLUSHALL');
});

async function fetchToken(): Promise<CachedToken> {
	const res = await fetch(idpUrl, { method: 'POST' });
	const body = (await res.json()) as { access_token: string; expires_in: number; token_type: string };
	return { value: body.access_token, expiresAt: Date.now() + body.expires_in * 1000, tokenType: body.token_type };
}

function worker(opts: ConstructorParameters<typeof TokenCache>[0] = {}) {
	const store = new RedisTokenStore({ host: redis.host, port: redis.port, encryptionKey, commandTimeoutMs: 1000, connectTimeoutMs: 2000 });
	stores.push(store);
	const warnings: string[] = [];
	const cache = new TokenCache({ store, logger: { warn: (m) => warnings.push(m) }, ...opts });
	return { cache, store, warnings };
}

const KEY = 'credential-fingerprint-abc';

test('200 concurrent callers on 2 workers → 1 token request; Redis holds only an encrypted record', async () => {
	delayMs = 150;
	const a = worker();
	const b = worker();
	const got = await Promise.all(Array.from({ length: 200 }, (_, i) => (i % 2 ? a : b).cache.get(KEY, fetchToken)));
	expect(tokenRequests).toBe(1);
	expect(new Set(got.map((t) => t.value)).size).toBe(1);
	const keys = (await redis.cli('--scan')).split('\n').filter(Boolean);
	expect(keys).toEqual([a.store.redisKeys(KEY).token]);
	expect(keys[0]).not.toContain(KEY);
	const record = await redis.cli('HGET', keys[0], 'r');
	expect(record).not.toContain(got[0].value);
	expect(JSON.parse(record)).toEqual(expect.objectContaining({ v: 1, kid: expect.any(String), iv: expect.any(String), tag: expect.any(String) }));
	const ttl = Number(await redis.cli('PTTL', keys[0]));
	expect(ttl).toBeGreaterThan(3_500_000);
	expect(ttl).toBeLessThanOrEqual(3_600_000);
	// The lease is gone (released, not left to expire).
	expect(await redis.cli('EXISTS', a.store.redisKeys(KEY).lease)).toBe('0');
}, 30_000);

test('403 storm on 2 workers → 1 re-login cluster-wide', async () => {
	const a = worker();
	const b = worker();
	const first = await a.cache.get(KEY, fetchToken);
	expect((await b.cache.get(KEY, fetchToken)).value).toBe(first.value);
	expect(tokenRequests).toBe(1);
	delayMs = 50;
	const renewed = await Promise.all(
		Array.from({ length: 200 }, async (_, i) => {
			const w = i % 2 ? a : b;
			await w.cache.invalidate(KEY, first.value);
			return w.cache.get(KEY, fetchToken);
		}),
	);
	expect(tokenRequests).toBe(2);
	expect(new Set(renewed.map((t) => t.value)).size).toBe(1);
	expect(renewed[0].value).not.toBe(first.value);
}, 30_000);

test('another encryption key cannot read the tokens (it fetches its own)', async () => {
	const a = worker();
	await a.cache.get(KEY, fetchToken);
	const other = new RedisTokenStore({ host: redis.host, port: redis.port, encryptionKey: randomBytes(24).toString('hex') });
	stores.push(other);
	expect(await other.read(KEY)).toBeUndefined();
	const forged = new TokenCache({ store: other });
	await forged.get(KEY, fetchToken);
	expect(tokenRequests).toBe(2);
}, 30_000);

test('a lease holder that dies (no release) → the lease expires, one worker takes over, one login', async () => {
	const a = worker({ leaseMs: 1_000 });
	const b = worker({ leaseMs: 1_000 });
	// The "dead" holder: a third connection takes the lease and then disappears without releasing it.
	const dead = new RedisTokenStore({ host: redis.host, port: redis.port, encryptionKey });
	const owner = await dead.acquireLease(KEY, 1_000);
	expect(owner).toMatch(/^\d+:[0-9a-f]+$/);
	await dead.close();
	const t0 = Date.now();
	const got = await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 ? a : b).cache.get(KEY, fetchToken)));
	const waited = Date.now() - t0;
	expect(tokenRequests).toBe(1);
	expect(new Set(got.map((t) => t.value)).size).toBe(1);
	expect(waited).toBeGreaterThanOrEqual(800);
	expect(waited).toBeLessThan(5_000);
	expect(a.cache.stats().leaseTakeovers + b.cache.stats().leaseTakeovers).toBe(1);
}, 30_000);

test('Redis killed mid-run → every call still gets a token, ONE warning per worker, back to shared after restart', async () => {
	const a = worker({ storeRetryMs: 200 });
	const b = worker({ storeRetryMs: 200 });
	await Promise.all([a.cache.get(KEY, fetchToken), b.cache.get(KEY, fetchToken)]);
	expect(tokenRequests).toBe(1);
	await redis.kill();
	// Tokens expire and get rejected while Redis is down: each call must still succeed.
	const results: string[] = [];
	for (let round = 0; round < 5; round++) {
		for (const w of [a, b]) {
			const t = await w.cache.get(KEY, fetchToken);
			results.push(t.value);
			await w.cache.invalidate(KEY, t.value);
		}
		await new Promise((r) => setTimeout(r, 250));
	}
	expect(results).toHaveLength(10);
	expect(a.warnings).toHaveLength(1);
	expect(b.warnings).toHaveLength(1);
	expect(a.warnings[0]).toMatch(/shared token store \(redis\) failed/);
	expect(a.warnings[0]).not.toContain(encryptionKey);
	expect(a.cache.stats().storeErrors).toBeGreaterThan(0);
	// Redis is back (empty): the workers share again, still without another warning.
	await redis.restart();
	await new Promise((r) => setTimeout(r, 2_500));
	const before = tokenRequests;
	for (const w of [a, b]) await w.cache.invalidate(KEY);
	await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).cache.get(KEY, fetchToken)));
	expect(tokenRequests - before).toBe(1);
	expect(a.warnings).toHaveLength(1);
	expect(b.warnings).toHaveLength(1);
}, 60_000);

test('no Redis at all → per-process cache with one warning, no failed call', async () => {
	const store = new RedisTokenStore({ host: '127.0.0.1', port: 1, encryptionKey, connectTimeoutMs: 300 });
	stores.push(store);
	const warnings: string[] = [];
	const cache = new TokenCache({ store, logger: { warn: (m) => warnings.push(m) } });
	const got = await Promise.all(Array.from({ length: 20 }, () => cache.get(KEY, fetchToken)));
	expect(new Set(got.map((t) => t.value)).size).toBe(1);
	expect(tokenRequests).toBe(1);
	expect(warnings).toHaveLength(1);
	expect(warnings[0]).toContain('ECONNREFUSED');
}, 30_000);

test('a Redis error reply becomes a token-store LpError naming only its code (never an unknown error)', async () => {
	const { store } = worker();
	const secretKey = `secret-${randomBytes(6).toString('hex')}`;
	// The token's Redis key holds a plain string: HGET answers "WRONGTYPE Operation against a key…".
	await redis.cli('SET', store.redisKeys(secretKey).token, 'not-a-hash');
	const error = await store.read(secretKey).then(
		() => undefined,
		(e: unknown) => e,
	);
	expect(error).toBeInstanceOf(LpError);
	expect(error).toMatchObject({ kind: 'network', code: 'TOKEN_STORE_ERROR', message: 'The Redis token store failed (WRONGTYPE)' });
	expect(JSON.stringify((error as LpError).toJSON())).not.toContain(secretKey);
});
