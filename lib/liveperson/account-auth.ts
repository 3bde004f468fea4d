/**
 * Authentication for the "LivePerson Account API" credential: one entry point for every node.
 *
 * - `userPassword`      Login Service user login → session bearer (cached until `sessionTTl`).
 * - `clientCredentials` Sentinel client credentials → app JWT (cached until `expires_in`, refreshed
 *                       60 s early). With `clientCredentialsFlow: 'loginService'` the documented
 *                       Login Service application login with OAuth2 fields is used instead (bot user
 *                       name + client ID/secret, access token fields "dummy") → session bearer.
 * - `oauth1`            DEPRECATED (see OAUTH1_DEPRECATION_NOTICE). Each request is signed with an
 *                       OAuth 1.0a HMAC-SHA1 `Authorization: OAuth …` header (`accountStrategy`).
 *                       A bearer (`getAccountBearer`) needs Application Login with the bot's user name.
 * - `none`              no login (CSDS lookups only).
 *
 * Tokens live in the process-wide `tokenCache`, keyed by a fingerprint of the credential fields, with
 * one login in flight per key however many items wait for it. `invalidateAccountBearer(creds, value)`
 * drops the token only if it is still the one that failed, so 200 items failing with the same
 * token cause one new login.
 */
import { fingerprint, tokenCache, type CachedToken } from '../auth/token-cache';
import type { Applied, AuthStrategy } from '../http/types';
import { OutboundPolicy, policyForAllowText } from '../net/policy';
import { inputError, isLpError, LpError } from '../errors';
import { parseCsdsHost, validateAccountId } from './csds';
import { login, LoginBody, LoginOptions, LoginSession, logout, refreshSession } from './login';
import { OAUTH1_DEPRECATION_NOTICE, oauth1AuthorizationHeader, OAuth1SignOptions } from './oauth1';
import { fetchSentinelToken } from './sentinel';
import { fieldText } from '../text';

export type AccountAuthMethod = 'userPassword' | 'clientCredentials' | 'oauth1' | 'none';

/** The decrypted fields of the `livePersonAccountApi` credential (extra fields are ignored). */
export interface LivePersonAccountCredentials {
	accountId: string;
	csdsHost?: string;
	authMethod?: AccountAuthMethod | string;
	username?: string;
	password?: string;
	clientId?: string;
	clientSecret?: string;
	/** 'sentinel' (default) or 'loginService' (application login with OAuth2 fields). */
	clientCredentialsFlow?: 'sentinel' | 'loginService' | string;
	appKey?: string;
	appSecret?: string;
	accessToken?: string;
	accessTokenSecret?: string;
	/** "Allowed Internal Networks" of the credential: CSDS and every LivePerson host it leads to. */
	allowedInternalNetworks?: string;
}

/** The outbound policy of an account credential (internal networks refused unless allowed). */
export function accountPolicy(creds: Pick<LivePersonAccountCredentials, 'allowedInternalNetworks'>): OutboundPolicy {
	return policyForAllowText(fieldText(creds.allowedInternalNetworks));
}

export interface AccountAuthOptions extends LoginOptions {
	/**
	 * Refresh a Login Service session whose last login/refresh is older than this (the docs
	 * recommend every 3–5 minutes). A 401 on refresh logs in again. 0 disables. Default 4 min.
	 */
	keepAliveMs?: number;
	timeoutMs?: number;
}

export const DEFAULT_KEEP_ALIVE_MS = 4 * 60 * 1000;

function methodOf(creds: LivePersonAccountCredentials): AccountAuthMethod {
	const m = fieldText(creds.authMethod) || 'userPassword';
	if (m === 'userPassword' || m === 'clientCredentials' || m === 'oauth1' || m === 'none') return m;
	throw inputError('authMethod', `Authentication Type "${m.slice(0, 40)}" is not supported`, 'Pick User Name and Password, OAuth 2.0 Client Credentials or OAuth 1.0 App Key.', 'AUTH_METHOD_UNKNOWN');
}

/** Human name of what the credential sends, e.g. "Sentinel app token (OAuth 2.0 client credentials)". */
export function accountAuthLabel(creds: Pick<LivePersonAccountCredentials, 'authMethod' | 'clientCredentialsFlow'>): string {
	const m = fieldText(creds.authMethod) || 'userPassword';
	if (m === 'oauth1') return 'OAuth 1.0 AppKey signature';
	if (m === 'clientCredentials') return fieldText(creds.clientCredentialsFlow) === 'loginService' ? 'Login Service bearer (application login)' : 'Sentinel app token (OAuth 2.0 client credentials)';
	if (m === 'none') return 'no authentication';
	return 'Login Service bearer (user login)';
}

