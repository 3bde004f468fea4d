import forge from 'node-forge';
import { LpError } from '../../../lib/errors';
import type { HttpResponse } from '../../../lib/http';
import {
	buildCheckMappingRequest,
	buildCreateMappingRequest,
	buildDeleteCertificateRequest,
	buildListMappingsRequest,
	buildForwardRequest,
	buildListCertificatesRequest,
	buildUploadCertificateRequest,
	forwardNeedsMappingCheck,
	gatewayAuthError,
	inspectP12,
	normaliseHostOverride,
	processCheckMappingResponse,
	processCreateMappingResponse,
	processDeleteCertificateResponse,
	processListMappingsResponse,
	processForwardResponse,
	processListCertificatesResponse,
	processUploadCertificateResponse,
	resolveGatewayAuth,
	serviceIdOf,
	targetStatusError,
	validateTargetUrl,
	foldHeaderName,
} from '../../../lib/liveperson/mtls-gateway';
import { OutboundPolicy } from '../../../lib/net/policy';
import fc from 'fast-check';

const GW = 'https://va-a.mtls.liveperson.net';
const ACC = '12345678';
const TARGET = 'https://api.example.com/hook?x=1&y=2';

function res(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
	const text = body === undefined ? '' : Buffer.isBuffer(body) ? body : typeof body === 'string' ? body : JSON.stringify(body);
	return { status, headers: { 'content-type': 'application/json', ...headers }, body: Buffer.isBuffer(text) ? text : Buffer.from(text), attempts: 1 };
}

function thrown(fn: () => unknown): LpError {
	try {
		fn();
	} catch (error) {
		expect(error).toBeInstanceOf(LpError);
		return error as LpError;
	}
	throw new Error('expected an error');
}

describe('check mapping', () => {
	const pairs = [
		{ serviceName: 'IDP', url: TARGET },
		{ serviceName: 'WEBHOOKS', url: 'https://other.example.com/' },
	];

	it('builds the gateway v2 request with accountId per pair', () => {
		const req = buildCheckMappingRequest(`${GW}/`, ACC, pairs, 'gatewayV2');
		expect(req.method).toBe('POST');
		expect(req.url).toBe(`${GW}/mtls/mapping?v=2`);
		expect(JSON.parse(String(req.body))).toEqual([
			{ serviceName: 'IDP', accountId: ACC, url: TARGET },
			{ serviceName: 'WEBHOOKS', accountId: ACC, url: 'https://other.example.com/' },
		]);
	});

	it('builds the v1 and account-checks variants', () => {
		expect(buildCheckMappingRequest(GW, ACC, pairs, 'gatewayV1').url).toBe(`${GW}/mtls/mapping?v=1`);
		const acc = buildCheckMappingRequest(GW, ACC, pairs, 'account');
		expect(acc.url).toBe(`${GW}/api/account/${ACC}/checks/serviceUrlMappings`);
		expect(JSON.parse(String(acc.body))).toEqual(pairs);
	});

	it('reads the v2 answer (doExist) in query order', () => {
		const out = processCheckMappingResponse(
			res(200, [
				{ serviceName: 'WEBHOOKS', accountId: ACC, url: 'https://other.example.com/', doExist: false },
				{ serviceName: 'IDP', accountId: ACC, url: TARGET, doExist: true },
			]),
			ACC,
			pairs,
			'gatewayV2',
		);
		expect(out.map((r) => r.exists)).toEqual([true, false]);
		expect(out[0]).toEqual({ serviceName: 'IDP', url: TARGET, accountId: ACC, exists: true });
	});

	it('reads the v1 answer keyed by CertificateMappingParamters{…}', () => {
		const body = {
			[`CertificateMappingParamters{serviceName='IDP', accountId='${ACC}', url='${TARGET}'}`]: true,
			[`CertificateMappingParamters{serviceName='WEBHOOKS', accountId='${ACC}', url='https://other.example.com/'}`]: false,
		};
		expect(processCheckMappingResponse(res(200, body), ACC, pairs, 'gatewayV1').map((r) => r.exists)).toEqual([true, false]);
	});

	it('reads the account answer (exist)', () => {
		const out = processCheckMappingResponse(res(200, [{ serviceName: 'IDP', url: TARGET, exist: false }, { serviceName: 'WEBHOOKS', url: 'https://other.example.com/', exist: true }]), ACC, pairs, 'account');
		expect(out.map((r) => r.exists)).toEqual([false, true]);
	});

	it('fails clearly when a pair has no result, and on 401', () => {
		expect(thrown(() => processCheckMappingResponse(res(200, []), ACC, pairs)).code).toBe('MTLS_CHECK_SHAPE');
		const e = thrown(() => processCheckMappingResponse(res(401, { message: 'no' }), ACC, pairs));
		expect(e.status).toBe(401);
		expect(e.hint).toMatch(/AppKey/);
	});

	it('validates pairs before building', () => {
		expect(thrown(() => buildCheckMappingRequest(GW, ACC, [])).code).toBe('MTLS_NO_PAIRS');
		expect(thrown(() => buildCheckMappingRequest(GW, ACC, [{ serviceName: 'IDP', url: 'http://plain.example.com' }])).code).toBe('MTLS_URL_SCHEME');
		expect(thrown(() => buildCheckMappingRequest(GW, ACC, [{ serviceName: 'I D P', url: TARGET }])).code).toBe('MTLS_SERVICE_INVALID');
	});
});

