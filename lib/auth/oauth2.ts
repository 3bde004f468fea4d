/**
 * OAuth 2.0 client (RFC 6749) in the oauth4webapi style: pure `build*Request` functions that
 * return {url, method, headers, body}, a pure `processTokenResponse` that turns any answer into a
 * CachedToken or a clear LpError, and thin I/O wrappers that go through `send()`.
 */
import { LpError, inputError, redact, safeUrl, snippet } from '../errors';
import { HttpResponse, RetryPolicy, header, parseJsonBody, parseRetryAfter, responseSecrets, send, statusError, bodySnippet } from '../http';
import type { OutboundPolicy } from '../net/policy';
import { clientSecretBasic } from './basic';
import { codeChallengeS256, isValidCodeVerifier } from './pkce';
import { CachedToken, expiresAtFrom } from './token-cache';

export type ClientAuth = 'header' | 'body';

export interface BuiltRequest {
	url: string;
	method: 'POST';
	headers: Record<string, string>;
	body: string;
}

export interface ClientCredentials {
	tokenUrl: string;
	clientId: string;
	clientSecret: string;
	scope?: string;
	/** header = client_secret_basic (default), body = client_secret_post. */
	clientAuth?: ClientAuth;
}

const SERVICE = 'The token endpoint';

/** An http(s) URL from a credential field, or an LpError naming the field. */
export function checkUrl(value: unknown, field: string, label: string): URL {
	if (typeof value !== 'string' || !value.trim()) throw inputError(field, `${label} is required`);
	let url: URL;
	try {
		url = new URL(value.trim());
	} catch {
		throw inputError(field, `${label} is not a valid URL`, 'Enter an absolute URL such as https://auth.example.com/oauth/token.');
	}
	if (url.protocol !== 'https:' && url.protocol !== 'http:') {
		throw inputError(field, `${label} must start with https:// (or http:// for a local test server)`);
	}
	if (url.username || url.password) throw inputError(field, `${label} must not contain a user name or password`);
	return url;
}

function requireText(value: unknown, field: string, label: string): string {
	if (typeof value !== 'string' || value.length === 0) throw inputError(field, `${label} is required`);
	return value;
}

function checkClientAuth(value: unknown): ClientAuth {
	if (value === undefined || value === null || value === '') return 'header';
	if (value === 'header' || value === 'body') return value;
	throw inputError('authentication', 'Client Authentication must be "header" (Basic) or "body"');
}

/** Adds client authentication (RFC 6749 §2.3.1) to a form body and headers. */
function withClientAuth(
	params: URLSearchParams,
	headers: Record<string, string>,
	clientId: string,
	clientSecret: string | undefined,
	clientAuth: ClientAuth,
): void {
	if (clientSecret === undefined || clientSecret === '') {
		// Public client (e.g. PKCE without a secret): identify only.
		params.set('client_id', clientId);
		return;
	}
	if (clientAuth === 'header') {
		headers.authorization = clientSecretBasic(clientId, clientSecret);
	} else {
		params.set('client_id', clientId);
		params.set('client_secret', clientSecret);
	}
}

