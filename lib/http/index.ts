/**
 * THE request pipeline. Every outbound request of the package — LivePerson clients, token
 * endpoints, CSDS, JWKS, credential Tests, the API Integration node, the n8n OAuth2 path — is one
 * `send(request)`, which runs the same interceptors, outermost first (undici's
 * `Dispatcher.compose()` model):
 *
 *   errors    every error leaves redacted with every secret in scope, in every spelling
 *   reauth    the auth strategy signs the request; when the answer is its refusal, the strategy
 *             drops the token it used (by value) and the request is sent once more
 *   redirect  3xx followed only when asked; every hop re-checked; another origin gets none of the
 *             strategy's headers or query, no secret-looking header and no client certificate,
 *             and never the custom transport (which may sign on its own: `transportFor`);
 *             https → http refused
 *   retry     network errors, 429 and 5xx (per policy; LivePerson's published one: livePersonRetryPolicy),
 *             Retry-After honoured and capped
 *   policy    scheme and IP literal checked; the dispatcher chosen here enforces the policy on
 *             every DNS answer and on the connected socket (lib/net/policy.ts)
 *   transport undici on that dispatcher, time limit, size cap while reading (or a custom
 *             transport, e.g. n8n's helper, behind the same interceptors)
 *
 * Status handling stays with the callers' pure `process*Response` functions; the answer carries
 * `secrets`, so `statusError()` / `parseJsonBody()` redact without being told.
 */
import { Dispatcher, errors as undiciErrors, request } from 'undici';
import { LpError, MIN_SECRET_LENGTH, REDACTED, isSecretName, redactError, safeUrl, snippet } from '../errors';
import { OutboundPolicy, hostLiteral, policyDispatcher, policyForAllowText } from '../net/policy';
import { explainTlsFailure, type TlsFailureContext } from '../tls/errors';
import type { Applied, AuthStrategy, Dispatch, Exchange, Headers, HttpRequest, HttpResponse, Interceptor, RetryPolicy, Transport } from './types';

export * from './types';
export { closeAllDispatchers, registerCloser, sharedDispatcher } from './dispatchers';

export const DEFAULT_TIMEOUT_MS = 20_000;
export const DEFAULT_MAX_RESPONSE_BYTES = 10 * 1024 * 1024;
export const DEFAULT_RETRY_STATUSES = [429, 500, 502, 503, 504];
export const NO_RETRY: RetryPolicy = { retries: 0 };

/**
 * LivePerson's retry policy for all its APIs, developer center "Retry Policy Recommendations"
 * (https://developers.liveperson.com/retry-policy-recommendations.html; the same table on
 * login-service-retry-policy.html): 4xx "Do not retry"; 429 "Retry after at least 1 second; avoid
 * bursts of requests. Login requests should be retried only after 5 seconds"; 5xx "Retry 3 times with
 * 5, 10, 15 second pause between retries". Where the package differs on purpose:
 * - a Retry-After longer than the pause is honoured (beyond `maxDelayMs` the call fails at once);
 * - 429 pauses double (1, 2, 4 s; a login 5, 10, 15 s) to "avoid bursts", three retries;
 * - 5xx means 500, 502, 503 and 504 (501 and 505 fail the same way again), and a 5xx or a network failure
 *   is retried only when the call is safe to repeat (GET/PUT/DELETE, read-only searches, token
 *   requests): a POST that may have been processed is never sent twice;
 * - network failures (reset, refused, timeout; not TLS, not a blocked address) count as 5xx;
 * - the page's further "every 2 minutes / exponential backoff" retry for long outages suits a
 *   long-running agent, not a workflow step: the call fails after the third retry.
 */
export const LIVEPERSON_RETRY = {
	serverErrorDelaysMs: [5_000, 10_000, 15_000],
	rateLimitDelaysMs: [1_000, 2_000, 4_000],
	loginRateLimitDelaysMs: [5_000, 10_000, 15_000],
	serverErrorStatuses: [500, 502, 503, 504],
	maxDelayMs: 60_000,
} as const;