describe('forward', () => {
	it('sets the LP headers, the URL as parsed and the body as bytes', () => {
		const body = Buffer.from([0, 1, 2, 0xff, 0xfe]);
		const req = buildForwardRequest(GW, ACC, {
			method: 'post',
			targetUrl: `  ${TARGET}  `,
			serviceName: 'WEBHOOKS',
			authorizationOverride: 'Bearer target-secret-token',
			headers: { 'Content-Type': 'application/octet-stream', 'X-Trace': 'abc' },
			body,
		});
		expect(req.method).toBe('POST');
		expect(req.url).toBe(`${GW}/mtls/account/${ACC}`);
		expect(req.headers).toMatchObject({
			'lp-forward-url': TARGET,
			'lp-service-name': 'WEBHOOKS',
			'lp-authorization-override': 'Bearer target-secret-token',
			'lp-stop-if-certificate-not-found': 'false',
			'content-type': 'application/octet-stream',
			'x-trace': 'abc',
		});
		expect(Buffer.compare(req.body as Buffer, body)).toBe(0);
		expect(req.secrets).toContain('target-secret-token');
	});

	it('moves an Authorization header into LP-authorization-override (as LivePerson\'s client does)', () => {
		const req = buildForwardRequest(GW, ACC, { method: 'GET', targetUrl: TARGET, headers: { Authorization: 'Basic dXNlcjpwYXNz' }, stopIfCertificateNotFound: false });
		expect(req.headers.authorization).toBeUndefined();
		expect(req.headers['lp-authorization-override']).toBe('Basic dXNlcjpwYXNz');
		expect(req.headers['lp-stop-if-certificate-not-found']).toBe('false');
	});

	it('refuses reserved headers, unknown methods, GET bodies and header injection', () => {
		expect(thrown(() => buildForwardRequest(GW, ACC, { method: 'GET', targetUrl: TARGET, headers: { 'LP-forward-url': 'x' } })).code).toBe('MTLS_HEADER_RESERVED');
		expect(thrown(() => buildForwardRequest(GW, ACC, { method: 'PATCH', targetUrl: TARGET })).code).toBe('MTLS_METHOD');
		expect(thrown(() => buildForwardRequest(GW, ACC, { method: 'GET', targetUrl: TARGET, body: 'x' })).code).toBe('MTLS_GET_BODY');
		expect(thrown(() => buildForwardRequest(GW, ACC, { method: 'GET', targetUrl: TARGET, headers: { a: 'x\r\nb: y' } })).code).toBe('MTLS_HEADER_VALUE');
		expect(thrown(() => buildForwardRequest(GW, ACC, { method: 'GET', targetUrl: 'https://user:pw@example.com/' })).code).toBe('MTLS_URL_USERINFO');
	});

	it('decodes a 424 from the transport headers into a clear, secret-free error', () => {
		const e = thrown(() =>
			processForwardResponse(res(424, '', { 'lp-message-from-transport': 'Connection%20refused%20using%20target-secret-token', 'lp-error-from-transport': 'java.net.ConnectException' }), {
				targetUrl: TARGET,
				secrets: ['target-secret-token'],
			}),
		);
		expect(e.code).toBe('MTLS_TARGET_FAILED');
		expect(e.status).toBe(424);
		expect(e.message).toContain('Connection refused');
		expect(e.message).toContain('java.net.ConnectException');
		expect(JSON.stringify(e.toJSON())).not.toContain('target-secret-token');
	});

	it('defaults LP-stop-if-certificate-not-found to false as documented, true only when asked', () => {
		expect(buildForwardRequest(GW, ACC, { method: 'GET', targetUrl: TARGET }).headers['lp-stop-if-certificate-not-found']).toBe('false');
		expect(buildForwardRequest(GW, ACC, { method: 'GET', targetUrl: TARGET, stopIfCertificateNotFound: true }).headers['lp-stop-if-certificate-not-found']).toBe('true');
	});

	it('reports "no certificate mapped" only when the mapping check denied it, never from the status alone', () => {
		const ctx = { targetUrl: TARGET, serviceName: 'IDP', stopIfCertificateNotFound: true };
		for (const status of [500, 400]) {
			expect(forwardNeedsMappingCheck(res(status, 'x'), ctx)).toBe(true);
			const e = thrown(() => processForwardResponse(res(status, { error: 'x' }), { ...ctx, mappingExists: false }));
			expect(e.code).toBe('MTLS_NO_MAPPING');
			expect(e.message).toBe(`No mTLS certificate is mapped for IDP/${TARGET}`);
			// The mapping exists, or the check could not tell: the target's own answer.
			expect(processForwardResponse(res(status, 'boom'), { ...ctx, mappingExists: true }).statusCode).toBe(status);
			expect(processForwardResponse(res(status, 'boom'), ctx).statusCode).toBe(status);
		}
		// Stop off (the default), other statuses, gateway markers: no check needed.
		expect(forwardNeedsMappingCheck(res(500, 'x'), { ...ctx, stopIfCertificateNotFound: false })).toBe(false);
		expect(forwardNeedsMappingCheck(res(502, 'x'), ctx)).toBe(false);
		expect(forwardNeedsMappingCheck(res(500, 'x', { 'lp-message-from-transport': 'x' }), ctx)).toBe(false);
		expect(processForwardResponse(res(500, 'boom'), { targetUrl: TARGET, mappingExists: false }).statusCode).toBe(500);
	});

	it('picks the gateway authentication per call and names it on 401/403', () => {
		const cc = { accountId: ACC, authMethod: 'clientCredentials', clientCredentialsFlow: 'loginService', username: 'bot', clientId: 'cid', clientSecret: 'csecret-value' };
		expect(resolveGatewayAuth(cc, 'documented', 'forward').creds.clientCredentialsFlow).toBe('sentinel');
		expect(resolveGatewayAuth(cc, 'documented', 'activate').label).toMatch(/Sentinel/);
		expect(resolveGatewayAuth(cc, 'documented', 'certificates').label).toMatch(/Login Service bearer \(application login\)/);
		expect(resolveGatewayAuth(cc, 'credential', 'forward').label).toMatch(/Login Service/);
		const user = { accountId: ACC, authMethod: 'userPassword', username: 'u', password: 'pw-secret' };
		expect(resolveGatewayAuth(user, 'documented', 'forward').label).toBe('Login Service bearer (user login)');
		expect(thrown(() => resolveGatewayAuth(user, 'sentinel', 'forward')).field).toBe('clientId');
		expect(thrown(() => resolveGatewayAuth(user, 'oauth1', 'forward')).field).toBe('appKey');
		expect(thrown(() => resolveGatewayAuth(user, 'bogus', 'forward')).code).toBe('MTLS_GATEWAY_AUTH');
		const e = gatewayAuthError(new LpError('http', 'LivePerson mTLS gateway answered HTTP 403', { status: 403 }), 'forward', 'Login Service bearer (user login)');
		expect(e.message).toContain('sent: Login Service bearer (user login)');
		expect(e.hint).toContain('AppKey (OAuth1) only');
		expect(e.hint).toContain('Sentinel app token');
		const other = new LpError('http', 'x', { status: 500 });
		expect(gatewayAuthError(other, 'forward', 'y')).toBe(other);
	});

	it('passes the target answer through and reports gateway auth failures', () => {
		const out = processForwardResponse(res(201, Buffer.from([1, 2, 3]), { 'x-echo': 'y' }), { targetUrl: TARGET });
		expect(out.statusCode).toBe(201);
		expect([...out.body]).toEqual([1, 2, 3]);
		expect(out.headers['x-echo']).toBe('y');
		expect(thrown(() => processForwardResponse(res(401, '', { 'www-authenticate': 'Bearer' }), { targetUrl: TARGET })).code).toBe('MTLS_AUTH_REFUSED');
		expect(targetStatusError({ statusCode: 404, headers: {}, body: Buffer.from('nope'), secrets: [] }, TARGET).message).toContain('HTTP 404');
	});
});