function formRequest(url: URL, params: URLSearchParams, headers: Record<string, string>): BuiltRequest {
	return {
		url: url.toString(),
		method: 'POST',
		headers: { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8', accept: 'application/json', ...headers },
		body: params.toString(),
	};
}

/** The client credentials grant (RFC 6749 §4.4) token request. */
export function buildClientCredentialsRequest(input: ClientCredentials): BuiltRequest {
	const url = checkUrl(input.tokenUrl, 'accessTokenUrl', 'Token URL');
	const clientId = requireText(input.clientId, 'clientId', 'Client ID');
	const clientSecret = requireText(input.clientSecret, 'clientSecret', 'Client Secret');
	const params = new URLSearchParams({ grant_type: 'client_credentials' });
	if (input.scope && input.scope.trim()) params.set('scope', input.scope.trim());
	const headers: Record<string, string> = {};
	withClientAuth(params, headers, clientId, clientSecret, checkClientAuth(input.clientAuth));
	return formRequest(url, params, headers);
}

export interface AuthorizationUrlInput {
	authUrl: string;
	clientId: string;
	redirectUri: string;
	scope?: string;
	state: string;
	/** The PKCE verifier: its S256 challenge is added. */
	codeVerifier?: string;
	extraParams?: Record<string, string>;
}

/** The authorization request URL (RFC 6749 §4.1.1, RFC 7636 §4.3). */
export function buildAuthorizationUrl(input: AuthorizationUrlInput): string {
	const url = checkUrl(input.authUrl, 'authUrl', 'Auth URL');
	const params = url.searchParams;
	for (const [k, v] of Object.entries(input.extraParams ?? {})) params.set(k, v);
	params.set('response_type', 'code');
	params.set('client_id', requireText(input.clientId, 'clientId', 'Client ID'));
	params.set('redirect_uri', checkUrl(input.redirectUri, 'redirectUri', 'Redirect URI').toString());
	if (input.scope && input.scope.trim()) params.set('scope', input.scope.trim());
	params.set('state', requireText(input.state, 'state', 'State'));
	if (input.codeVerifier !== undefined) {
		params.set('code_challenge', codeChallengeS256(input.codeVerifier));
		params.set('code_challenge_method', 'S256');
	}
	return url.toString();
}

export interface AuthorizationCodeInput {
	tokenUrl: string;
	clientId: string;
	clientSecret?: string;
	code: string;
	redirectUri: string;
	codeVerifier?: string;
	clientAuth?: ClientAuth;
}

/** The authorization code exchange (RFC 6749 §4.1.3), with the PKCE verifier when given. */
export function buildAuthorizationCodeRequest(input: AuthorizationCodeInput): BuiltRequest {
	const url = checkUrl(input.tokenUrl, 'accessTokenUrl', 'Token URL');
	const clientId = requireText(input.clientId, 'clientId', 'Client ID');
	const params = new URLSearchParams({
		grant_type: 'authorization_code',
		code: requireText(input.code, 'code', 'Authorization code'),
		redirect_uri: checkUrl(input.redirectUri, 'redirectUri', 'Redirect URI').toString(),
	});
	if (input.codeVerifier !== undefined) {
		if (!isValidCodeVerifier(input.codeVerifier)) {
			throw inputError('codeVerifier', 'The PKCE code verifier must be 43 to 128 characters of A-Z, a-z, 0-9, "-", ".", "_", "~"');
		}
		params.set('code_verifier', input.codeVerifier);
	}
	const headers: Record<string, string> = {};
	withClientAuth(params, headers, clientId, input.clientSecret, checkClientAuth(input.clientAuth));
	return formRequest(url, params, headers);
}

export interface RefreshTokenInput {
	tokenUrl: string;
	clientId: string;
	clientSecret?: string;
	refreshToken: string;
	scope?: string;
	clientAuth?: ClientAuth;
}

/** The refresh token request (RFC 6749 §6). */
export function buildRefreshTokenRequest(input: RefreshTokenInput): BuiltRequest {
	const url = checkUrl(input.tokenUrl, 'accessTokenUrl', 'Token URL');
	const clientId = requireText(input.clientId, 'clientId', 'Client ID');
	const params = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: requireText(input.refreshToken, 'refreshToken', 'Refresh token') });
	if (input.scope && input.scope.trim()) params.set('scope', input.scope.trim());
	const headers: Record<string, string> = {};
	withClientAuth(params, headers, clientId, input.clientSecret, checkClientAuth(input.clientAuth));
	return formRequest(url, params, headers);
}

/** What each RFC 6749 §5.2 error code means for the user, and which field to check. */
const OAUTH_ERRORS: Record<string, { message: string; field?: string; hint: string }> = {
	invalid_client: {
		message: 'The token endpoint refused the client authentication (invalid_client)',
		field: 'clientSecret',
		hint: 'Check Client ID and Client Secret, and the Authentication setting (header = Basic, body = form fields) the provider expects for this client.',
	},
	invalid_grant: {
		message: 'The token endpoint refused the grant (invalid_grant)',
		hint: 'The authorization code, refresh token or PKCE verifier is invalid, expired or revoked, or the redirect URI does not match: reconnect the credential.',
	},
	invalid_scope: {
		message: 'The token endpoint refused the requested scope (invalid_scope)',
		field: 'scope',
		hint: 'Check the Scope field: use only scopes this client is allowed, separated by spaces, or leave it empty for the default.',
	},
	unauthorized_client: {
		message: 'This client is not allowed to use this grant type (unauthorized_client)',
		field: 'clientId',
		hint: 'Enable the grant type (client credentials or authorization code) for this client at the provider.',
	},
	unsupported_grant_type: {
		message: 'The token endpoint does not support this grant type (unsupported_grant_type)',
		field: 'accessTokenUrl',
		hint: 'Check the Token URL and that the provider supports this grant type.',
	},
	invalid_request: {
		message: 'The token endpoint refused the request as malformed (invalid_request)',
		hint: 'Check the Token URL, the Authentication setting and the Scope.',
	},
	access_denied: { message: 'The authorization was denied (access_denied)', hint: 'The resource owner or the provider refused access.' },
	invalid_target: { message: 'The token endpoint refused the requested resource (invalid_target)', hint: 'Check the resource or audience parameter.' },
	server_error: { message: 'The token endpoint had an internal error (server_error)', hint: 'Try again later.' },
	temporarily_unavailable: { message: 'The token endpoint is temporarily unavailable (temporarily_unavailable)', hint: 'Try again later.' },
};

