/**
 * LivePerson API Integration with the OAuth2 Authorization Code credential: requests go through n8n's
 * `httpRequestWithAuthentication`, which refreshes the token only when the request THROWS a 401
 * (n8n-core requestOAuth2). The node asks n8n not to throw (to keep every answer's status, headers and
 * body), so on a 401 answer it sends once more letting n8n throw, which makes n8n refresh and repeat.
 * Found by test/e2e/editor.browser.e2e.test.ts: the second run after the token expired got the 401.
 */
import { NodeApiError } from 'n8n-workflow';
import type { IExecuteFunctions, IHttpRequestOptions, INode, INodeExecutionData, JsonObject } from 'n8n-workflow';
import { LivePersonApiIntegration } from '../../../nodes/LivePersonApiIntegration/LivePersonApiIntegration.node';

const NODE: INode = { id: '1', name: 'API', type: 't', typeVersion: 1, position: [0, 0], parameters: {} };

function ctx(params: Record<string, unknown>, send: (opts: IHttpRequestOptions) => Promise<unknown>): { context: IExecuteFunctions; sent: IHttpRequestOptions[] } {
	const sent: IHttpRequestOptions[] = [];
	const items: INodeExecutionData[] = [{ json: {} }];
	const context = {
		getInputData: () => items,
		getNodeParameter: (name: string, _i: number, fallback?: unknown) => (params[name] === undefined ? fallback : params[name]),
		// The node reads the credential only for its secrets (redaction) and Allowed Internal Networks;
		// n8n signs the request and keeps the token.
		getCredentials: async (type: string) => {
			expect(type).toBe('livePersonOAuth2AuthCodeApi');
			return { clientSecret: 'client-secret-value', oauthTokenData: { access_token: 'access-token-value' } };
		},
		continueOnFail: () => false,
		getNode: () => NODE,
		helpers: {
			httpRequestWithAuthentication: async (type: string, opts: IHttpRequestOptions) => {
				expect(type).toBe('livePersonOAuth2AuthCodeApi');
				sent.push(opts);
				return send(opts);
			},
			prepareBinaryData: async (data: Buffer, fileName: string, mimeType: string) => ({ data: data.toString('base64'), fileName, mimeType }),
		},
	} as unknown as IExecuteFunctions;
	return { context, sent };
}

/** What n8n throws for an HTTP error status: NodeApiError wrapping an AxiosError-like error with `response`. */
function n8nStatusError(status: number, body: string, headers: Record<string, string> = {}): NodeApiError {
	const axiosLike = Object.assign(new Error(`Request failed with status code ${status}`), {
		response: { status, headers: { 'content-type': 'application/json', ...headers }, data: Buffer.from(body) },
	});
	return new NodeApiError(NODE, axiosLike as unknown as JsonObject);
}

const params = (extra: Record<string, unknown> = {}) => ({
	authentication: 'oAuth2AuthCode',
	method: 'GET',
	// A public IP literal: the outbound policy resolves host names before n8n sends (no DNS in unit tests).
	url: 'https://93.184.215.14/v1/me',
	options: { retries: 0 },
	...extra,
});

const answer = (status: number, body: string) => ({ statusCode: status, headers: { 'content-type': 'application/json' }, body: Buffer.from(body) });

describe('API Integration through n8n OAuth2 (authorization code)', () => {
	test('a 200 takes one request; answers of any status are kept (n8n asked not to throw)', async () => {
		const { context, sent } = ctx(params(), async () => answer(200, '{"me":"bot"}'));
		const [out] = await new LivePersonApiIntegration().execute.call(context);
		expect(sent).toHaveLength(1);
		expect(sent[0].ignoreHttpStatusErrors).toBe(true);
		expect(out[0].json).toEqual({ me: 'bot' });
	});

	test('a 401 answer is sent again letting n8n throw, so that n8n refreshes the token and repeats the call', async () => {
		const { context, sent } = ctx(params(), async (opts) => (opts.ignoreHttpStatusErrors ? answer(401, '{"error":"invalid_token"}') : answer(200, '{"me":"bot"}')));
		const [out] = await new LivePersonApiIntegration().execute.call(context);
		expect(sent.map((o) => o.ignoreHttpStatusErrors)).toEqual([true, false]);
		expect(out[0].json).toEqual({ me: 'bot' });
	});

	test('when the refreshed call still fails, the item fails with that HTTP status (not "could not be reached")', async () => {
		const { context, sent } = ctx(params(), async (opts) => {
			if (opts.ignoreHttpStatusErrors) return answer(401, '{"error":"invalid_token"}');
			throw n8nStatusError(403, '{"error":"forbidden"}');
		});
		await expect(new LivePersonApiIntegration().execute.call(context)).rejects.toThrow(/403/);
		expect(sent).toHaveLength(2);
	});

	test('other statuses are not re-sent, and keep their body', async () => {
		const { context, sent } = ctx(params({ options: { retries: 0, neverError: true, fullResponse: true } }), async () => answer(404, '{"error":"no such order"}'));
		const [out] = await new LivePersonApiIntegration().execute.call(context);
		expect(sent).toHaveLength(1);
		expect(JSON.stringify(out[0].json)).toContain('404');
		expect(JSON.stringify(out[0].json)).toContain('no such order');
	});
});
