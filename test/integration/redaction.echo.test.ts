/**
 * Echo-server tests for every credential type: a loopback API copies the whole request (headers,
 * query, body) into its 401, 403, 422 JSON, 500 text and "straddling" answers. Whatever the package
 * builds from such an answer — the LpError (message, hint, snippet, JSON), the n8n NodeApiError
 * (message, description, context, cause) and the Continue-On-Fail item — holds no secret of the
 * credential in any spelling (raw, URL/form/RFC 5849-encoded, JSON-escaped, base64 of the Basic
 * pair, header value), including a secret placed across the 300-character cut of the snippet.
 * Here the lib clients, with the node layer's error builders (toNodeError, errorItem) applied as the nodes
 * apply them; the nodes themselves against the same echo, in n8n's own engine:
 * test/engine/redaction-echo-node.engine.test.ts.
 */
import { LpError } from '../../lib/errors';
import { closeAllDispatchers } from '../../lib/http';
import { c2mClientForCredentials } from '../../lib/liveperson/c2m';
import { login } from '../../lib/liveperson/login';
import { policyForAllowText } from '../../lib/net/policy';
import { mtlsClientForAccount } from '../../lib/liveperson/mtls-gateway';
import { OrchestratorClient } from '../../lib/liveperson/orchestrator';
import { tokenCache } from '../../lib/auth/token-cache';
import { accountConfig, orchestratorConfig, transferToMessagingConfig } from '../../nodes/shared/credentialConfig';
import { errorItem, toNodeError } from '../../nodes/shared/errors';
import { DEFAULT_CONFIG, Emulator, startEmulator } from '../../sandbox/emulator';
import { EchoServer, startEchoServer } from '../support/echo-server';
import { dump, echoScanner, MODES } from '../support/echo-leaks';
import type { SecretScanner } from '../support/secrets';

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

const scannerWith = (...values: Array<[string, string]>) => echoScanner(echo, emu, ...values);

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
