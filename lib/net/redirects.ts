/**
 * Redirect following on top of `send()` (which itself never follows redirects), for requests to
 * user-supplied URLs: every hop is re-checked with the outbound policy, and credentials are not
 * carried to another origin.
 *
 * - 301/302: POST becomes GET without body (what browsers and fetch do); other methods kept.
 * - 303: GET without body (HEAD stays HEAD).
 * - 307/308: method and body kept.
 * - Across origins (scheme, host or port differ): Authorization, Proxy-Authorization and Cookie
 *   are dropped.
 */
import { LpError, safeUrl } from '../errors';
import { HttpRequest, HttpResponse, header, send } from './transport';
import { OutboundPolicy, policyDispatcher } from './policy';

export interface RedirectOptions {
	/** Largest number of redirects followed. Default 5. 0 returns the first 3xx as is. */
	maxRedirects?: number;
	/** Checked for the first URL and every hop. Default: the default-deny policy. */
	policy?: OutboundPolicy;
}

export interface RedirectedResponse extends HttpResponse {
	/** The URL that gave the final answer. */
	url: string;
	/** Printable (safeUrl) hops followed, in order. */
	redirects: string[];
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const CREDENTIAL_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie']);
const BODY_HEADERS = new Set(['content-type', 'content-length', 'content-encoding', 'transfer-encoding']);

/** Pure: the request for the next hop, given the current request and the redirect answer. */
export function buildRedirectRequest(current: HttpRequest & { url: URL }, status: number, location: string): HttpRequest & { url: URL } {
	let next: URL;
	try {
		next = new URL(location, current.url);
	} catch (error) {
		throw new LpError('response', `${current.serviceName ?? 'The server'} redirected to an invalid location from ${safeUrl(current.url)}`, {
			code: 'INVALID_REDIRECT',
			cause: error,
		});
	}
	next.hash = '';
	const method = (current.method ?? 'GET').toUpperCase();
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
	const headers: Record<string, string | string[] | undefined> = {};
	for (const [name, value] of Object.entries(current.headers ?? {})) {
		const lower = name.toLowerCase();
		if (crossOrigin && CREDENTIAL_HEADERS.has(lower)) continue;
		if (dropBody && BODY_HEADERS.has(lower)) continue;
		if (lower === 'host') continue;
		headers[name] = value;
	}
	return { ...current, url: next, method: nextMethod, headers, body: dropBody ? undefined : current.body };
}

/**
 * Sends `req`, following redirects up to `maxRedirects`, checking each URL with the policy. The
 * dispatcher defaults to `policyDispatcher(policy)`; a caller-supplied dispatcher must enforce the
 * same policy (e.g. built with `guardConnector`), since host names are only checked at connect time.
 */
export async function sendFollowingRedirects(req: HttpRequest, options: RedirectOptions = {}): Promise<RedirectedResponse> {
	const policy = options.policy ?? new OutboundPolicy();
	const maxRedirects = options.maxRedirects ?? 5;
	let current: HttpRequest & { url: URL } = { ...req, url: new URL(typeof req.url === 'string' ? req.url : req.url.toString()) };
	const redirects: string[] = [];
	for (let hop = 0; ; hop++) {
		policy.checkUrl(current.url);
		const res = await send({ ...current, dispatcher: current.dispatcher ?? policyDispatcher(policy) });
		const location = header(res, 'location');
		if (!REDIRECT_STATUSES.has(res.status) || !location) return { ...res, url: current.url.toString(), redirects };
		if (hop >= maxRedirects) {
			if (maxRedirects === 0) return { ...res, url: current.url.toString(), redirects };
			throw new LpError('response', `${req.serviceName ?? 'The server'} redirected more than ${maxRedirects} times (last: ${safeUrl(current.url)})`, {
				code: 'TOO_MANY_REDIRECTS',
				status: res.status,
				hint: 'Check the URL (a redirect loop?), or raise the "Max Redirects" option.',
			});
		}
		current = buildRedirectRequest(current, res.status, location);
		redirects.push(safeUrl(current.url));
	}
}
