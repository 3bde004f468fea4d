import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { inputError } from '../../../lib/errors';
import { ALLOW_OPTION_NAME } from '../../../lib/net/policy';
import { nameValueList, nameValuePairs } from '../../shared/properties';
import { targetStatusError, validateTargetUrl, type ForwardInput, type MtlsClient } from '../../../lib/liveperson/mtls-gateway';
import { serviceNameOptions } from './common';

const show = { show: { operation: ['forward'] } };

export const description: INodeProperties[] = [
	{
		displayName: 'Method',
		name: 'method',
		type: 'options',
		default: 'GET',
		displayOptions: show,
		options: ['DELETE', 'GET', 'POST', 'PUT'].map((m) => ({ name: m, value: m })),
		description: 'The HTTP method for the target (the gateway documents GET, POST, PUT and DELETE)',
	},
	{
		displayName: 'Target URL',
		name: 'targetUrl',
		type: 'string',
		default: '',
		required: true,
		displayOptions: show,
		placeholder: 'https://api.example.com/endpoint',
		description:
			'The HTTPS URL the gateway calls with the mapped client certificate, sent in LP-Forward-URL as parsed (a bare host gets its "/", :443 is dropped). Spellings that parsers read differently (backslashes, user info, tabs, encoded or shorthand hosts) are refused.',
	},
	{
		displayName: 'Service Name',
		name: 'serviceName',
		type: 'options',
		default: 'WEBHOOKS',
		displayOptions: show,
		options: serviceNameOptions,
		description: 'Sent as LP-service-name: with the account and the URL it selects the certificate',
	},
	{
		displayName: 'Authorization Override',
		name: 'authorizationOverride',
		type: 'string',
		typeOptions: { password: true },
		default: '',
		displayOptions: show,
		placeholder: 'Bearer …',
		description: 'The Authorization header the target receives (LP-authorization-override); the gateway itself gets the credential\'s',
	},
	{
		displayName: 'Stop If Certificate Not Found',
		name: 'stopIfCertificateNotFound',
		type: 'boolean',
		default: false,
		displayOptions: show,
		description:
			'Whether the gateway refuses the call when no certificate is mapped (LP-stop-if-certificate-not-found). Off (the documented default): the gateway calls the target over plain TLS without a client certificate. On: the gateway refuses; when it answers 400 or 500 the node asks the mapping check (cached for a minute) and reports "no certificate mapped" only if the check says so, otherwise the answer is the target\'s.',
	},
	{
		displayName: 'Send Headers',
		name: 'sendHeaders',
		type: 'boolean',
		default: false,
		displayOptions: show,
		description: 'Whether to pass headers to the target',
	},
	nameValueList({
		displayName: 'Headers',
		name: 'headerParameters',
		itemName: 'Header',
		placeholder: 'Add Header',
		displayOptions: { show: { operation: ['forward'], sendHeaders: [true] } },
		startWithOne: true,
	}),
	{
		displayName: 'Body',
		name: 'bodyType',
		type: 'options',
		default: 'none',
		displayOptions: { show: { operation: ['forward'], method: ['POST', 'PUT', 'DELETE'] } },
		options: [
			{ name: 'None', value: 'none' },
			{ name: 'JSON', value: 'json' },
			{ name: 'Raw Text', value: 'raw' },
			{ name: 'Binary File', value: 'binary' },
		],
		description: 'What the target receives as body (passed through byte for byte)',
	},
	{
		displayName: 'JSON Body',
		name: 'jsonBody',
		type: 'json',
		default: '{}',
		displayOptions: { show: { operation: ['forward'], method: ['POST', 'PUT', 'DELETE'], bodyType: ['json'] } },
	},
	{
		displayName: 'Raw Body',
		name: 'rawBody',
		type: 'string',
		typeOptions: { rows: 4 },
		default: '',
		displayOptions: { show: { operation: ['forward'], method: ['POST', 'PUT', 'DELETE'], bodyType: ['raw'] } },
	},
	{
		displayName: 'Content Type',
		name: 'rawContentType',
		type: 'string',
		default: 'text/plain',
		displayOptions: { show: { operation: ['forward'], method: ['POST', 'PUT', 'DELETE'], bodyType: ['raw'] } },
	},
	{
		displayName: 'Input Binary Field',
		name: 'bodyBinaryPropertyName',
		type: 'string',
		default: 'data',
		displayOptions: { show: { operation: ['forward'], method: ['POST', 'PUT', 'DELETE'], bodyType: ['binary'] } },
		description: 'The binary property whose bytes are sent; its MIME type becomes the Content-Type',
	},
	{
		displayName: 'Response Format',
		name: 'responseFormat',
		type: 'options',
		default: 'autodetect',
		displayOptions: show,
		options: [
			{ name: 'Autodetect', value: 'autodetect', description: 'JSON when the answer is JSON, text otherwise' },
			{ name: 'JSON', value: 'json' },
			{ name: 'Text', value: 'text' },
			{ name: 'File', value: 'binary', description: 'The answer as binary data' },
		],
		description: 'How the target\'s answer is returned',
	},
	{
		displayName: 'Put Output in Field',
		name: 'outputBinaryPropertyName',
		type: 'string',
		default: 'data',
		displayOptions: { show: { operation: ['forward'], responseFormat: ['binary'] } },
		description: 'The binary property that receives the answer',
	},
];

