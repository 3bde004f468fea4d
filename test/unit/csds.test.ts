import fc from 'fast-check';
import { LpError } from '../../lib/errors';
import {
	buildCsdsRequest,
	parseCsdsHost,
	processCsdsResponse,
	processCsdsServiceResponse,
	serviceBaseUrl,
	validateAccountId,
	validateServiceName,
} from '../../lib/liveperson/csds';
import type { HttpResponse } from '../../lib/http';

const res = (status: number, body: string, contentType = 'application/json'): HttpResponse => ({
	status,
	headers: { 'content-type': contentType },
	body: Buffer.from(body),
	attempts: 1,
});

describe('CSDS request building', () => {
	it('builds the documented all-services and one-service URLs', () => {
		const target = parseCsdsHost('api.liveperson.net');
		expect(buildCsdsRequest(target, '12345678').url).toBe('https://api.liveperson.net/api/account/12345678/service/baseURI.json?version=1.0');
		expect(buildCsdsRequest(target, '12345678', 'agentVep').url).toBe(
			'https://api.liveperson.net/api/account/12345678/service/agentVep/baseURI.json?version=1.0',
		);
	});

	it('keeps the scheme of an http CSDS host for the service hosts (emulator)', () => {
		const target = parseCsdsHost('http://127.0.0.1:8090');
		expect(target.origin).toBe('http://127.0.0.1:8090');
		expect(serviceBaseUrl(target, '127.0.0.1:8090')).toBe('http://127.0.0.1:8090');
		expect(serviceBaseUrl(parseCsdsHost(''), 'va.sentinel.liveperson.net')).toBe('https://va.sentinel.liveperson.net');
	});

	it.each([
		['ftp://api.liveperson.net', 'CSDS_HOST_SCHEME'],
		['https://api.liveperson.net/some/path', 'CSDS_HOST_INVALID'],
		['https://user:pw@api.liveperson.net', 'CSDS_HOST_INVALID'],
		['http://exa mple.com', 'CSDS_HOST_INVALID'],
	])('refuses the CSDS host %s', (host, code) => {
		expect(() => parseCsdsHost(host)).toThrow(expect.objectContaining({ code, field: 'csdsHost' }));
	});

	it.each([
		['', 'ACCOUNT_ID_EMPTY'],
		['   ', 'ACCOUNT_ID_EMPTY'],
		['123/456', 'ACCOUNT_ID_MALFORMED'],
		['12 34', 'ACCOUNT_ID_MALFORMED'],
		['../etc', 'ACCOUNT_ID_MALFORMED'],
		['a'.repeat(65), 'ACCOUNT_ID_MALFORMED'],
	])('refuses the account ID %j naming the field', (id, code) => {
		expect(() => validateAccountId(id)).toThrow(expect.objectContaining({ code, field: 'accountId' }));
	});

	it('accepts numeric and test-account IDs, trimmed', () => {
		expect(validateAccountId(' 12345678 ')).toBe('12345678');
		expect(validateAccountId(12345678)).toBe('12345678');
		expect(validateAccountId('le12345678')).toBe('le12345678');
	});

	it('refuses empty and malformed service names', () => {
		expect(() => validateServiceName('')).toThrow(expect.objectContaining({ code: 'SERVICE_EMPTY' }));
		expect(() => validateServiceName('agent Vep')).toThrow(expect.objectContaining({ code: 'SERVICE_MALFORMED' }));
	});
});

describe('processCsdsResponse', () => {
	const ok = JSON.stringify({
		baseURIs: [
			{ service: 'agentVep', account: '123', baseURI: 'va.agentvep.liveperson.net' },
			{ service: 'sentinel', account: '123', baseURI: 'va.sentinel.liveperson.net' },
		],
	});

	it('returns the documented list', () => {
		expect(processCsdsResponse(res(200, ok), '123')).toEqual([
			{ service: 'agentVep', account: '123', baseURI: 'va.agentvep.liveperson.net' },
			{ service: 'sentinel', account: '123', baseURI: 'va.sentinel.liveperson.net' },
		]);
	});

	it('drops entries whose baseURI is not a host (no scheme or path injection)', () => {
		const body = JSON.stringify({ baseURIs: [{ service: 'a', baseURI: 'evil.com/path' }, { service: 'b', baseURI: 'ok.example.com:8443' }] });
		expect(processCsdsResponse(res(200, body), '1').map((d) => d.service)).toEqual(['b']);
	});

	it.each([
		[res(401, '{"error":"bad"}'), 'HTTP_401', /CSDS answered HTTP 401/],
		[res(500, 'oops'), 'HTTP_500', /HTTP 500/],
		[res(200, '<html><body>Login</body></html>', 'text/html'), 'HTML_RESPONSE', /HTML page/],
		[res(200, ''), 'EMPTY_RESPONSE', /empty body/],
		[res(200, '{"baseURIs": []}'), 'CSDS_EMPTY', /no service domains for account 123/],
		[res(200, '{"foo": 1}'), 'CSDS_SHAPE', /without a "baseURIs" list/],
		[res(200, '{"baseURIs": [1, null, {"service": 2}]}'), 'CSDS_EMPTY', /no service domains/],
		[res(200, '{"baseURIs": ['), 'INVALID_JSON', /not valid JSON/],
	])('gives a clear error (%#)', (response, code, message) => {
		let caught: unknown;
		try {
			processCsdsResponse(response, '123');
		} catch (error) {
			caught = error;
		}
		expect(caught).toBeInstanceOf(LpError);
		expect(caught).toMatchObject({ code });
		expect((caught as Error).message).toMatch(message);
	});

	it('names the account on 401 in the hint', () => {
		expect(() => processCsdsResponse(res(401, ''), '999')).toThrow(expect.objectContaining({ hint: expect.stringContaining('account 999') }));
	});

	it('single service: documented shape, 404 as unknown service', () => {
		expect(processCsdsServiceResponse(res(200, '{"service":"agentVep","account":"1","baseURI":"h.example.com"}'), '1', 'agentVep').baseURI).toBe('h.example.com');
		expect(() => processCsdsServiceResponse(res(404, '{}'), '1', 'nope')).toThrow(expect.objectContaining({ code: 'CSDS_UNKNOWN_SERVICE', field: 'service' }));
	});

	it('never throws anything but LpError, whatever the server sends (property)', () => {
		fc.assert(
			fc.property(fc.integer({ min: 100, max: 599 }), fc.oneof(fc.string(), fc.json()), (status, body) => {
				try {
					const out = processCsdsResponse(res(status, body), '1');
					expect(out.length).toBeGreaterThan(0);
				} catch (error) {
					if (!(error instanceof LpError)) throw error;
				}
			}),
			{ numRuns: 500 },
		);
	});
});
