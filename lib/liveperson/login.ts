/**
 * LivePerson Login Service (CSDS service `agentVep`), reference §2:
 *
 *   POST https://{agentVep}/api/account/{accountId}/login?v=1.3      → bearer, csrf, sessionTTl, Session_id cookie
 *   POST https://{agentVep}/api/account/{accountId}/refresh          Cookie: Session_id=…  {"csrf": …}
 *   POST https://{agentVep}/api/account/{accountId}/logout           Cookie: Session_id=…  {"csrf": …}
 *
 * Login bodies: user login `{username, password}`; application login `{username, appKey, secret,
 * accessToken, accessTokenSecret}` with OAuth1 key fields (deprecated, past end of life) or, as the
 * current doc describes, OAuth2 client credentials in the same body (`appKey` = client ID, `secret` =
 * client secret, `accessToken` / `accessTokenSecret` = "dummy").
 *
 * Retry policy (DevC `login-service-retry-policy.html`): 4xx is not retried; 429 → wait at least 1 s,
 * and log in again only after 5 s; 451 → the account or user is blacklisted (clear error, no retry);
 * 5xx → 3 retries with pauses of 5, 10 and 15 s. The documented exponential backoff after that (2, 4,
 * 8 min…) suits long-running agents, not a workflow step: we give up after the third retry.
 * Every wait is injectable and scalable (`LoginTiming`) so tests run in milliseconds.
 *
 * Pure parts (`build*Request`, `process*Response`) are beside the I/O, oauth4webapi style.
 */
import { inputError, LpError } from '../errors';
import { HttpResponse, parseJsonBody, parseRetryAfter, RetryPolicy, send, sleep as realSleep, statusError } from '../http';
import type { OutboundPolicy } from '../net/policy';
import { resolveServiceBase, validateAccountId } from './csds';

export const LOGIN_SERVICE = 'Login Service';
export const LOGIN_API_VERSION = '1.3';
/** Used when the answer has no readable `sessionTTl` (the documented example is 8 h; we stay conservative). */
export const DEFAULT_SESSION_TTL_MS = 60 * 60 * 1000;

export type LoginBody =
	| { kind: 'user'; username: string; password: string }
	| { kind: 'oauth1App'; username: string; appKey: string; secret: string; accessToken: string; accessTokenSecret: string }
	| { kind: 'oauth2App'; username: string; clientId: string; clientSecret: string };

export interface LoginSession {
	accountId: string;
	/** Origin of the agentVep host, e.g. "https://va.agentvep.liveperson.net". */
	base: string;
	bearer: string;
	csrf?: string;
	/** Value of the `Session_id` cookie. */
	sessionId?: string;
	/** Epoch ms, from `sessionTTl` (string of milliseconds). */
	expiresAt: number;
	userId?: string;
	loginName?: string;
}

export interface PreparedRequest {
	url: string;
	method: 'POST';
	headers: Record<string, string>;
	body: string;
	/** Values to redact from anything quoted in an error. */
	secrets: string[];
}

export interface LoginTiming {
	/** Pauses before the 1st, 2nd, 3rd retry after a 5xx. Default 5, 10, 15 s. */
	serverErrorDelaysMs: number[];
	/** Wait before logging in again after a 429. At least 5 s (a longer Retry-After wins). */
	rateLimitLoginWaitMs: number;
	/** Wait before a refresh/logout retry after a 429. At least 1 s (a longer Retry-After wins). */
	rateLimitWaitMs: number;
	/** Retries after a 429. Default 2. */
	rateLimitRetries: number;
	/** A Retry-After longer than this fails at once instead of blocking the workflow. Default 60 s. */
	maxRetryAfterMs: number;
	/** Multiplies every wait (tests use e.g. 0.001). Default 1. */
	scale: number;
	sleep: (ms: number) => Promise<void>;
	/** Called before each wait (count or log; never secrets). */
	onRetry?: (info: { attempt: number; delayMs: number; status?: number; reason: string }) => void;
}

export const DEFAULT_LOGIN_TIMING: LoginTiming = {
	serverErrorDelaysMs: [5_000, 10_000, 15_000],
	rateLimitLoginWaitMs: 5_000,
	rateLimitWaitMs: 1_000,
	rateLimitRetries: 2,
	maxRetryAfterMs: 60_000,
	scale: 1,
	sleep: realSleep,
};

