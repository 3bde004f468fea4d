/**
 * LivePerson mTLS service (reference §3, seed 002): the runtime gateway (CSDS `mtlsGateway`) and the
 * mapping configuration (CSDS `accountConfigReadWrite`, the "ac-common"/"Gen2" domain).
 *
 *   POST {mtlsGateway}/mtls/mapping?v=2                                  check mapping (v1 shape with ?v=1)
 *   POST {domain}/api/account/{acc}/checks/serviceUrlMappings            check mapping, newer ("siteId in URL")
 *   GET|POST|PUT|DELETE {mtlsGateway}/mtls/account/{acc}                 forward (LP-forward-url, …)
 *   GET  {mtlsGateway}/mtls/account/{acc}/certificates                   list certificates
 *   POST {mtlsGateway}/mtls/account/{acc}/certificates/by-file           upload a PKCS#12 (multipart)
 *   POST {accountConfigReadWrite}/api/account/{acc}/configuration/ac-common/mtls?v=3.0   create mapping
 *   POST {mtlsGateway}/mtls/account/{acc}/certificates/activate/{id}     create mapping, newer ("OAuth 2 only")
 *   GET  {accountConfigReadWrite}/api/account/{acc}/configuration/ac-common/mtls?v=3.0   list mappings
 *        (the onboarding page: "this is a Rest Api, support all CRUD operations")
 *   DELETE {mtlsGateway}/mtls/account/{acc}/certificates/{certificateId} delete certificate
 *
 * Authentication: the docs say "AppKey (OAuth1) only" for the runtime methods, while LivePerson's own
 * client (faas-cli lpMtlsClient) sends an OAuth2 Sentinel bearer and seed 002 says "unless specifically
 * indicated, the authorization is a Bearer". We send whatever the credential yields (bearer from the
 * Login Service or Sentinel, or an OAuth1 signature of method + full URL) through `MtlsIo.authorize`.
 *
 * Pure `build*Request` / `process*Response` functions (oauth4webapi style) sit beside the I/O
 * (`MtlsClient`), which sends through the pipeline (lib/http) with the account strategy; it re-logs in once with a
 * fresh token after a 401 that the gateway itself gave.
 */
import { randomBytes, X509Certificate } from 'node:crypto';
import { inputError, LpError, redact, safeUrl, snippet } from '../errors';
import { header, HttpResponse, parseJsonBody, responseSecrets, send, statusError, bodySnippet } from '../http';
import { decodePkcs12Store, IterationLimitError, scanPkcs12 } from '../tls/pkcs12';
import type { AuthStrategy } from '../http/types';
import { policyForAllowText, type OutboundPolicy } from '../net/policy';
import { accountAuthLabel, accountPolicy, accountStrategy, type AccountAuthOptions, type LivePersonAccountCredentials } from './account-auth';
import { resolveServiceBase, validateAccountId } from './csds';
import { fieldText } from '../text';

export const MTLS_SERVICE = 'LivePerson mTLS gateway';
export const MTLS_CONFIG_SERVICE = 'LivePerson mTLS configuration (ac-common)';
export const MTLS_GATEWAY_CSDS = 'mtlsGateway';
export const MTLS_CONFIG_CSDS = 'accountConfigReadWrite';

/** Documented service names and their ids in the configuration API (DevC mtls-onboarding). */
export const MTLS_SERVICE_IDS: Record<string, string> = { TEST_SERVICE: '0', IDP: '1', WEBHOOKS: '2' };
/** Names the gateway accepts in `LP-service-name` (FAAS is what LivePerson's own FaaS client sends). */
export const MTLS_SERVICE_NAMES = ['TEST_SERVICE', 'IDP', 'WEBHOOKS', 'FAAS'] as const;
export const FORWARD_METHODS = ['GET', 'POST', 'PUT', 'DELETE'] as const;
export type ForwardMethod = (typeof FORWARD_METHODS)[number];

export type CheckVariant = 'gatewayV2' | 'gatewayV1' | 'account';

export interface PreparedRequest {
	url: string;
	method: string;
	headers: Record<string, string>;
	body?: string | Buffer;
	/** Values to redact from anything quoted in an error (never printed). */
	secrets: string[];
}

export interface MappingQuery {
	serviceName: string;
	url: string;
}

export interface MappingResult extends MappingQuery {
	accountId: string;
	exists: boolean;
}

