/**
 * LivePerson API Integration node with the Mutual TLS credential in n8n's own engine (both pinned
 * versions, test/engine/engine.ts), against a Node
 * https server started here that REQUIRES a client certificate.
 */
import { closeAllAgents } from '../../lib/tls/agent-pool';
import { makeTestPki, OTHER_PASSWORD, STORE_PASSWORD, type TestPki } from '../helpers/pki';
import { startNodeMtlsServer, type NodeTlsServer } from '../helpers/tls-servers';
import { EXECUTE_TIMEOUT_MS, INSTALL_TIMEOUT_MS, itemsNode, manualTriggerWorkflow, nodeType, type WorkflowNode } from '../e2e/harness';
import { createEngine, ENGINE_VERSIONS, expectRunOk, type WorkflowRunner } from './engine';

const NODE = 'LivePerson API Integration';
const MTLS = { id: 'lpMtlsE2e0000001', name: 'mTLS e2e (PKCS#12)' };
const MTLS_JKS = { id: 'lpMtlsE2e0000002', name: 'mTLS e2e (JKS EC)' };
const MTLS_BAD = { id: 'lpMtlsE2e0000003', name: 'mTLS e2e (wrong password)' };
const TOKEN = { id: 'lpTokenE2e000001', name: 'token e2e' };
const ITEMS = 100;

function apiNode(url: string, credentials: WorkflowNode['credentials'], extra: Record<string, unknown> = {}): WorkflowNode {
	return {
		name: NODE,
		type: nodeType('livePersonApiIntegration'),
		typeVersion: 1,
		parameters: {
			authentication: 'none',
			mutualTls: true,
			method: 'GET',
			url,
			options: { allowedInternalNetworks: 'loopback', concurrency: 8 },
			...extra,
		},
		credentials,
	};
}

describe.each(ENGINE_VERSIONS)('LivePerson API Integration node with mutual TLS in n8n %s', (version) => {
	let pki: TestPki;
	let server: NodeTlsServer;
	let n8n: WorkflowRunner;
	const ids = { many: '', withToken: '', bad: '' };

	beforeAll(async () => {
		pki = makeTestPki();
		server = await startNodeMtlsServer(pki);
		n8n = await createEngine(version);
		await n8n.importCredentials([
			{ ...MTLS, type: 'livePersonMutualTlsApi', data: { keyStoreFormat: 'pkcs12', keyStore: pki.p12Modern, keyStorePassword: STORE_PASSWORD, trustCertificate: pki.caPem, protocols: 'tls12plus' } },
			{ ...MTLS_JKS, type: 'livePersonMutualTlsApi', data: { keyStoreFormat: 'jks', keyStore: pki.jksEc, keyStorePassword: STORE_PASSWORD, trustCertificate: pki.caDerB64, protocols: 'tls12plus' } },
			{ ...MTLS_BAD, type: 'livePersonMutualTlsApi', data: { keyStoreFormat: 'pkcs12', keyStore: pki.p12Modern, keyStorePassword: OTHER_PASSWORD, protocols: 'tls12plus' } },
			{ ...TOKEN, type: 'livePersonAccessTokenApi', data: { accessToken: 'e2e-token-abcdef', tokenType: 'Bearer' } },
		]);
		[ids.many, ids.withToken, ids.bad] = await n8n.importWorkflows([
			manualTriggerWorkflow(`API mTLS ${ITEMS} items ${version}`, [itemsNode(ITEMS), apiNode(`={{ "${server.url}/orders/" + $json.i }}`, { livePersonMutualTlsApi: MTLS })]),
			manualTriggerWorkflow(`API mTLS + token ${version}`, [
				apiNode(`${server.url}/with-token`, { livePersonMutualTlsApi: MTLS_JKS, livePersonAccessTokenApi: TOKEN }, { authentication: 'accessToken' }),
			]),
			manualTriggerWorkflow(`API mTLS wrong password ${version}`, [apiNode(`${server.url}/x`, { livePersonMutualTlsApi: MTLS_BAD })]),
		]);
	}, INSTALL_TIMEOUT_MS);

	afterAll(async () => {
		await n8n?.close();
		await server?.close();
		await closeAllAgents();
	});

	test(
		`${ITEMS} items over one credential: every request authenticated by the client certificate, at most 8 handshakes`,
		async () => {
			const before = server.handshakes();
			const run = await n8n.execute(ids.many);
			expectRunOk(run);
			const items = run.items(NODE);
			expect(items).toHaveLength(ITEMS);
			expect(items.every((i) => i.client === 'client-rsa')).toBe(true);
			expect(items.map((i) => i.path)).toEqual(Array.from({ length: ITEMS }, (_, i) => `/orders/${i}`));
			const handshakes = server.handshakes() - before;
			expect(handshakes).toBeGreaterThanOrEqual(1);
			expect(handshakes).toBeLessThanOrEqual(8);
		},
		EXECUTE_TIMEOUT_MS,
	);

	test(
		'mutual TLS (JKS, EC key) + Access Token credential on one request',
		async () => {
			const run = await n8n.execute(ids.withToken);
			expectRunOk(run);
			const [item] = run.items(NODE) as Array<{ client: string; headers: Record<string, string> }>;
			expect(item.client).toBe('client-ec');
			expect(item.headers.authorization).toBe('Bearer e2e-token-abcdef');
		},
		EXECUTE_TIMEOUT_MS,
	);

	test(
		'a wrong key store password fails the run clearly, without printing the password',
		async () => {
			const run = await n8n.execute(ids.bad);
			expect(run.ok).toBe(false);
			expect(run.error?.node).toBe(NODE);
			expect(run.error?.message).toMatch(/password is wrong/);
			expect(n8n.allLogs()).not.toContain(OTHER_PASSWORD);
			expect(n8n.allLogs()).not.toContain(STORE_PASSWORD);
		},
		EXECUTE_TIMEOUT_MS,
	);
});
