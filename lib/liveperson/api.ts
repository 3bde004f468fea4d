/**
 * Any LivePerson REST API with the "LivePerson Account" credential: the host from CSDS by service
 * name, the credential's authentication attached (Login Service bearer, Sentinel app token, or an
 * OAuth 1.0 signature of the request), one re-login after a 401, LivePerson's retry policy, and
 * offset/limit paging where an API pages.
 *
 *   {scheme}://{CSDS service host}{path with {accountId} filled in}?{query}
 *
 * Pure parts (build / process / paging) first; the I/O is ONE function, `lpApiSend`, which uses the
 * package transport (`send`) and the account-auth helpers, so the request pipeline can replace it in
 * one place.
 *
 * Retry policy: LivePerson's published one for all its APIs (developers.liveperson.com/retry-policy-recommendations.html,
 * `livePersonRetryPolicy` in lib/http): 4xx are not retried; 429 after at least 1 s (1, 2, 4 s, a longer
 * Retry-After honoured); 5xx 3 retries after 5, 10 and 15 s, and only where a repeat cannot do harm:
 * 429 always (the request was not processed), 5xx and network errors only for idempotent calls (GET,
 * HEAD, PUT, DELETE, OPTIONS and the read-only search POSTs of the typed operations). A failed POST is
 * never sent twice.
 */
import { inputError, LpError, snippet } from '../errors';
import { header, type HttpResponse, LIVEPERSON_RETRY, livePersonRetryPolicy, parseJsonBody, responseSecrets, type RetryPolicy, send, statusError } from '../http';
import type { AuthStrategy } from '../http/types';
import { fieldText } from '../text';
import { accountAuthLabel, accountPolicy, accountStrategy, type AccountAuthOptions, type LivePersonAccountCredentials } from './account-auth';
import { isLoopbackHost, resolveServiceBase, validateAccountId, validateServiceName } from './csds';
import { normaliseHostOverride } from './mtls-gateway';
import { assertNoDotSegment, joinPath } from '../net/url-path';

export const LP_API_SERVICE = 'LivePerson API';
/** LivePerson's published 5xx pauses (Retry Policy Recommendations). */
export const LP_RETRY_DELAYS_MS: readonly number[] = LIVEPERSON_RETRY.serverErrorDelaysMs;
export const LP_API_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;
const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);

export interface LpApiCall {
	/** CSDS service name, e.g. msgHist, leDataReporting, accountConfigReadOnly (case sensitive). */
	service: string;
	method: string;
	/** Path on the service host; `{accountId}` is replaced by the (encoded) account ID. */
	path: string;
	query?: Record<string, string | string[] | undefined>;
	headers?: Record<string, string>;
	body?: string | Buffer;
	/** Treat the call as safe to repeat after a 5xx / network error (read-only POST searches). */
	idempotent?: boolean;
}

