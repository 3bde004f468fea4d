/**
 * The trust rule, the same for every key-store format, against a real Node https server that
 * requires a client certificate (server certificate signed by the test CA):
 * - a Trust Certificate, when given, is the ONLY trust anchor: the CA inside the key store is then
 *   not trusted (a Trust Certificate of another CA makes the handshake fail);
 * - without one, the CA certificates in the key store's chain are trusted, for PKCS#12 (native and
 *   node-forge paths), JKS (key-entry chain) and PEM (CA appended after the client certificate).
 * Key stores are generated at test time (openssl, keytool).
 */
import { LpError } from '../../lib/errors';
import { send } from '../../lib/http';
import { policyForAllowText } from '../../lib/net/policy';
import { closeAllAgents, getAgent } from '../../lib/tls/agent-pool';
import { describeMaterial } from '../../lib/tls/credential';
import { KeyStoreInput, loadKeyStore } from '../../lib/tls/keystore';
import { readJks } from '../../lib/tls/jks';
import { makeTestPki, STORE_PASSWORD, TestPki } from '../helpers/pki';
import { NodeTlsServer, startNodeMtlsServer } from '../helpers/tls-servers';

jest.setTimeout(120_000);

let pki: TestPki;
let server: NodeTlsServer;

beforeAll(async () => {
	pki = makeTestPki();
	server = await startNodeMtlsServer(pki);
});

afterAll(async () => {
	await closeAllAgents();
	await server?.close();
});

async function call(input: KeyStoreInput) {
	const material = loadKeyStore(input, { cache: false });
	const { agent } = getAgent({ material, minVersion: 'TLSv1.2' });
	return send({ url: `${server.url}/trust`, connection: { label: 'test agent', dispatcher: () => agent }, policy: policyForAllowText('loopback'), retry: { retries: 0 }, timeoutMs: 10_000 });
}

async function failure(input: KeyStoreInput): Promise<LpError> {
	const error = await call(input).then(
		() => undefined,
		(e: unknown) => e,
	);
	expect(error).toBeInstanceOf(LpError);
	return error as LpError;
}

/** Every format with the test CA in the key store's chain (none has a Trust Certificate yet). */
const WITH_CA_IN_STORE: Array<[string, (p: TestPki) => KeyStoreInput, string]> = [
	['PKCS#12 modern (native OpenSSL path)', (p) => ({ format: 'pkcs12', data: p.p12Modern, password: STORE_PASSWORD }), 'client-rsa'],
	['PKCS#12 legacy RC2-40 (node-forge path)', (p) => ({ format: 'pkcs12', data: p.p12Legacy, password: STORE_PASSWORD }), 'client-rsa'],
	['PKCS#12 EC', (p) => ({ format: 'pkcs12', data: p.p12Ec, password: STORE_PASSWORD }), 'client-ec'],
	['JKS RSA (keytool; CA in the key entry chain)', (p) => ({ format: 'jks', data: p.jksRsa, password: STORE_PASSWORD }), 'client-rsa'],
	['JKS EC (keytool; CA in the key entry chain)', (p) => ({ format: 'jks', data: p.jksEc, password: STORE_PASSWORD }), 'client-ec'],
	['PKCS12-typed store from keytool', (p) => ({ format: 'jks', data: p.keytoolPkcs12, password: STORE_PASSWORD }), 'client-rsa'],
	['PEM with the CA appended after the client certificate', (p) => ({ format: 'pem', data: p.rsa.certPem + p.caPem, key: p.rsa.keyPem }), 'client-rsa'],
	['PEM EC with the key and the CA in one text', (p) => ({ format: 'pem', data: p.ec.certPem + p.caPem + p.ec.keyPem }), 'client-ec'],
];

describe('no Trust Certificate: the CA certificates in the key store are trusted, every format', () => {
	it('the JKS stores really carry the CA in the key entry chain (and no trusted entry)', () => {
		const store = readJks(Buffer.from(pki.jksRsa, 'base64'), STORE_PASSWORD);
		expect(store.entries.filter((e) => e.kind === 'trusted')).toHaveLength(0);
		expect(store.entries.find((e) => e.kind === 'key')?.certs.length).toBe(2);
	});

	it.each(WITH_CA_IN_STORE)('%s: the handshake succeeds', async (_name, input, cn) => {
		const res = await call(input(pki));
		expect(res.status).toBe(200);
		expect(JSON.parse(res.body.toString()).client).toBe(cn);
	});

	it('a PEM without the CA still fails (public roots only)', async () => {
		const error = await failure({ format: 'pem', data: pki.rsa.certPem, key: pki.rsa.keyPem });
		expect(error.kind).toBe('tls');
	});

	it('the credential test says what is trusted', () => {
		expect(describeMaterial(loadKeyStore(WITH_CA_IN_STORE[3][1](pki)))).toContain('trusts the public CAs and 1 CA certificate from the key store');
		expect(describeMaterial(loadKeyStore({ ...WITH_CA_IN_STORE[0][1](pki), trust: { data: pki.otherCaPem } }))).toContain('trusts only the Trust Certificate (1 certificate)');
	});
});

describe('a Trust Certificate is the only trust anchor, every format', () => {
	it.each(WITH_CA_IN_STORE)('%s with the Trust Certificate of ANOTHER CA: the handshake fails', async (_name, input) => {
		const error = await failure({ ...input(pki), trust: { data: pki.otherCaPem } });
		expect(error.kind).toBe('tls');
		expect(error.message).not.toContain(STORE_PASSWORD);
	});

	it.each(WITH_CA_IN_STORE)('%s with the Trust Certificate of the server CA: the handshake succeeds', async (_name, input, cn) => {
		const res = await call({ ...input(pki), trust: { data: pki.caPem } });
		expect(JSON.parse(res.body.toString()).client).toBe(cn);
	});
});
