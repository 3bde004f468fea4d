/**
 * Bad-input table across every credential and node: empty and malformed fields, wrong passwords,
 * corrupt key stores, invalid CIDR, invalid URLs and schemes, and servers that answer HTML, empty,
 * truncated (reset mid-body), oversized (against the configurable size caps) or JSON of the wrong
 * shape. Credential and lib cases call the lib function or credential test directly; node cases run
 * the node in n8n's own engine of both pinned versions (runNode, test/engine/engine.ts). For every case:
 *   - it settles within its own bound (5 s for a lib call, 10 s for a run of n8n's engine), so nothing hangs;
 *   - what comes out is the package's LpError (lib level), a credential test result with status
 *     "Error", or (node) a failed run whose error n8n reports as NodeApiError / NodeOperationError on
 *     that node — nothing else (no TypeError, no raw undici/OpenSSL error);
 *   - node, Continue On Fail: the run goes on with one error item per input item, paired with it;
 *   - the user-visible text (message + description) names the field or the cause (per-case regex);
 *   - no secret of the test (passwords, client secrets, key-store passwords, private keys, issued
 *     tokens) appears in it (test/support/secrets.ts).
 * The number of cases is printed and asserted (>= 60).
 */
import { generateKeyPairSync } from 'node:crypto';
import { getEmulatorClientIdentity, startEmulator, type Emulator } from '../../sandbox/emulator';
import { tokenCache } from '../../lib/auth/token-cache';
import { LpError } from '../../lib/errors';
import { getAccountToken, resetAccountAuthState } from '../../lib/liveperson/account-auth';
import { getC2mToken } from '../../lib/liveperson/c2m-auth';
import { csds } from '../../lib/liveperson/csds';
import { orchestratorLogin } from '../../lib/liveperson/orchestrator-auth';
import { closeAllAgents } from '../../lib/tls/agent-pool';
import { mutualTlsConnection } from '../../lib/tls/credential';
import { CREDENTIAL_TYPES, mutualTlsConfig, strategyFor } from '../../nodes/shared/credentialConfig';
import { clearKeyStoreCache } from '../../lib/tls/keystore';
import { testConversationOrchestrator, testLivePersonAccount, testTransferToMessaging } from '../../nodes/shared/credentialTests';
import { makeTestPki, OTHER_PASSWORD, STORE_PASSWORD, type TestPki } from '../helpers/pki';
import { startNodeMtlsServer, type NodeTlsServer } from '../helpers/tls-servers';
import { startBadServer, type BadServer } from '../support/bad-server';
import { SecretScanner } from '../support/secrets';
import { INSTALL_TIMEOUT_MS } from '../e2e/harness';
import { createEngine, ENGINE_VERSIONS, RUN_NODE, runNode, type RunNodeOptions, type WorkflowRunner } from './engine';

jest.setTimeout(180_000);

const ACC = '12345678';
const CASE_BOUND_MS = 5_000;

let emu: Emulator;
let bad: BadServer;
let pki: TestPki;
let mtlsServer: NodeTlsServer;
const secrets = new SecretScanner();
const rsaPair = generateKeyPairSync('rsa', { modulusLength: 2048 });
const privateKeyPem = rsaPair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
const rsaPublicPem = rsaPair.publicKey.export({ type: 'spki', format: 'pem' }) as string;

beforeAll(async () => {
	[emu, bad] = await Promise.all([startEmulator({ port: 0 }), startBadServer()]);
	pki = makeTestPki();
	mtlsServer = await startNodeMtlsServer(pki);
	const c = emu.config;
	secrets
		.add('account password', c.user.password)
		.add('Sentinel client secret', c.oauth2Client.clientSecret)
		.add('OAuth1 secrets', c.oauth1.secret, c.oauth1.accessToken, c.oauth1.accessTokenSecret)
		.add('CO v1 api key', c.orchestrator.apiKey)
		.add('CO v2 password', c.orchestrator.v2.password)
		.add('key-store passwords', STORE_PASSWORD, OTHER_PASSWORD, 'sandbox-p12-password')
		.add('sample secrets', 'wrong-Passw0rd-xyz', 'cc-client-secret-123', 'access-token-abcdef')
		.addBasic('basic auth', 'basic-user', 'basic-Passw0rd')
		.addPem('client RSA key', pki.rsa.keyPem)
		.addPem('client EC key', pki.ec.keyPem)
		.addPem('untrusted client key', pki.untrusted.keyPem)
		.addPem('pasted private key', privateKeyPem)
		.addBase64Blob('PKCS#12 key store', pki.p12Modern)
		.addEmulator(emu);
}, 180_000);

afterAll(async () => {
	await closeAllAgents();
	await Promise.all([emu?.close(), bad?.close(), mtlsServer?.close()]);
});

beforeEach(() => {
	emu.reset();
	tokenCache.clear();
	resetAccountAuthState();
	csds.invalidate();
	clearKeyStoreCache();
});

// ---------------------------------------------------------------------------------------------------
// Credentials and contexts

/** The emulator and the bad server listen on 127.0.0.1: every credential allows loopback. */
const LOOPBACK = { allowedInternalNetworks: 'loopback' };

/** Builds the credential's strategy (fields checked) and signs one request with it (tokens fetched). */
async function sign(type: string, data: Record<string, unknown>) {
	const auth = strategyFor(type, data);
	return auth.apply({ method: 'GET', url: new URL('https://api.example.com/x'), headers: {} });
}

/** The Mutual TLS credential's fields → settings → connection (the key store is parsed here). */
const tlsIdentity = async (data: Record<string, unknown>) => mutualTlsConnection(mutualTlsConfig(data));

const account = (over: Record<string, unknown> = {}) => ({
	accountId: ACC,
	csdsHost: emu.url,
	authMethod: 'userPassword',
	username: 'sandbox-agent',
	password: 'Sandbox-Passw0rd!',
	...LOOPBACK,
	...over,
});
const sentinelAccount = (over: Record<string, unknown> = {}) =>
	account({ authMethod: 'clientCredentials', clientId: 'sandbox-client', clientSecret: 'sandbox-client-secret', ...over });
