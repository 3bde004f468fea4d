/**
 * Issue 22, key stores: stores OpenSSL reads and node-forge cannot (Camellia, non-ASCII password),
 * with and without a Trust Certificate; several keys and the Key Alias; BKS; indented PEM; a
 * password with blanks at its edges; dates in words; the identity's warnings on TLS failures.
 * Every store is made at test time (test/helpers/stores22.ts).
 */
import { LpError } from '../../../lib/errors';
import { buildSecureContext } from '../../../lib/tls/agent-pool';
import { durationText, utcText } from '../../../lib/tls/certs';
import { explainFor } from '../../../lib/tls/credential';
import { testMutualTlsCredential } from '../../../lib/tls/credential-test';
import { clearKeyStoreCache, KeyStoreInput, loadKeyStore, passwordShapeHint } from '../../../lib/tls/keystore';
import { makeStores22, MULTI_PASSWORD, NON_ASCII_PASSWORD, type Stores22 } from '../../helpers/stores22';

let s: Stores22;
beforeAll(() => {
	s = makeStores22();
});
afterEach(() => clearKeyStoreCache());

const errorOf = (input: KeyStoreInput, now?: () => number): LpError => {
	try {
		loadKeyStore(input, { cache: false, ...(now ? { now } : {}) });
	} catch (error) {
		if (error instanceof LpError) return error;
		throw error;
	}
	throw new Error('no error');
};