const base = (origin: string) => origin.replace(/\/+$/, '');
// Header values travel as-is: printable ASCII only (a mapping matches the whole URL, so we never re-encode it).
const HEADER_SAFE = /^[\x20-\x7e]*$/;
const SERVICE_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/** Normalises a host override ("va-a.mtls.liveperson.net" or "http://127.0.0.1:8090") to an origin. */
export function normaliseHostOverride(value: unknown, field: string): string {
	const text = fieldText(value).trim();
	if (!text) throw inputError(field, 'Host override is empty', 'Leave the option out to use the host from CSDS.', 'HOST_EMPTY');
	let url: URL;
	try {
		url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`);
	} catch {
		throw inputError(field, `Host "${text.slice(0, 80)}" is not a valid host name or URL`, 'Use a host such as va-a.mtls.liveperson.net.', 'HOST_INVALID');
	}
	if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) {
		throw inputError(field, `Host "${url.host}" must be a host (optionally with http(s) scheme and port), without path, query or user info`, undefined, 'HOST_INVALID');
	}
	return url.origin;
}

function validateServiceName(value: unknown, field: string): string {
	const text = fieldText(value).trim();
	if (!text) throw inputError(field, 'Service name is empty', `Use one of ${MTLS_SERVICE_NAMES.join(', ')}.`, 'MTLS_SERVICE_EMPTY');
	if (!SERVICE_NAME.test(text)) {
		throw inputError(field, `Service name "${text.slice(0, 40)}" is not valid`, `Use one of ${MTLS_SERVICE_NAMES.join(', ')}.`, 'MTLS_SERVICE_INVALID');
	}
	return text;
}

/**
 * The target URL as the WHATWG parser serialises it (`href`), after checks that make every parser
 * read the same host: the policy checks `new URL(href)`, the gateway reads `LP-forward-url`, and a
 * lenient or strict parser must not see another host in it. So the text must already spell its
 * authority plainly: `https://` + host (+ `:port`), the host exactly as parsed (case aside). Refused:
 * control characters (tab/newline are silently removed by WHATWG), backslashes (read as "/" by
 * WHATWG, not by others), user info or a bare "@", percent-encoded or numeric-shorthand hosts
 * (`127.1`, `0x7f.0.0.1`, `exa%6dple.com`), a port with leading zeros, non-ASCII.
 *
 * The mapping matches the whole URL: the sent spelling is the parsed one (a bare host gets its "/",
 * the default port :443 is dropped, "/a/../b" becomes "/b"). Check Mapping and Create Mapping use
 * this same function, so a mapping made through the node matches what Forward sends.
 */
export function validateTargetUrl(value: unknown, field = 'url'): string {
	const text = fieldText(value).trim();
	if (!text) throw inputError(field, 'Target URL is empty', 'Enter the full https URL of the endpoint that requires the client certificate.', 'MTLS_URL_EMPTY');
	const ambiguous = (why: string) =>
		inputError(field, `Target URL is ambiguous: ${why}`, 'Write the URL plainly, e.g. https://api.example.com/endpoint (parsers differ on such spellings, so another host could be reached than the one checked).', 'MTLS_URL_AMBIGUOUS');
	if (/[\x00-\x1f\x7f]/.test(text)) throw ambiguous('it contains a tab, line break or other control character');
	if (text.includes('\\')) throw ambiguous('it contains a backslash');
	if (!HEADER_SAFE.test(text) || text.length > 4096) {
		throw inputError(field, 'Target URL must be at most 4096 printable ASCII characters', 'Percent-encode non-ASCII characters (the mapping must use the same encoded URL).', 'MTLS_URL_CHARS');
	}
	let url: URL;
	try {
		url = new URL(text);
	} catch {
		throw inputError(field, 'Target URL is not an absolute URL', 'Enter the full URL, e.g. https://api.example.com/endpoint.', 'MTLS_URL_INVALID');
	}
	if (url.protocol !== 'https:') {
		throw inputError(field, `Target URL must use https (mutual TLS), not ${url.protocol.replace(':', '')}`, undefined, 'MTLS_URL_SCHEME');
	}
	const authority = /^https:\/\/([^/?#]*)/i.exec(text)?.[1];
	if (authority === undefined) throw ambiguous('it must start with "https://" followed by the host');
	if (url.username || url.password || authority.includes('@')) {
		throw inputError(field, 'Target URL must not carry a user name or password', 'Put credentials for the target into "Authorization Override".', 'MTLS_URL_USERINFO');
	}
	const parts = /^(\[[^\]]*\]|[^:]*)(?::(.*))?$/.exec(authority);
	const rawHost = (parts?.[1] ?? '').toLowerCase();
	const rawPort = parts?.[2];
	if (!rawHost) throw ambiguous('there is no host after "https://"');
	if (rawHost !== url.hostname) throw ambiguous(`its host "${rawHost.slice(0, 80)}" is read as "${url.hostname.slice(0, 80)}"; write "${url.hostname.slice(0, 80)}"`);
	if (rawPort !== undefined && rawPort !== '' && (!/^[1-9]\d{0,4}$/.test(rawPort) || Number(rawPort) !== Number(url.port || '443'))) {
		throw ambiguous(`its port "${rawPort.slice(0, 10)}" is not written as a plain number`);
	}
	if (!HEADER_SAFE.test(url.href) || url.href.length > 4096) {
		throw inputError(field, 'Target URL must be at most 4096 printable ASCII characters', undefined, 'MTLS_URL_CHARS');
	}
	return url.href;
}

/**
 * THE target rule, for every place a target URL is called (Forward) or registered (Create Mapping,
 * activate) or looked up (Check Mapping): the plain spelling of `validateTargetUrl`, then the outbound
 * policy for user-supplied destinations. The gateway, not n8n, connects to the target, so host names
 * are not resolved here (the gateway resolves them in its own network); an IP literal of an internal
 * network, and a host name the n8n administrator blocks, are refused unless allowed. Default policy:
 * every internal network refused.
 */
export function checkTargetUrl(value: unknown, field: string, policy: OutboundPolicy = policyForAllowText('')): string {
	const href = validateTargetUrl(value, field);
	try {
		policy.checkUrl(new URL(href));
	} catch (error) {
		if (error instanceof LpError) {
			throw new LpError(error.kind, error.message, { field, code: error.code, hint: error.hint });
		}
		throw error;
	}
	return href;
}

/** `targetPolicy` null: the spelling only (reading an answer for pairs already checked when sent). */
function validateQueries(queries: MappingQuery[], targetPolicy: OutboundPolicy | null | undefined): MappingQuery[] {
	if (!Array.isArray(queries) || queries.length === 0) {
		throw inputError('mappings', 'No service name / URL pair to check', 'Add at least one pair.', 'MTLS_NO_PAIRS');
	}
	if (queries.length > 500) throw inputError('mappings', `Too many pairs (${queries.length}): at most 500 per call`, undefined, 'MTLS_TOO_MANY_PAIRS');
	return queries.map((q, i) => ({
		serviceName: validateServiceName(q?.serviceName, `mappings[${i}].serviceName`),
		url: targetPolicy === null ? validateTargetUrl(q?.url, `mappings[${i}].url`) : checkTargetUrl(q?.url, `mappings[${i}].url`, targetPolicy),
	}));
}

// ---------------------------------------------------------------------------------------------------
// Check mapping

export function buildCheckMappingRequest(gatewayOrDomainBase: string, accountIdInput: string, queriesInput: MappingQuery[], variant: CheckVariant = 'gatewayV2', targetPolicy?: OutboundPolicy): PreparedRequest {
	const accountId = validateAccountId(accountIdInput);
	const queries = validateQueries(queriesInput, targetPolicy);
	const headers = { 'content-type': 'application/json', accept: 'application/json' };
	if (variant === 'account') {
		return {
			url: `${base(gatewayOrDomainBase)}/api/account/${encodeURIComponent(accountId)}/checks/serviceUrlMappings`,
			method: 'POST',
			headers,
			body: JSON.stringify(queries.map((q) => ({ serviceName: q.serviceName, url: q.url }))),
			secrets: [],
		};
	}
	return {
		url: `${base(gatewayOrDomainBase)}/mtls/mapping?v=${variant === 'gatewayV1' ? 1 : 2}`,
		method: 'POST',
		headers,
		body: JSON.stringify(queries.map((q) => ({ serviceName: q.serviceName, accountId, url: q.url }))),
		secrets: [],
	};
}

/** v1 keys look like `CertificateMappingParamters{serviceName='IDP', accountId='1', url='https://…'}` (sic). */
const V1_KEY = /^\s*CertificateMappingParam(?:e)?ters\s*\{\s*serviceName='(.*?)',\s*accountId='(.*?)',\s*url='(.*)'\s*\}\s*$/;

function authHint(variant: string): string {
	return `The ${variant} API is documented as "AppKey (OAuth1) only", while LivePerson's own client sends an OAuth 2.0 bearer: check that the credential's user or application has the mTLS permissions (MTLS_READ_INTERNAL / MTLS_WRITE_INTERNAL or an administrator), or pick another "Gateway Authentication".`;
}

function gatewayStatusError(res: HttpResponse, service: string, secrets: string[], what: string): LpError {
	if (res.status === 401 || res.status === 403) return statusError(res, service, secrets, authHint(what));
	return statusError(res, service, secrets);
}

// ---------------------------------------------------------------------------------------------------
// Gateway authentication, per call
//
// Where the docs disagree (README "Where LivePerson's docs disagree"):
//   forward + mapping check  docs: "AppKey only" (forward / check pages); an older forward page and
//                            seed 002: a Login Service bearer; LivePerson's FaaS client (lpMtlsClient):
//                            a Sentinel app token.
//   activate certificate     docs: "OAuth 2 only".
//   certificates             docs: "a token" (no kind named).
//   ac-common configuration  onboarding page: a bearer, otherwise an AppKey.
// "documented" (the default) sends, per call, the kind the docs or LivePerson's own client use when
// the credential can produce it, else what the credential yields; the user can force one kind.

export type MtlsCall = 'forward' | 'checkMapping' | 'certificates' | 'activate' | 'configuration';
export type GatewayAuthChoice = 'documented' | 'credential' | 'loginService' | 'sentinel' | 'oauth1';
export const GATEWAY_AUTH_CHOICES: readonly GatewayAuthChoice[] = ['documented', 'credential', 'loginService', 'sentinel', 'oauth1'];

/** What each call's documentation (and LivePerson's own client) says about authentication. */
export const MTLS_DOCUMENTED_AUTH: Record<MtlsCall, { documented: string; prefer: 'sentinel' | 'oauth1' | 'credential' }> = {
	forward: { documented: 'AppKey (OAuth1) only per the forward pages; LivePerson\'s FaaS client sends a Sentinel app token', prefer: 'sentinel' },
	checkMapping: { documented: 'AppKey (OAuth1) only per the mapping page; LivePerson\'s FaaS client sends a Sentinel app token', prefer: 'sentinel' },
	activate: { documented: 'OAuth 2 only (Sentinel app token) per the activate page', prefer: 'sentinel' },
	certificates: { documented: 'a token (bearer) per the certificate pages', prefer: 'credential' },
	configuration: { documented: 'a Login Service bearer, otherwise an AppKey, per the onboarding page', prefer: 'credential' },
};

export interface ResolvedGatewayAuth {
	creds: LivePersonAccountCredentials;
	/** Human name of what is sent, e.g. "Sentinel app token (OAuth 2.0 client credentials)". */
	label: string;
}

const authLabel = accountAuthLabel;

/**
 * Pure: which credential view authenticates one call to the gateway. A forced kind the credential
 * cannot produce is an input error naming the credential fields it needs.
 */
export function resolveGatewayAuth(creds: LivePersonAccountCredentials, choiceInput: GatewayAuthChoice | string | undefined, call: MtlsCall): ResolvedGatewayAuth {
	const choice = (fieldText(choiceInput) || 'documented') as GatewayAuthChoice;
	if (!GATEWAY_AUTH_CHOICES.includes(choice)) {
		throw inputError('gatewayAuthentication', `Gateway Authentication "${String(choice).slice(0, 40)}" is not supported`, `Use one of ${GATEWAY_AUTH_CHOICES.join(', ')}.`, 'MTLS_GATEWAY_AUTH');
	}
	const method = fieldText(creds.authMethod) || 'userPassword';
	const hasClient = !!fieldText(creds.clientId).trim() && !!fieldText(creds.clientSecret);
	const hasAppKey = !!fieldText(creds.appKey).trim() && !!fieldText(creds.appSecret);
	const sentinel = (): ResolvedGatewayAuth => ({ creds: { ...creds, authMethod: 'clientCredentials', clientCredentialsFlow: 'sentinel' }, label: 'Sentinel app token (OAuth 2.0 client credentials)' });
	const own = (): ResolvedGatewayAuth => ({ creds, label: authLabel(creds) });
	switch (choice) {
		case 'credential':
			return own();
		case 'documented': {
			const prefer = MTLS_DOCUMENTED_AUTH[call].prefer;
			if (prefer === 'sentinel' && method === 'clientCredentials' && hasClient) return sentinel();
			return own();
		}
		case 'sentinel':
			if (!hasClient) {
				throw inputError('clientId', 'Gateway Authentication "Sentinel App Token" needs the credential\'s Client ID and Client Secret', 'Set the credential\'s Authentication Type to OAuth 2.0 Client Credentials, or pick another Gateway Authentication.', 'MTLS_GATEWAY_AUTH_FIELDS');
			}
			return sentinel();
		case 'oauth1':
			if (method !== 'oauth1' || !hasAppKey) {
				throw inputError('appKey', 'Gateway Authentication "OAuth 1.0 AppKey" needs a credential of type OAuth 1.0 App Key (App Key and App Secret)', 'OAuth 1.0 is end of life at LivePerson (30 Apr 2026): prefer the Sentinel app token.', 'MTLS_GATEWAY_AUTH_FIELDS');
			}
			return own();
		case 'loginService':
			if (method === 'userPassword') return own();
			if (method === 'clientCredentials' && fieldText(creds.username).trim()) {
				const c = { ...creds, clientCredentialsFlow: 'loginService' };
				return { creds: c, label: authLabel(c) };
			}
			throw inputError('username', 'Gateway Authentication "Login Service Bearer" needs a user name (and password, or the application\'s keys) in the credential', 'Use a User Name and Password credential, or pick another Gateway Authentication.', 'MTLS_GATEWAY_AUTH_FIELDS');
	}
	return own();
}

/** A 401/403 from the gateway, rewritten to name the auth sent and the one the call documents. */
export function gatewayAuthError(error: LpError, call: MtlsCall, label: string): LpError {
	if (error.status !== 401 && error.status !== 403) return error;
	return new LpError(error.kind === 'input' ? 'auth' : error.kind, `${error.message.replace(/\.$/, '')} — sent: ${label}`, {
		status: error.status,
		code: error.code,
		responseSnippet: error.responseSnippet,
		hint: `This call wants ${MTLS_DOCUMENTED_AUTH[call].documented}. Pick that kind under Options → Gateway Authentication (the credential must hold its fields), and check that the user or application has the mTLS permissions (MTLS_READ_INTERNAL / MTLS_WRITE_INTERNAL or an administrator).`,
		cause: error,
	});
}

export function processCheckMappingResponse(res: HttpResponse, accountIdInput: string, queriesInput: MappingQuery[], variant: CheckVariant = 'gatewayV2', secrets: string[] = []): MappingResult[] {
	const accountId = validateAccountId(accountIdInput);
	const queries = validateQueries(queriesInput, null);
	if (res.status < 200 || res.status > 299) throw gatewayStatusError(res, MTLS_SERVICE, secrets, 'mapping check');
	const body = parseJsonBody(res, MTLS_SERVICE, secrets);
	const shapeError = (detail: string) =>
		new LpError('response', `${MTLS_SERVICE} answered the mapping check in an unexpected shape: ${detail}`, {
			status: res.status,
			code: 'MTLS_CHECK_SHAPE',
			responseSnippet: bodySnippet(res, secrets),
			hint: variant === 'gatewayV1' ? 'Try the "Gateway v2" variant.' : 'Check the host (CSDS mtlsGateway) and the variant.',
		});

	const found = new Map<string, boolean>();
	const keyOf = (service: string, url: string) => `${service}\u0000${url}`;
	if (variant === 'gatewayV1') {
		if (typeof body !== 'object' || body === null || Array.isArray(body)) throw shapeError('expected an object of booleans');
		for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
			const m = V1_KEY.exec(key);
			if (m && typeof value === 'boolean') found.set(keyOf(m[1], m[3]), value);
		}
	} else {
		if (!Array.isArray(body)) throw shapeError('expected a list');
		const flag = variant === 'account' ? 'exist' : 'doExist';
		for (const entry of body as Array<Record<string, unknown>>) {
			if (typeof entry !== 'object' || entry === null) continue;
			// Accept either flag name: the two documented versions differ only there.
			const value = typeof entry[flag] === 'boolean' ? entry[flag] : typeof entry.doExist === 'boolean' ? entry.doExist : entry.exist;
			if (typeof value === 'boolean' && typeof entry.serviceName === 'string' && typeof entry.url === 'string') found.set(keyOf(entry.serviceName, entry.url), value);
		}
		// Same length and order but no readable keys: fall back to position.
		if (found.size === 0 && body.length === queries.length) {
			(body as Array<Record<string, unknown>>).forEach((entry, i) => {
				const v = entry?.[flag] ?? entry?.doExist ?? entry?.exist;
				if (typeof v === 'boolean') found.set(keyOf(queries[i].serviceName, queries[i].url), v);
			});
		}
	}
	return queries.map((q) => {
		const exists = found.get(keyOf(q.serviceName, q.url));
		if (exists === undefined) throw shapeError(`no result for ${q.serviceName} / ${safeUrl(q.url)}`);
		return { serviceName: q.serviceName, url: q.url, accountId, exists };
	});
}

// ---------------------------------------------------------------------------------------------------
// Forward

export interface ForwardInput {
	method: ForwardMethod | string;
	/** The real target (LP-forward-url). */
	targetUrl: string;
	/** LP-service-name (optional in the docs; needed to pick the certificate by triplet). */
	serviceName?: string;
	/** Authorization for the target (LP-authorization-override). A secret: never printed. */
	authorizationOverride?: string;
	/**
	 * LP-stop-if-certificate-not-found. Documented default false: without a mapped certificate the
	 * gateway calls the target over plain TLS. true: the gateway refuses the call instead (HTTP 500 per
	 * the docs; LivePerson's FaaS client reads HTTP 400 the same way). Ours follows the docs: false.
	 */
	stopIfCertificateNotFound?: boolean;
	/** Headers for the target, passed through. */
	headers?: Record<string, string>;
	/** Body for the target, passed through byte for byte. */
	body?: string | Buffer;
}

/** Headers the transport sets itself, or that would change what the gateway does: refused. */
const RESERVED_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'te', 'trailer', 'expect', 'proxy-authorization']);
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * A header name as the most lenient proxy or gateway could read it: NFKC (fullwidth and other
 * compatibility letters become ASCII), Unicode dashes and "_" as "-", white space and invisible
 * characters removed, lower case.
 */