export interface LivePersonRetryOptions {
	/** A login or token request: a 429 waits at least 5 s. */
	login?: boolean;
	/** Safe to repeat after a 5xx or a network failure. Default true. */
	idempotent?: boolean;
	/** Shorter pauses (tests, credential Tests); the number of entries is the number of retries. */
	serverErrorDelaysMs?: readonly number[];
	rateLimitDelaysMs?: readonly number[];
	sleep?: (ms: number) => Promise<void>;
}

/** LivePerson's retry policy (LIVEPERSON_RETRY) as a pipeline retry policy. */
export function livePersonRetryPolicy(options: LivePersonRetryOptions = {}): RetryPolicy {
	const idempotent = options.idempotent !== false;
	const server = [...(options.serverErrorDelaysMs ?? LIVEPERSON_RETRY.serverErrorDelaysMs)];
	const rate = [...(options.rateLimitDelaysMs ?? (options.login ? LIVEPERSON_RETRY.loginRateLimitDelaysMs : LIVEPERSON_RETRY.rateLimitDelaysMs))];
	return {
		retries: idempotent ? Math.max(server.length, rate.length) : rate.length,
		statuses: idempotent ? [429, ...LIVEPERSON_RETRY.serverErrorStatuses] : [429],
		networkErrors: idempotent,
		delaysMs: server,
		rateLimitDelaysMs: rate,
		maxDelayMs: LIVEPERSON_RETRY.maxDelayMs,
		...(options.sleep ? { sleep: options.sleep } : {}),
	};
}

/** LivePerson token requests (Sentinel, Conversation Orchestrator v2 login): LivePerson's policy for logins. */
export const TOKEN_REQUEST_RETRY: RetryPolicy = livePersonRetryPolicy({ login: true });

/** The policy used when a request names none: every internal network refused (and n8n's SSRF settings). */
export const defaultPolicy = (): OutboundPolicy => policyForAllowText('');

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

let retrySleep = sleep;
/**
 * The wait of every retry whose policy names no `sleep`: tests put a fake clock here (an injectable
 * clock instead of real pauses); undefined restores setTimeout.
 */
export function setRetrySleep(fn?: (ms: number) => Promise<void>): void {
	retrySleep = fn ?? sleep;
}

// ---------------------------------------------------------------------------------------------------
// Pure helpers

/** Retry-After as milliseconds: delta-seconds or an HTTP date. Undefined when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
	const raw = Array.isArray(value) ? value[0] : value;
	if (raw === undefined) return undefined;
	const text = raw.trim();
	if (/^\d+$/.test(text)) return Number(text) * 1000;
	const date = Date.parse(text);
	if (Number.isNaN(date)) return undefined;
	return Math.max(0, date - now);
}

export function header(res: Pick<HttpResponse, 'headers'>, name: string): string | undefined {
	const value = res.headers[name.toLowerCase()];
	return Array.isArray(value) ? value.join(', ') : value;
}

/** The backoff before retry number `attempt` (1-based): fixed delays, or the base doubled per attempt. */
export function backoffDelay(policy: RetryPolicy, attempt: number): number {
	if (policy.delaysMs?.length) return policy.delaysMs[Math.min(attempt - 1, policy.delaysMs.length - 1)];
	const base = policy.baseDelayMs ?? 500;
	return base * 2 ** (attempt - 1);
}

/**
 * How long to wait before retrying after answer `res` of attempt `attempt`, or undefined when the
 * answer is final: retries used up, a status not in the policy, or a Retry-After beyond the cap.
 */
export function responseRetryDelay(policy: RetryPolicy, attempt: number, res: Pick<HttpResponse, 'status' | 'headers'>): number | undefined {
	if (policy.decide) return policy.decide({ response: res }, attempt);
	if (attempt > policy.retries || !(policy.statuses ?? DEFAULT_RETRY_STATUSES).includes(res.status)) return undefined;
	const rateLimit = res.status === 429 && policy.rateLimitDelaysMs?.length ? policy.rateLimitDelaysMs : undefined;
	if (rateLimit && attempt > rateLimit.length) return undefined;
	if (!rateLimit && policy.delaysMs?.length && attempt > policy.delaysMs.length && policy.rateLimitDelaysMs?.length) return undefined;
	const maxDelay = policy.maxDelayMs ?? 30_000;
	const retryAfter = parseRetryAfter(res.headers['retry-after']);
	if (retryAfter !== undefined && retryAfter > maxDelay) return undefined;
	return Math.min(maxDelay, Math.max(retryAfter ?? 0, rateLimit ? rateLimit[attempt - 1] : backoffDelay(policy, attempt)));
}