describe('certificates', () => {
	it('lists certificates (a list, or an object holding one)', () => {
		expect(buildListCertificatesRequest(GW, ACC).url).toBe(`${GW}/mtls/account/${ACC}/certificates`);
		const cert = { id: 2628739923, name: 'c', status: 'Available' };
		expect(processListCertificatesResponse(res(200, [cert]))).toEqual([cert]);
		expect(processListCertificatesResponse(res(200, { certificates: [cert] }))).toEqual([cert]);
		expect(thrown(() => processListCertificatesResponse(res(200, { a: 1 }))).code).toBe('MTLS_LIST_SHAPE');
	});

	it('builds a multipart upload with the file bytes and the certificate JSON part', () => {
		const p12 = Buffer.from([0x30, 0x82, 0x00, 0x01, 0xff, 0x00]);
		const req = buildUploadCertificateRequest(GW, ACC, { p12, name: 'myCertificate', password: 'p12-secret-pw', boundary: 'BOUNDARY' });
		expect(req.url).toBe(`${GW}/mtls/account/${ACC}/certificates/by-file`);
		expect(req.headers['content-type']).toBe('multipart/form-data; boundary=BOUNDARY');
		const body = req.body as Buffer;
		expect(body.includes(p12)).toBe(true);
		expect(body.toString('latin1')).toContain('Content-Disposition: form-data; name="file"; filename="myCertificate.p12"');
		expect(body.toString('latin1')).toContain('{"name":"myCertificate","password":"p12-secret-pw"}');
		expect(body.toString('latin1').endsWith('--BOUNDARY--\r\n')).toBe(true);
		expect(req.secrets).toContain('p12-secret-pw');
		expect(thrown(() => buildUploadCertificateRequest(GW, ACC, { p12: Buffer.from('-----BEGIN'), name: 'x' })).code).toBe('P12_INVALID');
	});

	it('reads the upload answer (documented spelling) and fails when nothing was saved', () => {
		const saved = { id: 1, name: 'myCertificate', status: 'Available' };
		expect(processUploadCertificateResponse(res(201, { successfulySavedCertificates: [saved], failedSaveToVaultCertificates: [] })).saved).toEqual([saved]);
		expect(thrown(() => processUploadCertificateResponse(res(201, { successfulySavedCertificates: [], failedSaveToVaultCertificates: [{}] }))).code).toBe('MTLS_UPLOAD_FAILED');
		expect(thrown(() => processUploadCertificateResponse(res(409, {}))).code).toBe('MTLS_CERT_DUPLICATE');
	});

	it('opens a PKCS#12 locally and refuses a wrong password', () => {
		const keys = forge.pki.rsa.generateKeyPair(1024);
		const cert = forge.pki.createCertificate();
		cert.publicKey = keys.publicKey;
		cert.serialNumber = '01';
		cert.validity.notBefore = new Date();
		cert.validity.notAfter = new Date(Date.now() + 86400000);
		cert.setSubject([{ name: 'commonName', value: 'unit-client' }]);
		cert.setIssuer([{ name: 'commonName', value: 'unit-client' }]);
		cert.sign(keys.privateKey, forge.md.sha256.create());
		const asn = forge.pkcs12.toPkcs12Asn1(keys.privateKey, [cert], 'right-password', { algorithm: '3des' });
		const der = Buffer.from(forge.asn1.toDer(asn).getBytes(), 'binary');
		const info = inspectP12(der, 'right-password');
		expect(info.subject).toContain('unit-client');
		expect(info.hasKey).toBe(true);
		const e = thrown(() => inspectP12(der, 'wrong-password'));
		expect(e.code).toBe('P12_PASSWORD');
		expect(e.message).not.toContain('wrong-password');
	});
});