const co = (over: Record<string, unknown> = {}) => ({ region: 'custom', customHost: emu.url, apiVersion: 'v2', userId: 'sandbox-co-user', password: 'Sandbox-CO-Passw0rd!', ...LOOPBACK, ...over });
const c2m = (over: Record<string, unknown> = {}) => ({ accountId: ACC, csdsHost: emu.url, clientId: 'sandbox-client', clientSecret: 'sandbox-client-secret', ...LOOPBACK, ...over });
const cc = (over: Record<string, unknown> = {}) => ({ clientId: 'cc-client', clientSecret: 'cc-client-secret-123', accessTokenUrl: `${bad.url}/token/ok`, authentication: 'body', ...LOOPBACK, ...over });
const mtls = (over: Record<string, unknown> = {}) => ({ keyStoreFormat: 'pkcs12', keyStore: pki.p12Modern, keyStorePassword: STORE_PASSWORD, trustCertificate: pki.caPem, protocols: 'tls12plus', ...over });

/** A node, its parameters and credentials: runNode (test/engine/engine.ts) runs it in n8n's engine. */
type NodeSpec = Pick<RunNodeOptions, 'type' | 'parameters' | 'credentials'>;
interface SpecOptions {
	params: Record<string, unknown>;
	credentials?: Record<string, Record<string, unknown>>;
}
const run = (type: string, opts: SpecOptions): NodeSpec => ({ type, parameters: opts.params, credentials: opts.credentials });

const api = (params: Record<string, unknown>, extra: Partial<SpecOptions> = {}) =>
	run('livePersonApiIntegration', {
		params: { authentication: 'none', mutualTls: false, method: 'GET', options: { allowedInternalNetworks: 'loopback', retries: 0 }, ...params },
		...extra,
	});
const domains = (params: Record<string, unknown>, cred = account()) => run('livePersonDomains', { params: { operation: 'getAll', options: { cacheMinutes: 0 }, ...params }, credentials: { livePersonAccountApi: cred } });
const allow = (params: Record<string, unknown>) =>
	run('livePersonIpAllowlist', { params: { operation: 'check', outputMode: 'field', ipAddress: '10.1.2.3', allowList: '10.0.0.0/8', ...params } });
const jwt = (params: Record<string, unknown>) =>
	run('livePersonVerifyJwt', { params: { token: 'eyJhbGciOiJSUzI1NiJ9.e30.c2ln', keySource: 'jwks', jwksUrl: `${bad.url}/ok`, algorithms: ['RS256'], options: { allowedInternalNetworks: 'loopback' }, ...params } });
const mtlsNode = (params: Record<string, unknown>, extra: Partial<SpecOptions> = {}) =>
	run('livePersonMtls', { params: { options: { allowedInternalNetworks: 'loopback' }, ...params }, credentials: { livePersonAccountApi: account() }, ...extra });
const coNode = (params: Record<string, unknown>, cred = co()) =>
	run('conversationOrchestrator', { params: { resource: 'contextService', accountId: ACC, namespaceName: 'flow', sessionId: 's1', ...params }, credentials: { conversationOrchestratorApi: cred } });
const c2mNode = (params: Record<string, unknown>) =>
	run('livePersonTransferToMessaging', {
		params: { operation: 'eligibility', consumerPhoneNumber: '+12065550100', handoffId: 'H123456789', skill: 'support', additionalFields: {}, options: {}, ...params },
		credentials: { livePersonTransferToMessagingApi: c2m() },
	});
const lpApiNode = (params: Record<string, unknown>) => run('livePersonApi', { params: { options: { retry: false }, ...params }, credentials: { livePersonAccountApi: account() } });
const fault = (route: string, f: Parameters<Emulator['setFault']>[1]) => () => emu.setFault(route, f);
const HTML = { status: 200, body: '<!doctype html><html><body>Maintenance</body></html>', contentType: 'text/html' };

// ---------------------------------------------------------------------------------------------------
// The table

interface Case {
	area: string;
	name: string;
	/** Prepares servers (faults) before the call. */
	setup?: () => void;
	/** A lib function or credential test, called directly (no n8n involved). */
	call?: () => Promise<unknown>;
	/** A node, run in n8n's engine (runNode) on both pinned versions (built when the servers are up). */
	node?: () => NodeSpec;
	/** Must match the user-visible text (message + description / credential test message). */
	expect: RegExp;
	/** For LpError: the field it must name. */
	field?: string;
	/**
	 * Designed to fail closed in the output instead of throwing (IP Allowlist: denied with a reason;
	 * Verify JWT: the "invalid" output with a reason): the output JSON must match `expect`.
	 */
	inOutput?: boolean;
}