/**
 * Whether another attempt could end differently. Never, whatever a retry policy (or its `decide`)
 * says, for a TLS failure — which includes a client certificate the server refused, see
 * `describeNetworkError` —, a request the outbound policy blocked, or invalid input.
 */
export function isRetryableError(error: LpError): boolean {
	return error.kind !== 'tls' && error.kind !== 'blocked' && error.kind !== 'input';
}

/** The wait before retrying after network failure `error` of attempt `attempt`, or undefined. */
export function errorRetryDelay(policy: RetryPolicy, attempt: number, error: LpError): number | undefined {
	if (!isRetryableError(error)) return undefined;
	if (policy.decide) return policy.decide({ error }, attempt);
	if (attempt > policy.retries || policy.networkErrors === false) return undefined;
	return Math.min(policy.maxDelayMs ?? 30_000, backoffDelay(policy, attempt));
}

/**
 * THE secrets list for anything built from an answer: every secret in scope of the request that
 * produced it (strategy, connection, request: `res.secrets`) plus the caller's `extra`. Errors built
 * from an answer take this list, never a hand-picked one.
 */
export function responseSecrets(res: Pick<HttpResponse, 'secrets'>, extra: Iterable<string | undefined | null> = []): string[] {
	return [...(res.secrets ?? []), ...[...extra].filter((s): s is string => !!s)];
}
const allSecrets = responseSecrets;

/** A redacted extract of an answer's body: the answer's own secrets and `extra` are redacted first. */
export function bodySnippet(res: Pick<HttpResponse, 'body' | 'secrets'>, extra: Iterable<string | undefined> = [], max = 300): string | undefined {
	return snippet(res.body, allSecrets(res, extra), max);
}

/** Parses a JSON body, or explains what came instead (HTML page, empty, truncated). */
export function parseJsonBody(res: HttpResponse, service: string, secrets: Array<string | undefined> = []): unknown {
	const text = res.body.toString('utf8');
	const type = header(res, 'content-type') ?? '';
	if (!text.trim()) {
		throw new LpError('response', `${service} answered with an empty body (HTTP ${res.status}) where JSON was expected`, {
			status: res.status,
			code: 'EMPTY_RESPONSE',
		});
	}
	try {
		return JSON.parse(text);
	} catch (error) {
		const isHtml = /html/i.test(type) || /^\s*<(!doctype|html|head|body)/i.test(text);
		throw new LpError(
			'response',
			isHtml
				? `${service} answered with an HTML page (HTTP ${res.status}) where JSON was expected`
				: `${service} answered with data that is not valid JSON (HTTP ${res.status})`,
			{
				status: res.status,
				code: isHtml ? 'HTML_RESPONSE' : 'INVALID_JSON',
				responseSnippet: snippet(text, allSecrets(res, secrets), 200),
				hint: isHtml ? 'The host is probably wrong (a web page or a proxy answered): check the host settings.' : undefined,
				cause: error,
			},
		);
	}
}

/** Standard error for a non-2xx status, with a redacted snippet and Retry-After when given. */
export function statusError(res: HttpResponse, service: string, secrets: Array<string | undefined> = [], hint?: string): LpError {
	const retryAfterMs = parseRetryAfter(res.headers['retry-after']);
	const defaults: Record<number, string> = {
		400: 'The request was refused as malformed: check the parameters.',
		401: 'The credentials were refused: check the credential (user, password, key or token).',
		403: 'The credentials are valid but lack permission for this call.',
		404: 'The resource or path does not exist: check the host and identifiers.',
		429: 'Too many requests: wait and try again, or lower the batch size.',
	};
	return new LpError('http', `${service} answered HTTP ${res.status}${retryAfterMs !== undefined ? ` (retry after ${Math.ceil(retryAfterMs / 1000)} s)` : ''}`, {
		status: res.status,
		retryAfterMs,
		responseSnippet: snippet(res.body, allSecrets(res, secrets)),
		hint: hint ?? defaults[res.status] ?? (res.status >= 500 ? 'The server had an internal error: try again later.' : undefined),
		code: `HTTP_${res.status}`,
	});
}

