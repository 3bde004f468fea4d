/**
 * Conversation Builder-style API integration calls: a user-defined request (method, URL, query,
 * headers, body) sent with one of this package's auth strategies, mutual TLS, or both.
 *
 * - `buildApiRequest` (pure): parameters → method/url/headers/body, validated with field names.
 * - `processApiResponse` (pure): status check and JSON / text / binary decoding; errors are
 *   redacted with the answer's secrets (every secret of the strategy and identity that sent it).
 * - `sendApiRequest`: one `send()` through the pipeline (policy, redirects, retry, re-login, size
 *   cap, timeout, redaction) with the strategy, the connection and, for n8n's OAuth2 credential,
 *   n8n's transport.
 */
import { inputError, LpError } from '../errors';
import { DEFAULT_RETRY_STATUSES, header, HttpResponse, parseJsonBody, RetryPolicy, send, statusError } from '../http';
import type { AuthStrategy, Connection, HttpRequest, Transport } from '../http/types';
import type { OutboundPolicy } from '../net/policy';

export type BodyType = 'none' | 'json' | 'form' | 'raw' | 'binary';
export type ResponseFormat = 'autodetect' | 'json' | 'text' | 'binary';

export interface NameValue {
	name: string;
	value: string;
}

export interface ApiRequestParams {
	method: string;
	url: string;
	query?: NameValue[];
	headers?: NameValue[];
	bodyType?: BodyType;
	/** JSON: an object/array or JSON text. */
	json?: unknown;
	form?: NameValue[];
	raw?: string;
	rawContentType?: string;
	binary?: { data: Buffer; mimeType?: string };
}

export interface BuiltApiRequest {
	method: string;
	url: URL;
	headers: Record<string, string>;
	body?: string | Buffer;
}

const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);
const HEADER_VALUE_UNSAFE = /[\r\n\u0000]/;
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

export function buildApiRequest(p: ApiRequestParams): BuiltApiRequest {
	const method = (p.method || 'GET').toUpperCase();
	if (!METHODS.has(method)) throw inputError('method', `Unsupported method "${p.method}"`);
	let url: URL;
	try {
		url = new URL((p.url ?? '').trim());
	} catch {
		throw inputError('url', 'URL is not a valid absolute URL', 'Use a full URL such as https://api.example.com/v1/orders.');
	}
	if (url.protocol !== 'https:' && url.protocol !== 'http:') throw inputError('url', `URL must use https (or http), not "${url.protocol.replace(':', '')}"`);
	for (const q of p.query ?? []) {
		if (!q.name) continue;
		url.searchParams.append(q.name, q.value ?? '');
	}
	const headers: Record<string, string> = {};
	for (const h of p.headers ?? []) {
		if (!h.name) continue;
		if (!HEADER_NAME.test(h.name)) throw inputError('headers', `Header name "${h.name}" is not valid`);
		if (HEADER_VALUE_UNSAFE.test(h.value ?? '')) throw inputError('headers', `Header "${h.name}" must not contain line breaks`);
		headers[h.name.toLowerCase()] = h.value ?? '';
	}
	let body: string | Buffer | undefined;
	const setType = (type: string) => {
		if (!headers['content-type']) headers['content-type'] = type;
	};
	switch (p.bodyType ?? 'none') {
		case 'none':
			break;
		case 'json': {
			let value = p.json;
			if (typeof value === 'string') {
				const trimmed = value.trim();
				if (!trimmed) break;
				try {
					value = JSON.parse(trimmed);
				} catch {
					throw inputError('jsonBody', 'JSON Body is not valid JSON', 'Check quotes and commas, or use an expression that returns an object.');
				}
			}
			body = JSON.stringify(value ?? null);
			setType('application/json;charset=UTF-8');
			break;
		}
		case 'form': {
			const form = new URLSearchParams();
			for (const f of p.form ?? []) if (f.name) form.append(f.name, f.value ?? '');
			body = form.toString();
			setType('application/x-www-form-urlencoded');
			break;
		}
		case 'raw':
			body = p.raw ?? '';
			setType(p.rawContentType || 'text/plain;charset=UTF-8');
			break;
		case 'binary':
			if (!p.binary) throw inputError('binaryPropertyName', 'No binary data to send');
			body = p.binary.data;
			setType(p.binary.mimeType || 'application/octet-stream');
			break;
		default:
			throw inputError('bodyType', `Unknown body type "${String(p.bodyType)}"`);
	}
	if (body !== undefined && (method === 'GET' || method === 'HEAD')) {
		throw inputError('bodyType', `A ${method} request cannot have a body`, 'Choose POST, PUT or PATCH, or set Body to None.');
	}
	if (!headers.accept) headers.accept = 'application/json, text/plain;q=0.9, */*;q=0.8';
	return { method, url, headers, body };
}

