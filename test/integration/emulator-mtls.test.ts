/**
 * The emulator's mTLS gateway over real HTTP, with REAL mutual TLS to the sample target: forward with
 * the mapped certificate, fallbacks and failures (500, 424), certificate upload (multipart .p12),
 * mapping create and the mapping checks.
 */
import { createHash } from 'node:crypto';
import { Agent, request } from 'undici';
import { getEmulatorClientIdentity, getEmulatorPki, startEmulator } from '../../sandbox/emulator/index';
import type { Emulator } from '../../sandbox/emulator/index';

// Generous hook/test limit: start-up makes RSA keys, which is slow on a loaded machine.
jest.setTimeout(20_000);

const ACC = '12345678';
let emu: Emulator;
let bearer: string;

async function call(method: string, path: string, opts: { headers?: Record<string, string>; body?: string | Buffer } = {}) {
	const res = await request(`${emu.url}${path}`, { method: method as 'GET', headers: opts.headers, body: opts.body });
	const buf = Buffer.from(await res.body.arrayBuffer());
	let json: any;
	try {
		json = buf.length ? JSON.parse(buf.toString('utf8')) : undefined;
	} catch {
		json = undefined;
	}
	return { status: res.statusCode, headers: res.headers, buf, text: buf.toString('utf8'), json };
}

beforeAll(async () => {
	emu = await startEmulator({ port: 0 });
});
afterAll(async () => {
	await emu.close();
});
beforeEach(async () => {
	emu.reset();
	const t = await call('POST', `/sentinel/api/v2/account/${ACC}/app/token`, {
		headers: { 'content-type': 'application/x-www-form-urlencoded' },
		body: 'client_id=sandbox-client&client_secret=sandbox-client-secret&grant_type=client_credentials',
	});
	bearer = `Bearer ${t.json.access_token}`;
});

