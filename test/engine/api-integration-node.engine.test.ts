/**
 * The LivePerson API Integration node in n8n's own engine (both pinned versions, test/engine/engine.ts)
 * against a Node https server that requires a client certificate: mutual TLS alone and with a
 * token credential, connection reuse across items, retries, the outbound policy, Continue On
 * Fail, and the Mutual TLS credential's Test button.
 */
import { OutboundPolicy } from '../../lib/net/policy';
import { closeAllAgents } from '../../lib/tls/agent-pool';
import { testMutualTlsCredential } from '../../lib/tls/credential-test';
import { mutualTlsConfig } from '../../nodes/shared/credentialConfig';
import { testMutualTls } from '../../nodes/shared/credentialTests';
import { INSTALL_TIMEOUT_MS, type ExecutionResult } from '../e2e/harness';
import { createEngine, ENGINE_VERSIONS, RUN_NODE, runNode, type WorkflowRunner } from './engine';
import { makeTestPki, OTHER_PASSWORD, STORE_PASSWORD, TestPki } from '../helpers/pki';
import { NodeTlsServer, startNodeMtlsServer } from '../helpers/tls-servers';
import { makeStores22, MULTI_PASSWORD, NON_ASCII_PASSWORD, type Stores22 } from '../helpers/stores22';

jest.setTimeout(120_000);

let pki: TestPki;
let server: NodeTlsServer;
let flakyCalls = 0;
let tokensIssued = 0;
const protectedAuth: string[] = [];
let tokenServer: import('node:http').Server;
let tokenUrl = '';
/** A plain http API on loopback for the OAuth2 Authorization Code case (n8n's helper sends to it). */
let oauthServer: import('node:http').Server;
let oauthUrl = '';
const oauthCalls: Array<{ url?: string; method?: string; authorization?: string }> = [];
let s22: Stores22;
let server22: NodeTlsServer;

beforeAll(async () => {
	pki = makeTestPki();
	server = await startNodeMtlsServer(pki, {
		handler: (req, res) => {
			if (req.url === '/flaky') {
				flakyCalls++;
				if (flakyCalls === 1) {
					res.writeHead(503, { 'retry-after': '0', 'content-type': 'text/plain' }).end('busy');
					return true;
				}
			}
			if (req.url === '/file') {
				res.writeHead(200, { 'content-type': 'application/pdf', 'content-disposition': 'attachment; filename="report.pdf"' }).end(Buffer.from('%PDF-1.4 test'));
				return true;
			}
			if (req.url === '/protected') {
				protectedAuth.push(String(req.headers.authorization));
				if (req.headers.authorization !== `Bearer tok-${tokensIssued}` || tokensIssued < 2) {
					res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"token expired"}');
					return true;
				}
				return false;
			}
			if (req.url === '/missing') {
				res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
				return true;
			}
			return false;
		},
	});
});

beforeAll(async () => {
	const http = await import('node:http');
	tokenServer = http.createServer((req, res) => {
		let body = '';
		req.on('data', (c: Buffer) => (body += c.toString()));
		req.on('end', () => {
			if (req.method !== 'POST' || !/grant_type=client_credentials/.test(body)) {
				res.writeHead(400).end();
				return;
			}
			tokensIssued++;
			res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: `tok-${tokensIssued}`, token_type: 'Bearer', expires_in: 3600 }));
		});
	});
	await new Promise<void>((resolve) => tokenServer.listen(0, '127.0.0.1', resolve));
	tokenUrl = `http://127.0.0.1:${(tokenServer.address() as import('node:net').AddressInfo).port}/oauth/token`;
});

beforeAll(async () => {
	const http = await import('node:http');
	oauthServer = http.createServer((req, res) => {
		oauthCalls.push({ url: req.url, method: req.method, authorization: req.headers.authorization });
		if (oauthCalls.length === 1) res.writeHead(503, { 'retry-after': '0', 'content-type': 'text/plain' }).end('busy');
		else res.writeHead(200, { 'content-type': 'application/json' }).end('{"me":"bot"}');
	});
	await new Promise<void>((resolve) => oauthServer.listen(0, '127.0.0.1', resolve));
	oauthUrl = `http://127.0.0.1:${(oauthServer.address() as import('node:net').AddressInfo).port}`;
	s22 = makeStores22();
	server22 = await startNodeMtlsServer(s22.serverPki);
});