describe('stores OpenSSL reads and node-forge cannot: one decode, with and without a Trust Certificate', () => {
	const cases: Array<[string, (x: Stores22) => KeyStoreInput, string]> = [
		['Camellia-256 + non-ASCII password', (x) => ({ format: 'pkcs12', data: x.p12Camellia, password: NON_ASCII_PASSWORD }), 'pkcs12'],
		['AES-256 + non-ASCII password', (x) => ({ format: 'pkcs12', data: x.p12NonAscii, password: NON_ASCII_PASSWORD }), 'pkcs12'],
		['-legacy (RC2/3DES) + non-ASCII password', (x) => ({ format: 'pkcs12', data: x.p12NonAsciiLegacy, password: NON_ASCII_PASSWORD }), 'pkcs12-legacy'],
		['JKS + non-ASCII password', (x) => ({ format: 'jks', data: x.jksNonAscii, password: NON_ASCII_PASSWORD }), 'jks'],
	];
	test.each(cases)('%s', (_name, input, source) => {
		for (const trust of [undefined, { data: s.caPem }]) {
			const m = loadKeyStore({ ...input(s), trust }, { cache: false });
			expect({ source: m.source, cn: m.info.subject, alias: m.alias, trusted: m.ca?.length ?? 0 }).toEqual({ source, cn: 'CN=client-alpha', alias: 'alpha', trusted: trust ? 1 : 0 });
			// Everything a run needs was decoded here: the secure context of a run builds from it.
			expect(m.key.split('\n')[0]).toBe(['-----BEGIN', 'PRIVATE', 'KEY-----'].join(' ')); // a PKCS#8 PEM, unindented
			expect(() => buildSecureContext({ material: m, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3' })).not.toThrow();
		}
	});

	test('the wrong non-ASCII password is a wrong password, not an internal error', () => {
		for (const data of [s.p12Camellia, s.p12NonAscii, s.p12NonAsciiLegacy]) {
			const e = errorOf({ format: 'pkcs12', data, password: 'passwörd', trust: { data: s.caPem } });
			expect({ kind: e.kind, code: e.code, field: e.field }).toEqual({ kind: 'tls', code: 'PASSWORD_WRONG', field: 'keyStorePassword' });
		}
	});

	test('the credential Test (no Test URL) builds the secure context a run builds: OK only when a run can use it', async () => {
		const r = await testMutualTlsCredential({ input: { format: 'pkcs12', data: s.p12Camellia, password: NON_ASCII_PASSWORD, trust: { data: s.caPem } }, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3' });
		// 20-day certificates: the expiry warning makes it an Error by design; the store itself is valid.
		expect(r.message).toMatch(/The key store itself is valid: Certificate "client-alpha" \(RSA, PKCS#12\); key alias "alpha"/);
		expect(r.message).not.toMatch(/Unexpected|bug/);
	});
});

describe('several keys in one store: the Key Alias', () => {
	const stores: Array<[string, (x: Stores22) => KeyStoreInput]> = [
		['PKCS#12 (keytool)', (x) => ({ format: 'pkcs12', data: x.p12TwoKeys, password: MULTI_PASSWORD })],
		['JKS (keytool)', (x) => ({ format: 'jks', data: x.jksTwoKeys, password: MULTI_PASSWORD })],
	];
	test.each(stores)('%s: no alias → refused with the list of aliases, no secret', (_name, input) => {
		const e = errorOf(input(s));
		expect({ code: e.code, field: e.field }).toEqual({ code: 'KEY_ALIAS_REQUIRED', field: 'keyAlias' });
		expect(e.message).toMatch(/holds 2 private keys \("alpha", "beta"\)/);
		expect(`${e.message} ${e.hint}`).not.toContain(MULTI_PASSWORD);
	});
	test.each(stores)('%s: alias "beta" (and "BETA") selects the EC key, "alpha" the RSA key', (_name, input) => {
		for (const [alias, cn, keyType] of [
			['beta', 'CN=client-beta', 'EC'],
			['BETA', 'CN=client-beta', 'EC'],
			['alpha', 'CN=client-alpha', 'RSA'],
		]) {
			const m = loadKeyStore({ ...input(s), alias }, { cache: false });
			expect({ alias: m.alias, cn: m.info.subject, keyType: m.info.keyType }).toEqual({ alias: alias.toLowerCase(), cn, keyType });
			// The other key's certificate is an identity, not a CA certificate of this one.
			expect(m.chain.join('')).not.toContain(alias === 'alpha' ? 'client-beta' : 'client-alpha');
		}
	});
	test.each(stores)('%s: an alias that does not exist → refused with the aliases', (_name, input) => {
		const e = errorOf({ ...input(s), alias: 'gamma' });
		expect({ code: e.code, field: e.field }).toEqual({ code: 'KEY_ALIAS_UNKNOWN', field: 'keyAlias' });
		expect(e.message).toMatch(/no key entry with the alias "gamma"; its key entries are "alpha", "beta"/);
	});
	test('a one-key store with another alias is refused too; with its own alias or none it loads', () => {
		const one = { format: 'pkcs12' as const, data: s.p12NonAscii, password: NON_ASCII_PASSWORD };
		expect(errorOf({ ...one, alias: 'beta' }).code).toBe('KEY_ALIAS_UNKNOWN');
		expect(loadKeyStore({ ...one, alias: 'alpha' }, { cache: false }).alias).toBe('alpha');
		expect(loadKeyStore(one, { cache: false }).alias).toBe('alpha');
	});
	test('the alias is part of the cache key: two aliases of one store are two identities', () => {
		const base = { format: 'jks' as const, data: s.jksTwoKeys, password: MULTI_PASSWORD };
		const a = loadKeyStore({ ...base, alias: 'alpha' });
		const b = loadKeyStore({ ...base, alias: 'beta' });
		expect(a.fingerprint).not.toBe(b.fingerprint);
		expect([a.info.subject, b.info.subject]).toEqual(['CN=client-alpha', 'CN=client-beta']);
	});
});

describe('BKS, indented PEM, passwords with blanks, dates in words', () => {
	test.each(['pkcs12', 'jks'] as const)('BKS selected as %s: "BKS is not supported" with the keytool conversion', (format) => {
		const e = errorOf({ format, data: s.bks, password: MULTI_PASSWORD });
		expect({ code: e.code, field: e.field }).toEqual({ code: 'KEYSTORE_BKS', field: 'keyStore' });
		expect(e.message).toMatch(/BKS is not supported; convert it to PKCS#12 with keytool -importkeystore .*-deststoretype pkcs12/);
		expect(e.message).not.toMatch(/corrupt|truncated/);
		expect(e.hint).toMatch(/keytool -importkeystore .*-providerpath .*-deststoretype pkcs12/);
	});
	test('BKS as the Trust Certificate: the same answer for the trust field', () => {
		const e = errorOf({ format: 'pem', data: s.alpha.certPem, key: s.alpha.keyPem, trust: { data: s.bks } });
		expect({ code: e.code, field: e.field }).toEqual({ code: 'KEYSTORE_BKS', field: 'trustCertificate' });
	});

	test('PEM pasted from YAML (every line indented, tabs, trailing blanks, CRLF) loads', () => {
		const indent = (pem: string, pad: string) =>
			pem
				.trim()
				.split('\n')
				.map((l) => `${pad}${l}  `)
				.join('\r\n');
		const m = loadKeyStore({ format: 'pem', data: indent(s.alpha.certPem, '    '), key: indent(s.alpha.keyPem, '\t  ') }, { cache: false });
		expect(m.info.subject).toBe('CN=client-alpha');
	});

	test.each([
		['a trailing newline', `${NON_ASCII_PASSWORD}\n`, /ends with a line break/],
		['a leading space', ` ${NON_ASCII_PASSWORD}`, /starts with a space/],
		['trailing spaces', `${NON_ASCII_PASSWORD}   `, /ends with 3 spaces/],
	])('wrong password with %s: says so without showing it', (_name, password, said) => {
		const e = errorOf({ format: 'pkcs12', data: s.p12NonAscii, password });
		expect(e.code).toBe('PASSWORD_WRONG');
		// In the message (all a Continue On Fail item keeps) and in the hint.
		expect(e.message).toMatch(said);
		expect(e.hint).toMatch(said);
		expect(`${e.message} ${e.hint}`).not.toContain(NON_ASCII_PASSWORD);
	});
	test('a plainly wrong password gets no whitespace hint', () => {
		expect(errorOf({ format: 'pkcs12', data: s.p12NonAscii, password: 'other' }).hint).not.toMatch(/starts with|ends with/);
		expect(passwordShapeHint('no-blanks')).toBeUndefined();
		expect(passwordShapeHint('tab\t')).toMatch(/ends with a tab/);
	});

	test('not valid before: a date in words (UTC), never a raw ISO timestamp', () => {
		const m = loadKeyStore({ format: 'pem', data: s.alpha.certPem, key: s.alpha.keyPem }, { cache: false });
		const from = Date.parse(m.info.validFrom);
		const e = errorOf({ format: 'pem', data: s.alpha.certPem, key: s.alpha.keyPem }, () => from - 2 * 3_600_000);
		expect(e.code).toBe('CERT_NOT_YET_VALID');
		expect(e.message).toContain(`not valid before ${utcText(from)} (in 2 hours)`);
		expect(e.message).toMatch(/\d{4}-\d\d-\d\d \d\d:\d\d UTC/);
		expect(e.message).not.toMatch(/\dT\d\d:|\.\d{3}Z/);
	});
	test('expires in: 4.99 days is "4 days 23 hours", never "4 days"; the exact time in UTC', () => {
		const m = loadKeyStore({ format: 'pem', data: s.alpha.certPem, key: s.alpha.keyPem }, { cache: false });
		const to = Date.parse(m.info.validTo);
		const at = loadKeyStore({ format: 'pem', data: s.alpha.certPem, key: s.alpha.keyPem }, { cache: false, now: () => to - 4.99 * 86_400_000 });
		expect(at.warnings[0]).toBe(`The client certificate "client-alpha" expires in 4 days 23 hours (${utcText(to)})`);
	});
	test('a cached identity recomputes "expires in" for the current time', () => {
		const input = { format: 'pem' as const, data: s.alpha.certPem, key: s.alpha.keyPem };
		const to = Date.parse(loadKeyStore(input, { cache: false }).info.validTo);
		expect(loadKeyStore(input, { now: () => to - 10 * 86_400_000 }).warnings[0]).toMatch(/expires in 10 days \(/);
		expect(loadKeyStore(input, { now: () => to - 3 * 3_600_000 }).warnings[0]).toMatch(/expires in 3 hours \(/);
	});
	test('durationText truncates each unit (never more time than there is)', () => {
		const h = 3_600_000;
		expect([5 * 24 * h, 24 * h - 1, 23.5 * h, h, 59_999, 25 * h].map(durationText)).toEqual(['5 days', '23 hours 59 minutes', '23 hours 30 minutes', '1 hour', 'less than a minute', '1 day 1 hour']);
	});
});

describe("the identity's warnings go with every handshake failure", () => {
	const material = { warnings: ['The client certificate "x" does not allow client authentication (extended key usage lacks clientAuth): servers may refuse it'] };
	test.each([
		['a TLS failure', new LpError('tls', 'The server could not be reached: the client certificate was refused', { code: 'CLIENT_CERT_REFUSED', hint: 'Upload another key store.' })],
		['a reset', new LpError('network', 'The server could not be reached: connection reset by the server', { code: 'ECONNRESET', hint: 'Check the host.' })],
	])('%s: the hint says what the identity warns about', (_name, error) => {
		const out = explainFor(material)(error);
		expect(out.kind).toBe(error.kind);
		expect(out.code).toBe(error.code);
		expect(out.hint).toMatch(/About the client certificate: .*does not allow client authentication/);
		expect(out.message).toMatch(new RegExp(`^${error.message}.*\\. The client certificate "x" does not allow client authentication`));
	});
	test('a timeout or an HTTP error is not about the certificate: unchanged', () => {
		const timeout = new LpError('timeout', 'no answer', { code: 'TIMEOUT' });
		expect(explainFor(material)(timeout)).toBe(timeout);
		const plain = new LpError('tls', 'x', { code: 'CLIENT_CERT_REFUSED' });
		expect(explainFor({ warnings: [] })(plain)).toBe(plain);
	});
});
