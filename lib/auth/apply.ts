/**
 * One place that turns a bot-account credential (type name + decrypted data) into the headers a
 * request needs, so nodes do not duplicate it. Plain data in, headers out; no n8n imports.
 *
 * - livePersonBasicAuthApi: `Authorization: Basic …` (RFC 7617, NFC + UTF-8, ":" in user refused)
 * - livePersonAccessTokenApi: `Authorization: <Token Type> <Access Token>`
 * - livePersonOAuth2ClientCredentialsApi: a token from the process-wide cache (fetched on first
 *   use and shortly before expiry); `sendWithCredential` refetches once on the configured status
 * - livePersonOAuth2AuthCodeApi: the token n8n stored at Connect (`oauthTokenData`); refreshing it
 *   is n8n's job, so nodes should call this type through `httpRequestWithAuthentication`
 */
import { LpError, inputError } from '../errors';
import { HttpRequest, HttpResponse, send } from '../net/transport';
import { basicAuthorization } from './basic';
import { ClientAuth, ClientCredentials, TokenIoOptions, clientCredentialsCacheKey, clientCredentialsToken } from './oauth2';
import { TokenCache, tokenCache } from './token-cache';
import { fieldText } from '../text';

export const CREDENTIAL_TYPES = {
	basic: 'livePersonBasicAuthApi',
	accessToken: 'livePersonAccessTokenApi',
	clientCredentials: 'livePersonOAuth2ClientCredentialsApi',
	authorizationCode: 'livePersonOAuth2AuthCodeApi',
} as const;

export type CredentialData = Record<string, unknown>;

export interface AppliedAuth {
	headers: Record<string, string>;
	/** The token value used (client credentials), for invalidate-by-value. */
	tokenValue?: string;
	/** Status that means "token rejected, fetch a new one" (client credentials). */
	expiredStatus?: number;
	/** Values to redact from anything quoted back to the user. */
	secrets: string[];
}

function text(data: CredentialData, field: string): string {
	return fieldText(data[field]);
}

/** A token type is one HTTP token (RFC 9110 §5.6.2): letters, digits and !#$%&'*+-.^_`|~. */
const TOKEN68_SCHEME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// eslint-disable-next-line no-control-regex
const HEADER_UNSAFE = /[\r\n\u0000]/;

/** The client credentials settings of a livePersonOAuth2ClientCredentialsApi credential. */
export function clientCredentialsFrom(data: CredentialData): ClientCredentials {
	return {
		tokenUrl: text(data, 'accessTokenUrl'),
		clientId: text(data, 'clientId'),
		clientSecret: text(data, 'clientSecret'),
		scope: text(data, 'scope'),
		clientAuth: (text(data, 'authentication') || 'header') as ClientAuth,
	};
}

export function expiredStatusFrom(data: CredentialData): number {
	const raw = Number(data.tokenExpiredStatusCode ?? 401);
	if (raw !== 401 && raw !== 403) throw inputError('tokenExpiredStatusCode', 'Token Expired Status must be 401 or 403');
	return raw;
}

export interface ApplyOptions extends TokenIoOptions {
	cache?: TokenCache;
}

/** The headers to add for a credential of one of this package's bot-account types. */
export async function authHeaders(type: string, data: CredentialData, opts: ApplyOptions = {}): Promise<AppliedAuth> {
	switch (type) {
		case CREDENTIAL_TYPES.basic: {
			const password = text(data, 'password');
			return { headers: { authorization: basicAuthorization(text(data, 'user'), password) }, secrets: [password] };
		}
		case CREDENTIAL_TYPES.accessToken: {
			const token = text(data, 'accessToken').trim();
			const tokenType = (text(data, 'tokenType') || 'Bearer').trim();
			if (!token) throw inputError('accessToken', 'Access Token is required');
			if (HEADER_UNSAFE.test(token)) throw inputError('accessToken', 'Access Token must not contain line breaks');
			if (!TOKEN68_SCHEME.test(tokenType)) {
				throw inputError('tokenType', 'Token Type must be one word without spaces, such as "Bearer" or "Basic"');
			}
			return { headers: { authorization: `${tokenType} ${token}` }, secrets: [token] };
		}
		case CREDENTIAL_TYPES.clientCredentials: {
			const creds = clientCredentialsFrom(data);
			const expiredStatus = expiredStatusFrom(data);
			const token = await clientCredentialsToken(creds, { ...opts, cache: opts.cache });
			return {
				headers: { authorization: `${token.tokenType ?? 'Bearer'} ${token.value}` },
				tokenValue: token.value,
				expiredStatus,
				secrets: [creds.clientSecret, token.value],
			};
		}
		case CREDENTIAL_TYPES.authorizationCode: {
			const tokenData = data.oauthTokenData as Record<string, unknown> | undefined;
			const token = tokenData && typeof tokenData.access_token === 'string' ? tokenData.access_token : '';
			if (!token) {
				throw new LpError('auth', 'The OAuth2 credential is not connected yet', {
					code: 'OAUTH_NOT_CONNECTED',
					hint: 'Open the credential and click "Connect my account" (or "Sign in") to authorize it.',
				});
			}
			return { headers: { authorization: `Bearer ${token}` }, secrets: [token, text(data, 'clientSecret')] };
		}
		default:
			throw new LpError('config', `Credential type "${type}" is not a bot-account credential of this package`, { code: 'UNKNOWN_CREDENTIAL_TYPE' });
	}
}

/** Drops a rejected client credentials token from the cache (only if it is still the cached one). */
export function invalidateToken(type: string, data: CredentialData, tokenValue: string | undefined, cache: TokenCache = tokenCache): void {
	if (type !== CREDENTIAL_TYPES.clientCredentials || !tokenValue) return;
	cache.invalidate(clientCredentialsCacheKey(clientCredentialsFrom(data)), tokenValue);
}

/**
 * Sends a request with the credential's headers. For client credentials, when the answer has the
 * configured "token expired" status (401 or 403), the token is dropped (by value: concurrent
 * items trigger one refetch) and the request is sent once more with a fresh token.
 */
export async function sendWithCredential(type: string, data: CredentialData, req: HttpRequest, opts: ApplyOptions = {}): Promise<HttpResponse> {
	const cache = opts.cache ?? tokenCache;
	const first = await authHeaders(type, data, { ...opts, cache });
	const res = await send({ ...req, headers: { ...req.headers, ...first.headers }, secrets: [...(req.secrets ?? []), ...first.secrets] });
	if (type !== CREDENTIAL_TYPES.clientCredentials || res.status !== first.expiredStatus) return res;
	invalidateToken(type, data, first.tokenValue, cache);
	const second = await authHeaders(type, data, { ...opts, cache });
	return send({ ...req, headers: { ...req.headers, ...second.headers }, secrets: [...(req.secrets ?? []), ...second.secrets] });
}
