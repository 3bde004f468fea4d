/**
 * The node's only reader of credentials: once per execution it turns the selected credentials into
 * pipeline values (an auth strategy, a mutual TLS connection) and every item is one `send()`.
 *
 * The OAuth2 Authorization Code credential's token is n8n's (Connect, storage, refresh), so its
 * innermost sender is n8n's request helper; the pipeline still decides everything else: the policy
 * (the host name is resolved and every answer checked before n8n sends), redirects (n8n follows
 * none; each hop is checked here, and a hop to another origin is sent by the pipeline's plain
 * transport, never through n8n's helper, so n8n cannot sign it: lib/http `transportFor`), retry, the size cap (read from
 * n8n's stream) and redaction. On a 401 the re-send lets n8n refresh the token.
 */
import type { IExecuteFunctions, IHttpRequestMethods, IHttpRequestOptions } from 'n8n-workflow';
import { LpError } from '../../../lib/errors';
import { DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT_MS, networkError, readStreamCapped, serviceOf, tooLarge } from '../../../lib/http';
import type { AuthStrategy, Exchange, HttpResponse, Transport } from '../../../lib/http/types';
import { API_INTEGRATION_DEFAULTS, ApiAuth, BuiltApiRequest, SendApiOptions, sendApiRequest } from '../../../lib/integration/api-request';
import { safeUrl } from '../../../lib/errors';
import { mutualTlsConnection } from '../../../lib/tls/credential';
import { allowTextOf, CREDENTIAL_TYPES, mutualTlsConfigOnce, oauth2Secrets, strategyFor } from '../../shared/credentialConfig';
import { isN8nError } from '../../shared/errors';
import { concurrencyOf, type ConcurrencySpec } from '../../shared/properties';

/** Items sent at the same time; the pooled agent gets as many connections. */
export const CONCURRENCY: ConcurrencySpec = { displayName: 'Batch Concurrency', default: API_INTEGRATION_DEFAULTS.concurrency, max: 64, why: 'they share the kept-alive connections' };

export interface AuthSetup extends ApiAuth {
	authentication: string;
}

const TOKEN_TYPES: Record<string, string> = {
	accessToken: CREDENTIAL_TYPES.accessToken,
	basicAuth: CREDENTIAL_TYPES.basic,
	oAuth2ClientCredentials: CREDENTIAL_TYPES.clientCredentials,
	thirdPartyNlu: CREDENTIAL_TYPES.nlu,
};

export async function resolveAuth(this: IExecuteFunctions): Promise<AuthSetup> {
	const authentication = this.getNodeParameter('authentication', 0, 'none') as string;
	const setup: AuthSetup = { authentication };
	const allow: string[] = [];
	const type = TOKEN_TYPES[authentication];
	if (type) {
		const data = await this.getCredentials(type);
		setup.auth = strategyFor(type, data);
		allow.push(allowTextOf(data));
	}
	if (authentication === 'oAuth2AuthCode') {
		const data = await this.getCredentials(CREDENTIAL_TYPES.oauth2AuthCode);
		setup.auth = n8nOAuth2Strategy(oauth2Secrets(data));
		setup.transport = n8nOAuth2Transport(this);
		allow.push(allowTextOf(data));
	}
	const mutualTls = authentication !== 'oAuth2AuthCode' && (this.getNodeParameter('mutualTls', 0, false) as boolean);
	if (mutualTls) {
		const data = await this.getCredentials(CREDENTIAL_TYPES.mutualTls);
		const credentialId = this.getNode().credentials?.[CREDENTIAL_TYPES.mutualTls]?.id ?? undefined;
		const options = this.getNodeParameter('options', 0, {}) as { concurrency?: number };
		setup.connection = mutualTlsConnection(mutualTlsConfigOnce(data), {
			credentialId,
			connections: concurrencyOf(options, CONCURRENCY),
		});
		allow.push(allowTextOf(data));
	}
	setup.allowedInternalNetworks = allow.filter(Boolean).join(', ');
	return setup;
}

/** n8n signs the request itself; on a 401 the re-send asks n8n to refresh the token. */
function n8nOAuth2Strategy(secrets: string[]): AuthStrategy {
	return {
		label: 'OAuth2 Authorization Code (token kept by n8n)',
		apply: (req) => ({ flags: { refresh: req.reauth === true } }),
		invalidate: () => true,
		secrets: () => secrets,
	};
}

/** The HTTP status of an error thrown by n8n's request helpers (NodeApiError keeps `httpCode`), if any. */
function thrownStatus(error: unknown): number | undefined {
	const e = error as { httpCode?: unknown; response?: { status?: unknown } } | undefined;
	const code = Number(e?.httpCode ?? e?.response?.status);
	return Number.isInteger(code) && code >= 100 && code <= 599 ? code : undefined;
}

type N8nAnswer = { statusCode: number; headers: Record<string, string>; body: unknown };

/** The error and its causes, outermost first (at most 5). */
function causeChain(error: unknown): unknown[] {
	const chain: unknown[] = [];
	for (let e = error; e !== undefined && e !== null && chain.length < 5; e = (e as { cause?: unknown }).cause) chain.push(e);
	return chain;
}

