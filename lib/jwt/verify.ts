/**
 * JWT verification (jose 5) against a JWKS URL or a pasted key.
 *
 * - Algorithms are pinned by the caller (required; `none` never accepted). An HMAC algorithm with
 *   an asymmetric key is refused up front, so a token "signed" with the public key as an HMAC
 *   secret can never verify (algorithm confusion).
 * - JWKS are fetched through this package's transport and outbound policy (not jose's own fetch):
 *   `send()` + `createLocalJWKSet`, cached per URL with a max age, refetched once on an unknown
 *   `kid` unless a fetch happened within the cooldown.
 * - HMAC keys must be at least as long as the hash output (RFC 7518 §3.2: HS256 32 bytes, HS384 48,
 *   HS512 64); an empty or undecodable `k` is refused as configuration, never used as a key.
 * - `exp` is required by default (`requireExpiration`); the clock tolerance is checked here
 *   (a finite number of seconds, 0 to 600), not only by the n8n form.
 * - Every part of the token must be canonical base64url (no `=` padding, no characters outside the
 *   alphabet, no set bits after the last whole byte), so one token has exactly one valid spelling:
 *   Node's decoder would otherwise accept `sig=` or a signature with other trailing bits.
 * - The JWKS cache is keyed by URL and outbound-policy fingerprint, so a key set fetched under a
 *   permissive "Allowed Internal Networks" is never served to a node whose policy forbids the host.
 * - The result never contains the token; messages never quote it.
 */
import { createPublicKey, KeyObject } from 'node:crypto';
import * as jose from 'jose';
import { LpError, inputError, safeUrl } from '../errors';
import { parseJsonBody, send, statusError } from '../http';
import { OutboundPolicy } from '../net/policy';

export const SUPPORTED_ALGORITHMS = [
	'RS256',
	'RS384',
	'RS512',
	'PS256',
	'PS384',
	'PS512',
	'ES256',
	'ES384',
	'ES512',
	'EdDSA',
	'HS256',
	'HS384',
	'HS512',
] as const;

export type InvalidReason =
	| 'expired'
	| 'not_yet_valid'
	| 'bad_signature'
	| 'wrong_issuer'
	| 'wrong_audience'
	| 'unknown_key'
	| 'malformed'
	| 'missing_expiration'
	| 'algorithm_not_allowed';

export type VerifyResult =
	| { valid: true; claims: jose.JWTPayload; header: jose.ProtectedHeaderParameters }
	| { valid: false; reason: InvalidReason; message: string };

export type KeySource =
	| { type: 'jwks'; url: string; policy?: OutboundPolicy; cache?: JwksCache }
	| { type: 'pem'; pem: string }
	| { type: 'jwk'; jwk: string | jose.JWK };

export interface VerifyOptions {
	key: KeySource;
	/** Accepted `alg` values (required, non-empty; `none` refused). */
	algorithms: string[];
	issuer?: string | string[];
	audience?: string | string[];
	/** Seconds of leeway for exp/nbf: a finite number from 0 to 600. Default 0. */
	clockToleranceSec?: number;
	/** Tokens without an `exp` claim are invalid (reason `missing_expiration`). Default true. */
	requireExpiration?: boolean;
	/** For tests: the time to verify at. */
	currentDate?: Date;
}

const isHmac = (alg: string) => /^HS\d{3}$/.test(alg);

/** Validates the pinned algorithm list (throws LpError('input') naming the field). */
export function checkAlgorithms(algorithms: string[] | undefined): string[] {
	const list = (algorithms ?? []).map((a) => String(a).trim()).filter(Boolean);
	if (!list.length) throw inputError('algorithms', 'Select at least one signature algorithm', 'Pin the algorithms the issuer uses, e.g. RS256.', 'NO_ALGORITHMS');
	for (const alg of list) {
		if (alg.toLowerCase() === 'none') throw inputError('algorithms', 'The algorithm "none" (unsigned tokens) is never accepted', undefined, 'ALG_NONE');
		if (!(SUPPORTED_ALGORITHMS as readonly string[]).includes(alg))
			throw inputError('algorithms', `Unsupported algorithm "${alg}"`, `Use one of ${SUPPORTED_ALGORITHMS.join(', ')}.`, 'UNSUPPORTED_ALGORITHM');
	}
	return [...new Set(list)];
}

/** The largest clock tolerance accepted, in seconds (the node's form has the same limit). */
export const MAX_CLOCK_TOLERANCE_SEC = 600;

