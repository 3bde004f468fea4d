/**
 * The one module that owns HTTP. Everything in this package that talks to a server goes through
 * `send()` (undici `request` on a dispatcher), so timeouts, retries, the response size cap and the
 * mapping of network failures to typed errors are decided in one place.
 *
 * - Dispatchers: the shared keep-alive Agent below for ordinary HTTPS, or a per-credential Agent
 *   (mutual TLS, outbound policy) passed in `dispatcher`.
 * - Retries: network errors and the statuses in `retry.statuses` (default 429, 500, 502, 503, 504),
 *   with exponential backoff and Retry-After honoured (capped by `retry.maxDelayMs`).
 * - Never prints a secret: error messages carry `safeUrl()` and redacted snippets only.
 */
import { Agent, Dispatcher, errors as undiciErrors, request } from 'undici';
import { LpError, safeUrl, snippet } from '../errors';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS';

export interface RetryPolicy {
	/** Further attempts after the first (0 = no retry). */
	retries: number;
	/** Statuses that are retried. */
	statuses?: number[];
	/** Retry network errors (connection refused/reset, timeouts). Default true. */
	networkErrors?: boolean;
	/** First backoff delay; doubles each attempt. Default 500 ms. */
	baseDelayMs?: number;
	/** Largest single wait, including Retry-After. A longer Retry-After fails at once. Default 30 s. */
	maxDelayMs?: number;
	/** Fixed delays per attempt (e.g. Login Service 5/10/15 s); overrides the exponential backoff. */
	delaysMs?: number[];
}

export interface HttpRequest {
	url: string | URL;
	method?: HttpMethod | string;
	headers?: Record<string, string | string[] | undefined>;
	body?: string | Buffer | Uint8Array | null;
	/** Whole-request time limit per attempt (headers and body). Default 20 s (Conversation Builder's). */
	timeoutMs?: number;
	/** Largest response body accepted, in bytes. Default 10 MiB. */
	maxResponseBytes?: number;
	retry?: RetryPolicy;
	dispatcher?: Dispatcher;
	signal?: AbortSignal;
	/** Secrets in scope of this request, redacted from any snippet quoted in an error. */
	secrets?: Array<string | undefined>;
	/** Names the service in error messages, e.g. "CSDS" or "Login Service". */
	serviceName?: string;
	/** Called before each retry wait (for logging/counting). Must not log secrets. */
	onRetry?: (info: { attempt: number; delayMs: number; reason: string }) => void;
}

export interface HttpResponse {
	status: number;
	headers: Record<string, string | string[] | undefined>;
	body: Buffer;
	/** 1 + retries made. */
	attempts: number;
}

export const DEFAULT_TIMEOUT_MS = 20_000;
export const DEFAULT_MAX_RESPONSE_BYTES = 10 * 1024 * 1024;
export const DEFAULT_RETRY_STATUSES = [429, 500, 502, 503, 504];
/** Retries for LivePerson token requests (Sentinel, Orchestrator v2 login): 429 and gateway errors, not 500. */
export const TOKEN_REQUEST_RETRY: RetryPolicy = { retries: 2, statuses: [429, 502, 503, 504], baseDelayMs: 500, maxDelayMs: 10_000 };

let sharedAgent: Agent | undefined;
/** The package's shared keep-alive Agent for ordinary (non-mTLS) requests. */
export function sharedDispatcher(): Agent {
	if (!sharedAgent) {
		sharedAgent = new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 120_000, connections: 128 });
	}
	return sharedAgent;
}

const closers = new Set<() => Promise<void> | void>();
/** Registers a cleanup (e.g. an agent pool's close) run by `closeAllDispatchers()`. */
export function registerCloser(fn: () => Promise<void> | void): void {
	closers.add(fn);
}
/** Closes the shared Agent and every registered pool (tests, benchmarks, shutdown). */
export async function closeAllDispatchers(): Promise<void> {
	const agent = sharedAgent;
	sharedAgent = undefined;
	await Promise.allSettled([agent?.close(), ...[...closers].map(async (fn) => fn())]);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

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

function describeNetworkError(error: unknown): { kind: 'network' | 'timeout' | 'tls'; reason: string; code?: string } {
	const err = error as { code?: string; name?: string; message?: string; cause?: { code?: string; message?: string } };
	const code = err?.code ?? err?.cause?.code;
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
		return { kind: 'tls', reason: `TLS failure (${code ?? tlsReason(message)})`, code };
	}
	return { kind: 'network', reason: code ? `network error ${code}` : 'network error', code };
}

/** A short TLS reason from an OpenSSL message, without anything that could be key material. */
function tlsReason(message: string): string {
	const match = /(alert [a-z ]+|certificate [a-z ]+|unable to [a-z ]+|wrong version number|no protocols available|handshake failure)/i.exec(message);
	return match ? match[1] : 'handshake failed';
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
	if (attempt > policy.retries || !(policy.statuses ?? DEFAULT_RETRY_STATUSES).includes(res.status)) return undefined;
	const maxDelay = policy.maxDelayMs ?? 30_000;
	const retryAfter = parseRetryAfter(res.headers['retry-after']);
	if (retryAfter !== undefined && retryAfter > maxDelay) return undefined;
	return Math.min(maxDelay, Math.max(retryAfter ?? 0, backoffDelay(policy, attempt)));
}

