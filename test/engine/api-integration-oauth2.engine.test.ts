/**
 * LivePerson API Integration with the OAuth2 Authorization Code credential, in n8n's own engine: requests go
 * through n8n's `httpRequestWithAuthentication`, which refreshes the token only when the request THROWS a 401
 * (n8n-core requestOAuth2). The node asks n8n not to throw (to keep every answer's status, headers and body),
 * so on a 401 answer it sends once more letting n8n throw, which makes n8n refresh and repeat.
 * Found by test/e2e/editor.browser.e2e.test.ts: the second run after the token expired got the 401.
 * Here n8n's real OAuth2 helper refreshes against a loopback token endpoint and stores the new token
 * through the harness's credentials helper.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { INSTALL_TIMEOUT_MS } from '../e2e/harness';
import { createEngine, ENGINE_VERSIONS, RUN_NODE, runNode, type Engine } from './engine';

jest.setTimeout(60_000);

const calls: Array<{ url?: string; authorization?: string }> = [];
let refreshes = 0;
/** What /v1/me answers a call with the current token (the refreshed token: `fresh-<n>`). */
let answer: (authorization: string) => { status: number; body: string } = () => ({ status: 200, body: '{"me":"bot"}' });
let server: http.Server;
let url = '';

beforeAll(async () => {
	server = http.createServer((req, res) => {
		let body = '';
		req.on('data', (c: Buffer) => (body += c.toString()));
		req.on('end', () => {
			if (req.url === '/token') {
				// The refresh grant, as n8n's OAuth2 helper sends it.
				if (!/grant_type=refresh_token/.test(body) || !/refresh_token=stored-refresh-1/.test(body)) {
					res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"invalid_grant"}');
					return;
				}
				refreshes++;
				res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: `fresh-${refreshes}`, token_type: 'Bearer', expires_in: 3600, refresh_token: 'stored-refresh-1' }));
				return;
			}
			calls.push({ url: req.url, authorization: req.headers.authorization });
			const a = answer(String(req.headers.authorization));
			res.writeHead(a.status, { 'content-type': 'application/json' }).end(a.body);
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));
beforeEach(() => {
	calls.length = 0;
	refreshes = 0;
});

const params = (extra: Record<string, unknown> = {}) => ({
	authentication: 'oAuth2AuthCode',
	mutualTls: false,
	method: 'GET',
	url: `${url}/v1/me`,
	options: { retries: 0, allowedInternalNetworks: 'loopback' },
	...extra,
});
const credential = () => ({
	clientId: 'web',
	clientSecret: 'client-secret-value',
	authUrl: `${url}/authorize`,
	accessTokenUrl: `${url}/token`,
	allowedInternalNetworks: 'loopback',
	oauthTokenData: { access_token: 'stale-token', token_type: 'Bearer', refresh_token: 'stored-refresh-1' },
});

describe.each(ENGINE_VERSIONS)('API Integration through n8n OAuth2 (authorization code) in n8n %s', (version) => {
	let n8n: Engine;
	beforeAll(async () => {
		n8n = await createEngine(version);
	}, INSTALL_TIMEOUT_MS);
	afterAll(() => n8n?.close());

	const run = (parameters = params()) => runNode(n8n, { type: 'livePersonApiIntegration', parameters, credentials: { livePersonOAuth2AuthCodeApi: credential() } });
	const out = (r: Awaited<ReturnType<typeof run>>) => {
		if (!r.ok) throw new Error(`run failed: ${r.error?.message}`);
		return r.runData[RUN_NODE][0].data?.main?.[0] ?? [];
	};

	test('a 200 takes one request with the stored token; answers of any status are kept (n8n asked not to throw)', async () => {
		answer = () => ({ status: 200, body: '{"me":"bot"}' });
		const items = out(await run());
		expect(calls).toEqual([{ url: '/v1/me', authorization: 'Bearer stale-token' }]);
		expect(refreshes).toBe(0);
		expect(items[0].json).toEqual({ me: 'bot' });
	});

	test('a 401 answer is sent again letting n8n throw, so that n8n refreshes the token and repeats the call', async () => {
		answer = (auth) => (auth === 'Bearer fresh-1' ? { status: 200, body: '{"me":"bot"}' } : { status: 401, body: '{"error":"invalid_token"}' });
		const items = out(await run());
		expect(calls.map((c) => c.authorization)).toEqual(['Bearer stale-token', 'Bearer stale-token', 'Bearer fresh-1']);
		expect(refreshes).toBe(1);
		expect(items[0].json).toEqual({ me: 'bot' });
	});

	test('when the refreshed call still fails, the item fails with that HTTP status (not "could not be reached")', async () => {
		answer = (auth) => (auth === 'Bearer fresh-1' ? { status: 403, body: '{"error":"forbidden"}' } : { status: 401, body: '{"error":"invalid_token"}' });
		const r = await run();
		expect(r.ok).toBe(false);
		expect(r.error?.node).toBe(RUN_NODE);
		expect(r.error?.message).toMatch(/403/);
		expect(r.error?.message).not.toMatch(/could not be reached/);
		expect(refreshes).toBe(1);
		expect(calls).toHaveLength(3);
	});

	test('other statuses are not re-sent, and keep their body', async () => {
		answer = () => ({ status: 404, body: '{"error":"no such order"}' });
		const items = out(await run(params({ options: { retries: 0, neverError: true, fullResponse: true, allowedInternalNetworks: 'loopback' } })));
		expect(calls).toHaveLength(1);
		expect(refreshes).toBe(0);
		expect(JSON.stringify(items[0].json)).toContain('404');
		expect(JSON.stringify(items[0].json)).toContain('no such order');
	});
});
