/**
 * Third-party NLU credentials of Conversation Builder's Bot Accounts, as auth strategies:
 *
 * - Google Dialogflow: a service-account JSON key → a signed JWT bearer grant (RFC 7523 §2.1),
 *   RS256 with jose: iss = sub = client_email, aud = token_uri, scope, iat, exp (at most one hour
 *   later, Google's limit), POSTed as grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer.
 * - IBM Watson: an API key → IBM Cloud IAM token
 *   (grant_type=urn:ibm:params:oauth:grant-type:apikey).
 *
 * Pure parts (`parseServiceAccountJson`, `build*Request`) validate and build; the I/O is one
 * `send()` per token through the pipeline (policy, retry, redaction). The strategy fixes its token
 * cache key when it is built, gets tokens from the shared single-flight cache, and on a refusal
 * (401) drops the token it used, by value, so N refused items cause one new token request.
 *
 * Messages name the missing or wrong field of the JSON and never quote the private key or the
 * API key.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import { LpError, inputError, safeUrl } from '../errors';
import { send } from '../http';
import type { Applied, AuthStrategy } from '../http/types';
import { policyForAllowText, type OutboundPolicy } from '../net/policy';
import { checkUrl, processTokenResponse, TOKEN_RETRY, type BuiltRequest, type TokenIoOptions } from './oauth2';
import { pemBlocks } from '../tls/certs';
import { fingerprint, tokenCache, type CachedToken, type TokenCache } from './token-cache';

export type NluProvider = 'dialogflow' | 'watson';

export const GOOGLE_DEFAULT_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
export const GOOGLE_DEFAULT_TOKEN_URI = 'https://oauth2.googleapis.com/token';
export const IBM_DEFAULT_IAM_URL = 'https://iam.cloud.ibm.com/identity/token';
export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
export const IBM_APIKEY_GRANT = 'urn:ibm:params:oauth:grant-type:apikey';
/** Google refuses assertions valid for more than one hour. */
export const MAX_ASSERTION_LIFETIME_S = 3600;

export interface NluConfig {
	provider: NluProvider;
	/** Google: the service-account JSON key as pasted. */
	serviceAccountJson?: string;
	/** Google: space-separated scopes (default cloud-platform). */
	scope?: string;
	/** IBM: the API key. */
	apiKey?: string;
	/** IBM: the IAM token URL (default https://iam.cloud.ibm.com/identity/token). */
	iamUrl?: string;
	/** The credential's "Allowed Internal Networks" (for the token endpoint). */
	allowedInternalNetworks?: string;
}

export interface ServiceAccount {
	clientEmail: string;
	/** The PEM as given (for redaction) and the key object (for signing). */
	privateKeyPem: string;
	privateKey: KeyObject;
	privateKeyId?: string;
	tokenUri: string;
	projectId?: string;
}

const FIELD = 'serviceAccountJson';
const FIELD_LABEL = 'Service Account JSON';

function jsonField(obj: Record<string, unknown>, name: string, required: boolean): string | undefined {
	const value = obj[name];
	if (value === undefined || value === null || value === '') {
		if (required) throw inputError(FIELD, `${FIELD_LABEL} has no "${name}"`, 'Paste the whole key file downloaded from Google Cloud (IAM → Service accounts → Keys → Add key → JSON).', 'NLU_JSON_FIELD_MISSING');
		return undefined;
	}
	if (typeof value !== 'string') throw inputError(FIELD, `${FIELD_LABEL}: "${name}" must be a string`, undefined, 'NLU_JSON_FIELD_INVALID');
	return value;
}

/**
 * Reads a Google service-account key file. Errors name the field (`client_email`, `private_key`,
 * `token_uri`, …) and never quote the key; a parse error does not quote the text either (it holds
 * the key).
 */
