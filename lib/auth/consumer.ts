/**
 * Consumer Pre-Authentication (Conversation Builder): the consumer is already authenticated by the
 * brand's identity provider, and the bot calls the brand's API with the consumer's own token.
 *
 * - `checkConsumerToken`: the token from the item (a leading "Bearer " removed), required, one line.
 * - Token types: LivePerson's own Consumer Authentication verifies the **id_token** (signature with the
 *   brand's public key / JWKS, iss, exp); access tokens may be opaque (RFC 6749 does not make them JWTs).
 *   The node verifies the access token when it is a JWT, the id_token of the same sign-in when the
 *   access token is opaque, or nothing when the user says so.
 * - `verifyConsumerToken`: optional check against the identity provider before any request (the
 *   Verify JWT logic, lib/jwt/verify.ts: JWKS URL or pasted key, pinned algorithms, issuer,
 *   audience, `exp` required): an expired, wrongly signed or wrong-audience token is refused with a
 *   clear error and nothing is sent.
 * - `consumerTokenStrategy`: the token as `Authorization: Bearer …`, one strategy per item. Its
 *   secrets are the token and the header, so no error built from any answer can quote them. A 401
 *   is the API's final answer: the package cannot get the consumer a new token (no re-send).
 *
 * The token is never copied into an output or a message.
 */
import { LpError, inputError } from '../errors';
import type { AuthStrategy } from '../http/types';
import { stripBearer, verifyJwt, type VerifyOptions, type VerifyResult } from '../jwt/verify';

const FIELD = 'consumerToken';

/** The consumer's token as sent: "Bearer " removed, required, no spaces or line breaks. */
export function checkConsumerToken(raw: unknown, field = FIELD): string {
	const token = stripBearer(typeof raw === 'string' ? raw : '');
	if (!token) {
		if (field !== FIELD) throw inputError(field, 'ID Token is empty for this item', "Map the consumer's id_token from the same sign-in as the access token.", 'CONSUMER_ID_TOKEN_MISSING');
		throw inputError(FIELD, 'Consumer Token is empty for this item', 'Map the consumer\'s token from the item, e.g. {{ $json.consumerToken }} or the Authorization header of the incoming request.', 'CONSUMER_TOKEN_MISSING');
	}
	if (/[\s\u0000-\u001f\u007f]/.test(token)) throw inputError(field, 'The token must be one token without spaces or line breaks', undefined, 'CONSUMER_TOKEN_INVALID');
	return token;
}

const REASON_HINTS: Record<string, string> = {
	expired: 'The consumer has to sign in again: ask the identity provider for a fresh token.',
	not_yet_valid: 'The token is not valid yet: check the clock of the identity provider and of the n8n host.',
	bad_signature: 'The token was not signed by a key of the configured identity provider (forged or another issuer).',
	wrong_issuer: 'Check the Issuer setting against the token\'s "iss".',
	wrong_audience: 'The token was issued for another API: check the Audience setting against the token\'s "aud".',
	unknown_key: 'No key of the JWKS matches the token\'s "kid": check the JWKS URL.',
	malformed:
		'The value is not a signed JWT. If your identity provider issues opaque access tokens, set Token Type to "Opaque, Verify the ID Token" (LivePerson itself checks the id_token) or "Opaque, Not Verified"; otherwise check the expression of Consumer Token.',
	missing_expiration: 'Tokens without "exp" are refused: a token that never expires stays usable forever if it leaks.',
	algorithm_not_allowed: 'Check the Algorithms setting against the token\'s "alg".',
};

/**
 * Verifies the consumer's token before any request. Resolves with the verification result when
 * valid; throws LpError kind 'auth' (code CONSUMER_TOKEN_<REASON>) naming the reason otherwise, and
 * LpError 'input'/'network' for configuration or JWKS problems (from verifyJwt).
 */
export async function verifyConsumerToken(token: string, options: VerifyOptions, field = FIELD): Promise<Extract<VerifyResult, { valid: true }>> {
	const result = await verifyJwt(token, options);
	if (result.valid) return result;
	const what = field === FIELD ? 'consumer token' : "consumer's ID token";
	throw new LpError('auth', `The ${what} was refused before any request: ${result.message}`, {
		field,
		code: `CONSUMER_TOKEN_${result.reason.toUpperCase()}`,
		hint: REASON_HINTS[result.reason],
	});
}

/**
 * The audience a consumer token must carry. Safe by default: an empty Audience is refused (a token
 * issued for any other API of the same identity provider would otherwise be accepted), unless the
 * user explicitly chose to accept any audience.
 */
export function consumerAudience(value: unknown, acceptAnyAudience: boolean): string | string[] | undefined {
	const parts = String(value ?? '')
		.split(/[\s,]+/)
		.filter(Boolean);
	if (!parts.length) {
		if (acceptAnyAudience) return undefined;
		throw inputError(
			'consumerAudience',
			'Audience is required to verify the consumer token',
			'Enter the "aud" your identity provider puts in tokens for this API (several separated by commas). Only if the provider issues no audience, turn on "Accept Any Audience".',
			'CONSUMER_AUDIENCE_MISSING',
		);
	}
	return parts.length === 1 ? parts[0] : parts;
}

/** `Authorization: Bearer <consumer token>` for one item. */
export function consumerTokenStrategy(token: string): AuthStrategy {
	const value = checkConsumerToken(token);
	const header = `Bearer ${value}`;
	return {
		label: 'Consumer token (pre-authenticated)',
		apply: () => ({ headers: { authorization: header } }),
		secrets: () => [value, header],
	};
}
