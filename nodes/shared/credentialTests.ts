/**
 * Credential "Test" buttons for credentials whose login is not one static request. A node lists
 * these under `methods.credentialTest` and sets `testedBy` on its credential entry:
 *
 *   methods = { credentialTest: credentialTests };
 *   credentials: [{ name: 'conversationOrchestratorApi', required: true, testedBy: 'conversationOrchestratorApiTest' }]
 *
 * Each test performs a real login through lib (bypassing the token cache, so a stale cached token
 * cannot make a changed credential look valid), ends a Login Service session it opened, and
 * answers with a secret-free message: LpError messages and hints never carry secrets, and anything
 * else is reported by its class name only.
 */
import type { ICredentialDataDecryptedObject, ICredentialsDecrypted, ICredentialTestFunctions, INodeCredentialTestResult } from 'n8n-workflow';
import { testHeaderCredential } from '../../lib/auth/credential-test';
import { fetchClientCredentialsToken } from '../../lib/auth/oauth2';
import { fetchNluToken, resolveNluConfig } from '../../lib/auth/nlu';
import { testConsumerAuthClient } from '../../lib/auth/consumer-auth';
import { isLpError } from '../../lib/errors';
import { livePersonRetryPolicy } from '../../lib/http';
import { isN8nError } from './errors';
import { accountPolicy } from '../../lib/liveperson/account-auth';
import { c2mPolicy } from '../../lib/liveperson/c2m-auth';
import { csds, validateAccountId } from '../../lib/liveperson/csds';
import { login, logout, type LoginBody, type LoginTiming } from '../../lib/liveperson/login';
import { OAUTH1_DEPRECATION_NOTICE } from '../../lib/liveperson/oauth1';
import { fetchSentinelToken } from '../../lib/liveperson/sentinel';
import { CO_V1_DEPRECATION_NOTICE, orchestratorApiHost, orchestratorLogin, orchestratorV1Headers } from '../../lib/liveperson/orchestrator-auth';
import { policyForAllowText } from '../../lib/net/policy';
import { testMutualTlsCredential } from '../../lib/tls/credential-test';
import { checkBotKeySets } from '../../lib/inbound/tpb/auth';
import { JwksCache } from '../../lib/jwt/verify';
import { fieldText } from '../../lib/text';
import {
	accessTokenConfig,
	accountConfig,
	allowTextOf,
	appInstallationConfig,
	basicConfig,
	botEndpointConfig,
	clientCredentialsConfig,
	consumerAuthConfig,
	CREDENTIAL_TYPES,
	mutualTlsConfig,
	nluConfig,
	orchestratorConfig,
	strategyFor,
	transferToMessagingConfig,
} from './credentialConfig';

/** A credential test must answer while the user waits: one 5xx retry instead of three. */
const TEST_TIMING: Partial<LoginTiming> = { serverErrorDelaysMs: [2_000], rateLimitRetries: 1 };
/** The same for token requests: one 5xx retry after 2 s, one 429 retry after 5 s (LivePerson's minimum for logins). */
const TEST_TOKEN_RETRY = livePersonRetryPolicy({ login: true, serverErrorDelaysMs: [2_000], rateLimitDelaysMs: [5_000] });

type Data = ICredentialDataDecryptedObject;

export function failure(error: unknown): INodeCredentialTestResult {
	if (isLpError(error)) {
		const message = /[.!?]$/.test(error.message) ? error.message : `${error.message}.`;
		return { status: 'Error', message: error.hint ? `${message} ${error.hint}` : message };
	}
	// n8n's own errors (from whichever copy of n8n-workflow) say what is wrong: shown as n8n wrote them.
	if (isN8nError(error)) return { status: 'Error', message: error.description ? `${error.message}. ${error.description}` : error.message };
	return { status: 'Error', message: `Unexpected error (${error instanceof Error ? error.constructor.name : typeof error})` };
}

