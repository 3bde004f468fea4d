/**
 * Echo-server leak tests of the nodes, in n8n's own engine (both pinned versions, test/engine/engine.ts): a
 * loopback API copies the whole request (headers, query, body) into its 401, 403, 422 JSON, 500 text,
 * "straddling", nested-JSON and base64 answers (test/support/echo-leaks.ts MODES). What n8n keeps of a run of
 * the API Integration, Consumer Authentication (Complete) and mTLS (Forward) nodes — n8n's run error, the
 * node's run data with its Continue-On-Fail items, and everything printed by n8n and the package meanwhile —
 * holds no secret of the credential in any spelling. The node's parameters (what the user typed, shown in the
 * editor anyway) are left out of the scan. The lib clients against the same echo:
 * test/integration/redaction.echo.test.ts.
 */
import { generateKeyPairSync } from 'node:crypto';
import { DEFAULT_CONFIG, Emulator, startEmulator } from '../../sandbox/emulator';
import { workflowId } from '../e2e/harness';
import { dump, echoScanner, MODES } from '../support/echo-leaks';
import { EchoServer, startEchoServer } from '../support/echo-server';
import type { SecretScanner } from '../support/secrets';
import { ENGINE_VERSIONS, enginePerTest, RUN_NODE, runNode, type Engine, type EngineExecutionResult } from './engine';

jest.setTimeout(300_000);

let echo: EchoServer;
let emu: Emulator;
beforeAll(async () => {
	[echo, emu] = await Promise.all([startEchoServer(), startEmulator()]);
}, 60_000);
afterAll(async () => {
	await Promise.all([echo?.close(), emu?.close()]);
});

/** A value without the node's parameters wherever n8n put the node (errors carry it). */
function withoutParameters(value: unknown): unknown {
	if (Array.isArray(value)) return value.map(withoutParameters);
	if (!value || typeof value !== 'object') return value;
	return Object.fromEntries(
		Object.entries(value as Record<string, unknown>).map(([k, v]) => {
			if (k === 'node' && v && typeof v === 'object' && !Array.isArray(v)) {
				const { parameters: _parameters, ...node } = v as Record<string, unknown>;
				return [k, node];
			}
			return [k, withoutParameters(v)];
		}),
	);
}

/**
 * Every `"parameters":{…}` object in a text replaced by a marker. n8n's debug log prints a failed node's
 * whole definition with the error (`"node":{…,"parameters":{…}}`): the values the user typed into the
 * node (a consumer token, an authorization code, a target Authorization header) are n8n's to log, as
 * they are in its workflow storage; what the package adds to the log is still scanned.
 */
function withoutLoggedParameters(text: string): string {
	const key = '"parameters":{';
	let out = '';
	let from = 0;
	for (let at = text.indexOf(key); at >= 0; at = text.indexOf(key, from)) {
		out += text.slice(from, at) + '"parameters":"[the node\'s parameters]"';
		let depth = 0;
		let i = at + key.length - 1;
		for (let inString = false; i < text.length; i++) {
			const c = text[i];
			if (inString) {
				if (c === '\\') i++;
				else if (c === '"') inString = false;
			} else if (c === '"') inString = true;
			else if (c === '{') depth++;
			else if (c === '}' && --depth === 0) break;
		}
		from = i + 1;
	}
	return out + text.slice(from);
}

/** What the run printed (n8n's and the package's log lines), without the run's own JSON that the harness appends. */
const printed = (r: EngineExecutionResult) => withoutLoggedParameters(r.logs.slice(0, r.logs.lastIndexOf('\n')));

/** Runs `run` against each echo mode and scans everything n8n keeps of the run. */
async function expectNoLeak(scanner: SecretScanner, label: string, run: () => Promise<EngineExecutionResult>, { mustFail = true } = {}) {
	for (const mode of MODES) {
		echo.setMode(mode);
		const before = echo.requests.length;
		const r = await run();
		expect(echo.requests.length).toBeGreaterThan(before); // the echo really got the request
		const where = `${label} (${mode.status} ${mode.form})`;
		if (!r.ok) {
			expect(r.error?.node).toBe(RUN_NODE);
			scanner.expectClean(`${where}: n8n's run error`, dump(withoutParameters(r.error)));
		} else if (mustFail) {
			throw new Error(`${where}: expected a failure`);
		}
		// The node's run: its error, or its items (Continue On Fail: the error items with their n8n error).
		scanner.expectClean(`${where}: the node's run data`, JSON.stringify(withoutParameters(r.runData[RUN_NODE])));
		scanner.expectClean(`${where}: printed`, printed(r));
	}
	echo.setMode(null);
}

const scannerWith = (...values: Array<[string, string]>) => echoScanner(echo, emu, ...values);