function secretsList(secrets: Iterable<string | undefined | null> | undefined): string[] {
	const out: string[] = [];
	for (const s of secrets ?? []) if (typeof s === 'string' && s) out.push(s);
	return out;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
	return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function oauthErrorFrom(res: HttpResponse, code: string, description: unknown, given: string[]): LpError {
	const secrets = responseSecrets(res, given);
	const known = OAUTH_ERRORS[code];
	const safeCode = /^[\x20-\x7e]{1,64}$/.test(code) ? redact(code, secrets) : 'unknown';
	const described = typeof description === 'string' ? snippet(description, secrets, 200) : undefined;
	const base = known?.message ?? `The token endpoint refused the request (${safeCode})`;
	const retryAfterMs = parseRetryAfter(res.headers['retry-after']);
	return new LpError('auth', described ? `${base}: ${described}` : base, {
		field: known?.field,
		hint: known?.hint ?? 'Check the credential settings against the provider documentation.',
		status: res.status,
		retryAfterMs,
		code: `OAUTH_${safeCode.toUpperCase().replace(/[^A-Z0-9_]/g, '_')}`,
		responseSnippet: bodySnippet(res, secrets, 200),
	});
}

/** error="..." from a WWW-Authenticate header (RFC 6750 §3), when present. */
function wwwAuthenticateError(res: HttpResponse): string | undefined {
	const value = header(res, 'www-authenticate');
	const match = value ? /error="([^"]{1,64})"/.exec(value) : null;
	return match ? match[1] : undefined;
}

/**
 * Turns a token endpoint answer into a CachedToken (2xx with access_token) or an LpError:
 * RFC 6749 §5.2 errors (JSON `error`), 429 with Retry-After, 5xx, HTML/empty/non-JSON answers.
 * Never throws anything but LpError; no secret in `secrets` appears in any message.
 */
export function processTokenResponse(res: HttpResponse, secrets: Iterable<string | undefined | null> = [], now = Date.now()): CachedToken {
	const list = secretsList(secrets);
	try {
		return processInner(res, list, now);
	} catch (error) {
		if (error instanceof LpError) throw error;
		throw new LpError('response', `${SERVICE} answered in an unexpected shape (HTTP ${typeof res?.status === 'number' ? res.status : '?'})`, {
			code: 'TOKEN_RESPONSE_INVALID',
			cause: error,
		});
	}
}

