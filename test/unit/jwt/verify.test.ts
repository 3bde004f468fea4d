/** JWT verification with pasted keys: tokens are signed here with keys generated at test time. */
import { createHmac, generateKeyPairSync, KeyObject } from 'node:crypto';
import * as jose from 'jose';
import { LpError } from '../../../lib/errors';
import { checkClockTolerance, decodeCanonicalBase64url, stripBearer, verifyJwt, VerifyOptions } from '../../../lib/jwt/verify';

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ed = generateKeyPairSync('ed25519');
const otherRsa = generateKeyPairSync('rsa', { modulusLength: 2048 });

const pem = (k: KeyObject) => k.export({ type: 'spki', format: 'pem' }).toString();
const now = Math.floor(Date.now() / 1000);

async function sign(alg: string, key: KeyObject, claims: jose.JWTPayload = {}, header: Partial<jose.JWTHeaderParameters> = {}) {
	return new jose.SignJWT({ sub: 'user-1', ...claims })
		.setProtectedHeader({ alg, ...header })
		.setIssuedAt(now)
		.setIssuer((claims.iss as string) ?? 'https://issuer.example')
		.setAudience((claims.aud as string) ?? 'n8n')
		.setExpirationTime(claims.exp ?? now + 600)
		.sign(key);
}

const opts = (publicKey: KeyObject, algorithms: string[], extra: Partial<VerifyOptions> = {}): VerifyOptions => ({
	key: { type: 'pem', pem: pem(publicKey) },
	algorithms,
	issuer: 'https://issuer.example',
	audience: 'n8n',
	...extra,
});

