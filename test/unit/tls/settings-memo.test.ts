/**
 * The per-object memos on the hot path (one credential object for every item of a node run):
 * `mutualTlsConfigOnce` and the key store fingerprint memo of `loadKeyStore`. A changed field —
 * in the same object — must never be answered from the memo.
 */
import { LpError } from '../../../lib/errors';
import { closeAllAgents } from '../../../lib/tls/agent-pool';
import { mutualTlsConnection, type MutualTlsSettings } from '../../../lib/tls/credential';
import { mutualTlsConfig, mutualTlsConfigOnce } from '../../../nodes/shared/credentialConfig';
import { clearKeyStoreCache, KeyStoreInput, keyStoreStats, loadKeyStore } from '../../../lib/tls/keystore';
import { makeTestPki, OTHER_PASSWORD, STORE_PASSWORD, TestPki } from '../../helpers/pki';

jest.setTimeout(120_000);

let pki: TestPki;
beforeAll(() => {
	pki = makeTestPki();
});
beforeEach(() => clearKeyStoreCache());
afterAll(() => closeAllAgents());

const credential = (p: TestPki): Record<string, unknown> => ({
	keyStoreFormat: 'pkcs12',
	keyStore: p.p12Modern,
	keyStorePassword: STORE_PASSWORD,
	trustCertificate: p.caPem,
	protocols: 'tls12plus',
});

describe('mutualTlsConfig / mutualTlsConfigOnce', () => {
	it('is frozen, and read once per credential object', () => {
		const data = credential(pki);
		const a = mutualTlsConfigOnce(data);
		expect(mutualTlsConfigOnce(data)).toBe(a);
		expect(Object.isFrozen(a)).toBe(true);
		expect(Object.isFrozen(a.input)).toBe(true);
		expect(Object.isFrozen(a.input.trust)).toBe(true);
	});

	it.each([
		['keyStorePassword', OTHER_PASSWORD, (s: MutualTlsSettings) => s.input.password === OTHER_PASSWORD],
		['protocols', 'tls13', (s: MutualTlsSettings) => s.minVersion === 'TLSv1.3'],
		['serverName', 'api.example.com', (s: MutualTlsSettings) => s.servername === 'api.example.com'],
		['trustCertificate', '', (s: MutualTlsSettings) => s.input.trust === undefined],
		['keyStoreFormat', 'jks', (s: MutualTlsSettings) => s.input.format === 'jks'],
	])('reads %s from the credential fields', (field, value, check) => {
		const data = { ...credential(pki), [field]: value };
		expect(check(mutualTlsConfig(data))).toBe(true);
	});

	it('refuses an unknown protocol choice naming the field', () => {
		expect(() => mutualTlsConfig({ ...credential(pki), protocols: 'sslv3' })).toThrow(expect.objectContaining({ field: 'protocols' }));
		expect(() => mutualTlsConfig({ ...credential(pki), protocols: 'sslv3' })).toThrow(LpError);
	});
});

describe('loadKeyStore fingerprint memo', () => {
	it('one parse for many calls with one credential object; a changed password in place is re-checked (and refused)', () => {
		const data = credential(pki);
		const first = mutualTlsConnection(mutualTlsConfig(data));
		// Every execution reads the credential again (a new config object): the key store is parsed once.
		for (let i = 0; i < 50; i++) expect(mutualTlsConnection(mutualTlsConfig(data)).material).toBe(first.material);
		expect(keyStoreStats()).toMatchObject({ parses: 1, cacheHits: 50 });
		data.keyStorePassword = OTHER_PASSWORD;
		expect(() => mutualTlsConnection(mutualTlsConfig(data))).toThrow(expect.objectContaining({ code: 'PASSWORD_WRONG' }));
		data.keyStorePassword = STORE_PASSWORD;
		expect(mutualTlsConnection(mutualTlsConfig(data)).material).toBe(first.material);
		expect(keyStoreStats().parses).toBe(2);
	});

	it('an input object mutated in place gets the fingerprint of its new content', () => {
		const input: KeyStoreInput = { format: 'pkcs12', data: pki.p12Modern, password: STORE_PASSWORD };
		const modern = loadKeyStore(input);
		input.data = pki.jksRsa;
		input.format = 'jks';
		const jks = loadKeyStore(input);
		expect(jks.format).toBe('jks');
		expect(jks.fingerprint).not.toBe(modern.fingerprint);
		// A fresh object with the same content as the mutated one: same cache entry.
		expect(loadKeyStore({ format: 'jks', data: pki.jksRsa, password: STORE_PASSWORD }).fingerprint).toBe(jks.fingerprint);
		// Trust added to the same object: a new fingerprint, parsed again.
		input.trust = { data: pki.caPem };
		expect(loadKeyStore(input).fingerprint).not.toBe(jks.fingerprint);
		expect(keyStoreStats().parses).toBe(3);
	});

	it('the iteration cap is part of the memo key', () => {
		const input: KeyStoreInput = { format: 'pkcs12', data: pki.p12Modern, password: STORE_PASSWORD };
		const a = loadKeyStore(input);
		const b = loadKeyStore(input, { maxIterations: 5000 });
		expect(b.fingerprint).not.toBe(a.fingerprint);
	});
});