function processInner(res: HttpResponse, secrets: string[], now: number): CachedToken {
	if (!res || typeof res.status !== 'number' || !Buffer.isBuffer(res.body)) {
		throw new LpError('response', `${SERVICE} gave no usable answer`, { code: 'TOKEN_RESPONSE_INVALID' });
	}
	const ok = res.status >= 200 && res.status < 300;
	if (!ok) {
		// RFC 6749 §5.2: errors are JSON with "error"; some servers put it in WWW-Authenticate.
		let parsed: Record<string, unknown> | undefined;
		try {
			parsed = asRecord(JSON.parse(res.body.toString('utf8')));
		} catch {
			parsed = undefined;
		}
		const code = typeof parsed?.error === 'string' ? parsed.error : wwwAuthenticateError(res);
		if (code && res.status !== 429 && res.status < 500) return throwing(oauthErrorFrom(res, code, parsed?.error_description, secrets));
		if (res.status === 429) {
			const retryAfterMs = parseRetryAfter(res.headers['retry-after']);
			throw new LpError('http', `${SERVICE} is rate limiting (HTTP 429${retryAfterMs !== undefined ? `, retry after ${Math.ceil(retryAfterMs / 1000)} s` : ''})`, {
				status: 429,
				retryAfterMs,
				code: 'RATE_LIMITED',
				hint: 'Too many token requests: wait and try again. Tokens are cached, so this usually means many workflows share one client.',
				responseSnippet: bodySnippet(res, secrets, 200),
			});
		}
		const isHtml = /html/i.test(header(res, 'content-type') ?? '') || /^\s*<(!doctype|html|head|body)/i.test(res.body.toString('utf8', 0, 200));
		const hint = isHtml
			? 'An HTML page answered instead of the token endpoint: check the Token URL.'
			: res.status === 401 || res.status === 403
				? 'The client credentials were refused: check Client ID, Client Secret and the Authentication setting.'
				: res.status === 404
					? 'The Token URL does not exist: check it.'
					: undefined;
		const err = statusError(res, SERVICE, secrets, hint);
		if (res.status === 401 || res.status === 403) {
			throw new LpError('auth', err.message, { status: err.status, hint: err.hint, responseSnippet: err.responseSnippet, code: err.code, retryAfterMs: err.retryAfterMs });
		}
		throw err;
	}
	const body = asRecord(parseJsonBody(res, SERVICE, secrets));
	if (!body) throw new LpError('response', `${SERVICE} answered with JSON that is not an object (HTTP ${res.status})`, { status: res.status, code: 'TOKEN_RESPONSE_INVALID' });
	if (typeof body.error === 'string') return throwing(oauthErrorFrom(res, body.error, body.error_description, secrets));
	const accessToken = body.access_token;
	if (typeof accessToken !== 'string' || !accessToken) {
		throw new LpError('response', `${SERVICE} answered without an access_token (HTTP ${res.status})`, {
			status: res.status,
			code: 'TOKEN_MISSING',
			hint: 'Check that the Token URL is the OAuth 2.0 token endpoint.',
		});
	}
	const rawType = body.token_type;
	if (rawType !== undefined && typeof rawType !== 'string') {
		throw new LpError('response', `${SERVICE} answered with an invalid token_type`, { status: res.status, code: 'TOKEN_TYPE_INVALID' });
	}
	const tokenType = !rawType || rawType.toLowerCase() === 'bearer' ? 'Bearer' : rawType;
	const expiresIn = body.expires_in;
	if (expiresIn !== undefined && expiresIn !== null && typeof expiresIn !== 'number' && typeof expiresIn !== 'string') {
		throw new LpError('response', `${SERVICE} answered with an invalid expires_in`, { status: res.status, field: 'expires_in', code: 'TOKEN_EXPIRY_INVALID' });
	}
	const expiresAt = expiresAtFrom({ expiresIn: (expiresIn ?? undefined) as number | string | undefined, jwt: accessToken, now });
	const extra: Record<string, unknown> = {};
	if (typeof body.refresh_token === 'string') extra.refreshToken = body.refresh_token;
	if (typeof body.scope === 'string') extra.scope = body.scope;
	if (typeof body.id_token === 'string') extra.idToken = body.id_token;
	return { value: accessToken, expiresAt, tokenType, ...(Object.keys(extra).length ? { extra } : {}) };
}

function throwing(error: LpError): never {
	throw error;
}

export interface TokenIoOptions {
	/** Outbound policy for the token endpoint (the credential's "Allowed Internal Networks"). */
	policy?: OutboundPolicy;
	timeoutMs?: number;
	retry?: RetryPolicy;
	signal?: AbortSignal;
}

/** Default retries for token requests: network errors, 429 and 5xx, twice, at most 10 s apart. */
export const TOKEN_RETRY: RetryPolicy = { retries: 2, baseDelayMs: 300, maxDelayMs: 10_000 };

async function exchange(built: BuiltRequest, secrets: Array<string | undefined>, io: TokenIoOptions): Promise<CachedToken> {
	const res = await send({
		url: built.url,
		method: built.method,
		headers: built.headers,
		body: built.body,
		serviceName: `${SERVICE} (${safeUrl(built.url)})`,
		// The client authentication header (client_secret_basic) is a secret of its own.
		secrets: [...secrets, built.headers.authorization],
		policy: io.policy,
		timeoutMs: io.timeoutMs,
		retry: io.retry ?? TOKEN_RETRY,
		signal: io.signal,
	});
	return processTokenResponse(res, secrets);
}

/** One client credentials token request (no cache). */
export async function fetchClientCredentialsToken(creds: ClientCredentials, io: TokenIoOptions = {}): Promise<CachedToken> {
	return exchange(buildClientCredentialsRequest(creds), [creds.clientSecret], io);
}

export async function fetchAuthorizationCodeToken(input: AuthorizationCodeInput, io: TokenIoOptions = {}): Promise<CachedToken> {
	return exchange(buildAuthorizationCodeRequest(input), [input.clientSecret, input.code, input.codeVerifier], io);
}

export async function fetchRefreshToken(input: RefreshTokenInput, io: TokenIoOptions = {}): Promise<CachedToken> {
	return exchange(buildRefreshTokenRequest(input), [input.clientSecret, input.refreshToken], io);
}
