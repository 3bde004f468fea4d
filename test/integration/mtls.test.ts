/**
 * Mutual TLS end to end against servers that REQUIRE a client certificate: Node https and nginx.
 * Every key store is generated at test time (openssl, keytool, node-forge) in a temp dir.
 */
import type { Agent } from 'undici';
import { LpError } from '../../lib/errors';
import { send, type Connection } from '../../lib/http';
import { OutboundPolicy } from '../../lib/net/policy';
import { agentPoolStats, closeAllAgents, dropAgent, getAgent } from '../../lib/tls/agent-pool';
import { mutualTlsConnection } from '../../lib/tls/credential';
import { KeyStoreInput, loadKeyStore } from '../../lib/tls/keystore';
import { mutualTlsConfig } from '../../nodes/shared/credentialConfig';
import { makeTestPki, STORE_PASSWORD, TestPki } from '../helpers/pki';
import { NginxServer, NodeTlsServer, startNginxMtls, startNodeMtlsServer } from '../helpers/tls-servers';

jest.setTimeout(120_000);

let pki: TestPki;
let node: NodeTlsServer;
let node13: NodeTlsServer;
let nginx: NginxServer;

beforeAll(async () => {
	pki = makeTestPki();
	node = await startNodeMtlsServer(pki);
	node13 = await startNodeMtlsServer(pki, { minVersion: 'TLSv1.3' });
	nginx = await startNginxMtls(pki);
});

afterAll(async () => {
	await closeAllAgents();
	await Promise.all([node?.close(), node13?.close(), nginx?.close()]);
});

const trust = () => ({ data: pki.caPem });

/** The test servers listen on 127.0.0.1: every request here allows loopback. */
const loopback = new OutboundPolicy({ allow: ['loopback'] });
/** A pooled agent as the request's connection (this file tests the pool itself). */
const rawAgent = (agent: Agent): Connection => ({ label: 'test', dispatcher: () => agent });
const viaAgent = (url: string, agent: Agent) => send({ url, connection: rawAgent(agent), policy: loopback, retry: { retries: 0 }, timeoutMs: 10_000 });

type Case = [string, (p: TestPki) => KeyStoreInput, string];
const trustOf = (p: TestPki) => ({ data: p.caPem });
const STORES: Case[] = [
		['PKCS#12 modern (openssl)', (p) => ({ format: 'pkcs12', data: p.p12Modern, password: STORE_PASSWORD, trust: trustOf(p) }), 'client-rsa'],
		['PKCS#12 legacy RC2-40 (openssl -legacy)', (p) => ({ format: 'pkcs12', data: p.p12Legacy, password: STORE_PASSWORD, trust: trustOf(p) }), 'client-rsa'],
		['PKCS#12 EC', (p) => ({ format: 'pkcs12', data: p.p12Ec, password: STORE_PASSWORD, trust: trustOf(p) }), 'client-ec'],
		['JKS RSA (keytool)', (p) => ({ format: 'jks', data: p.jksRsa, password: STORE_PASSWORD, trust: { data: p.jksTrust, password: STORE_PASSWORD } }), 'client-rsa'],
		['JKS EC (keytool)', (p) => ({ format: 'jks', data: p.jksEc, password: STORE_PASSWORD, trust: { data: p.caDerB64, format: 'der' } }), 'client-ec'],
		['PKCS12-typed store from keytool', (p) => ({ format: 'jks', data: p.keytoolPkcs12, password: STORE_PASSWORD, trust: trustOf(p) }), 'client-rsa'],
		['PEM RSA', (p) => ({ format: 'pem', data: p.rsa.certPem, key: p.rsa.keyPem, trust: trustOf(p) }), 'client-rsa'],
		['PEM EC', (p) => ({ format: 'pem', data: p.ec.certPem, key: p.ec.keyPem, trust: trustOf(p) }), 'client-ec'],
];

async function call(url: string, input: KeyStoreInput, extra: Partial<Parameters<typeof getAgent>[0]> = {}) {
	const material = loadKeyStore(input);
	const { agent } = getAgent({ material, minVersion: 'TLSv1.2', ...extra });
	return viaAgent(url, agent);
}

async function expectTlsFailure(promise: Promise<unknown>) {
	const error = await promise.then(
		() => undefined,
		(e: unknown) => e,
	);
	expect(error).toBeInstanceOf(LpError);
	expect(['tls', 'network']).toContain((error as LpError).kind);
	return error as LpError;
}

