/**
 * The Mutual TLS credential with EVERY key store format in n8n's own engine (test/engine/engine.ts, both
 * pinned versions, in-process): one workflow, one run (a fresh copy of the package's modules, as a new
 * `n8n execute` process), one LivePerson API Integration node per format side by side, each with
 * its own `livePersonMutualTlsApi` credential, calling a Node https server on 127.0.0.1 that requires
 * a client certificate (`requestCert` + `rejectUnauthorized`) and counts handshakes. The key stores
 * are made at test time by the real tools (test/helpers/pki.ts): `openssl pkcs12 -export` (modern and
 * `-legacy`), `keytool` (JKS, and a PKCS12-typed store), PEM, RSA and EC. 127.0.0.1 is reached
 * through the node's "Allowed Internal Networks" option (`loopback`), as the outbound policy wants.
 * Issue 22 (test/helpers/stores22.ts, a second server trusting their CA): Camellia and non-ASCII
 * passwords with and without a Trust Certificate, two keys with and without Key Alias, BKS, and a
 * refused certificate that is not retried.
 */
import { makeTestPki, STORE_PASSWORD, type TestPki } from '../helpers/pki';
import { makeStores22, MULTI_PASSWORD, NON_ASCII_PASSWORD, type Stores22 } from '../helpers/stores22';
import { SecretScanner } from '../support/secrets';
import { startNodeMtlsServer, type NodeTlsServer } from '../helpers/tls-servers';
import { EXECUTE_TIMEOUT_MS, INSTALL_TIMEOUT_MS, MANUAL_TRIGGER, manualTriggerWorkflow, nodeType, type Connections, type WorkflowNode } from '../e2e/harness';
import { createEngine, ENGINE_VERSIONS, expectNodesLogged, expectRunOk, type WorkflowRunner } from './engine';

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

/** Issue 22 stores, against a server that trusts only their CA: the client CN, or the error expected. */
interface Case22 {
	slug: string;
	label: string;
	data: (x: Stores22) => Record<string, unknown>;
	client?: 'client-alpha' | 'client-beta';
	error?: RegExp;
	/** The item's JSON must also match this (the description carries the hint). */
	also?: RegExp;
	retries?: number;
}
const trust22 = (x: Stores22) => ({ trustCertificate: x.caPem });
const CASES22: Case22[] = [
	{ slug: 'p12-camellia', label: 'PKCS#12 Camellia-256, non-ASCII password, Trust Certificate', client: 'client-alpha', data: (x) => ({ keyStoreFormat: 'pkcs12', keyStore: x.p12Camellia, keyStorePassword: NON_ASCII_PASSWORD, ...trust22(x) }) },
	{ slug: 'p12-camellia-notrust', label: 'PKCS#12 Camellia-256, non-ASCII password, no Trust Certificate', client: 'client-alpha', data: (x) => ({ keyStoreFormat: 'pkcs12', keyStore: x.p12Camellia, keyStorePassword: NON_ASCII_PASSWORD }) },
	{ slug: 'p12-nonascii-legacy', label: 'PKCS#12 -legacy, non-ASCII password, Trust Certificate', client: 'client-alpha', data: (x) => ({ keyStoreFormat: 'pkcs12', keyStore: x.p12NonAsciiLegacy, keyStorePassword: NON_ASCII_PASSWORD, ...trust22(x) }) },
	{ slug: 'jks-nonascii', label: 'JKS, non-ASCII password, Trust Certificate', client: 'client-alpha', data: (x) => ({ keyStoreFormat: 'jks', keyStore: x.jksNonAscii, keyStorePassword: NON_ASCII_PASSWORD, ...trust22(x) }) },
	{ slug: 'jks-two-beta', label: 'JKS with two keys, Key Alias "beta"', client: 'client-beta', data: (x) => ({ keyStoreFormat: 'jks', keyStore: x.jksTwoKeys, keyStorePassword: MULTI_PASSWORD, keyAlias: 'beta', ...trust22(x) }) },
	{ slug: 'p12-two-alpha', label: 'PKCS#12 with two keys, Key Alias "alpha"', client: 'client-alpha', data: (x) => ({ keyStoreFormat: 'pkcs12', keyStore: x.p12TwoKeys, keyStorePassword: MULTI_PASSWORD, keyAlias: 'alpha', ...trust22(x) }) },
	{ slug: 'p12-two-noalias', label: 'PKCS#12 with two keys, no Key Alias', error: /holds 2 private keys \(\\"alpha\\", \\"beta\\"\)/, data: (x) => ({ keyStoreFormat: 'pkcs12', keyStore: x.p12TwoKeys, keyStorePassword: MULTI_PASSWORD, ...trust22(x) }) },
	{ slug: 'bks-as-jks', label: 'BKS selected as JKS', error: /BKS is not supported/, also: /-deststoretype pkcs12/, data: (x) => ({ keyStoreFormat: 'jks', keyStore: x.bks, keyStorePassword: MULTI_PASSWORD }) },
	{
		slug: 'no-clientauth',
		label: 'certificate without clientAuth, refused by the server, Retries 3',
		error: /refused the client certificate/,
		also: /does not allow client authentication/,
		retries: 3,
		data: (x) => ({ keyStoreFormat: 'pkcs12', keyStore: x.p12NoClientAuth, keyStorePassword: MULTI_PASSWORD, ...trust22(x) }),
	},
];

const SLUGS = FORMATS.map((f) => f.slug);
const SLUGS22 = CASES22.map((c) => c.slug);

const credential22 = (c: Case22) => ({ id: `lpMtls22Case${String(CASES22.indexOf(c)).padStart(4, '0')}`, name: `mTLS e2e issue 22 ${c.label}` });

