/**
 * Conversation Orchestrator (formerly Maven) authentication, reference §4 and seed 004:
 *
 * - v1: header `maven-api-key: <key>` (the key from CO → API Authorization; regenerating it
 *   invalidates the old one).
 * - v2: `POST {host}/v2/authenticate/login` with `Authorization: Basic base64(userId:password)`
 *   → "200 ok with the OAuth 2.0 secure token". The method and the response field are NOT
 *   documented: we send POST and accept `access_token`, `token`, `accessToken`, `id_token`,
 *   `idToken` (also one level down in `data`), a bare JSON string, or a text/plain JWT. The documented
 *   example token is a Cognito ID token living 24 h; the cache keeps it until its JWT `exp`.
 *   The docs say: cache the token, treat a 403 as the signal to drop it and log in again — which
 *   the pipeline's re-login does (`orchestratorStrategy`; once, a second 403 is a clear error).
 * - Token passing: the text says "authorization header", every example uses `?access_token=`.
 *   Both are offered (`orchestratorAuthQuery` / `orchestratorAuthHeaders`); the query form is the
 *   documented default. Never print a URL carrying the token without `safeUrl()`.
 *
 * Hosts (AMERICAS z1, EMEA z2, APAC z3), each as its own page gives it, both overridable in the credential:
 *   v2 login        https://z{n}.ccs.liveperson.net/v2/authenticate/login   (live API Authorization page, seed 004;
 *                   an older DC version of that page said z{n}.context.liveperson.net)
 *   CCS v2          https://z{n}.ccs.liveperson.net       (DC ConversationContextService/methods-v2.md)
 *   CCS v1          https://z{n}.context.liveperson.net   (DC ConversationContextService/methods-v1.md)
 *   Next Actions v2 https://z{n}.context.liveperson.net   (DC NextActionsAPI/methods-v2.md)
 *   Next Actions v1 https://z{n}.askmaven.liveperson.net  (DC NextActionsAPI/methods-v1.md)
 * "Custom Host" (region custom) serves everything; "Login Host" / "API Host" override one side.
 *
 * v1: LivePerson's live CCS v1 page says "v1 APIs will be deprecated on June 30, 2024"
 * (CO_V1_DEPRECATION_NOTICE, shown in the credential and the node).
 */
import { basicAuthorization } from '../auth/basic';
import { expiresAtFrom, fingerprint, tokenCache, type CachedToken } from '../auth/token-cache';
import { inputError, LpError } from '../errors';
import type { Applied, AuthStrategy } from '../http/types';
import { OutboundPolicy, policyForAllowText } from '../net/policy';
import { fieldText } from '../text';
import { header, HttpResponse, type RetryPolicy, send, statusError, TOKEN_REQUEST_RETRY, bodySnippet } from '../http';

export const CO_SERVICE = 'Conversation Orchestrator';
/** Used when the token is not a JWT and no `expires_in` is given (the UI's test token lives 24 h; we stay shorter). */
export const DEFAULT_CO_TOKEN_LIFETIME_MS = 60 * 60 * 1000;

export type OrchestratorRegion = 'americas' | 'emea' | 'apac' | 'custom';

export const REGION_ZONES: Record<Exclude<OrchestratorRegion, 'custom'>, 'z1' | 'z2' | 'z3'> = {
	americas: 'z1',
	emea: 'z2',
	apac: 'z3',
};

export const CO_V1_DEPRECATION_NOTICE =
	'LivePerson announced that the Conversation Orchestrator v1 APIs (maven-api-key) were to be deprecated on 30 June 2024: move to v2 (user ID and password from API Authorization).';

export type OrchestratorApi = 'login' | 'ccsV1' | 'ccsV2' | 'nextActionsV1' | 'nextActionsV2';

export interface ConversationOrchestratorCredentials {
	region?: OrchestratorRegion | string;
	/** Optional override of the v2 login host (default https://z{n}.ccs.liveperson.net, seed 004). */
	loginHost?: string;
	/** Optional override of the host of every data API (default: per method page, see above). */
	apiHost?: string;
	/** With region "custom": an http(s) URL, e.g. https://z1.ccs.liveperson.net or http://127.0.0.1:8090. */
	customHost?: string;
	apiVersion?: 'v1' | 'v2' | string;
	/** v1 `maven-api-key`. */
	apiKey?: string;
	/** v2 login user ID and password. */
	userId?: string;
	password?: string;
	/** Optional: the account the v2 user belongs to (used only in messages). */
	accountId?: string;
	/** "Allowed Internal Networks" of the credential (the CO hosts). */
	allowedInternalNetworks?: string;
}