export interface LoginOptions {
	timing?: Partial<LoginTiming>;
	timeoutMs?: number;
	now?: () => number;
	/** The credential's outbound policy (CSDS and Login Service hosts). */
	policy?: OutboundPolicy;
}

const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

function requireField(value: unknown, field: string, label: string, hint?: string): string {
	if (!nonEmpty(value)) throw inputError(field, `${label} is empty: the Login Service needs it`, hint, 'LOGIN_FIELD_EMPTY');
	return value;
}

function base(origin: string): string {
	return origin.replace(/\/+$/, '');
}

export function loginSecrets(body: LoginBody): string[] {
	switch (body.kind) {
		case 'user':
			return [body.password];
		case 'oauth1App':
			return [body.secret, body.accessToken, body.accessTokenSecret, body.appKey];
		case 'oauth2App':
			return [body.clientSecret];
	}
}

/** The JSON body of a login (documented field names). Throws an input error for empty fields. */
export function loginJson(body: LoginBody): Record<string, string> {
	switch (body.kind) {
		case 'user':
			return {
				username: requireField(body.username, 'username', 'User Name'),
				password: requireField(body.password, 'password', 'Password'),
			};
		case 'oauth1App':
			return {
				username: requireField(body.username, 'username', 'User Name', 'Application login needs the login name of the bot user the app key belongs to.'),
				appKey: requireField(body.appKey, 'appKey', 'App Key'),
				secret: requireField(body.secret, 'appSecret', 'App Secret'),
				accessToken: requireField(body.accessToken, 'accessToken', 'Access Token'),
				accessTokenSecret: requireField(body.accessTokenSecret, 'accessTokenSecret', 'Access Token Secret'),
			};
		case 'oauth2App':
			return {
				username: requireField(body.username, 'username', 'User Name', 'Application login needs the login name of the bot user.'),
				appKey: requireField(body.clientId, 'clientId', 'Client ID'),
				secret: requireField(body.clientSecret, 'clientSecret', 'Client Secret'),
				// Documented: with OAuth2 client credentials the OAuth1 token fields are the literal "dummy".
				accessToken: 'dummy',
				accessTokenSecret: 'dummy',
			};
	}
}

export function buildLoginRequest(agentVepBase: string, accountId: string, body: LoginBody): PreparedRequest {
	const account = validateAccountId(accountId);
	return {
		url: `${base(agentVepBase)}/api/account/${encodeURIComponent(account)}/login?v=${LOGIN_API_VERSION}`,
		method: 'POST',
		headers: { 'content-type': 'application/json', accept: 'application/json' },
		body: JSON.stringify(loginJson(body)),
		secrets: loginSecrets(body).filter(nonEmpty),
	};
}

function sessionRequest(session: Pick<LoginSession, 'base' | 'accountId' | 'csrf' | 'sessionId'>, action: 'refresh' | 'logout'): PreparedRequest {
	const account = validateAccountId(session.accountId);
	if (!nonEmpty(session.csrf)) {
		throw new LpError('auth', `Cannot ${action} the Login Service session: the login answer had no csrf token`, {
			code: 'LOGIN_NO_CSRF',
			hint: 'Log in again; if this repeats, the Login Service answered in an unexpected shape.',
		});
	}
	const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
	if (nonEmpty(session.sessionId)) headers.cookie = `Session_id=${session.sessionId}`;
	return {
		// node-agent-sdk sends ?v=1.3 on refresh; the docs show no query. The service ignores it either way.
		url: `${base(session.base)}/api/account/${encodeURIComponent(account)}/${action}${action === 'refresh' ? `?v=${LOGIN_API_VERSION}` : ''}`,
		method: 'POST',
		headers,
		body: JSON.stringify({ csrf: session.csrf }),
		secrets: [session.csrf, session.sessionId].filter(nonEmpty),
	};
}

export const buildRefreshRequest = (session: Pick<LoginSession, 'base' | 'accountId' | 'csrf' | 'sessionId'>) => sessionRequest(session, 'refresh');
export const buildLogoutRequest = (session: Pick<LoginSession, 'base' | 'accountId' | 'csrf' | 'sessionId'>) => sessionRequest(session, 'logout');