describe('list mappings / delete certificate', () => {
	it('lists the ac-common mappings with service names, deleted ones dropped', () => {
		expect(buildListMappingsRequest('https://va.ac.liveperson.net', ACC)).toMatchObject({ method: 'GET', url: `https://va.ac.liveperson.net/api/account/${ACC}/configuration/ac-common/mtls?v=3.0` });
		const list = processListMappingsResponse(res(200, [{ id: 1, serviceId: '2', url: TARGET }, { id: 2, serviceId: '0', deleted: true }, { id: 3, serviceId: 9 }]));
		expect(list).toEqual([{ id: 1, serviceId: '2', url: TARGET, serviceName: 'WEBHOOKS' }, { id: 3, serviceId: 9 }]);
		expect(thrown(() => processListMappingsResponse(res(200, { a: 1 }))).code).toBe('MTLS_MAPPINGS_SHAPE');
		expect(thrown(() => processListMappingsResponse(res(403, 'no'))).status).toBe(403);
	});

	it('deletes a certificate by its numeric id', () => {
		expect(buildDeleteCertificateRequest(GW, ACC, ' 42 ')).toMatchObject({ method: 'DELETE', url: `${GW}/mtls/account/${ACC}/certificates/42` });
		expect(thrown(() => buildDeleteCertificateRequest(GW, ACC, '../1')).code).toBe('MTLS_CERT_ID');
		expect(processDeleteCertificateResponse(res(200, ''), '42')).toEqual({ deleted: true, certificateId: '42', status: 200 });
		expect(processDeleteCertificateResponse(res(200, { id: 42, deleted: true }), '42').certificate).toEqual({ id: 42, deleted: true });
		expect(thrown(() => processDeleteCertificateResponse(res(404, '{}'), '42')).code).toBe('MTLS_CERT_NOT_FOUND');
	});
});