/** Tests a LivePerson Account credential (the exported function below, `this`-free for lib tests). */
export async function testLivePersonAccount(data: Data, timing: Partial<LoginTiming> = TEST_TIMING): Promise<INodeCredentialTestResult> {
	try {
		const creds = accountConfig(data);
		const policy = accountPolicy(creds);
		const accountId = fieldText(creds.accountId).trim();
		const method = fieldText(creds.authMethod) || 'userPassword';
		if (method === 'none') {
			await csds.getDomains(creds.csdsHost, accountId, { refresh: true, policy });
			return { status: 'OK', message: `Account ${accountId} found in CSDS (no login configured)` };
		}
		if (method === 'clientCredentials' && fieldText(creds.clientCredentialsFlow) !== 'loginService') {
			await fetchSentinelToken({ accountId, clientId: fieldText(creds.clientId), clientSecret: fieldText(creds.clientSecret) }, { csdsHost: creds.csdsHost, policy, retry: TEST_TOKEN_RETRY });
			return { status: 'OK', message: `Sentinel issued an app token for account ${accountId}` };
		}
		if (method === 'oauth1' && !fieldText(creds.username).trim()) {
			await csds.getDomains(creds.csdsHost, accountId, { refresh: true, policy });
			return {
				status: 'OK',
				message: `Account ${accountId} found; OAuth 1.0 keys sign each request and could not be verified without a User Name (Application Login). ${OAUTH1_DEPRECATION_NOTICE}`,
			};
		}
		const body: LoginBody =
			method === 'userPassword'
				? { kind: 'user', username: fieldText(creds.username).trim(), password: fieldText(creds.password) }
				: method === 'clientCredentials'
					? { kind: 'oauth2App', username: fieldText(creds.username).trim(), clientId: fieldText(creds.clientId).trim(), clientSecret: fieldText(creds.clientSecret) }
					: {
							kind: 'oauth1App',
							username: fieldText(creds.username).trim(),
							appKey: fieldText(creds.appKey).trim(),
							secret: fieldText(creds.appSecret),
							accessToken: fieldText(creds.accessToken),
							accessTokenSecret: fieldText(creds.accessTokenSecret),
						};
		const session = await login({ accountId, csdsHost: creds.csdsHost }, body, { timing, policy });
		// The test opened a session only to prove the login: end it (best effort).
		await logout(session, { timing: { ...timing, rateLimitRetries: 0, serverErrorDelaysMs: [] }, policy }).catch(() => undefined);
		const deprecated = method === 'oauth1' ? ` ${OAUTH1_DEPRECATION_NOTICE}` : '';
		return { status: 'OK', message: `Logged in to account ${accountId} through the Login Service${deprecated}` };
	} catch (error) {
		return failure(error);
	}
}

export async function testConversationOrchestrator(data: Data): Promise<INodeCredentialTestResult> {
	try {
		const creds = orchestratorConfig(data);
		if (fieldText(creds.apiVersion || 'v2') === 'v1') {
			// v1 has no login endpoint: the key is checked for presence; a wrong key shows on the first call.
			orchestratorV1Headers(creds);
			return { status: 'OK', message: `API key set for ${orchestratorApiHost(creds, 'ccsV1')} (v1 keys cannot be checked without a data call). ${CO_V1_DEPRECATION_NOTICE}` };
		}
		const host = orchestratorApiHost(creds, 'login');
		await orchestratorLogin(creds, { retry: TEST_TOKEN_RETRY });
		return { status: 'OK', message: `Logged in to Conversation Orchestrator v2 at ${host}` };
	} catch (error) {
		return failure(error);
	}
}

export async function testTransferToMessaging(data: Data): Promise<INodeCredentialTestResult> {
	try {
		const creds = transferToMessagingConfig(data);
		const accountId = fieldText(creds.accountId).trim();
		await fetchSentinelToken({ accountId, clientId: fieldText(creds.clientId), clientSecret: fieldText(creds.clientSecret) }, { csdsHost: creds.csdsHost, policy: c2mPolicy(creds), retry: TEST_TOKEN_RETRY });
		return { status: 'OK', message: `Sentinel issued an app token for account ${accountId}` };
	} catch (error) {
		return failure(error);
	}
}

/** Client credentials: one real token request (no cache) to the Token URL, through the pipeline. */
export async function testClientCredentials(data: Data): Promise<INodeCredentialTestResult> {
	try {
		const cfg = clientCredentialsConfig(data);
		const token = await fetchClientCredentialsToken(cfg, { policy: policyForAllowText(cfg.allowedInternalNetworks), retry: { retries: 0 } });
		const lifetime = Number.isFinite(token.expiresAt) ? ` (valid for ${Math.max(0, Math.round((token.expiresAt - Date.now()) / 1000))} s)` : '';
		return { status: 'OK', message: `The token endpoint issued a ${token.tokenType ?? 'Bearer'} token${lifetime}` };
	} catch (error) {
		return failure(error);
	}
}

/** Third-party NLU: one real token request (no cache): a signed JWT grant (Google) or an IAM API-key grant (IBM). */
export async function testNlu(data: Data): Promise<INodeCredentialTestResult> {
	try {
		const resolved = resolveNluConfig(nluConfig(data));
		const token = await fetchNluToken(resolved, { retry: { retries: 0 } });
		const lifetime = Number.isFinite(token.expiresAt) ? ` (valid for ${Math.max(0, Math.round((token.expiresAt - Date.now()) / 1000))} s)` : '';
		const who = resolved.provider === 'dialogflow' ? `Google issued an access token for ${resolved.serviceAccount?.clientEmail}` : 'IBM Cloud IAM issued an access token';
		return { status: 'OK', message: `${who}${lifetime}` };
	} catch (error) {
		return failure(error);
	}
}

