/**
 * JWKS fetched from a local server (counts requests) through the transport and outbound policy:
 * caching, refetch once on an unknown kid, cooldown, key rotation mid-run, policy refusal.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync, KeyObject } from 'node:crypto';
import * as jose from 'jose';
import { OutboundPolicy } from '../../lib/net/policy';
import { JwksCache, verifyJwt } from '../../lib/jwt/verify';

const keyA = generateKeyPairSync('rsa', { modulusLength: 2048 });
const keyB = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const keyC = generateKeyPairSync('ed25519');

const jwk = (k: KeyObject, kid: string, alg: string) => ({ ...k.export({ format: 'jwk' }), kid, alg, use: 'sig' });

let served: object[] = [];
let requests = 0;
let server: http.Server;
let url: string;

beforeAll(async () => {
	server = http.createServer((req, res) => {
		requests++;
		if (req.url === '/html') {
			res.writeHead(200, { 'content-type': 'text/html' });
			res.end('<html>login</html>');
			return;
		}
		res.writeHead(200, { 'content-type': 'application/json' });
		res.end(JSON.stringify({ keys: served }));
	});
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
	url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const sign = (alg: string, key: KeyObject, kid: string) =>
	new jose.SignJWT({ sub: 'conv-1' }).setProtectedHeader({ alg, kid }).setIssuer('https://va.sentinel.liveperson.net').setExpirationTime('5m').sign(key);

const loopback = new OutboundPolicy({ allow: ['127.0.0.0/8'] });

describe('JWKS verification', () => {
	it('fetches once, caches, refetches once on a rotated kid, respects the cooldown', async () => {
		let clock = 1_000_000;
		const cache = new JwksCache({ maxAgeMs: 60_000, cooldownMs: 10_000, now: () => clock });
		const options = { key: { type: 'jwks' as const, url, policy: loopback, cache }, algorithms: ['RS256', 'ES256', 'EdDSA'], issuer: 'https://va.sentinel.liveperson.net' };
		served = [jwk(keyA.publicKey, 'a', 'RS256')];
		requests = 0;

		expect(await verifyJwt(await sign('RS256', keyA.privateKey, 'a'), options)).toMatchObject({ valid: true, claims: { sub: 'conv-1' } });
		expect(await verifyJwt(await sign('RS256', keyA.privateKey, 'a'), options)).toMatchObject({ valid: true });
		expect(requests).toBe(1);

		// The issuer rotates to key b mid-run. Within the cooldown: no refetch, unknown_key.
		served = [jwk(keyA.publicKey, 'a', 'RS256'), jwk(keyB.publicKey, 'b', 'ES256')];
		const tokenB = await sign('ES256', keyB.privateKey, 'b');
		expect(await verifyJwt(tokenB, options)).toMatchObject({ valid: false, reason: 'unknown_key' });
		expect(requests).toBe(1);

		// After the cooldown: one refetch, then valid.
		clock += 10_001;
		expect(await verifyJwt(tokenB, options)).toMatchObject({ valid: true, header: { kid: 'b', alg: 'ES256' } });
		expect(requests).toBe(2);

		// A kid that does not exist: one refetch at most per cooldown.
		clock += 10_001;
		const stray = await sign('EdDSA', keyC.privateKey, 'zzz');
		expect(await verifyJwt(stray, options)).toMatchObject({ valid: false, reason: 'unknown_key' });
		expect(await verifyJwt(stray, options)).toMatchObject({ valid: false, reason: 'unknown_key' });
		expect(requests).toBe(3);

		// Max age: the set is fetched again even for known kids, and a removed key stops verifying.
		served = [jwk(keyC.publicKey, 'c', 'EdDSA')];
		clock += 60_001;
		expect(await verifyJwt(await sign('RS256', keyA.privateKey, 'a'), options)).toMatchObject({ valid: false, reason: 'unknown_key' });
		expect(requests).toBe(4);
		expect(await verifyJwt(await sign('EdDSA', keyC.privateKey, 'c'), options)).toMatchObject({ valid: true });
		expect(requests).toBe(4);
	});

	it('concurrent verifications share one fetch', async () => {
		served = [jwk(keyA.publicKey, 'a', 'RS256')];
		requests = 0;
		const cache = new JwksCache();
		const token = await sign('RS256', keyA.privateKey, 'a');
		const results = await Promise.all(Array.from({ length: 10 }, () => verifyJwt(token, { key: { type: 'jwks', url, policy: loopback, cache }, algorithms: ['RS256'] })));
		expect(results.every((r) => r.valid)).toBe(true);
		expect(requests).toBe(1);
	});

	it('a signature by a different key with a known kid is bad_signature', async () => {
		served = [jwk(keyA.publicKey, 'a', 'RS256')];
		const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
		const token = await sign('RS256', other.privateKey, 'a');
		const result = await verifyJwt(token, { key: { type: 'jwks', url, policy: loopback, cache: new JwksCache() }, algorithms: ['RS256'] });
		expect(result).toMatchObject({ valid: false, reason: 'bad_signature' });
	});

	it('the JWKS URL goes through the outbound policy: loopback refused by default', async () => {
		served = [jwk(keyA.publicKey, 'a', 'RS256')];
		requests = 0;
		const token = await sign('RS256', keyA.privateKey, 'a');
		await expect(verifyJwt(token, { key: { type: 'jwks', url, cache: new JwksCache() }, algorithms: ['RS256'] })).rejects.toMatchObject({
			kind: 'blocked',
			message: expect.stringContaining('Allowed Internal Networks'),
		});
		expect(requests).toBe(0);
	});

	it('the cache is keyed by policy: a set fetched under a permissive policy is not served to a strict one', async () => {
		served = [jwk(keyA.publicKey, 'a', 'RS256')];
		requests = 0;
		const cache = new JwksCache();
		const token = await sign('RS256', keyA.privateKey, 'a');
		expect(await verifyJwt(token, { key: { type: 'jwks', url, policy: loopback, cache }, algorithms: ['RS256'] })).toMatchObject({ valid: true });
		expect(requests).toBe(1);
		// Same URL, same cache, a node whose policy forbids loopback: refused, not answered from the cache.
		await expect(verifyJwt(token, { key: { type: 'jwks', url, policy: new OutboundPolicy(), cache }, algorithms: ['RS256'] })).rejects.toMatchObject({
			kind: 'blocked',
		});
		expect(requests).toBe(1);
		// A policy with the same allow list (another instance) shares the entry.
		expect(await verifyJwt(token, { key: { type: 'jwks', url, policy: new OutboundPolicy({ allow: ['127.0.0.0/8'] }), cache }, algorithms: ['RS256'] })).toMatchObject({
			valid: true,
		});
		expect(requests).toBe(1);
		// A different permissive policy fetches on its own.
		expect(await verifyJwt(token, { key: { type: 'jwks', url, policy: new OutboundPolicy({ allow: ['loopback'] }), cache }, algorithms: ['RS256'] })).toMatchObject({
			valid: true,
		});
		expect(requests).toBe(2);
	});

	it('an HTML answer is a clear response error, not a crash', async () => {
		const token = await sign('RS256', keyA.privateKey, 'a');
		await expect(
			verifyJwt(token, { key: { type: 'jwks', url: url.replace('/jwks', '/html'), policy: loopback, cache: new JwksCache() }, algorithms: ['RS256'] }),
		).rejects.toMatchObject({ kind: 'response', code: 'HTML_RESPONSE' });
	});

	it('HS256 with a JWKS URL is refused as configuration', async () => {
		await expect(verifyJwt('a.b.c', { key: { type: 'jwks', url, policy: loopback }, algorithms: ['HS256'] })).rejects.toMatchObject({ code: 'KEY_ALG_MISMATCH' });
	});
});
