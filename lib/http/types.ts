/**
 * The one request type of the package, its answer, and the values that plug into the pipeline:
 * auth strategies (how to sign a request, what to drop when it is refused, which secrets they hold)
 * and connections (mutual TLS identities). See lib/http/index.ts for `send()`.
 */
import type { Dispatcher } from 'undici';
import type { LpError } from '../errors';
import type { OutboundPolicy } from '../net/policy';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS';

export type Headers = Record<string, string | string[] | undefined>;

/** What the retry interceptor saw: an answer, or a network failure before any answer. */
export type RetryOutcome = { response: Pick<HttpResponse, 'status' | 'headers'>; error?: undefined } | { response?: undefined; error: LpError };

export interface RetryPolicy {
	/** Further attempts after the first (0 = no retry). */
	retries: number;
	/** Statuses that are retried. Default 429, 500, 502, 503, 504. */
	statuses?: number[];
	/** Retry network errors (connection refused/reset, timeouts). Default true. TLS failures never. */
	networkErrors?: boolean;
	/** First backoff delay; doubles each attempt. Default 500 ms. */
	baseDelayMs?: number;
	/** Largest single wait, including Retry-After. A longer Retry-After fails at once. Default 30 s. */
	maxDelayMs?: number;
	/** Fixed delays per attempt (e.g. Login Service 5/10/15 s); overrides the exponential backoff. */
	delaysMs?: number[];
	/**
	 * Fixed delays per attempt for a 429 (LivePerson: at least 1 s, a login at least 5 s); when set, a
	 * 429 is retried at most this many times, whatever `delaysMs` says. Retry-After wins when longer.
	 */
	rateLimitDelaysMs?: number[];
	/**
	 * A service-specific rule instead of the fields above (e.g. the Login Service's separate 429 and
	 * 5xx budgets): the wait before the next attempt, or undefined to stop. `attempt` is 1-based.
	 */
	decide?: (outcome: RetryOutcome, attempt: number) => number | undefined;
	/** Injectable wait (tests use a fake clock). Default setTimeout. */
	sleep?: (ms: number) => Promise<void>;
}

/** What an auth strategy adds to one request. */
export interface Applied {
	headers?: Record<string, string>;
	/** Query parameters (e.g. Conversation Orchestrator v2's documented `access_token`). */
	query?: Record<string, string>;
	/** The token value used, so that `invalidate` drops it only if it is still the cached one. */
	used?: string;
	/** Secrets of this request only (the token value), redacted like the strategy's own. */
	secrets?: string[];
	/** Flags for a custom transport (e.g. n8n's: "let n8n refresh the token this time"). */
	flags?: Record<string, unknown>;
}

/** The request as the strategy signs it (OAuth 1.0a signs method, URL and form body). */
export interface SignInput {
	method: string;
	url: URL;
	headers: Headers;
	body?: string | Buffer | Uint8Array | null;
	/** True when signing the one re-send after a refusal (the strategy has dropped what it used). */
	reauth?: boolean;
}

/**
 * Client authentication as a value (the oauth4webapi model): basic, bearer, OAuth2 client
 * credentials, LivePerson account, Conversation Orchestrator, Transfer to Messaging… Built once per
 * credential (its cache key fixed then), used for every request of that credential.
 */
export interface AuthStrategy {
	/** For messages: "Basic", "OAuth2 client credentials", "LivePerson Login Service bearer", … */
	readonly label: string;
	apply(req: SignInput): Promise<Applied> | Applied;
	/** True when the answer means "the credential you used was refused" (default: 401). */
	isRejected?(res: Pick<HttpResponse, 'status' | 'headers'>): boolean;
	/** Drops what `applied` used (by value); true when sending once more can help. */
	invalidate?(applied: Applied): boolean | Promise<boolean>;
	/** The static secrets (passwords, client secrets, keys) and their derived spellings to redact. */
	secrets(): readonly string[];
}

/** How to reach the server: a client identity (mutual TLS) on a policy-guarded dispatcher. */
export interface Connection {
	readonly label: string;
	/** The dispatcher for this identity under `policy` (the policy is enforced at lookup and connect). */
	dispatcher(policy: OutboundPolicy): Dispatcher;
	/** Secrets of the identity (key store password) to redact. */
	secrets?(): readonly string[];
	/** A clearer error for a failure seen with this identity (e.g. a reset after the handshake). */
	explain?(error: LpError): LpError;
	/** What the identity allows, for TLS errors in words (lib/tls/errors.ts). */
	readonly tls?: { minVersion?: string; maxVersion?: string; hasTrustCertificate?: boolean; clientCertificate?: boolean };
}