describe('verifyJwt with a pasted key', () => {
	it.each([
		['RS256', rsa],
		['PS256', rsa],
		['ES256', ec],
		['EdDSA', ed],
	] as const)('accepts a valid %s token and returns claims and header, never the token', async (alg, pair) => {
		const token = await sign(alg, pair.privateKey);
		const result = await verifyJwt(`Bearer ${token}`, opts(pair.publicKey, [alg]));
		expect(result.valid).toBe(true);
		if (!result.valid) return;
		expect(result.claims.sub).toBe('user-1');
		expect(result.header.alg).toBe(alg);
		expect(JSON.stringify(result)).not.toContain(token.split('.')[2]);
	});

	it('accepts a public JWK', async () => {
		const token = await sign('ES256', ec.privateKey);
		const jwk = ec.publicKey.export({ format: 'jwk' });
		const result = await verifyJwt(token, { ...opts(ec.publicKey, ['ES256']), key: { type: 'jwk', jwk: JSON.stringify(jwk) } });
		expect(result).toMatchObject({ valid: true });
	});

	const cases: Array<[string, () => Promise<string>, Partial<VerifyOptions>, string]> = [
		['expired', () => sign('RS256', rsa.privateKey, { exp: now - 120 }), {}, 'expired'],
		['not yet valid', async () => new jose.SignJWT({ nbf: now + 3600 }).setProtectedHeader({ alg: 'RS256' }).setIssuer('https://issuer.example').setAudience('n8n').setExpirationTime(now + 7200).sign(rsa.privateKey), {}, 'not_yet_valid'],
		['wrong issuer', () => sign('RS256', rsa.privateKey, { iss: 'https://evil.example' }), {}, 'wrong_issuer'],
		['wrong audience', () => sign('RS256', rsa.privateKey, { aud: 'someone-else' }), {}, 'wrong_audience'],
		['signed by another key', () => sign('RS256', otherRsa.privateKey), {}, 'bad_signature'],
		['tampered payload', async () => { const [h, , s] = (await sign('RS256', rsa.privateKey)).split('.'); return `${h}.${b64({ sub: 'admin', iss: 'https://issuer.example', aud: 'n8n', exp: now + 600 })}.${s}`; }, {}, 'bad_signature'],
		['alg none', async () => `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'admin', iss: 'https://issuer.example', aud: 'n8n', exp: now + 600 })}.`, {}, 'algorithm_not_allowed'],
		['alg NONE (case)', async () => `${b64({ alg: 'NONE' })}.${b64({ sub: 'x' })}.`, {}, 'algorithm_not_allowed'],
		['algorithm not pinned (RS384)', () => sign('RS384', rsa.privateKey), {}, 'algorithm_not_allowed'],
		[
			'HS256 signed with the public key PEM (confusion)',
			async () => {
				const h = b64({ alg: 'HS256', typ: 'JWT' });
				const p = b64({ sub: 'admin', iss: 'https://issuer.example', aud: 'n8n', exp: now + 600 });
				const mac = createHmac('sha256', pem(rsa.publicKey)).update(`${h}.${p}`).digest('base64url');
				return `${h}.${p}.${mac}`;
			},
			{},
			'algorithm_not_allowed',
		],
		['garbage', async () => 'not-a-token', {}, 'malformed'],
		['five parts (JWE)', async () => 'a.b.c.d.e', {}, 'malformed'],
		['header not JSON', async () => `${b64('nope')}.${b64({})}.sig`, {}, 'malformed'],
		['empty', async () => '   ', {}, 'malformed'],
		['expired but within clock tolerance', () => sign('RS256', rsa.privateKey, { exp: now - 5 }), { clockToleranceSec: 60 }, 'VALID'],
		['expired beyond clock tolerance', () => sign('RS256', rsa.privateKey, { exp: now - 120 }), { clockToleranceSec: 60 }, 'expired'],
		['no issuer check when none given', () => sign('RS256', rsa.privateKey, { iss: 'https://other.example' }), { issuer: undefined }, 'VALID'],
		['issuer list', () => sign('RS256', rsa.privateKey, { iss: 'https://b.example' }), { issuer: ['https://a.example', 'https://b.example'] }, 'VALID'],
	];

	it.each(cases)('%s', async (_name, make, extra, expected) => {
		const token = await make();
		const result = await verifyJwt(token, opts(rsa.publicKey, ['RS256'], extra));
		if (expected === 'VALID') {
			expect(result.valid).toBe(true);
		} else {
			expect(result).toMatchObject({ valid: false, reason: expected });
			if (!result.valid && token.length > 10) expect(result.message).not.toContain(token);
		}
	});

	it('refuses HS* with a public key at configuration time (no algorithm confusion possible)', async () => {
		const token = await sign('RS256', rsa.privateKey);
		await expect(verifyJwt(token, opts(rsa.publicKey, ['RS256', 'HS256']))).rejects.toMatchObject({ code: 'KEY_ALG_MISMATCH', field: 'algorithms' });
	});

	it('requires algorithms and refuses "none"', async () => {
		const token = await sign('RS256', rsa.privateKey);
		await expect(verifyJwt(token, opts(rsa.publicKey, []))).rejects.toBeInstanceOf(LpError);
		await expect(verifyJwt(token, opts(rsa.publicKey, ['none']))).rejects.toMatchObject({ code: 'ALG_NONE' });
	});

	it('refuses a pasted private key without echoing it', async () => {
		const privatePem = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
		const token = await sign('RS256', rsa.privateKey);
		const error = (await verifyJwt(token, { ...opts(rsa.publicKey, ['RS256']), key: { type: 'pem', pem: privatePem } }).catch((e) => e)) as LpError;
		expect(error.code).toBe('PRIVATE_KEY_GIVEN');
		expect(JSON.stringify(error.toJSON())).not.toContain(privatePem.slice(40, 80));
	});

	it('an HS256 token with a symmetric JWK verifies only when HS256 is pinned', async () => {
		const secret = new Uint8Array(Buffer.from('0123456789abcdef0123456789abcdef'));
		const token = await new jose.SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(now + 60).sign(secret);
		const key = { type: 'jwk' as const, jwk: { kty: 'oct', k: Buffer.from(secret).toString('base64url') } };
		expect((await verifyJwt(token, { key, algorithms: ['HS256'] })).valid).toBe(true);
		await expect(verifyJwt(token, { key, algorithms: ['RS256'] })).rejects.toMatchObject({ code: 'KEY_ALG_MISMATCH' });
	});

	it('stripBearer', () => {
		expect(stripBearer('  Bearer abc ')).toBe('abc');
		expect(stripBearer('bearer   abc')).toBe('abc');
		expect(stripBearer('abc')).toBe('abc');
	});
});

