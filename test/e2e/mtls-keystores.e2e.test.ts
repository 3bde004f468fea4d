/**
 * The Mutual TLS credential with EVERY key store format in real n8n (both pinned versions): one
 * workflow, one `n8n execute`, one LivePerson API Integration node per format side by side, each with
 * its own `livePersonMutualTlsApi` credential, calling a Node https server on 127.0.0.1 that requires
 * a client certificate (`requestCert` + `rejectUnauthorized`) and counts handshakes. The key stores
 * are made at test time by the real tools (test/helpers/pki.ts): `openssl pkcs12 -export` (modern and
 * `-legacy`), `keytool` (JKS, and a PKCS12-typed store), PEM, RSA and EC. 127.0.0.1 is reached
 * through the node's "Allowed Internal Networks" option (`loopback`), as the outbound policy wants.
 */
import { closeAllAgents } from '../../lib/tls/agent-pool';
import { makeTestPki, STORE_PASSWORD, type TestPki } from '../helpers/pki';
import { SecretScanner } from '../support/secrets';
import { startNodeMtlsServer, type NodeTlsServer } from '../helpers/tls-servers';
import {
	createN8n,
	EXECUTE_TIMEOUT_MS,
	INSTALL_TIMEOUT_MS,
	MANUAL_TRIGGER,
	manualTriggerWorkflow,
	N8N_VERSIONS,
	nodeType,
	type Connections,
	type N8nInstance,
	type WorkflowNode,
} from './harness';

interface Format {
	/** Also the node name and the URL path segment. */
	slug: string;
	label: string;
	/** Expected client certificate CN at the server. */
	cn: 'client-rsa' | 'client-ec';
	data: (p: TestPki) => Record<string, unknown>;
}

const caTrust = (p: TestPki) => ({ trustCertificate: p.caPem });

const FORMATS: Format[] = [
	{ slug: 'p12-modern', label: 'PKCS#12 modern (openssl, AES-256-CBC + PBKDF2), RSA', cn: 'client-rsa', data: (p) => ({ keyStoreFormat: 'pkcs12', keyStore: p.p12Modern, keyStorePassword: STORE_PASSWORD, ...caTrust(p) }) },
	{ slug: 'p12-legacy', label: 'PKCS#12 legacy (openssl -legacy, RC2-40 + 3DES), RSA', cn: 'client-rsa', data: (p) => ({ keyStoreFormat: 'pkcs12', keyStore: p.p12Legacy, keyStorePassword: STORE_PASSWORD, ...caTrust(p) }) },
	{ slug: 'p12-ec', label: 'PKCS#12 (openssl), EC P-256', cn: 'client-ec', data: (p) => ({ keyStoreFormat: 'pkcs12', keyStore: p.p12Ec, keyStorePassword: STORE_PASSWORD, trustCertificate: p.caDerB64 }) },
	{
		slug: 'jks-rsa',
		label: 'JKS (keytool), RSA, with a keytool JKS trust store',
		cn: 'client-rsa',
		data: (p) => ({ keyStoreFormat: 'jks', keyStore: p.jksRsa, keyStorePassword: STORE_PASSWORD, trustCertificate: p.jksTrust, trustStorePassword: STORE_PASSWORD }),
	},
	{ slug: 'keytool-p12', label: 'PKCS12-typed store made by keytool, RSA', cn: 'client-rsa', data: (p) => ({ keyStoreFormat: 'pkcs12', keyStore: p.keytoolPkcs12, keyStorePassword: STORE_PASSWORD, ...caTrust(p) }) },
	{ slug: 'pem-rsa', label: 'PEM certificate + RSA private key', cn: 'client-rsa', data: (p) => ({ keyStoreFormat: 'pem', keyStore: p.rsa.certPem, privateKey: p.rsa.keyPem, ...caTrust(p) }) },
	{ slug: 'pem-ec', label: 'PEM certificate + EC private key', cn: 'client-ec', data: (p) => ({ keyStoreFormat: 'pem', keyStore: p.ec.certPem, privateKey: p.ec.keyPem, ...caTrust(p) }) },
];

/**
 * The trust rule (one for every format): a Trust Certificate is the only anchor, so a PKCS#12 whose
 * own CA signed the server fails with the Trust Certificate of another CA; without one, the CA in a
 * JKS key-entry chain or appended to a PEM is trusted. `ok: false` = the handshake must fail.
 */
interface TrustCase extends Format {
	ok: boolean;
}
const TRUST_CASES: TrustCase[] = [
	{ slug: 'p12-other-ca', label: 'PKCS#12 with its CA inside, Trust Certificate of another CA', cn: 'client-rsa', ok: false, data: (p) => ({ keyStoreFormat: 'pkcs12', keyStore: p.p12Modern, keyStorePassword: STORE_PASSWORD, trustCertificate: p.otherCaPem }) },
	{ slug: 'jks-chain', label: 'JKS with the CA in the key entry chain, no Trust Certificate', cn: 'client-rsa', ok: true, data: (p) => ({ keyStoreFormat: 'jks', keyStore: p.jksRsa, keyStorePassword: STORE_PASSWORD }) },
	{ slug: 'pem-chain', label: 'PEM with the CA appended, no Trust Certificate', cn: 'client-rsa', ok: true, data: (p) => ({ keyStoreFormat: 'pem', keyStore: p.rsa.certPem + p.caPem, privateKey: p.rsa.keyPem }) },
	{ slug: 'p12-inside-ca', label: 'PKCS#12 with its CA inside, no Trust Certificate', cn: 'client-rsa', ok: true, data: (p) => ({ keyStoreFormat: 'pkcs12', keyStore: p.p12Legacy, keyStorePassword: STORE_PASSWORD }) },
];