// ---------------------------------------------------------------------------------------------------
// The innermost sender: undici

/**
 * A connection reset that is the server refusing the client certificate: with a client certificate,
 * the server closed the connection during the TLS handshake (TLS 1.2: "before secure TLS connection
 * was established"), or right after it without sending one byte of answer on that connection (TLS
 * 1.3: the client's handshake is done before the server checks its certificate; undici reports the
 * socket's `bytesRead` 0). A reused keep-alive connection has read answers before, so its reset is
 * not this and stays retryable.
 */
function clientCertificateRefused(err: { code?: string; message?: string; socket?: { bytesRead?: unknown }; cause?: { code?: string; message?: string; socket?: { bytesRead?: unknown } } }, tlsContext?: TlsFailureContext): boolean {
	if (!tlsContext?.clientCertificate) return false;
	const code = err?.code ?? err?.cause?.code;
	if (code !== 'ECONNRESET' && code !== 'UND_ERR_SOCKET' && code !== 'EPIPE') return false;
	const message = `${err?.message ?? ''} ${err?.cause?.message ?? ''}`;
	return /before secure TLS connection was established/i.test(message) || err?.socket?.bytesRead === 0 || err?.cause?.socket?.bytesRead === 0;
}

function describeNetworkError(error: unknown, tlsContext?: TlsFailureContext): { kind: 'network' | 'timeout' | 'tls'; reason: string; code?: string; hint?: string } {
	const err = error as { code?: string; name?: string; message?: string; socket?: { bytesRead?: unknown }; cause?: { code?: string; message?: string; socket?: { bytesRead?: unknown } } };
	const code = err?.code ?? err?.cause?.code;
	if (clientCertificateRefused(err, tlsContext)) {
		const tls = explainTlsFailure({ ...err, code: 'CLIENT_CERT_REFUSED', message: err?.message, cause: err?.cause } as never, tlsContext);
		return { kind: 'tls', reason: `${tls.reason} (${code})`, code: 'CLIENT_CERT_REFUSED', hint: tls.hint };
	}
	if (
		error instanceof undiciErrors.HeadersTimeoutError ||
		error instanceof undiciErrors.BodyTimeoutError ||
		error instanceof undiciErrors.ConnectTimeoutError ||
		code === 'UND_ERR_CONNECT_TIMEOUT' ||
		err?.name === 'TimeoutError'
	) {
		return { kind: 'timeout', reason: 'no answer in time', code: code ?? 'TIMEOUT' };
	}
	switch (code) {
		case 'ECONNREFUSED':
			return { kind: 'network', reason: 'connection refused', code };
		case 'ECONNRESET':
		case 'UND_ERR_SOCKET':
		case 'EPIPE':
			return { kind: 'network', reason: 'connection reset by the server', code };
		case 'ENOTFOUND':
		case 'EAI_AGAIN':
			return { kind: 'network', reason: 'host name not found (DNS)', code };
		case 'EHOSTUNREACH':
		case 'ENETUNREACH':
			return { kind: 'network', reason: 'host unreachable', code };
	}
	const message = err?.message ?? err?.cause?.message ?? '';
	if (code?.startsWith('ERR_SSL') || code?.startsWith('ERR_TLS') || /certificate|ssl|tls|alert/i.test(message) || /CERT|SELF_SIGNED/.test(code ?? '')) {
		// In words, with the OpenSSL code kept as a detail (lib/tls/errors.ts).
		const tls = explainTlsFailure(error as never, tlsContext);
		const detail = tls.code ?? tls.detail;
		return { kind: 'tls', reason: `${tls.reason}${detail ? ` (${detail})` : ''}`, code: tls.code ?? code ?? 'TLS', hint: tls.hint };
	}
	return { kind: 'network', reason: code ? `network error ${code}` : 'network error', code };
}

