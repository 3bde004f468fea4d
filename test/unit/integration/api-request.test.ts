/** Pure request building and response processing of the API Integration node. */
import { buildApiRequest, processApiResponse } from '../../../lib/integration/api-request';
import type { HttpResponse } from '../../../lib/http';

const res = (status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}): HttpResponse => ({
	status,
	headers: { 'content-type': type, ...extra },
	body: Buffer.isBuffer(body) ? body : Buffer.from(body),
	attempts: 1,
});
const url = new URL('https://api.example.com/files/report.pdf');

describe('buildApiRequest', () => {
	test('query, headers, JSON body', () => {
		const r = buildApiRequest({
			method: 'post',
			url: 'https://api.example.com/v1/orders?a=1',
			query: [{ name: 'b', value: 'x y' }, { name: '', value: 'ignored' }],
			headers: [{ name: 'X-Trace', value: 't1' }],
			bodyType: 'json',
			json: '{"id": 1}',
		});
		expect(r.method).toBe('POST');
		expect(r.url.toString()).toBe('https://api.example.com/v1/orders?a=1&b=x+y');
		expect(r.headers).toMatchObject({ 'x-trace': 't1', 'content-type': 'application/json;charset=UTF-8' });
		expect(r.body).toBe('{"id":1}');
	});

	test('form, raw and binary bodies; own Content-Type wins', () => {
		expect(buildApiRequest({ method: 'POST', url: 'https://a.example', bodyType: 'form', form: [{ name: 'k', value: 'v&w' }] }).body).toBe('k=v%26w');
		const raw = buildApiRequest({ method: 'PUT', url: 'https://a.example', bodyType: 'raw', raw: '<x/>', rawContentType: 'text/xml', headers: [{ name: 'Content-Type', value: 'application/xml' }] });
		expect(raw.headers['content-type']).toBe('application/xml');
		const bin = buildApiRequest({ method: 'POST', url: 'https://a.example', bodyType: 'binary', binary: { data: Buffer.from([1, 2]), mimeType: 'image/png' } });
		expect(bin.body).toEqual(Buffer.from([1, 2]));
		expect(bin.headers['content-type']).toBe('image/png');
	});

	test.each([
		[{ method: 'GET', url: 'not a url' }, 'url', /valid absolute URL/],
		[{ method: 'GET', url: 'ftp://a.example' }, 'url', /https/],
		[{ method: 'TRACE', url: 'https://a.example' }, 'method', /Unsupported method/],
		[{ method: 'POST', url: 'https://a.example', bodyType: 'json' as const, json: '{bad' }, 'jsonBody', /not valid JSON/],
		[{ method: 'GET', url: 'https://a.example', bodyType: 'raw' as const, raw: 'x' }, 'bodyType', /cannot have a body/],
		[{ method: 'GET', url: 'https://a.example', headers: [{ name: 'X', value: 'a\r\nInjected: 1' }] }, 'headers', /line breaks/],
	])('refuses %j', (params, field, message) => {
		let error: { field?: string; message: string } | undefined;
		try {
			buildApiRequest(params);
		} catch (e) {
			error = e as { field?: string; message: string };
		}
		expect(error?.field).toBe(field);
		expect(error?.message).toMatch(message);
	});
});

describe('processApiResponse', () => {
	test('autodetect: JSON, text, binary (file name from Content-Disposition or path)', () => {
		expect(processApiResponse(res(200, 'application/json', '{"a":1}'), { format: 'autodetect', url, serviceName: 'API' }).json).toEqual({ a: 1 });
		expect(processApiResponse(res(200, 'text/plain', 'hi'), { format: 'autodetect', url, serviceName: 'API' }).text).toBe('hi');
		const bin = processApiResponse(res(200, 'application/pdf', Buffer.from('%PDF')), { format: 'autodetect', url, serviceName: 'API' });
		expect(bin.binary).toMatchObject({ fileName: 'report.pdf', mimeType: 'application/pdf' });
		const named = processApiResponse(res(200, 'application/octet-stream', 'x', { 'content-disposition': 'attachment; filename="a b.csv"' }), { format: 'binary', url, serviceName: 'API' });
		expect(named.binary?.fileName).toBe('a b.csv');
	});

	test('non-2xx throws with the status unless Never Error', () => {
		expect(() => processApiResponse(res(404, 'application/json', '{}'), { format: 'json', url, serviceName: 'API' })).toThrow(/HTTP 404/);
		expect(processApiResponse(res(404, 'application/json', '{"e":1}'), { format: 'json', neverError: true, url, serviceName: 'API' }).status).toBe(404);
	});

	test('JSON expected but HTML came: clear error', () => {
		expect(() => processApiResponse(res(200, 'text/html', '<html>login</html>'), { format: 'json', url, serviceName: 'API' })).toThrow(/HTML page/);
	});
});
