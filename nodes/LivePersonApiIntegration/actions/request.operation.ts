import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { API_INTEGRATION_DEFAULTS, ApiRequestParams, BodyType, buildApiRequest, processApiResponse, ResponseFormat } from '../../../lib/integration/api-request';
import { policyForAllowText, type OutboundPolicy } from '../../../lib/net/policy';
import { parameterReader, type ParameterReader } from '../../shared/params';
import { allowedInternalNetworksOption, concurrencyOption, nameValueList, nameValuePairs } from '../../shared/properties';
import { apiRequest, AuthSetup, CONCURRENCY } from '../transport';
import { consumerAuth, consumerPreAuthFields } from './consumerPreAuth';

export const description: INodeProperties[] = [
	{
		displayName: 'Authentication',
		name: 'authentication',
		type: 'options',
		noDataExpression: true,
		default: 'none',
		options: [
			{ name: 'Access Token', value: 'accessToken' },
			{ name: 'Basic Auth', value: 'basicAuth' },
			{ name: 'Consumer Pre-Authentication', value: 'consumerPreAuth', description: "The consumer's own token (from the item), optionally verified first" },
			{ name: 'None', value: 'none' },
			{ name: 'OAuth2 Authorization Code (or PKCE)', value: 'oAuth2AuthCode' },
			{ name: 'OAuth2 Client Credentials', value: 'oAuth2ClientCredentials' },
			{ name: 'Third-Party NLU (Dialogflow, Watson)', value: 'thirdPartyNlu' },
		],
		description: 'The bot-account credential that signs the request. Combine with Mutual TLS below for an API that wants both.',
	},
	...consumerPreAuthFields(),
	{
		displayName: 'Mutual TLS (Client Certificate)',
		name: 'mutualTls',
		type: 'boolean',
		noDataExpression: true,
		default: false,
		displayOptions: { hide: { authentication: ['oAuth2AuthCode'] } },
		description: 'Whether to present a client certificate (Mutual Authentication credential) in the TLS handshake',
	},
	{
		displayName:
			'Requests with an OAuth2 Authorization Code credential are sent by n8n itself (it refreshes the token), which cannot present a client certificate: Mutual TLS is not available with it.',
		name: 'oauthNotice',
		type: 'notice',
		default: '',
		displayOptions: { show: { authentication: ['oAuth2AuthCode'] } },
	},
	{
		displayName: 'Method',
		name: 'method',
		type: 'options',
		default: 'GET',
		options: ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT'].map((m) => ({ name: m, value: m })),
		description: 'The HTTP method',
	},
	{
		displayName: 'URL',
		name: 'url',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'https://api.example.com/v1/orders/{{ $json.orderId }}',
		description: 'The full URL to call',
	},
	{
		displayName: 'Send Query Parameters',
		name: 'sendQuery',
		type: 'boolean',
		default: false,
		noDataExpression: true,
		description: 'Whether the request has query parameters',
	},
	nameValueList({
		displayName: 'Query Parameters',
		name: 'queryParameters',
		itemName: 'Parameter',
		placeholder: 'Add Parameter',
		displayOptions: { show: { sendQuery: [true] } },
	}),
	{
		displayName: 'Send Headers',
		name: 'sendHeaders',
		type: 'boolean',
		default: false,
		noDataExpression: true,
		description: 'Whether the request has headers',
	},
	nameValueList({
		displayName: 'Header Parameters',
		name: 'headerParameters',
		itemName: 'Header',
		placeholder: 'Add Header',
		displayOptions: { show: { sendHeaders: [true] } },
	}),
	{
		displayName: 'Send Body',
		name: 'sendBody',
		type: 'boolean',
		default: false,
		noDataExpression: true,
		description: 'Whether the request has a body',
	},
	{
		displayName: 'Body Content Type',
		name: 'bodyContentType',
		type: 'options',
		default: 'json',
		displayOptions: { show: { sendBody: [true] } },
		options: [
			{ name: 'JSON', value: 'json' },
			{ name: 'Form URL-Encoded', value: 'form' },
			{ name: 'Raw', value: 'raw' },
			{ name: 'Binary File From Input', value: 'binary' },
		],
	},
	{
		displayName: 'JSON Body',
		name: 'jsonBody',
		type: 'json',
		default: '{}',
		displayOptions: { show: { sendBody: [true], bodyContentType: ['json'] } },
		description: 'The JSON to send',
	},
	nameValueList({
		displayName: 'Body Parameters',
		name: 'bodyParameters',
		itemName: 'Parameter',
		placeholder: 'Add Parameter',
		displayOptions: { show: { sendBody: [true], bodyContentType: ['form'] } },
	}),
	{
		displayName: 'Content Type',
		name: 'rawContentType',
		type: 'string',
		default: 'text/plain',
		displayOptions: { show: { sendBody: [true], bodyContentType: ['raw'] } },
		placeholder: 'text/xml',
	},
	{
		displayName: 'Body',
		name: 'rawBody',
		type: 'string',
		typeOptions: { rows: 4 },
		default: '',
		displayOptions: { show: { sendBody: [true], bodyContentType: ['raw'] } },
	},
	{
		displayName: 'Input Binary Field',
		name: 'inputDataFieldName',
		type: 'string',
		default: 'data',
		required: true,
		displayOptions: { show: { sendBody: [true], bodyContentType: ['binary'] } },
		hint: 'The name of the input binary field containing the file to send',
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		options: [
			allowedInternalNetworksOption('the URL'),
			concurrencyOption(CONCURRENCY),
			{
				displayName: 'Include Status and Headers',
				name: 'fullResponse',
				type: 'boolean',
				default: false,
				description: 'Whether to return the status code and headers with the body',
			},
			{
				displayName: 'Max Redirects',
				name: 'maxRedirects',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: 20 },
				default: 0,
				description:
					'How many redirects to follow (0 returns the 3xx answer as is). Every hop is checked by the outbound policy; a hop to another origin gets none of the credential\'s headers and no client certificate, and https to http is refused.',
			},
			{
				displayName: 'Max Response Size (MB)',
				name: 'maxResponseMb',
				type: 'number',
				typeOptions: { minValue: 0.001, maxValue: 1024 },
				default: 10,
				description: 'Larger answers fail the item instead of filling the memory',
			},
			{
				displayName: 'Never Error',
				name: 'neverError',
				type: 'boolean',
				default: false,
				description: 'Whether to succeed even when the status code is not 2xx',
			},
			{
				displayName: 'Output Binary Field',
				name: 'outputPropertyName',
				type: 'string',
				default: 'data',
				displayOptions: { show: { responseFormat: ['binary'] } },
				description: 'Name of the binary field to put a file response in',
			},
			{
				displayName: 'Response Format',
				name: 'responseFormat',
				type: 'options',
				default: 'autodetect',
				options: [
					{ name: 'Autodetect', value: 'autodetect' },
					{ name: 'File', value: 'binary' },
					{ name: 'JSON', value: 'json' },
					{ name: 'Text', value: 'text' },
				],
				description: 'How to read the answer (Autodetect uses the Content-Type)',
			},
			{
				displayName: 'Retries',
				name: 'retries',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: 10 },
				default: 3,
				description: 'Further attempts after network errors, 429 and 5xx answers (with backoff, honouring Retry-After). Conversation Builder uses 3.',
			},
			{
				displayName: 'Timeout (Seconds)',
				name: 'timeout',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 600 },
				default: 20,
				description: 'Time limit per attempt. Conversation Builder uses 20 seconds.',
			},
		],
	},
];