describe.each(ENGINE_VERSIONS)('nodes against the echo in n8n %s', (version) => {
	let n8n: Engine;
	// A fresh long-running n8n per test (token caches start empty, as the lib tests clear them).
	const engine = enginePerTest(version, { moduleScope: 'instance', instanceBaseUrl: 'https://n8n.example.test' });
	beforeEach(() => {
		n8n = engine();
	});

	describe('API Integration node (errors it builds from echoed requests)', () => {
		const run = (authentication: string, credentials: Record<string, Record<string, unknown>>, continueOnFail: boolean, extra: Record<string, unknown> = {}) =>
			runNode(n8n, {
				type: 'livePersonApiIntegration',
				continueOnFail,
				credentials,
				parameters: { authentication, method: 'POST', url: `${echo.url}/api/resource?x=1`, sendBody: true, bodyContentType: 'json', jsonBody: '{"a":1}', options: { retries: 0, allowedInternalNetworks: 'loopback' }, ...extra },
			});

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

		test.each(cases)('%s: no secret in errors or Continue-On-Fail items', async (label, authentication, template, secrets) => {
			const credentials = JSON.parse(JSON.stringify(template).replaceAll('__ECHO__', echo.url)) as typeof template;
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

		test("OAuth2 Authorization Code (n8n's own helper signs): no token or client secret in errors", async () => {
			const token = 'n8n-owned/oauth+token=1';
			const scanner = scannerWith(['oauth2 access token', token], ['oauth2 client secret', 'auth-code client/secret']);
			const credentials = { livePersonOAuth2AuthCodeApi: { clientId: 'echo-web', clientSecret: 'auth-code client/secret', authUrl: `${echo.url}/authorize`, accessTokenUrl: `${echo.url}/status/400`, oauthTokenData: { access_token: token, token_type: 'Bearer' }, allowedInternalNetworks: 'loopback' } };
			const runAuthCode = (continueOnFail: boolean) =>
				runNode(n8n, { type: 'livePersonApiIntegration', continueOnFail, credentials, parameters: { authentication: 'oAuth2AuthCode', method: 'GET', url: `${echo.url}/api/me`, options: { retries: 0, allowedInternalNetworks: 'loopback' } } });
			await expectNoLeak(scanner, 'OAuth2 auth code (fail)', () => runAuthCode(false));
			await expectNoLeak(scanner, 'OAuth2 auth code (continue on fail)', () => runAuthCode(true), { mustFail: false });
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
			// Start and Complete: two runs of one saved workflow with one stored credential.
			const wf = workflowId('echo-consumer-auth');
			const run = async (continueOnFail: boolean) => {
				const started = await runNode(n8n, { type: 'livePersonConsumerAuth', workflowId: wf, credentials, parameters: { operation: 'start', conversationId: 'c1', redirectUri: 'https://n8n.example.test/webhook/cb', options: {} } });
				const state = new URL(started.items(RUN_NODE)[0].authorizationUrl as string).searchParams.get('state');
				return runNode(n8n, { type: 'livePersonConsumerAuth', workflowId: wf, continueOnFail, credentials, parameters: { operation: 'complete', state, code, error: '', options: {} } });
			};
			await expectNoLeak(scanner, 'consumer auth complete (fail)', () => run(false));
			await expectNoLeak(scanner, 'consumer auth complete (continue on fail)', () => run(true), { mustFail: false });
			expect(verifiers().length).toBeGreaterThan(0);
		});
	});

	test.each([
		['OAuth 1.0 (the app key and the signature)', { authMethod: 'oauth1', appKey: 'echo-forward-app-key', appSecret: 'echo forward/app secret' }, [['oauth1 app key', 'echo-forward-app-key'], ['oauth1 app secret', 'echo forward/app secret']]],
		['Login Service bearer', { authMethod: 'userPassword', username: DEFAULT_CONFIG.user.username, password: DEFAULT_CONFIG.user.password }, [['account password', DEFAULT_CONFIG.user.password]]],
	] as Array<[string, Record<string, unknown>, Array<[string, string]>]>)('mTLS Forward through a gateway that echoes (%s): no secret of the strategy or the target Authorization (item 4)', async (_label, auth, secrets) => {
		const targetAuthorization = 'Bearer echo-target/token+9';
		const scanner = scannerWith(...secrets, ['target authorization (given as a header)', 'echo-target/token+9']);
		// The LP bearer the strategy sent: whatever the emulator issued.
		const run = (continueOnFail: boolean) =>
			runNode(n8n, {
				type: 'livePersonMtls',
				continueOnFail,
				credentials: { livePersonAccountApi: { accountId: DEFAULT_CONFIG.accountId, csdsHost: emu.url, allowedInternalNetworks: 'loopback', ...auth } },
				parameters: {
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
			});
		await expectNoLeak(scanner, 'mtls forward (fail)', () => run(false));
		await expectNoLeak(scanner, 'mtls forward (continue on fail)', () => run(true), { mustFail: false });
	});
});
