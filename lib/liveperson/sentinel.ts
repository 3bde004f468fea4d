/**
 * Sentinel: LivePerson's OAuth 2.0 token server, client credentials grant (reference §2, DevC
 * `oauth-2-0-client-credentials.html`):
 *
 *   POST https://{sentinel}/sentinel/api/v2/account/{accountId}/app/token
 *   Content-Type: application/x-www-form-urlencoded
 *   client_id=…&client_secret=…&grant_type=client_credentials
 *   → {access_token, token_type: "Bearer", expires_in}
 *
 * The host comes from CSDS service `sentinel`. `expires_in` arrives as a number or a string (the FaaS
 * toolbelt reads it as a string); without it the JWT `exp` is used. Tokens are refreshed 60 s before
 * they expire: that margin is the token cache's (lib/auth/token-cache.ts, capped at half the lifetime).
 */
import { expiresAtFrom, type CachedToken } from '../auth/token-cache';
import { inputError, LpError } from '../errors';
import { HttpResponse, parseJsonBody, type RetryPolicy, send, statusError, TOKEN_REQUEST_RETRY, bodySnippet } from '../http';
import type { OutboundPolicy } from '../net/policy';
import { resolveServiceBase, validateAccountId } from './csds';

export const SENTINEL_SERVICE = 'Sentinel';
/** Lifetime assumed when the answer gives neither `expires_in` nor a JWT `exp` (documented tokens live 1 h). */
export const DEFAULT_SENTINEL_LIFETIME_MS = 60 * 60 * 1000;

export interface ClientCredentials {
	accountId: string;
	clientId: string;
	clientSecret: string;
}

export interface SentinelRequest {
	url: string;
	method: 'POST';
	headers: Record<string, string>;
	body: string;
	secrets: string[];
}

export function buildSentinelTokenRequest(sentinelBase: string, creds: ClientCredentials): SentinelRequest {
	const account = validateAccountId(creds.accountId);
	const clientId = typeof creds.clientId === 'string' ? creds.clientId.trim() : '';
	if (!clientId) throw inputError('clientId', 'Client ID is empty: OAuth 2.0 client credentials need the client ID of the installed application');
	if (typeof creds.clientSecret !== 'string' || creds.clientSecret.length === 0) {
		throw inputError('clientSecret', 'Client Secret is empty: OAuth 2.0 client credentials need the client secret of the installed application');
	}
	const form = new URLSearchParams({ client_id: clientId, client_secret: creds.clientSecret, grant_type: 'client_credentials' });
	return {
		url: `${sentinelBase.replace(/\/+$/, '')}/sentinel/api/v2/account/${encodeURIComponent(account)}/app/token`,
		method: 'POST',
		headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
		body: form.toString(),
		secrets: [creds.clientSecret],
	};
}

/** Pure: token answer → cached token (Bearer, expiry), or a typed error (only LpError is thrown). */
export function processSentinelTokenResponse(res: HttpResponse, secrets: string[] = [], now = Date.now()): CachedToken {
	try {
		if (res.status < 200 || res.status > 299) {
			// RFC 6749 §5.2 error codes are safe to show; descriptions are redacted.
			let code: string | undefined;
			try {
				const body = JSON.parse(res.body.toString('utf8')) as { error?: unknown };
				if (typeof body?.error === 'string' && /^[A-Za-z0-9_.-]{1,64}$/.test(body.error)) code = body.error;
			} catch {
				/* not JSON: the snippet shows what came */
			}
			if (res.status === 400 || res.status === 401 || res.status === 403) {
				return fail(
					new LpError('auth', `${SENTINEL_SERVICE} refused the client credentials (HTTP ${res.status}${code ? `, ${code}` : ''})`, {
						status: res.status,
						code: 'SENTINEL_REFUSED',
						responseSnippet: bodySnippet(res, secrets),
						hint: 'Check the account ID, Client ID and Client Secret: the application must be installed on this account with the client_credentials grant.',
					}),
				);
			}
			return fail(statusError(res, SENTINEL_SERVICE, secrets));
		}
		const body = parseJsonBody(res, SENTINEL_SERVICE, secrets) as Record<string, unknown> | null;
		if (typeof body !== 'object' || body === null || Array.isArray(body)) {
			return fail(new LpError('response', `${SENTINEL_SERVICE} answered without a JSON object`, { status: res.status, code: 'SENTINEL_SHAPE' }));
		}
		const token = body.access_token;
		if (typeof token !== 'string' || token.length === 0) {
			return fail(
				new LpError('response', `${SENTINEL_SERVICE} answered HTTP ${res.status} without an "access_token"`, {
					status: res.status,
					code: 'SENTINEL_NO_TOKEN',
					hint: 'The sentinel host does not look like a LivePerson token server: check the CSDS host.',
				}),
			);
		}
		const tokenType = typeof body.token_type === 'string' && body.token_type ? body.token_type : 'Bearer';
		if (tokenType.toLowerCase() !== 'bearer') {
			return fail(new LpError('response', `${SENTINEL_SERVICE} issued a "${tokenType.slice(0, 30)}" token; a Bearer token was expected`, { code: 'SENTINEL_TOKEN_TYPE' }));
		}
		const expiresIn = typeof body.expires_in === 'number' || typeof body.expires_in === 'string' ? body.expires_in : undefined;
		const expiresAt = expiresAtFrom({ expiresIn, jwt: token, now, defaultMs: DEFAULT_SENTINEL_LIFETIME_MS });
		return { value: token, tokenType: 'Bearer', expiresAt };
	} catch (error) {
		if (error instanceof LpError) throw error;
		throw new LpError('response', `${SENTINEL_SERVICE} answer could not be read`, { code: 'SENTINEL_UNREADABLE', cause: error });
	}
}

function fail(error: LpError): never {
	throw error;
}

export interface SentinelOptions {
	/** Origin of Sentinel, when already known; otherwise CSDS `sentinel` of `csdsHost`. */
	sentinelBase?: string;
	csdsHost?: string;
	/** The credential's outbound policy (CSDS and Sentinel hosts). */
	policy?: OutboundPolicy;
	timeoutMs?: number;
	now?: () => number;
	/** Default TOKEN_REQUEST_RETRY (LivePerson's policy for logins); credential Tests pass shorter pauses. */
	retry?: RetryPolicy;
}

/** One token request (no cache: callers go through the token cache, see account-auth / c2m-auth). */
export async function fetchSentinelToken(creds: ClientCredentials, options: SentinelOptions = {}): Promise<CachedToken> {
	const accountId = validateAccountId(creds.accountId);
	buildSentinelTokenRequest('https://placeholder.invalid', creds); // field checks before any lookup
	const sentinel = options.sentinelBase ?? (await resolveServiceBase(options.csdsHost, accountId, 'sentinel', { policy: options.policy }));
	const req = buildSentinelTokenRequest(sentinel, { ...creds, accountId });
	const res = await send({
		...req,
		serviceName: SENTINEL_SERVICE,
		policy: options.policy,
		timeoutMs: options.timeoutMs ?? 20_000,
		retry: options.retry ?? TOKEN_REQUEST_RETRY,
	});
	return processSentinelTokenResponse(res, req.secrets, (options.now ?? Date.now)());
}