export interface RequestOptions {
	allowedInternalNetworks?: string;
	concurrency?: number;
	fullResponse?: boolean;
	maxResponseMb?: number;
	maxRedirects?: number;
	neverError?: boolean;
	outputPropertyName?: string;
	responseFormat?: ResponseFormat;
	retries?: number;
	timeout?: number;
}

const policies = new WeakMap<AuthSetup, Map<string, OutboundPolicy>>();

/**
 * The node's option and the credentials' own "Allowed Internal Networks" together, once per
 * execution (one auth setup) and option text, not per item.
 */
function policyFor(auth: AuthSetup, optionText: string | undefined): OutboundPolicy {
	let byText = policies.get(auth);
	if (!byText) policies.set(auth, (byText = new Map()));
	const key = optionText ?? '';
	let policy = byText.get(key);
	if (!policy) byText.set(key, (policy = policyForAllowText([optionText, auth.allowedInternalNetworks].filter(Boolean).join(', '))));
	return policy;
}

/** One item: parameters → lib request → response → output item(s). */
export async function execute(
	this: IExecuteFunctions,
	i: number,
	auth: AuthSetup,
	param: ParameterReader = parameterReader(this),
): Promise<INodeExecutionData | INodeExecutionData[]> {
	const options = param('options', i, {}) as RequestOptions;
	const sendBody = param('sendBody', i, false) as boolean;
	const bodyType: BodyType = sendBody ? (param('bodyContentType', i, 'json') as BodyType) : 'none';
	const params: ApiRequestParams = {
		method: param('method', i) as string,
		url: param('url', i) as string,
		query: param('sendQuery', i, false) ? nameValuePairs(param('queryParameters', i, {})) : [],
		headers: param('sendHeaders', i, false) ? nameValuePairs(param('headerParameters', i, {})) : [],
		bodyType,
	};
	if (bodyType === 'json') params.json = param('jsonBody', i, '{}');
	if (bodyType === 'form') params.form = nameValuePairs(param('bodyParameters', i, {}));
	if (bodyType === 'raw') {
		params.raw = param('rawBody', i, '') as string;
		params.rawContentType = param('rawContentType', i, '') as string;
	}
	if (bodyType === 'binary') {
		const field = param('inputDataFieldName', i) as string;
		const meta = this.helpers.assertBinaryData(i, field);
		params.binary = { data: await this.helpers.getBinaryDataBuffer(i, field), mimeType: meta.mimeType };
	}
	const built = buildApiRequest(params);
	const policy = policyFor(auth, options.allowedInternalNetworks);
	// Consumer Pre-Authentication: this item's token, verified (when asked) before anything is sent.
	const itemAuth = auth.authentication === 'consumerPreAuth' ? { ...auth, auth: await consumerAuth(param, i) } : auth;
	const res = await apiRequest(built, itemAuth, {
		policy,
		maxRedirects: options.maxRedirects ?? 0,
		timeoutMs: Math.round((options.timeout ?? API_INTEGRATION_DEFAULTS.timeoutMs / 1000) * 1000),
		retries: options.retries ?? API_INTEGRATION_DEFAULTS.retries,
		maxResponseBytes: Math.round((options.maxResponseMb ?? 10) * 1024 * 1024),
	});
	const out = processApiResponse(res, {
		format: options.responseFormat ?? 'autodetect',
		neverError: options.neverError,
		url: built.url,
		serviceName: `The API (${built.url.host})`,
	});
	const meta: IDataObject = options.fullResponse ? { statusCode: out.status, headers: out.headers as IDataObject } : {};
	if (out.kind === 'binary' && out.binary) {
		const binary = await this.helpers.prepareBinaryData(out.binary.data, out.binary.fileName, out.binary.mimeType);
		return { json: meta, binary: { [options.outputPropertyName || 'data']: binary } };
	}
	const body = out.kind === 'json' ? out.json : out.text;
	if (options.fullResponse) return { json: { ...meta, body: body as IDataObject } };
	if (out.kind === 'text') return { json: { data: body as string } };
	if (Array.isArray(body)) return body.map((entry) => ({ json: (entry !== null && typeof entry === 'object' ? entry : { data: entry }) as IDataObject }));
	if (body !== null && typeof body === 'object') return { json: body as IDataObject };
	return { json: { data: body as IDataObject[keyof IDataObject] } };
}