/** The `Session_id` cookie value from the Set-Cookie header(s), if any. */
export function readSessionCookie(res: Pick<HttpResponse, 'headers'>): string | undefined {
	const raw = res.headers['set-cookie'];
	const lines = Array.isArray(raw) ? raw : typeof raw === 'string' ? [raw] : [];
	for (const line of lines) {
		if (typeof line !== 'string') continue;
		// A folded header can hold several cookies separated by ", " before the next "name=".
		for (const part of line.split(/,(?=\s*[A-Za-z0-9_-]+=)/)) {
			const match = /^\s*Session_id=([^;]*)/i.exec(part);
			if (match && match[1].trim()) return match[1].trim();
		}
	}
	return undefined;
}

function rateLimited(res: HttpResponse, secrets: string[], action: string, minWaitMs: number): LpError {
	const retryAfter = parseRetryAfter(res.headers['retry-after']);
	const waitMs = Math.max(minWaitMs, retryAfter ?? 0);
	const err = statusError(res, LOGIN_SERVICE, secrets);
	return new LpError('http', `${LOGIN_SERVICE} refused the ${action}: too many requests (HTTP 429)`, {
		status: 429,
		retryAfterMs: waitMs,
		code: 'LOGIN_RATE_LIMITED',
		responseSnippet: err.responseSnippet,
		hint: `Wait at least ${Math.ceil(waitMs / 1000)} s before the next ${action}; lower the number of parallel executions using this credential.`,
	});
}

function blacklisted(res: HttpResponse, secrets: string[]): LpError {
	return new LpError('auth', `${LOGIN_SERVICE} refused the login: the account or user is blacklisted (HTTP 451)`, {
		status: 451,
		code: 'LOGIN_BLACKLISTED',
		responseSnippet: statusError(res, LOGIN_SERVICE, secrets).responseSnippet,
		hint: 'LivePerson blocked this account or user. Retrying will not help: contact LivePerson support or your account administrator.',
	});
}

function loginStatusError(res: HttpResponse, secrets: string[], kind: LoginBody['kind'] | undefined): LpError {
	if (res.status === 429) return rateLimited(res, secrets, 'login', DEFAULT_LOGIN_TIMING.rateLimitLoginWaitMs);
	if (res.status === 451) return blacklisted(res, secrets);
	const base = statusError(res, LOGIN_SERVICE, secrets);
	if (res.status === 401 || res.status === 403) {
		const which =
			kind === 'user'
				? 'the user name and password'
				: kind === 'oauth1App'
					? 'the user name, app key, app secret, access token and access token secret (OAuth1 keys are past end of life and may no longer work)'
					: kind === 'oauth2App'
						? 'the user name, client ID and client secret'
						: 'the login fields';
		return new LpError('auth', `${LOGIN_SERVICE} refused the login (HTTP ${res.status}): invalid site, user or credentials`, {
			status: res.status,
			code: 'LOGIN_REFUSED',
			responseSnippet: base.responseSnippet,
			hint: `Check the account ID and ${which}.`,
		});
	}
	if (res.status >= 400 && res.status < 500) {
		return new LpError('auth', `${LOGIN_SERVICE} refused the login request (HTTP ${res.status})`, {
			status: res.status,
			code: `LOGIN_HTTP_${res.status}`,
			responseSnippet: base.responseSnippet,
			hint: 'Check the account ID and the login fields of the credential.',
		});
	}
	return base;
}

/**
 * Pure: a login answer → session, or a typed error (never anything but LpError). `sessionTTl` is a
 * string of milliseconds (a number is accepted too); the bearer is required.
 */
