/**
 * PKCE (RFC 7636) with the S256 method only (RFC 9700: "plain" is not offered).
 * The verifier is 43-128 characters of the unreserved set [A-Za-z0-9-._~].
 */
import { createHash, randomBytes } from 'crypto';
import { inputError } from '../errors';

export const PKCE_METHOD = 'S256' as const;
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;

export function isValidCodeVerifier(verifier: unknown): verifier is string {
	return typeof verifier === 'string' && VERIFIER.test(verifier);
}

/** A fresh random verifier: base64url of random bytes, `length` characters (43-128, default 64). */
export function generateCodeVerifier(length = 64): string {
	if (!Number.isInteger(length) || length < 43 || length > 128) {
		throw inputError('codeVerifierLength', 'The PKCE code verifier length must be an integer from 43 to 128');
	}
	return randomBytes(Math.ceil((length * 3) / 4) + 1)
		.toString('base64url')
		.slice(0, length);
}

/** The S256 code challenge: BASE64URL(SHA256(ASCII(verifier))). */
export function codeChallengeS256(verifier: string): string {
	if (!isValidCodeVerifier(verifier)) {
		throw inputError('codeVerifier', 'The PKCE code verifier must be 43 to 128 characters of A-Z, a-z, 0-9, "-", ".", "_", "~"');
	}
	return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

export interface PkcePair {
	verifier: string;
	challenge: string;
	method: typeof PKCE_METHOD;
}

export function createPkcePair(length?: number): PkcePair {
	const verifier = generateCodeVerifier(length);
	return { verifier, challenge: codeChallengeS256(verifier), method: PKCE_METHOD };
}