export interface ProcessedResponse {
	status: number;
	headers: Record<string, string | string[] | undefined>;
	kind: 'json' | 'text' | 'binary';
	json?: unknown;
	text?: string;
	binary?: { data: Buffer; mimeType: string; fileName: string };
}

export function processApiResponse(
	res: HttpResponse,
	opts: { format: ResponseFormat; neverError?: boolean; url: URL; serviceName: string; secrets?: Array<string | undefined> },
): ProcessedResponse {
	if (!opts.neverError && (res.status < 200 || res.status >= 300)) throw statusError(res, opts.serviceName, opts.secrets);
	const type = header(res, 'content-type') ?? '';
	let kind: ProcessedResponse['kind'] = opts.format === 'autodetect' ? (/json/i.test(type) ? 'json' : /^text\/|xml|html|javascript|x-www-form-urlencoded/i.test(type) || !type ? 'text' : 'binary') : opts.format;
	const base = { status: res.status, headers: res.headers };
	if (kind === 'json' && res.body.length === 0) kind = 'text';
	if (kind === 'json') return { ...base, kind, json: parseJsonBody(res, opts.serviceName, opts.secrets) };
	if (kind === 'text') return { ...base, kind, text: res.body.toString('utf8') };
	const name = decodeURIComponent(opts.url.pathname.split('/').filter(Boolean).pop() ?? '') || 'response';
	const disposition = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(header(res, 'content-disposition') ?? '');
	return { ...base, kind, binary: { data: res.body, mimeType: type.split(';')[0] || 'application/octet-stream', fileName: disposition ? decodeURIComponent(disposition[1]) : name } };
}

/** How one node execution authenticates: values built once at the n8n boundary. */
export interface ApiAuth {
	/** The bot-account credential's strategy. */
	auth?: AuthStrategy;
	/** The mutual TLS identity. */
	connection?: Connection;
	/** A custom innermost sender (n8n's helper for the OAuth2 Authorization Code credential). */
	transport?: Transport;
	/** The credentials' own "Allowed Internal Networks", joined to the node's option. */
	allowedInternalNetworks?: string;
}

export interface SendApiOptions {
	timeoutMs?: number;
	retries?: number;
	maxResponseBytes?: number;
	/** Redirects followed, each hop checked; none by default (a 3xx is returned as is). */
	maxRedirects?: number;
	/** Outbound policy; default: internal networks refused. */
	policy?: OutboundPolicy;
	signal?: AbortSignal;
	onRetry?: HttpRequest['onRetry'];
}

/** Conversation Builder's runtime: 20 s, 3 retries. */
export const API_INTEGRATION_DEFAULTS = { timeoutMs: 20_000, retries: 3, concurrency: 8, maxResponseBytes: 10 * 1024 * 1024 };

export function retryPolicy(retries: number): RetryPolicy {
	return { retries, statuses: DEFAULT_RETRY_STATUSES, networkErrors: true, baseDelayMs: 500, maxDelayMs: 30_000 };
}

export function sendApiRequest(built: BuiltApiRequest, auth: ApiAuth, options: SendApiOptions = {}): Promise<HttpResponse> {
	return send({
		url: built.url,
		method: built.method,
		headers: built.headers,
		body: built.body,
		auth: auth.auth,
		connection: auth.connection,
		transport: auth.transport,
		policy: options.policy,
		maxRedirects: options.maxRedirects,
		timeoutMs: options.timeoutMs ?? API_INTEGRATION_DEFAULTS.timeoutMs,
		retry: retryPolicy(options.retries ?? API_INTEGRATION_DEFAULTS.retries),
		maxResponseBytes: options.maxResponseBytes ?? API_INTEGRATION_DEFAULTS.maxResponseBytes,
		serviceName: `The API (${built.url.host})`,
		signal: options.signal,
		onRetry: options.onRetry,
	});
}

export function assertNever(value: never, field: string): never {
	throw new LpError('input', `Unexpected value "${String(value)}"`, { field });
}
