/**
 * OAuth 1.0a request signing (RFC 5849, HMAC-SHA1) for LivePerson API keys ("app keys").
 *
 * DEPRECATED protocol at LivePerson (reference §2, DevC `oauth-1-0-api-keys.html` and
 * `login-service-api-methods-application-login.html`): OAuth1 API keys became read-only after
 * 30 Sep 2025 and the protocol reached end of life on 31 May 2026; Application Login with OAuth1
 * fields reached end of support on 30 Sep 2025 and end of life on 30 Apr 2026. Both dates have
 * passed: a key may no longer work. Use OAuth 2.0 client credentials (Sentinel) instead.
 *
 * Pure: the nonce and timestamp can be injected so the RFC and published vectors are reproducible.
 * LivePerson signs the full URL including its query (e.g. `?v=2.0`), which RFC 5849 §3.4.1.3 does.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { inputError } from '../errors';

export const OAUTH1_DEPRECATION_NOTICE =
	'OAuth 1.0 API keys are past end of life at LivePerson: keys became read-only after 30 Sep 2025 and the ' +
	'protocol reached end of life on 31 May 2026; Application Login with OAuth1 fields reached end of support on ' +
	'30 Sep 2025 and end of life on 30 Apr 2026. These dates have passed, so this key may no longer work: switch ' +
	'the credential to OAuth 2.0 client credentials (Client ID and Client Secret).';

export interface OAuth1Keys {
	consumerKey: string;
	consumerSecret: string;
	token?: string;
	tokenSecret?: string;
}

export interface OAuth1SignOptions {
	/** Defaults to 32 random hex characters. */
	nonce?: string;
	/** Seconds since the epoch; defaults to now. */
	timestamp?: number | string;
	/** Parameters of an `application/x-www-form-urlencoded` body (signed too, RFC 5849 §3.4.1.3.1). */
	formParams?: Record<string, string> | Array<[string, string]>;
	/** Optional realm (not signed). */
	realm?: string;
	/** Adds `oauth_version="1.0"` (optional in RFC 5849, sent by most clients). Default true. */
	includeVersion?: boolean;
}