describe('forward', () => {
	it('does a real mutual-TLS request with the mapped certificate, binary-safe, with the override Authorization', async () => {
		const payload = Buffer.from([0, 1, 2, 0xff, 0xfe, 0x80, 0x0a, 0x0d, 0x7f]);
		const r = await call('POST', `/mtls/account/${ACC}`, {
			headers: {
				authorization: bearer,
				'lp-forward-url': `${emu.mtlsTarget.url}/echo`,
				'lp-service-name': 'WEBHOOKS',
				'lp-authorization-override': 'Bearer target-secret',
				'lp-stop-if-certificate-not-found': 'true',
				'content-type': 'application/octet-stream',
				'x-custom': 'kept',
			},
			body: payload,
		});
		expect(r.status).toBe(200);
		expect(r.headers['x-echo-target']).toBe('sandbox');
		expect(r.json.method).toBe('POST');
		expect(r.json.path).toBe('/echo');
		expect(r.json.clientCertificateSubject).toBe('CN=sandbox-client-cert');
		expect(Buffer.from(r.json.bodyBase64, 'base64').equals(payload)).toBe(true);
		expect(r.json.headers['x-custom']).toBe('kept');
		expect(r.json.headers['content-type']).toBe('application/octet-stream');
		expect(Object.keys(r.json.headers).filter((h) => h.startsWith('lp-'))).toEqual([]);
		expect(r.json.headers.authorization).toBeUndefined();
		expect(r.json.authorizationSha256).toBe(createHash('sha256').update('Bearer target-secret').digest('hex'));
		expect(r.text).not.toContain('target-secret');
		expect(emu.mtlsTarget.handshakes()).toBeGreaterThanOrEqual(1);
		expect(emu.mtlsTarget.requests()).toBe(1);
		expect(emu.count('mtls.forward')).toBe(1);
	});

	it('matches without LP-service-name and passes the target status through; GET/PUT/PATCH/DELETE work', async () => {
		for (const method of ['GET', 'PUT', 'PATCH', 'DELETE']) {
			const r = await call(method, `/mtls/account/${ACC}`, { headers: { authorization: bearer, 'lp-forward-url': `${emu.mtlsTarget.url}/echo` } });
			expect(r.status).toBe(200);
			expect(r.json.method).toBe(method);
			expect(r.json.clientCertificateSubject).toBe('CN=sandbox-client-cert');
		}
	});

	it('no mapping + LP-stop-if-certificate-not-found: true gives 500 and never calls the target', async () => {
		const r = await call('POST', `/mtls/account/${ACC}`, {
			headers: {
				authorization: bearer,
				'lp-forward-url': `${emu.mtlsTarget.url}/echo?unmapped=1`, // the whole URL, query included, is the key
				'lp-service-name': 'WEBHOOKS',
				'lp-stop-if-certificate-not-found': 'true',
			},
			body: '{}',
		});
		expect(r.status).toBe(500);
		expect(emu.mtlsTarget.requests()).toBe(0);
		// A mapping for another service does not match either.
		const other = await call('GET', `/mtls/account/${ACC}`, {
			headers: { authorization: bearer, 'lp-forward-url': `${emu.mtlsTarget.url}/echo`, 'lp-service-name': 'TEST_SERVICE', 'lp-stop-if-certificate-not-found': 'true' },
		});
		expect(other.status).toBe(500);
	});

	it('no mapping otherwise falls back to plain TLS; the target refuses it, so 424 with the transport headers', async () => {
		const r = await call('GET', `/mtls/account/${ACC}`, {
			headers: { authorization: bearer, 'lp-forward-url': `${emu.mtlsTarget.url}/echo?unmapped=1` },
		});
		expect(r.status).toBe(424);
		expect(r.headers['lp-message-from-transport']).toBeTruthy();
		expect(r.headers['lp-error-from-transport']).toBeTruthy();
		const refused = await call('GET', `/mtls/account/${ACC}`, { headers: { authorization: bearer, 'lp-forward-url': 'https://127.0.0.1:1/x' } });
		expect(refused.status).toBe(424);
		expect(refused.headers['lp-error-from-transport']).toBe('ECONNREFUSED');
	});

	it('requires auth, LP-forward-url and a known account; accepts OAuth1 with the app key', async () => {
		const url = `${emu.mtlsTarget.url}/echo`;
		expect((await call('GET', `/mtls/account/${ACC}`, { headers: { 'lp-forward-url': url } })).status).toBe(401);
		expect((await call('GET', `/mtls/account/${ACC}`, { headers: { authorization: 'Bearer nope', 'lp-forward-url': url } })).status).toBe(401);
		expect((await call('GET', `/mtls/account/${ACC}`, { headers: { authorization: bearer } })).status).toBe(400);
		expect((await call('GET', `/mtls/account/999`, { headers: { authorization: bearer, 'lp-forward-url': url } })).status).toBe(401);
		const oauth1 = (key: string) =>
			`OAuth oauth_consumer_key="${key}", oauth_nonce="n", oauth_signature="unchecked", oauth_signature_method="HMAC-SHA1", oauth_timestamp="1", oauth_token="sandbox-access-token", oauth_version="1.0"`;
		expect((await call('GET', `/mtls/account/${ACC}`, { headers: { authorization: oauth1('sandbox-app-key'), 'lp-forward-url': url } })).status).toBe(200);
		expect((await call('GET', `/mtls/account/${ACC}`, { headers: { authorization: oauth1('other-key'), 'lp-forward-url': url } })).status).toBe(401);
	});
});

describe('sample target', () => {
	it('trusts the emulator CA and requires a client certificate', async () => {
		const id = getEmulatorClientIdentity();
		const withCert = new Agent({ connect: { ca: getEmulatorPki(), cert: id.certPem, key: id.keyPem } });
		const withoutCert = new Agent({ connect: { ca: getEmulatorPki() } });
		try {
			const r = await request(`${emu.mtlsTarget.url}/echo`, { dispatcher: withCert });
			expect(r.statusCode).toBe(200);
			expect(((await r.body.json()) as any).clientCertificateSubject).toBe('CN=sandbox-client-cert');
			await expect(request(`${emu.mtlsTarget.url}/echo`, { dispatcher: withoutCert }).then((x) => x.body.text())).rejects.toThrow();
		} finally {
			await withCert.close();
			await withoutCert.close();
		}
	});
});

