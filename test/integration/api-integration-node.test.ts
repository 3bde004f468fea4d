/**
 * The LivePerson API Integration node's execute() (with a minimal IExecuteFunctions stand-in)
 * against a Node https server that requires a client certificate: mutual TLS alone and with a
 * token credential, connection reuse across items, retries, the outbound policy, Continue On
 * Fail, and the Mutual TLS credential's Test button.
 */
import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { OutboundPolicy } from '../../lib/net/policy';
import { closeAllAgents } from '../../lib/tls/agent-pool';
import { testMutualTlsCredential } from '../../lib/tls/credential-test';
import { mutualTlsConfig } from '../../nodes/shared/credentialConfig';
import { testMutualTls } from '../../nodes/shared/credentialTests';
import { clearKeyStoreCache, keyStoreStats } from '../../lib/tls/keystore';
import { LivePersonApiIntegration } from '../../nodes/LivePersonApiIntegration/LivePersonApiIntegration.node';
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

afterAll(async () => {
	await closeAllAgents();
	await server?.close();
	await new Promise((resolve) => tokenServer?.close(resolve));
});

function mtlsCredential(overrides: Record<string, unknown> = {}) {
	return { keyStoreFormat: 'pkcs12', keyStore: pki.p12Modern, keyStorePassword: STORE_PASSWORD, trustCertificate: pki.caPem, protocols: 'tls12plus', ...overrides };
}

function ctx(opts: {
	items: number;
	params: Record<string, unknown> | ((name: string, i: number) => unknown);
	credentials: Record<string, Record<string, unknown>>;
	continueOnFail?: boolean;
}): IExecuteFunctions {
	const items: INodeExecutionData[] = Array.from({ length: opts.items }, (_, i) => ({ json: { i } }));
	return {
		getInputData: () => items,
		getNodeParameter: (name: string, i: number, fallback?: unknown) => {
			const v = typeof opts.params === 'function' ? opts.params(name, i) : opts.params[name];
			return v === undefined ? fallback : v;
		},
		getCredentials: async (type: string) => {
			const c = opts.credentials[type];
			if (!c) throw new Error(`no credential ${type}`);
			return c;
		},
		continueOnFail: () => opts.continueOnFail ?? false,
		getNode: () => ({ id: '1', name: 'API', type: 't', typeVersion: 1, position: [0, 0], parameters: {}, credentials: { livePersonMutualTlsApi: { id: 'cred-1', name: 'mtls' } } }),
		helpers: {
			prepareBinaryData: async (data: Buffer, fileName: string, mimeType: string) => ({ data: data.toString('base64'), fileName, mimeType }),
		},
	} as unknown as IExecuteFunctions;
}

const base = (extra: Record<string, unknown> = {}) => ({
	authentication: 'none',
	mutualTls: true,
	method: 'GET',
	url: `${server.url}/orders`,
	options: { allowedInternalNetworks: 'loopback', concurrency: 8 },
	...extra,
});

