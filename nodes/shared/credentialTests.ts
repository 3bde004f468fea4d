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
import { isLpError } from '../../lib/errors';
import { csds } from '../../lib/liveperson/csds';
import type { LivePersonAccountCredentials } from '../../lib/liveperson/account-auth';
import { login, logout, type LoginBody, type LoginTiming } from '../../lib/liveperson/login';
import { OAUTH1_DEPRECATION_NOTICE } from '../../lib/liveperson/oauth1';
import { fetchSentinelToken } from '../../lib/liveperson/sentinel';
import { CO_V1_DEPRECATION_NOTICE, orchestratorApiHost, orchestratorLogin, orchestratorV1Headers, type ConversationOrchestratorCredentials } from '../../lib/liveperson/orchestrator-auth';
import type { TransferToMessagingCredentials } from '../../lib/liveperson/c2m-auth';
import { fieldText } from '../../lib/text';

/** A credential test must answer while the user waits: one 5xx retry instead of three. */
const TEST_TIMING: Partial<LoginTiming> = { serverErrorDelaysMs: [2_000], rateLimitRetries: 1 };

type Data = ICredentialDataDecryptedObject;

export function failure(error: unknown): INodeCredentialTestResult {
	if (isLpError(error)) {
		const message = /[.!?]$/.test(error.message) ? error.message : `${error.message}.`;
		return { status: 'Error', message: error.hint ? `${message} ${error.hint}` : message };
	}
	return { status: 'Error', message: `Unexpected error (${error instanceof Error ? error.constructor.name : typeof error})` };
}

/** Tests a LivePerson Account credential (the exported function below, `this`-free for lib tests). */
export async function testLivePersonAccount(data: Data, timing: Partial<LoginTiming> = TEST_TIMING): Promise<INodeCredentialTestResult> {
	const creds = data as unknown as LivePersonAccountCredentials;
	try {
		const accountId = fieldText(creds.accountId).trim();
		const method = fieldText(creds.authMethod) || 'userPassword';
		if (method === 'none') {
			await csds.getDomains(creds.csdsHost, accountId, { refresh: true });
			return { status: 'OK', message: `Account ${accountId} found in CSDS (no login configured)` };
		}
		if (method === 'clientCredentials' && fieldText(creds.clientCredentialsFlow) !== 'loginService') {
			await fetchSentinelToken({ accountId, clientId: fieldText(creds.clientId), clientSecret: fieldText(creds.clientSecret) }, { csdsHost: creds.csdsHost });
			return { status: 'OK', message: `Sentinel issued an app token for account ${accountId}` };
		}
		if (method === 'oauth1' && !fieldText(creds.username).trim()) {
			await csds.getDomains(creds.csdsHost, accountId, { refresh: true });
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
		const session = await login({ accountId, csdsHost: creds.csdsHost }, body, { timing });
		// The test opened a session only to prove the login: end it (best effort).
		await logout(session, { timing: { ...timing, rateLimitRetries: 0, serverErrorDelaysMs: [] } }).catch(() => undefined);
		const deprecated = method === 'oauth1' ? ` ${OAUTH1_DEPRECATION_NOTICE}` : '';
		return { status: 'OK', message: `Logged in to account ${accountId} through the Login Service${deprecated}` };
	} catch (error) {
		return failure(error);
	}
}

export async function testConversationOrchestrator(data: Data): Promise<INodeCredentialTestResult> {
	const creds = data as unknown as ConversationOrchestratorCredentials;
	try {
		if (fieldText(creds.apiVersion || 'v2') === 'v1') {
			// v1 has no login endpoint: the key is checked for presence; a wrong key shows on the first call.
			orchestratorV1Headers(creds);
			return { status: 'OK', message: `API key set for ${orchestratorApiHost(creds, 'ccsV1')} (v1 keys cannot be checked without a data call). ${CO_V1_DEPRECATION_NOTICE}` };
		}
		const host = orchestratorApiHost(creds, 'login');
		await orchestratorLogin(creds);
		return { status: 'OK', message: `Logged in to Conversation Orchestrator v2 at ${host}` };
	} catch (error) {
		return failure(error);
	}
}

export async function testTransferToMessaging(data: Data): Promise<INodeCredentialTestResult> {
	const creds = data as unknown as TransferToMessagingCredentials;
	try {
		const accountId = fieldText(creds.accountId).trim();
		await fetchSentinelToken({ accountId, clientId: fieldText(creds.clientId), clientSecret: fieldText(creds.clientSecret) }, { csdsHost: creds.csdsHost });
		return { status: 'OK', message: `Sentinel issued an app token for account ${accountId}` };
	} catch (error) {
		return failure(error);
	}
}

/** For `methods.credentialTest`; names are the `testedBy` values. */
export const credentialTests = {
	async livePersonAccountApiTest(this: ICredentialTestFunctions, credential: ICredentialsDecrypted): Promise<INodeCredentialTestResult> {
		return testLivePersonAccount(credential.data ?? {});
	},
	async conversationOrchestratorApiTest(this: ICredentialTestFunctions, credential: ICredentialsDecrypted): Promise<INodeCredentialTestResult> {
		return testConversationOrchestrator(credential.data ?? {});
	},
	async livePersonTransferToMessagingApiTest(this: ICredentialTestFunctions, credential: ICredentialsDecrypted): Promise<INodeCredentialTestResult> {
		return testTransferToMessaging(credential.data ?? {});
	},
};
