/**
 * JWT verification (jose 5) against a JWKS URL or a pasted key.
 *
 * - Algorithms are pinned by the caller (required; `none` never accepted). An HMAC algorithm with
 *   an asymmetric key is refused up front, so a token "signed" with the public key as an HMAC
 *   secret can never verify (algorithm confusion).
 * - JWKS are fetched through this package's transport and outbound policy (not jose's own fetch):
 *   `send()` + `createLocalJWKSet`, cached per URL with a max age, refetched once on an unknown
 *   `kid` unless a fetch happened within the cooldown.
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
	/** Seconds of leeway for exp/nbf. Default 0. */
	clockToleranceSec?: number;
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

	/** The cached set for `url`, fetched when missing or older than maxAge (single-flight). */
	async get(url: string, policy: OutboundPolicy): Promise<JwksEntry> {
		const entry = this.entries.get(url);
		if (entry && this.now() - entry.fetchedAt < this.maxAgeMs) return entry;
		return this.fetch(url, policy);
	}

	/** Refetch after an unknown kid, unless the last fetch is younger than the cooldown. */
	async refreshForUnknownKid(url: string, policy: OutboundPolicy): Promise<JwksEntry | undefined> {
		const entry = this.entries.get(url);
		if (entry && this.now() - entry.fetchedAt < this.cooldownMs) return undefined;
		return this.fetch(url, policy);
	}

	clear(): void {
		this.entries.clear();
	}

	private fetch(url: string, policy: OutboundPolicy): Promise<JwksEntry> {
		let pending = this.inflight.get(url);
		if (!pending) {
			pending = this.load(url, policy).finally(() => this.inflight.delete(url));
			this.inflight.set(url, pending);
		}
		return pending;
	}

	private async load(url: string, policy: OutboundPolicy): Promise<JwksEntry> {
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
		this.entries.set(url, entry);
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
		try {
			return { key: jose.base64url.decode(jwk.k ?? ''), symmetric: true };
		} catch (error) {
			throw new LpError('input', 'The symmetric JWK has no valid "k"', { field: 'jwk', code: 'INVALID_JWK', cause: error });
		}
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
				return invalid('malformed', 'The "exp" claim is not a number');
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
	if (compact.split('.').length !== 3) return invalid('malformed', 'The token is not a compact signed JWT (three dot-separated parts)');

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
		clockTolerance: options.clockToleranceSec ?? 0,
		currentDate: options.currentDate,
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
