/**
 * Echo-server tests for every credential type: a loopback API copies the whole request (headers,
 * query, body) into its 401, 403, 422 JSON, 500 text and "straddling" answers. Whatever the package
 * builds from such an answer — the LpError (message, hint, snippet, JSON), the n8n NodeApiError
 * (message, description, context, cause) and the Continue-On-Fail item — holds no secret of the
 * credential in any spelling (raw, URL/form/RFC 5849-encoded, JSON-escaped, base64 of the Basic
 * pair, header value), including a secret placed across the 300-character cut of the snippet.
 */
import { generateKeyPairSync } from 'node:crypto';
import { LpError } from '../../lib/errors';
import { closeAllDispatchers } from '../../lib/http';
import { c2mClientForCredentials } from '../../lib/liveperson/c2m';
import { login } from '../../lib/liveperson/login';
import { policyForAllowText } from '../../lib/net/policy';
import { mtlsClientForAccount } from '../../lib/liveperson/mtls-gateway';
import { OrchestratorClient } from '../../lib/liveperson/orchestrator';
import { tokenCache } from '../../lib/auth/token-cache';
import { LivePersonApiIntegration } from '../../nodes/LivePersonApiIntegration/LivePersonApiIntegration.node';
import { LivePersonConsumerAuth } from '../../nodes/LivePersonConsumerAuth/LivePersonConsumerAuth.node';
import { LivePersonMtls } from '../../nodes/LivePersonMtls/LivePersonMtls.node';
import { accountConfig, orchestratorConfig, transferToMessagingConfig } from '../../nodes/shared/credentialConfig';
import { errorItem, toNodeError } from '../../nodes/shared/errors';
import { DEFAULT_CONFIG, Emulator, startEmulator } from '../../sandbox/emulator';
import { EchoServer, startEchoServer } from '../support/echo-server';
import { nodeCtx } from '../support/node-ctx';
import { SecretScanner } from '../support/secrets';

jest.setTimeout(120_000);

let echo: EchoServer;
let emu: Emulator;
const NODE = { id: '1', name: 'Node', type: 't', typeVersion: 1, position: [0, 0] as [number, number], parameters: {} };

beforeAll(async () => {
	[echo, emu] = await Promise.all([startEchoServer(), startEmulator()]);
});
afterAll(async () => {
	await Promise.all([echo?.close(), emu?.close()]);
	await closeAllDispatchers();
});
beforeEach(() => tokenCache.clear());

/** Every string reachable from an error: own properties (enumerable or not), recursively. */
function dump(value: unknown, seen = new Set<unknown>(), depth = 0): string {
	if (value === null || value === undefined || depth > 6) return '';
	if (typeof value === 'string') return value;
	if (typeof value !== 'object') return String(value);
	if (seen.has(value)) return '';
	seen.add(value);
	const parts: string[] = [];
	for (const key of Object.getOwnPropertyNames(value)) {
		if (key === 'stack') continue;
		let v: unknown;
		try {
			v = (value as Record<string, unknown>)[key];
		} catch {
			continue;
		}
		parts.push(`${key}=${dump(v, seen, depth + 1)}`);
	}
	return parts.join('\n');
}

const MODES: Array<{ status: number; form: string }> = [
	{ status: 401, form: 'json' },
	{ status: 403, form: 'text' },
	{ status: 422, form: 'json' },
	{ status: 500, form: 'text' },
	{ status: 400, form: 'straddle:authorization' },
	{ status: 400, form: 'straddle:maven-api-key' },
	{ status: 400, form: 'straddle:access_token' },
	// Issue 22 item 3: the request quoted as a JSON string inside JSON (and deeper), and base64-encoded.
	{ status: 401, form: 'json2' },
	{ status: 400, form: 'json3' },
	{ status: 422, form: 'b64' },
];