export function foldHeaderName(name: string): string {
	return String(name ?? '')
		.normalize('NFKC')
		.replace(/[\s\u200b-\u200d\u2060\ufeff\u00ad]/g, '')
		.replace(/[_\u2010-\u2015\u2212\ufe58\ufe63\uff0d]/g, '-')
		.toLowerCase();
}

export function buildForwardRequest(gatewayBase: string, accountIdInput: string, input: ForwardInput, targetPolicy?: OutboundPolicy): PreparedRequest {
	const accountId = validateAccountId(accountIdInput);
	const method = fieldText(input.method).trim().toUpperCase() || 'GET';
	if (!(FORWARD_METHODS as readonly string[]).includes(method)) {
		throw inputError('method', `Method ${method.slice(0, 10)} cannot be forwarded`, `The mTLS gateway documents ${FORWARD_METHODS.join(', ')}.`, 'MTLS_METHOD');
	}
	const targetUrl = checkTargetUrl(input.targetUrl, 'targetUrl', targetPolicy);
	const headers: Record<string, string> = {};
	let movedAuthorization: string | undefined;
	for (const [rawName, rawValue] of Object.entries(input.headers ?? {})) {
		const name = rawName.trim().toLowerCase();
		if (!name) continue;
		// Checked on every spelling a proxy or gateway could fold into an LP-* (or managed) header:
		// case, surrounding white space, "_" for "-", Unicode compatibility forms and dashes.
		const folded = foldHeaderName(rawName);
		if (/^lp[-_]/.test(folded)) {
			throw inputError(
				'headers',
				`Header "${rawName.trim().slice(0, 40)}" would reach the gateway as an LP-* header, which the node sets itself`,
				'Remove it: use the Service Name, Authorization Override and Stop If Certificate Not Found fields instead.',
				'MTLS_HEADER_RESERVED',
			);
		}
		if (RESERVED_HEADERS.has(folded)) throw inputError('headers', `Header "${rawName.trim().slice(0, 40)}" cannot be set`, 'It is managed by the HTTP client.', 'MTLS_HEADER_RESERVED');
		if (!HEADER_NAME.test(name)) throw inputError('headers', `Header name "${rawName.slice(0, 40)}" is not valid`, undefined, 'MTLS_HEADER_NAME');
		const value = fieldText(rawValue);
		if (/[\r\n\0]/.test(value)) throw inputError('headers', `Header "${name}" contains a line break or NUL`, undefined, 'MTLS_HEADER_VALUE');
		if (name === 'authorization') {
			// LivePerson's own client moves the caller's Authorization into LP-authorization-override:
			// the request's own Authorization header authenticates to the gateway.
			movedAuthorization = value;
			continue;
		}
		headers[name] = value;
	}
	const override = fieldText(input.authorizationOverride);
	if (override && movedAuthorization !== undefined && movedAuthorization !== override) {
		throw inputError('headers', 'Both an "authorization" header and "Authorization Override" are set', 'Keep only "Authorization Override": it is what the target receives.', 'MTLS_AUTH_TWICE');
	}
	const targetAuthorization = override || movedAuthorization;
	if (targetAuthorization !== undefined && targetAuthorization !== '' && /[\r\n\0]/.test(targetAuthorization)) {
		throw inputError('authorizationOverride', 'Authorization Override contains a line break or NUL', undefined, 'MTLS_HEADER_VALUE');
	}
	headers['lp-forward-url'] = targetUrl;
	if (input.serviceName !== undefined && fieldText(input.serviceName).trim() !== '') headers['lp-service-name'] = validateServiceName(input.serviceName, 'serviceName');
	if (targetAuthorization) headers['lp-authorization-override'] = targetAuthorization;
	headers['lp-stop-if-certificate-not-found'] = input.stopIfCertificateNotFound === true ? 'true' : 'false';
	if (!headers.accept) headers.accept = '*/*';

	let body: string | Buffer | undefined;
	if (input.body !== undefined && input.body !== null && (typeof input.body === 'string' ? input.body.length > 0 : input.body.length > 0)) {
		if (method === 'GET') throw inputError('body', 'A GET request cannot carry a body', 'Use POST or PUT, or leave the body empty.', 'MTLS_GET_BODY');
		body = typeof input.body === 'string' ? input.body : Buffer.from(input.body);
	}
	return {
		url: `${base(gatewayBase)}/mtls/account/${encodeURIComponent(accountId)}`,
		method,
		headers,
		body,
		secrets: targetAuthorization ? [targetAuthorization, targetAuthorization.replace(/^\S+\s+/, '')] : [],
	};
}