/** Consumer Authentication: the client authenticates at the Token URL with a made-up code (invalid_grant = accepted). */
export async function testConsumerAuth(data: Data): Promise<INodeCredentialTestResult> {
	try {
		const r = await testConsumerAuthClient(consumerAuthConfig(data), { retry: { retries: 0 } });
		return { status: r.ok ? 'OK' : 'Error', message: r.message };
	} catch (error) {
		return failure(error);
	}
}

const asResult = (r: { ok: boolean; message: string }): INodeCredentialTestResult => ({ status: r.ok ? 'OK' : 'Error', message: r.message });

export async function testBasic(data: Data): Promise<INodeCredentialTestResult> {
	basicConfig(data);
	return asResult(
		await testHeaderCredential(() => strategyFor(CREDENTIAL_TYPES.basic, { ...data }), {
			testUrl: fieldText(data.testUrl),
			policy: policyForAllowText(allowTextOf(data)),
			what: 'user name and password',
		}),
	);
}

export async function testAccessToken(data: Data): Promise<INodeCredentialTestResult> {
	accessTokenConfig(data);
	return asResult(
		await testHeaderCredential(() => strategyFor(CREDENTIAL_TYPES.accessToken, { ...data }), {
			testUrl: fieldText(data.testUrl),
			policy: policyForAllowText(allowTextOf(data)),
			what: 'token and token type',
		}),
	);
}

export async function testMutualTls(data: Data): Promise<INodeCredentialTestResult> {
	try {
		return asResult(await testMutualTlsCredential(mutualTlsConfig(data), { testUrl: fieldText(data.testUrl) }));
	} catch (error) {
		return failure(error);
	}
}

/** LivePerson Bot (Custom Endpoint): every account's Sentinel key set is reachable and has keys. */
export async function testBotEndpoint(data: Data): Promise<INodeCredentialTestResult> {
	try {
		const cfg = botEndpointConfig(data);
		const lines = await checkBotKeySets({ ...cfg, policy: policyForAllowText(cfg.allowedInternalNetworks) }, new JwksCache());
		return { status: 'OK', message: `Sentinel keys found: ${lines.join('; ')}` };
	} catch (error) {
		return failure(error);
	}
}

/**
 * LivePerson App Installation (webhooks): LivePerson offers no endpoint that proves a webhook secret, so
 * the fields are checked here (account ID shape, client ID, a secret present); nothing is sent. Only a
 * signed call from LivePerson proves the secret.
 */
export async function testAppInstallation(data: Data): Promise<INodeCredentialTestResult> {
	try {
		const cfg = appInstallationConfig(data);
		validateAccountId(cfg.accountId);
		if (!cfg.clientId) return { status: 'Error', message: 'Client ID is empty.' };
		if (!cfg.clientSecret) return { status: 'Error', message: 'Client Secret is empty.' };
		return { status: 'OK', message: 'Fields look right. Only a signed call from LivePerson proves the secret: activate the workflow and watch its executions.' };
	} catch (error) {
		return failure(error);
	}
}

type TestFn = (this: ICredentialTestFunctions, credential: ICredentialsDecrypted) => Promise<INodeCredentialTestResult>;
const wrap =
	(fn: (data: Data) => Promise<INodeCredentialTestResult>): TestFn =>
	async (credential) =>
		fn(credential.data ?? {});

/**
 * For `methods.credentialTest`; names are the `testedBy` values. Every credential of the package is
 * tested here, through the pipeline (the credentials define no n8n `test` request: n8n would send
 * that itself, outside the outbound policy).
 */
export const credentialTests: Record<string, TestFn> = {
	livePersonAccountApiTest: wrap((d) => testLivePersonAccount(d)),
	conversationOrchestratorApiTest: wrap(testConversationOrchestrator),
	livePersonTransferToMessagingApiTest: wrap(testTransferToMessaging),
	livePersonOAuth2ClientCredentialsApiTest: wrap(testClientCredentials),
	livePersonBasicAuthApiTest: wrap(testBasic),
	livePersonAccessTokenApiTest: wrap(testAccessToken),
	livePersonMutualTlsApiTest: wrap(testMutualTls),
	livePersonNluApiTest: wrap(testNlu),
	livePersonConsumerAuthApiTest: wrap(testConsumerAuth),
	livePersonBotApiTest: wrap(testBotEndpoint),
	livePersonAppInstallationApiTest: wrap(testAppInstallation),
};