export function processLoginResponse(
	res: HttpResponse,
	ctx: { accountId: string; base: string; secrets?: string[]; kind?: LoginBody['kind']; now?: number },
): LoginSession {
	const secrets = (ctx.secrets ?? []).filter(nonEmpty);
	try {
		if (res.status < 200 || res.status > 299) throw loginStatusError(res, secrets, ctx.kind);
		const body = parseJsonBody(res, LOGIN_SERVICE, secrets) as Record<string, unknown> | null;
		if (typeof body !== 'object' || body === null || Array.isArray(body)) {
			throw new LpError('response', `${LOGIN_SERVICE} answered HTTP ${res.status} without a JSON object`, { status: res.status, code: 'LOGIN_SHAPE' });
		}
		const bearer = body.bearer;
		if (!nonEmpty(bearer)) {
			throw new LpError('response', `${LOGIN_SERVICE} answered HTTP ${res.status} without a "bearer" token`, {
				status: res.status,
				code: 'LOGIN_NO_BEARER',
				hint: 'The agentVep host does not look like a LivePerson Login Service: check the CSDS host of the credential.',
			});
		}
		const now = ctx.now ?? Date.now();
		const ttlRaw = body.sessionTTl;
		let ttlMs = DEFAULT_SESSION_TTL_MS;
		if (typeof ttlRaw === 'number' && Number.isFinite(ttlRaw) && ttlRaw > 0) ttlMs = ttlRaw;
		else if (typeof ttlRaw === 'string' && /^\s*\d+\s*$/.test(ttlRaw) && Number(ttlRaw) > 0) ttlMs = Number(ttlRaw);
		const config = typeof body.config === 'object' && body.config !== null ? (body.config as Record<string, unknown>) : {};
		const id = config.userId ?? config.userPid;
		return {
			accountId: ctx.accountId,
			base: ctx.base,
			bearer,
			csrf: nonEmpty(body.csrf) ? body.csrf : undefined,
			sessionId: readSessionCookie(res),
			expiresAt: now + ttlMs,
			userId: typeof id === 'string' || typeof id === 'number' ? String(id) : undefined,
			loginName: typeof config.loginName === 'string' ? config.loginName.slice(0, 200) : undefined,
		};
	} catch (error) {
		throw asLpError(error, `${LOGIN_SERVICE} answer could not be read`);
	}
}

/** Pure: refresh/logout answer (200, empty body) → new Session_id if one was set, or a typed error. */
export function processSessionResponse(res: HttpResponse, action: 'refresh' | 'logout', secrets: string[] = []): { sessionId?: string } {
	try {
		if (res.status >= 200 && res.status <= 299) return { sessionId: readSessionCookie(res) };
		const s = secrets.filter(nonEmpty);
		if (res.status === 429) throw rateLimited(res, s, action, DEFAULT_LOGIN_TIMING.rateLimitWaitMs);
		if (res.status === 451) throw blacklisted(res, s);
		if (res.status === 401 || res.status === 403) {
			const text = res.body.toString('utf8');
			const csrf = /csrf/i.test(text);
			throw new LpError('auth', `${LOGIN_SERVICE} refused the session ${action} (HTTP ${res.status})${csrf ? ': the csrf token is invalid' : ': the session has ended'}`, {
				status: res.status,
				code: 'LOGIN_SESSION_INVALID',
				responseSnippet: statusError(res, LOGIN_SERVICE, s).responseSnippet,
				hint: 'The session expired or was logged out: log in again.',
			});
		}
		throw statusError(res, LOGIN_SERVICE, s);
	} catch (error) {
		throw asLpError(error, `${LOGIN_SERVICE} ${action} answer could not be read`);
	}
}

function asLpError(error: unknown, message: string): LpError {
	if (error instanceof LpError) return error;
	return new LpError('response', message, { code: 'LOGIN_UNREADABLE', cause: error });
}

function timingOf(options: LoginOptions): LoginTiming {
	const t = { ...DEFAULT_LOGIN_TIMING, ...(options.timing ?? {}) };
	if (!(t.scale >= 0)) t.scale = 1;
	return t;
}

/** Exported for tests: the pause before retry `attempt` (1-based) after a 5xx, or undefined = give up. */
export function serverErrorDelay(timing: Pick<LoginTiming, 'serverErrorDelaysMs'>, attempt: number): number | undefined {
	return attempt <= timing.serverErrorDelaysMs.length ? timing.serverErrorDelaysMs[attempt - 1] : undefined;
}

/**
 * The Login Service's documented retry rule as a pipeline retry policy (one value per request: it
 * counts its own budgets): 5xx and a reset connection wait 5, 10, 15 s; a 429 waits at least 5 s
 * before a login (1 s before refresh/logout) or the Retry-After when longer, twice, and a Retry-After
 * beyond `maxRetryAfterMs` fails at once. Refused connections, DNS, TLS and timeouts are final.
 */