const credentialOf = (f: Format) => ({ id: `lpMtlsFmt${f.slug.replace(/[^a-z0-9]/gi, '')}`.padEnd(16, '0').slice(0, 16), name: `mTLS e2e ${f.label}` });

describe.each(ENGINE_VERSIONS)('Mutual TLS credential, every key store format, in n8n %s (engine)', (version) => {
	let pki: TestPki;
	let s22: Stores22;
	let server: NodeTlsServer;
	let server22: NodeTlsServer;
	let n8n: WorkflowRunner;
	let workflow = '';
	let trustWorkflow = '';
	let workflow22 = '';

	beforeAll(async () => {
		pki = makeTestPki();
		s22 = makeStores22();
		server = await startNodeMtlsServer(pki);
		server22 = await startNodeMtlsServer(s22.serverPki);
		n8n = await createEngine(version);
		expect(new Set(FORMATS.map(credentialOf).map((c) => c.id)).size).toBe(FORMATS.length);
		const all: Format[] = [...FORMATS, ...TRUST_CASES];
		const ids = [...all.map(credentialOf), ...CASES22.map(credential22)].map((c) => c.id);
		expect(new Set(ids).size).toBe(ids.length);
		await n8n.importCredentials([
			...all.map((f) => ({ ...credentialOf(f), type: 'livePersonMutualTlsApi', data: { protocols: 'tls12plus', ...f.data(pki) } })),
			...CASES22.map((c) => ({ ...credential22(c), type: 'livePersonMutualTlsApi', data: { protocols: 'tls12plus', ...c.data(s22) } })),
		]);

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
		const nodes22 = CASES22.map((c): WorkflowNode => {
			const n = nodeOf(c as unknown as Format);
			return {
				...n,
				parameters: { ...n.parameters, url: `${server22.url}/issue22/${c.slug}`, options: { allowedInternalNetworks: 'loopback', retries: c.retries ?? 0 } },
				credentials: { livePersonMutualTlsApi: credential22(c) },
			};
		});
		const connect = (list: WorkflowNode[]): Connections => ({ [MANUAL_TRIGGER]: { main: [list.map((n) => ({ node: n.name, type: 'main' as const, index: 0 }))] } });
		[workflow, trustWorkflow, workflow22] = await n8n.importWorkflows([
			manualTriggerWorkflow(`mTLS every key store format (${version})`, nodes, connect(nodes)),
			manualTriggerWorkflow(`mTLS trust rule (${version})`, trustNodes, connect(trustNodes)),
			manualTriggerWorkflow(`mTLS issue 22 key stores (${version})`, nodes22, connect(nodes22)),
		]);
	}, INSTALL_TIMEOUT_MS);

	afterAll(async () => {
		await n8n?.close();
		await server?.close();
		await server22?.close();
	});

	test(
		`${FORMATS.map((f) => f.slug).join(', ')}: each authenticates with its client certificate, one handshake each`,
		async () => {
			const handshakesBefore = server.handshakes();
			const run = await n8n.execute(workflow);
			expectRunOk(run);

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
			expectNodesLogged(run, SLUGS);
			scanner.expectClean("n8n's logs", n8n.allLogs());
		},
		EXECUTE_TIMEOUT_MS,
	);

	test(
		'trust rule: a Trust Certificate of another CA fails a PKCS#12 holding the server CA; a JKS chain, a PEM chain and a PKCS#12 are trusted without one',
		async () => {
			const run = await n8n.execute(trustWorkflow);
			expectRunOk(run);
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

	test(
		`issue 22: ${CASES22.map((c) => c.slug).join(', ')}`,
		async () => {
			const connectionsBefore = server22.connections();
			const run = await n8n.execute(workflow22);
			expectRunOk(run);
			const seen = CASES22.map((c) => {
				const items = run.items(c.slug);
				const item = (items[0] ?? {}) as { client?: string; path?: string };
				const text = JSON.stringify(items[0] ?? null);
				return {
					store: c.slug,
					items: items.length,
					client: item.client ?? null,
					error: c.error ? c.error.test(text) : /"error"/.test(text),
					also: c.also ? c.also.test(text) : true,
					internal: /Unexpected internal error|a bug in n8n-nodes-liveperson/.test(text),
					// The item itself when it does not say what it should (a readable failure).
					...((c.error && !c.error.test(text)) || (c.also && !c.also.test(text)) ? { item: text.slice(0, 1500) } : {}),
				};
			});
			expect(seen).toEqual(CASES22.map((c) => ({ store: c.slug, items: 1, client: c.client ?? null, error: !!c.error, also: true, internal: false })));
			// One connection per store that reaches the server (each credential has its own agent); the
			// refused certificate once despite Retries 3; alias and BKS errors never connect.
			const connecting = CASES22.filter((c) => c.client || c.retries).length;
			expect(server22.connections() - connectionsBefore).toBe(connecting);
			const scanner = new SecretScanner().add('non-ASCII key store password', NON_ASCII_PASSWORD).add('multi-key store password', MULTI_PASSWORD);
			for (const f of ['p12Camellia', 'p12NonAsciiLegacy', 'jksNonAscii', 'p12TwoKeys', 'jksTwoKeys', 'p12NoClientAuth'] as const) scanner.addBase64Blob(`key store ${f}`, s22[f]);
			scanner.expectClean('output items (run data)', run.runData);
			expectNodesLogged(run, SLUGS22);
			scanner.expectClean("n8n's logs", n8n.allLogs());
		},
		EXECUTE_TIMEOUT_MS,
	);
});