export interface PreparedLpApiRequest {
	url: string;
	method: string;
	headers: Record<string, string>;
	body?: string | Buffer;
	idempotent: boolean;
	secrets: string[];
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Set by the transport or by the credential: refused in user headers. */
const RESERVED = new Set(['authorization', 'host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'te', 'trailer', 'expect', 'proxy-authorization', 'cookie']);

/** A path on the service host: "/…", no scheme, no "..", no backslash, printable ASCII. */
export function validateApiPath(value: unknown, accountId: string, field = 'path'): string {
	const text = fieldText(value).trim();
	if (!text) throw inputError(field, 'Path is empty', 'Enter the API path, e.g. /messaging_history/api/account/{accountId}/conversations/search.', 'LP_API_PATH_EMPTY');
	if (!text.startsWith('/') || text.startsWith('//')) {
		throw inputError(field, 'Path must start with a single "/" (the host comes from CSDS)', 'Example: /operations/api/account/{accountId}/msgqueuehealth/current/.', 'LP_API_PATH_INVALID');
	}
	if (/[\\\s#\x00-\x1f\x7f-\uffff]/.test(text)) {
		throw inputError(field, 'Path must be printable ASCII without spaces, "#" or backslashes', 'Percent-encode special characters.', 'LP_API_PATH_INVALID');
	}
	// "." / ".." in every spelling the URL parser or the server would resolve (%2e%2e, .%2e, %2E., %2f…).
	assertNoDotSegment(text, field, 'Path', 'LP_API_PATH_INVALID');
	return text.replace(/\{accountId\}/gi, encodeURIComponent(accountId));
}

export function buildLpApiRequest(serviceBase: string, accountIdInput: string, call: LpApiCall): PreparedLpApiRequest {
	const accountId = validateAccountId(accountIdInput);
	validateServiceName(call.service, 'service');
	const method = fieldText(call.method).trim().toUpperCase() || 'GET';
	if (!(LP_API_METHODS as readonly string[]).includes(method)) throw inputError('method', `Method ${method.slice(0, 10)} is not supported`, `Use one of ${LP_API_METHODS.join(', ')}.`, 'LP_API_METHOD');
	const path = validateApiPath(call.path, accountId);
	const url = joinPath(serviceBase, path, 'path', 'LP_API_PATH_INVALID');
	for (const [name, value] of Object.entries(call.query ?? {})) {
		if (!name || value === undefined) continue;
		for (const v of Array.isArray(value) ? value : [value]) url.searchParams.append(name, v);
	}
	const headers: Record<string, string> = { accept: 'application/json' };
	for (const [rawName, rawValue] of Object.entries(call.headers ?? {})) {
		const name = rawName.trim().toLowerCase();
		if (!name) continue;
		if (!HEADER_NAME.test(name)) throw inputError('headers', `Header name "${rawName.slice(0, 40)}" is not valid`, undefined, 'LP_API_HEADER_NAME');
		if (RESERVED.has(name)) {
			throw inputError('headers', `Header "${name}" cannot be set`, name === 'authorization' ? 'The credential\'s authentication is attached by the node.' : 'It is managed by the HTTP client.', 'LP_API_HEADER_RESERVED');
		}
		const value = fieldText(rawValue);
		if (/[\r\n\0]/.test(value)) throw inputError('headers', `Header "${name}" contains a line break or NUL`, undefined, 'LP_API_HEADER_VALUE');
		headers[name] = value;
	}
	let body: string | Buffer | undefined;
	if (call.body !== undefined && call.body !== null && call.body.length > 0) {
		if (method === 'GET' || method === 'HEAD') throw inputError('body', `A ${method} request cannot carry a body`, 'Use POST, PUT or PATCH, or leave the body empty.', 'LP_API_GET_BODY');
		body = call.body;
		if (!headers['content-type']) headers['content-type'] = 'application/json';
	}
	return { url: url.toString(), method, headers, body, idempotent: call.idempotent === true || IDEMPOTENT.has(method), secrets: [] };
}

/**
 * LivePerson's retry policy for one call (see the module comment). `delaysMs` (tests) replaces both the
 * 5xx and the 429 pauses.
 */
export function lpRetryPolicy(idempotent: boolean, delaysMs?: readonly number[]): RetryPolicy {
	return livePersonRetryPolicy({ idempotent, ...(delaysMs ? { serverErrorDelaysMs: delaysMs, rateLimitDelaysMs: delaysMs } : {}) });
}

export interface LpApiResult {
	statusCode: number;
	headers: Record<string, string>;
	/** Parsed JSON when the answer is JSON, text otherwise, null when empty. */
	body: unknown;
}

/**
 * Pure: an answer → result, or a typed error for statuses outside 2xx (unless `neverError`). A 401 or
 * 403 names the authentication that was sent.
 */
export function processLpApiResponse(res: HttpResponse, ctx: { service: string; authLabel?: string; neverError?: boolean; secrets?: string[] }): LpApiResult {
	const secrets = responseSecrets(res, ctx.secrets ?? []);
	const label = `${LP_API_SERVICE} (${ctx.service})`;
	if ((res.status < 200 || res.status > 299) && !ctx.neverError) {
		const hint =
			res.status === 401 || res.status === 403
				? `Sent: ${ctx.authLabel ?? 'the credential\'s authentication'}. The service refused it${res.status === 401 ? ' (after one new login)' : ''}: check that the user or application has the permission this API needs${header(res, 'www-authenticate') ? ` (the service asked for: ${snippet(header(res, 'www-authenticate'), secrets, 120)})` : ''}, and that this API accepts that kind of token.`
				: res.status === 404
					? `Check the service name "${ctx.service}" and the path (the host comes from CSDS).`
					: undefined;
		throw statusError(res, label, secrets, hint);
	}
	const headers: Record<string, string> = {};
	for (const [name, value] of Object.entries(res.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
	const text = res.body.toString('utf8');
	let body: unknown = text.trim() ? text : null;
	if (text.trim() && /json/i.test(headers['content-type'] ?? '')) {
		if (res.status >= 200 && res.status <= 299) body = parseJsonBody(res, label, secrets);
		else {
			// An error answer returned as output (Never Error): JSON when it is, its text otherwise.
			try {
				body = JSON.parse(text);
			} catch {
				body = text;
			}
		}
	}
	return { statusCode: res.status, headers, body };
}

// ---------------------------------------------------------------------------------------------------
// Offset / limit paging (Messaging Interactions and other LivePerson list APIs)

export interface OffsetPage {
	/** The records of this page. */
	records: unknown[];
	/** Total number of records for the query when the answer says so (`_metadata.count`). */
	total?: number;
}

/** Pure: the records and the total of a paged answer (`itemsField`, else the first list in the body). */
export function readOffsetPage(body: unknown, itemsField?: string): OffsetPage {
	if (Array.isArray(body)) return { records: body };
	if (typeof body === 'string') {
		// A 2xx that is not JSON (a maintenance or login page): never read as "no records".
		const html = /^\s*<(!doctype|html|head|body)/i.test(body);
		throw new LpError('response', html ? 'The API answered with an HTML page instead of a JSON list' : 'The API answered with text instead of a JSON list', {
			code: html ? 'HTML_RESPONSE' : 'LP_API_NOT_JSON',
			responseSnippet: html ? undefined : body.slice(0, 120),
			hint: 'Check the service name and the path (and Host Override, if set).',
		});
	}
	if (typeof body !== 'object' || body === null) return { records: [] };
	const obj = body as Record<string, unknown>;
	const field = itemsField?.trim();
	let records: unknown;
	if (field) {
		records = obj[field];
		if (!Array.isArray(records)) {
			throw new LpError('response', `The answer has no list "${field}"`, { code: 'LP_API_NO_ITEMS', field: 'itemsField', hint: `Lists in the answer: ${Object.keys(obj).filter((k) => Array.isArray(obj[k])).join(', ') || 'none'}.` });
		}
	} else {
		records = Object.values(obj).find(Array.isArray) ?? [];
	}
	const meta = obj._metadata as Record<string, unknown> | undefined;
	const count = meta && typeof meta === 'object' ? meta.count : undefined;
	return { records: records as unknown[], total: typeof count === 'number' && Number.isFinite(count) ? count : undefined };
}

/** Pure: the next offset, or undefined when the last page was read (short page, total reached, or cap). */
export function nextOffset(offset: number, limit: number, page: OffsetPage, collected: number, maxRecords: number): number | undefined {
	if (page.records.length === 0 || collected >= maxRecords) return undefined;
	const next = offset + page.records.length;
	if (page.total !== undefined && next >= page.total) return undefined;
	if (page.total === undefined && page.records.length < limit) return undefined;
	return next;
}

/** A host override: https, or http for a loopback host only (the emulator). */
export function hostOverrideOrigin(value: string, field = 'hostOverride'): string {
	const origin = normaliseHostOverride(value, field);
	const url = new URL(origin);
	if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
		throw inputError(field, `Host "${url.host}" must use https: plain http is accepted only for a loopback emulator`, undefined, 'LP_API_HOST_HTTP');
	}
	return origin;
}

/**
 * Reads pages through `fetchPage(offset)` (the caller sends the request) until the last page or
 * `maxRecords`; returns the records in order. At most 10,000 pages.
 */
export async function collectOffsetPages(
	fetchPage: (offset: number) => Promise<unknown>,
	opts: { limit: number; maxRecords: number; itemsField?: string; startOffset?: number },
): Promise<unknown[]> {
	const out: unknown[] = [];
	let offset = opts.startOffset ?? 0;
	for (let pages = 0; pages < 10_000; pages++) {
		const page = readOffsetPage(await fetchPage(offset), opts.itemsField);
		out.push(...page.records.slice(0, opts.maxRecords - out.length));
		const next = nextOffset(offset, opts.limit, page, out.length, opts.maxRecords);
		if (next === undefined) break;
		offset = next;
	}
	return out;
}

// ---------------------------------------------------------------------------------------------------
// I/O: the one place a LivePerson API request is sent

export interface LpApiSendOptions {
	/** Account whose service host and path are used; default the credential's. */
	accountId?: string;
	/** Use this origin instead of the CSDS host of the service (e.g. the emulator). */
	hostOverride?: string;
	csdsTtlMs?: number;
	timeoutMs?: number;
	maxResponseBytes?: number;
	/** false: no retry; otherwise LivePerson's policy with these pauses (tests shorten them). */
	retryDelaysMs?: number[] | false;
	auth?: AccountAuthOptions;
	/** The credential's strategy, built once per execution by the caller (else built here). */
	strategy?: AuthStrategy;
}

export interface LpApiSent {
	res: HttpResponse;
	/** The URL called (never printed without safeUrl). */
	url: string;
	authLabel: string;
	secrets: string[];
}

/**
 * Sends one call: host from CSDS (or the override), the credential's auth, LivePerson's retry
 * policy, and one new login after a 401 (bearers only: an OAuth1 signature cannot be renewed).
 */
export async function lpApiSend(creds: LivePersonAccountCredentials, call: LpApiCall, options: LpApiSendOptions = {}): Promise<LpApiSent> {
	const credAccount = validateAccountId(creds.accountId);
	const accountId = validateAccountId(options.accountId || credAccount);
	const service = validateServiceName(call.service, 'service');
	const policy = accountPolicy(creds);
	const base = options.hostOverride?.trim()
		? hostOverrideOrigin(options.hostOverride)
		: await resolveServiceBase(creds.csdsHost, credAccount, service, { policy, ...(options.csdsTtlMs !== undefined ? { ttlMs: options.csdsTtlMs } : {}) });
	const req = buildLpApiRequest(base, accountId, call);
	const retry = options.retryDelaysMs === false ? { retries: 0 } : lpRetryPolicy(req.idempotent, options.retryDelaysMs);
	// The pipeline signs with the account strategy and, after a 401, logs in once more and re-sends
	// (bearers only: an OAuth 1.0 signature has no token to renew).
	const res = await send({
		url: req.url,
		method: req.method,
		headers: req.headers,
		body: req.body,
		serviceName: `${LP_API_SERVICE} (${service})`,
		auth: options.strategy ?? accountStrategy(creds, options.auth),
		policy,
		timeoutMs: options.timeoutMs,
		maxResponseBytes: options.maxResponseBytes,
		retry,
	});
	return { res, url: req.url, authLabel: accountAuthLabel(creds), secrets: [...(res.secrets ?? [])] };
}
