/**
 * Auth strategies as values (see lib/http/types.ts `AuthStrategy`): each is built ONCE per
 * credential from a typed config (nodes/shared/credentialConfig.ts reads n8n's fields), validates
 * the config when built (errors name the field), fixes its token cache key then, and is used for
 * every request of that credential. The pipeline's reauth interceptor is the only code that asks a
 * strategy to drop a refused token.
 *
 * The LivePerson strategies live next to their logins: lib/liveperson/account-auth.ts,
 * orchestrator-auth.ts, c2m-auth.ts. Mutual TLS is a Connection (lib/tls/credential.ts).
 */
import { inputError } from '../errors';
import { policyForAllowText } from '../net/policy';
import type { Applied, AuthStrategy, HttpResponse } from '../http/types';
import { basicAuthorization, clientSecretBasic } from './basic';
import { buildClientCredentialsRequest, ClientCredentials, fetchClientCredentialsToken, TokenIoOptions } from './oauth2';
import { fingerprint, TokenCache, tokenCache } from './token-cache';

/** A token type is one HTTP token (RFC 9110 §5.6.2): letters, digits and !#$%&'*+-.^_`|~. */
const TOKEN68_SCHEME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const HEADER_UNSAFE = /[\r\n\u0000]/;

export interface BasicConfig {
	user: string;
	password: string;
}

/** `Authorization: Basic …` (RFC 7617). The password, the `user:password` pair and the header are secrets. */
export function basicStrategy(cfg: BasicConfig): AuthStrategy {
	const value = basicAuthorization(cfg.user, cfg.password);
	const pair = `${cfg.user.normalize('NFC')}:${cfg.password.normalize('NFC')}`;
	return {
		label: 'Basic',
		apply: () => ({ headers: { authorization: value } }),
		secrets: () => [cfg.password, pair, value, value.slice('Basic '.length)],
	};
}

export interface AccessTokenConfig {
	token: string;
	/** The Authorization scheme; default "Bearer". */
	tokenType?: string;
	/** Header name; default Authorization. */
	headerName?: string;
}

/** `Authorization: <Token Type> <token>`, checked as the header will carry it. */
export function accessTokenStrategy(cfg: AccessTokenConfig): AuthStrategy {
	const token = (cfg.token ?? '').trim();
	const tokenType = (cfg.tokenType || 'Bearer').trim();
	if (!token) throw inputError('accessToken', 'Access Token is required');
	if (HEADER_UNSAFE.test(token)) throw inputError('accessToken', 'Access Token must not contain line breaks');
	if (!TOKEN68_SCHEME.test(tokenType)) throw inputError('tokenType', 'Token Type must be one word without spaces, such as "Bearer" or "Basic"');
	const header = `${tokenType} ${token}`;
	return {
		label: 'Access Token',
		apply: () => ({ headers: { [cfg.headerName ?? 'authorization']: header } }),
		secrets: () => [token, header],
	};
}

export interface ClientCredentialsConfig extends ClientCredentials {
	/** Status that means "token rejected, fetch a new one": 401 (default) or 403. */
	expiredStatus?: number;
	/** The credential's "Allowed Internal Networks" (for the token endpoint). */
	allowedInternalNetworks?: string;
}

/** The token cache key of a client credentials config: every field, the secret and the policy, hashed. */
export function clientCredentialsCacheKey(cfg: ClientCredentialsConfig): string {
	const policy = policyForAllowText(cfg.allowedInternalNetworks);
	return `oauth2-cc:${fingerprint('oauth2-client-credentials', cfg.tokenUrl, cfg.clientId, cfg.clientSecret, cfg.scope ?? '', cfg.clientAuth ?? 'header', policy.fingerprint)}`;
}

export interface StrategyOptions extends Omit<TokenIoOptions, 'policy'> {
	cache?: TokenCache;
}

/**
 * OAuth 2.0 client credentials (RFC 6749 §4.4): a token from the shared cache (single-flight, one
 * token request per lifetime), sent as `Authorization: <token_type> <token>`. A refusal with the
 * configured status drops that token (only if it is still the cached one) and fetches one more.
 */
export function clientCredentialsStrategy(cfg: ClientCredentialsConfig, options: StrategyOptions = {}): AuthStrategy {
	buildClientCredentialsRequest(cfg); // field checks now, before any request
	const expiredStatus = cfg.expiredStatus ?? 401;
	if (expiredStatus !== 401 && expiredStatus !== 403) throw inputError('tokenExpiredStatusCode', 'Token Expired Status must be 401 or 403');
	const policy = policyForAllowText(cfg.allowedInternalNetworks);
	const key = clientCredentialsCacheKey(cfg);
	const cache = options.cache ?? tokenCache;
	const clientAuthHeader = clientSecretBasic(cfg.clientId, cfg.clientSecret);
	return {
		label: 'OAuth2 client credentials',
		async apply(): Promise<Applied> {
			const token = await cache.get(key, () => fetchClientCredentialsToken(cfg, { ...options, policy }));
			return { headers: { authorization: `${token.tokenType ?? 'Bearer'} ${token.value}` }, used: token.value };
		},
		isRejected: (res: Pick<HttpResponse, 'status'>) => res.status === expiredStatus,
		invalidate(applied) {
			cache.invalidate(key, applied.used);
			return true;
		},
		secrets: () => [cfg.clientSecret, clientAuthHeader, clientAuthHeader.slice('Basic '.length)],
	};
}