const cases: Case[] = [
	// ---- LivePerson Account credential (lib: getAccountToken; credential test) ----
	{ area: 'account', name: 'empty account ID', call: () => getAccountToken(account({ accountId: '' })), expect: /Account ID/i, field: 'accountId' },
	{ area: 'account', name: 'account ID with letters', call: () => getAccountToken(account({ accountId: 'abc!12' })), expect: /Account ID/i, field: 'accountId' },
	{ area: 'account', name: 'CSDS host with ftp:// scheme', call: () => getAccountToken(account({ csdsHost: 'ftp://csds.example.com' })), expect: /CSDS|host/i, field: 'csdsHost' },
	{ area: 'account', name: 'CSDS host not a URL', call: () => getAccountToken(account({ csdsHost: 'http://[::1' })), expect: /CSDS|host/i, field: 'csdsHost' },
	{ area: 'account', name: 'unknown authentication type', call: () => getAccountToken(account({ authMethod: 'magic' })), expect: /Authentication Type/, field: 'authMethod' },
	{ area: 'account', name: 'empty user name', call: () => getAccountToken(account({ username: '  ' })), expect: /user ?name/i, field: 'username' },
	{ area: 'account', name: 'empty password', call: () => getAccountToken(account({ password: '' })), expect: /password/i, field: 'password' },
	{ area: 'account', name: 'wrong password (Login Service 401)', call: () => getAccountToken(account({ password: 'wrong-Passw0rd-xyz' })), expect: /Login Service.*(401|refused|rejected)|user name and password/i },
	{ area: 'account', name: 'unknown account (CSDS 401)', call: () => getAccountToken(account({ accountId: '99999999' })), expect: /CSDS|account/i },
	{ area: 'account', name: 'wrong Sentinel client secret', call: () => getAccountToken(sentinelAccount({ clientSecret: 'cc-client-secret-123' })), expect: /Sentinel|client/i },
	{ area: 'account', name: 'empty Sentinel client ID', call: () => getAccountToken(sentinelAccount({ clientId: '' })), expect: /Client ID/i, field: 'clientId' },
	{ area: 'account', name: 'OAuth 1.0 without bot user name', call: () => getAccountToken(account({ authMethod: 'oauth1', username: '', appKey: 'sandbox-app-key', appSecret: 'sandbox-app-secret' })), expect: /user name/i, field: 'username' },
	{ area: 'account', name: 'authentication "None" where a login is needed', call: () => getAccountToken(account({ authMethod: 'none' })), expect: /Authentication Type.*None/, field: 'authMethod' },
	{ area: 'account', name: 'Login Service answers HTML', setup: fault('login.login', HTML), call: () => getAccountToken(account()), expect: /HTML page/ },
	{ area: 'account', name: 'Login Service answers JSON without a bearer', setup: fault('login.login', { status: 200, body: { csrf: 'x', config: {} } }), call: () => getAccountToken(account()), expect: /bearer/i },
	{ area: 'account', name: 'credential test: wrong password', call: () => testLivePersonAccount(account({ password: 'wrong-Passw0rd-xyz' })), expect: /Login Service|password|refused/i },
	{ area: 'account', name: 'credential test: CSDS answers HTML', setup: fault('csds.all', HTML), call: () => testLivePersonAccount(account()), expect: /HTML page/ },

	// ---- Access Token / Basic Auth credentials ----
	{ area: 'access token', name: 'empty access token', call: () => sign(CREDENTIAL_TYPES.accessToken, { accessToken: '  ' }), expect: /Access Token is required/, field: 'accessToken' },
	{ area: 'access token', name: 'token with a line break (header injection)', call: () => sign(CREDENTIAL_TYPES.accessToken, { accessToken: 'access-token-abcdef\r\nX-Evil: 1' }), expect: /line breaks/, field: 'accessToken' },
	{ area: 'access token', name: 'token type with a space', call: () => sign(CREDENTIAL_TYPES.accessToken, { accessToken: 'access-token-abcdef', tokenType: 'Bear er' }), expect: /Token Type/, field: 'tokenType' },
	{ area: 'basic', name: 'user containing ":"', call: () => sign(CREDENTIAL_TYPES.basic, { user: 'basic:user', password: 'basic-Passw0rd' }), expect: /":"|colon/i, field: 'user' },

	// ---- OAuth2 client credentials credential ----
	{ area: 'oauth2 cc', name: 'empty token URL', call: () => sign(CREDENTIAL_TYPES.clientCredentials, cc({ accessTokenUrl: '' })), expect: /Token URL is required/, field: 'accessTokenUrl' },
	{ area: 'oauth2 cc', name: 'token URL with ftp:// scheme', call: () => sign(CREDENTIAL_TYPES.clientCredentials, cc({ accessTokenUrl: 'ftp://idp.example.com/token' })), expect: /Token URL must start with https:\/\//, field: 'accessTokenUrl' },
	{ area: 'oauth2 cc', name: 'token URL not a URL', call: () => sign(CREDENTIAL_TYPES.clientCredentials, cc({ accessTokenUrl: 'not a url' })), expect: /Token URL is not a valid URL/, field: 'accessTokenUrl' },
	{ area: 'oauth2 cc', name: 'empty client ID', call: () => sign(CREDENTIAL_TYPES.clientCredentials, cc({ clientId: '' })), expect: /Client ID/i, field: 'clientId' },
	{ area: 'oauth2 cc', name: 'expired status other than 401/403', call: () => sign(CREDENTIAL_TYPES.clientCredentials, cc({ tokenExpiredStatusCode: 500 })), expect: /Token Expired Status/, field: 'tokenExpiredStatusCode' },
	{ area: 'oauth2 cc', name: 'token endpoint answers HTML', call: () => sign(CREDENTIAL_TYPES.clientCredentials, cc({ accessTokenUrl: `${bad.url}/token/html` })), expect: /HTML/ },
	{ area: 'oauth2 cc', name: 'token endpoint answers an empty body', call: () => sign(CREDENTIAL_TYPES.clientCredentials, cc({ accessTokenUrl: `${bad.url}/token/empty` })), expect: /empty/i },
	{ area: 'oauth2 cc', name: 'token endpoint answers invalid JSON', call: () => sign(CREDENTIAL_TYPES.clientCredentials, cc({ accessTokenUrl: `${bad.url}/token/notjson` })), expect: /not valid JSON|JSON/ },
	{ area: 'oauth2 cc', name: 'token endpoint answers JSON without access_token', call: () => sign(CREDENTIAL_TYPES.clientCredentials, cc({ accessTokenUrl: `${bad.url}/token/wrong-shape` })), expect: /access_token/ },
	{ area: 'oauth2 cc', name: 'token endpoint answers a JSON array', call: () => sign(CREDENTIAL_TYPES.clientCredentials, cc({ accessTokenUrl: `${bad.url}/token/array` })), expect: /access_token|object/ },
	{ area: 'oauth2 cc', name: 'token answer cut mid-body (connection reset)', call: () => sign(CREDENTIAL_TYPES.clientCredentials, cc({ accessTokenUrl: `${bad.url}/token/truncated` })), expect: /reset|closed|could not be reached|terminated/i },
	{ area: 'oauth2 cc', name: 'token endpoint 401 invalid_client', call: () => sign(CREDENTIAL_TYPES.clientCredentials, cc({ accessTokenUrl: `${bad.url}/token/status/401` })), expect: /401|client/i },
	{ area: 'oauth2 auth code', name: 'not connected (no token stored)', node: () => api({ authentication: 'oAuth2AuthCode', url: `${bad.url}/ok` }, { credentials: { livePersonOAuth2AuthCodeApi: { clientId: 'web', clientSecret: 'cc-client-secret-123', ...LOOPBACK } } }), expect: /n8n did not send the request to .*OAuth credentials not connected/ },

	// ---- Mutual TLS credential (lib and through the API Integration node) ----
	{ area: 'mtls', name: 'empty key store', call: () => tlsIdentity(mtls({ keyStore: '' })), expect: /empty|Key Store/i, field: 'keyStore' },
	{ area: 'mtls', name: 'key store not base64', call: () => tlsIdentity(mtls({ keyStore: '%%% not base64 ###' })), expect: /base64/, field: 'keyStore' },
	{ area: 'mtls', name: 'wrong key-store password', call: () => tlsIdentity(mtls({ keyStorePassword: OTHER_PASSWORD })), expect: /password is wrong/, field: 'keyStorePassword' },
	{ area: 'mtls', name: 'truncated PKCS#12', call: () => tlsIdentity(mtls({ keyStore: Buffer.from(pki.p12Modern, 'base64').subarray(0, 900).toString('base64') })), expect: /truncated or corrupt/, field: 'keyStore' },
	{ area: 'mtls', name: 'random bytes as JKS', call: () => tlsIdentity(mtls({ keyStoreFormat: 'jks', keyStore: Buffer.alloc(512, 0x41).toString('base64') })), expect: /truncated or corrupt|not a JKS|key store/i, field: 'keyStore' },
	{ area: 'mtls', name: 'PEM certificate without its key', call: () => tlsIdentity(mtls({ keyStoreFormat: 'pem', keyStore: pki.rsa.certPem, privateKey: '' })), expect: /private key/i, field: 'privateKey' },
	{ area: 'mtls', name: 'unknown protocol choice', call: () => tlsIdentity(mtls({ protocols: 'sslv3' })), expect: /Protocol|TLS/i, field: 'protocols' },
	{ area: 'mtls', name: 'unreadable trust certificate', call: () => tlsIdentity(mtls({ trustCertificate: 'aGVsbG8gd29ybGQ=' })), expect: /trust certificate/i, field: 'trustCertificate' },
	{ area: 'mtls', name: 'node: server certificate not trusted (no trust certificate)', node: () => api({ mutualTls: true, url: `${mtlsServer.url}/x` }, { credentials: { livePersonMutualTlsApi: mtls({ keyStoreFormat: 'pem', keyStore: pki.rsa.certPem, privateKey: pki.rsa.keyPem, keyStorePassword: '', trustCertificate: '' }) } }), expect: /TLS|certificate/i },
	{ area: 'mtls', name: 'node: server rejects the client certificate (TLS alert)', node: () => api({ mutualTls: true, url: `${mtlsServer.url}/x` }, { credentials: { livePersonMutualTlsApi: mtls({ keyStore: pki.p12Untrusted }) } }), expect: /refused the client certificate/ },

	// ---- Conversation Orchestrator credential ----
	{ area: 'co', name: 'custom region without a host', call: () => orchestratorLogin(co({ customHost: '' })), expect: /Custom Host|host/i, field: 'customHost' },
	{ area: 'co', name: 'custom host with javascript: scheme', call: () => orchestratorLogin(co({ customHost: 'javascript:alert(1)' })), expect: /Custom Host|https?/i, field: 'customHost' },
	{ area: 'co', name: 'unknown region', call: () => orchestratorLogin(co({ region: 'mars' })), expect: /Region/i, field: 'region' },
	{ area: 'co', name: 'v2 empty user ID', call: () => orchestratorLogin(co({ userId: '' })), expect: /User ID/i, field: 'userId' },
	{ area: 'co', name: 'v2 wrong password', call: () => orchestratorLogin(co({ password: 'wrong-Passw0rd-xyz' })), expect: /Conversation Orchestrator.*(401|refused|User ID|password)/i },
	{ area: 'co', name: 'v1 empty API key (credential test)', call: () => testConversationOrchestrator(co({ apiVersion: 'v1', apiKey: '' })), expect: /API Key/i },
	{ area: 'co', name: 'login answers HTML', setup: fault('co.v2.login', HTML), call: () => orchestratorLogin(co()), expect: /with an HTML page instead of a token.*Check the region/ },
	{ area: 'co', name: 'login answers JSON without a token', setup: fault('co.v2.login', { status: 200, body: { hello: 'world' } }), call: () => orchestratorLogin(co()), expect: /token/i },

	// ---- Transfer to Messaging credential ----
	{ area: 'c2m', name: 'wrong client secret', call: () => getC2mToken(c2m({ clientSecret: 'cc-client-secret-123' })), expect: /Sentinel|client/i },
	{ area: 'c2m', name: 'empty client ID (credential test)', call: () => testTransferToMessaging(c2m({ clientId: '' })), expect: /Client ID/i },
	{ area: 'c2m', name: 'Sentinel answers JSON without access_token', setup: fault('sentinel.token', { status: 200, body: { token_type: 'Bearer' } }), call: () => getC2mToken(c2m()), expect: /access_token|token/i },

	// ---- LivePerson Domains node (CSDS) ----
	{ area: 'domains', name: 'account ID empty (credential and parameter)', node: () => domains({ accountId: '' }, account({ accountId: '' })), expect: /Account ID is empty/ },
	{ area: 'domains', name: 'account ID with a slash', node: () => domains({ accountId: '123/456' }), expect: /Account ID "123\/456" is not valid/ },
	{ area: 'domains', name: 'CSDS 401 for an unknown account', node: () => domains({ accountId: '99999999' }), expect: /CSDS answered HTTP 401/ },
	{ area: 'domains', name: 'CSDS returns an empty list', setup: fault('csds.all', { status: 200, body: { baseURIs: [] } }), node: () => domains({}), expect: /CSDS returned no service domains for account/ },
	{ area: 'domains', name: 'CSDS host unreachable', node: () => domains({}, account({ csdsHost: 'http://127.0.0.1:1' })), expect: /CSDS could not be reached at .*connection refused/ },
	{ area: 'domains', name: 'unknown service', node: () => domains({ operation: 'get', service: 'noSuchService' }), expect: /noSuchService/ },
	{ area: 'domains', name: 'account ID parameter malformed', node: () => domains({ accountId: 'abc' }), expect: /Account ID/i },
	{ area: 'domains', name: 'CSDS answers HTML', setup: fault('csds.all', HTML), node: () => domains({}), expect: /CSDS.*HTML page/ },
	{ area: 'domains', name: 'CSDS answers an empty body', setup: fault('csds.all', { status: 200, body: '', contentType: 'application/json' }), node: () => domains({}), expect: /CSDS.*empty/ },
	{ area: 'domains', name: 'CSDS answer cut mid-body (reset)', setup: fault('csds.all', { status: 200, body: { baseURIs: [{ service: 'agentVep', account: ACC, baseURI: 'x'.repeat(200) }] }, resetAfterBytes: 40, times: 10 }), node: () => domains({}), expect: /CSDS.*(reset|could not be reached)/ },
	{ area: 'domains', name: 'CSDS answers JSON of the wrong shape', setup: fault('csds.all', { status: 200, body: { baseURIs: 'nope' } }), node: () => domains({}), expect: /CSDS.*baseURIs|CSDS.*(shape|expected)/i },
	{ area: 'domains', name: 'CSDS host with a path and bad scheme', node: () => domains({}, account({ csdsHost: 'gopher://csds' })), expect: /CSDS/ },

	// ---- LivePerson IP Allowlist node ----
	{ area: 'ip allowlist', name: 'CIDR prefix /33', node: () => allow({ allowList: '10.0.0.0/33' }), expect: /10\.0\.0\.0\/33|prefix/ },
	{ area: 'ip allowlist', name: 'IPv4 octet 300', node: () => allow({ allowList: '300.1.2.3' }), expect: /300\.1\.2\.3/ },
	{ area: 'ip allowlist', name: 'IPv6 prefix /129', node: () => allow({ allowList: 'fe80::/129' }), expect: /fe80::\/129|prefix/ },
	{ area: 'ip allowlist', name: 'caller IP not an address (denied, reason in the item)', inOutput: true, node: () => allow({ ipAddress: 'not-an-ip' }), expect: /"ipAllowed":false.*peer address \\"not-an-ip\\" is not an IP address/ },
	{ area: 'ip allowlist', name: 'trusted proxies malformed', node: () => allow({ useForwardedFor: true, forwardedFor: '1.2.3.4', trustedProxies: 'proxy/1' }), expect: /proxy\/1|Trusted Proxies/i },
	{ area: 'ip allowlist', name: 'normalize: CIDR with host bits and garbage', node: () => run('livePersonIpAllowlist', { params: { operation: 'normalize', allowList: '10.0.0.0/8, banana' } }), expect: /banana/ },

	// ---- LivePerson Verify JWT node ----
	{ area: 'verify jwt', name: 'no algorithm selected (from an expression)', node: () => jwt({ algorithms: '={{ [] }}' }), expect: /algorithm/i },
	{ area: 'verify jwt', name: 'algorithm "none"', node: () => jwt({ algorithms: ['none'] }), expect: /"none"/ },
	{ area: 'verify jwt', name: 'JWKS URL with ftp:// scheme', node: () => jwt({ jwksUrl: 'ftp://issuer.example/jwks' }), expect: /only http and https URLs are allowed \(got "ftp"\)/ },
	{ area: 'verify jwt', name: 'JWKS URL not a URL', node: () => jwt({ jwksUrl: 'not a url' }), expect: /JWKS URL/ },
	{ area: 'verify jwt', name: 'JWKS answers HTML', node: () => jwt({ jwksUrl: `${bad.url}/html` }), expect: /JWKS.*HTML/ },
	{ area: 'verify jwt', name: 'JWKS answers JSON without keys', node: () => jwt({ jwksUrl: `${bad.url}/wrong-shape` }), expect: /"keys"/ },
	{ area: 'verify jwt', name: 'JWKS answer over the 512 KiB cap', node: () => jwt({ jwksUrl: `${bad.url}/big?kb=600` }), expect: /more than \d+ bytes/ },
	{ area: 'verify jwt', name: 'JWKS on a link-local address without allowance', node: () => jwt({ jwksUrl: 'http://169.254.169.254/jwks', options: {} }), expect: /Blocked|Allowed Internal Networks/ },
	{ area: 'verify jwt', name: 'public key is not PEM', node: () => jwt({ keySource: 'pem', publicKey: 'hello' }), expect: /public key/i },
	{ area: 'verify jwt', name: 'private key pasted as public key', node: () => jwt({ keySource: 'pem', publicKey: privateKeyPem }), expect: /private key/i },
	{ area: 'verify jwt', name: 'token not a JWT (invalid output, reason in the item)', inOutput: true, node: () => jwt({ keySource: 'pem', publicKey: rsaPublicPem, token: 'not.a-jwt' }), expect: /"valid":false,"reason":"malformed"/ },
	{ area: 'verify jwt', name: 'empty token from an expression (invalid output, reason in the item)', inOutput: true, node: () => jwt({ keySource: 'pem', publicKey: rsaPublicPem, token: '={{ "" }}' }), expect: /"valid":false,"reason":"(malformed|missing)/ },
	{ area: 'verify jwt', name: 'JWK not JSON', node: () => jwt({ keySource: 'jwk', jwk: '{kty:' }), expect: /JWK/ },
	{ area: 'verify jwt', name: 'symmetric JWK without "k"', node: () => jwt({ keySource: 'jwk', jwk: '{"kty":"oct"}', algorithms: ['HS256'] }), expect: /symmetric JWK has no usable "k"/ },
	{ area: 'verify jwt', name: 'symmetric JWK of 16 bytes for HS256', node: () => jwt({ keySource: 'jwk', jwk: JSON.stringify({ kty: 'oct', k: Buffer.alloc(16, 1).toString('base64url') }), algorithms: ['HS256'] }), expect: /16 bytes: HS256 needs a key of at least 32 bytes/ },
	{ area: 'verify jwt', name: 'clock tolerance 1e9 from an expression', node: () => jwt({ keySource: 'pem', publicKey: rsaPublicPem, options: { clockTolerance: 1e9 } }), expect: /clock tolerance must be a number of seconds from 0 to 600/ },

	// ---- LivePerson API Integration node ----
	{ area: 'api', name: 'empty URL (from an expression)', node: () => api({ url: '={{ "" }}' }), expect: /URL/ },
	{ area: 'api', name: 'URL with ftp:// scheme', node: () => api({ url: 'ftp://example.com/file' }), expect: /URL.*(http|scheme)|ftp/i },
	{ area: 'api', name: 'URL not a URL', node: () => api({ url: 'http//missing-colon' }), expect: /URL/ },
	{ area: 'api', name: 'cloud metadata address without allowance', node: () => api({ url: 'http://169.254.169.254/latest/meta-data', options: { retries: 0 } }), expect: /Blocked|Allowed Internal Networks/ },
	{ area: 'api', name: 'Allowed Internal Networks with an invalid CIDR', node: () => api({ url: `${bad.url}/ok`, options: { allowedInternalNetworks: '10.0.0.0/99' } }), expect: /Allowed Internal Networks|10\.0\.0\.0\/99/ },
	{ area: 'api', name: 'JSON body is not JSON', node: () => api({ url: `${bad.url}/ok`, method: 'POST', sendBody: true, bodyContentType: 'json', jsonBody: '{"a":' }), expect: /JSON/ },
	{ area: 'api', name: 'header name with a space', node: () => api({ url: `${bad.url}/ok`, sendHeaders: true, headerParameters: { parameters: [{ name: 'Bad Header', value: 'x' }] } }), expect: /header/i },
	{ area: 'api', name: 'JSON expected, HTML answered', node: () => api({ url: `${bad.url}/html`, options: { allowedInternalNetworks: 'loopback', retries: 0, responseFormat: 'json' } }), expect: /HTML/ },
	{ area: 'api', name: 'JSON expected, invalid JSON answered', node: () => api({ url: `${bad.url}/notjson`, options: { allowedInternalNetworks: 'loopback', retries: 0, responseFormat: 'json' } }), expect: /not valid JSON/ },
	{ area: 'api', name: 'answer cut mid-body (reset)', node: () => api({ url: `${bad.url}/truncated` }), expect: /reset|could not be reached/i },
	{ area: 'api', name: 'answer over the configured size cap (1 KiB)', node: () => api({ url: `${bad.url}/big?kb=8`, options: { allowedInternalNetworks: 'loopback', retries: 0, maxResponseMb: 1 / 1024 } }), expect: /more than 1024 bytes/ },
	{ area: 'api', name: 'no answer within the 1 s timeout', node: () => api({ url: `${bad.url}/slow?ms=8000`, options: { allowedInternalNetworks: 'loopback', retries: 0, timeout: 1 } }), expect: /did not answer within 1 s/ },
	{ area: 'api', name: 'connection reset before any answer', node: () => api({ url: `${bad.url}/reset` }), expect: /reset|could not be reached/i },
	{ area: 'api', name: '429 with a Retry-After of an hour fails at once', node: () => api({ url: `${bad.url}/status/429?retryAfter=3600`, options: { allowedInternalNetworks: 'loopback', retries: 3 } }), expect: /429/ },
	{ area: 'api', name: 'access token credential empty', node: () => api({ authentication: 'accessToken', url: `${bad.url}/ok` }, { credentials: { livePersonAccessTokenApi: { accessToken: '' } } }), expect: /Access Token is required/ },

	// ---- LivePerson mTLS node ----
	{ area: 'mtls node', name: 'forward to an http:// target', node: () => mtlsNode({ operation: 'forward', method: 'GET', targetUrl: 'http://example.com/hook', serviceName: 'WEBHOOKS' }), expect: /https/ },
	{ area: 'mtls node', name: 'forward target not a URL', node: () => mtlsNode({ operation: 'forward', method: 'GET', targetUrl: 'hook', serviceName: 'WEBHOOKS' }), expect: /Target URL|URL/ },
	{ area: 'mtls node', name: 'upload: certificate not base64', node: () => mtlsNode({ operation: 'uploadCertificate', certificateSource: 'base64', certificateBase64: '%%%', certificateName: 'x', certificatePassword: 'sandbox-p12-password' }), expect: /base64|certificate/i },
	{ area: 'mtls node', name: 'upload: wrong p12 password', node: () => mtlsNode({ operation: 'uploadCertificate', certificateSource: 'base64', certificateBase64: getEmulatorClientIdentity('sandbox-p12-password').p12Base64, certificateName: 'x', certificatePassword: OTHER_PASSWORD }), expect: /password/i },
	{ area: 'mtls node', name: 'check mapping: gateway answers HTML', setup: fault('mtls.mapping', HTML), node: () => mtlsNode({ operation: 'checkMapping', checkVariant: 'gatewayV2', pairs: { pair: [{ serviceName: 'WEBHOOKS', url: 'https://example.com/x' }] } }), expect: /HTML/ },
	{ area: 'mtls node', name: 'check mapping: gateway answers the wrong shape', setup: fault('mtls.mapping', { status: 200, body: { unexpected: true } }), node: () => mtlsNode({ operation: 'checkMapping', checkVariant: 'gatewayV2', pairs: { pair: [{ serviceName: 'WEBHOOKS', url: 'https://example.com/x' }] } }), expect: /mTLS|mapping|expected/i },
	{ area: 'mtls node', name: 'forward answer over the configured size cap', node: () => mtlsNode({ operation: 'forward', method: 'GET', targetUrl: `${emu.mtlsTarget.url}/echo`, serviceName: 'WEBHOOKS', options: { allowedInternalNetworks: 'loopback', maxResponseSizeMb: 0.0001 } }), expect: /more than \d+ bytes/ },
	{ area: 'mtls node', name: 'create mapping with an http:// URL', node: () => mtlsNode({ operation: 'createMapping', mappingVariant: 'configuration', certificateId: '1', mappingService: 'IDP', mappingUrl: 'http://example.com', mappingName: 'm' }), expect: /https|URL/ },

	// ---- Conversation Orchestrator node ----
	{ area: 'co node', name: 'payload is not JSON', node: () => coNode({ operation: 'v2Create', ttlSeconds: 60, payload: '{oops' }), expect: /payload is not valid JSON/ },
	{ area: 'co node', name: 'negative TTL', node: () => coNode({ operation: 'v2Create', ttlSeconds: -5, payload: '{}' }), expect: /TTL|ttl/ },
	{ area: 'co node', name: 'account ID with spaces', node: () => coNode({ operation: 'v2Get', accountId: 'a b' }), expect: /Account ID/i },
	{ area: 'co node', name: 'CCS answers HTML', setup: fault('co.ccs.v2', HTML), node: () => coNode({ operation: 'v2Get' }), expect: /HTML/ },
	{ area: 'co node', name: 'CCS answer cut mid-body', setup: fault('co.ccs.v2', { status: 200, body: { payload: { a: 'x'.repeat(300) } }, resetAfterBytes: 20, times: 10 }), node: () => coNode({ operation: 'v2Get', options: { timeout: 4 } }), expect: /reset|could not be reached/i },

	// ---- Transfer to Messaging node ----
	{ area: 'c2m node', name: 'phone number with letters', node: () => c2mNode({ consumerPhoneNumber: 'call-me' }), expect: /Phone/i },
	{ area: 'c2m node', name: 'override message over 1600 characters', node: () => run('livePersonTransferToMessaging', { params: { operation: 'invite', callId: 'c1', inviteFields: { overrideMessage: 'm'.repeat(1601) } }, credentials: { livePersonTransferToMessagingApi: c2m() } }), expect: /1600|Message/ },
	{ area: 'c2m node', name: 'eligibility answers HTML', setup: fault('c2m.eligibility', HTML), node: () => c2mNode({}), expect: /HTML/ },
	{ area: 'c2m node', name: 'eligibility answers the wrong shape', setup: fault('c2m.eligibility', { status: 200, body: [1, 2] }), node: () => c2mNode({}), expect: /Connect-to-Messaging|expected|object/i },
	{ area: 'c2m node', name: 'phone number without the leading "+"', node: () => c2mNode({ consumerPhoneNumber: '12065550100' }), expect: /E\.164 format with the leading "\+"/ },

	// ---- LivePerson API node ----
	{ area: 'lp api node', name: 'path without a leading slash', node: () => lpApiNode({ resource: 'api', operation: 'request', service: 'msgHist', method: 'GET', path: 'api/x' }), expect: /Path must start with a single "\/"/ },
	{ area: 'lp api node', name: 'path with ".."', node: () => lpApiNode({ resource: 'api', operation: 'request', service: 'msgHist', method: 'GET', path: '/a/../b' }), expect: /"\.\." segments/ },
	{ area: 'lp api node', name: 'own Authorization header', node: () => lpApiNode({ resource: 'api', operation: 'request', service: 'msgHist', method: 'GET', path: '/x', sendHeaders: true, headerParameters: { parameters: [{ name: 'Authorization', value: 'Bearer x' }] } }), expect: /authorization.*cannot be set/i },
	{ area: 'lp api node', name: 'service unknown to CSDS', node: () => lpApiNode({ resource: 'api', operation: 'request', service: 'noSuchService', method: 'GET', path: '/x' }), expect: /Service "noSuchService" is not listed/ },
	{ area: 'lp api node', name: 'search range over three months', node: () => lpApiNode({ resource: 'messagingInteractions', operation: 'searchConversations', startFrom: '2026-01-01T00:00:00Z', startTo: '2026-05-01T00:00:00Z', returnAll: true }), expect: /three months/ },
	{ area: 'lp api node', name: 'search answers HTML', setup: fault('msgHist.search', HTML), node: () => lpApiNode({ resource: 'messagingInteractions', operation: 'searchConversations', startFrom: '2026-01-01T00:00:00Z', startTo: '2026-01-02T00:00:00Z', returnAll: true }), expect: /HTML/ },
	{ area: 'lp api node', name: 'queue health with a skill name', node: () => lpApiNode({ resource: 'messagingOperations', operation: 'currentQueueHealth', queueSkillIds: 'support' }), expect: /Skill ID "support" is not a number/ },
	{ area: 'c2m node', name: 'template variables not JSON', node: () => c2mNode({ additionalFields: { templateVariables: '{1:' } }), expect: /Template Variables|JSON/i },
];

// ---------------------------------------------------------------------------------------------------

type Outcome =
	| { kind: 'LpError' | 'NodeApiError' | 'NodeOperationError'; text: string; field?: string; error: unknown }
	| { kind: 'credential test'; text: string; error: unknown }
	| { kind: 'output'; text: string; error: unknown }
	| { kind: 'other'; text: string; error: unknown };

function bounded<T>(p: Promise<T>, ms: number): Promise<T> {
	let timer: NodeJS.Timeout | undefined;
	const bound = new Promise<never>((_, reject) => {
		timer = setTimeout(() => reject(new Error(`HANG: no result within ${ms} ms`)), ms);
	});
	return Promise.race([p, bound]).finally(() => clearTimeout(timer));
}

/** A lib function or credential test, called directly. */
async function settle(c: Case): Promise<Outcome> {
	try {
		const value = await bounded(c.call!(), CASE_BOUND_MS);
		const v = value as { status?: string; message?: string } | undefined;
		if (v && typeof v === 'object' && v.status === 'Error' && typeof v.message === 'string') return { kind: 'credential test', text: v.message, error: v };
		return { kind: 'other', text: `resolved without an error: ${JSON.stringify(value)?.slice(0, 300)}`, error: value };
	} catch (error) {
		if (error instanceof LpError) return { kind: 'LpError', text: [error.message, error.hint].filter(Boolean).join(' | '), field: error.field, error };
		return { kind: 'other', text: `${(error as Error)?.constructor?.name}: ${(error as Error)?.message}`, error };
	}
}

/**
 * A run of n8n's engine includes a fresh load of the package and, for the first run of a node type,
 * n8n's own node; the bound covers the whole run.
 */
const ENGINE_CASE_BOUND_MS = 10_000;

/** The error n8n reports, without the node's parameters (what the user typed into the node, shown in the editor anyway). */
function errorWithoutParameters(error: unknown): unknown {
	if (!error || typeof error !== 'object') return error;
	const { node, ...rest } = error as { node?: unknown };
	if (!node || typeof node !== 'object') return rest;
	const { parameters: _parameters, ...nodeRest } = node as Record<string, unknown>;
	return { ...rest, node: nodeRest };
}

const libCases = cases.filter((c) => c.call);
const nodeCases = cases.filter((c) => c.node);

test('the table has at least 60 cases, every one either a lib call or a node', () => {
	expect(cases.length).toBeGreaterThanOrEqual(60);
	expect(libCases.length + nodeCases.length).toBe(cases.length);
	expect(cases.every((c) => !(c.call && c.node))).toBe(true);
});

describe('bad-input table: credentials and lib', () => {
	const results: Array<{ c: Case; outcome: Outcome; ms: number }> = [];

	test.each(libCases.map((c) => [`${c.area}: ${c.name}`, c] as const))('%s', async (_title, c) => {
		c.setup?.();
		const started = Date.now();
		const outcome = await settle(c);
		results.push({ c, outcome, ms: Date.now() - started });
		expect({ kind: outcome.kind, text: outcome.text }).toEqual({ kind: expect.not.stringMatching(/^other$/), text: expect.stringMatching(c.expect) });
		if (c.field && outcome.kind === 'LpError') expect((outcome as { field?: string }).field).toBe(c.field);
		secrets.expectClean(`${c.area}: ${c.name} (message)`, outcome.text);
		secrets.expectClean(`${c.area}: ${c.name} (error object)`, outcome.error);
	});

	afterAll(() => summary('lib', results));
});

describe.each(ENGINE_VERSIONS)('bad-input table: nodes in n8n %s', (version) => {
	let n8n: WorkflowRunner;
	const results: Array<{ c: Case; outcome: Outcome; ms: number }> = [];

	beforeAll(async () => {
		n8n = await createEngine(version);
	}, INSTALL_TIMEOUT_MS);
	afterAll(async () => {
		summary(`nodes, n8n ${version}`, results);
		await n8n?.close();
	});

	// What a hand-written fake never showed: n8n checks required parameters before it runs a node, so a
	// required field left literally empty never reaches the node's own check (the rows above reach it
	// through an expression that evaluates to empty, as in a real workflow).
	// n8n 2.8 says only that the workflow has issues; n8n 2.41 names the node and the parameter.
	test.each([
		['api: empty URL', 'URL', () => api({ url: '' })],
		['verify jwt: no algorithm selected', 'Algorithms', () => jwt({ algorithms: [] })],
		['verify jwt: empty token', 'Token', () => jwt({ keySource: 'pem', publicKey: rsaPublicPem, token: '' })],
	] as const)('a required parameter left empty (%s): n8n refuses to run the workflow', async (_title, field, spec) => {
		const refused = version === '2.8.4' ? /The workflow has issues and cannot be executed/ : new RegExp(`The '${RUN_NODE}' node has issues:\\s*- Parameter "${field}" is required`);
		await expect(runNode(n8n, { ...spec(), items: [{ k: 0 }] })).rejects.toThrow(refused);
	});

	test.each(nodeCases.map((c) => [`${c.area}: ${c.name}`, c] as const))('%s', async (title, c) => {
		// Stopping on the error (the node's default): the run fails with n8n's error type, on this node.
		c.setup?.();
		const started = Date.now();
		const stopped = await bounded(runNode(n8n, { ...c.node!(), items: [{ k: 0 }] }), ENGINE_CASE_BOUND_MS);
		let outcome: Outcome;
		if (c.inOutput) {
			if (!stopped.ok) throw new Error(`${title}: the run failed: ${JSON.stringify(stopped.error?.message)}`);
			const all = (stopped.runData[RUN_NODE]?.[0]?.data?.main ?? []).flatMap((o) => o ?? []).map((i) => i.json);
			outcome = { kind: 'output', text: JSON.stringify(all), error: all };
		} else {
			const e = stopped.error;
			const name = typeof e?.name === 'string' ? e.name : 'unknown';
			const text = [e?.message, e?.description].filter(Boolean).join(' | ');
			outcome = name === 'NodeApiError' || name === 'NodeOperationError' ? { kind: name, text, error: e } : { kind: 'other', text: `${name}: ${text}`, error: e };
			expect(stopped.ok).toBe(false);
			expect(e?.node).toBe(RUN_NODE);
		}
		results.push({ c, outcome, ms: Date.now() - started });
		expect({ kind: outcome.kind, text: outcome.text }).toEqual({ kind: expect.not.stringMatching(/^other$/), text: expect.stringMatching(c.expect) });
		secrets.expectClean(`${title} (message)`, outcome.text);
		secrets.expectClean(`${title} (error object)`, errorWithoutParameters(outcome.error));
		if (c.inOutput) return;

		// Continue On Fail: the run goes on, one error item per input item, each paired with its input.
		emu.reset();
		c.setup?.();
		const items = c.setup ? [{ k: 0 }] : [{ k: 0 }, { k: 1 }];
		const continued = await bounded(runNode(n8n, { ...c.node!(), items, continueOnFail: true }), ENGINE_CASE_BOUND_MS);
		if (!continued.ok) throw new Error(`${title}: with Continue On Fail the run failed: ${JSON.stringify(continued.error?.message)}`);
		// Every output of the node (Verify JWT sends an error item to its "invalid" output).
		const out = (continued.runData[RUN_NODE]?.[0]?.data?.main ?? []).flatMap((o) => o ?? []) as Array<{ json: { error?: unknown }; pairedItem?: unknown; error?: { description?: string } }>;
		expect(out.map((i) => i.pairedItem)).toEqual(items.map((_, item) => ({ item })));
		for (const item of out) {
			expect(typeof item.json.error).toBe('string');
			expect([item.json.error, item.error?.description].filter(Boolean).join(' | ')).toMatch(c.expect);
		}
		secrets.expectClean(`${title} (Continue On Fail output)`, out);
	});
});

function summary(label: string, results: Array<{ c: Case; outcome: Outcome; ms: number }>): void {
	const byKind = results.reduce<Record<string, number>>((acc, r) => ((acc[r.outcome.kind] = (acc[r.outcome.kind] ?? 0) + 1), acc), {});
	const slowest = results.reduce((m, r) => Math.max(m, r.ms), 0);
	if (process.env.LP_TABLE_VERBOSE === '1') {
		for (const r of results) process.stdout.write(`  [${r.outcome.kind}] ${r.c.area}: ${r.c.name} -> ${r.outcome.text.slice(0, 220)}\n`);
	}
	// The figure the issue asks for.
	process.stdout.write(
		`\n[bad-input table, ${label}] cases: ${cases.length}, run: ${results.length}, outcomes: ${JSON.stringify(byKind)}, slowest: ${slowest} ms, secrets checked: ${secrets.size()} values, texts scanned: ${secrets.scanned}\n`,
	);
}