async function readBody(body: Dispatcher.ResponseData['body'], max: number, service: string, url: () => string): Promise<Buffer> {
	const chunks: Buffer[] = [];
	let size = 0;
	for await (const chunk of body) {
		size += chunk.length;
		if (size > max) {
			body.destroy();
			throw new LpError('response', `${service} answered with more than ${max} bytes from ${url()}`, {
				code: 'RESPONSE_TOO_LARGE',
				hint: 'Raise the "Max Response Size" option if this answer is expected to be this large.',
			});
		}
		chunks.push(chunk as Buffer);
	}
	return Buffer.concat(chunks);
}

/**
 * Sends one request (with retries per policy) and returns the final response, whatever its
 * status: status handling belongs to the caller's pure `process*Response` function. Throws
 * LpError for network failures, timeouts and oversized answers, and for a retryable status whose
 * retries ran out only when `throwOnRetryExhausted` — by default the last response is returned.
 */
export async function send(req: HttpRequest): Promise<HttpResponse> {
	const url = typeof req.url === 'string' ? req.url : req.url.toString();
	// Only error messages need the printable (redacted) URL: build it when one is made.
	let printableUrl: string | undefined;
	const printable = () => (printableUrl ??= safeUrl(url));
	const service = req.serviceName ?? 'The server';
	const policy: RetryPolicy = req.retry ?? { retries: 0 };
	const maxDelay = policy.maxDelayMs ?? 30_000;
	const timeout = req.timeoutMs ?? DEFAULT_TIMEOUT_MS;
	const maxBytes = req.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;

	for (let attempt = 1; ; attempt++) {
		let response: HttpResponse | undefined;
		let failure: LpError | undefined;
		// One controller + one timer per attempt: AbortSignal.timeout() + AbortSignal.any() cost ~30-80 µs
		// per request on Node 20 (timer + FinalizationRegistry bookkeeping), a measurable share of a
		// keep-alive request (bench/). The timeout reason is the same DOMException "TimeoutError".
		const controller = new AbortController();
		const timer = setTimeout(() => controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')), timeout);
		timer.unref?.();
		const external = req.signal;
		const onExternalAbort = () => controller.abort(external?.reason);
		if (external) {
			if (external.aborted) onExternalAbort();
			else external.addEventListener('abort', onExternalAbort, { once: true });
		}
		try {
			const res = await request(url, {
				method: (req.method ?? 'GET') as Dispatcher.HttpMethod,
				headers: req.headers as Record<string, string>,
				body: req.body ?? undefined,
				dispatcher: req.dispatcher ?? sharedDispatcher(),
				signal: controller.signal,
				headersTimeout: timeout,
				bodyTimeout: timeout,
			});
			const body = await readBody(res.body, maxBytes, service, printable);
			response = { status: res.statusCode, headers: res.headers, body, attempts: attempt };
		} catch (error) {
			if (error instanceof LpError) throw error;
			if (req.signal?.aborted) throw new LpError('network', `Request to ${printable()} was cancelled`, { code: 'ABORTED', cause: error });
			const { kind, reason, code } = describeNetworkError(error);
			failure = new LpError(
				kind,
				kind === 'timeout'
					? `${service} did not answer within ${Math.round(timeout / 100) / 10} s (${printable()})`
					: `${service} could not be reached at ${printable()}: ${reason}`,
				{
					code: code ?? kind.toUpperCase(),
					cause: error,
					hint:
						kind === 'timeout'
							? 'Check that the host is up, or raise the "Timeout" option.'
							: kind === 'tls'
								? 'Check the certificate, the trust certificate and the TLS protocol versions of the credential.'
								: 'Check the host name and port, and that the server is reachable from the n8n host.',
				},
			);
		} finally {
			clearTimeout(timer);
			external?.removeEventListener('abort', onExternalAbort);
		}

		const retriesLeft = attempt <= policy.retries;
		if (response) {
			const delay = responseRetryDelay(policy, attempt, response);
			if (delay === undefined) return response;
			req.onRetry?.({ attempt, delayMs: delay, reason: `status ${response.status}` });
			await sleep(delay);
			continue;
		}
		if (!failure) throw new LpError('network', `${service} gave no answer at ${printable()}`);
		if (!retriesLeft || policy.networkErrors === false || failure.kind === 'tls') throw failure;
		const delay = Math.min(maxDelay, backoffDelay(policy, attempt));
		req.onRetry?.({ attempt, delayMs: delay, reason: failure.code ?? failure.kind });
		await sleep(delay);
	}
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
				responseSnippet: snippet(text, secrets, 200),
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
		responseSnippet: snippet(res.body, secrets),
		hint: hint ?? defaults[res.status] ?? (res.status >= 500 ? 'The server had an internal error: try again later.' : undefined),
		code: `HTTP_${res.status}`,
	});
}
