/**
 * Who may call a Custom Endpoint bot (lib/inbound/tpb/auth.ts), against a real key set served on
 * 127.0.0.1 and fetched through the pipeline: a Sentinel-style RS256 token for a configured account
 * with the Custom Endpoint scope passes; everything else is refused with a reason, and a token for an
 * account that is not configured is refused before any key set is fetched.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import * as jose from 'jose';
import { verifyTpbAuthorization, TpbVerdictCache, TPB_SCOPE, TPB_LEGACY_SCOPE, type TpbAuthConfig } from '../../lib/inbound/tpb/auth';
import { JwksCache } from '../../lib/jwt/verify';
import { OutboundPolicy } from '../../lib/net/policy';

const zoneA = generateKeyPairSync('rsa', { modulusLength: 2048 });
const zoneB = generateKeyPairSync('rsa', { modulusLength: 2048 });
const NOW = new Date('2026-06-01T12:00:00Z');
const nowSec = Math.floor(NOW.getTime() / 1000);

let server: http.Server;
let jwksUrl = '';
let fetches = 0;

beforeAll(async () => {
	const jwk = { ...zoneA.publicKey.export({ format: 'jwk' }), kid: 'zone-a-1', alg: 'RS256', use: 'sig' };
	server = http.createServer((_req, res) => {
		fetches++;
		res.writeHead(200, { 'content-type': 'application/json' });
		res.end(JSON.stringify({ keys: [jwk] }));
	});
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
	jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/sentinel/well-known/jwks`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const cfg = (): TpbAuthConfig => ({
	accountIds: ['12345678', '87654321'],
	jwksUrl,
	policy: new OutboundPolicy({ allow: ['127.0.0.0/8'] }),
	cache: new JwksCache({ now: () => NOW.getTime() }),
	clockToleranceSec: 30,
	currentDate: NOW,
	// A fresh verdict cache per call: every check below is a full verification.
	verdicts: new TpbVerdictCache(),
});

interface TokenOpts {
	key?: KeyObject;
	kid?: string;
	iss?: string;
	aud?: string | string[];
	scope?: string;
	exp?: number;
}
const token = (o: TokenOpts = {}) =>
	new jose.SignJWT({ scope: o.scope ?? TPB_SCOPE })
		.setProtectedHeader({ alg: 'RS256', kid: o.kid ?? 'zone-a-1' })
		.setIssuer(o.iss ?? 'Sentinel')
		.setAudience(o.aud ?? '12345678')
		.setIssuedAt(nowSec - 60)
		.setExpirationTime(o.exp ?? nowSec + 3600)
		.sign(o.key ?? zoneA.privateKey);

describe('Custom Endpoint authorization', () => {
	it('accepts the documented token (and the legacy scope), naming the account', async () => {
		expect(await verifyTpbAuthorization(`Bearer ${await token()}`, cfg())).toMatchObject({ ok: true, accountId: '12345678', legacyScope: false });
		expect(await verifyTpbAuthorization(`Bearer ${await token({ aud: '87654321', scope: TPB_LEGACY_SCOPE })}`, cfg())).toMatchObject({
			ok: true,
			accountId: '87654321',
			legacyScope: true,
		});
		// Within the clock tolerance after exp.
		expect(await verifyTpbAuthorization(`Bearer ${await token({ exp: nowSec - 10 })}`, cfg())).toMatchObject({ ok: true });
	});

	it('refuses everything else with a reason', async () => {
		const hs256WithPublicKey = await new jose.SignJWT({ scope: TPB_SCOPE })
			.setProtectedHeader({ alg: 'HS256', kid: 'zone-a-1' })
			.setIssuer('Sentinel')
			.setAudience('12345678')
			.setExpirationTime(nowSec + 3600)
			.sign(new Uint8Array(zoneA.publicKey.export({ type: 'spki', format: 'pem' }) as Buffer));
		const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${Buffer.from(JSON.stringify({ iss: 'Sentinel', aud: '12345678', scope: TPB_SCOPE, exp: nowSec + 60 })).toString('base64url')}.`;
		const cases: Array<[string, string | undefined, string]> = [
			['no header', undefined, 'missing'],
			['Basic', 'Basic dXNlcjpwYXNz', 'missing'],
			['not a JWT', 'Bearer abc', 'malformed'],
			['alg none', `Bearer ${unsigned}`, 'algorithm_not_allowed'],
			['HS256 signed with the public key', `Bearer ${hs256WithPublicKey}`, 'algorithm_not_allowed'],
			['wrong issuer', `Bearer ${await token({ iss: 'https://va.sentinel.liveperson.net' })}`, 'wrong_issuer'],
			['wrong audience', `Bearer ${await token({ aud: '99999999' })}`, 'wrong_audience'],
			['wrong scope', `Bearer ${await token({ scope: 'messaging.consumer' })}`, 'wrong_scope'],
			['expired beyond tolerance', `Bearer ${await token({ exp: nowSec - 120 })}`, 'expired'],
			['unknown key id', `Bearer ${await token({ kid: 'zone-a-9', key: zoneB.privateKey })}`, 'unknown_key'],
			['another zone key under this zone kid', `Bearer ${await token({ key: zoneB.privateKey })}`, 'bad_signature'],
		];
		for (const [name, header, reason] of cases) {
			const verdict = await verifyTpbAuthorization(header, cfg());
			expect({ name, ok: verdict.ok, reason: verdict.ok ? undefined : verdict.reason }).toEqual({ name, ok: false, reason });
		}
	});

	it('an account that is not configured costs no key set fetch', async () => {
		const before = fetches;
		const verdict = await verifyTpbAuthorization(`Bearer ${await token({ aud: '55555555' })}`, cfg());
		expect(verdict).toMatchObject({ ok: false, reason: 'wrong_audience' });
		expect(fetches).toBe(before);
	});

	it('an unreachable key set is an error (the trigger answers 503), not a pass', async () => {
		const c = { ...cfg(), jwksUrl: 'http://127.0.0.1:1/jwks' };
		await expect(verifyTpbAuthorization(`Bearer ${await token()}`, c)).rejects.toMatchObject({ name: 'LpError' });
	});

	it('the default key set is the account\'s Sentinel from CSDS (+ /sentinel/well-known/jwks)', async () => {
		const port = (server.address() as AddressInfo).port;
		const csds = http.createServer((req, res) => {
			res.writeHead(200, { 'content-type': 'application/json' });
			res.end(JSON.stringify({ baseURIs: [{ service: 'sentinel', account: '12345678', baseURI: `127.0.0.1:${port}` }] }));
		});
		await new Promise<void>((r) => csds.listen(0, '127.0.0.1', () => r()));
		try {
			const c = { ...cfg(), jwksUrl: undefined, csdsHost: `http://127.0.0.1:${(csds.address() as AddressInfo).port}` };
			expect(await verifyTpbAuthorization(`Bearer ${await token()}`, c)).toMatchObject({ ok: true, accountId: '12345678' });
		} finally {
			await new Promise<void>((r) => csds.close(() => r()));
		}
	});
});

describe('Custom Endpoint authorization with the zone\'s Sentinel public key (PEM)', () => {
	const pemCfg = (): TpbAuthConfig => ({ accountIds: ['12345678'], publicKeyPem: zoneA.publicKey.export({ type: 'spki', format: 'pem' }) as string, currentDate: NOW });
	it('accepts a token signed with that key (no key set fetched) and refuses others', async () => {
		const before = fetches;
		expect(await verifyTpbAuthorization(`Bearer ${await token()}`, pemCfg())).toMatchObject({ ok: true, accountId: '12345678' });
		expect(await verifyTpbAuthorization(`Bearer ${await token({ key: zoneB.privateKey })}`, pemCfg())).toMatchObject({ ok: false, reason: 'bad_signature' });
		const hs = await new jose.SignJWT({ scope: TPB_SCOPE })
			.setProtectedHeader({ alg: 'HS256' })
			.setIssuer('Sentinel')
			.setAudience('12345678')
			.setExpirationTime(nowSec + 60)
			.sign(new TextEncoder().encode(pemCfg().publicKeyPem));
		expect(await verifyTpbAuthorization(`Bearer ${hs}`, pemCfg())).toMatchObject({ ok: false, reason: 'algorithm_not_allowed' });
		expect(fetches).toBe(before);
	});
});

describe('verified tokens are remembered (one signature check per token, not per call)', () => {
	// An empty key set cache each call: a verification fetches the key set, a remembered token does not.
	const at = (verdicts: TpbVerdictCache | false, date: Date): TpbAuthConfig => ({ ...cfg(), cache: new JwksCache({ now: () => date.getTime() }), currentDate: date, verdicts });

	it('the same token again: no key set fetch, same verdict; another token, another account or no cache: verified', async () => {
		const verdicts = new TpbVerdictCache();
		const t = await token({ exp: nowSec + 3000 });
		let before = fetches;
		expect(await verifyTpbAuthorization(`Bearer ${t}`, at(verdicts, NOW))).toMatchObject({ ok: true, accountId: '12345678' });
		expect(fetches).toBe(before + 1);
		before = fetches;
		const again = await verifyTpbAuthorization(`Bearer ${t}`, at(verdicts, new Date(NOW.getTime() + 60_000)));
		expect(again).toMatchObject({ ok: true, accountId: '12345678', legacyScope: false });
		expect(fetches).toBe(before);
		// A changed signature is another token: verified (and refused).
		const tampered = `${t.slice(0, -4)}${t.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
		expect(await verifyTpbAuthorization(`Bearer ${tampered}`, at(verdicts, NOW))).toMatchObject({ ok: false, reason: 'bad_signature' });
		// Without the cache every call verifies.
		before = fetches;
		await verifyTpbAuthorization(`Bearer ${t}`, at(false, NOW));
		expect(fetches).toBe(before + 1);
		// Refused tokens are not remembered; a wrong scope stays refused.
		const scoped = await token({ scope: 'messaging.consumer' });
		for (let i = 0; i < 2; i++) expect(await verifyTpbAuthorization(`Bearer ${scoped}`, at(verdicts, NOW))).toMatchObject({ ok: false, reason: 'wrong_scope' });
	});

	it('a remembered token still expires, and nothing is remembered longer than maxAgeMs', async () => {
		const verdicts = new TpbVerdictCache({ maxAgeMs: 120_000 });
		const t = await token({ exp: nowSec + 100 });
		expect(await verifyTpbAuthorization(`Bearer ${t}`, at(verdicts, NOW))).toMatchObject({ ok: true });
		// 100 s + 30 s tolerance later: expired, although it was accepted before.
		expect(await verifyTpbAuthorization(`Bearer ${t}`, at(verdicts, new Date(NOW.getTime() + 131_000)))).toMatchObject({ ok: false, reason: 'expired' });
		const long = await token({ exp: nowSec + 3600 });
		await verifyTpbAuthorization(`Bearer ${long}`, at(verdicts, NOW));
		let before = fetches;
		await verifyTpbAuthorization(`Bearer ${long}`, at(verdicts, new Date(NOW.getTime() + 119_000)));
		expect(fetches).toBe(before);
		before = fetches;
		expect(await verifyTpbAuthorization(`Bearer ${long}`, at(verdicts, new Date(NOW.getTime() + 121_000)))).toMatchObject({ ok: true });
		expect(fetches).toBe(before + 1);
	});

	it('is bounded', async () => {
		const verdicts = new TpbVerdictCache({ maxEntries: 2 });
		for (const exp of [nowSec + 1000, nowSec + 1001, nowSec + 1002]) await verifyTpbAuthorization(`Bearer ${await token({ exp })}`, at(verdicts, NOW));
		expect(verdicts.size).toBe(2);
	});
});