/** A Node.js / undici / TLS failure code of a connection (ECONNREFUSED, UND_ERR_…, ERR_TLS_…, …_CERT_…). */
const NETWORK_CODE = /^(E[A-Z_]{3,}|UND_ERR_[A-Z_]+|ERR_(TLS|SSL)_[A-Z0-9_]+|[A-Z_]*CERT[A-Z_]*)$/;
function isNetworkFailure(e: unknown): boolean {
	const x = e as { code?: unknown; name?: unknown } | undefined;
	return (typeof x?.code === 'string' && NETWORK_CODE.test(x.code)) || x?.name === 'TimeoutError';
}
/** A fault in code (n8n's or ours), never an answer of the network: it must not read as "could not be reached". */
const FAULTS = new Set(['TypeError', 'ReferenceError', 'RangeError', 'SyntaxError']);
function isProgrammingError(e: unknown): boolean {
	// By name: n8n and the package may run in different realms (sandboxes, test runners).
	return e instanceof Error && FAULTS.has(e.name);
}

/**
 * What a failure of n8n's request helper (before any HTTP status) is shown as:
 *   - a connection failure (a network code anywhere in its causes) → "could not be reached" (retryable);
 *   - n8n's own refusal to send (e.g. "OAuth credentials not connected"), an n8n error without such a
 *     code → that refusal, in n8n's words (redacted like every pipeline error), not retried;
 *   - a fault in code (TypeError, …) → said to be one, with its class only: reading it as a network
 *     failure hid an n8n change once (n8n 2.41's helper calls a credentials-helper method 2.8 has not).
 */
export function helperFailure(ex: Exchange, error: unknown): LpError {
	const chain = causeChain(error);
	const where = safeUrl(ex.url);
	const fault = chain.find(isProgrammingError);
	if (fault) {
		return new LpError('config', `n8n's OAuth2 request helper failed before sending the request to ${where} (${(fault as Error).name})`, {
			code: 'N8N_HELPER_FAILED',
			cause: error,
			hint: 'This is not a network problem. Check that this n8n version is one the package supports (docs/n8n-versions.md); if it is, please report it with the n8n version.',
		});
	}
	if (isN8nError(error) && !chain.some(isNetworkFailure)) {
		return new LpError('auth', `n8n did not send the request to ${where}: ${error.message}`, {
			code: 'N8N_OAUTH2_REFUSED',
			cause: error,
			hint: 'Check that the OAuth2 credential is connected (Connect in the credential) and, if the token expired, that the provider gave a refresh token.',
		});
	}
	return new LpError('network', `${serviceOf(ex)} could not be reached at ${where}`, {
		code: networkError(ex, error).code ?? 'NETWORK',
		cause: error,
		hint: 'Check the URL and that the OAuth2 credential is connected (if the token expired, that the provider gave a refresh token).',
	});
}

function n8nOAuth2Transport(ctx: IExecuteFunctions): Transport {
	return async (ex: Exchange): Promise<HttpResponse> => {
		const refresh = ex.flags?.refresh === true;
		const request: IHttpRequestOptions = {
			url: ex.url.toString(),
			method: ex.method as IHttpRequestMethods,
			headers: ex.headers as Record<string, string>,
			body: (ex.body ?? undefined) as IHttpRequestOptions['body'],
			json: false,
			encoding: 'stream',
			returnFullResponse: true,
			// n8n refreshes the token only when the request THROWS a 401 (n8n-core requestOAuth2).
			ignoreHttpStatusErrors: !refresh,
			disableFollowRedirect: true,
			sendCredentialsOnCrossOriginRedirect: false,
			timeout: ex.req.timeoutMs ?? DEFAULT_TIMEOUT_MS,
		};
		let res: N8nAnswer;
		try {
			res = await ctx.helpers.httpRequestWithAuthentication.call(ctx, CREDENTIAL_TYPES.oauth2AuthCode, request);
		} catch (error) {
			const status = thrownStatus(error);
			// After a refresh, an error status is the answer (its body is not kept by n8n).
			if (refresh && status !== undefined) return { status, headers: {}, body: Buffer.alloc(0), attempts: 1 };
			// A pipeline transport throws LpError: lib/http retries and redacts only LpError, and the node's
			// mapItems turns it into a NodeApiError (toNodeError). A NodeApiError here would skip both.
			// eslint-disable-next-line @n8n/community-nodes/require-node-api-error -- LpError for the pipeline (above)
			if (error instanceof LpError) throw error;
			throw helperFailure(ex, error);
		}
		const max = ex.req.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
		const raw = res.body as unknown;
		const body =
			raw && typeof (raw as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function'
				? await readStreamCapped(raw as AsyncIterable<unknown> & { destroy?: () => void }, max, serviceOf(ex), safeUrl(ex.url))
				: Buffer.isBuffer(raw)
					? raw
					: Buffer.from(typeof raw === 'string' ? raw : JSON.stringify(raw ?? ''));
		if (body.length > max) throw tooLarge(serviceOf(ex), max, safeUrl(ex.url));
		return { status: res.statusCode, headers: res.headers ?? {}, body, attempts: 1 };
	};
}

export function apiRequest(built: BuiltApiRequest, auth: AuthSetup, options: SendApiOptions): Promise<HttpResponse> {
	return sendApiRequest(built, auth, options);
}