describe('HMAC keys (RFC 7518 §3.2: at least the hash size)', () => {
	const hsToken = (secret: Uint8Array, alg = 'HS256') => new jose.SignJWT({ sub: 'x' }).setProtectedHeader({ alg }).setExpirationTime(now + 60).sign(secret);
	const octKey = (k: unknown) => ({ type: 'jwk' as const, jwk: JSON.stringify(k === undefined ? { kty: 'oct' } : { kty: 'oct', k }) });
	const random = (n: number) => new Uint8Array(Buffer.alloc(n, 7).map((_, i) => (i * 31 + n) & 0xff));

	it.each([
		['no "k"', undefined, 'INVALID_JWK'],
		['an empty "k"', '', 'INVALID_JWK'],
		['a "k" outside the base64url alphabet (decodes to nothing)', '!!!!', 'INVALID_JWK'],
		['a padded "k"', `${Buffer.from('x'.repeat(32)).toString('base64url')}=`, 'INVALID_JWK'],
		['a "k" that is not a string', 12345, 'INVALID_JWK'],
		['a 1-byte key', Buffer.from([1]).toString('base64url'), 'HMAC_KEY_TOO_SHORT'],
		['a 31-byte key for HS256', Buffer.from(random(31)).toString('base64url'), 'HMAC_KEY_TOO_SHORT'],
	])('refuses %s as configuration naming the JWK field', async (_name, k, code) => {
		// A token signed with the very same (short or empty) key must not be routed anywhere.
		const error = (await verifyJwt(await hsToken(random(32)), { key: octKey(k), algorithms: ['HS256'] }).catch((e) => e)) as LpError;
		expect(error).toBeInstanceOf(LpError);
		expect(error).toMatchObject({ kind: 'input', field: 'jwk', code });
	});

	it('a token signed with an empty key is never valid', async () => {
		const h = b64({ alg: 'HS256' });
		const p = b64({ sub: 'admin', exp: now + 600 });
		const mac = createHmac('sha256', Buffer.alloc(0)).update(`${h}.${p}`).digest('base64url');
		await expect(verifyJwt(`${h}.${p}.${mac}`, { key: { type: 'jwk', jwk: { kty: 'oct', k: '' } }, algorithms: ['HS256'] })).rejects.toMatchObject({ field: 'jwk' });
	});

	it.each([
		['HS256', 32],
		['HS384', 48],
		['HS512', 64],
	])('%s: a key of %i bytes verifies, one byte less is refused', async (alg, bytes) => {
		const secret = random(bytes);
		const token = await hsToken(secret, alg);
		expect(await verifyJwt(token, { key: octKey(Buffer.from(secret).toString('base64url')), algorithms: [alg] })).toMatchObject({ valid: true });
		const short = random(bytes - 1);
		const error = (await verifyJwt(await hsToken(short, alg), { key: octKey(Buffer.from(short).toString('base64url')), algorithms: [alg] }).catch((e) => e)) as LpError;
		expect(error).toMatchObject({ field: 'jwk', code: 'HMAC_KEY_TOO_SHORT' });
		expect(error.message).toContain(`${alg} needs a key of at least ${bytes} bytes`);
	});

	it('a 32-byte key is refused when HS512 is also pinned (the strictest pinned algorithm counts)', async () => {
		const secret = random(32);
		await expect(verifyJwt(await hsToken(secret), { key: octKey(Buffer.from(secret).toString('base64url')), algorithms: ['HS256', 'HS512'] })).rejects.toMatchObject({
			code: 'HMAC_KEY_TOO_SHORT',
			message: expect.stringContaining('HS512'),
		});
	});
});