export function orchestratorPolicy(creds: Pick<ConversationOrchestratorCredentials, 'allowedInternalNetworks'>): OutboundPolicy {
	return policyForAllowText(fieldText(creds.allowedInternalNetworks));
}

/** Origin of the CO host for a region, e.g. "https://z1.context.liveperson.net". */
export function orchestratorHost(region: string | undefined, customHost?: string): string {
	const r = (region ?? 'americas').toLowerCase();
	if (r === 'custom') {
		const text = (customHost ?? '').trim();
		if (!text) throw inputError('customHost', 'Custom Host is empty', 'Enter a URL such as https://z1.context.liveperson.net.', 'CO_HOST_EMPTY');
		let url: URL;
		try {
			url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`);
		} catch {
			throw inputError('customHost', `Custom Host "${text.slice(0, 80)}" is not a valid URL`, 'Use a URL such as https://z1.context.liveperson.net.', 'CO_HOST_INVALID');
		}
		if (url.protocol !== 'https:' && url.protocol !== 'http:') {
			throw inputError('customHost', `Custom Host must use https or http, not ${url.protocol.replace(':', '')}`, undefined, 'CO_HOST_SCHEME');
		}
		if (url.username || url.password || url.search || url.hash) {
			throw inputError('customHost', 'Custom Host must not carry user info, a query or a fragment', undefined, 'CO_HOST_INVALID');
		}
		return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
	}
	const zone = REGION_ZONES[r as keyof typeof REGION_ZONES];
	if (!zone) throw inputError('region', `Region "${String(region).slice(0, 30)}" is not known`, 'Pick Americas, EMEA, APAC or Custom Host.', 'CO_REGION_UNKNOWN');
	// Alternative seen on the API Authorization page: https://${zone}.ccs.liveperson.net
	return `https://${zone}.context.liveperson.net`;
}

/** Parses a host override field (http(s) URL or bare host, optional base path). */
function hostOverride(value: unknown, field: string): string | undefined {
	const text = typeof value === 'string' ? value.trim() : '';
	if (!text) return undefined;
	let url: URL;
	try {
		url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`);
	} catch {
		throw inputError(field, `${field === 'loginHost' ? 'Login Host' : 'API Host'} "${text.slice(0, 80)}" is not a valid URL`, 'Use a URL such as https://z1.ccs.liveperson.net.', 'CO_HOST_INVALID');
	}
	if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password || url.search || url.hash) {
		throw inputError(field, `${field === 'loginHost' ? 'Login Host' : 'API Host'} must be an http(s) URL without user info, query or fragment`, undefined, 'CO_HOST_INVALID');
	}
	return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

const METHOD_HOST_LABEL: Record<OrchestratorApi, string> = { login: 'ccs', ccsV1: 'context', ccsV2: 'ccs', nextActionsV1: 'askmaven', nextActionsV2: 'context' };

/**
 * Pure: the origin one Conversation Orchestrator API is called on. Override first (Login Host for the
 * login, API Host for the data APIs), then the Custom Host, then the host the API's page documents.
 */
export function orchestratorApiHost(creds: Pick<ConversationOrchestratorCredentials, 'region' | 'customHost' | 'loginHost' | 'apiHost'>, api: OrchestratorApi): string {
	const override = api === 'login' ? hostOverride(creds.loginHost, 'loginHost') : hostOverride(creds.apiHost, 'apiHost');
	if (override) return override;
	const r = (fieldText(creds.region) || 'americas').toLowerCase();
	if (r === 'custom') return orchestratorHost(r, creds.customHost);
	const zone = REGION_ZONES[r as keyof typeof REGION_ZONES];
	if (!zone) return orchestratorHost(r, creds.customHost); // throws the region error
	return `https://${zone}.${METHOD_HOST_LABEL[api]}.liveperson.net`;
}

function apiVersion(creds: ConversationOrchestratorCredentials): 'v1' | 'v2' {
	const v = (creds.apiVersion ?? 'v2').toString().toLowerCase();
	if (v === 'v1' || v === 'v2') return v;
	throw inputError('apiVersion', `API Version "${v.slice(0, 10)}" is not supported`, 'Pick v1 (API key) or v2 (user ID and password).', 'CO_VERSION_UNKNOWN');
}

/** v1 headers. */
export function orchestratorV1Headers(creds: Pick<ConversationOrchestratorCredentials, 'apiKey'>): { 'maven-api-key': string } {
	const key = typeof creds.apiKey === 'string' ? creds.apiKey.trim() : '';
	if (!key) throw inputError('apiKey', 'API Key is empty: Conversation Orchestrator v1 needs the key from API Authorization', undefined, 'CO_API_KEY_EMPTY');
	return { 'maven-api-key': key };
}

export interface CoLoginRequest {
	url: string;
	method: 'POST';
	headers: Record<string, string>;
	secrets: string[];
}

export function buildOrchestratorLoginRequest(host: string, userId: string | undefined, password: string | undefined): CoLoginRequest {
	const user = typeof userId === 'string' ? userId.trim() : '';
	if (!user) throw inputError('userId', 'User ID is empty: Conversation Orchestrator v2 login needs the user ID from API Authorization', undefined, 'CO_USER_EMPTY');
	if (typeof password !== 'string' || !password) {
		throw inputError('password', 'Password is empty: Conversation Orchestrator v2 login needs the password from API Authorization', undefined, 'CO_PASSWORD_EMPTY');
	}
	const authorization = basicAuthorization(user, password, { user: 'userId', password: 'password' });
	return {
		url: `${host.replace(/\/+$/, '')}/v2/authenticate/login`,
		method: 'POST',
		headers: { authorization, accept: 'application/json, text/plain;q=0.9, */*;q=0.1' },
		secrets: [password, authorization.slice('Basic '.length)],
	};
}

const TOKEN_FIELDS = ['access_token', 'token', 'accessToken', 'id_token', 'idToken'] as const;
const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
const PRINTABLE_TOKEN = /^[\x21-\x7e]{8,8192}$/;

function pickToken(body: unknown): { token?: string; expiresIn?: number | string } {
	if (typeof body === 'string') return { token: body.trim() };
	if (typeof body !== 'object' || body === null || Array.isArray(body)) return {};
	const obj = body as Record<string, unknown>;
	const expiresIn = typeof obj.expires_in === 'number' || (typeof obj.expires_in === 'string' && /^\s*\d+\s*$/.test(obj.expires_in)) ? (obj.expires_in as number | string) : undefined;
	for (const field of TOKEN_FIELDS) {
		const v = obj[field];
		if (typeof v === 'string' && v.trim()) return { token: v.trim(), expiresIn };
	}
	// One level down, e.g. {"data": {"token": "…"}} or {"AuthenticationResult": {"IdToken": …}} (Cognito).
	for (const nestedName of ['data', 'result', 'AuthenticationResult']) {
		const nested = obj[nestedName];
		if (typeof nested === 'object' && nested !== null && !Array.isArray(nested)) {
			const n = nested as Record<string, unknown>;
			for (const field of [...TOKEN_FIELDS, 'IdToken', 'AccessToken']) {
				const v = n[field];
				if (typeof v === 'string' && v.trim()) {
					const ei = n.expires_in ?? n.ExpiresIn;
					return { token: v.trim(), expiresIn: typeof ei === 'number' || typeof ei === 'string' ? ei : expiresIn };
				}
			}
		}
	}
	return {};
}

/**
 * Pure: the v2 login answer → token, or LpError (never anything else). Accepts the documented-unknown
 * shapes listed above. Expiry: the earliest of `expires_in` and the JWT `exp`.
 */
export function readOrchestratorToken(res: HttpResponse, secrets: string[] = [], now = Date.now()): CachedToken {
	try {
		if (res.status === 401 || res.status === 403) {
			throw new LpError('auth', `${CO_SERVICE} refused the v2 login (HTTP ${res.status})`, {
				status: res.status,
				code: 'CO_LOGIN_REFUSED',
				responseSnippet: bodySnippet(res, secrets),
				hint: 'Check the v2 User ID and Password (Conversation Orchestrator → API Authorization) and the region / host of the account.',
			});
		}
		if (res.status < 200 || res.status > 299) throw statusError(res, CO_SERVICE, secrets);
		const text = res.body.toString('utf8').trim();
		if (!text) {
			throw new LpError('response', `${CO_SERVICE} answered the v2 login with an empty body (HTTP ${res.status})`, { status: res.status, code: 'CO_NO_TOKEN' });
		}
		let parsed: unknown = undefined;
		let isJson = false;
		try {
			parsed = JSON.parse(text);
			isJson = true;
		} catch {
			/* text/plain token */
		}
		const { token, expiresIn } = isJson ? pickToken(parsed) : { token: text, expiresIn: undefined };
		const type = header(res, 'content-type') ?? '';
		if (!token || !PRINTABLE_TOKEN.test(token) || (!isJson && /html/i.test(type)) || (!isJson && !JWT.test(token))) {
			const isHtml = /html/i.test(type) || /^<(!doctype|html|head|body)/i.test(text);
			throw new LpError('response', isHtml
				? `${CO_SERVICE} answered the v2 login with an HTML page instead of a token (HTTP ${res.status})`
				: `${CO_SERVICE} answered the v2 login without a token the node can read (HTTP ${res.status})`, {
				status: res.status,
				code: 'CO_NO_TOKEN',
				// The body may hold the token under a name we do not know: never quote it.
				hint: `Expected a JSON field ${TOKEN_FIELDS.join(', ')}, a JSON string or a JWT as text. Check the region / custom host.`,
			});
		}
		const expiresAt = expiresAtFrom({ expiresIn, jwt: JWT.test(token) ? token : undefined, now, defaultMs: DEFAULT_CO_TOKEN_LIFETIME_MS });
		return { value: token, tokenType: 'Bearer', expiresAt };
	} catch (error) {
		if (error instanceof LpError) throw error;
		throw new LpError('response', `${CO_SERVICE} v2 login answer could not be read`, { code: 'CO_UNREADABLE', cause: error });
	}
}

export interface OrchestratorOptions {
	timeoutMs?: number;
	now?: () => number;
	/** Default TOKEN_REQUEST_RETRY (LivePerson's policy for logins); credential Tests pass shorter pauses. */
	retry?: RetryPolicy;
}

/** Cache key of a v2 credential (hash of host, user, password, policy). */
export function orchestratorCacheKey(creds: ConversationOrchestratorCredentials): string {
	const host = orchestratorApiHost(creds, 'login');
	return `co-v2:${fingerprint('co-v2', host, orchestratorPolicy(creds).fingerprint, (creds.userId ?? '').trim(), creds.password ?? '')}`;
}

/** One v2 login (no cache). */
export async function orchestratorLogin(creds: ConversationOrchestratorCredentials, options: OrchestratorOptions = {}): Promise<CachedToken> {
	const host = orchestratorApiHost(creds, 'login');
	const req = buildOrchestratorLoginRequest(host, creds.userId, creds.password);
	const res = await send({
		url: req.url,
		method: req.method,
		headers: req.headers,
		secrets: req.secrets,
		serviceName: CO_SERVICE,
		policy: orchestratorPolicy(creds),
		timeoutMs: options.timeoutMs ?? 20_000,
		retry: options.retry ?? TOKEN_REQUEST_RETRY,
	});
	return readOrchestratorToken(res, req.secrets, (options.now ?? Date.now)());
}

/** The cached v2 token (one login in flight per credential). */
export async function getOrchestratorToken(creds: ConversationOrchestratorCredentials, options: OrchestratorOptions = {}, key = orchestratorCacheKey(creds)): Promise<CachedToken> {
	return tokenCache.get(key, () => orchestratorLogin(creds, options));
}

export function invalidateOrchestratorToken(creds: ConversationOrchestratorCredentials, value?: string): void {
	tokenCache.invalidate(orchestratorCacheKey(creds), value);
}

export type TokenPlacement = 'query' | 'header';

/**
 * The CO credential as an auth strategy. v1: `maven-api-key`. v2: the cached login token as the
 * documented `?access_token=` (default) or `Authorization: Bearer`; the docs' signal to log in again
 * is a 403, which drops that token (by value) so the pipeline logs in once and sends once more.
 */
export function orchestratorStrategy(creds: ConversationOrchestratorCredentials, placement: TokenPlacement = 'query', options: OrchestratorOptions = {}): AuthStrategy {
	const secrets = [fieldText(creds.apiKey).trim(), fieldText(creds.password)].filter((s) => s.length > 0);
	if (apiVersion(creds) === 'v1') {
		const headers = orchestratorV1Headers(creds);
		return { label: 'Conversation Orchestrator v1 API key', apply: () => ({ headers }), secrets: () => secrets };
	}
	const key = orchestratorCacheKey(creds);
	return {
		label: 'Conversation Orchestrator v2 token',
		async apply(): Promise<Applied> {
			const token = await getOrchestratorToken(creds, options, key);
			return placement === 'header' ? { headers: { authorization: `Bearer ${token.value}` }, used: token.value } : { query: { access_token: token.value }, used: token.value };
		},
		isRejected: (res) => res.status === 403,
		invalidate(applied) {
			tokenCache.invalidate(key, applied.used);
			return true;
		},
		secrets: () => secrets,
	};
}

/** The error for a 403 that came after a fresh login: the new token is refused too. */
export function tokenRefusedAgain(creds: ConversationOrchestratorCredentials, snippetText?: string): LpError {
	return new LpError('auth', `${CO_SERVICE} refused the new token too (403): check the v2 user ID and password / account`, {
		status: 403,
		code: 'CO_TOKEN_REFUSED',
		responseSnippet: snippetText,
		hint: `The login succeeded but ${CO_SERVICE} does not accept its token for this call${creds.accountId ? ` (account ${creds.accountId})` : ''}: the user may belong to another account or lack permission, or the region / host is wrong.`,
	});
}
