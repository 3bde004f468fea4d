/**
 * The node's I/O adapter: reads the selected credentials once per execution and sends each item's
 * request through lib (our transport, pooled mutual TLS agent, token cache), or — for the OAuth2
 * Authorization Code credential, whose token n8n owns and refreshes — through n8n's
 * `httpRequestWithAuthentication`, with the same retry rule.
 */
import type { IDataObject, IExecuteFunctions, IHttpRequestMethods, IHttpRequestOptions } from 'n8n-workflow';
import { CREDENTIAL_TYPES } from '../../../lib/auth/apply';
import { LpError, safeUrl } from '../../../lib/errors';
import { API_INTEGRATION_DEFAULTS, ApiAuth, BuiltApiRequest, retryPolicy, SendApiOptions, sendApiRequest } from '../../../lib/integration/api-request';
import { backoffDelay, HttpResponse, responseRetryDelay, sleep } from '../../../lib/net/transport';
import { MUTUAL_TLS_CREDENTIAL_TYPE } from '../../../lib/tls/credential';

export interface AuthSetup extends ApiAuth {
	authentication: string;
}

const TOKEN_TYPES: Record<string, string> = {
	accessToken: CREDENTIAL_TYPES.accessToken,
	basicAuth: CREDENTIAL_TYPES.basic,
	oAuth2ClientCredentials: CREDENTIAL_TYPES.clientCredentials,
	oAuth2AuthCode: CREDENTIAL_TYPES.authorizationCode,
};

export async function resolveAuth(this: IExecuteFunctions): Promise<AuthSetup> {
	const authentication = this.getNodeParameter('authentication', 0, 'none') as string;
	const setup: AuthSetup = { authentication };
	const type = TOKEN_TYPES[authentication];
	if (type && authentication !== 'oAuth2AuthCode') {
		setup.credential = { type, data: (await this.getCredentials(type)) as IDataObject };
	}
	const mutualTls = authentication !== 'oAuth2AuthCode' && (this.getNodeParameter('mutualTls', 0, false) as boolean);
	if (mutualTls) {
		const data = (await this.getCredentials(MUTUAL_TLS_CREDENTIAL_TYPE)) as IDataObject;
		const credentialId = this.getNode().credentials?.[MUTUAL_TLS_CREDENTIAL_TYPE]?.id ?? undefined;
		setup.mutualTls = { data, credentialId: credentialId ?? undefined };
	}
	return setup;
}

type N8nAnswer = { statusCode: number; headers: Record<string, string>; body: unknown };

/** The HTTP status of an error thrown by n8n's request helpers (NodeApiError keeps `httpCode`), if any. */
function thrownStatus(error: unknown): number | undefined {
	const e = error as { httpCode?: unknown; response?: { status?: unknown } } | undefined;
	const code = Number(e?.httpCode ?? e?.response?.status);
	return Number.isInteger(code) && code >= 100 && code <= 599 ? code : undefined;
}

async function viaN8nOAuth2(this: IExecuteFunctions, built: BuiltApiRequest, options: SendApiOptions): Promise<HttpResponse> {
	options.policy?.checkUrl(built.url);
	const retries = options.retries ?? API_INTEGRATION_DEFAULTS.retries;
	// The same retry rule as the package's own transport (lib/net/transport.ts), for n8n's request helper.
	const policy = retryPolicy(retries);
	const request: IHttpRequestOptions = {
		url: built.url.toString(),
		method: built.method as IHttpRequestMethods,
		headers: built.headers,
		body: built.body,
		json: false,
		encoding: 'arraybuffer',
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
		timeout: options.timeoutMs ?? API_INTEGRATION_DEFAULTS.timeoutMs,
	};
	for (let attempt = 1; ; attempt++) {
		let res: N8nAnswer;
		try {
			res = await this.helpers.httpRequestWithAuthentication.call(this, CREDENTIAL_TYPES.authorizationCode, request);
			if (res.statusCode === 401) {
				// n8n refreshes the token only when the request THROWS a 401 (n8n-core requestOAuth2), which
				// ignoreHttpStatusErrors prevents: send once more letting it throw, so n8n refreshes and repeats
				// the call. The answer after that is kept (an error's body is not, only its status).
				try {
					res = await this.helpers.httpRequestWithAuthentication.call(this, CREDENTIAL_TYPES.authorizationCode, { ...request, ignoreHttpStatusErrors: false });
				} catch (error) {
					const status = thrownStatus(error);
					if (status === undefined) throw error;
					res = { statusCode: status, headers: {}, body: Buffer.alloc(0) };
				}
			}
		} catch (error) {
			if (attempt > retries) {
				throw new LpError('network', `The API could not be reached at ${safeUrl(built.url)}`, {
					code: 'NETWORK',
					cause: error,
					hint: 'Check the URL and that the OAuth2 credential is connected (if the token expired, that the provider gave a refresh token).',
				});
			}
			await sleep(backoffDelay(policy, attempt));
			continue;
		}
		const raw = res.body;
		const body = Buffer.isBuffer(raw) ? raw : raw instanceof ArrayBuffer ? Buffer.from(raw) : Buffer.from(typeof raw === 'string' ? raw : JSON.stringify(raw ?? ''));
		const max = options.maxResponseBytes ?? API_INTEGRATION_DEFAULTS.maxResponseBytes;
		if (body.length > max) {
			throw new LpError('response', `The API answered with more than ${max} bytes from ${safeUrl(built.url)}`, { code: 'RESPONSE_TOO_LARGE' });
		}
		const response: HttpResponse = { status: res.statusCode, headers: res.headers ?? {}, body, attempts: attempt };
		const delay = responseRetryDelay(policy, attempt, response);
		if (delay === undefined) return response;
		await sleep(delay);
	}
}

export async function apiRequest(this: IExecuteFunctions, built: BuiltApiRequest, auth: AuthSetup, options: SendApiOptions): Promise<HttpResponse> {
	if (auth.authentication === 'oAuth2AuthCode') return viaN8nOAuth2.call(this, built, options);
	return sendApiRequest(built, auth, options);
}