export interface ForwardResult {
	statusCode: number;
	headers: Record<string, string>;
	body: Buffer;
	/**
	 * Every secret in scope of the call (the strategy's, the connection's, the request's: the target
	 * Authorization however it was given): errors built from this result redact with it.
	 */
	secrets: readonly string[];
}

function decodeHeader(value: string | undefined, secrets: string[]): string | undefined {
	if (!value) return undefined;
	let text = value;
	if (/%[0-9A-Fa-f]{2}/.test(text)) {
		try {
			text = decodeURIComponent(text);
		} catch {
			/* keep raw */
		}
	}
	return snippet(text, secrets, 300);
}

/** True when the gateway reports that the target call failed (424, or the transport headers). */
export function transportFailure(res: HttpResponse): boolean {
	return res.status === 424 || header(res, 'lp-message-from-transport') !== undefined || header(res, 'lp-error-from-transport') !== undefined;
}

/** The 424 / transport-header error: what the gateway says went wrong between it and the target. */
export function transportError(res: HttpResponse, targetUrl: string, secrets: string[] = [], what = 'call'): LpError {
	const message = decodeHeader(header(res, 'lp-message-from-transport'), [...secrets, ...(res.secrets ?? [])]);
	const error = decodeHeader(header(res, 'lp-error-from-transport'), [...secrets, ...(res.secrets ?? [])]);
	const reason = [message, error && error !== message ? `(${error})` : undefined].filter(Boolean).join(' ');
	return new LpError('http', `The mTLS gateway could not complete the ${what} to ${safeUrl(targetUrl)}: ${reason || `HTTP ${res.status} without a reason`}`, {
		status: res.status,
		code: 'MTLS_TARGET_FAILED',
		responseSnippet: bodySnippet(res, secrets),
		hint: 'The gateway reached out with the client certificate but the target failed (connection, TLS handshake or certificate refused). Check the target URL, that the target trusts the certificate, and that it is up.',
	});
}