const credentialOf = (f: Format) => ({ id: `lpMtlsFmt${f.slug.replace(/[^a-z0-9]/gi, '')}`.padEnd(16, '0').slice(0, 16), name: `mTLS e2e ${f.label}` });

describe.each(N8N_VERSIONS)('Mutual TLS credential, every key store format, in n8n %s', (version) => {
	let pki: TestPki;
	let server: NodeTlsServer;
	let n8n: N8nInstance;
	let workflow = '';
	let trustWorkflow = '';

	beforeAll(async () => {
		pki = makeTestPki();
		server = await startNodeMtlsServer(pki);
		n8n = await createN8n(version);
		expect(new Set(FORMATS.map(credentialOf).map((c) => c.id)).size).toBe(FORMATS.length);
		const all: Format[] = [...FORMATS, ...TRUST_CASES];
		expect(new Set(all.map(credentialOf).map((c) => c.id)).size).toBe(all.length);
		await n8n.importCredentials(all.map((f) => ({ ...credentialOf(f), type: 'livePersonMutualTlsApi', data: { protocols: 'tls12plus', ...f.data(pki) } })));

		const nodeOf = (f: Format): WorkflowNode => ({
			name: f.slug,
			type: nodeType('livePersonApiIntegration'),
			typeVersion: 1,
			// Errors become items, so one run reports every format even if one fails.
			onError: 'continueRegularOutput',
			parameters: {
				authentication: 'none',
				mutualTls: true,
				method: 'GET',
				url: `${server.url}/format/${f.slug}`,
				options: { allowedInternalNetworks: 'loopback', retries: 0 },
			},
			credentials: { livePersonMutualTlsApi: credentialOf(f) },
		});
		const nodes = FORMATS.map(nodeOf);
		const trustNodes = TRUST_CASES.map(nodeOf);
		const connect = (list: WorkflowNode[]): Connections => ({ [MANUAL_TRIGGER]: { main: [list.map((n) => ({ node: n.name, type: 'main' as const, index: 0 }))] } });
		[workflow, trustWorkflow] = await n8n.importWorkflows([
			manualTriggerWorkflow(`mTLS every key store format (${version})`, nodes, connect(nodes)),
			manualTriggerWorkflow(`mTLS trust rule (${version})`, trustNodes, connect(trustNodes)),
		]);
	}, INSTALL_TIMEOUT_MS);

	afterAll(async () => {
		await n8n?.close();
		await server?.close();
		await closeAllAgents();
	});

	test(
		`${FORMATS.map((f) => f.slug).join(', ')}: each authenticates with its client certificate, one handshake each`,
		async () => {
			const handshakesBefore = server.handshakes();
			const run = await n8n.execute(workflow);
			if (!run.ok) throw new Error(`run failed: ${JSON.stringify(run.error)}\n${run.logs.slice(-3000)}`);

			const seen = FORMATS.map((f) => {
				const items = run.items(f.slug);
				const item = items[0] as { client?: string; path?: string; protocol?: string; error?: unknown } | undefined;
				return { format: f.slug, items: items.length, client: item?.client, path: item?.path, tls12plus: /^TLSv1\.[23]$/.test(item?.protocol ?? ''), error: item?.error };
			});
			expect(seen).toEqual(FORMATS.map((f) => ({ format: f.slug, items: 1, client: f.cn, path: `/format/${f.slug}`, tls12plus: true, error: undefined })));
			// Each credential has its own pooled agent: one full handshake per format, no more.
			expect(server.handshakes() - handshakesBefore).toBe(FORMATS.length);

			const scanner = new SecretScanner()
				.add('key store password', STORE_PASSWORD)
				.addPem('RSA private key', pki.rsa.keyPem)
				.addPem('EC private key', pki.ec.keyPem);
			for (const f of ['p12Modern', 'p12Legacy', 'p12Ec', 'jksRsa', 'keytoolPkcs12'] as const) scanner.addBase64Blob(`key store ${f}`, pki[f]);
			scanner.expectClean('output items (run data)', run.runData);
			scanner.expectClean("n8n's logs (import and execute)", n8n.allLogs());
		},
		EXECUTE_TIMEOUT_MS,
	);

	test(
		'trust rule: a Trust Certificate of another CA fails a PKCS#12 holding the server CA; a JKS chain, a PEM chain and a PKCS#12 are trusted without one',
		async () => {
			const run = await n8n.execute(trustWorkflow);
			if (!run.ok) throw new Error(`run failed: ${JSON.stringify(run.error)}\n${run.logs.slice(-3000)}`);
			const seen = TRUST_CASES.map((f) => {
				const item = run.items(f.slug)[0] as { client?: string; error?: unknown } | undefined;
				return { format: f.slug, client: item?.client ?? null, failed: item?.error !== undefined };
			});
			expect(seen).toEqual(TRUST_CASES.map((f) => ({ format: f.slug, client: f.ok ? f.cn : null, failed: !f.ok })));
			const refused = run.items('p12-other-ca')[0] as { error?: unknown };
			expect(JSON.stringify(refused.error)).toMatch(/TLS|certificate/i);
			expect(JSON.stringify(run.runData)).not.toContain(STORE_PASSWORD);
		},
		EXECUTE_TIMEOUT_MS,
	);
});