describe('clock tolerance is checked in lib', () => {
	it.each([NaN, Infinity, -Infinity, -1, 601, 1e9, '30', '', true, {}])('refuses %p naming the field', async (value) => {
		expect(() => checkClockTolerance(value)).toThrow(expect.objectContaining({ kind: 'input', field: 'clockTolerance', code: 'INVALID_CLOCK_TOLERANCE' }));
		const token = await sign('RS256', rsa.privateKey);
		await expect(verifyJwt(token, opts(rsa.publicKey, ['RS256'], { clockToleranceSec: value as number }))).rejects.toMatchObject({ field: 'clockTolerance' });
	});

	it.each([0, 0.5, 30, 600])('accepts %p', (value) => {
		expect(checkClockTolerance(value)).toBe(value);
	});

	it('undefined means no leeway', () => {
		expect(checkClockTolerance(undefined)).toBe(0);
	});
});

describe('Require Expiration', () => {
	const noExp = () => new jose.SignJWT({ sub: 'forever' }).setProtectedHeader({ alg: 'RS256' }).setIssuer('https://issuer.example').setAudience('n8n').sign(rsa.privateKey);

	it('is on by default: a token without "exp" is invalid with its own reason', async () => {
		const result = await verifyJwt(await noExp(), opts(rsa.publicKey, ['RS256']));
		expect(result).toMatchObject({ valid: false, reason: 'missing_expiration', message: expect.stringContaining('"exp"') });
	});

	it('can be turned off', async () => {
		expect(await verifyJwt(await noExp(), opts(rsa.publicKey, ['RS256'], { requireExpiration: false }))).toMatchObject({ valid: true });
	});

	it('an "exp" that is not a number is malformed either way', async () => {
		const h = b64({ alg: 'HS256' });
		const secret = Buffer.alloc(32, 9);
		const p = b64({ exp: 'tomorrow' });
		const mac = createHmac('sha256', secret).update(`${h}.${p}`).digest('base64url');
		const key = { type: 'jwk' as const, jwk: { kty: 'oct', k: secret.toString('base64url') } };
		expect(await verifyJwt(`${h}.${p}.${mac}`, { key, algorithms: ['HS256'] })).toMatchObject({ valid: false, reason: 'malformed' });
	});
});

describe('one token, one spelling (canonical base64url)', () => {
	it('decodeCanonicalBase64url', () => {
		expect(decodeCanonicalBase64url('')).toEqual(new Uint8Array());
		expect(Buffer.from(decodeCanonicalBase64url('AQ') as Uint8Array)).toEqual(Buffer.from([1]));
		expect(decodeCanonicalBase64url('AQ==')).toBeUndefined();
		expect(decodeCanonicalBase64url('AR')).toBeUndefined(); // same byte, a set unused bit
		expect(decodeCanonicalBase64url('A+')).toBeUndefined();
		expect(decodeCanonicalBase64url('A/')).toBeUndefined();
		expect(decodeCanonicalBase64url('A')).toBeUndefined();
		expect(decodeCanonicalBase64url('AQ\n')).toBeUndefined();
	});

	it('the original verifies; padded, re-bit and standard-alphabet spellings of the same signature do not', async () => {
		const token = await sign('ES256', ec.privateKey); // 64-byte signature: 86 chars, 2 unused bits
		const [h, p, s] = token.split('.');
		const o = opts(ec.publicKey, ['ES256']);
		expect(await verifyJwt(token, o)).toMatchObject({ valid: true });
		const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
		const last = alphabet.indexOf(s[s.length - 1]);
		const otherBits = s.slice(0, -1) + alphabet[last ^ 1]; // decodes to the same bytes
		expect(Buffer.from(otherBits, 'base64url')).toEqual(Buffer.from(s, 'base64url'));
		const std = Buffer.from(s, 'base64url').toString('base64');
		for (const spelling of [`${s}=`, `${s}==`, otherBits, std]) {
			if (spelling === s) continue;
			expect(await verifyJwt(`${h}.${p}.${spelling}`, o)).toMatchObject({ valid: false, reason: 'malformed', message: expect.stringContaining('signature') });
		}
		expect(await verifyJwt(`${h}=.${p}.${s}`, o)).toMatchObject({ valid: false, reason: 'malformed', message: expect.stringContaining('header') });
	});
});
