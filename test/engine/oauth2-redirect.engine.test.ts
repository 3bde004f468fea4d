/**
 * Issue 22 item 1 in n8n's own engine (test/engine/engine.ts, both pinned versions): API Integration with
 * the OAuth2 Authorization Code credential (n8n keeps and signs the token) and Max Redirects > 0. The API (origin A) answers
 * 307 to another origin (B): n8n signs the request to A, and the hop to B goes out unsigned, through
 * the pipeline's plain transport. The token is given with the credential (no IdP needed: n8n-core's
 * OAuth2 helper signs with the stored token and refreshes only on a 401).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { EXECUTE_TIMEOUT_MS, INSTALL_TIMEOUT_MS, manualTriggerWorkflow, nodeType } from '../e2e/harness';
import { createEngine, ENGINE_VERSIONS, expectRunOk, type WorkflowRunner } from './engine';

const NODE = 'LivePerson API Integration';
const OAUTH = { id: 'lpOAuthRedirE2e1', name: 'OAuth2 auth code e2e (redirect)' };
const TOKEN = `e2e-oauth-token-${Math.random().toString(36).slice(2)}`;

interface Recorder {
	url: string;
	seen: Array<{ path: string; authorization?: string }>;
	close(): Promise<void>;
}

/** A loopback server that records what it got and answers `reply(path)`. */
function recorder(reply: (path: string) => { status: number; headers?: Record<string, string>; body?: string }): Promise<Recorder> {
	const seen: Recorder['seen'] = [];
	const server = http.createServer((req, res) => {
		req.resume();
		seen.push({ path: req.url ?? '/', authorization: req.headers.authorization });
		const r = reply(req.url ?? '/');
		res.writeHead(r.status, { 'content-type': 'application/json', ...(r.headers ?? {}) });
		res.end(r.body ?? JSON.stringify({ path: req.url, authorization: req.headers.authorization ?? null }));
	});
	return new Promise((resolve) =>
		server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, close: () => new Promise((r) => server.close(() => r())) })),
	);
}

describe.each(ENGINE_VERSIONS)('OAuth2 Authorization Code + redirects in n8n %s (engine)', (version) => {
	let n8n: WorkflowRunner;
	let a: Recorder;
	let b: Recorder;
	let workflowId = '';

	beforeAll(async () => {
		b = await recorder(() => ({ status: 200 }));
		a = await recorder((path) => ({ status: 307, headers: { location: `${b.url}${path.replace('/start', '/landing')}` }, body: '' }));
		n8n = await createEngine(version);
		await n8n.importCredentials([
			{
				...OAUTH,
				type: 'livePersonOAuth2AuthCodeApi',
				data: {
					grantType: 'authorizationCode',
					clientId: 'e2e-client',
					clientSecret: 'e2e-client-secret',
					authUrl: 'https://idp.invalid/authorize',
					accessTokenUrl: 'https://idp.invalid/token',
					scope: '',
					authentication: 'header',
					oauthTokenData: { access_token: TOKEN, token_type: 'Bearer' },
					allowedInternalNetworks: 'loopback',
				},
			},
		]);
		[workflowId] = await n8n.importWorkflows([
			manualTriggerWorkflow(`OAuth2 redirect ${version}`, [
				{
					name: NODE,
					type: nodeType('livePersonApiIntegration'),
					typeVersion: 1,
					parameters: { authentication: 'oAuth2AuthCode', method: 'GET', url: `${a.url}/start`, options: { allowedInternalNetworks: 'loopback', maxRedirects: 3, retries: 0 } },
					credentials: { livePersonOAuth2AuthCodeApi: OAUTH },
				},
			]),
		]);
	}, INSTALL_TIMEOUT_MS);

	afterAll(async () => {
		await n8n?.close();
		await Promise.all([a?.close(), b?.close()]);
	});

	test(
		'n8n signs the request to the API; the 307 to another origin carries no token',
		async () => {
			const run = await n8n.execute(workflowId);
			expectRunOk(run);
			// n8n really signed the first request (the check below is not vacuous).
			expect(a.seen.map((r) => r.authorization)).toEqual([`Bearer ${TOKEN}`]);
			expect(b.seen).toEqual([{ path: '/landing', authorization: undefined }]);
			const [item] = run.items(NODE) as Array<{ path: string; authorization: string | null }>;
			expect(item).toEqual({ path: '/landing', authorization: null });
			expect(JSON.stringify(run.runData)).not.toContain(TOKEN);
		},
		EXECUTE_TIMEOUT_MS,
	);
});
