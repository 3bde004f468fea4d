/**
 * Key store parsing: every format, the bad-input table (clear error, field, under 1 s, no secret
 * in any message), the iteration cap, the per-fingerprint cache and the JKS reader.
 */
import { createPrivateKey } from 'node:crypto';
import { LpError } from '../../../lib/errors';
import { readJks } from '../../../lib/tls/jks';
import { clearKeyStoreCache, KeyStoreInput, keyStoreStats, loadKeyStore, parseTrust } from '../../../lib/tls/keystore';
import { makeTestPki, OTHER_PASSWORD, STORE_PASSWORD, TestPki } from '../../helpers/pki';

jest.setTimeout(120_000);

let pki: TestPki;
beforeAll(() => {
	pki = makeTestPki();
});
beforeEach(() => clearKeyStoreCache());

describe('formats', () => {
	const cases: Array<[string, (p: TestPki) => KeyStoreInput, string, string, string]> = [
		['PKCS#12 modern', (p) => ({ format: 'pkcs12', data: p.p12Modern, password: STORE_PASSWORD }), 'pkcs12', 'RSA', 'client-rsa'],
		['PKCS#12 legacy', (p) => ({ format: 'pkcs12', data: p.p12Legacy, password: STORE_PASSWORD }), 'pkcs12-legacy', 'RSA', 'client-rsa'],
		['PKCS#12 EC', (p) => ({ format: 'pkcs12', data: p.p12Ec, password: STORE_PASSWORD }), 'pkcs12', 'EC', 'client-ec'],
		['PKCS#12 without password', (p) => ({ format: 'pkcs12', data: p.p12NoPassword }), 'pkcs12', 'RSA', 'client-rsa'],
		['JKS RSA', (p) => ({ format: 'jks', data: p.jksRsa, password: STORE_PASSWORD }), 'jks', 'RSA', 'client-rsa'],
		['JKS EC', (p) => ({ format: 'jks', data: p.jksEc, password: STORE_PASSWORD }), 'jks', 'EC', 'client-ec'],
		['keytool PKCS12 uploaded as JKS', (p) => ({ format: 'jks', data: p.keytoolPkcs12, password: STORE_PASSWORD }), 'pkcs12', 'RSA', 'client-rsa'],
		['JKS uploaded as PKCS#12', (p) => ({ format: 'pkcs12', data: p.jksEc, password: STORE_PASSWORD }), 'jks', 'EC', 'client-ec'],
		['PEM RSA', (p) => ({ format: 'pem', data: p.rsa.certPem, key: p.rsa.keyPem }), 'pem', 'RSA', 'client-rsa'],
		['PEM EC, key inside the data', (p) => ({ format: 'pem', data: p.ec.keyPem + p.ec.certPem + p.caPem }), 'pem', 'EC', 'client-ec'],
	];
	test.each(cases)('%s', (_name, input, source, keyType, cn) => {
		const m = loadKeyStore(input(pki));
		expect(m.source).toBe(source);
		expect(m.info.keyType).toBe(keyType);
		expect(m.info.subject).toContain(`CN=${cn}`);
		expect(m.info.issuer).toBe('CN=test-ca');
		expect(m.info.sha256Fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
		expect(m.info.expiresInDays).toBeGreaterThanOrEqual(18);
		expect(m.warnings.join(' ')).toMatch(/expires in \d+ days/); // 20-day test certificates
		// The key really belongs to the certificate, whatever the path (lazy on the native path).
		const key = createPrivateKey(m.key);
		expect(new (require('node:crypto').X509Certificate)(m.cert).checkPrivateKey(key)).toBe(true);
		// Nothing secret in the JSON view.
		const json = JSON.stringify(m);
		expect(json).not.toContain('PRIVATE KEY');
		expect(json).not.toContain(STORE_PASSWORD);
	});

	test('the chain comes out (CA added with -certfile)', () => {
		const m = loadKeyStore({ format: 'pkcs12', data: pki.p12Legacy, password: STORE_PASSWORD });
		expect(m.chain).toHaveLength(1);
		expect(m.chain[0]).toContain('BEGIN CERTIFICATE');
	});

	test('trust certificates: PEM, base64 DER, JKS trust store', () => {
		expect(parseTrust({ data: pki.caPem })).toHaveLength(1);
		expect(parseTrust({ data: pki.caDerB64 })).toHaveLength(1);
		expect(parseTrust({ data: pki.jksTrust, password: STORE_PASSWORD })).toHaveLength(1);
		expect(parseTrust({ data: pki.p12Modern, format: 'pkcs12', password: STORE_PASSWORD }).length).toBeGreaterThanOrEqual(1);
	});
});

describe('bad inputs: clear errors, fast, secret-free', () => {
	const truncated = (b64: string) => Buffer.from(b64, 'base64').subarray(0, 700).toString('base64');
	const table: Array<[string, (p: TestPki) => KeyStoreInput, string, string, RegExp]> = [
		['corrupt base64', () => ({ format: 'pkcs12', data: '%%%% not base64 at all ####', password: STORE_PASSWORD }), 'keyStore', 'BASE64_INVALID', /not valid base64/],
		['truncated PKCS#12', (p) => ({ format: 'pkcs12', data: truncated(p.p12Modern), password: STORE_PASSWORD }), 'keyStore', 'KEYSTORE_CORRUPT', /truncated or corrupt/],
		['truncated JKS', (p) => ({ format: 'jks', data: truncated(p.jksRsa), password: STORE_PASSWORD }), 'keyStore', 'KEYSTORE_CORRUPT', /truncated or corrupt/],
		['random bytes as PKCS#12', () => ({ format: 'pkcs12', data: Buffer.alloc(600, 7).toString('base64'), password: STORE_PASSWORD }), 'keyStore', 'KEYSTORE_CORRUPT', /truncated or corrupt/],
		['PEM without a key', (p) => ({ format: 'pem', data: p.rsa.certPem }), 'privateKey', 'KEY_MISSING', /no private key/],
		['PEM pasted as PKCS#12', (p) => ({ format: 'pkcs12', data: p.rsa.certPem, password: STORE_PASSWORD }), 'keyStore', 'WRONG_FORMAT', /PEM text/],
		['key of another certificate', (p) => ({ format: 'pem', data: p.rsa.certPem, key: p.untrusted.keyPem }), 'privateKey', 'KEY_MISMATCH', /does not belong/],
		['EC key for an RSA certificate', (p) => ({ format: 'pem', data: p.rsa.certPem, key: p.ec.keyPem }), 'privateKey', 'KEY_MISMATCH', /does not belong/],
		['PKCS#12 with 10,000,000 MAC iterations', (p) => ({ format: 'pkcs12', data: p.p12HugeIterations, password: STORE_PASSWORD }), 'keyStore', 'ITERATIONS_TOO_HIGH', /10,000,000 key-derivation iterations/],
		['PKCS#12 with 10,000,000 key-bag iterations', (p) => ({ format: 'pkcs12', data: p.p12HugeKeyIterations, password: STORE_PASSWORD }), 'keyStore', 'ITERATIONS_TOO_HIGH', /10,000,000/],
		['PKCS#12 with a 10,000,000-iteration key bag hidden inside the encrypted content', (p) => ({ format: 'pkcs12', data: p.p12NestedHugeIterations, password: STORE_PASSWORD }), 'keyStore', 'ITERATIONS_TOO_HIGH', /nested key bag PBE/],
		['expired certificate', (p) => ({ format: 'pkcs12', data: p.expired.p12, password: STORE_PASSWORD }), 'keyStore', 'CERT_EXPIRED', /expired on \d{4}-\d\d-\d\d/],
		['not yet valid certificate', (p) => ({ format: 'pem', data: p.notYetValid.certPem, key: p.notYetValid.keyPem }), 'keyStore', 'CERT_NOT_YET_VALID', /not valid before/],
		['missing password (PKCS#12)', (p) => ({ format: 'pkcs12', data: p.p12Modern }), 'keyStorePassword', 'PASSWORD_REQUIRED', /no password was given/],
		['missing password (JKS)', (p) => ({ format: 'jks', data: p.jksRsa }), 'keyStorePassword', 'PASSWORD_REQUIRED', /no password was given/],
		['wrong password (PKCS#12)', (p) => ({ format: 'pkcs12', data: p.p12Modern, password: OTHER_PASSWORD }), 'keyStorePassword', 'PASSWORD_WRONG', /password is wrong/],
		['wrong password (legacy PKCS#12)', (p) => ({ format: 'pkcs12', data: p.p12Legacy, password: OTHER_PASSWORD }), 'keyStorePassword', 'PASSWORD_WRONG', /password is wrong/],
		['wrong password (JKS)', (p) => ({ format: 'jks', data: p.jksEc, password: OTHER_PASSWORD }), 'keyStorePassword', 'PASSWORD_WRONG', /password is wrong/],
		['empty key store', () => ({ format: 'pkcs12', data: '   ', password: STORE_PASSWORD }), 'keyStore', 'KEYSTORE_MISSING', /empty/],
		['unreadable trust certificate', (p) => ({ format: 'pem', data: p.rsa.certPem, key: p.rsa.keyPem, trust: { data: 'aGVsbG8gd29ybGQsIG5vdCBhIGNlcnQ=' } }), 'trustCertificate', 'TRUST_UNREADABLE', /trust certificate could not be read/],
		['trust PEM holding only a key', (p) => ({ format: 'pem', data: p.rsa.certPem, key: p.rsa.keyPem, trust: { data: p.ec.keyPem } }), 'trustCertificate', 'TRUST_UNREADABLE', /no certificate/],
		['wrong trust store password', (p) => ({ format: 'pem', data: p.rsa.certPem, key: p.rsa.keyPem, trust: { data: p.jksTrust, password: OTHER_PASSWORD } }), 'trustStorePassword', 'PASSWORD_WRONG', /trust store password is wrong/],
	];

	test.each(table)('%s', (_name, build, field, code, message) => {
		const input = build(pki);
		const started = Date.now();
		let error: unknown;
		try {
			loadKeyStore(input);
		} catch (e) {
			error = e;
		}
		const elapsed = Date.now() - started;
		expect(error).toBeInstanceOf(LpError);
		const lp = error as LpError;
		expect(['input', 'tls']).toContain(lp.kind);
		expect(lp.field).toBe(field);
		expect(lp.code).toBe(code);
		expect(lp.message).toMatch(message);
		expect(elapsed).toBeLessThan(1000);
		const printed = [lp.message, lp.hint ?? '', JSON.stringify(lp.toJSON()), String(lp)].join('\n');
		for (const secret of [STORE_PASSWORD, OTHER_PASSWORD, pki.rsa.keyPem, pki.ec.keyPem, pki.untrusted.keyPem]) {
			expect(printed).not.toContain(secret);
		}
		expect(printed).not.toMatch(/PRIVATE KEY|MII[A-Za-z0-9+/]{20}/);
	});

	test('a configurable cap: 10,000 iterations refused with maxIterations 5,000', () => {
		expect(() => loadKeyStore({ format: 'pkcs12', data: pki.keytoolPkcs12, password: STORE_PASSWORD }, { maxIterations: 5000 })).toThrow(/limit is 5,000/);
	});
});

describe('cache', () => {
	test('one parse per credential per process; failures are cached too', () => {
		const input: KeyStoreInput = { format: 'pkcs12', data: pki.p12Modern, password: STORE_PASSWORD, trust: { data: pki.caPem } };
		const first = loadKeyStore(input);
		for (let i = 0; i < 100; i++) expect(loadKeyStore({ ...input })).toBe(first);
		expect(keyStoreStats().parses).toBe(1);
		expect(keyStoreStats().cacheHits).toBe(100);
		const bad = { ...input, password: OTHER_PASSWORD };
		for (let i = 0; i < 10; i++) expect(() => loadKeyStore(bad)).toThrow(/password is wrong/);
		expect(keyStoreStats().parses).toBe(2);
	});

	test('a cached certificate that expires meanwhile is refused', () => {
		const input: KeyStoreInput = { format: 'pem', data: pki.rsa.certPem, key: pki.rsa.keyPem };
		loadKeyStore(input);
		expect(() => loadKeyStore(input, { now: () => Date.now() + 400 * 86_400_000 })).toThrow(/expired on/);
	});

	test('different passwords or trust give different fingerprints', () => {
		const a = loadKeyStore({ format: 'pem', data: pki.rsa.certPem, key: pki.rsa.keyPem });
		const b = loadKeyStore({ format: 'pem', data: pki.rsa.certPem, key: pki.rsa.keyPem, trust: { data: pki.caPem } });
		expect(a.fingerprint).not.toBe(b.fingerprint);
		expect(a.fingerprint).toMatch(/^[0-9a-f]{64}$/);
	});
});

describe('JKS reader', () => {
	test('reads keytool stores: key entry with chain, trusted entry', () => {
		const store = readJks(Buffer.from(pki.jksRsa, 'base64'), STORE_PASSWORD);
		expect(store.integrityChecked).toBe(true);
		expect(store.entries).toHaveLength(1);
		expect(store.entries[0].kind).toBe('key');
		expect(store.entries[0].certs.length).toBe(2);
		const trust = readJks(Buffer.from(pki.jksTrust, 'base64'), undefined);
		expect(trust.integrityChecked).toBe(false);
		expect(trust.entries[0]).toMatchObject({ kind: 'trusted', alias: 'test-ca' });
	});

	test('a flipped byte fails the integrity check', () => {
		const bytes = Buffer.from(pki.jksEc, 'base64');
		bytes[bytes.length - 40] ^= 1;
		expect(() => readJks(bytes, STORE_PASSWORD)).toThrow(/integrity check failed/);
	});
});