/** Runs `call` against each echo mode and checks every representation of the error it gives. */
async function expectNoLeak(scanner: SecretScanner, label: string, call: () => Promise<unknown>, { mustFail = true } = {}) {
	for (const mode of MODES) {
		echo.setMode(mode);
		const before = echo.requests.length;
		const outcome = await call().then(
			(value) => ({ value }),
			(error: unknown) => ({ error }),
		);
		expect(echo.requests.length).toBeGreaterThan(before); // the echo really got the request
		const where = `${label} (${mode.status} ${mode.form})`;
		if ('error' in outcome) {
			const error = outcome.error;
			scanner.expectClean(`${where}: error`, dump(error));
			scanner.expectClean(`${where}: NodeApiError`, dump(toNodeError(NODE, error)));
			scanner.expectClean(`${where}: Continue-On-Fail item`, JSON.stringify(errorItem(error, 0)));
			if (error instanceof LpError) scanner.expectClean(`${where}: toJSON`, JSON.stringify(error.toJSON()));
		} else {
			if (mustFail) throw new Error(`${where}: expected a failure`);
			scanner.expectClean(`${where}: output`, JSON.stringify(outcome.value));
		}
	}
	echo.setMode(null);
}

function scannerWith(...values: Array<[string, string]>): SecretScanner {
	// Decoding views: a secret nested in any encoding the echo produced is found (item 3).
	const s = new SecretScanner().decoding();
	for (const [label, value] of values) s.add(label, value);
	s.addSource(() => echo.issued);
	s.addEmulator(emu);
	return s;
}