/** Which token a credential yields: a Login Service session or a Sentinel app token. */
function plan(creds: LivePersonAccountCredentials): { kind: 'session'; body: LoginBody } | { kind: 'sentinel' } {
	const method = methodOf(creds);
	switch (method) {
		case 'userPassword':
			return { kind: 'session', body: { kind: 'user', username: fieldText(creds.username).trim(), password: fieldText(creds.password) } };
		case 'clientCredentials':
			if (fieldText(creds.clientCredentialsFlow) === 'loginService') {
				return {
					kind: 'session',
					body: { kind: 'oauth2App', username: fieldText(creds.username).trim(), clientId: fieldText(creds.clientId).trim(), clientSecret: fieldText(creds.clientSecret) },
				};
			}
			return { kind: 'sentinel' };
		case 'oauth1':
			if (!fieldText(creds.username).trim()) {
				throw inputError(
					'username',
					'OAuth 1.0 app keys give no bearer token without Application Login, which needs the bot user name',
					`Enter the login name of the bot user, or use a node operation that signs each request. ${OAUTH1_DEPRECATION_NOTICE}`,
					'OAUTH1_NO_BEARER',
				);
			}
			return {
				kind: 'session',
				body: {
					kind: 'oauth1App',
					username: fieldText(creds.username).trim(),
					appKey: fieldText(creds.appKey).trim(),
					secret: fieldText(creds.appSecret),
					accessToken: fieldText(creds.accessToken),
					accessTokenSecret: fieldText(creds.accessTokenSecret),
				},
			};
		case 'none':
			throw inputError('authMethod', 'This operation needs a login, but the credential\'s Authentication Type is "None"', 'Choose User Name and Password or OAuth 2.0 Client Credentials in the credential.', 'AUTH_NONE');
	}
}

/** Cache key: a hash of every field that changes the token (the secrets included, never stored). */
export function accountCacheKey(creds: LivePersonAccountCredentials): string {
	const accountId = validateAccountId(creds.accountId);
	const origin = parseCsdsHost(creds.csdsHost).origin;
	const method = methodOf(creds);
	const fields =
		method === 'userPassword'
			? [fieldText(creds.username).trim(), fieldText(creds.password)]
			: method === 'clientCredentials'
				? [fieldText(creds.clientCredentialsFlow) || 'sentinel', fieldText(creds.clientId).trim(), fieldText(creds.clientSecret), fieldText(creds.clientCredentialsFlow) === 'loginService' ? fieldText(creds.username).trim() : '']
				: method === 'oauth1'
					? [fieldText(creds.username).trim(), fieldText(creds.appKey).trim(), fieldText(creds.appSecret), fieldText(creds.accessToken), fieldText(creds.accessTokenSecret)]
					: [];
	return `lp-account:${fingerprint('lp-account', accountId, origin, method, accountPolicy(creds).fingerprint, ...fields)}`;
}

interface KeepAlive {
	/** The bearer this entry belongs to. */
	value: string;
	refreshedAt: number;
	inflight?: Promise<void>;
}
const keepAlive = new Map<string, KeepAlive>();
const MAX_KEEP_ALIVE_ENTRIES = 1000;

function sessionOf(token: CachedToken): LoginSession | undefined {
	const s = token.extra?.session as LoginSession | undefined;
	return s && typeof s === 'object' && s.bearer === token.value ? s : undefined;
}

function toCached(session: LoginSession): CachedToken {
	return { value: session.bearer, expiresAt: session.expiresAt, tokenType: 'Bearer', extra: { session } };
}

async function fetchToken(creds: LivePersonAccountCredentials, options: AccountAuthOptions, now: () => number): Promise<CachedToken> {
	const p = plan(creds);
	const accountId = validateAccountId(creds.accountId);
	const policy = accountPolicy(creds);
	if (p.kind === 'sentinel') {
		return fetchSentinelToken(
			{ accountId, clientId: fieldText(creds.clientId), clientSecret: fieldText(creds.clientSecret) },
			{ csdsHost: creds.csdsHost, policy, timeoutMs: options.timeoutMs, now },
		);
	}
	const session = await login({ accountId, csdsHost: creds.csdsHost }, p.body, { ...options, policy });
	return toCached(session);
}

/** The cached (or freshly fetched) token of an account credential. */
export async function getAccountToken(creds: LivePersonAccountCredentials, options: AccountAuthOptions = {}, key = accountCacheKey(creds)): Promise<CachedToken> {
	const now = options.now ?? Date.now;
	const token = await tokenCache.get(key, async () => {
		const fresh = await fetchToken(creds, options, now);
		if (sessionOf(fresh)) {
			keepAlive.delete(key);
			keepAlive.set(key, { value: fresh.value, refreshedAt: now() });
			// Bounded like the token cache: drop the oldest bookkeeping first.
			while (keepAlive.size > MAX_KEEP_ALIVE_ENTRIES) keepAlive.delete(keepAlive.keys().next().value as string);
		}
		return fresh;
	});
	const session = sessionOf(token);
	const interval = options.keepAliveMs ?? DEFAULT_KEEP_ALIVE_MS;
	if (!session || !(interval > 0)) return token;

	let state = keepAlive.get(key);
	if (!state || state.value !== token.value) {
		state = { value: token.value, refreshedAt: now() };
		keepAlive.set(key, state);
		return token;
	}
	if (now() - state.refreshedAt < interval) return token;
	if (!state.inflight) {
		const current = state;
		current.inflight = (async () => {
			try {
				const updated = await refreshSession(session, { ...options, policy: accountPolicy(creds) });
				current.refreshedAt = now();
				if (updated.sessionId !== session.sessionId) Object.assign(session, { sessionId: updated.sessionId });
			} catch (error) {
				if (isLpError(error) && error.code === 'LOGIN_SESSION_INVALID') {
					// The session ended (logged out elsewhere, idle timeout): drop it; the next get logs in.
					tokenCache.invalidate(key, current.value);
					if (keepAlive.get(key) === current) keepAlive.delete(key);
					return;
				}
				// Anything else (network, 5xx): keep the token, the API call itself will tell.
				current.refreshedAt = now();
			} finally {
				current.inflight = undefined;
			}
		})();
	}
	await state.inflight;
	if (keepAlive.get(key) === state) return token;
	return getAccountToken(creds, { ...options, keepAliveMs: 0 }, key);
}

