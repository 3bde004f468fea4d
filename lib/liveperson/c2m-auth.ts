/**
 * Transfer to Messaging (Connect-to-Messaging, C2M) authentication, reference §5: the "APP JWT" is a
 * Sentinel client-credentials token for the account (DevC `connect-to-messaging-api.html` links to the
 * Connector API "get AppJWT" page, which uses the same grant). Cached in the shared token cache until
 * `expires_in` (refreshed 60 s early), one token request in flight per credential.
 *
 * The C2M host itself is CSDS `connectToMessagingDomain`; `resolveC2mBase` looks it up.
 */
import { fingerprint, tokenCache, type CachedToken } from '../auth/token-cache';
import { parseCsdsHost, resolveServiceBase, validateAccountId } from './csds';
import { fetchSentinelToken } from './sentinel';

export const C2M_CSDS_SERVICE = 'connectToMessagingDomain';

export interface TransferToMessagingCredentials {
	accountId: string;
	csdsHost?: string;
	clientId: string;
	clientSecret: string;
}

export interface C2mAuthOptions {
	timeoutMs?: number;
	now?: () => number;
}

export function c2mCacheKey(creds: TransferToMessagingCredentials): string {
	const accountId = validateAccountId(creds.accountId);
	const origin = parseCsdsHost(creds.csdsHost).origin;
	return `c2m:${fingerprint('livePersonTransferToMessagingApi', accountId, origin, (creds.clientId ?? '').trim(), creds.clientSecret ?? '')}`;
}

/** The cached app token (Sentinel client credentials). */
export async function getC2mToken(creds: TransferToMessagingCredentials, options: C2mAuthOptions = {}): Promise<CachedToken> {
	const accountId = validateAccountId(creds.accountId);
	return tokenCache.get(c2mCacheKey(creds), () =>
		fetchSentinelToken(
			{ accountId, clientId: (creds.clientId ?? '').trim(), clientSecret: creds.clientSecret ?? '' },
			{ csdsHost: creds.csdsHost, timeoutMs: options.timeoutMs, now: options.now },
		),
	);
}

/** `{authorization: 'Bearer <APP JWT>'}` for C2M calls. */
export async function getC2mAuthHeaders(creds: TransferToMessagingCredentials, options: C2mAuthOptions = {}): Promise<{ authorization: string }> {
	const token = await getC2mToken(creds, options);
	return { authorization: `Bearer ${token.value}` };
}

/** After a 401 from C2M (errorCode 1100 "invalid Bearer"): drop the token if it is still `value`. */
export function invalidateC2mToken(creds: TransferToMessagingCredentials, value?: string): void {
	tokenCache.invalidate(c2mCacheKey(creds), value?.replace(/^Bearer\s+/i, ''));
}

/** Origin of the account's C2M host (CSDS `connectToMessagingDomain`). */
export function resolveC2mBase(creds: Pick<TransferToMessagingCredentials, 'accountId' | 'csdsHost'>): Promise<string> {
	return resolveServiceBase(creds.csdsHost, validateAccountId(creds.accountId), C2M_CSDS_SERVICE);
}