export function tooLarge(service: string, max: number, printableUrl: string): LpError {
	return new LpError('response', `${service} answered with more than ${max} bytes from ${printableUrl}`, {
		code: 'RESPONSE_TOO_LARGE',
		hint: 'Raise the "Max Response Size" option if this answer is expected to be this large.',
	});
}

/** Reads a body (undici's, or a custom transport's Node stream) up to `max` bytes: a larger one is destroyed unread. */
async function readCapped(stream: AsyncIterable<unknown> & { destroy?: () => void }, max: number, service: string, url: () => string): Promise<Buffer> {
	const chunks: Buffer[] = [];
	let size = 0;
	for await (const chunk of stream) {
		const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
		size += buf.length;
		if (size > max) {
			stream.destroy?.();
			throw tooLarge(service, max, url());
		}
		chunks.push(buf);
	}
	return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
}

/** `readCapped` for a custom transport's stream. */
export function readStreamCapped(stream: AsyncIterable<unknown> & { destroy?: () => void }, max: number, service: string, printableUrl: string): Promise<Buffer> {
	return readCapped(stream, max, service, () => printableUrl);
}

export function serviceOf(ex: Exchange): string {
	return ex.req.serviceName ?? 'The server';
}

/** The network failure of `error` as a typed error naming the service and the (printable) URL. */
export function networkError(ex: Exchange, error: unknown): LpError {
	if (error instanceof LpError) return error;
	const service = serviceOf(ex);
	const printable = safeUrl(ex.url);
	if (ex.req.signal?.aborted) return new LpError('network', `Request to ${printable} was cancelled`, { code: 'ABORTED', cause: error });
	const timeout = ex.req.timeoutMs ?? DEFAULT_TIMEOUT_MS;
	const { kind, reason, code, hint } = describeNetworkError(error, ex.useConnection ? ex.req.connection?.tls : undefined);
	return new LpError(
		kind,
		kind === 'timeout' ? `${service} did not answer within ${Math.round(timeout / 100) / 10} s (${printable})` : `${service} could not be reached at ${printable}: ${reason}`,
		{
			code: code ?? kind.toUpperCase(),
			cause: error,
			hint:
				hint ??
				(kind === 'timeout'
					? 'Check that the host is up, or raise the "Timeout" option.'
					: kind === 'tls'
						? 'Check the certificate, the trust certificate and the TLS protocol versions of the credential.'
						: 'Check the host name and port, and that the server is reachable from the n8n host.'),
		},
	);
}