describe('API Integration node (errors it builds from echoed requests)', () => {
	const run = (authentication: string, credentials: Record<string, Record<string, unknown>>, continueOnFail: boolean, extra: Record<string, unknown> = {}) =>
		new LivePersonApiIntegration().execute.call(
			nodeCtx({
				continueOnFail,
				credentials,
				params: { authentication, method: 'POST', url: `${echo.url}/api/resource?x=1`, sendBody: true, bodyContentType: 'json', jsonBody: '{"a":1}', options: { retries: 0, allowedInternalNetworks: 'loopback' }, ...extra },
				...('httpRequestWithAuthentication' in extra ? {} : {}),
			}),
		);

	const cases: Array<[string, string, Record<string, Record<string, unknown>>, Array<[string, string]>]> = [
		['Basic', 'basicAuth', { livePersonBasicAuthApi: { user: 'echo-basic-user', password: 'Echo Basic P@ss/wörd+1' } }, [['basic password', 'Echo Basic P@ss/wörd+1'], ['basic pair', 'echo-basic-user:Echo Basic P@ss/wörd+1']]],
		// Quotes and a backslash: every JSON level escapes them again (item 3).
		['Basic (quotes, backslash)', 'basicAuth', { livePersonBasicAuthApi: { user: 'echo-basic-user', password: 'Echo "quoted" P\\ss/wörd' } }, [['basic password', 'Echo "quoted" P\\ss/wörd']]],
		['Access Token', 'accessToken', { livePersonAccessTokenApi: { accessToken: 'echo.access/token+value=9', tokenType: 'Bearer' } }, [['access token', 'echo.access/token+value=9']]],
		[
			'OAuth2 client credentials',
			'oAuth2ClientCredentials',
			{ livePersonOAuth2ClientCredentialsApi: { accessTokenUrl: `__ECHO__/token`, clientId: 'echo-cc-client', clientSecret: 'echo cc/secret+&=ü', authentication: 'header', tokenExpiredStatusCode: 401, allowedInternalNetworks: 'loopback' } },
			[['client secret', 'echo cc/secret+&=ü']],
		],
		[
			'OAuth2 client credentials (secret in the form body, with quotes)',
			'oAuth2ClientCredentials',
			{ livePersonOAuth2ClientCredentialsApi: { accessTokenUrl: `__ECHO__/status/401`, clientId: 'echo-cc-client', clientSecret: 'echo "cc" \\secret+&=ü', authentication: 'body', tokenExpiredStatusCode: 401, allowedInternalNetworks: 'loopback' } },
			[['client secret', 'echo "cc" \\secret+&=ü']],
		],
	];

	// Third-party NLU: a service-account key made at test time (Google) and an IBM API key.
	const nluKey = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey;
	cases.push(
		[
			'Third-party NLU, Google Dialogflow',
			'thirdPartyNlu',
			{ livePersonNluApi: { provider: 'dialogflow', serviceAccountJson: JSON.stringify({ type: 'service_account', client_email: 'echo@p.iam.gserviceaccount.com', private_key: nluKey, token_uri: '__ECHO__/token' }), allowedInternalNetworks: 'loopback' } },
			[['nlu private key (body)', nluKey.split('\n').filter((l) => l && !l.startsWith('-----')).join('')]],
		],
		['Third-party NLU, IBM Watson', 'thirdPartyNlu', { livePersonNluApi: { provider: 'watson', apiKey: 'echo-ibm/api+key=1', iamUrl: '__ECHO__/token', allowedInternalNetworks: 'loopback' } }, [['ibm api key', 'echo-ibm/api+key=1']]],
	);

	test.each(cases)('%s: no secret in errors or Continue-On-Fail items', async (label, authentication, credentials, secrets) => {
		for (const c of Object.values(credentials)) for (const [k, v] of Object.entries(c)) if (typeof v === 'string') c[k] = v.replace('__ECHO__', echo.url);
		const scanner = scannerWith(...secrets);
		if (authentication === 'thirdPartyNlu') scanner.addPem('nlu private key', nluKey);
		await expectNoLeak(scanner, `${label} (fail)`, () => run(authentication, credentials, false));
		await expectNoLeak(scanner, `${label} (continue on fail)`, () => run(authentication, credentials, true), { mustFail: false });
	});

	test('Consumer Pre-Authentication: the consumer token never in errors or Continue-On-Fail items', async () => {
		const token = 'consumer.pre-auth/token+value=7';
		const scanner = scannerWith(['consumer token', token]);
		await expectNoLeak(scanner, 'consumer pre-auth (fail)', () => run('consumerPreAuth', {}, false, { consumerToken: `Bearer ${token}`, verifyConsumerToken: false }));
		await expectNoLeak(scanner, 'consumer pre-auth (continue on fail)', () => run('consumerPreAuth', {}, true, { consumerToken: token, verifyConsumerToken: false }), { mustFail: false });
	});

	test('OAuth2 Authorization Code (n8n signs): no token or client secret in errors', async () => {
		const token = 'n8n-owned/oauth+token=1';
		const scanner = scannerWith(['oauth2 access token', token], ['oauth2 client secret', 'auth-code client/secret']);
		const credentials = { livePersonOAuth2AuthCodeApi: { clientSecret: 'auth-code client/secret', oauthTokenData: { access_token: token }, allowedInternalNetworks: 'loopback' } };
		// Stands in for n8n's helper: adds the Authorization header and sends for real (to the echo).
		const httpRequestWithAuthentication = async (_type: string, req: unknown) => {
			const r = req as { url: string; method: string; headers: Record<string, string>; body?: string | Buffer };
			const res = await fetch(r.url, { method: r.method, headers: { ...r.headers, authorization: `Bearer ${token}` }, body: r.body as string | undefined });
			const { Readable } = await import('node:stream');
			return { statusCode: res.status, headers: Object.fromEntries(res.headers), body: Readable.from(Buffer.from(await res.arrayBuffer())) };
		};
		const run = (continueOnFail: boolean) =>
			new LivePersonApiIntegration().execute.call(
				nodeCtx({ continueOnFail, credentials, httpRequestWithAuthentication, params: { authentication: 'oAuth2AuthCode', method: 'GET', url: `${echo.url}/api/me`, options: { retries: 0 } } }),
			);
		await expectNoLeak(scanner, 'OAuth2 auth code (fail)', () => run(false));
		await expectNoLeak(scanner, 'OAuth2 auth code (continue on fail)', () => run(true), { mustFail: false });
	});
});