describe('create mapping', () => {
	it('builds the configuration API request (ac-common v3.0)', () => {
		const req = buildCreateMappingRequest('https://va.ac.liveperson.net', ACC, { certificateId: 2628739923, service: 'WEBHOOKS', url: TARGET, name: 'm1' });
		expect(req.url).toBe(`https://va.ac.liveperson.net/api/account/${ACC}/configuration/ac-common/mtls?v=3.0`);
		expect(JSON.parse(String(req.body))).toEqual([{ certificationId: '2628739923', serviceId: '2', enable: true, url: TARGET, siteId: ACC, name: 'm1', deleted: false }]);
	});

	it('builds the activate variant and decodes its 424', () => {
		const req = buildCreateMappingRequest(GW, ACC, { certificateId: '7', service: 'IDP', url: TARGET, validateUrl: true }, 'activate');
		expect(req.url).toBe(`${GW}/mtls/account/${ACC}/certificates/activate/7?isValidateUrlEnabled=true`);
		expect(JSON.parse(String(req.body))).toEqual({ serviceName: 'IDP', url: TARGET });
		expect(thrown(() => processCreateMappingResponse(res(424, '', { 'lp-message-from-transport': 'handshake failed' }), 'activate', TARGET)).code).toBe('MTLS_TARGET_FAILED');
	});

	it('maps service names to ids and reports duplicates', () => {
		expect(serviceIdOf('idp')).toBe('1');
		expect(serviceIdOf('3')).toBe('3');
		expect(thrown(() => serviceIdOf('FAAS')).code).toBe('MTLS_SERVICE_ID');
		expect(thrown(() => processCreateMappingResponse(res(400, { message: 'Duplicate name' }), 'configuration', TARGET)).code).toBe('MTLS_MAPPING_DUPLICATE');
		expect(processCreateMappingResponse(res(201, [{ id: 5 }]), 'configuration', TARGET)).toEqual({ id: 5 });
		expect(processCreateMappingResponse(res(204, undefined), 'configuration', TARGET)).toEqual({ success: true, status: 204 });
	});
});

describe('helpers', () => {
	it('normalises host overrides and target URLs', () => {
		expect(normaliseHostOverride('va-a.mtls.liveperson.net', 'h')).toBe('https://va-a.mtls.liveperson.net');
		expect(normaliseHostOverride('http://127.0.0.1:8090/', 'h')).toBe('http://127.0.0.1:8090');
		expect(thrown(() => normaliseHostOverride('https://h/path', 'h')).code).toBe('HOST_INVALID');
		expect(validateTargetUrl('https://a.example/x?q=%20')).toBe('https://a.example/x?q=%20');
		expect(thrown(() => validateTargetUrl('https://a.example/é')).code).toBe('MTLS_URL_CHARS');
	});
});