/** "no mTLS certificate is mapped for <service>/<url>" (only after the mapping check confirmed it). */
export function noMappingError(res: Pick<HttpResponse, 'status' | 'body'>, serviceName: string | undefined, targetUrl: string, secrets: string[] = []): LpError {
	return new LpError('http', `No mTLS certificate is mapped for ${serviceName || '(no service name)'}/${safeUrl(targetUrl)}`, {
		status: res.status,
		code: 'MTLS_NO_MAPPING',
		responseSnippet: bodySnippet(res, secrets),
		hint:
			`The gateway answered HTTP ${res.status} with "Stop If Certificate Not Found" on, and the gateway's mapping check says no certificate is mapped for this pair. ` +
			'The mapping key is account / service name / the whole URL, query included: create the mapping, or turn "Stop If Certificate Not Found" off to call the target over plain TLS.',
	});
}

export interface ForwardContext {
	targetUrl: string;
	serviceName?: string;
	stopIfCertificateNotFound?: boolean;
	secrets?: string[];
	/**
	 * What the gateway's mapping check said about this service name / URL (undefined: not asked, or
	 * the check failed). Only `false` turns a 400/500 into "no certificate mapped".
	 */
	mappingExists?: boolean;
}

/**
 * True when the answer may be the gateway's "no certificate" refusal and the mapping check must decide.
 *
 * Where the docs are silent: the forward pages document the refusal only as "500 Internal Server
 * Error" (the gateway's own marker is not documented), LivePerson's FaaS client reads HTTP 400 as "no
 * mapping". A target can answer 400 or 500 too, so the status alone never decides: the mapping
 * check (cached by the client) does.
 */
export function forwardNeedsMappingCheck(res: HttpResponse, ctx: Pick<ForwardContext, 'stopIfCertificateNotFound' | 'serviceName'>): boolean {
	if (ctx.stopIfCertificateNotFound !== true) return false;
	if (res.status !== 400 && res.status !== 500) return false;
	if (transportFailure(res) || header(res, 'www-authenticate') !== undefined) return false;
	return !!ctx.serviceName;
}

/**
 * Pure: the gateway's answer → the target's response, or a typed error for the gateway's own
 * failures (424 / transport headers, gateway authentication with WWW-Authenticate, and a missing
 * mapping confirmed by the mapping check). Every other answer is the target's, whatever its status
 * (use `targetStatusError` to fail on them).
 */
export function processForwardResponse(res: HttpResponse, ctx: ForwardContext): ForwardResult {
	const secrets = responseSecrets(res, ctx.secrets ?? []);
	if (transportFailure(res)) throw transportError(res, ctx.targetUrl, secrets);
	if (forwardNeedsMappingCheck(res, ctx) && ctx.mappingExists === false) throw noMappingError(res, ctx.serviceName, ctx.targetUrl, secrets);
	if ((res.status === 401 || res.status === 403) && header(res, 'www-authenticate') !== undefined) {
		// As LivePerson's own client reads it: a WWW-Authenticate means the gateway refused our credentials.
		return throwGatewayAuth(res, secrets);
	}
	const headers: Record<string, string> = {};
	for (const [name, value] of Object.entries(res.headers)) {
		if (value === undefined) continue;
		headers[name] = redact(Array.isArray(value) ? value.join(', ') : value, secrets);
	}
	return { statusCode: res.status, headers, body: res.body, secrets };
}

function throwGatewayAuth(res: HttpResponse, secrets: string[]): never {
	throw new LpError('auth', `${MTLS_SERVICE} refused the credentials (HTTP ${res.status})`, {
		status: res.status,
		code: 'MTLS_AUTH_REFUSED',
		responseSnippet: bodySnippet(res, secrets),
		hint: authHint('forward'),
	});
}

/** Error for a target answer outside 2xx (when the caller does not want such answers as output). */
export function targetStatusError(result: ForwardResult, targetUrl: string, extra: string[] = []): LpError {
	const secrets = [...result.secrets, ...extra];
	return new LpError('http', `The target ${safeUrl(targetUrl)} answered HTTP ${result.statusCode} through the mTLS gateway`, {
		status: result.statusCode,
		code: `MTLS_TARGET_HTTP_${result.statusCode}`,
		responseSnippet: snippet(result.body, secrets),
		hint:
			result.statusCode === 401 || result.statusCode === 403
				? 'The gateway or the target refused the call: check the credential\'s mTLS permissions and the Authorization Override for the target.'
				: 'Turn on "Never Error" to get the response as output instead.',
	});
}

// ---------------------------------------------------------------------------------------------------
// Certificates

export interface MtlsCertificate {
	id?: number | string;
	name?: string;
	displayName?: string;
	siteId?: string;
	status?: string;
	expirationDate?: string | number | null;
	deleted?: boolean;
	[key: string]: unknown;
}

export function buildListCertificatesRequest(gatewayBase: string, accountIdInput: string): PreparedRequest {
	const accountId = validateAccountId(accountIdInput);
	return { url: `${base(gatewayBase)}/mtls/account/${encodeURIComponent(accountId)}/certificates`, method: 'GET', headers: { accept: 'application/json' }, secrets: [] };
}

export function processListCertificatesResponse(res: HttpResponse, secrets: string[] = []): MtlsCertificate[] {
	if (res.status < 200 || res.status > 299) throw gatewayStatusError(res, MTLS_SERVICE, secrets, 'certificate');
	const body = parseJsonBody(res, MTLS_SERVICE, secrets);
	const list = Array.isArray(body)
		? body
		: typeof body === 'object' && body !== null
			? ((body as Record<string, unknown>).certificates ?? Object.values(body as Record<string, unknown>).find(Array.isArray))
			: undefined;
	if (!Array.isArray(list)) {
		throw new LpError('response', `${MTLS_SERVICE} answered the certificate list without a list`, { status: res.status, code: 'MTLS_LIST_SHAPE', responseSnippet: bodySnippet(res, secrets) });
	}
	return list.filter((c): c is MtlsCertificate => typeof c === 'object' && c !== null);
}

export interface UploadCertificateInput {
	/** The PKCS#12 (.p12 / .pfx) file. */
	p12: Buffer;
	fileName?: string;
	/** Unique per account. */
	name: string;
	/** The PKCS#12 password (a secret). */
	password?: string;
	/** Multipart boundary (tests); random by default. */
	boundary?: string;
}

export interface P12Summary {
	subject?: string;
	issuer?: string;
	validTo?: string;
	hasKey: boolean;
	certificates: number;
}

/**
 * Opens the PKCS#12 locally (the gateway only says "failed" later): the password must open it and it
 * must hold a private key with its certificate. Iteration counts are checked before any key derivation.
 */
export function inspectP12(p12: Buffer, password: string | undefined, field = 'password'): P12Summary {
	try {
		scanPkcs12(p12, 10_000_000);
	} catch (error) {
		if (error instanceof IterationLimitError) throw inputError('certificate', `The PKCS#12 file asks for too much work (${error.message})`, undefined, 'P12_ITERATIONS');
		throw inputError('certificate', 'The certificate is not a PKCS#12 (.p12 / .pfx) file', 'Export the client certificate and its private key as PKCS#12.', 'P12_INVALID');
	}
	let store: ReturnType<typeof decodePkcs12Store>;
	try {
		store = decodePkcs12Store(p12, password);
	} catch {
		throw inputError(field, 'The password does not open the PKCS#12 file (or the file is damaged)', 'Check the certificate password.', 'P12_PASSWORD');
	}
	if (!store.key || !store.leaf) {
		throw inputError('certificate', 'The PKCS#12 file holds no private key with its certificate', 'mTLS needs the client certificate together with its private key.', 'P12_NO_KEY');
	}
	const cert = new X509Certificate(store.leaf);
	return { subject: cert.subject.replace(/\n/g, ', '), issuer: cert.issuer.replace(/\n/g, ', '), validTo: new Date(cert.validTo).toISOString(), hasKey: true, certificates: store.certs.length };
}