export function parseServiceAccountJson(text: unknown): ServiceAccount {
	if (typeof text !== 'string' || !text.trim()) throw inputError(FIELD, `${FIELD_LABEL} is required`, undefined, 'NLU_JSON_MISSING');
	let parsed: unknown;
	try {
		parsed = JSON.parse(text);
	} catch {
		// The SyntaxError quotes the text (the private key): only its position is kept.
		throw inputError(FIELD, `${FIELD_LABEL} is not valid JSON`, 'Paste the key file as downloaded, starting with "{" and ending with "}".', 'NLU_JSON_INVALID');
	}
	if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw inputError(FIELD, `${FIELD_LABEL} must be a JSON object`, undefined, 'NLU_JSON_INVALID');
	const obj = parsed as Record<string, unknown>;
	const type = jsonField(obj, 'type', false);
	if (type !== undefined && type !== 'service_account') {
		throw inputError(FIELD, `${FIELD_LABEL}: "type" is "${type.slice(0, 40)}", expected "service_account"`, 'A user or external-account credential file cannot sign a JWT grant: create a service-account key.', 'NLU_JSON_TYPE');
	}
	const clientEmail = jsonField(obj, 'client_email', true)!.trim();
	if (!/^[^\s@]+@[^\s@]+$/.test(clientEmail)) throw inputError(FIELD, `${FIELD_LABEL}: "client_email" is not an e-mail address`, undefined, 'NLU_JSON_FIELD_INVALID');
	let privateKeyPem = jsonField(obj, 'private_key', true)!;
	// A key pasted with literal "\n" sequences (copied out of a JSON string twice) is accepted too.
	if (!privateKeyPem.includes('\n') && privateKeyPem.includes('\\n')) privateKeyPem = privateKeyPem.replace(/\\n/g, '\n');
	if (!pemBlocks(privateKeyPem).some((b) => /PRIVATE KEY$/.test(b.label))) {
		throw inputError(FIELD, `${FIELD_LABEL}: "private_key" is not a PEM private key`, 'It must be the PEM "PRIVATE KEY" block of the key file.', 'NLU_JSON_KEY_INVALID');
	}
	let privateKey: KeyObject;
	try {
		privateKey = createPrivateKey({ key: privateKeyPem, format: 'pem' });
	} catch {
		// No cause kept: OpenSSL's message is not needed and the key stays out of every object.
		throw inputError(FIELD, `${FIELD_LABEL}: "private_key" cannot be read as a PEM private key`, 'Paste the key file as downloaded (the key is cut or altered).', 'NLU_JSON_KEY_INVALID');
	}
	if (privateKey.asymmetricKeyType !== 'rsa') {
		throw inputError(FIELD, `${FIELD_LABEL}: "private_key" must be an RSA key (RS256)`, undefined, 'NLU_JSON_KEY_INVALID');
	}
	const tokenUri = jsonField(obj, 'token_uri', false)?.trim() || GOOGLE_DEFAULT_TOKEN_URI;
	try {
		checkUrl(tokenUri, FIELD, `${FIELD_LABEL}: "token_uri"`);
	} catch (error) {
		if (error instanceof LpError) throw inputError(FIELD, error.message, 'Use the token_uri of the key file (https://oauth2.googleapis.com/token).', 'NLU_JSON_FIELD_INVALID');
		throw error;
	}
	return {
		clientEmail,
		privateKeyPem,
		privateKey,
		privateKeyId: jsonField(obj, 'private_key_id', false),
		tokenUri,
		projectId: jsonField(obj, 'project_id', false),
	};
}

/** The base64 lines of a PEM (spellings of the key that a redaction must also catch). */
function pemSecrets(pem: string): string[] {
	const body = pem
		.split('\n')
		.map((l) => l.trim())
		.filter((l) => l && !l.startsWith('-----'));
	return [pem, pem.trim(), body.join(''), ...body.filter((l) => l.length >= 16)];
}