describe('forward target: one host for every parser', () => {
	it.each([
		['https://api.example.com', 'https://api.example.com/'],
		['https://API.Example.com/Path', 'https://api.example.com/Path'],
		['https://api.example.com:443/x', 'https://api.example.com/x'],
		['https://api.example.com:8443/x', 'https://api.example.com:8443/x'],
		['https://api.example.com/a/../b?q=1#f', 'https://api.example.com/b?q=1#f'],
		['https://api.example.com/a b', 'https://api.example.com/a%20b'],
		['https://203.0.113.7/x', 'https://203.0.113.7/x'],
		['https://[2001:db8::1]:8443/x', 'https://[2001:db8::1]:8443/x'],
		['https://[2001:DB8::1]/x', 'https://[2001:db8::1]/x'],
	])('%s is sent as %s', (input, sent) => {
		expect(validateTargetUrl(input, 'targetUrl')).toBe(sent);
		// The spelling only (documentation addresses are refused by the default target policy).
		expect(buildForwardRequest(GW, ACC, { method: 'GET', targetUrl: input }, new OutboundPolicy({ enabled: false })).headers['lp-forward-url']).toBe(sent);
		// What the policy checks is what is sent.
		expect(new URL(sent).href).toBe(sent);
	});

	it.each([
		['a backslash (WHATWG reads it as "/")', 'https://evil.example\\@api.example.com/', 'MTLS_URL_AMBIGUOUS'],
		['a backslash in the path', 'https://api.example.com\\admin', 'MTLS_URL_AMBIGUOUS'],
		['a tab inside the host (WHATWG removes it)', 'https://api.exa\tmple.com/', 'MTLS_URL_AMBIGUOUS'],
		['a newline', 'https://api.example.com/\nx', 'MTLS_URL_AMBIGUOUS'],
		['user info', 'https://user:pw@api.example.com/', 'MTLS_URL_USERINFO'],
		['an empty user info "@"', 'https://@api.example.com/', 'MTLS_URL_USERINFO'],
		['"@" hiding the real host', 'https://api.example.com@169.254.169.254/', 'MTLS_URL_USERINFO'],
		['a percent-encoded host', 'https://api.exa%6dple.com/', 'MTLS_URL_AMBIGUOUS'],
		['an IPv4 shorthand', 'https://127.1/', 'MTLS_URL_AMBIGUOUS'],
		['a hexadecimal IPv4', 'https://0x7f.0.0.1/', 'MTLS_URL_AMBIGUOUS'],
		['a dword IPv4', 'https://2130706433/', 'MTLS_URL_AMBIGUOUS'],
		['an octal-looking IPv4', 'https://0177.0.0.1/', 'MTLS_URL_AMBIGUOUS'],
		['a non-canonical IPv6 literal', 'https://[0:0::1]/', 'MTLS_URL_AMBIGUOUS'],
		['no slashes after the scheme', 'https:api.example.com/x', 'MTLS_URL_AMBIGUOUS'],
		['three slashes', 'https:///api.example.com/x', 'MTLS_URL_AMBIGUOUS'],
		['a port with a leading zero', 'https://api.example.com:0443/', 'MTLS_URL_AMBIGUOUS'],
		['a fullwidth host', 'https://ａｐｉ.example.com/', 'MTLS_URL_CHARS'],
		['http', 'http://api.example.com/', 'MTLS_URL_SCHEME'],
	])('refuses %s naming the field', (_name, input, code) => {
		const error = thrown(() => validateTargetUrl(input, 'targetUrl'));
		expect(error).toMatchObject({ kind: 'input', field: 'targetUrl', code });
		expect(thrown(() => buildForwardRequest(GW, ACC, { method: 'GET', targetUrl: input }))).toMatchObject({ field: 'targetUrl', code });
	});

	it('the ambiguous-host message names the host the parser reads', () => {
		expect(thrown(() => validateTargetUrl('https://127.1/', 'targetUrl')).message).toContain('"127.1" is read as "127.0.0.1"');
	});

	it('a policy check of the sent URL sees the host the gateway is sent to', () => {
		const sent = validateTargetUrl('https://API.example.com:443/x/../y', 'targetUrl');
		const policy = new OutboundPolicy();
		expect(() => policy.checkUrl(new URL(sent))).not.toThrow();
		expect(new URL(sent).hostname).toBe('api.example.com');
	});
});