/** `{authorization: 'Bearer …'}` for the credential: one login per credential however many callers. */
export async function getAccountBearer(creds: LivePersonAccountCredentials, options: AccountAuthOptions = {}): Promise<{ authorization: string }> {
	const token = await getAccountToken(creds, options);
	return { authorization: `Bearer ${token.value}` };
}

/** Drops the cached token if it is still `value` (a raw token or "Bearer …"), after a 401 from an API. */
export function invalidateAccountBearer(creds: LivePersonAccountCredentials, value?: string, key = accountCacheKey(creds)): void {
	const raw = value?.replace(/^Bearer\s+/i, '');
	tokenCache.invalidate(key, raw);
	const state = keepAlive.get(key);
	if (state && (raw === undefined || state.value === raw)) keepAlive.delete(key);
}

/** The credential's secrets, redacted from every error of its requests. */
export function accountSecrets(creds: LivePersonAccountCredentials): string[] {
	return [creds.password, creds.clientSecret, creds.appSecret, creds.accessToken, creds.accessTokenSecret].map(fieldText).filter((s) => s.length > 0);
}

/**
 * The account credential as an auth strategy: OAuth 1.0a signs each request (nothing to drop on a
 * refusal); every other method sends the cached bearer, and a 401 drops that bearer (by value) so
 * the pipeline logs in once and sends once more. The cache key is computed here, once.
 */
export function accountStrategy(creds: LivePersonAccountCredentials, options: AccountAuthOptions & { oauth1?: Omit<OAuth1SignOptions, 'formParams'> } = {}): AuthStrategy {
	const method = methodOf(creds);
	const secrets = accountSecrets(creds);
	if (method === 'oauth1') {
		return {
			label: accountAuthLabel(creds),
			apply: (req) => {
				const type = String(req.headers['content-type'] ?? '');
				const formParams = /application\/x-www-form-urlencoded/i.test(type) && typeof req.body === 'string' ? [...new URLSearchParams(req.body)] : undefined;
				return { headers: { authorization: oauth1AuthorizationHeader(oauth1Keys(creds), req.method, req.url, { ...(options.oauth1 ?? {}), formParams }) } };
			},
			secrets: () => secrets,
		};
	}
	plan(creds); // field checks now (e.g. authMethod "none")
	const key = accountCacheKey(creds);
	return {
		label: accountAuthLabel(creds),
		async apply(): Promise<Applied> {
			const token = await getAccountToken(creds, options, key);
			return { headers: { authorization: `Bearer ${token.value}` }, used: token.value };
		},
		invalidate(applied) {
			invalidateAccountBearer(creds, applied.used, key);
			return true;
		},
		secrets: () => secrets,
	};
}

function oauth1Keys(creds: LivePersonAccountCredentials) {
	return { consumerKey: fieldText(creds.appKey).trim(), consumerSecret: fieldText(creds.appSecret), token: fieldText(creds.accessToken) || undefined, tokenSecret: fieldText(creds.accessTokenSecret) || undefined };
}

/** The Login Service session behind a cached token (undefined for Sentinel tokens). */
export async function getAccountSession(creds: LivePersonAccountCredentials, options: AccountAuthOptions = {}): Promise<LoginSession | undefined> {
	return sessionOf(await getAccountToken(creds, options));
}

/** Ends the Login Service session of the credential (if one is cached) and forgets it. */
export async function logoutAccount(creds: LivePersonAccountCredentials, options: LoginOptions = {}): Promise<boolean> {
	const key = accountCacheKey(creds);
	let token: CachedToken | undefined;
	try {
		token = await tokenCache.get(key, () => Promise.reject(new LpError('auth', 'No session', { code: 'NO_SESSION' })));
	} catch {
		return false;
	}
	const session = sessionOf(token);
	tokenCache.invalidate(key, token.value);
	keepAlive.delete(key);
	if (!session) return false;
	await logout(session, { ...options, policy: accountPolicy(creds) });
	return true;
}

/** For tests: forget keep-alive bookkeeping (the token cache has its own `clear`). */
export function resetAccountAuthState(): void {
	keepAlive.clear();
}