function checkScope(scope: string | undefined): string {
	const value = (scope ?? '').trim().replace(/\s+/g, ' ') || GOOGLE_DEFAULT_SCOPE;
	if (/[\u0000-\u001f"\\]/.test(value)) throw inputError('scope', 'Scope must be scopes separated by spaces', undefined, 'NLU_SCOPE_INVALID');
	return value;
}

/** The signed assertion (RFC 7523 §3): iss = sub = client_email, aud = token_uri, scope, iat, exp. */
export async function buildGoogleAssertion(sa: ServiceAccount, scope: string, now = Date.now(), lifetimeS = MAX_ASSERTION_LIFETIME_S): Promise<string> {
	const iat = Math.floor(now / 1000);
	const life = Math.min(Math.max(60, Math.floor(lifetimeS)), MAX_ASSERTION_LIFETIME_S);
	return new SignJWT({ scope })
		.setProtectedHeader({ alg: 'RS256', typ: 'JWT', ...(sa.privateKeyId ? { kid: sa.privateKeyId } : {}) })
		.setIssuer(sa.clientEmail)
		.setSubject(sa.clientEmail)
		.setAudience(sa.tokenUri)
		.setIssuedAt(iat)
		.setExpirationTime(iat + life)
		.sign(sa.privateKey);
}

function form(url: string, params: URLSearchParams): BuiltRequest {
	return { url, method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: params.toString() };
}

/** The JWT bearer grant token request (RFC 7523 §2.1). */
export function buildGoogleTokenRequest(sa: ServiceAccount, assertion: string): BuiltRequest {
	return form(sa.tokenUri, new URLSearchParams({ grant_type: JWT_BEARER_GRANT, assertion }));
}

export function checkApiKey(apiKey: unknown): string {
	const key = typeof apiKey === 'string' ? apiKey.trim() : '';
	if (!key) throw inputError('apiKey', 'API Key is required', 'Create one in IBM Cloud (Manage → Access (IAM) → API keys).', 'NLU_APIKEY_MISSING');
	if (/[\u0000-\u001f\s]/.test(key)) throw inputError('apiKey', 'API Key must not contain spaces or line breaks', undefined, 'NLU_APIKEY_INVALID');
	return key;
}

/** IBM Cloud IAM: API key → access token. */
export function buildIbmTokenRequest(apiKey: string, iamUrl?: string): BuiltRequest {
	const url = checkUrl((iamUrl ?? '').trim() || IBM_DEFAULT_IAM_URL, 'iamUrl', 'IAM Token URL');
	return form(url.toString(), new URLSearchParams({ grant_type: IBM_APIKEY_GRANT, apikey: checkApiKey(apiKey) }));
}

/** A config checked once: what the strategy and the Test need. */
export interface ResolvedNlu {
	provider: NluProvider;
	label: string;
	serviceAccount?: ServiceAccount;
	scope?: string;
	apiKey?: string;
	iamUrl?: string;
	policy: OutboundPolicy;
	cacheKey: string;
	secrets: string[];
}

export function resolveNluConfig(cfg: NluConfig): ResolvedNlu {
	const policy = policyForAllowText(cfg.allowedInternalNetworks);
	if (cfg.provider === 'dialogflow') {
		const sa = parseServiceAccountJson(cfg.serviceAccountJson);
		const scope = checkScope(cfg.scope);
		return {
			provider: 'dialogflow',
			label: 'Google Dialogflow (service account)',
			serviceAccount: sa,
			scope,
			policy,
			cacheKey: `nlu-google:${fingerprint('nlu-google', sa.clientEmail, sa.privateKeyPem, sa.tokenUri, scope, policy.fingerprint)}`,
			secrets: [...pemSecrets(sa.privateKeyPem), cfg.serviceAccountJson ?? ''],
		};
	}
	if (cfg.provider === 'watson') {
		const apiKey = checkApiKey(cfg.apiKey);
		const iamUrl = checkUrl((cfg.iamUrl ?? '').trim() || IBM_DEFAULT_IAM_URL, 'iamUrl', 'IAM Token URL').toString();
		return {
			provider: 'watson',
			label: 'IBM Watson (IAM API key)',
			apiKey,
			iamUrl,
			policy,
			cacheKey: `nlu-ibm:${fingerprint('nlu-ibm', apiKey, iamUrl, policy.fingerprint)}`,
			secrets: [apiKey, encodeURIComponent(apiKey)],
		};
	}
	throw inputError('provider', `NLU Provider must be "dialogflow" or "watson", not "${String(cfg.provider).slice(0, 30)}"`, undefined, 'NLU_PROVIDER_INVALID');
}

export interface NluIoOptions extends Omit<TokenIoOptions, 'policy'> {
	/** Injectable clock for the assertion's iat/exp. */
	now?: () => number;
}

/** What a refused grant means for each provider (the generic OAuth hints speak of codes and clients). */
function providerHint(r: ResolvedNlu, error: LpError): LpError {
	if (error.kind !== 'auth' && error.status !== 400) return error;
	const hint =
		r.provider === 'dialogflow'
			? 'Google refused the signed assertion: check that the service-account key is still active (not deleted or disabled), that the Scope is allowed, and the n8n host clock.'
			: 'IBM Cloud IAM refused the API key: check that it exists, is not disabled, and belongs to the account of the Watson service.';
	return new LpError(error.kind, error.message, { status: error.status, code: error.code, field: r.provider === 'dialogflow' ? FIELD : 'apiKey', hint, responseSnippet: error.responseSnippet, retryAfterMs: error.retryAfterMs });
}

/** One token request (no cache): the Test button and the cache's fetcher. */
export async function fetchNluToken(r: ResolvedNlu, io: NluIoOptions = {}): Promise<CachedToken> {
	let built: BuiltRequest;
	const extra: string[] = [];
	if (r.provider === 'dialogflow') {
		const assertion = await buildGoogleAssertion(r.serviceAccount!, r.scope!, (io.now ?? Date.now)());
		extra.push(assertion);
		built = buildGoogleTokenRequest(r.serviceAccount!, assertion);
	} else {
		built = buildIbmTokenRequest(r.apiKey!, r.iamUrl);
	}
	const secrets = [...r.secrets, ...extra];
	const service = `${r.provider === 'dialogflow' ? 'The Google token endpoint' : 'IBM Cloud IAM'} (${safeUrl(built.url)})`;
	const res = await send({
		url: built.url,
		method: built.method,
		headers: built.headers,
		body: built.body,
		serviceName: service,
		secrets,
		policy: r.policy,
		timeoutMs: io.timeoutMs,
		retry: io.retry ?? TOKEN_RETRY,
		signal: io.signal,
	});
	try {
		return processTokenResponse(res, secrets);
	} catch (error) {
		throw error instanceof LpError ? providerHint(r, error) : error;
	}
}

export interface NluStrategyOptions extends NluIoOptions {
	cache?: TokenCache;
}

/**
 * Bearer tokens for a Dialogflow or Watson API: from the shared cache (single-flight; one token
 * request per lifetime and per process, or per cluster with the Redis store), the cache key fixed
 * here. A 401 drops the token used (by value) and the request is sent once more with a new one.
 */
export function nluStrategy(cfg: NluConfig, options: NluStrategyOptions = {}): AuthStrategy {
	const r = resolveNluConfig(cfg);
	const cache = options.cache ?? tokenCache;
	return {
		label: r.label,
		async apply(): Promise<Applied> {
			const token = await cache.get(r.cacheKey, () => fetchNluToken(r, options));
			return { headers: { authorization: `${token.tokenType ?? 'Bearer'} ${token.value}` }, used: token.value };
		},
		async invalidate(applied) {
			await cache.invalidate(r.cacheKey, applied.used);
			return true;
		},
		secrets: () => r.secrets,
	};
}