describe('Node https server with requestCert + rejectUnauthorized', () => {
	test.each(STORES)('%s authenticates', async (_name, input, cn) => {
		const res = await call(`${node.url}/hello`, input(pki));
		expect(res.status).toBe(200);
		expect(JSON.parse(res.body.toString()).client).toBe(cn);
	});

	test('wrong password fails before any connection', () => {
		expect(() => loadKeyStore({ format: 'pkcs12', data: pki.p12Modern, password: 'not-the-password' })).toThrow(/password is wrong/);
	});

	test('a server certificate from an unknown CA is refused', async () => {
		const error = await expectTlsFailure(call(node.url, { format: 'pem', data: pki.rsa.certPem, key: pki.rsa.keyPem, trust: { data: pki.otherCaPem } }));
		expect(error.kind).toBe('tls');
		expect(error.message).not.toContain(STORE_PASSWORD);
	});

	test('a CA certificate inside the key store is trusted too (as the Conversation Builder docs describe)', async () => {
		// modern.p12 was exported with -certfile test-ca.crt: no separate trust certificate needed.
		const res = await call(node.url, { format: 'pkcs12', data: pki.p12Modern, password: STORE_PASSWORD });
		expect(res.status).toBe(200);
		const legacy = await call(node.url, { format: 'pkcs12', data: pki.p12Legacy, password: STORE_PASSWORD });
		expect(legacy.status).toBe(200);
	});

	test('without a trust certificate the test CA is unknown (Node roots only)', async () => {
		await expectTlsFailure(call(node.url, { format: 'pem', data: pki.rsa.certPem, key: pki.rsa.keyPem }));
	});

	test('a client certificate the server does not trust is refused', async () => {
		await expectTlsFailure(call(node.url, { format: 'pkcs12', data: pki.p12Untrusted, password: STORE_PASSWORD, trust: trust() }));
	});

	test('protocol mismatch: server TLS 1.3 only, client at most TLS 1.2', async () => {
		const input: KeyStoreInput = { format: 'pkcs12', data: pki.p12Modern, password: STORE_PASSWORD, trust: trust() };
		const error = await expectTlsFailure(call(node13.url, input, { maxVersion: 'TLSv1.2' }));
		expect(error.kind).toBe('tls');
		// and the same credential with TLS 1.3 allowed works
		const ok = await call(node13.url, input, { maxVersion: 'TLSv1.3' });
		expect(JSON.parse(ok.body.toString()).protocol).toBe('TLSv1.3');
	});

	test('TLS 1.1 only as an explicit opt-in (credential choice "TLS 1.1 and newer")', async () => {
		const https = await import('node:https');
		const legacy = https.createServer(
			{ key: pki.serverKey, cert: pki.serverCert, ca: pki.caPem, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT:@SECLEVEL=0' },
			(req, res) => res.end((req.socket as import('node:tls').TLSSocket).getProtocol() ?? ''),
		);
		await new Promise<void>((resolve) => legacy.listen(0, '127.0.0.1', resolve));
		try {
			const url = `https://127.0.0.1:${(legacy.address() as import('node:net').AddressInfo).port}/`;
			const settings = mutualTlsConfig({ keyStore: pki.p12Modern, keyStorePassword: STORE_PASSWORD, protocols: 'tls12plus' });
			expect(settings.minVersion).toBe('TLSv1.2');
			await expectTlsFailure(call(url, settings.input, { minVersion: settings.minVersion, maxVersion: settings.maxVersion }));
			const optIn = mutualTlsConfig({ keyStore: pki.p12Modern, keyStorePassword: STORE_PASSWORD, protocols: 'tls11plus' });
			const res = await call(url, optIn.input, { minVersion: optIn.minVersion, maxVersion: optIn.maxVersion });
			expect(res.body.toString()).toBe('TLSv1.1');
			// The same through the credential's Connection (as the nodes send).
			await expectTlsFailure(send({ url, connection: mutualTlsConnection(settings), policy: loopback, retry: { retries: 0 }, timeoutMs: 10_000 }));
			const viaConnection = await send({ url, connection: mutualTlsConnection(optIn), policy: loopback, retry: { retries: 0 }, timeoutMs: 10_000 });
			expect(viaConnection.body.toString()).toBe('TLSv1.1');
		} finally {
			legacy.close();
		}
	});

	test('Server Name override: checked against the server certificate', async () => {
		const input: KeyStoreInput = { format: 'pkcs12', data: pki.p12Modern, password: STORE_PASSWORD, trust: trust() };
		const ok = await call(node.url, input, { servername: 'localhost' });
		expect(ok.status).toBe(200);
		await expectTlsFailure(call(node.url, input, { servername: 'not-this-host.example' }));
	});

	test('1000 requests, concurrency 8, one credential: at most 8 handshakes and one secure context', async () => {
		const material = loadKeyStore({ format: 'pkcs12', data: pki.p12Modern, password: STORE_PASSWORD, trust: trust() });
		const { agent, key } = getAgent({ material, minVersion: 'TLSv1.2', connections: 8, credentialId: 'reuse-test' });
		await dropAgent(key); // start from a fresh agent
		const before = node.handshakes();
		const contextsBefore = agentPoolStats().secureContextsBuilt;
		let next = 0;
		let ok = 0;
		const worker = async () => {
			while (next < 1000) {
				next++;
				// Resolve the agent per request, as the node does: must be the same pooled agent.
				const pooled = getAgent({ material: loadKeyStore({ format: 'pkcs12', data: pki.p12Modern, password: STORE_PASSWORD, trust: trust() }), minVersion: 'TLSv1.2', connections: 8, credentialId: 'reuse-test' });
				const res = await viaAgent(`${node.url}/n`, pooled.agent);
				if (res.status === 200) ok++;
			}
		};
		await Promise.all(Array.from({ length: 8 }, worker));
		expect(ok).toBe(1000);
		const handshakes = node.handshakes() - before;
		expect(handshakes).toBeGreaterThanOrEqual(1);
		expect(handshakes).toBeLessThanOrEqual(8);
		expect(agentPoolStats().secureContextsBuilt - contextsBefore).toBe(1);
		void agent;
	});

	test('a changed credential (same id) closes the old agent', async () => {
		const a = getAgent({ material: loadKeyStore({ format: 'pem', data: pki.rsa.certPem, key: pki.rsa.keyPem, trust: trust() }), credentialId: 'cred-42' });
		const b = getAgent({ material: loadKeyStore({ format: 'pem', data: pki.ec.certPem, key: pki.ec.keyPem, trust: trust() }), credentialId: 'cred-42' });
		expect(b.key).not.toBe(a.key);
		await new Promise((r) => setTimeout(r, 20));
		expect(a.agent.closed).toBe(true);
		const res = await viaAgent(node.url, b.agent);
		expect(JSON.parse(res.body.toString()).client).toBe('client-ec');
	});

	test('wrapConnector (outbound policy hook) sees every new connection and is part of the key', async () => {
		const material = loadKeyStore({ format: 'pem', data: pki.rsa.certPem, key: pki.rsa.keyPem, trust: trust() });
		const seen: string[] = [];
		const wrap = (base: import('undici').buildConnector.connector): import('undici').buildConnector.connector => (opts, cb) => {
			seen.push(opts.hostname);
			base(opts, cb);
		};
		const plain = getAgent({ material });
		const wrapped = getAgent({ material, wrapConnector: wrap, wrapConnectorKey: 'policy-A' });
		expect(wrapped.key).not.toBe(plain.key);
		const res = await viaAgent(node.url, wrapped.agent);
		expect(res.status).toBe(200);
		expect(seen).toEqual(['127.0.0.1']);
		const refusing = (): import('undici').buildConnector.connector => (_opts, cb) => cb(new LpError('blocked', 'Blocked by policy', { code: 'BLOCKED_ADDRESS' }), null);
		const blocked = getAgent({ material, wrapConnector: refusing, wrapConnectorKey: 'policy-B' });
		const error = await viaAgent(node.url, blocked.agent).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(LpError);
		expect((error as LpError).kind).toBe('blocked');
	});
});

describe('nginx with ssl_verify_client on', () => {
	test.each(STORES)('%s authenticates', async (_name, input, cn) => {
		const res = await call(`${nginx.url}/`, input(pki));
		expect(res.status).toBe(200);
		const body = JSON.parse(res.body.toString());
		expect(body.verify).toBe('SUCCESS');
		expect(body.client).toContain(`CN=${cn}`);
	});

	test('an untrusted client certificate gets no 200', async () => {
		const outcome = await call(`${nginx.url}/`, { format: 'pkcs12', data: pki.p12Untrusted, password: STORE_PASSWORD, trust: trust() }).then(
			(res) => res.status,
			(e: unknown) => (e instanceof LpError ? e.kind : 'other'),
		);
		// nginx answers 400 "The SSL certificate error" for a client certificate it cannot verify.
		expect([400, 'tls', 'network']).toContain(outcome);
	});

	test('a server certificate from an unknown CA is refused', async () => {
		await expectTlsFailure(call(nginx.url, { format: 'jks', data: pki.jksEc, password: STORE_PASSWORD, trust: { data: pki.otherCaPem } }));
	});
});