afterAll(async () => {
	await closeAllAgents();
	await Promise.all([server?.close(), server22?.close()]);
	await new Promise((resolve) => tokenServer?.close(resolve));
	await new Promise((resolve) => oauthServer?.close(resolve));
});

function mtlsCredential(overrides: Record<string, unknown> = {}) {
	return { keyStoreFormat: 'pkcs12', keyStore: pki.p12Modern, keyStorePassword: STORE_PASSWORD, trustCertificate: pki.caPem, protocols: 'tls12plus', ...overrides };
}

type OutItem = { json: Record<string, unknown>; pairedItem?: unknown; binary?: Record<string, { fileName?: string; mimeType?: string }> };

/** The items the node under test emitted on its first output. */
function output(run: ExecutionResult): OutItem[] {
	if (!run.ok) throw new Error(`run failed: ${JSON.stringify(run.error?.message)}`);
	return (run.runData[RUN_NODE]?.[0]?.data?.main?.[0] ?? []) as OutItem[];
}

/** `count` input items { i }. */
const indexed = (count: number) => Array.from({ length: count }, (_, i) => ({ i }));

const base = (extra: Record<string, unknown> = {}) => ({
	authentication: 'none',
	mutualTls: true,
	method: 'GET',
	url: `${server.url}/orders`,
	options: { allowedInternalNetworks: 'loopback', concurrency: 8 },
	...extra,
});

