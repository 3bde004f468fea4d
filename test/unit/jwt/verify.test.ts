/** JWT verification with pasted keys: tokens are signed here with keys generated at test time. */
import { createHmac, generateKeyPairSync, KeyObject } from 'node:crypto';
import * as jose from 'jose';
import { LpError } from '../../../lib/errors';
import { stripBearer, verifyJwt, VerifyOptions } from '../../../lib/jwt/verify';

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