/** RFC 5849 §3.6 percent-encoding: everything but ALPHA / DIGIT / "-" / "." / "_" / "~". */
export function oauthPercentEncode(value: string): string {
	return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Decodes a query component the way a form decoder does ("+" is a space); tolerant of bad escapes. */
function decodeComponent(value: string): string {
	const spaced = value.replace(/\+/g, ' ');
	try {
		return decodeURIComponent(spaced);
	} catch {
		return spaced;
	}
}

/** RFC 5849 §3.4.1.2: scheme and host lower case, default port dropped, path kept, no query. */
export function baseStringUri(url: URL): string {
	const scheme = url.protocol.replace(/:$/, '').toLowerCase();
	const host = url.hostname.toLowerCase();
	const port = url.port && !((scheme === 'http' && url.port === '80') || (scheme === 'https' && url.port === '443')) ? `:${url.port}` : '';
	return `${scheme}://${host}${port}${url.pathname || '/'}`;
}

function queryPairs(url: URL): Array<[string, string]> {
	const query = url.search.replace(/^\?/, '');
	if (!query) return [];
	return query
		.split('&')
		.filter((part) => part.length > 0)
		.map((part) => {
			const eq = part.indexOf('=');
			return eq < 0 ? [decodeComponent(part), ''] : [decodeComponent(part.slice(0, eq)), decodeComponent(part.slice(eq + 1))];
		});
}

/** RFC 5849 §3.4.1.3.2: encode names and values, sort by name then value, join. */
export function normalizeParameters(pairs: Array<[string, string]>): string {
	return pairs
		.map(([k, v]) => [oauthPercentEncode(k), oauthPercentEncode(v)] as [string, string])
		.sort(([ka, va], [kb, vb]) => (ka < kb ? -1 : ka > kb ? 1 : va < vb ? -1 : va > vb ? 1 : 0))
		.map(([k, v]) => `${k}=${v}`)
		.join('&');
}

/** RFC 5849 §3.4.1: METHOD & encoded base URI & encoded normalized parameters. */
export function signatureBaseString(method: string, url: URL, params: Array<[string, string]>): string {
	return [method.toUpperCase(), oauthPercentEncode(baseStringUri(url)), oauthPercentEncode(normalizeParameters(params))].join('&');
}

/** RFC 5849 §3.4.2: HMAC-SHA1 with key = encode(consumer secret) & encode(token secret). */
export function hmacSha1Signature(baseString: string, consumerSecret: string, tokenSecret = ''): string {
	const key = `${oauthPercentEncode(consumerSecret)}&${oauthPercentEncode(tokenSecret)}`;
	return createHmac('sha1', key).update(baseString).digest('base64');
}

function parseUrl(url: string | URL): URL {
	try {
		return typeof url === 'string' ? new URL(url) : url;
	} catch {
		throw inputError('url', 'The request URL to sign with OAuth 1.0 is not a valid absolute URL', undefined, 'INVALID_URL');
	}
}

/** The OAuth protocol parameters (without the signature) for one request. */
export function oauthParameters(keys: OAuth1Keys, options: OAuth1SignOptions = {}): Array<[string, string]> {
	const params: Array<[string, string]> = [
		['oauth_consumer_key', keys.consumerKey],
		['oauth_nonce', options.nonce ?? randomBytes(16).toString('hex')],
		['oauth_signature_method', 'HMAC-SHA1'],
		['oauth_timestamp', String(options.timestamp ?? Math.floor(Date.now() / 1000))],
	];
	if (keys.token) params.push(['oauth_token', keys.token]);
	if (options.includeVersion !== false) params.push(['oauth_version', '1.0']);
	return params;
}

function validateKeys(keys: OAuth1Keys): void {
	if (!keys.consumerKey) throw inputError('appKey', 'App Key is empty: OAuth 1.0 signing needs the app key (consumer key)');
	if (!keys.consumerSecret) throw inputError('appSecret', 'App Secret is empty: OAuth 1.0 signing needs the app secret (consumer secret)');
	if (keys.token && !keys.tokenSecret) {
		throw inputError('accessTokenSecret', 'Access Token Secret is empty while an Access Token is set: both are needed for OAuth 1.0 signing');
	}
}

/**
 * The `Authorization: OAuth …` header value for `method url` (query parameters of the URL and,
 * when given, form body parameters are signed).
 */
export function oauth1AuthorizationHeader(keys: OAuth1Keys, method: string, url: string | URL, options: OAuth1SignOptions = {}): string {
	validateKeys(keys);
	const parsed = parseUrl(url);
	const oauth = oauthParameters(keys, options);
	const form: Array<[string, string]> = options.formParams
		? Array.isArray(options.formParams)
			? options.formParams
			: Object.entries(options.formParams)
		: [];
	const base = signatureBaseString(method, parsed, [...queryPairs(parsed), ...form, ...oauth]);
	const signature = hmacSha1Signature(base, keys.consumerSecret, keys.tokenSecret ?? '');
	const fields: Array<[string, string]> = [...oauth, ['oauth_signature', signature] as [string, string]].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
	const realm = options.realm !== undefined ? [`realm="${oauthPercentEncode(options.realm)}"`] : [];
	return `OAuth ${[...realm, ...fields.map(([k, v]) => `${oauthPercentEncode(k)}="${oauthPercentEncode(v)}"`)].join(', ')}`;
}

function decodeStrict(value: string): string {
	try {
		return decodeURIComponent(value);
	} catch {
		return value;
	}
}

/** Reads an `Authorization: OAuth …` header into its parameters (for tests and emulators). */
export function parseOAuthHeader(value: string): Record<string, string> {
	const out: Record<string, string> = {};
	const body = value.replace(/^\s*OAuth\s+/i, '');
	for (const match of body.matchAll(/([A-Za-z0-9_.~%-]+)="([^"]*)"/g)) {
		out[decodeStrict(match[1])] = decodeStrict(match[2]);
	}
	return out;
}
