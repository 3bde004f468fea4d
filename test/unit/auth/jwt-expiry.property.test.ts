/**
 * Property-based tests (fast-check) of JWT expiry reading: `expiresAtFrom` and the three token
 * readers that use it (OAuth2 `processTokenResponse`, Sentinel `processSentinelTokenResponse`,
 * Conversation Orchestrator `readOrchestratorToken`). Existing tests only check that garbage gives
 * LpError; these check the VALUE: the expiry is exactly the JWT `exp` (seconds → ms) or the
 * earlier of `exp` and `expires_in`, an invalid `exp` is an LpError naming the field, and no error
 * quotes the token.
 */
import fc from 'fast-check';
import { processTokenResponse } from '../../../lib/auth/oauth2';
import { expiresAtFrom } from '../../../lib/auth/token-cache';
import { LpError } from '../../../lib/errors';
import { readOrchestratorToken } from '../../../lib/liveperson/orchestrator-auth';
import { processSentinelTokenResponse } from '../../../lib/liveperson/sentinel';
import type { HttpResponse } from '../../../lib/http';

const NOW = 1_800_000_000_000;
const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const jwtWith = (payload: Record<string, unknown>, sig: string) => `${b64url({ alg: 'RS256', typ: 'JWT' })}.${b64url(payload)}.${sig}`;
const signature = fc.stringMatching(/^[A-Za-z0-9_-]{16,86}$/);
/** exp in seconds, from the past to far future (JWT NumericDate). */
const exp = fc.integer({ min: 1, max: 4_102_444_800 });
const expiresIn = fc.integer({ min: 0, max: 10 * 365 * 86_400 });
const claims = fc.dictionary(fc.constantFrom('sub', 'iss', 'aud', 'jti', 'scope', 'accountId'), fc.oneof(fc.string({ maxLength: 20 }), fc.integer()), { maxKeys: 4 });
const json = (status: number, body: unknown): HttpResponse => ({ status, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(body)), attempts: 1 });

describe('expiresAtFrom: the JWT exp, exactly', () => {
	test('a JWT with a numeric exp and nothing else → exp × 1000', () => {
		fc.assert(fc.property(exp, claims, signature, (e, extra, sig) => expiresAtFrom({ jwt: jwtWith({ ...extra, exp: e }, sig), now: NOW }) === e * 1000), { numRuns: 500 });
	});

	test('exp and expires_in → the earlier of the two', () => {
		fc.assert(
			fc.property(exp, expiresIn, signature, (e, ein, sig) => expiresAtFrom({ jwt: jwtWith({ exp: e }, sig), expiresIn: ein, now: NOW }) === Math.min(e * 1000, NOW + ein * 1000)),
			{ numRuns: 500 },
		);
	});

	test('a fractional exp is kept (NumericDate allows it)', () => {
		fc.assert(fc.property(fc.double({ min: 1, max: 4e9, noNaN: true }), signature, (e, sig) => expiresAtFrom({ jwt: jwtWith({ exp: e }, sig), now: NOW }) === e * 1000));
	});

	test('exp that is not a number → LpError on the field "exp", never quoting the token', () => {
		const badExp = fc.oneof(fc.string(), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 2 }));
		fc.assert(
			fc.property(badExp, signature, (e, sig) => {
				const token = jwtWith({ exp: e, secret: 'do-not-print-me' }, sig);
				try {
					expiresAtFrom({ jwt: token, now: NOW });
					return false;
				} catch (error) {
					return error instanceof LpError && error.field === 'exp' && error.code === 'TOKEN_EXPIRY_INVALID' && !JSON.stringify(error.toJSON()).includes(sig);
				}
			}),
			{ numRuns: 300 },
		);
	});

	test('a JWT-shaped token whose payload is not JSON → LpError TOKEN_JWT_INVALID', () => {
		const notJson = fc.string({ minLength: 1, maxLength: 40 }).filter((t) => {
			try {
				JSON.parse(t);
				return false;
			} catch {
				return true;
			}
		});
		fc.assert(
			fc.property(notJson, signature, (payload, sig) => {
				try {
					expiresAtFrom({ jwt: `${b64url({ alg: 'RS256' })}.${Buffer.from(payload).toString('base64url')}.${sig}`, now: NOW });
					return false;
				} catch (error) {
					return error instanceof LpError && error.code === 'TOKEN_JWT_INVALID';
				}
			}),
			{ numRuns: 300 },
		);
	});
});

describe('the token readers carry the JWT expiry through', () => {
	const readers: Array<[string, (res: HttpResponse) => { value: string; expiresAt: number }]> = [
		['OAuth2 processTokenResponse', (res) => processTokenResponse(res, [], NOW)],
		['Sentinel processSentinelTokenResponse', (res) => processSentinelTokenResponse(res, [], NOW)],
		['Conversation Orchestrator readOrchestratorToken', (res) => readOrchestratorToken(res, [], NOW)],
	];

	test.each(readers)('%s: expiresAt = min(exp × 1000, now + expires_in), value = the token', (_name, read) => {
		// exp in the future (a reader may refuse an already-expired token).
		const futureExp = fc.integer({ min: Math.ceil(NOW / 1000) + 120, max: 4_102_444_800 });
		fc.assert(
			fc.property(futureExp, fc.option(fc.integer({ min: 120, max: 10 * 365 * 86_400 }), { nil: undefined }), claims, signature, (e, ein, extra, sig) => {
				const token = jwtWith({ ...extra, exp: e }, sig);
				const body: Record<string, unknown> = { access_token: token, token_type: 'Bearer' };
				if (ein !== undefined) body.expires_in = ein;
				const t = read(json(200, body));
				return t.value === token && t.expiresAt === Math.min(e * 1000, ein === undefined ? Infinity : NOW + ein * 1000);
			}),
			{ numRuns: 300 },
		);
	});

	test.each(readers)('%s: a JWT with an unreadable exp → LpError, token not quoted', (_name, read) => {
		fc.assert(
			fc.property(fc.oneof(fc.string({ minLength: 1 }), fc.boolean(), fc.constant(null)), signature, (e, sig) => {
				const token = jwtWith({ exp: e }, sig);
				try {
					read(json(200, { access_token: token, expires_in: 3600 }));
					return false;
				} catch (error) {
					return error instanceof LpError && !JSON.stringify(error.toJSON()).includes(sig) && !error.message.includes(token);
				}
			}),
			{ numRuns: 200 },
		);
	});
});