describe('Consumer Authentication Complete (the code exchange answered by the echo)', () => {
	test('client secret, authorization code and PKCE verifier never in errors or Continue-On-Fail items', async () => {
		const secret = 'echo consumer/auth+secret';
		const code = 'echo-consumer-auth-code/+=9';
		const credentials = { livePersonConsumerAuthApi: { authUrl: `${echo.url}/auth`, accessTokenUrl: `${echo.url}/oauth/token`, clientId: 'echo-bot', clientSecret: secret, authentication: 'header', allowedInternalNetworks: 'loopback' } };
		// The verifiers are server-side: read back from what the echo received, to scan for them too.
		const verifiers = () => echo.requests.map((r) => new URLSearchParams(String(r.body ?? '')).get('code_verifier')).filter((v): v is string => !!v);
		const scanner = scannerWith(['consumer auth client secret', secret], ['consumer auth code', code]).addSource(verifiers);
		const run = async (continueOnFail: boolean) => {
			const started = (await new LivePersonConsumerAuth().execute.call(
				nodeCtx({ credentials, params: { operation: 'start', conversationId: 'c1', redirectUri: 'https://n8n.example.test/webhook/cb', options: {} } }),
			)) as Array<Array<{ json: Record<string, unknown> }>>;
			const state = new URL(started[0][0].json.authorizationUrl as string).searchParams.get('state');
			return new LivePersonConsumerAuth().execute.call(nodeCtx({ continueOnFail, credentials, params: { operation: 'complete', state, code, error: '', options: {} } }));
		};
		await expectNoLeak(scanner, 'consumer auth complete (fail)', () => run(false));
		await expectNoLeak(scanner, 'consumer auth complete (continue on fail)', () => run(true), { mustFail: false });
		expect(verifiers().length).toBeGreaterThan(0);
	});
});