const undiciTransport = async (ex: Exchange): Promise<HttpResponse> => {
	const timeout = ex.req.timeoutMs ?? DEFAULT_TIMEOUT_MS;
	const maxBytes = ex.req.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
	// One controller + one timer per attempt: AbortSignal.timeout() + AbortSignal.any() cost ~30-80 µs
	// per request on Node 20 (timer + FinalizationRegistry bookkeeping), a measurable share of a
	// keep-alive request (bench/). The timeout reason is the same DOMException "TimeoutError".
	const controller = new AbortController();
	const timer = setTimeout(() => controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')), timeout);
	timer.unref?.();
	const external = ex.req.signal;
	const onExternalAbort = () => controller.abort(external?.reason);
	if (external) {
		if (external.aborted) onExternalAbort();
		else external.addEventListener('abort', onExternalAbort, { once: true });
	}
	try {
		const res = await request(ex.url, {
			method: ex.method as Dispatcher.HttpMethod,
			headers: ex.headers as Record<string, string>,
			body: ex.body ?? undefined,
			dispatcher: ex.dispatcher,
			signal: controller.signal,
			headersTimeout: timeout,
			bodyTimeout: timeout,
		});
		const body = await readCapped(res.body, maxBytes, serviceOf(ex), () => safeUrl(ex.url));
		return { status: res.statusCode, headers: res.headers, body, attempts: 1 };
	} catch (error) {
		const typed = networkError(ex, error);
		throw ex.useConnection && ex.req.connection?.explain ? ex.req.connection.explain(typed) : typed;
	} finally {
		clearTimeout(timer);
		external?.removeEventListener('abort', onExternalAbort);
	}
};

/**
 * The sender for this hop: the request's custom transport only on the origin it is bound to (the one
 * the request was given for); anywhere else the plain undici transport, which adds no credential. A
 * custom transport may sign on its own (n8n's helper does), so this is what keeps every current or
 * future self-signing transport to its origin; the policy interceptor asks the same question.
 */
export function transportFor(ex: Pick<Exchange, 'req' | 'url' | 'signOrigin'>): Transport | undefined {
	return ex.req.transport && mayCarryCredentials(ex) ? ex.req.transport : undefined;
}

/** True when this hop goes to the origin the credentials were given for (only there is anything signed). */
export function mayCarryCredentials(ex: Pick<Exchange, 'url' | 'signOrigin'>): boolean {
	return ex.url.origin === ex.signOrigin;
}

const transport: Dispatch = (ex) => (transportFor(ex) ?? undiciTransport)(ex);

// ---------------------------------------------------------------------------------------------------
// Interceptors

/**
 * Outbound policy: the scheme and an IP-literal host are checked here; host names are checked on
 * every DNS answer and on the connected socket by the dispatcher chosen here. A custom transport
 * resolves on its own, so its host name is resolved and checked here first (the remaining window,
 * a re-resolution between this check and its connect, is documented in SECURITY.md).
 */
export const policyInterceptor: Interceptor = (next) => (ex) => {
	// Synchronous on the hot path (no extra promise per request); a refusal is a rejected promise.
	const policy = ex.policy;
	try {
		policy.checkUrl(ex.url);
		if (transportFor(ex)) {
			if (!policy.enabled || hostLiteral(ex.url.hostname)) return next(ex);
			// A DNS failure here is the same network error the default transport reports.
			return policy.resolve(ex.url.hostname).then(
				() => next(ex),
				(error: unknown) => {
					throw networkError(ex, error);
				},
			);
		}
		ex.dispatcher = ex.useConnection && ex.req.connection ? ex.req.connection.dispatcher(policy) : policyDispatcher(policy);
	} catch (error) {
		return Promise.reject(error);
	}
	return next(ex);
};

/** Retries network failures and retryable statuses per `req.retry` (default: none). */
export const retryInterceptor: Interceptor = (next) => (ex) => {
	const policy = ex.req.retry;
	if (!policy || (policy.retries <= 0 && !policy.decide)) return next(ex);
	return withRetries(next, ex, policy);
};

async function withRetries(next: Dispatch, ex: Exchange, policy: RetryPolicy): Promise<HttpResponse> {
	const wait = policy.sleep ?? retrySleep;
	for (let attempt = 1; ; attempt++) {
		let delay: number | undefined;
		let reason: string;
		let status: number | undefined;
		try {
			const res = await next(ex);
			delay = responseRetryDelay(policy, attempt, res);
			if (delay === undefined) return attempt === 1 ? res : { ...res, attempts: attempt };
			reason = `status ${res.status}`;
			status = res.status;
		} catch (error) {
			if (!(error instanceof LpError) || ex.req.signal?.aborted) throw error;
			delay = errorRetryDelay(policy, attempt, error);
			if (delay === undefined) throw error;
			reason = error.code ?? error.kind;
		}
		ex.req.onRetry?.({ attempt, delayMs: delay, reason, ...(status !== undefined ? { status } : {}) });
		await wait(delay);
	}
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const ALWAYS_CREDENTIAL_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie']);
const BODY_HEADERS = new Set(['content-type', 'content-length', 'content-encoding', 'transfer-encoding']);

/**
 * Pure: the exchange for the next hop. 301/302 turn POST into GET without body, 303 anything but
 * HEAD into GET; 307/308 keep method and body. To another origin: the strategy's headers and query
 * parameters, Authorization / Proxy-Authorization / Cookie, every secret-looking header and the
 * client certificate are dropped. https → http is refused.
 */
export function redirectExchange(current: Exchange, status: number, location: string): Exchange {
	let next: URL;
	try {
		next = new URL(location, current.url);
	} catch (error) {
		throw new LpError('response', `${serviceOf(current)} redirected to an invalid location from ${safeUrl(current.url)}`, { code: 'INVALID_REDIRECT', cause: error });
	}
	next.hash = '';
	if (current.url.protocol === 'https:' && next.protocol !== 'https:') {
		throw new LpError('blocked', `${serviceOf(current)} redirected from https to ${next.protocol.replace(/:$/, '')} (${safeUrl(next)}): refused, the request would leave TLS`, {
			code: 'REDIRECT_DOWNGRADE',
			status,
			hint: 'Use the final https URL directly, or ask the server owner to redirect to https.',
		});
	}
	const method = current.method.toUpperCase();
	let nextMethod = method;
	let dropBody = false;
	if (status === 303 && method !== 'HEAD') {
		nextMethod = 'GET';
		dropBody = true;
	} else if ((status === 301 || status === 302) && method === 'POST') {
		nextMethod = 'GET';
		dropBody = true;
	}
	const crossOrigin = next.origin !== current.url.origin;
	const strategyHeaders = new Set(current.authHeaders.map((h) => h.toLowerCase()));
	const headers: Headers = {};
	for (const [name, value] of Object.entries(current.headers)) {
		const lower = name.toLowerCase();
		if (crossOrigin && (strategyHeaders.has(lower) || ALWAYS_CREDENTIAL_HEADERS.has(lower) || isSecretName(lower))) continue;
		if (dropBody && BODY_HEADERS.has(lower)) continue;
		if (lower === 'host') continue;
		headers[name] = value;
	}
	if (crossOrigin) for (const q of current.authQuery) next.searchParams.delete(q);
	return {
		...current,
		url: next,
		method: nextMethod,
		headers,
		body: dropBody ? undefined : current.body,
		authHeaders: crossOrigin ? [] : current.authHeaders,
		authQuery: crossOrigin ? [] : current.authQuery,
		useConnection: current.useConnection && !crossOrigin,
		// A custom transport's flags are signing instructions for the bound origin only.
		flags: crossOrigin ? undefined : current.flags,
	};
}

/** Follows up to `req.maxRedirects` redirects; each hop goes through the policy again. */
export const redirectInterceptor: Interceptor = (next) => (ex) => {
	const max = ex.req.maxRedirects ?? 0;
	return max <= 0 ? next(ex) : followRedirects(next, ex, max);
};

async function followRedirects(next: Dispatch, ex: Exchange, max: number): Promise<HttpResponse> {
	let current = ex;
	const redirects: string[] = [];
	for (let hop = 0; ; hop++) {
		const res = await next(current);
		const location = header(res, 'location');
		if (!REDIRECT_STATUSES.has(res.status) || !location) return { ...res, url: current.url.toString(), redirects };
		if (hop >= max) {
			throw new LpError('response', `${serviceOf(ex)} redirected more than ${max} times (last: ${safeUrl(current.url)})`, {
				code: 'TOO_MANY_REDIRECTS',
				status: res.status,
				hint: 'Check the URL (a redirect loop?), or raise the "Max Redirects" option.',
			});
		}
		current = redirectExchange(current, res.status, location);
		redirects.push(safeUrl(current.url));
	}
}

function rememberSecrets(ex: Exchange, values: Iterable<string | undefined>): void {
	for (const v of values) if (v && v.length >= MIN_SECRET_LENGTH && !ex.scope.secrets.includes(v)) ex.scope.secrets.push(v);
}

function signed(ex: Exchange, applied: Applied): Exchange {
	rememberSecrets(ex, applied.secrets ?? []);
	if (applied.used) rememberSecrets(ex, [applied.used]);
	const headers: Headers = { ...ex.headers };
	const names: string[] = [];
	for (const [name, value] of Object.entries(applied.headers ?? {})) {
		headers[name.toLowerCase()] = value;
		names.push(name.toLowerCase());
		rememberSecrets(ex, [value, value.replace(/^\S+\s+/, '')]);
	}
	let url = ex.url;
	const query = Object.keys(applied.query ?? {});
	if (query.length) {
		url = new URL(ex.url.toString());
		for (const [k, v] of Object.entries(applied.query ?? {})) {
			url.searchParams.set(k, v);
			rememberSecrets(ex, [v]);
		}
	}
	return { ...ex, url, headers, authHeaders: names, authQuery: query, ...(applied.flags ? { flags: applied.flags } : {}) };
}

/**
 * The one re-login rule: the strategy signs the request; when the answer is its refusal
 * (`isRejected`, narrowed by `req.reauthWhen`) and the strategy drops what it used, the request is
 * signed again and sent once more. No other code re-sends on 401/403.
 */
export const reauthInterceptor: Interceptor = (next) => (ex) => {
	const auth = ex.req.auth;
	return auth ? withAuth(next, ex, auth) : next(ex);
};

async function withAuth(next: Dispatch, ex: Exchange, auth: AuthStrategy): Promise<HttpResponse> {
	const firstApplied = await auth.apply({ method: ex.method, url: ex.url, headers: ex.headers, body: ex.body });
	const res = await next(signed(ex, firstApplied));
	// A refusal from another origin (after a redirect) is not the strategy's: nothing was signed there.
	if (res.url !== undefined && new URL(res.url).origin !== ex.signOrigin) return res;
	const rejected = auth.isRejected ? auth.isRejected(res) : res.status === 401;
	if (!rejected || (ex.req.reauthWhen && !ex.req.reauthWhen(res)) || !auth.invalidate) return res;
	if (!(await auth.invalidate(firstApplied))) return res;
	const secondApplied = await auth.apply({ method: ex.method, url: ex.url, headers: ex.headers, body: ex.body, reauth: true });
	const second = await next(signed(ex, secondApplied));
	second.reauthenticated = true;
	return second;
}

/** Outermost: every error leaves redacted with every secret of the request, strategy and identity. */
export const errorInterceptor: Interceptor = (next) => (ex) => {
	let pending: Promise<HttpResponse>;
	try {
		pending = next(ex);
	} catch (error) {
		pending = Promise.reject(error);
	}
	return pending.then(
		(res) => {
			res.secrets = ex.scope.secrets;
			return res;
		},
		(error: unknown) => {
			throw error instanceof LpError ? redactError(error, ex.scope.secrets) : error;
		},
	);
};

/** `compose(base, a, b, c)` = a(b(c(base))): the first interceptor is the outermost. */
export function compose(base: Dispatch, ...interceptors: Interceptor[]): Dispatch {
	return interceptors.reduceRight<Dispatch>((inner, interceptor) => interceptor(inner), base);
}

const pipeline = compose(transport, errorInterceptor, reauthInterceptor, redirectInterceptor, retryInterceptor, policyInterceptor);

function toUrl(value: string | URL, service: string): URL {
	if (value instanceof URL) return value;
	try {
		return new URL(value);
	} catch {
		throw new LpError('input', `${service}: "${String(value).slice(0, 80)}" is not a valid absolute URL`, { field: 'url', code: 'INVALID_URL' });
	}
}

/**
 * Sends one request through the pipeline and returns the final answer, whatever its status (status
 * handling belongs to the caller's pure `process*Response` function). Throws LpError for network
 * failures, timeouts, policy refusals and oversized answers, redacted.
 */
export function send(req: HttpRequest): Promise<HttpResponse> {
	const secrets: string[] = [];
	for (const s of req.secrets ?? []) if (s && s.length >= MIN_SECRET_LENGTH) secrets.push(s);
	for (const s of req.auth?.secrets() ?? []) if (s && s.length >= MIN_SECRET_LENGTH) secrets.push(s);
	for (const s of req.connection?.secrets?.() ?? []) if (s && s.length >= MIN_SECRET_LENGTH) secrets.push(s);
	let url: URL;
	try {
		url = toUrl(req.url, req.serviceName ?? 'The request');
	} catch (error) {
		return Promise.reject(error);
	}
	return pipeline({
		req,
		url,
		method: (req.method ?? 'GET').toUpperCase(),
		headers: req.headers ?? {},
		body: req.body,
		policy: req.policy ?? defaultPolicy(),
		signOrigin: url.origin,
		authHeaders: [],
		authQuery: [],
		useConnection: true,
		scope: { secrets },
	});
}

export { REDACTED };