/**
 * The innermost sender. Default: undici on the dispatcher the policy interceptor chose. The n8n
 * OAuth2 Authorization Code path plugs in n8n's request helper here (n8n owns that token), so the
 * same policy, redirect, retry, size-cap and redaction interceptors run around it.
 *
 * A custom transport is treated as a SIGNER (it may add credentials the pipeline never sees): it is
 * bound to the origin of the request it was given for (`Exchange.signOrigin`). A redirect hop to
 * another origin goes out through the plain undici transport, unsigned (see `transportFor`).
 */
export type Transport = (exchange: Exchange) => Promise<HttpResponse>;

export interface HttpRequest {
	url: string | URL;
	method?: HttpMethod | string;
	headers?: Headers;
	body?: string | Buffer | Uint8Array | null;
	/** Whole-request time limit per attempt (headers and body). Default 20 s (Conversation Builder's). */
	timeoutMs?: number;
	/** Largest response body accepted, in bytes, enforced while reading. Default 10 MiB. */
	maxResponseBytes?: number;
	retry?: RetryPolicy;
	signal?: AbortSignal;
	/** Names the service in error messages, e.g. "CSDS" or "Login Service". */
	serviceName?: string;
	/** Called before each retry wait (for logging/counting). Must not log secrets. */
	onRetry?: (info: { attempt: number; delayMs: number; reason: string; status?: number }) => void;
	/** Signs the request; a refusal (strategy.isRejected) makes one re-login and one more send. */
	auth?: AuthStrategy;
	/** Narrows which refusals re-login for this request (e.g. only the gateway's own 401, not the target's). */
	reauthWhen?: (res: HttpResponse) => boolean;
	/** Outbound policy for the URL and every redirect hop. Default: internal networks refused. */
	policy?: OutboundPolicy;
	/** Mutual TLS identity. Not carried to another origin on a redirect. */
	connection?: Connection;
	/** Redirects followed (each hop checked by the policy). Default 0: a 3xx is returned as is. */
	maxRedirects?: number;
	/** Further secrets in scope (e.g. values in the body), redacted from any error. */
	secrets?: Array<string | undefined>;
	/** Replaces the innermost sender (see Transport). */
	transport?: Transport;
}

export interface HttpResponse {
	status: number;
	headers: Headers;
	body: Buffer;
	/** 1 + retries made. */
	attempts: number;
	/** The URL that gave this answer (after redirects). */
	url?: string;
	/** Printable (safeUrl) hops followed, in order. */
	redirects?: string[];
	/** True when this answer came after a re-login (the first answer was the strategy's refusal). */
	reauthenticated?: boolean;
	/**
	 * Every secret in scope of the request that produced this answer (strategy, connection, request).
	 * `statusError`, `parseJsonBody` and `snippet` redact with them: an error built from a response
	 * cannot forget a secret.
	 */
	secrets?: readonly string[];
}

/** One request on its way through the pipeline (interceptors make modified copies). */
export interface Exchange {
	readonly req: HttpRequest;
	url: URL;
	method: string;
	headers: Headers;
	body?: string | Buffer | Uint8Array | null;
	policy: OutboundPolicy;
	/**
	 * The origin the auth strategy signed for and a custom (self-signing) transport is bound to: the
	 * origin of the request as given to `send()`. It never changes on a redirect; a hop to another
	 * origin is never signed (no strategy header or query, no custom transport, no re-login).
	 */
	readonly signOrigin: string;
	/** Header and query names the strategy set: dropped on a redirect to another origin. */
	authHeaders: readonly string[];
	authQuery: readonly string[];
	/** False after a redirect to another origin: the mutual TLS identity is not presented there. */
	useConnection: boolean;
	/** Set by the policy interceptor for the default transport. */
	dispatcher?: Dispatcher;
	/** Secrets collected for this request (shared by every copy of the exchange). */
	readonly scope: { secrets: string[] };
	/** Per-exchange flags for a custom transport (e.g. "let n8n refresh the token"). */
	flags?: Record<string, unknown>;
}

export type Dispatch = (exchange: Exchange) => Promise<HttpResponse>;
export type Interceptor = (next: Dispatch) => Dispatch;