describe('LivePerson clients (host overrides pointed at the echo)', () => {
	const account = (extra: Record<string, unknown>) =>
		accountConfig({ accountId: DEFAULT_CONFIG.accountId, csdsHost: emu.url, allowedInternalNetworks: 'loopback', ...extra });

	test('Login Service answered by the echo: the JSON login body quoted as JSON inside JSON (item 3)', async () => {
		// Quotes, a backslash, a slash and non-ASCII: every JSON level spells them differently.
		const password = 'Login "pass" \\ w/ørd';
		const scanner = scannerWith(['login password', password]);
		const timing = { sleep: async () => undefined, scale: 0 };
		await expectNoLeak(scanner, 'login user/password', () =>
			login({ accountId: DEFAULT_CONFIG.accountId, agentVepBase: echo.url }, { kind: 'user', username: 'echo-user', password }, { policy: policyForAllowText('loopback'), timing }),
		);
	});

	test.each([
		['OAuth 1.0 (the app key and the signature)', { authMethod: 'oauth1', appKey: 'echo-forward-app-key', appSecret: 'echo forward/app secret' }, [['oauth1 app key', 'echo-forward-app-key'], ['oauth1 app secret', 'echo forward/app secret']]],
		['Login Service bearer', { authMethod: 'userPassword', username: DEFAULT_CONFIG.user.username, password: DEFAULT_CONFIG.user.password }, [['account password', DEFAULT_CONFIG.user.password]]],
	] as Array<[string, Record<string, unknown>, Array<[string, string]>]>)('mTLS Forward through a gateway that echoes (%s): no secret of the strategy or the target Authorization (item 4)', async (_label, auth, secrets) => {
		const targetAuthorization = 'Bearer echo-target/token+9';
		const scanner = scannerWith(...secrets, ['target authorization (given as a header)', 'echo-target/token+9']);
		// The LP bearer the strategy sent: whatever the emulator issued.
		const run = (continueOnFail: boolean) =>
			new LivePersonMtls().execute.call(
				nodeCtx({
					continueOnFail,
					credentials: { livePersonAccountApi: { accountId: DEFAULT_CONFIG.accountId, csdsHost: emu.url, allowedInternalNetworks: 'loopback', ...auth } },
					params: {
						operation: 'forward',
						method: 'GET',
						targetUrl: 'https://target.example.com/hook',
						serviceName: 'WEBHOOKS',
						stopIfCertificateNotFound: false,
						sendHeaders: true,
						headerParameters: { parameters: [{ name: 'Authorization', value: targetAuthorization }] },
						bodyType: 'none',
						responseFormat: 'json',
						options: { gatewayHost: echo.url, allowedInternalNetworks: 'loopback' },
					},
				}),
			);
		await expectNoLeak(scanner, 'mtls forward (fail)', () => run(false));
		await expectNoLeak(scanner, 'mtls forward (continue on fail)', () => run(true), { mustFail: false });
	});

	test('LivePerson Account, user + password (Login Service bearer): mTLS gateway override', async () => {
		const creds = account({ authMethod: 'userPassword', username: DEFAULT_CONFIG.user.username, password: DEFAULT_CONFIG.user.password });
		const scanner = scannerWith(['account password', DEFAULT_CONFIG.user.password]);
		await expectNoLeak(scanner, 'account user/password', () => mtlsClientForAccount(creds, { gatewayHost: echo.url }).listCertificates());
	});

	test('LivePerson Account, Sentinel client credentials: mTLS configuration override', async () => {
		const creds = account({ authMethod: 'clientCredentials', clientId: DEFAULT_CONFIG.oauth2Client.clientId, clientSecret: DEFAULT_CONFIG.oauth2Client.clientSecret });
		const scanner = scannerWith(['sentinel client secret', DEFAULT_CONFIG.oauth2Client.clientSecret]);
		await expectNoLeak(scanner, 'account sentinel', () =>
			mtlsClientForAccount(creds, { configHost: echo.url }).createMapping({ certificateId: '1', service: 'TEST_SERVICE', url: 'https://target.example.com/x', name: 'm1' }),
		);
	});

	test('LivePerson Account, OAuth 1.0 (signed requests): access token and secrets never quoted', async () => {
		const creds = account({ authMethod: 'oauth1', appKey: 'echo-app-key', appSecret: 'echo app/secret', accessToken: 'echo-oauth1-access-token', accessTokenSecret: 'echo oauth1 token/secret' });
		const scanner = scannerWith(['app secret', 'echo app/secret'], ['oauth1 access token', 'echo-oauth1-access-token'], ['oauth1 token secret', 'echo oauth1 token/secret']);
		await expectNoLeak(scanner, 'account oauth1', () => mtlsClientForAccount(creds, { gatewayHost: echo.url }).listCertificates());
	});

	test.each(['query', 'header'] as const)('Conversation Orchestrator v2 (token in the %s)', async (tokenPlacement) => {
		const creds = orchestratorConfig({ region: 'custom', customHost: echo.url, apiVersion: 'v2', userId: 'echo-co-user', password: 'Echo CO p@ss/1', allowedInternalNetworks: 'loopback' });
		const scanner = scannerWith(['co password', 'Echo CO p@ss/1'], ['co basic pair', 'echo-co-user:Echo CO p@ss/1']);
		await expectNoLeak(scanner, `co v2 ${tokenPlacement}`, () => new OrchestratorClient(creds, { tokenPlacement }).ccsV2({ op: 'get', accountId: '12345678', namespace: 'ns1' } as never));
	});

	test('Conversation Orchestrator v1 (maven-api-key)', async () => {
		const creds = orchestratorConfig({ region: 'custom', customHost: echo.url, apiVersion: 'v1', apiKey: 'echo-maven/api+key', allowedInternalNetworks: 'loopback' });
		const scanner = scannerWith(['co v1 key', 'echo-maven/api+key']);
		await expectNoLeak(scanner, 'co v1', () => new OrchestratorClient(creds).ccsV1({ op: 'listNamespaces' }, '12345678'));
	});

	test('Transfer to Messaging (APP JWT): host override', async () => {
		const creds = transferToMessagingConfig({ accountId: DEFAULT_CONFIG.accountId, csdsHost: emu.url, clientId: DEFAULT_CONFIG.oauth2Client.clientId, clientSecret: DEFAULT_CONFIG.oauth2Client.clientSecret, allowedInternalNetworks: 'loopback' });
		const scanner = scannerWith(['c2m client secret', DEFAULT_CONFIG.oauth2Client.clientSecret]);
		await expectNoLeak(scanner, 'c2m', () =>
			c2mClientForCredentials(creds, { host: echo.url, rateLimitRetries: 0 }).eligibility({ consumerPhoneNumber: '+15551234567', handoffId: 'H1', skill: 'sales' }),
		);
	});
});
