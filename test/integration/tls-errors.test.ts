/**
 * explainTlsFailure on the errors real handshakes raise (undici client, Node https servers on
 * 127.0.0.1, certificates generated at test time): trust, host name, protocol versions, a plain
 * HTTP port, a refused client certificate.
 */
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import { explainTlsFailure, TlsFailureContext } from '../../lib/tls/errors';
import { makeTestPki, TestPki } from '../helpers/pki';

jest.setTimeout(60_000);

let pki: TestPki;
const servers: Array<http.Server> = [];
const agents: Agent[] = [];

async function listen<T extends http.Server>(server: T): Promise<number> {
	servers.push(server);
	server.on('tlsClientError', () => undefined);
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return (server.address() as AddressInfo).port;
}

const httpsServer = (options: https.ServerOptions) => listen(https.createServer({ key: pki.serverKey, cert: pki.serverCert, ...options }, (_q, r) => r.end('ok')));

/** The error a GET raises with these connect options (fails the test if it succeeds). */
async function failure(port: number, connect: Record<string, unknown>, scheme = 'https'): Promise<Error> {
	const agent = new Agent({ connect });
	agents.push(agent);
	const error = await request(`${scheme}://127.0.0.1:${port}/`, { dispatcher: agent }).then(
		async (res) => {
			await res.body.text();
			return undefined;
		},
		(e: Error) => e,
	);
	if (!error) throw new Error('the request succeeded');
	return error;
}

beforeAll(() => {
	pki = makeTestPki();
});

afterAll(async () => {
	await Promise.all(agents.map((a) => a.close()));
	await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

describe('explainTlsFailure on real handshakes', () => {
	it('server certificate from a CA the client does not know: set Trust Certificate to its CA', async () => {
		const port = await httpsServer({});
		const x = explainTlsFailure(await failure(port, {}));
		expect(x).toMatchObject({ category: 'trust', code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', reason: "the server's certificate is not trusted: set Trust Certificate to its CA" });
		const withOther = explainTlsFailure(await failure(port, { ca: pki.otherCaPem }), { hasTrustCertificate: true });
		expect(withOther.reason).toMatch(/only CA trusted/);
	});

	it('a self-signed server certificate (DEPTH_ZERO_SELF_SIGNED_CERT)', async () => {
		const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
		const cert = forge.pki.createCertificate();
		cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }) as string);
		cert.serialNumber = '01';
		cert.validity.notBefore = new Date(Date.now() - 60_000);
		cert.validity.notAfter = new Date(Date.now() + 86_400_000);
		cert.setSubject([{ name: 'commonName', value: '127.0.0.1' }]);
		cert.setIssuer([{ name: 'commonName', value: '127.0.0.1' }]);
		cert.setExtensions([{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }]);
		const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
		cert.sign(forge.pki.privateKeyFromPem(keyPem), forge.md.sha256.create());
		const port = await httpsServer({ key: keyPem, cert: forge.pki.certificateToPem(cert) });
		const x = explainTlsFailure(await failure(port, {}));
		expect(x).toMatchObject({ category: 'trust', code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
		expect(x.reason).toMatch(/self-signed\. Set Trust Certificate to it/);
	});

	it('a chain ending in a self-signed root the client does not know', async () => {
		// The CA certificate is self-signed; serve a chain ending in it: SELF_SIGNED_CERT_IN_CHAIN.
		const port = await httpsServer({ cert: pki.serverCert + pki.caPem });
		expect(explainTlsFailure(await failure(port, {}))).toMatchObject({ category: 'trust', code: 'SELF_SIGNED_CERT_IN_CHAIN' });
	});

	it('host name mismatch (SNI example.com, certificate for 127.0.0.1/localhost)', async () => {
		const port = await httpsServer({});
		const x = explainTlsFailure(await failure(port, { ca: pki.caPem, servername: 'example.com' }));
		expect(x).toMatchObject({ category: 'hostname', code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
		expect(x.reason).toContain('DNS:localhost');
		expect(new X509Certificate(pki.serverCert).subjectAltName).toContain('DNS:localhost');
	});

	it('TLS-1.2-only server vs a TLS-1.3-only credential', async () => {
		const port = await httpsServer({ maxVersion: 'TLSv1.2' });
		const ctx: TlsFailureContext = { minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' };
		const x = explainTlsFailure(await failure(port, { ca: pki.caPem, minVersion: 'TLSv1.3' }), ctx);
		expect(x).toMatchObject({ category: 'protocol', code: 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION', detail: 'tlsv1 alert protocol version' });
		expect(x.reason).toBe('no common TLS version: the server offers TLS 1.2 or older, this credential allows TLS 1.3 only');
	});

	it('TLS-1.3-only server vs a TLS-1.2-only credential', async () => {
		const port = await httpsServer({ minVersion: 'TLSv1.3' });
		const x = explainTlsFailure(await failure(port, { ca: pki.caPem, maxVersion: 'TLSv1.2' }), { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' });
		expect(x.reason).toBe('no common TLS version: the server offers TLS 1.3 only, this credential allows TLS 1.2 only');
	});

	it('https:// to a plain HTTP port: wrong version number, said as "not TLS"', async () => {
		const port = await listen(http.createServer((_q, r) => r.end('plain')));
		expect(explainTlsFailure(await failure(port, {}))).toMatchObject({ category: 'notTls', code: 'ERR_SSL_WRONG_VERSION_NUMBER' });
	});

	it('a server requiring a client certificate, none sent (TLS 1.2): handshake failure, probably the client certificate', async () => {
		const port = await httpsServer({ ca: pki.caPem, requestCert: true, rejectUnauthorized: true });
		const x = explainTlsFailure(await failure(port, { ca: pki.caPem, maxVersion: 'TLSv1.2' }), { clientCertificate: false });
		expect(x).toMatchObject({ category: 'handshake', code: 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE' });
		expect(x.reason).toMatch(/requires a client certificate/);
	});

	it('a client certificate from a CA the server does not trust (TLS 1.2): closed during the handshake', async () => {
		const port = await httpsServer({ ca: pki.caPem, requestCert: true, rejectUnauthorized: true });
		const x = explainTlsFailure(await failure(port, { ca: pki.caPem, maxVersion: 'TLSv1.2', key: pki.untrusted.keyPem, cert: pki.untrusted.certPem }), { clientCertificate: true });
		expect(['handshake', 'clientCertificate']).toContain(x.category);
		expect(x.reason).toMatch(/client certificate/);
	});
});
