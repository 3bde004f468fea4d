/** explainTlsFailure: codes and OpenSSL messages as Node 20 / OpenSSL 3 report them, in words. */
import { explainTlsFailure } from '../../../lib/tls/errors';

const openssl = (reason: string, fn = 'ssl3_read_bytes') => `806CCC674F7F0000:error:0A00042E:SSL routines:${fn}:${reason}:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1601:SSL alert number 70\n`;

describe('explainTlsFailure', () => {
	it.each([
		['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'unable to verify the first certificate'],
		['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'unable to get local issuer certificate'],
		['SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain'],
		['CERT_UNTRUSTED', 'certificate not trusted'],
	])('%s: not trusted, set Trust Certificate to its CA', (code, message) => {
		const x = explainTlsFailure({ code, message });
		expect(x).toMatchObject({ category: 'trust', code, reason: "the server's certificate is not trusted: set Trust Certificate to its CA" });
		expect(x.hint).toMatch(/Trust Certificate/);
	});

	it('DEPTH_ZERO_SELF_SIGNED_CERT: says self-signed', () => {
		expect(explainTlsFailure({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT', message: 'self-signed certificate' }).reason).toMatch(/self-signed.*Trust Certificate/);
	});

	it('with a Trust Certificate set: says it is the only CA trusted', () => {
		const x = explainTlsFailure({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', message: 'unable to verify the first certificate' }, { hasTrustCertificate: true });
		expect(x.reason).toMatch(/not signed by the Trust Certificate, which is the only CA trusted/);
	});

	it('host name mismatch names the certificate names and the SNI field', () => {
		const x = explainTlsFailure({
			code: 'ERR_TLS_CERT_ALTNAME_INVALID',
			message: "Hostname/IP does not match certificate's altnames: Host: example.com. is not in the cert's altnames: IP Address:127.0.0.1, DNS:localhost",
		});
		expect(x).toMatchObject({ category: 'hostname', code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
		expect(x.reason).toContain('another host name (it names IP Address:127.0.0.1, DNS:localhost)');
		expect(x.hint).toContain('Server Name (SNI)');
	});

	it.each([
		['CERT_HAS_EXPIRED', 'certificate has expired', /has expired/],
		['CERT_NOT_YET_VALID', 'certificate is not yet valid', /not valid yet/],
	])('%s: the server certificate dates', (code, message, reason) => {
		expect(explainTlsFailure({ code, message })).toMatchObject({ category: 'serverCertificateDates', reason: expect.stringMatching(reason) });
	});

	it('protocol version alert, credential TLS 1.3 only: the server offers 1.2 or older', () => {
		const x = explainTlsFailure({ code: 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION', message: openssl('tlsv1 alert protocol version') }, { minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' });
		expect(x).toMatchObject({ category: 'protocol', detail: 'tlsv1 alert protocol version', code: 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION' });
		expect(x.reason).toBe('no common TLS version: the server offers TLS 1.2 or older, this credential allows TLS 1.3 only');
		expect(x.hint).toContain('TLS 1.2 and Newer');
	});

	it('protocol version alert, credential TLS 1.2 only: the server offers 1.3 only', () => {
		const x = explainTlsFailure({ code: 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION', message: openssl('tlsv1 alert protocol version') }, { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' });
		expect(x.reason).toBe('no common TLS version: the server offers TLS 1.3 only, this credential allows TLS 1.2 only');
	});

	it('protocol version alert, credential 1.2-1.3: the server is older', () => {
		const x = explainTlsFailure({ code: 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION', message: openssl('tlsv1 alert protocol version') }, { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3' });
		expect(x.reason).toBe('no common TLS version: the server offers none of these versions (probably TLS 1.1 or older), this credential allows TLS 1.2 to 1.3');
		expect(x.hint).toContain('TLS 1.1 and Newer');
	});

	it('unsupported protocol: the server chose an older version', () => {
		const x = explainTlsFailure({ code: 'ERR_SSL_UNSUPPORTED_PROTOCOL', message: openssl('unsupported protocol', 'tls_process_server_hello') }, { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3' });
		expect(x.reason).toBe('no common TLS version: the server offers only versions older than TLS 1.2, this credential allows TLS 1.2 to 1.3');
	});

	it('no protocols available: the credential settings', () => {
		expect(explainTlsFailure({ code: 'ERR_SSL_NO_PROTOCOLS_AVAILABLE', message: openssl('no protocols available', 'ssl_choose_client_version') }).reason).toMatch(/leave no version/);
	});

	it('wrong version number: not TLS on that port', () => {
		const x = explainTlsFailure({ code: 'ERR_SSL_WRONG_VERSION_NUMBER', message: openssl('wrong version number', 'ssl3_get_record') });
		expect(x).toMatchObject({ category: 'notTls', detail: 'wrong version number' });
		expect(x.hint).toMatch(/http:\/\//);
	});

	it.each([
		['ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'tlsv13 alert certificate required', /requires a client certificate/],
		['ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', 'tlsv1 alert unknown ca', /does not trust the client certificate's CA/],
		['ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE', 'sslv3 alert bad certificate', /refused the client certificate \(alert bad certificate\)/],
		['ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED', 'sslv3 alert certificate expired', /client certificate has expired/],
		['ERR_SSL_TLSV1_ALERT_ACCESS_DENIED', 'tlsv1 alert access denied', /denies it access/],
	])('%s: the client certificate was refused', (code, reason, expected) => {
		const x = explainTlsFailure({ code, message: openssl(reason) });
		expect(x).toMatchObject({ category: 'clientCertificate', code, detail: reason });
		expect(x.reason).toMatch(/^the client certificate was refused: /);
		expect(x.reason).toMatch(expected);
	});

	it('handshake failure alert: probably the client certificate', () => {
		expect(explainTlsFailure({ code: 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', message: openssl('sslv3 alert handshake failure') }, { clientCertificate: false }).reason).toMatch(/requires a client certificate/);
		expect(explainTlsFailure({ code: 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', message: openssl('sslv3 alert handshake failure') }).category).toBe('handshake');
	});

	it('reads code and message from `cause` (undici wraps socket errors)', () => {
		const x = explainTlsFailure({ message: 'fetch failed', cause: { code: 'SELF_SIGNED_CERT_IN_CHAIN', message: 'self-signed certificate in certificate chain' } });
		expect(x).toMatchObject({ category: 'trust', code: 'SELF_SIGNED_CERT_IN_CHAIN' });
	});

	it('something unknown: a generic reason, the OpenSSL reason and code kept', () => {
		const x = explainTlsFailure({ code: 'ERR_SSL_SOMETHING_NEW', message: openssl('decryption failed or bad record mac') });
		expect(x).toMatchObject({ category: 'other', code: 'ERR_SSL_SOMETHING_NEW', detail: 'decryption failed or bad record mac' });
		expect(x.reason).toBe('the TLS handshake failed (decryption failed or bad record mac)');
		expect(explainTlsFailure(undefined)).toMatchObject({ category: 'other', reason: 'the TLS handshake failed' });
		expect(explainTlsFailure({})).not.toHaveProperty('code');
	});
});