describe('forward headers: no spelling of an LP-* header gets through', () => {
	it.each([
		'LP-forward-url',
		'lp-Forward-URL',
		'  LP-service-name  ',
		'LP_forward_url',
		'lp_authorization_override',
		'Lp_Stop-If-Certificate-Not-Found',
		'ＬＰ-forward-url', // fullwidth (NFKC folds it to ASCII)
		'ℓp-forward-url', // script small l (NFKC: l)
		'lp‐forward‐url', // U+2010 hyphens
		'lp\u00ad-forward-url', // soft hyphen (invisible)
		'l\u200bp-forward-url', // zero-width space
		'LP-anything-new',
	])('refuses %p naming the headers field', (name) => {
		const error = thrown(() => buildForwardRequest(GW, ACC, { method: 'GET', targetUrl: TARGET, headers: { [name]: 'https://169.254.169.254/' } }));
		expect(error).toMatchObject({ kind: 'input', field: 'headers', code: 'MTLS_HEADER_RESERVED' });
		expect(error.message).toMatch(/LP-\* header/);
	});

	it.each(['lр-forward-url' /* Cyrillic р */, 'ӏp-forward-url' /* Cyrillic palochka */])('refuses look-alikes NFKC does not fold as invalid names, still naming the headers field (%p)', (name) => {
		expect(thrown(() => buildForwardRequest(GW, ACC, { method: 'GET', targetUrl: TARGET, headers: { [name]: 'x' } }))).toMatchObject({ field: 'headers' });
	});

	it.each(['Content_Length', 'TRANSFER_ENCODING', ' host '])('managed headers are refused in every spelling (%p)', (name) => {
		expect(thrown(() => buildForwardRequest(GW, ACC, { method: 'GET', targetUrl: TARGET, headers: { [name]: '1' } })).code).toBe('MTLS_HEADER_RESERVED');
	});

	it('ordinary headers pass, including ones that merely contain "lp"', () => {
		const req = buildForwardRequest(GW, ACC, { method: 'GET', targetUrl: TARGET, headers: { 'X-LP-Trace': 'a', Help: 'b', 'lpx-foo': 'c' } });
		expect(req.headers).toMatchObject({ 'x-lp-trace': 'a', help: 'b', 'lpx-foo': 'c' });
	});

	it('foldHeaderName', () => {
		expect(foldHeaderName(' ＬＰ_Forward‐URL ')).toBe('lp-forward-url');
	});
});


describe('property: an accepted target has one host for a strict and a lenient parser', () => {
	// Characters that make parsers disagree, mixed into plausible URLs.
	const piece = fc.constantFrom('a', 'b', 'example', 'com', '.', ':', '/', '\\', '@', '%', '%2e', '%40', '\t', '\n', '[', ']', '::1', '127', '0x7f', '1', '443', '?', '#', ' ', 'ａ', '..');
	const url = fc.tuple(fc.constantFrom('https://', 'https:', 'https:///', 'HTTPS://', 'https:\\\\'), fc.array(piece, { maxLength: 12 })).map(([s, parts]) => s + parts.join(''));

	it('the authority text of the sent URL (RFC 3986 split) is the WHATWG host', () => {
		fc.assert(
			fc.property(url, (text) => {
				let sent: string;
				try {
					sent = validateTargetUrl(text, 'targetUrl');
				} catch (error) {
					expect(error).toBeInstanceOf(LpError);
					expect((error as LpError).field).toBe('targetUrl');
					return;
				}
				const authority = /^https:\/\/([^/?#]*)/.exec(sent)?.[1] ?? '';
				const host = authority.replace(/:\d+$/, '');
				expect(host).toBe(new URL(sent).hostname);
				expect(authority).not.toMatch(/[@\\%\s]/);
				// And the text the user typed names that same host.
				expect(/^https:\/\/([^/?#]*)/i.exec(text.trim())?.[1]?.toLowerCase().replace(/:\d*$/, '')).toBe(host);
			}),
			{ numRuns: 2000 },
		);
	});
});
