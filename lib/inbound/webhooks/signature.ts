/**
 * Verifying a LivePerson webhook call (Connector API → Webhooks, "Notification Protocol": Protocol and
 * Security, Authentication — developers.liveperson.com/connector-api-webhooks-notification-protocol.html):
 *
 * - every call carries `x-liveperson-account-id` (the account), `x-liveperson-client-id` (the
 *   client_id of the app installation) and `x-liveperson-signature`;
 * - the signature is an HMAC of the payload keyed with the installation's client_secret, "preceded with
 *   sha1=" by default (example `sha1=12DcfY3NhieG0uMlGlNX/SHWBeQ=`); "Webhooks also supports SHA256
 *   for specific accounts", preceded with `sha256=`; "for both signature algorithms SHA1 and SHA256 it
 *   is possible to specify the encoding between Base64 and Hexadecimal" (the page's Java sample:
 *   `Base64(HmacSHA1(payload bytes, client secret bytes))`).
 *
 * The HMAC is computed over the RAW body bytes as received (never a re-serialized JSON), compared in
 * constant time, after the body size was checked (an oversized body is refused before hashing). The
 * encoding is told apart by its length (SHA-1: 28 base64 / 40 hex characters; SHA-256: 44 / 64), so
 * both encodings of both algorithms are accepted without configuration. Pure: no I/O, no n8n.
 */
import { createHmac, timingSafeEqual } from 'crypto';

/** Largest notification body accepted (refused before hashing). LivePerson documents no size. */
export const MAX_WEBHOOK_BODY_BYTES = 10 * 1024 * 1024;

export const HEADER_ACCOUNT = 'x-liveperson-account-id';
export const HEADER_CLIENT = 'x-liveperson-client-id';
export const HEADER_SIGNATURE = 'x-liveperson-signature';

export type SignatureAlgorithm = 'sha1' | 'sha256';
export type SignatureEncoding = 'base64' | 'hex';

export interface WebhookVerifyConfig {
	accountId: string;
	clientId: string;
	clientSecret: string;
	/** Default MAX_WEBHOOK_BODY_BYTES. */
	maxBodyBytes?: number;
}

/** Why a call was refused: a stable code (for logs and tests) and a message without any secret. */
export type RefusalReason =
	| 'body_too_large'
	| 'missing_account'
	| 'wrong_account'
	| 'missing_client'
	| 'wrong_client'
	| 'missing_signature'
	| 'malformed_signature'
	| 'bad_signature'
	| 'not_configured';

export type VerifyResult =
	| { ok: true; algorithm: SignatureAlgorithm; encoding: SignatureEncoding }
	| { ok: false; reason: RefusalReason; message: string };

type HeaderBag = Record<string, string | string[] | undefined>;

/** One header value, case-insensitive name; several values (or a list) count as malformed → undefined. */
export function headerValue(headers: HeaderBag, name: string): string | undefined {
	const wanted = name.toLowerCase();
	for (const [k, v] of Object.entries(headers)) {
		if (k.toLowerCase() !== wanted || v === undefined) continue;
		if (Array.isArray(v)) return v.length === 1 ? v[0] : undefined;
		return v;
	}
	return undefined;
}

const DIGEST_LENGTH: Record<SignatureAlgorithm, number> = { sha1: 20, sha256: 32 };

/** `sha1=…` / `sha256=…` → algorithm and digest bytes, or undefined when it is not one of those forms. */
export function parseSignature(value: string): { algorithm: SignatureAlgorithm; encoding: SignatureEncoding; digest: Buffer } | undefined {
	const m = /^\s*(sha1|sha256)=(\S+)\s*$/i.exec(value);
	if (!m) return undefined;
	const algorithm = m[1].toLowerCase() as SignatureAlgorithm;
	const text = m[2];
	const size = DIGEST_LENGTH[algorithm];
	if (text.length === size * 2 && /^[0-9a-fA-F]+$/.test(text)) return { algorithm, encoding: 'hex', digest: Buffer.from(text, 'hex') };
	const b64Length = Math.ceil(size / 3) * 4;
	if (text.length === b64Length && /^[A-Za-z0-9+/]+={0,2}$/.test(text)) {
		const digest = Buffer.from(text, 'base64');
		// Reject non-canonical spellings (other padding bits): the same bytes must encode back to it.
		if (digest.length === size && digest.toString('base64') === text) return { algorithm, encoding: 'base64', digest };
	}
	return undefined;
}

/** The signature LivePerson sends for `body` (used by the emulator and the tests). */
export function signWebhookBody(body: Buffer | string, clientSecret: string, algorithm: SignatureAlgorithm = 'sha1', encoding: SignatureEncoding = 'base64'): string {
	return `${algorithm}=${createHmac(algorithm, Buffer.from(clientSecret, 'utf8')).update(body).digest(encoding)}`;
}

function sameText(a: string, b: string): boolean {
	// Ids are not secrets, but compare them without an early exit all the same.
	const x = Buffer.from(a, 'utf8');
	const y = Buffer.from(b, 'utf8');
	return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Checks one call: body size first, then account and client ids, then the signature over `rawBody`.
 * `contentLength` (the header, when sent) lets an oversized call be refused before its body is read.
 */
export function verifyWebhookCall(config: WebhookVerifyConfig, headers: HeaderBag, rawBody: Buffer | undefined, contentLength?: number): VerifyResult {
	const max = config.maxBodyBytes ?? MAX_WEBHOOK_BODY_BYTES;
	const refuse = (reason: RefusalReason, message: string): VerifyResult => ({ ok: false, reason, message });
	if ((contentLength !== undefined && contentLength > max) || (rawBody && rawBody.length > max)) {
		return refuse('body_too_large', `the body is larger than ${max} bytes`);
	}
	if (!config.accountId || !config.clientId || !config.clientSecret) {
		return refuse('not_configured', 'the credential needs the account ID, client ID and client secret');
	}
	const account = headerValue(headers, HEADER_ACCOUNT);
	if (!account) return refuse('missing_account', `the ${HEADER_ACCOUNT} header is missing`);
	if (!sameText(account.trim(), config.accountId.trim())) return refuse('wrong_account', `${HEADER_ACCOUNT} is not the credential's account`);
	const client = headerValue(headers, HEADER_CLIENT);
	if (!client) return refuse('missing_client', `the ${HEADER_CLIENT} header is missing`);
	if (!sameText(client.trim(), config.clientId.trim())) return refuse('wrong_client', `${HEADER_CLIENT} is not the credential's client ID`);
	const signature = headerValue(headers, HEADER_SIGNATURE);
	if (!signature) return refuse('missing_signature', `the ${HEADER_SIGNATURE} header is missing`);
	const parsed = parseSignature(signature);
	if (!parsed) return refuse('malformed_signature', `${HEADER_SIGNATURE} is not sha1= or sha256= followed by a base64 or hex digest`);
	const expected = createHmac(parsed.algorithm, Buffer.from(config.clientSecret, 'utf8'))
		.update(rawBody ?? Buffer.alloc(0))
		.digest();
	if (!timingSafeEqual(expected, parsed.digest)) return refuse('bad_signature', `${HEADER_SIGNATURE} does not match the body and the client secret`);
	return { ok: true, algorithm: parsed.algorithm, encoding: parsed.encoding };
}
