/**
 * Signature checks of LivePerson webhook calls (lib/inbound/webhooks/signature.ts), against:
 * - the documented examples' FORMAT (connector-api-webhooks-notification-protocol.html gives
 *   `sha1=12DcfY3NhieG0uMlGlNX/SHWBeQ=` and `sha256=xcF8VakxqTEyCxiQTwStupGCz3NC4FFTqXifBmmIRBM=`
 *   without the payload and secret they were made from, so only their shape can be checked);
 * - published HMAC vectors (RFC 2202 §3 test case 2, RFC 4231 §4.3 test case 2: key "Jefe");
 * - vectors generated at test time by an independent implementation (the openssl CLI);
 * - refusals: bad signature, wrong account/client, missing headers, one byte changed, 10 MB body.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { MAX_WEBHOOK_BODY_BYTES, parseSignature, signWebhookBody, verifyWebhookCall, type WebhookVerifyConfig } from '../../../lib/inbound/webhooks/signature';

const secret = randomBytes(18).toString('base64url');
const config: WebhookVerifyConfig = { accountId: '12345678', clientId: `client-${randomBytes(4).toString('hex')}`, clientSecret: secret };
const body = Buffer.from(JSON.stringify({ kind: 'notification', type: 'ms.MessagingEventNotification', body: { changes: [{ sequence: 0, dialogId: 'd1', event: { type: 'ContentEvent', message: 'héllo' } }] } }));
const headersFor = (b: Buffer, sig = signWebhookBody(b, secret)) => ({
	'x-liveperson-account-id': config.accountId,
	'x-liveperson-client-id': config.clientId,
	'x-liveperson-signature': sig,
});

describe('LivePerson webhook signature', () => {
	it('parses the documented example signatures (sha1 base64, sha256 base64)', () => {
		const sha1 = parseSignature('sha1=12DcfY3NhieG0uMlGlNX/SHWBeQ=');
		expect(sha1).toMatchObject({ algorithm: 'sha1', encoding: 'base64' });
		expect(sha1?.digest.length).toBe(20);
		const sha256 = parseSignature('sha256=xcF8VakxqTEyCxiQTwStupGCz3NC4FFTqXifBmmIRBM=');
		expect(sha256).toMatchObject({ algorithm: 'sha256', encoding: 'base64' });
		expect(sha256?.digest.length).toBe(32);
	});

	it('matches the published HMAC vectors in hex and base64 (RFC 2202 / RFC 4231, key "Jefe")', () => {
		const data = 'what do ya want for nothing?';
		const sha1Hex = 'effcdf6ae5eb2fa2d27416d5f184df9c259a7c79';
		const sha256Hex = '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843';
		expect(signWebhookBody(data, 'Jefe', 'sha1', 'hex')).toBe(`sha1=${sha1Hex}`);
		expect(signWebhookBody(data, 'Jefe', 'sha256', 'hex')).toBe(`sha256=${sha256Hex}`);
		const cfg = { accountId: 'a1', clientId: 'c1', clientSecret: 'Jefe' };
		for (const sig of [`sha1=${sha1Hex}`, `sha1=${Buffer.from(sha1Hex, 'hex').toString('base64')}`, `sha256=${sha256Hex}`, `sha256=${Buffer.from(sha256Hex, 'hex').toString('base64')}`, `sha1=${sha1Hex.toUpperCase()}`]) {
			const r = verifyWebhookCall(cfg, { 'X-LivePerson-Account-Id': 'a1', 'X-LivePerson-Client-Id': 'c1', 'X-LivePerson-Signature': sig }, Buffer.from(data));
			expect(r.ok).toBe(true);
		}
	});

	it('agrees with openssl on generated bodies and secrets (all four algorithm/encoding pairs)', () => {
		for (let i = 0; i < 4; i++) {
			const key = randomBytes(12).toString('hex');
			const data = randomBytes(200 + i * 37);
			for (const alg of ['sha1', 'sha256'] as const) {
				const hex = execFileSync('openssl', ['dgst', `-${alg}`, '-hmac', key, '-r'], { input: data }).toString().split(' ')[0].trim();
				expect(signWebhookBody(data, key, alg, 'hex')).toBe(`${alg}=${hex}`);
				expect(signWebhookBody(data, key, alg, 'base64')).toBe(`${alg}=${Buffer.from(hex, 'hex').toString('base64')}`);
				const cfg = { accountId: 'a', clientId: 'c', clientSecret: key };
				const h = (s: string) => ({ 'x-liveperson-account-id': 'a', 'x-liveperson-client-id': 'c', 'x-liveperson-signature': s });
				expect(verifyWebhookCall(cfg, h(`${alg}=${hex}`), data)).toMatchObject({ ok: true, algorithm: alg, encoding: 'hex' });
				expect(verifyWebhookCall(cfg, h(`${alg}=${Buffer.from(hex, 'hex').toString('base64')}`), data)).toMatchObject({ ok: true, algorithm: alg, encoding: 'base64' });
			}
		}
	});

	it('accepts the call LivePerson would send (sha1 base64 of the raw bytes)', () => {
		expect(verifyWebhookCall(config, headersFor(body), body)).toEqual({ ok: true, algorithm: 'sha1', encoding: 'base64' });
	});

	it('refuses a body changed by one byte anywhere (property)', () => {
		const sig = signWebhookBody(body, secret);
		fc.assert(
			fc.property(fc.integer({ min: 0, max: body.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, delta) => {
				const changed = Buffer.from(body);
				changed[at] = (changed[at] + delta) % 256;
				const r = verifyWebhookCall(config, headersFor(changed, sig), changed);
				return !r.ok && r.reason === 'bad_signature';
			}),
			{ numRuns: 200 },
		);
	});

	it('refuses a re-serialized body (the signature covers the raw bytes, not the JSON value)', () => {
		const reformatted = Buffer.from(JSON.stringify(JSON.parse(body.toString()), null, 1));
		expect(verifyWebhookCall(config, headersFor(body), reformatted)).toMatchObject({ ok: false, reason: 'bad_signature' });
	});

	it.each([
		['another secret', () => headersFor(body, signWebhookBody(body, `${secret}x`)), 'bad_signature'],
		['sha256 with another secret', () => headersFor(body, signWebhookBody(body, 'other', 'sha256', 'hex')), 'bad_signature'],
		['no prefix', () => headersFor(body, signWebhookBody(body, secret).slice('sha1='.length)), 'malformed_signature'],
		['md5 prefix', () => headersFor(body, `md5=${signWebhookBody(body, secret).slice(5)}`), 'malformed_signature'],
		['truncated digest', () => headersFor(body, signWebhookBody(body, secret).slice(0, -2)), 'malformed_signature'],
		['sha256= with a sha1 digest', () => headersFor(body, `sha256=${signWebhookBody(body, secret).slice(5)}`), 'malformed_signature'],
		['wrong account', () => ({ ...headersFor(body), 'x-liveperson-account-id': '87654321' }), 'wrong_account'],
		['wrong client', () => ({ ...headersFor(body), 'x-liveperson-client-id': 'someone-else' }), 'wrong_client'],
		['no account header', () => ({ ...headersFor(body), 'x-liveperson-account-id': undefined }), 'missing_account'],
		['no client header', () => ({ ...headersFor(body), 'x-liveperson-client-id': undefined }), 'missing_client'],
		['no signature header', () => ({ ...headersFor(body), 'x-liveperson-signature': undefined }), 'missing_signature'],
		['two signature headers', () => ({ ...headersFor(body), 'x-liveperson-signature': [signWebhookBody(body, secret), signWebhookBody(body, secret)] }), 'missing_signature'],
	] as const)('refuses %s', (_name, headers, reason) => {
		const r = verifyWebhookCall(config, headers() as Record<string, string | string[] | undefined>, body);
		expect(r).toMatchObject({ ok: false, reason });
		if (!r.ok) expect(r.message).not.toContain(secret);
	});

	it('refuses a body over 10 MB before hashing, by its length or by Content-Length', () => {
		const big = Buffer.alloc(MAX_WEBHOOK_BODY_BYTES + 1, 0x20);
		// Correctly signed: the refusal is the size, not the signature.
		expect(verifyWebhookCall(config, headersFor(big), big)).toMatchObject({ ok: false, reason: 'body_too_large' });
		expect(verifyWebhookCall(config, headersFor(body), undefined, MAX_WEBHOOK_BODY_BYTES + 1)).toMatchObject({ ok: false, reason: 'body_too_large' });
		const limit = Buffer.alloc(MAX_WEBHOOK_BODY_BYTES, 0x20);
		expect(verifyWebhookCall(config, headersFor(limit), limit).ok).toBe(true);
	});

	it('refuses everything when the credential lacks the secret', () => {
		expect(verifyWebhookCall({ ...config, clientSecret: '' }, headersFor(body), body)).toMatchObject({ ok: false, reason: 'not_configured' });
	});
});