describe('LivePerson API Integration node', () => {
	test('200 items over one mutual TLS credential: client certificate seen, at most 8 handshakes, one parse', async () => {
		clearKeyStoreCache();
		const before = server.handshakes();
		const [out] = await new LivePersonApiIntegration().execute.call(
			ctx({ items: 200, params: (n, i) => (n === 'url' ? `${server.url}/orders/${i}` : (base() as Record<string, unknown>)[n]), credentials: { livePersonMutualTlsApi: mtlsCredential() } }),
		);
		expect(out).toHaveLength(200);
		expect(out[7].json).toMatchObject({ client: 'client-rsa', path: '/orders/7' });
		expect(out[7].pairedItem).toEqual({ item: 7 });
		expect(server.handshakes() - before).toBeLessThanOrEqual(8);
		expect(keyStoreStats().parses).toBe(1);
		// The 20-day test certificate: an n8n without execution hints gets the warning on the first item.
		expect(out[0].json.warnings).toEqual([expect.stringMatching(/expires in \d+ days/)]);
		expect(out[1].json.warnings).toBeUndefined();
	});

	test('a certificate that expires within 30 days is an execution hint where n8n has them', async () => {
		const context = ctx({ items: 2, params: (n, i) => (n === 'url' ? `${server.url}/orders/${i}` : (base() as Record<string, unknown>)[n]), credentials: { livePersonMutualTlsApi: mtlsCredential() } });
		const hints: Array<{ message: string; type?: string; location?: string }> = [];
		(context as unknown as { addExecutionHints: (...h: typeof hints) => void }).addExecutionHints = (...h) => void hints.push(...h);
		const [out] = await new LivePersonApiIntegration().execute.call(context);
		expect(hints).toEqual([{ message: expect.stringMatching(/The client certificate "client-rsa" expires in \d+ days/), type: 'warning', location: 'outputPane' }]);
		expect(out[0].json.warnings).toBeUndefined();
	});

	test('mutual TLS + Access Token: two credentials on one request; POST JSON body', async () => {
		const [out] = await new LivePersonApiIntegration().execute.call(
			ctx({
				items: 1,
				params: base({ authentication: 'accessToken', method: 'POST', sendBody: true, bodyContentType: 'json', jsonBody: '{"orderId": 42}', options: { allowedInternalNetworks: 'loopback', fullResponse: true } }),
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
		const [out] = await new LivePersonApiIntegration().execute.call(
			ctx({
				items: 1,
				params: base({ authentication: 'oAuth2ClientCredentials', url: `${server.url}/protected` }),
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

	test('OAuth2 Authorization Code goes through n8n (httpRequestWithAuthentication), with retries on 503', async () => {
		const calls: Array<{ type: string; url: string; method: string }> = [];
		const context = ctx({
			items: 1,
			// An IP literal: the pipeline checks (and would resolve) the host before n8n sends, and this
			// test must not depend on DNS. n8n's helper is a stand-in, nothing is contacted.
			params: base({ authentication: 'oAuth2AuthCode', mutualTls: false, url: 'https://93.184.216.34/v1/me' }),
			// n8n keeps the token; the node reads the credential only for its secrets and allowed networks.
			credentials: { livePersonOAuth2AuthCodeApi: { clientId: 'web', clientSecret: 'auth-code-secret-123', oauthTokenData: { access_token: 'n8n-owned-token-456' } } },
		});
		(context.helpers as unknown as Record<string, unknown>).httpRequestWithAuthentication = async (type: string, opts: { url: string; method: string }) => {
			calls.push({ type, url: opts.url, method: opts.method });
			return calls.length === 1
				? { statusCode: 503, headers: { 'retry-after': '0' }, body: Buffer.from('busy') }
				: { statusCode: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from('{"me":"bot"}') };
		};
		const [out] = await new LivePersonApiIntegration().execute.call(context);
		expect(calls).toEqual([
			{ type: 'livePersonOAuth2AuthCodeApi', url: 'https://93.184.216.34/v1/me', method: 'GET' },
			{ type: 'livePersonOAuth2AuthCodeApi', url: 'https://93.184.216.34/v1/me', method: 'GET' },
		]);
		expect(out[0].json).toEqual({ me: 'bot' });
	});

	test('OAuth2 Authorization Code: a host name that does not resolve is a clear network error, n8n is not called', async () => {
		let calls = 0;
		const context = ctx({
			items: 1,
			params: base({ authentication: 'oAuth2AuthCode', mutualTls: false, url: 'https://no-such-host.invalid/v1/me', options: { retries: 0 } }),
			credentials: { livePersonOAuth2AuthCodeApi: { clientId: 'web', clientSecret: 'auth-code-secret-123', oauthTokenData: { access_token: 'n8n-owned-token-456' } } },
		});
		(context.helpers as unknown as Record<string, unknown>).httpRequestWithAuthentication = async () => {
			calls++;
			return { statusCode: 200, headers: {}, body: Buffer.from('{}') };
		};
		const error = await new LivePersonApiIntegration().execute.call(context).catch((e: unknown) => e as Error);
		expect(calls).toBe(0);
		// The same wording as the package's own transport gives for a DNS failure, not an internal error.
		expect((error as Error).message).toMatch(/could not be reached at https:\/\/no-such-host\.invalid\/v1\/me: host name not found/);
		expect((error as Error).message).not.toMatch(/unexpected error|Unexpected internal error/);
	});

	test('503 with Retry-After is retried', async () => {
		flakyCalls = 0;
		const [out] = await new LivePersonApiIntegration().execute.call(ctx({ items: 1, params: base({ url: `${server.url}/flaky` }), credentials: { livePersonMutualTlsApi: mtlsCredential() } }));
		expect(flakyCalls).toBe(2);
		expect(out[0].json).toMatchObject({ client: 'client-rsa' });
	});

	test('file answers become binary data', async () => {
		const [out] = await new LivePersonApiIntegration().execute.call(ctx({ items: 1, params: base({ url: `${server.url}/file` }), credentials: { livePersonMutualTlsApi: mtlsCredential() } }));
		expect(out[0].binary?.data).toMatchObject({ fileName: 'report.pdf', mimeType: 'application/pdf' });
	});

	test('internal addresses are refused unless allowed', async () => {
		await expect(
			new LivePersonApiIntegration().execute.call(ctx({ items: 1, params: base({ options: {} }), credentials: { livePersonMutualTlsApi: mtlsCredential() } })),
		).rejects.toThrow(/loopback|Allowed Internal Networks|Blocked/i);
	});

	test('Continue On Fail: a 404 and a wrong key store password become error items, no secret in them', async () => {
		const [out] = await new LivePersonApiIntegration().execute.call(
			ctx({ items: 2, params: base({ url: `${server.url}/missing` }), credentials: { livePersonMutualTlsApi: mtlsCredential() }, continueOnFail: true }),
		);
		expect(out[0].json.error).toMatch(/HTTP 404/);
		const [bad] = await new LivePersonApiIntegration().execute.call(
			ctx({ items: 2, params: base(), credentials: { livePersonMutualTlsApi: mtlsCredential({ keyStorePassword: OTHER_PASSWORD }) }, continueOnFail: true }),
		);
		expect(bad).toHaveLength(2);
		expect(bad[0].json.error).toMatch(/password is wrong/);
		expect(JSON.stringify(bad)).not.toContain(OTHER_PASSWORD);
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

describe('issue 22 key stores in a run and in the Test button (a Node TLS server trusting only the stores22 CA)', () => {
	let s22: Stores22;
	let server22: NodeTlsServer;
	beforeAll(async () => {
		s22 = makeStores22();
		server22 = await startNodeMtlsServer(s22.serverPki);
	});
	afterAll(async () => {
		await closeAllAgents();
		await server22?.close();
	});
	const run = (credential: Record<string, unknown>, items = 2, options: Record<string, unknown> = {}) =>
		new LivePersonApiIntegration().execute.call(
			ctx({
				items,
				params: base({ url: `${server22.url}/who`, options: { allowedInternalNetworks: 'loopback', concurrency: 1, ...options } }),
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
			clearKeyStoreCache();
			const [out] = await run({ ...fields(), ...trust });
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
			const [beta] = await run({ ...fields, keyAlias: 'beta' });
			expect(beta.map((o) => o.json.client)).toEqual(['client-beta', 'client-beta']);
			const [none] = await run(fields);
			expect(none.map((o) => o.json.error)).toEqual([expect.stringMatching(/holds 2 private keys \("alpha", "beta"\)/), expect.stringMatching(/holds 2 private keys/)]);
			const test = await testMutualTls({ protocols: 'tls12plus', ...fields, keyAlias: 'gamma' } as never);
			expect(test).toEqual({ status: 'Error', message: expect.stringMatching(/no key entry with the alias "gamma"; its key entries are "alpha", "beta"/) });
		}
	});

	test('a certificate without clientAuth that the server refuses: every item and the Test with a URL say why; one connection per item, not retried', async () => {
		const fields = { keyStoreFormat: 'pkcs12', keyStore: s22.p12NoClientAuth, keyStorePassword: MULTI_PASSWORD, trustCertificate: s22.caPem };
		const before = server22.connections();
		const [out] = await run(fields, 3, { retries: 3 });
		expect(out).toHaveLength(3);
		for (const item of out) {
			expect(String(item.json.error)).toMatch(/refused the client certificate.*does not allow client authentication/);
			expect(String(item.json.description)).toMatch(/does not allow client authentication/);
		}
		expect(server22.connections() - before).toBe(3);
		const test = await testMutualTls({ protocols: 'tls12plus', ...fields, testUrl: `${server22.url}/test`, allowedInternalNetworks: 'loopback' } as never);
		expect(test.status).toBe('Error');
		expect(test.message).toMatch(/refused the client certificate.*does not allow client authentication/);
	});
});