export function loginRetryPolicy(options: LoginOptions, action: 'login' | 'refresh' | 'logout'): RetryPolicy {
	const timing = timingOf(options);
	let serverRetries = 0;
	let rateRetries = 0;
	return {
		retries: 0,
		sleep: timing.sleep,
		decide: (outcome) => {
			if (outcome.error) {
				const code = outcome.error.code;
				const delay = code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' ? serverErrorDelay(timing, ++serverRetries) : undefined;
				return delay === undefined ? undefined : delay * timing.scale;
			}
			const res = outcome.response;
			if (res.status === 429 && rateRetries < timing.rateLimitRetries) {
				const retryAfter = parseRetryAfter(res.headers['retry-after']);
				const min = action === 'login' ? timing.rateLimitLoginWaitMs : timing.rateLimitWaitMs;
				const wait = Math.max(min, retryAfter ?? 0);
				if (wait <= timing.maxRetryAfterMs) {
					rateRetries++;
					return wait * timing.scale;
				}
			}
			if (res.status >= 500 && res.status <= 599) {
				const delay = serverErrorDelay(timing, ++serverRetries);
				if (delay !== undefined) return delay * timing.scale;
			}
			return undefined;
		},
	};
}

/** Sends a Login Service request under its retry policy; `process` turns the answer into a value or a typed error. */
async function withLoginRetries<T>(
	prepare: () => PreparedRequest,
	process: (res: HttpResponse, secrets: string[]) => T,
	action: 'login' | 'refresh' | 'logout',
	options: LoginOptions,
): Promise<T> {
	const timing = timingOf(options);
	const req = prepare();
	const res = await send({
		...req,
		serviceName: LOGIN_SERVICE,
		policy: options.policy,
		timeoutMs: options.timeoutMs ?? 20_000,
		retry: loginRetryPolicy(options, action),
		onRetry: timing.onRetry,
	});
	return process(res, req.secrets);
}

export interface LoginTarget {
	accountId: string;
	/** CSDS host setting (bare host or URL); used when `agentVepBase` is not given. */
	csdsHost?: string;
	/** Origin of the Login Service, when already known. */
	agentVepBase?: string;
}

/** CSDS `agentVep` lookup (cached by lib/liveperson/csds.ts). */
export async function resolveAgentVep(target: LoginTarget, policy?: OutboundPolicy): Promise<string> {
	if (target.agentVepBase) return base(target.agentVepBase);
	return resolveServiceBase(target.csdsHost, validateAccountId(target.accountId), 'agentVep', { policy });
}

/** User or application login; returns the session (bearer, csrf, Session_id, expiry). */
export async function login(target: LoginTarget, body: LoginBody, options: LoginOptions = {}): Promise<LoginSession> {
	const accountId = validateAccountId(target.accountId);
	loginJson(body); // field checks before any network
	const agentVep = await resolveAgentVep(target, options.policy);
	const now = options.now ?? Date.now;
	return withLoginRetries(
		() => buildLoginRequest(agentVep, accountId, body),
		(res, secrets) => processLoginResponse(res, { accountId, base: agentVep, secrets, kind: body.kind, now: now() }),
		'login',
		options,
	);
}

/** Keeps the session alive (docs: every 3–5 min). A 401 means the session ended: log in again. */
export async function refreshSession(session: LoginSession, options: LoginOptions = {}): Promise<LoginSession> {
	const result = await withLoginRetries(
		() => buildRefreshRequest(session),
		(res, secrets) => processSessionResponse(res, 'refresh', [...secrets, session.bearer]),
		'refresh',
		options,
	);
	return result.sessionId ? { ...session, sessionId: result.sessionId } : session;
}

export async function logout(session: LoginSession, options: LoginOptions = {}): Promise<void> {
	await withLoginRetries(
		() => buildLogoutRequest(session),
		(res, secrets) => processSessionResponse(res, 'logout', [...secrets, session.bearer]),
		'logout',
		options,
	);
}

/** For callers that print which header a session uses; never the value. */
export const describeSession = (s: LoginSession) => ({ accountId: s.accountId, base: s.base, userId: s.userId, expiresAt: s.expiresAt, hasCsrf: !!s.csrf, hasCookie: !!s.sessionId });