describe('configuration API and mapping checks', () => {
	it('lists certificates, uploads a .p12 (multipart), creates a mapping and forwards with it', async () => {
		const list = await call('GET', `/mtls/account/${ACC}/certificates`, { headers: { authorization: bearer } });
		expect(list.status).toBe(200);
		expect(list.json.map((c: any) => c.name)).toContain('sandbox-client-cert');

		const id = getEmulatorClientIdentity('p12-pass');
		const form = new FormData();
		form.append('file', new Blob([Buffer.from(id.p12Base64, 'base64')], { type: 'application/x-pkcs12' }), 'client.p12');
		form.append('certificate', JSON.stringify({ name: 'uploaded-cert', password: 'p12-pass' }));
		const up = await fetch(`${emu.url}/mtls/account/${ACC}/certificates/by-file`, { method: 'POST', headers: { authorization: bearer }, body: form });
		expect(up.status).toBe(201);
		const saved = (await up.json()) as any;
		expect(saved.failedSaveToVaultCertificates).toEqual([]);
		expect(saved.successfulySavedCertificates[0]).toMatchObject({ deleted: false, name: 'uploaded-cert', siteId: ACC, status: 'Available' });
		const certId = saved.successfulySavedCertificates[0].id;

		const badForm = new FormData();
		badForm.append('file', new Blob([Buffer.from(id.p12Base64, 'base64')]), 'client.p12');
		badForm.append('certificate', JSON.stringify({ name: 'other', password: 'wrong-pass' }));
		const bad = await fetch(`${emu.url}/mtls/account/${ACC}/certificates/by-file`, { method: 'POST', headers: { authorization: bearer }, body: badForm });
		expect(bad.status).toBe(400);
		expect(await bad.text()).not.toContain('wrong-pass');

		const url = `${emu.mtlsTarget.url}/echo?tenant=a`;
		const mapping = [{ certificationId: String(certId), serviceId: '0', enable: true, url, siteId: ACC, name: 'uploaded-mapping', deleted: false }];
		const create = await call('POST', `/api/account/${ACC}/configuration/ac-common/mtls?v=3.0`, {
			headers: { authorization: bearer, 'content-type': 'application/json' },
			body: JSON.stringify(mapping),
		});
		expect(create.status).toBe(201);
		expect(create.json[0]).toMatchObject({ name: 'uploaded-mapping', serviceId: '0', url });
		const dup = await call('POST', `/api/account/${ACC}/configuration/ac-common/mtls?v=3.0`, {
			headers: { authorization: bearer, 'content-type': 'application/json' },
			body: JSON.stringify(mapping),
		});
		expect(dup.status).toBe(400);

		const fwd = await call('POST', `/mtls/account/${ACC}`, {
			headers: { authorization: bearer, 'lp-forward-url': url, 'lp-service-name': 'TEST_SERVICE', 'lp-stop-if-certificate-not-found': 'true' },
			body: 'hello',
		});
		expect(fwd.status).toBe(200);
		expect(fwd.json).toMatchObject({ path: '/echo?tenant=a', body: 'hello', clientCertificateSubject: 'CN=sandbox-client-cert' });

		const v2 = await call('POST', '/mtls/mapping?v=2', {
			headers: { authorization: bearer, 'content-type': 'application/json' },
			body: JSON.stringify([
				{ serviceName: 'TEST_SERVICE', accountId: ACC, url },
				{ serviceName: 'IDP', accountId: ACC, url },
			]),
		});
		expect(v2.json).toEqual([
			{ serviceName: 'TEST_SERVICE', accountId: ACC, url, doExist: true },
			{ serviceName: 'IDP', accountId: ACC, url, doExist: false },
		]);
		expect(emu.counts()).toMatchObject({ 'mtls.certificates.list': 1, 'mtls.certificates.upload': 2, 'mtls.mapping.create': 2, 'mtls.forward': 1, 'mtls.mapping': 1 });
	});

	it('answers the v1 mapping check and serviceUrlMappings for the default WEBHOOKS mapping', async () => {
		const url = `${emu.mtlsTarget.url}/echo`;
		const v1 = await call('POST', '/mtls/mapping?v=1', {
			headers: { authorization: bearer, 'content-type': 'application/json' },
			body: JSON.stringify([{ serviceName: 'WEBHOOKS', accountId: ACC, url }]),
		});
		expect(v1.json).toEqual({ [`CertificateMappingParamters{serviceName='WEBHOOKS', accountId='${ACC}', url='${url}'}`]: true });
		const checks = await call('POST', `/api/account/${ACC}/checks/serviceUrlMappings`, {
			headers: { authorization: bearer, 'content-type': 'application/json' },
			body: JSON.stringify([
				{ serviceName: 'WEBHOOKS', url },
				{ serviceName: 'WEBHOOKS', url: `${url}?x=1` },
			]),
		});
		expect(checks.json).toEqual([
			{ serviceName: 'WEBHOOKS', url, exist: true },
			{ serviceName: 'WEBHOOKS', url: `${url}?x=1`, exist: false },
		]);
	});
});