/** Forward-only options (shown in the shared Options collection). */
export const forwardOptions: INodeProperties[] = [
	{
		displayName: ALLOW_OPTION_NAME,
		name: 'allowedInternalNetworks',
		type: 'string',
		default: '',
		placeholder: 'loopback, 10.0.0.0/8',
		displayOptions: { show: { '/operation': ['forward', 'checkMapping', 'createMapping'] } },
		description:
			'Target URLs (to forward to, or to map a certificate to) pointing at internal addresses (loopback, private networks, link-local, …) are refused. List the classes or CIDR blocks to allow, separated by commas.',
	},
	{
		displayName: 'Full Response',
		name: 'fullResponse',
		type: 'boolean',
		default: false,
		displayOptions: { show: { '/operation': ['forward'] } },
		description: 'Whether to return the status code and headers with the body',
	},
	{
		displayName: 'Max Response Size (MB)',
		name: 'maxResponseSizeMb',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 512 },
		default: 10,
		displayOptions: { show: { '/operation': ['forward'] } },
		description: 'Larger answers fail instead of filling the memory',
	},
	{
		displayName: 'Never Error',
		name: 'neverError',
		type: 'boolean',
		default: false,
		displayOptions: { show: { '/operation': ['forward'] } },
		description: 'Whether a target answer outside 2xx is returned as output instead of failing (gateway errors such as a confirmed missing mapping, a failed target connection or a refused gateway credential still fail)',
	},
];

interface ForwardOptions {
	allowedInternalNetworks?: string;
	fullResponse?: boolean;
	neverError?: boolean;
}

async function bodyOf(this: IExecuteFunctions, i: number, headers: Record<string, string>): Promise<Buffer | string | undefined> {
	const method = this.getNodeParameter('method', i, 'GET') as string;
	if (method === 'GET') return undefined;
	const type = this.getNodeParameter('bodyType', i, 'none') as string;
	const has = (name: string) => Object.keys(headers).some((h) => h.toLowerCase() === name);
	if (type === 'json') {
		const raw = this.getNodeParameter('jsonBody', i, '{}') as unknown;
		let text: string;
		if (typeof raw === 'string') {
			try {
				JSON.parse(raw);
			} catch {
				throw inputError('jsonBody', 'JSON Body is not valid JSON', undefined, 'MTLS_JSON_BODY');
			}
			text = raw;
		} else {
			text = JSON.stringify(raw);
		}
		if (!has('content-type')) headers['content-type'] = 'application/json';
		return text;
	}
	if (type === 'raw') {
		if (!has('content-type')) headers['content-type'] = (this.getNodeParameter('rawContentType', i, 'text/plain') as string) || 'text/plain';
		return this.getNodeParameter('rawBody', i, '') as string;
	}
	if (type === 'binary') {
		const property = this.getNodeParameter('bodyBinaryPropertyName', i, 'data') as string;
		const meta = this.helpers.assertBinaryData(i, property);
		if (!has('content-type') && meta.mimeType) headers['content-type'] = meta.mimeType;
		return this.helpers.getBinaryDataBuffer(i, property);
	}
	return undefined;
}

export async function execute(this: IExecuteFunctions, i: number, client: MtlsClient, options: ForwardOptions): Promise<INodeExecutionData> {
	// The target rule (spelling, and internal addresses refused unless allowed) is lib's
	// `checkTargetUrl`, applied by the client to every target URL (Forward, Check / Create Mapping).
	const targetUrl = validateTargetUrl(this.getNodeParameter('targetUrl', i, ''), 'targetUrl');

	const headers: Record<string, string> = {};
	if (this.getNodeParameter('sendHeaders', i, false)) {
		for (const { name, value } of nameValuePairs(this.getNodeParameter('headerParameters', i, {}))) if (name) headers[name] = value;
	}
	const body = await bodyOf.call(this, i, headers);
	const input: ForwardInput = {
		method: this.getNodeParameter('method', i, 'GET') as string,
		targetUrl,
		serviceName: this.getNodeParameter('serviceName', i, 'WEBHOOKS') as string,
		authorizationOverride: (this.getNodeParameter('authorizationOverride', i, '') as string) || undefined,
		stopIfCertificateNotFound: this.getNodeParameter('stopIfCertificateNotFound', i, false) as boolean,
		headers,
		body,
	};
	const result = await client.forward(input);
	// The result carries every secret in scope of the call (strategy, connection, target Authorization).
	if ((result.statusCode < 200 || result.statusCode > 299) && !options.neverError) throw targetStatusError(result, targetUrl);

	const format = this.getNodeParameter('responseFormat', i, 'autodetect') as string;
	const contentType = result.headers['content-type'] ?? '';
	const meta: IDataObject = options.fullResponse ? { statusCode: result.statusCode, headers: result.headers } : {};
	if (format === 'binary') {
		const property = (this.getNodeParameter('outputBinaryPropertyName', i, 'data') as string) || 'data';
		const binary = await this.helpers.prepareBinaryData(result.body, undefined, contentType.split(';')[0] || 'application/octet-stream');
		return { json: { ...meta, ...(options.fullResponse ? {} : { statusCode: result.statusCode }) }, binary: { [property]: binary } };
	}
	const text = result.body.toString('utf8');
	let data: unknown = text;
	if (format === 'json' || (format === 'autodetect' && /json/i.test(contentType))) {
		try {
			data = text.trim() ? JSON.parse(text) : null;
		} catch {
			if (format === 'json') throw inputError('responseFormat', `The target answered HTTP ${result.statusCode} with data that is not JSON`, 'Choose Text or File as Response Format.', 'MTLS_RESPONSE_NOT_JSON');
		}
	}
	if (options.fullResponse) return { json: { ...meta, body: data as IDataObject } };
	if (typeof data === 'object' && data !== null && !Array.isArray(data)) return { json: data as IDataObject };
	return { json: { data: data as IDataObject } };
}
