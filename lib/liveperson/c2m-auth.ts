/**
 * Transfer to Messaging (Connect-to-Messaging, C2M) authentication, reference §5: the "APP JWT" is a
 * Sentinel client-credentials token for the account (DevC `connect-to-messaging-api.html` links to the
 * Connector API "get AppJWT" page, which uses the same grant). Cached in the shared token cache until
 * `expires_in` (refreshed 60 s early), one token request in flight per credential.
 *
 * The C2M host itself is CSDS `connectToMessagingDomain`; `resolveC2mBase` looks it up.
 */
import { fingerprint, tokenCache, type CachedToken } from '../auth/token-cache';
import type { Applied, AuthStrategy } from '../http/types';
import { OutboundPolicy, policyForAllowText } from '../net/policy';
import { fieldText } from '../text';
import { parseCsdsHost, resolveServiceBase, validateAccountId } from './csds';
import { fetchSentinelToken } from './sentinel';

export const C2M_CSDS_SERVICE = 'connectToMessagingDomain';

export interface TransferToMessagingCredentials {
	accountId: string;
	csdsHost?: string;
	clientId: string;
	clientSecret: string;
	/** "Allowed Internal Networks" of the credential (CSDS, Sentinel, C2M hosts). */
	allowedInternalNetworks?: string;
}

export function c2mPolicy(creds: Pick<TransferToMessagingCredentials, 'allowedInternalNetworks'>): OutboundPolicy {
	return policyForAllowText(fieldText(creds.allowedInternalNetworks));
}

export interface C2mAuthOptions {
	timeoutMs?: number;
	now?: () => number;
}

export function c2mCacheKey(creds: TransferToMessagingCredentials): string {
	const accountId = validateAccountId(creds.accountId);
	const origin = parseCsdsHost(creds.csdsHost).origin;
	return `c2m:${fingerprint('c2m', accountId, origin, c2mPolicy(creds).fingerprint, (creds.clientId ?? '').trim(), creds.clientSecret ?? '')}`;
}

/** The cached app token (Sentinel client credentials). */
export async function getC2mToken(creds: TransferToMessagingCredentials, options: C2mAuthOptions = {}, key = c2mCacheKey(creds)): Promise<CachedToken> {
	const accountId = validateAccountId(creds.accountId);
	return tokenCache.get(key, () =>
		fetchSentinelToken(
			{ accountId, clientId: (creds.clientId ?? '').trim(), clientSecret: creds.clientSecret ?? '' },
			{ csdsHost: creds.csdsHost, policy: c2mPolicy(creds), timeoutMs: options.timeoutMs, now: options.now },
		),
	);
}

/**
 * The Transfer to Messaging credential as an auth strategy: `Authorization: Bearer <APP JWT>`; a 401
 * (error 1100 "invalid Bearer") drops that token so the pipeline fetches one more and re-sends once.
 */
export function c2mStrategy(creds: TransferToMessagingCredentials, options: C2mAuthOptions = {}): AuthStrategy {
	const key = c2mCacheKey(creds);
	const secrets = [fieldText(creds.clientSecret)].filter((s) => s.length > 0);
	return {
		label: 'Sentinel app token (APP JWT)',
		async apply(): Promise<Applied> {
			const token = await getC2mToken(creds, options, key);
			return { headers: { authorization: `Bearer ${token.value}` }, used: token.value };
		},
		invalidate(applied) {
			tokenCache.invalidate(key, applied.used);
			return true;
		},
		secrets: () => secrets,
	};
}

/** Origin of the account's C2M host (CSDS `connectToMessagingDomain`). */
export function resolveC2mBase(creds: Pick<TransferToMessagingCredentials, 'accountId' | 'csdsHost' | 'allowedInternalNetworks'>): Promise<string> {
	return resolveServiceBase(creds.csdsHost, validateAccountId(creds.accountId), C2M_CSDS_SERVICE, { policy: c2mPolicy(creds) });
}