describe.each(ENGINE_VERSIONS)('LivePerson API Integration node in n8n %s', (version) => {
	let n8n: WorkflowRunner;
	beforeAll(async () => {
		n8n = await createEngine(version);
	}, INSTALL_TIMEOUT_MS);
	afterAll(() => n8n?.close());
	const api = (opts: { items?: Array<Record<string, unknown>>; parameters: Record<string, unknown>; credentials: Record<string, Record<string, unknown>>; continueOnFail?: boolean }) =>
		runNode(n8n, { type: 'livePersonApiIntegration', ...opts });

	test('200 items over one mutual TLS credential: client certificate seen, at most 8 handshakes; the expiry warning is an execution hint', async () => {
		const before = server.handshakes();
		const run = await api({ items: indexed(200), parameters: base({ url: `={{ "${server.url}/orders/" + $json.i }}` }), credentials: { livePersonMutualTlsApi: mtlsCredential() } });
		const out = output(run);
		expect(out).toHaveLength(200);
		expect(out[7].json).toMatchObject({ client: 'client-rsa', path: '/orders/7' });
		expect(out[7].pairedItem).toEqual({ item: 7 });
		expect(server.handshakes() - before).toBeLessThanOrEqual(8);
		// Both pinned n8n versions have execution hints: the 20-day test certificate's warning is one hint
		// on the run, not a "warnings" field on the first item (what a context without hints gets).
		expect(run.runData[RUN_NODE][0].hints).toEqual([expect.objectContaining({ message: expect.stringMatching(/The client certificate "client-rsa" expires in \d+ days/), type: 'warning', location: 'outputPane' })]);
		expect(out.every((o) => o.json.warnings === undefined)).toBe(true);
	});

	test('mutual TLS + Access Token: two credentials on one request; POST JSON body', async () => {
		const out = output(
			await api({
				parameters: base({ authentication: 'accessToken', method: 'POST', sendBody: true, bodyContentType: 'json', jsonBody: '{"orderId": 42}', options: { allowedInternalNetworks: 'loopback', fullResponse: true } }),
				credentials: { livePersonMutualTlsApi: mtlsCredential({ keyStoreFormat: 'jks', keyStore: pki.jksEc }), livePersonAccessTokenApi: { accessToken: 'tok-123456', tokenType: 'Bearer' } },
			}),
		);
		const json = out[0].json as { statusCode: number; body: { client: string; headers: Record<string, string>; body: string; method: string } };
		expect(json.statusCode).toBe(200);
		expect(json.body.client).toBe('client-ec');
		expect(json.body.headers.authorization).toBe('Bearer tok-123456');
		expect(json.body.method).toBe('POST');
		expect(JSON.parse(json.body.body)).toEqual({ orderId: 42 });
		expect(json.body.headers['content-type']).toMatch(/application\/json/);
	});

	test('mutual TLS + OAuth2 client credentials: token fetched once, refetched once on the expired status', async () => {
		tokensIssued = 0;
		protectedAuth.length = 0;
		const out = output(
			await api({
				parameters: base({ authentication: 'oAuth2ClientCredentials', url: `${server.url}/protected` }),
				credentials: {
					livePersonMutualTlsApi: mtlsCredential(),
					// The token endpoint is on 127.0.0.1: the credential allows loopback for it.
					livePersonOAuth2ClientCredentialsApi: {
						clientId: 'cid',
						clientSecret: 'client-secret-xyz',
						scope: '',
						accessTokenUrl: tokenUrl,
						authentication: 'body',
						tokenExpiredStatusCode: 401,
						allowedInternalNetworks: 'loopback',
					},
				},
			}),
		);
		expect(protectedAuth).toEqual(['Bearer tok-1', 'Bearer tok-2']);
		expect(tokensIssued).toBe(2);
		expect(out[0].json).toMatchObject({ client: 'client-rsa', path: '/protected' });
	});

	test("OAuth2 Authorization Code goes through n8n's own OAuth2 helper with n8n's stored token, with retries on 503", async () => {
		oauthCalls.length = 0;
		const run = await api({
				parameters: base({ authentication: 'oAuth2AuthCode', mutualTls: false, url: `${oauthUrl}/v1/me` }),
				// n8n keeps the token; the node reads the credential only for its secrets and allowed networks.
				credentials: {
					livePersonOAuth2AuthCodeApi: {
						clientId: 'web',
						clientSecret: 'auth-code-secret-123',
						authUrl: `${oauthUrl}/authorize`,
						accessTokenUrl: `${oauthUrl}/token`,
						allowedInternalNetworks: 'loopback',
						oauthTokenData: { access_token: 'n8n-owned-token-456', token_type: 'Bearer' },
					},
				},
			});
		const out = output(run);
		expect(oauthCalls).toEqual([
			{ url: '/v1/me', method: 'GET', authorization: 'Bearer n8n-owned-token-456' },
			{ url: '/v1/me', method: 'GET', authorization: 'Bearer n8n-owned-token-456' },
		]);
		expect(out[0].json).toEqual({ me: 'bot' });
	});

	test('OAuth2 Authorization Code: a host name that does not resolve is a clear network error', async () => {
		const run = await api({
			parameters: base({ authentication: 'oAuth2AuthCode', mutualTls: false, url: 'https://no-such-host.invalid/v1/me', options: { retries: 0 } }),
			credentials: { livePersonOAuth2AuthCodeApi: { clientId: 'web', clientSecret: 'auth-code-secret-123', oauthTokenData: { access_token: 'n8n-owned-token-456' } } },
		});
		expect(run.ok).toBe(false);
		// The same wording as the package's own transport gives for a DNS failure, not an internal error.
		expect(run.error?.message).toMatch(/could not be reached at https:\/\/no-such-host\.invalid\/v1\/me: host name not found/);
		expect(run.error?.message).not.toMatch(/unexpected error|Unexpected internal error/);
	});

	test('503 with Retry-After is retried', async () => {
		flakyCalls = 0;
		const out = output(await api({ parameters: base({ url: `${server.url}/flaky` }), credentials: { livePersonMutualTlsApi: mtlsCredential() } }));
		expect(flakyCalls).toBe(2);
		expect(out[0].json).toMatchObject({ client: 'client-rsa' });
	});

	test('file answers become binary data', async () => {
		const out = output(await api({ parameters: base({ url: `${server.url}/file` }), credentials: { livePersonMutualTlsApi: mtlsCredential() } }));
		expect(out[0].binary?.data).toMatchObject({ fileName: 'report.pdf', mimeType: 'application/pdf' });
	});

	test('internal addresses are refused unless allowed', async () => {
		const run = await api({ parameters: base({ options: {} }), credentials: { livePersonMutualTlsApi: mtlsCredential() } });
		expect(run.ok).toBe(false);
		expect(run.error?.message).toMatch(/loopback|Allowed Internal Networks|Blocked/i);
	});

	test('Continue On Fail: a 404 and a wrong key store password become error items, paired, no secret in them', async () => {
		const out = output(await api({ items: indexed(2), parameters: base({ url: `${server.url}/missing` }), credentials: { livePersonMutualTlsApi: mtlsCredential() }, continueOnFail: true }));
		expect(out[0].json.error).toMatch(/HTTP 404/);
		const bad = output(await api({ items: indexed(2), parameters: base(), credentials: { livePersonMutualTlsApi: mtlsCredential({ keyStorePassword: OTHER_PASSWORD }) }, continueOnFail: true }));
		expect(bad).toHaveLength(2);
		expect(bad[0].json.error).toMatch(/password is wrong/);
		expect(bad.map((o) => o.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		expect(JSON.stringify(bad)).not.toContain(OTHER_PASSWORD);
	});

	describe('issue 22 key stores in a run (a Node TLS server trusting only the stores22 CA)', () => {
		const run = async (credential: Record<string, unknown>, items = 2, options: Record<string, unknown> = {}) =>
			output(
				await api({
					items: indexed(items),
					parameters: base({ url: `${server22.url}/who`, options: { allowedInternalNetworks: 'loopback', concurrency: 1, ...options } }),
					credentials: { livePersonMutualTlsApi: { protocols: 'tls12plus', ...credential } },
					continueOnFail: true,
				}),
			);

		test.each([
			['Camellia-256, non-ASCII password', () => ({ keyStoreFormat: 'pkcs12', keyStore: s22.p12Camellia, keyStorePassword: NON_ASCII_PASSWORD })],
			['non-ASCII password, -legacy', () => ({ keyStoreFormat: 'pkcs12', keyStore: s22.p12NonAsciiLegacy, keyStorePassword: NON_ASCII_PASSWORD })],
			['JKS, non-ASCII password', () => ({ keyStoreFormat: 'jks', keyStore: s22.jksNonAscii, keyStorePassword: NON_ASCII_PASSWORD })],
		])('%s: a run and the Test agree, with and without a Trust Certificate', async (_name, fields) => {
			for (const trust of [{}, { trustCertificate: s22.caPem }]) {
				const out = await run({ ...fields(), ...trust });
				expect(out.map((o) => o.json.client ?? o.json.error)).toEqual(['client-alpha', 'client-alpha']);
				const noUrl = await testMutualTls({ protocols: 'tls12plus', ...fields(), ...trust } as never);
				expect(noUrl.message).toMatch(/The key store itself is valid: Certificate "client-alpha"/);
				const withUrl = await testMutualTls({ protocols: 'tls12plus', ...fields(), ...trust, testUrl: `${server22.url}/test`, allowedInternalNetworks: 'loopback' } as never);
				expect(withUrl.message).toMatch(/Handshake with 127\.0\.0\.1:\d+ succeeded \(HTTP 200\)/);
			}
		});

		test('two keys: the Key Alias picks the identity the server sees; without it every item says which aliases exist', async () => {
			for (const [format, keyStore] of [
				['jks', s22.jksTwoKeys],
				['pkcs12', s22.p12TwoKeys],
			]) {
				const fields = { keyStoreFormat: format, keyStore, keyStorePassword: MULTI_PASSWORD, trustCertificate: s22.caPem };
				const beta = await run({ ...fields, keyAlias: 'beta' });
				expect(beta.map((o) => o.json.client)).toEqual(['client-beta', 'client-beta']);
				const none = await run(fields);
				expect(none.map((o) => o.json.error)).toEqual([expect.stringMatching(/holds 2 private keys \("alpha", "beta"\)/), expect.stringMatching(/holds 2 private keys/)]);
				const test = await testMutualTls({ protocols: 'tls12plus', ...fields, keyAlias: 'gamma' } as never);
				expect(test).toEqual({ status: 'Error', message: expect.stringMatching(/no key entry with the alias "gamma"; its key entries are "alpha", "beta"/) });
			}
		});

		test('a certificate without clientAuth that the server refuses: every item and the Test with a URL say why; one connection per item, not retried', async () => {
			const fields = { keyStoreFormat: 'pkcs12', keyStore: s22.p12NoClientAuth, keyStorePassword: MULTI_PASSWORD, trustCertificate: s22.caPem };
			const before = server22.connections();
			const out = await run(fields, 3, { retries: 3 });
			expect(out).toHaveLength(3);
			for (const item of out) {
				expect(String(item.json.error)).toMatch(/refused the client certificate.*does not allow client authentication/);
				// n8n keeps only { error: message } as the JSON of an item that carries an n8n error: the
				// description is on the item's error (what the editor shows), not in its JSON.
				expect(String((item as { error?: { description?: string } }).error?.description)).toMatch(/does not allow client authentication/);
			}
			expect(server22.connections() - before).toBe(3);
			const test = await testMutualTls({ protocols: 'tls12plus', ...fields, testUrl: `${server22.url}/test`, allowedInternalNetworks: 'loopback' } as never);
			expect(test.status).toBe('Error');
			expect(test.message).toMatch(/refused the client certificate.*does not allow client authentication/);
		});
	});
});

describe('Mutual TLS credential test button', () => {
	const loopback = new OutboundPolicy({ allow: ['loopback'] });
	/** The credential's Test button as n8n calls it (fields → settings → lib test), as lib's {ok, message}. */
	const testButton = async (data: Record<string, unknown>) => {
		const r = await testMutualTls(data as never);
		return { ok: r.status === 'OK', message: r.message };
	};

	test('reports subject, issuer, validity, fingerprint and the 30-day warning (as an Error, the only status the editor shows)', async () => {
		const r = await testButton(mtlsCredential());
		expect(r.ok).toBe(false);
		expect(r.message).toMatch(/^Warning: .*expires in \d+ days.*The key store itself is valid/);
		expect(r.message).toMatch(/Certificate "client-rsa" \(RSA, PKCS#12\)/);
		expect(r.message).toMatch(/issued by CN=test-ca/);
		expect(r.message).toMatch(/SHA-256 ([0-9A-F]{2}:){31}[0-9A-F]{2}/);
		expect(r.message).toMatch(/Warning: .*expires in \d+ days/);
	});

	test('with a Test URL it really performs the mutual TLS handshake', async () => {
		const pem = mtlsCredential({ keyStoreFormat: 'pem', keyStore: pki.ec.certPem, privateKey: pki.ec.keyPem, testUrl: `${server.url}/health`, allowedInternalNetworks: 'loopback' });
		const before = server.handshakes();
		const r = await testButton(pem);
		// The 20-day test certificate makes the answer a warning; the handshake itself succeeded.
		expect(r.message).toMatch(/^Warning: .*expires in \d+ days/);
		expect(r.message).toMatch(/Handshake with 127\.0\.0\.1:\d+ succeeded \(HTTP 200\)/);
		expect(server.handshakes() - before).toBe(1);
		const untrusted = await testButton(mtlsCredential({ keyStore: pki.p12Untrusted, testUrl: `${server.url}/health`, allowedInternalNetworks: 'loopback' }));
		expect(untrusted.ok).toBe(false);
		// lib's test with an explicit policy gives the same answer.
		const viaLib = await testMutualTlsCredential(mutualTlsConfig(pem), { testUrl: `${server.url}/health`, policy: loopback });
		expect(viaLib.message).toMatch(/^Warning: /);
		expect(viaLib.message).toMatch(/Handshake with 127\.0\.0\.1:\d+ succeeded \(HTTP 200\)/);
	});

	test('a Test URL on an internal address is not contacted unless the credential allows it', async () => {
		const before = server.handshakes();
		const r = await testButton(mtlsCredential({ testUrl: `${server.url}/health` }));
		expect(r.ok).toBe(false);
		expect(r.message).toMatch(/Allowed Internal Networks/);
		expect(r.message).toMatch(/loopback/);
		expect(server.handshakes() - before).toBe(0);
	});

	test.each([
		['wrong password', { keyStorePassword: OTHER_PASSWORD }, /password is wrong/],
		['mismatched key', { keyStoreFormat: 'pem' }, /does not belong/],
		['expired', { keyStore: 'EXPIRED' }, /expired on/],
		['unreadable trust', { trustCertificate: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----' }, /trust certificate could not be read/],
	])('fails clearly: %s', async (_name, overrides, message) => {
		const o = { ...overrides } as Record<string, unknown>;
		if (o.keyStore === 'EXPIRED') o.keyStore = pki.expired.p12;
		if (_name === 'mismatched key') Object.assign(o, { keyStore: pki.rsa.certPem, privateKey: pki.untrusted.keyPem });
		const r = await testButton(mtlsCredential(o));
		expect(r.ok).toBe(false);
		expect(r.message).toMatch(message);
		expect(r.message).not.toContain(STORE_PASSWORD);
		expect(r.message).not.toContain(OTHER_PASSWORD);
	});
});