/** The clock tolerance the nodes' forms start with, in seconds. */
export const DEFAULT_CLOCK_TOLERANCE_SEC = 30;

/** Validates the clock tolerance (throws LpError('input') naming `field`): finite, 0 to 600 s. */
export function checkClockTolerance(value: unknown, field = 'clockTolerance'): number {
	if (value === undefined || value === null) return 0;
	if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > MAX_CLOCK_TOLERANCE_SEC)
		throw inputError(
			field,
			`The clock tolerance must be a number of seconds from 0 to ${MAX_CLOCK_TOLERANCE_SEC}`,
			'Use a small leeway such as 30 seconds; a large one keeps expired tokens valid.',
			'INVALID_CLOCK_TOLERANCE',
		);
	return value;
}

/** Minimum HMAC key length in bytes per algorithm: the hash output size (RFC 7518 §3.2). */
export const HMAC_MIN_KEY_BYTES: Readonly<Record<string, number>> = { HS256: 32, HS384: 48, HS512: 64 };

/**
 * Strict base64url: only the URL-safe alphabet, no padding, and the encoding of the decoded bytes
 * must give back the same text (no extra bits after the last byte). Undefined when not canonical.
 */
export function decodeCanonicalBase64url(text: string): Uint8Array | undefined {
	if (typeof text !== 'string' || !/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return undefined;
	const bytes = Buffer.from(text, 'base64url');
	if (bytes.toString('base64url') !== text) return undefined;
	return new Uint8Array(bytes);
}

/* ----------------------------------------------------------------------------------------- */
/* JWKS cache                                                                                 */
/* ----------------------------------------------------------------------------------------- */

export interface JwksCacheOptions {
	/** How long a fetched set is used before it is fetched again. Default 10 minutes. */
	maxAgeMs?: number;
	/** No refetch for an unknown kid within this time of the last fetch. Default 30 s. */
	cooldownMs?: number;
	/** Per-request time limit. Default 5 s. */
	timeoutMs?: number;
	now?: () => number;
}

interface JwksEntry {
	jwks: jose.JSONWebKeySet;
	getKey: ReturnType<typeof jose.createLocalJWKSet>;
	fetchedAt: number;
}

export class JwksCache {
	private readonly entries = new Map<string, JwksEntry>();
	private readonly inflight = new Map<string, Promise<JwksEntry>>();
	readonly maxAgeMs: number;
	readonly cooldownMs: number;
	readonly timeoutMs: number;
	private readonly now: () => number;
	/** Number of HTTP fetches made (for tests and diagnostics). */
	fetches = 0;

	constructor(options: JwksCacheOptions = {}) {
		this.maxAgeMs = options.maxAgeMs ?? 10 * 60_000;
		this.cooldownMs = options.cooldownMs ?? 30_000;
		this.timeoutMs = options.timeoutMs ?? 5_000;
		this.now = options.now ?? Date.now;
	}

	/**
	 * Entries are keyed by the policy fingerprint and the URL: a set fetched under a policy that
	 * allowed the host is only ever served to callers with that same policy. Another policy fetches
	 * (and is checked) on its own.
	 */
	private static keyOf(url: string, policy: OutboundPolicy): string {
		return `${policy.fingerprint} ${url}`;
	}

	/** The cached set for `url` under `policy`, fetched when missing or older than maxAge (single-flight). */
	async get(url: string, policy: OutboundPolicy): Promise<JwksEntry> {
		const entry = this.entries.get(JwksCache.keyOf(url, policy));
		if (entry && this.now() - entry.fetchedAt < this.maxAgeMs) return entry;
		return this.fetch(url, policy);
	}

	/** Refetch after an unknown kid, unless the last fetch is younger than the cooldown. */
	async refreshForUnknownKid(url: string, policy: OutboundPolicy): Promise<JwksEntry | undefined> {
		const entry = this.entries.get(JwksCache.keyOf(url, policy));
		if (entry && this.now() - entry.fetchedAt < this.cooldownMs) return undefined;
		return this.fetch(url, policy);
	}

	clear(): void {
		this.entries.clear();
	}

	private fetch(url: string, policy: OutboundPolicy): Promise<JwksEntry> {
		const key = JwksCache.keyOf(url, policy);
		let pending = this.inflight.get(key);
		if (!pending) {
			pending = this.load(url, policy, key).finally(() => this.inflight.delete(key));
			this.inflight.set(key, pending);
		}
		return pending;
	}

	private async load(url: string, policy: OutboundPolicy, key: string): Promise<JwksEntry> {
		let parsed: URL;
		try {
			parsed = new URL(url);
		} catch {
			throw inputError('jwksUrl', 'The JWKS URL is not a valid URL', 'Enter the full https:// address of the key set.', 'INVALID_URL');
		}
		this.fetches++;
		const res = await send({
			url: parsed,
			headers: { accept: 'application/json, application/jwk-set+json' },
			timeoutMs: this.timeoutMs,
			maxResponseBytes: 512 * 1024,
			serviceName: 'The JWKS endpoint',
			policy,
			maxRedirects: 3,
		});
		if (res.status < 200 || res.status >= 300) throw statusError(res, 'The JWKS endpoint', [], `Check the JWKS URL ${safeUrl(parsed)}.`);
		const body = parseJsonBody(res, 'The JWKS endpoint') as { keys?: unknown };
		if (!body || typeof body !== 'object' || !Array.isArray(body.keys)) {
			throw new LpError('response', `The JWKS endpoint answered JSON without a "keys" array (${safeUrl(parsed)})`, { code: 'INVALID_JWKS' });
		}
		const jwks = { keys: (body.keys as unknown[]).filter((k): k is jose.JWK => !!k && typeof k === 'object' && typeof (k as jose.JWK).kty === 'string') };
		let getKey: ReturnType<typeof jose.createLocalJWKSet>;
		try {
			getKey = jose.createLocalJWKSet(jwks);
		} catch (error) {
			throw new LpError('response', `The JWKS endpoint answered an invalid key set (${safeUrl(parsed)})`, { code: 'INVALID_JWKS', cause: error });
		}
		const entry: JwksEntry = { jwks, getKey, fetchedAt: this.now() };
		this.entries.set(key, entry);
		return entry;
	}
}

let defaultCache: JwksCache | undefined;
/** The process-wide JWKS cache (10 min max age, 30 s cooldown). */
export function sharedJwksCache(): JwksCache {
	if (!defaultCache) defaultCache = new JwksCache();
	return defaultCache;
}

/* ----------------------------------------------------------------------------------------- */
/* Static keys                                                                                */
/* ----------------------------------------------------------------------------------------- */

type StaticKey = { key: KeyObject | Uint8Array; symmetric: boolean };

/** Reads a pasted SPKI PEM / X.509 certificate, or a JWK (JSON); refuses private keys. */
export async function importStaticKey(source: Extract<KeySource, { type: 'pem' | 'jwk' }>, algorithms: string[]): Promise<StaticKey> {
	if (source.type === 'pem') {
		const pem = (source.pem ?? '').trim();
		if (/PRIVATE KEY-----/.test(pem))
			throw inputError('publicKey', 'A private key was pasted where the public key is expected', 'Paste the issuer\'s public key ("-----BEGIN PUBLIC KEY-----") or certificate; never share the private key.', 'PRIVATE_KEY_GIVEN');
		if (!/^-----BEGIN (PUBLIC KEY|CERTIFICATE|RSA PUBLIC KEY)-----/.test(pem))
			throw inputError('publicKey', 'The public key must be a PEM block starting with "-----BEGIN PUBLIC KEY-----" (or a certificate)', undefined, 'INVALID_PEM');
		try {
			const key = createPublicKey(pem);
			return { key, symmetric: false };
		} catch (error) {
			throw new LpError('input', 'The public key PEM could not be read', { field: 'publicKey', code: 'INVALID_PEM', cause: error });
		}
	}
	let jwk: jose.JWK;
	try {
		jwk = typeof source.jwk === 'string' ? (JSON.parse(source.jwk) as jose.JWK) : source.jwk;
	} catch (error) {
		throw new LpError('input', 'The JWK is not valid JSON', { field: 'jwk', code: 'INVALID_JWK', cause: error });
	}
	if (!jwk || typeof jwk !== 'object' || typeof jwk.kty !== 'string') throw inputError('jwk', 'The JWK must be a JSON object with a "kty" member', undefined, 'INVALID_JWK');
	if (jwk.kty !== 'oct' && (jwk.d !== undefined || jwk.p !== undefined))
		throw inputError('jwk', 'A private JWK was pasted where the public key is expected', 'Remove the private members ("d", "p", "q", ...) or export the public key only.', 'PRIVATE_KEY_GIVEN');
	if (jwk.kty === 'oct') {
		if (!algorithms.every(isHmac))
			throw inputError('jwk', 'A symmetric ("oct") JWK can only be used with HS256/HS384/HS512', undefined, 'KEY_ALG_MISMATCH');
		const secret = typeof jwk.k === 'string' ? decodeCanonicalBase64url(jwk.k) : undefined;
		if (!secret || secret.length === 0)
			throw inputError(
				'jwk',
				'The symmetric JWK has no usable "k": it must be the shared secret in base64url (non-empty, no padding)',
				'Paste {"kty":"oct","k":"<secret in base64url>"} with the issuer\'s shared secret.',
				'INVALID_JWK',
			);
		// RFC 7518 §3.2: a key of the same size as the hash output or larger. A shorter key (down to
		// zero bytes) lets anyone who guesses it sign tokens, so it is refused, not used.
		const needed = Math.max(...algorithms.map((alg) => HMAC_MIN_KEY_BYTES[alg] ?? 0));
		if (secret.length < needed) {
			const strictest = algorithms.find((alg) => HMAC_MIN_KEY_BYTES[alg] === needed);
			throw inputError(
				'jwk',
				`The symmetric JWK's "k" is ${secret.length} byte${secret.length === 1 ? '' : 's'}: ${strictest} needs a key of at least ${needed} bytes (RFC 7518 §3.2)`,
				'Use a longer random shared secret (at least the hash size), or pin only the algorithms the key is long enough for.',
				'HMAC_KEY_TOO_SHORT',
			);
		}
		return { key: secret, symmetric: true };
	}
	try {
		const key = createPublicKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' });
		return { key, symmetric: false };
	} catch (error) {
		throw new LpError('input', 'The JWK could not be read as a public key', { field: 'jwk', code: 'INVALID_JWK', cause: error });
	}
}

/* ----------------------------------------------------------------------------------------- */
/* Verification                                                                               */
/* ----------------------------------------------------------------------------------------- */

const invalid = (reason: InvalidReason, message: string): VerifyResult => ({ valid: false, reason, message });

/** Maps jose's errors to a reason and a token-free message. Unknown errors are rethrown. */
function classify(error: unknown): VerifyResult {
	if (error instanceof jose.errors.JWTExpired) return invalid('expired', 'The token has expired ("exp" is in the past)');
	if (error instanceof jose.errors.JWTClaimValidationFailed) {
		switch (error.claim) {
			case 'nbf':
				return error.reason === 'check_failed' ? invalid('not_yet_valid', 'The token is not valid yet ("nbf" is in the future)') : invalid('malformed', 'The "nbf" claim is not a number');
			case 'iss':
				return error.reason === 'check_failed' ? invalid('wrong_issuer', 'The token was issued by another issuer ("iss" does not match)') : invalid('wrong_issuer', 'The token has no "iss" claim');
			case 'aud':
				return error.reason === 'check_failed' ? invalid('wrong_audience', 'The token is for another audience ("aud" does not match)') : invalid('wrong_audience', 'The token has no "aud" claim');
			case 'exp':
				return error.reason === 'missing'
					? invalid('missing_expiration', 'The token has no expiry ("exp" claim) and Require Expiration is on')
					: invalid('malformed', 'The "exp" claim is not a number');
			default:
				return invalid('malformed', `The "${error.claim}" claim is invalid`);
		}
	}
	if (error instanceof jose.errors.JWSSignatureVerificationFailed) return invalid('bad_signature', 'The signature does not match the key');
	if (error instanceof jose.errors.JOSEAlgNotAllowed) return invalid('algorithm_not_allowed', 'The token\'s algorithm is not one of the allowed algorithms');
	if (error instanceof jose.errors.JWKSNoMatchingKey) return invalid('unknown_key', 'No key in the key set matches the token ("kid"/algorithm)');
	if (error instanceof jose.errors.JWKSMultipleMatchingKeys) return invalid('unknown_key', 'Several keys in the key set match the token and none verified it');
	if (error instanceof jose.errors.JWSInvalid || error instanceof jose.errors.JWTInvalid || error instanceof jose.errors.JOSENotSupported)
		return invalid('malformed', 'The token is not a well-formed signed JWT');
	if (error instanceof TypeError && /key/i.test(error.message)) return invalid('algorithm_not_allowed', 'The token\'s algorithm does not fit the key type');
	throw error;
}

/** Removes a leading "Bearer " (any case) and surrounding white space. */
export function stripBearer(value: string): string {
	return String(value ?? '').trim().replace(/^bearer\s+/i, '').trim();
}

/**
 * Verifies a compact JWS JWT. Returns `{ valid: false, reason, message }` for anything wrong with
 * the token; throws LpError for configuration problems and for JWKS fetch failures.
 */
export async function verifyJwt(token: string, options: VerifyOptions): Promise<VerifyResult> {
	const algorithms = checkAlgorithms(options.algorithms);
	const clockTolerance = checkClockTolerance(options.clockToleranceSec);
	// Configuration first (same error whatever the token): key readable, algorithms fit the key.
	const source = options.key;
	let staticKey: StaticKey | undefined;
	if (source.type === 'jwks') {
		if (algorithms.some(isHmac))
			throw inputError('algorithms', 'HS256/HS384/HS512 cannot be used with a JWKS URL (public keys only)', 'Remove the HS* algorithms, or paste the shared secret as a JWK.', 'KEY_ALG_MISMATCH');
	} else {
		staticKey = await importStaticKey(source, algorithms);
		if (!staticKey.symmetric && algorithms.some(isHmac))
			throw inputError(
				'algorithms',
				'HS256/HS384/HS512 cannot be used with a public key (algorithm confusion)',
				'Remove the HS* algorithms: with an RSA, EC or Ed25519 public key only RS*, PS*, ES* or EdDSA make sense.',
				'KEY_ALG_MISMATCH',
			);
	}
	const compact = stripBearer(token);
	if (!compact) return invalid('malformed', 'No token given');
	const parts = compact.split('.');
	if (parts.length !== 3) return invalid('malformed', 'The token is not a compact signed JWT (three dot-separated parts)');
	// One token, one spelling: jose (through Node's Buffer) would also accept padded or otherwise
	// non-canonical base64url, e.g. the same signature followed by "=" or with other unused bits.
	const partNames = ['header', 'payload', 'signature'];
	for (let p = 0; p < 3; p++) {
		if (!decodeCanonicalBase64url(parts[p]))
			return invalid('malformed', `The token ${partNames[p]} is not canonical base64url (no "=" padding, URL-safe alphabet only)`);
	}

	let header: jose.ProtectedHeaderParameters;
	try {
		header = jose.decodeProtectedHeader(compact);
	} catch {
		return invalid('malformed', 'The token header is not valid base64url JSON');
	}
	if (typeof header.alg !== 'string' || header.alg.toLowerCase() === 'none')
		return invalid('algorithm_not_allowed', 'Unsigned tokens (alg "none") are never accepted');
	if (!algorithms.includes(header.alg)) return invalid('algorithm_not_allowed', `The token's algorithm "${header.alg.slice(0, 20)}" is not one of the allowed algorithms (${algorithms.join(', ')})`);

	const verifyOptions: jose.JWTVerifyOptions = {
		algorithms,
		issuer: options.issuer === '' ? undefined : options.issuer,
		audience: options.audience === '' ? undefined : options.audience,
		clockTolerance,
		currentDate: options.currentDate,
		requiredClaims: options.requireExpiration === false ? undefined : ['exp'],
	};

	if (source.type === 'jwks') {
		const policy = source.policy ?? new OutboundPolicy();
		const cache = source.cache ?? sharedJwksCache();
		const entry = await cache.get(source.url, policy);
		try {
			const { payload, protectedHeader } = await jose.jwtVerify(compact, entry.getKey, verifyOptions);
			return { valid: true, claims: payload, header: protectedHeader };
		} catch (error) {
			if (!(error instanceof jose.errors.JWKSNoMatchingKey)) return classify(error);
			// Unknown kid: the issuer may have rotated its keys. Refetch once (respecting the cooldown).
			const fresh = await cache.refreshForUnknownKid(source.url, policy);
			if (!fresh) return classify(error);
			try {
				const { payload, protectedHeader } = await jose.jwtVerify(compact, fresh.getKey, verifyOptions);
				return { valid: true, claims: payload, header: protectedHeader };
			} catch (retryError) {
				return classify(retryError);
			}
		}
	}

	if (!staticKey) throw new LpError('config', 'No verification key');
	try {
		const { payload, protectedHeader } = await jose.jwtVerify(compact, staticKey.key, verifyOptions);
		return { valid: true, claims: payload, header: protectedHeader };
	} catch (error) {
		return classify(error);
	}
}