function quoteName(name: string): string {
	return name.replace(/["\\\r\n]/g, '_');
}

export function buildUploadCertificateRequest(gatewayBase: string, accountIdInput: string, input: UploadCertificateInput): PreparedRequest {
	const accountId = validateAccountId(accountIdInput);
	if (!Buffer.isBuffer(input.p12) || input.p12.length === 0) throw inputError('certificate', 'The certificate file is empty', undefined, 'P12_EMPTY');
	if (input.p12[0] !== 0x30) throw inputError('certificate', 'The certificate is not a PKCS#12 (.p12 / .pfx) file (DER expected)', 'Base64 input must be decoded; PEM files are not accepted by this API.', 'P12_INVALID');
	const name = fieldText(input.name).trim();
	if (!name) throw inputError('name', 'Certificate name is empty', 'Give the certificate a name that is unique in the account.', 'MTLS_CERT_NAME_EMPTY');
	if (name.length > 255 || /[\r\n\0]/.test(name)) throw inputError('name', 'Certificate name must be one line of at most 255 characters', undefined, 'MTLS_CERT_NAME_INVALID');
	const password = fieldText(input.password);
	const boundary = input.boundary ?? `----n8nLivePerson${randomBytes(12).toString('hex')}`;
	const fileName = quoteName(fieldText(input.fileName).trim() || `${name}.p12`);
	const certificateJson = JSON.stringify({ name, password });
	const body = Buffer.concat([
		Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${fileName}"\r\nContent-Type: application/x-pkcs12\r\n\r\n`),
		input.p12,
		// A part without filename is a plain form field to servlet containers, whatever its type; the
		// JSON type also suits a @RequestPart reader (the docs show the field's value only).
		Buffer.from(`\r\n--${boundary}\r\nContent-Disposition: form-data; name="certificate"\r\nContent-Type: application/json\r\n\r\n${certificateJson}\r\n--${boundary}--\r\n`),
	]);
	return {
		url: `${base(gatewayBase)}/mtls/account/${encodeURIComponent(accountId)}/certificates/by-file`,
		method: 'POST',
		headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, accept: 'application/json' },
		body,
		secrets: [password, JSON.stringify(password).slice(1, -1)].filter((s) => s.length > 0),
	};
}

export interface UploadCertificateResult {
	saved: MtlsCertificate[];
	failed: unknown[];
}

export function processUploadCertificateResponse(res: HttpResponse, secrets: string[] = []): UploadCertificateResult {
	if (res.status === 409 || (res.status === 400 && /already exists|duplicat/i.test(res.body.toString('utf8')))) {
		throw new LpError('http', `${MTLS_SERVICE} refused the certificate: the name is already used (HTTP ${res.status})`, { status: res.status, code: 'MTLS_CERT_DUPLICATE', responseSnippet: bodySnippet(res, secrets), hint: 'Certificate names are unique per account: choose another name.' });
	}
	if (res.status < 200 || res.status > 299) throw gatewayStatusError(res, MTLS_SERVICE, secrets, 'certificate upload');
	const body = parseJsonBody(res, MTLS_SERVICE, secrets) as Record<string, unknown>;
	if (typeof body !== 'object' || body === null) throw new LpError('response', `${MTLS_SERVICE} answered the upload without an object`, { status: res.status, code: 'MTLS_UPLOAD_SHAPE' });
	// Documented spelling "successfulySavedCertificates" (sic); the corrected one is accepted too.
	const saved = (body.successfulySavedCertificates ?? body.successfullySavedCertificates ?? []) as MtlsCertificate[];
	const failed = (body.failedSaveToVaultCertificates ?? []) as unknown[];
	if (!Array.isArray(saved) || !Array.isArray(failed)) throw new LpError('response', `${MTLS_SERVICE} answered the upload in an unexpected shape`, { status: res.status, code: 'MTLS_UPLOAD_SHAPE' });
	if (saved.length === 0) {
		throw new LpError('http', `${MTLS_SERVICE} did not save the certificate${failed.length ? ' (it reports a failure to store it in the vault)' : ''}`, {
			status: res.status,
			code: 'MTLS_UPLOAD_FAILED',
			responseSnippet: bodySnippet(res, secrets),
			hint: 'Check the PKCS#12 file and its password, and that the name is unique in the account.',
		});
	}
	return { saved, failed };
}

// ---------------------------------------------------------------------------------------------------
// Mapping creation

export interface CreateMappingInput {
	certificateId: string | number;
	/** A service name (TEST_SERVICE, IDP, WEBHOOKS) or a numeric service id. */
	service: string;
	url: string;
	/** Unique per account (configuration API). */
	name?: string;
	enable?: boolean;
	/** `activate` variant only: ask the gateway to test the URL (isValidateUrlEnabled). */
	validateUrl?: boolean;
}

export type CreateMappingVariant = 'configuration' | 'activate';

function certificateIdOf(value: unknown): string {
	const text = fieldText(value).trim();
	if (!/^\d{1,20}$/.test(text)) throw inputError('certificateId', 'Certificate ID must be the numeric id from "List Certificates"', undefined, 'MTLS_CERT_ID');
	return text;
}

/** Service id for the configuration API: documented names 0/1/2, or a number given directly. */
export function serviceIdOf(service: string): string {
	const text = fieldText(service).trim();
	if (/^\d{1,4}$/.test(text)) return text;
	const id = MTLS_SERVICE_IDS[text.toUpperCase()];
	if (id === undefined) {
		throw inputError('service', `Service "${text.slice(0, 40)}" has no documented id`, `Use ${Object.entries(MTLS_SERVICE_IDS).map(([n, i]) => `${n} (${i})`).join(', ')} or a numeric service id.`, 'MTLS_SERVICE_ID');
	}
	return id;
}

export function buildCreateMappingRequest(baseUrl: string, accountIdInput: string, input: CreateMappingInput, variant: CreateMappingVariant = 'configuration', targetPolicy?: OutboundPolicy): PreparedRequest {
	const accountId = validateAccountId(accountIdInput);
	const certificateId = certificateIdOf(input.certificateId);
	const url = checkTargetUrl(input.url, 'url', targetPolicy);
	const headers = { 'content-type': 'application/json', accept: 'application/json' };
	if (variant === 'activate') {
		const serviceName = /^\d+$/.test(fieldText(input.service).trim())
			? (Object.entries(MTLS_SERVICE_IDS).find(([, id]) => id === fieldText(input.service).trim())?.[0] ?? validateServiceName(input.service, 'service'))
			: validateServiceName(input.service, 'service');
		const q = input.validateUrl === undefined ? '' : `?isValidateUrlEnabled=${input.validateUrl ? 'true' : 'false'}`;
		return {
			url: `${base(baseUrl)}/mtls/account/${encodeURIComponent(accountId)}/certificates/activate/${certificateId}${q}`,
			method: 'POST',
			headers,
			body: JSON.stringify({ serviceName, url }),
			secrets: [],
		};
	}
	const name = fieldText(input.name).trim();
	if (!name) throw inputError('name', 'Mapping name is empty', 'Give the mapping a name that is unique in the account.', 'MTLS_MAPPING_NAME_EMPTY');
	return {
		url: `${base(baseUrl)}/api/account/${encodeURIComponent(accountId)}/configuration/ac-common/mtls?v=3.0`,
		method: 'POST',
		headers,
		body: JSON.stringify([
			{ certificationId: certificateId, serviceId: serviceIdOf(input.service), enable: input.enable !== false, url, siteId: accountId, name, deleted: false },
		]),
		secrets: [],
	};
}

export function processCreateMappingResponse(res: HttpResponse, variant: CreateMappingVariant, url: string, secrets: string[] = []): Record<string, unknown> {
	const service = variant === 'activate' ? MTLS_SERVICE : MTLS_CONFIG_SERVICE;
	if (variant === 'activate' && transportFailure(res)) throw transportError(res, url, secrets, 'test call');
	if (res.status === 409 || (res.status === 400 && /duplicat|exist|unique/i.test(res.body.toString('utf8')))) {
		throw new LpError('http', `${service} refused the mapping: the name or the account / service / URL triplet is already mapped (HTTP ${res.status})`, {
			status: res.status,
			code: 'MTLS_MAPPING_DUPLICATE',
			responseSnippet: bodySnippet(res, secrets),
			hint: 'Use another mapping name, or check the existing mapping with "Check Mapping".',
		});
	}
	if (res.status < 200 || res.status > 299) throw gatewayStatusError(res, service, secrets, 'mapping configuration');
	if (res.body.length === 0 || !res.body.toString('utf8').trim()) return { success: true, status: res.status };
	const body = parseJsonBody(res, service, secrets);
	if (Array.isArray(body)) return body.length === 1 && typeof body[0] === 'object' && body[0] !== null ? (body[0] as Record<string, unknown>) : { mappings: body };
	if (typeof body === 'object' && body !== null) return body as Record<string, unknown>;
	return { result: body };
}

// ---------------------------------------------------------------------------------------------------
// List mappings, delete certificate

export interface MtlsMapping {
	id?: number | string;
	certificationId?: string | number;
	serviceId?: string | number;
	/** Service name for the documented ids (added by the node: not in the answer). */
	serviceName?: string;
	enable?: boolean;
	url?: string;
	siteId?: string;
	name?: string;
	deleted?: boolean;
	[key: string]: unknown;
}

export function buildListMappingsRequest(configBase: string, accountIdInput: string): PreparedRequest {
	const accountId = validateAccountId(accountIdInput);
	return { url: `${base(configBase)}/api/account/${encodeURIComponent(accountId)}/configuration/ac-common/mtls?v=3.0`, method: 'GET', headers: { accept: 'application/json' }, secrets: [] };
}

/** The mappings of the account (deleted ones dropped), each with the documented service name added. */
export function processListMappingsResponse(res: HttpResponse, secrets: string[] = []): MtlsMapping[] {
	if (res.status < 200 || res.status > 299) throw gatewayStatusError(res, MTLS_CONFIG_SERVICE, secrets, 'mapping configuration');
	const body = parseJsonBody(res, MTLS_CONFIG_SERVICE, secrets);
	const list = Array.isArray(body) ? body : typeof body === 'object' && body !== null ? Object.values(body as Record<string, unknown>).find(Array.isArray) : undefined;
	if (!Array.isArray(list)) {
		throw new LpError('response', `${MTLS_CONFIG_SERVICE} answered the mapping list without a list`, { status: res.status, code: 'MTLS_MAPPINGS_SHAPE', responseSnippet: bodySnippet(res, secrets) });
	}
	const names = Object.fromEntries(Object.entries(MTLS_SERVICE_IDS).map(([n, id]) => [id, n]));
	return list
		.filter((m): m is MtlsMapping => typeof m === 'object' && m !== null && (m as MtlsMapping).deleted !== true)
		.map((m) => (m.serviceId !== undefined && names[String(m.serviceId)] ? { ...m, serviceName: names[String(m.serviceId)] } : { ...m }));
}

export function buildDeleteCertificateRequest(gatewayBase: string, accountIdInput: string, certificateIdInput: unknown): PreparedRequest {
	const accountId = validateAccountId(accountIdInput);
	const certificateId = certificateIdOf(certificateIdInput);
	return { url: `${base(gatewayBase)}/mtls/account/${encodeURIComponent(accountId)}/certificates/${certificateId}`, method: 'DELETE', headers: { accept: 'application/json' }, secrets: [] };
}

/** Documented: 200 OK (no body described). 404 is reported as "no such certificate". */
export function processDeleteCertificateResponse(res: HttpResponse, certificateId: string, secrets: string[] = []): Record<string, unknown> {
	if (res.status === 404) {
		throw new LpError('http', `${MTLS_SERVICE} has no certificate ${certificateId} in this account (HTTP 404)`, { status: 404, code: 'MTLS_CERT_NOT_FOUND', field: 'certificateId', responseSnippet: bodySnippet(res, secrets), hint: 'Run "List Certificates" for the IDs.' });
	}
	if (res.status < 200 || res.status > 299) throw gatewayStatusError(res, MTLS_SERVICE, secrets, 'certificate');
	let details: unknown;
	try {
		details = res.body.length && res.body.toString('utf8').trim() ? parseJsonBody(res, MTLS_SERVICE, secrets) : undefined;
	} catch {
		details = undefined;
	}
	return { deleted: true, certificateId, status: res.status, ...(typeof details === 'object' && details !== null && !Array.isArray(details) ? { certificate: details } : {}) };
}

// ---------------------------------------------------------------------------------------------------
// I/O

export interface MtlsIo {
	accountId: string;
	/**
	 * The policy for TARGET URLs the user gives (Forward, Check Mapping, Create Mapping): the node's
	 * "Allowed Internal Networks". Default: every internal network refused.
	 */
	targetPolicy?: OutboundPolicy;
	/** Origin of CSDS `mtlsGateway` (or the host override). */
	gatewayBase(): Promise<string>;
	/** Origin of CSDS `accountConfigReadWrite` (or the host override). */
	configBase(): Promise<string>;
	/** The credential's auth for one kind of call (bearer from the Login Service or Sentinel, or an OAuth1 signature). */
	auth(call: MtlsCall): AuthStrategy;
	/** What `auth` sends for a call, for 401/403 messages (e.g. "Sentinel app token …"). */
	authLabel?(call: MtlsCall): string;
	/** The credential's outbound policy: CSDS answers and host overrides alike. */
	policy: OutboundPolicy;
	timeoutMs?: number;
	maxResponseBytes?: number;
	/** Clock of the mapping-confirmation cache (tests). */
	now?: () => number;
	/** How long a mapping check that confirmed or denied "no certificate" is reused (default 60 s). */
	mappingCacheMs?: number;
}

export class MtlsClient {
	/** accountId / service name / URL → what the mapping check said, and until when it is reused. */
	private readonly mappingCache = new Map<string, { exists: boolean; until: number }>();

	constructor(readonly io: MtlsIo) {}

	/**
	 * One request through the pipeline with the auth of this kind of call. `reauthWhen` narrows the
	 * re-login: for Forward only the gateway's own refusal (WWW-Authenticate, no transport failure)
	 * re-logs in; the target never saw that call.
	 */
	private async exchange(req: PreparedRequest, serviceName: string, call: MtlsCall, reauthWhen?: (res: HttpResponse) => boolean): Promise<{ res: HttpResponse; secrets: string[] }> {
		const res = await send({
			...req,
			serviceName,
			auth: this.io.auth(call),
			reauthWhen,
			policy: this.io.policy,
			timeoutMs: this.io.timeoutMs,
			maxResponseBytes: this.io.maxResponseBytes,
		});
		// One list: the pipeline's (strategy, connection, request) and the request's own.
		return { res, secrets: responseSecrets(res, req.secrets) };
	}

	/** Runs a process* step; a 401/403 error names the auth that was sent and the one the call wants. */
	private named<T>(call: MtlsCall, fn: () => T): T {
		try {
			return fn();
		} catch (error) {
			if (error instanceof LpError && this.io.authLabel) throw gatewayAuthError(error, call, this.io.authLabel(call));
			throw error;
		}
	}

	async checkMappings(queries: MappingQuery[], variant: CheckVariant = 'gatewayV2'): Promise<MappingResult[]> {
		const req = buildCheckMappingRequest(await this.io.gatewayBase(), this.io.accountId, queries, variant, this.io.targetPolicy);
		const { res, secrets } = await this.exchange(req, MTLS_SERVICE, 'checkMapping');
		const results = this.named('checkMapping', () => processCheckMappingResponse(res, this.io.accountId, queries, variant, secrets));
		for (const r of results) this.remember(r.serviceName, r.url, r.exists);
		return results;
	}

	private mappingKey(serviceName: string, url: string): string {
		return `${this.io.accountId}\u0000${serviceName}\u0000${url}`;
	}

	private remember(serviceName: string, url: string, exists: boolean): void {
		const now = (this.io.now ?? Date.now)();
		this.mappingCache.set(this.mappingKey(serviceName, url), { exists, until: now + (this.io.mappingCacheMs ?? 60_000) });
		if (this.mappingCache.size > 1000) this.mappingCache.delete(this.mappingCache.keys().next().value as string);
	}

	/** The mapping check's answer for one pair (cached); undefined when the check itself failed. */
	private async confirmMapping(serviceName: string, url: string): Promise<boolean | undefined> {
		const cached = this.mappingCache.get(this.mappingKey(serviceName, url));
		if (cached && cached.until > (this.io.now ?? Date.now)()) return cached.exists;
		try {
			const [result] = await this.checkMappings([{ serviceName, url }], 'gatewayV2');
			return result.exists;
		} catch {
			// Cannot confirm: the answer stays the target's (never guessed from the status).
			return undefined;
		}
	}

	async forward(input: ForwardInput): Promise<ForwardResult> {
		const req = buildForwardRequest(await this.io.gatewayBase(), this.io.accountId, input, this.io.targetPolicy);
		// Retry only when the gateway itself refused us (WWW-Authenticate): the target never saw the call.
		const { res, secrets } = await this.exchange(req, MTLS_SERVICE, 'forward', (r) => header(r, 'www-authenticate') !== undefined && !transportFailure(r));
		const ctx: ForwardContext = { targetUrl: req.headers['lp-forward-url'], serviceName: req.headers['lp-service-name'], stopIfCertificateNotFound: input.stopIfCertificateNotFound === true, secrets };
		if (forwardNeedsMappingCheck(res, ctx)) ctx.mappingExists = await this.confirmMapping(ctx.serviceName as string, ctx.targetUrl);
		return this.named('forward', () => processForwardResponse(res, ctx));
	}

	async listCertificates(): Promise<MtlsCertificate[]> {
		const req = buildListCertificatesRequest(await this.io.gatewayBase(), this.io.accountId);
		const { res, secrets } = await this.exchange(req, MTLS_SERVICE, 'certificates');
		return this.named('certificates', () => processListCertificatesResponse(res, secrets));
	}

	async uploadCertificate(input: UploadCertificateInput): Promise<UploadCertificateResult> {
		const req = buildUploadCertificateRequest(await this.io.gatewayBase(), this.io.accountId, input);
		const { res, secrets } = await this.exchange(req, MTLS_SERVICE, 'certificates');
		return this.named('certificates', () => processUploadCertificateResponse(res, secrets));
	}

	async listMappings(): Promise<MtlsMapping[]> {
		const req = buildListMappingsRequest(await this.io.configBase(), this.io.accountId);
		const { res, secrets } = await this.exchange(req, MTLS_CONFIG_SERVICE, 'configuration');
		return this.named('configuration', () => processListMappingsResponse(res, secrets));
	}

	async deleteCertificate(certificateId: string | number): Promise<Record<string, unknown>> {
		const req = buildDeleteCertificateRequest(await this.io.gatewayBase(), this.io.accountId, certificateId);
		const { res, secrets } = await this.exchange(req, MTLS_SERVICE, 'certificates');
		const out = this.named('certificates', () => processDeleteCertificateResponse(res, certificateIdOf(certificateId), secrets));
		this.mappingCache.clear();
		return out;
	}

	async createMapping(input: CreateMappingInput, variant: CreateMappingVariant = 'configuration'): Promise<Record<string, unknown>> {
		const origin = variant === 'activate' ? await this.io.gatewayBase() : await this.io.configBase();
		const req = buildCreateMappingRequest(origin, this.io.accountId, input, variant, this.io.targetPolicy);
		const call: MtlsCall = variant === 'activate' ? 'activate' : 'configuration';
		const { res, secrets } = await this.exchange(req, variant === 'activate' ? MTLS_SERVICE : MTLS_CONFIG_SERVICE, call);
		const out = this.named(call, () => processCreateMappingResponse(res, variant, input.url, secrets));
		this.mappingCache.clear();
		return out;
	}
}

export interface MtlsAccountOptions {
	/** Host override for the gateway (instead of CSDS `mtlsGateway`); the credential's policy applies. */
	gatewayHost?: string;
	/** Host override for the configuration API (instead of CSDS `accountConfigReadWrite`); the policy applies. */
	configHost?: string;
	/** Account to act on; default the credential's. */
	accountId?: string;
	/** Which authentication each gateway call sends (default: as documented per call). */
	gatewayAuth?: GatewayAuthChoice | string;
	csdsTtlMs?: number;
	timeoutMs?: number;
	maxResponseBytes?: number;
	auth?: AccountAuthOptions;
	now?: () => number;
	/** "Allowed Internal Networks" for the target URLs given to Forward, Check Mapping and Create Mapping. */
	targetAllowedInternalNetworks?: string;
}

/** The mTLS client for a `livePersonAccountApi` credential: hosts from CSDS, auth from account-auth. */
export function mtlsClientForAccount(creds: LivePersonAccountCredentials, options: MtlsAccountOptions = {}): MtlsClient {
	const accountId = validateAccountId(options.accountId || creds.accountId);
	const credAccount = validateAccountId(creds.accountId);
	const gatewayOverride = options.gatewayHost ? normaliseHostOverride(options.gatewayHost, 'gatewayHost') : undefined;
	const configOverride = options.configHost ? normaliseHostOverride(options.configHost, 'configHost') : undefined;
	const policy = accountPolicy(creds);
	// Checked once up front so that a forced kind the credential cannot produce fails before any call.
	for (const call of Object.keys(MTLS_DOCUMENTED_AUTH) as MtlsCall[]) resolveGatewayAuth(creds, options.gatewayAuth, call);
	const authFor = (call: MtlsCall) => resolveGatewayAuth(creds, options.gatewayAuth, call);
	// One strategy per kind of call, built once (its token cache key is hashed once).
	const strategies = new Map<MtlsCall, AuthStrategy>();
	const strategyFor = (call: MtlsCall) => {
		let strategy = strategies.get(call);
		if (!strategy) strategies.set(call, (strategy = accountStrategy(authFor(call).creds, options.auth)));
		return strategy;
	};
	const lookup = (service: string) => resolveServiceBase(creds.csdsHost, credAccount, service, { policy, ...(options.csdsTtlMs !== undefined ? { ttlMs: options.csdsTtlMs } : {}) });
	return new MtlsClient({
		accountId,
		gatewayBase: async () => gatewayOverride ?? lookup(MTLS_GATEWAY_CSDS),
		configBase: async () => configOverride ?? lookup(MTLS_CONFIG_CSDS),
		auth: strategyFor,
		authLabel: (call) => authFor(call).label,
		policy,
		targetPolicy: policyForAllowText(options.targetAllowedInternalNetworks),
		timeoutMs: options.timeoutMs,
		maxResponseBytes: options.maxResponseBytes,
		now: options.now,
	});
}
