/**
 * Every outbound request path of the package, from ONE registry: every node operation, every
 * credential Test, JWKS, token endpoints, CSDS and the LivePerson hosts behind it, the mTLS gateway /
 * configuration host overrides, and the n8n OAuth2 Authorization Code path. Each path is proven to:
 *   1. refuse an internal host given as a NAME that resolves internally (localhost), unless allowed
 *      (and, allowed, to really reach that host: the refusal is not vacuous);
 *   2. never reach an internal host through a redirect from an allowed host.
 * The registry is checked for completeness: a node operation, a credential Test or a source file
 * that sends (the pipeline's `send`, n8n's request helpers, undici) that no entry covers fails the test.
 * Every entry runs in n8n's own engine of both pinned versions (test/engine/engine.ts): nodes through
 * runNode (n8n's OAuth2 helper signs the Authorization Code path), credential Tests on n8n-core's
 * CredentialTestContext, the Bot Trigger's webhook on its WebhookContext, the LivePerson Trigger's
 * subscription hooks on its HookContext. Issue 22 items 7 and 8: test/engine/outbound-rules.engine.test.ts.
 */
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import * as jose from 'jose';
import type { INodeProperties, INodeType } from 'n8n-workflow';
import { credentialTests } from '../../nodes/shared/credentialTests';
import { DEFAULT_CONFIG, Emulator, startEmulator } from '../../sandbox/emulator';
import { makeTestPki, STORE_PASSWORD, TestPki } from '../helpers/pki';
import { EchoServer, startEchoServer } from '../support/echo-server';
import pkg from '../../package.json';
import { ENGINE_VERSIONS, enginePerTest, RUN_NODE, runNode as runInEngine, type Engine } from './engine';

jest.setTimeout(180_000);

/** n8n's engine of the version under test (set per describe below). */
let n8n: Engine;

const ROOT = path.resolve(__dirname, '../..');
const ACC = DEFAULT_CONFIG.accountId;

interface Env {
	/** Origin the path must talk to, e.g. http://localhost:1234 */
	base: string;
	/** The "Allowed Internal Networks" text for the credential and the node. */
	allow: string;
}

interface Entry {
	id: string;
	/** Which server stands behind `base`. */
	server: 'emulator' | 'echo';
	/** Source files whose sends this entry exercises. */
	sources: string[];
	run(env: Env): Promise<unknown>;
}

let emu: Emulator;
let echo: EchoServer;
let pki: TestPki;
let redirector: { url: string; close(): Promise<void> };
let trap: { url: string; hits(): number; close(): Promise<void> };
/** Another origin (an allowed address, another port): what a cross-origin redirect reaches. */
let elsewhere: EchoServer;
let crossOrigin: { url: string; issued: string[]; close(): Promise<void> };
let jwt: string;
/** A Sentinel-shaped token for the account (signed with a throwaway key: only the key set fetch matters). */
let botJwt: string;

async function loadNode(name: string): Promise<INodeType> {
	const mod = (await import(path.join(ROOT, 'nodes', name, `${name}.node.ts`))) as Record<string, new () => INodeType>;
	return new mod[name]();
}

/** The node (its class name) in n8n's engine on one item; its outputs, or n8n's run error thrown (message, description). */
async function runNode(name: string, parameters: Record<string, unknown>, credentials: Record<string, Record<string, unknown>>) {
	const r = await runInEngine(n8n, { type: name[0].toLowerCase() + name.slice(1), parameters, credentials, items: [{ i: 0 }], workflowId: REGISTRY_WORKFLOW });
	if (!r.ok) throw Object.assign(new Error(r.error?.message ?? 'run failed'), { description: r.error?.description });
	return r.runData[RUN_NODE][0].data?.main ?? [];
}
/** Runs of one saved workflow (Consumer Authentication binds its state to the workflow and credential). */
const REGISTRY_WORKFLOW = 'outboundregistry';

/** A credential's Test button in n8n's engine; throws unless OK. */
async function testButton(type: string, data: Record<string, unknown>) {
	const result = await n8n.testCredential({ type, data });
	if (result.status !== 'OK') throw new Error(result.message);
	return result;
}

const account = (env: Env, extra: Record<string, unknown> = {}) => ({
	accountId: ACC,
	csdsHost: env.base,
	authMethod: 'userPassword',
	username: DEFAULT_CONFIG.user.username,
	password: DEFAULT_CONFIG.user.password,
	allowedInternalNetworks: env.allow,
	...extra,
});
const sentinelAccount = (env: Env) => account(env, { authMethod: 'clientCredentials', clientId: DEFAULT_CONFIG.oauth2Client.clientId, clientSecret: DEFAULT_CONFIG.oauth2Client.clientSecret });
const co = (env: Env, apiVersion = 'v2') => ({
	region: 'custom',
	customHost: env.base,
	apiVersion,
	apiKey: DEFAULT_CONFIG.orchestrator.apiKey,
	userId: DEFAULT_CONFIG.orchestrator.v2.userId,
	password: DEFAULT_CONFIG.orchestrator.v2.password,
	allowedInternalNetworks: env.allow,
});
const c2m = (env: Env) => ({ accountId: ACC, csdsHost: env.base, clientId: DEFAULT_CONFIG.oauth2Client.clientId, clientSecret: DEFAULT_CONFIG.oauth2Client.clientSecret, allowedInternalNetworks: env.allow });
const consumerAuthCredential = (env: Env) => ({ authUrl: `${env.base}/auth`, accessTokenUrl: `${env.base}/token`, clientId: 'bot', clientSecret: 'registry-consumer-auth-secret', authentication: 'header', allowedInternalNetworks: env.allow });
let nluKeyPem: string | undefined;
/** A Google service-account key made at test time (lazily: only entries that run need it). */
const googleServiceAccount = (env: Env) => {
	nluKeyPem ??= generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey;
	return JSON.stringify({ type: 'service_account', client_email: 'registry@test.iam.gserviceaccount.com', private_key: nluKeyPem, token_uri: `${env.base}/token` });
};
const p12 = () => ({ keyStoreFormat: 'pkcs12', keyStore: pki.p12Modern, keyStorePassword: STORE_PASSWORD, trustCertificate: pki.caPem });

const CCS_V2_OPS = ['v2Create', 'v2Get', 'v2GetProperties', 'v2Delete'];
const CCS_V1_OPS = ['v1CreateNamespace', 'v1DeleteNamespace', 'v1DeleteProperties', 'v1GetProperties', 'v1ListNamespaces', 'v1ListSessionIds', 'v1ListSessionProperties', 'v1SetProperties', 'v1SetProperty', 'v1SetSessionTtl'];

const ccsParams = (operation: string) => ({
	resource: 'contextService',
	operation,
	accountId: ACC,
	namespace: 'ns1',
	namespaceName: 'ns1',
	sessionId: 's1',
	property: 'p1',
	properties: '{"a":1}',
	value: '"v"',
	payload: '{"a":1}',
	ttlSeconds: 60,
	filter: 'a',
	propertiesToDelete: 'a',
	page: 0,
	perPage: 10,
	options: {},
});

const mtlsParams: Record<string, Record<string, unknown>> = {
	checkMapping: { checkVariant: 'gatewayV2', pairs: { pair: [{ serviceName: 'WEBHOOKS', url: 'https://target.example.com/hook' }] } },
	forward: { method: 'GET', targetUrl: 'https://target.example.com/hook', serviceName: 'WEBHOOKS', bodyType: 'none', responseFormat: 'json', stopIfCertificateNotFound: false, sendHeaders: false },
	listCertificates: {},
	uploadCertificate: { certificateSource: 'base64', certificateBase64: '__P12__', certificatePassword: STORE_PASSWORD, certificateName: 'registry-cert', verifyBeforeUpload: false },
	createMapping: { mappingVariant: 'configuration', certificateId: '1', mappingService: 'WEBHOOKS', mappingUrl: 'https://target.example.com/hook', mappingName: 'registry', mappingEnabled: true, validateUrl: false },
	listMappings: {},
	deleteCertificate: { deleteCertificateId: '1' },
};

const lpApiOps: Record<string, Record<string, unknown>> = {
	'api:request': { service: 'msgHist', method: 'GET', path: '/messaging_history/api/account/{accountId}/conversations', sendQuery: false, sendHeaders: false, sendBody: false, paginate: false },
	'messagingInteractions:searchConversations': { returnAll: false, limit: 5, startFrom: '2026-01-01T00:00:00Z', startTo: '2026-01-02T00:00:00Z', filters: {}, addTranscript: false },
	'messagingInteractions:getConversation': { conversationId: 'conv-1', conversationContent: [] },
	'messagingOperations:currentQueueHealth': { queueSkillIds: '', splitBySkill: false },
};

/** The LivePerson Trigger as activated: the emulator's app installation (its client ID is the installation ID) and the account credential that edits it. */
const triggerCall = (env: Env) => ({
	type: 'livePersonTrigger',
	workflowId: 'registrytrigger',
	webhookId: 'registry-liveperson',
	parameters: { events: ['ms.MessagingEventNotification.ContentEvent'], manageSubscription: true, maxRetries: 3, options: {} },
	credentials: {
		livePersonAppInstallationApi: { accountId: ACC, clientId: DEFAULT_CONFIG.oauth2Client.clientId, clientSecret: DEFAULT_CONFIG.oauth2Client.clientSecret },
		livePersonAccountApi: account(env),
	},
});

/** API Integration with Consumer Pre-Authentication, the token verified against the JWKS at `base`. */
const preAuthParams = (base: string, extra: Record<string, unknown> = {}) => ({
	authentication: 'consumerPreAuth',
	consumerToken: jwt,
	verifyConsumerToken: true,
	consumerKeySource: 'jwks',
	consumerJwksUrl: `${base}/jwks.json`,
	consumerAudience: 'registry-api',
	consumerAlgorithms: ['RS256'],
	method: 'GET',
	url: `${base}/api/resource`,
	...extra,
});

function registry(): Entry[] {
	const entries: Entry[] = [];
	// --- LivePerson Domains (CSDS) ---
	for (const operation of ['get', 'getAll']) {
		entries.push({
			id: `node:LivePersonDomains:${operation}`,
			server: 'emulator',
			sources: ['lib/liveperson/csds.ts', 'nodes/LivePersonDomains/LivePersonDomains.node.ts'],
			run: (env) => runNode('LivePersonDomains', { operation, service: 'agentVep', accountId: '', options: { cacheMinutes: 0 } }, { livePersonAccountApi: account(env, { authMethod: 'none' }) }),
		});
	}
	// --- mTLS node: every operation, hosts through CSDS (and logins through CSDS + Login Service) ---
	for (const [operation, params] of Object.entries(mtlsParams)) {
		entries.push({
			id: `node:LivePersonMtls:${operation}`,
			server: 'emulator',
			sources: ['lib/liveperson/mtls-gateway.ts', 'lib/liveperson/login.ts', 'lib/liveperson/csds.ts', 'lib/liveperson/account-auth.ts'],
			run: (env) =>
				runNode('LivePersonMtls', { operation, ...params, ...(operation === 'uploadCertificate' ? { certificateBase64: pki.p12Modern } : {}), options: { allowedInternalNetworks: env.allow } }, { livePersonAccountApi: account(env), livePersonMutualTlsApi: p12() }),
		});
	}
	// --- mTLS node: the Gateway Host / Configuration Host overrides (OAuth 1.0 signs: no CSDS, no login) ---
	for (const [operation, option] of [
		['listCertificates', 'gatewayHost'],
		['createMapping', 'configHost'],
	] as const) {
		entries.push({
			id: `override:LivePersonMtls:${option}`,
			server: 'echo',
			sources: ['lib/liveperson/mtls-gateway.ts'],
			run: (env) =>
				runNode(
					'LivePersonMtls',
					{ operation, ...mtlsParams[operation], options: { [option]: env.base } },
					{ livePersonAccountApi: { accountId: ACC, csdsHost: 'https://csds.invalid', authMethod: 'oauth1', appKey: 'k', appSecret: 'registry-app-secret', allowedInternalNetworks: env.allow } },
				),
		});
	}
	// --- LivePerson API node: every resource and operation, hosts through CSDS ---
	for (const [key, params] of Object.entries(lpApiOps)) {
		const [resource, operation] = key.split(':');
		entries.push({
			id: `node:LivePersonApi:${resource}:${operation}`,
			server: 'emulator',
			sources: ['lib/liveperson/api.ts', 'nodes/LivePersonApi/transport/index.ts'],
			run: (env) => runNode('LivePersonApi', { resource, operation, accountId: '', ...params, options: { retry: false } }, { livePersonAccountApi: account(env) }),
		});
	}
	// --- Sentinel token (account credential with client credentials) ---
	entries.push({
		id: 'lib:sentinel',
		server: 'emulator',
		sources: ['lib/liveperson/sentinel.ts'],
		run: (env) => runNode('LivePersonMtls', { operation: 'listCertificates', options: {} }, { livePersonAccountApi: sentinelAccount(env) }),
	});
	// --- Conversation Orchestrator: login and every operation ---
	entries.push({
		id: 'node:ConversationOrchestrator:login',
		server: 'emulator',
		sources: ['lib/liveperson/orchestrator-auth.ts', 'lib/liveperson/orchestrator.ts'],
		run: (env) => runNode('ConversationOrchestrator', { resource: 'login', includeToken: false, options: {} }, { conversationOrchestratorApi: co(env) }),
	});
	for (const operation of [...CCS_V2_OPS, ...CCS_V1_OPS]) {
		entries.push({
			id: `node:ConversationOrchestrator:${operation}`,
			server: 'emulator',
			sources: ['lib/liveperson/orchestrator.ts'],
			run: (env) => runNode('ConversationOrchestrator', ccsParams(operation), { conversationOrchestratorApi: co(env, operation.startsWith('v1') ? 'v1' : 'v2') }),
		});
	}
	for (const operation of ['v1Get', 'v2Get']) {
		entries.push({
			id: `node:ConversationOrchestrator:nextActions:${operation}`,
			server: 'emulator',
			sources: ['lib/liveperson/orchestrator.ts'],
			run: (env) =>
				runNode('ConversationOrchestrator', { resource: 'nextActions', operation, accountId: ACC, conversationId: 'c1', consumerId: 'u1', groupId: 'g1', additionalFields: {}, options: {} }, { conversationOrchestratorApi: co(env, operation.slice(0, 2)) }),
		});
	}
	// --- Transfer to Messaging ---
	for (const operation of ['eligibility', 'invite']) {
		entries.push({
			id: `node:LivePersonTransferToMessaging:${operation}`,
			server: 'emulator',
			sources: ['lib/liveperson/c2m.ts', 'lib/liveperson/c2m-auth.ts'],
			run: (env) =>
				runNode(
					'LivePersonTransferToMessaging',
					{ operation, consumerPhoneNumber: '+15551234567', handoffId: 'H1', skill: 'sales', callId: 'call-1', additionalFields: {}, inviteFields: {}, options: {} },
					{ livePersonTransferToMessagingApi: c2m(env) },
				),
		});
	}
	// --- API Integration: every authentication, with and without mutual TLS ---
	const apiCredentials = (env: Env): Record<string, Record<string, unknown>> => ({
		livePersonBasicAuthApi: { user: 'u', password: 'registry-basic-password', allowedInternalNetworks: env.allow },
		livePersonAccessTokenApi: { accessToken: 'registry-token', tokenType: 'Bearer', allowedInternalNetworks: env.allow },
		livePersonOAuth2ClientCredentialsApi: { accessTokenUrl: `${env.base}/token`, clientId: 'c', clientSecret: 'registry-cc-secret', authentication: 'body', tokenExpiredStatusCode: 401, allowedInternalNetworks: env.allow },
		livePersonOAuth2AuthCodeApi: { clientSecret: 'registry-auth-code-secret', oauthTokenData: { access_token: 'registry-oauth-token' }, allowedInternalNetworks: env.allow },
		livePersonMutualTlsApi: { ...p12(), allowedInternalNetworks: env.allow },
		livePersonNluApi: { provider: 'watson', apiKey: 'registry-ibm-api-key', iamUrl: `${env.base}/token`, allowedInternalNetworks: env.allow },
	});
	for (const authentication of ['none', 'basicAuth', 'accessToken', 'oAuth2ClientCredentials', 'oAuth2AuthCode', 'thirdPartyNlu', 'consumerPreAuth']) {
		for (const mutualTls of authentication === 'oAuth2AuthCode' ? [false] : [false, true]) {
			for (const maxRedirects of [0, 3]) {
				entries.push({
					id: `node:LivePersonApiIntegration:${authentication}${mutualTls ? '+mtls' : ''}:redirects=${maxRedirects}`,
					server: 'echo',
					sources: ['lib/integration/api-request.ts', 'lib/auth/oauth2.ts', 'lib/auth/strategies.ts', 'lib/auth/nlu.ts', 'nodes/LivePersonApiIntegration/transport/index.ts'],
					run: (env) =>
						runNode(
							'LivePersonApiIntegration',
							// Consumer Pre-Authentication: the item's token, unverified here (the JWKS path is its own entry below).
							{ authentication, mutualTls, consumerToken: 'registry-consumer-token', verifyConsumerToken: false, method: 'GET', url: `${env.base}/api/resource`, options: { retries: 0, maxRedirects, allowedInternalNetworks: env.allow } },
							apiCredentials(env),
						),
				});
			}
		}
	}
	// --- Verify JWT with a JWKS URL (follows up to 3 redirects, each hop checked) ---
	entries.push({
		id: 'node:LivePersonVerifyJwt:jwks',
		server: 'echo',
		sources: ['lib/jwt/verify.ts'],
		run: (env) =>
			runNode('LivePersonVerifyJwt', { token: jwt, keySource: 'jwks', jwksUrl: `${env.base}/jwks.json`, algorithms: ['RS256'], issuer: '', audience: '', options: { allowedInternalNetworks: env.allow } }, {}),
	});
	// --- LivePerson Bot Trigger: the Sentinel key set of the calling account (CSDS, then JWKS) ---
	entries.push({
		id: 'node:LivePersonBotTrigger:webhook',
		server: 'emulator',
		sources: ['lib/inbound/tpb/auth.ts', 'lib/jwt/verify.ts', 'lib/liveperson/csds.ts'],
		run: async (env) => {
			const res = { headersSent: false, status: 0, writeHead(code: number) { this.status = code; }, end() { this.headersSent = true; } };
			const { printed } = await n8n.webhook({
				type: 'livePersonBotTrigger',
				parameters: { botId: 'b1', environments: 'draft', botState: 'online', version: '1.0.0', options: {} },
				credentials: { livePersonBotApi: { accountIds: ACC, csdsHost: env.base, allowedInternalNetworks: env.allow } },
				request: { method: 'GET', headers: { authorization: `Bearer ${botJwt}` }, body: undefined, params: {} },
				response: res,
			});
			// The trigger answers 503 when the key set cannot be read; the reason is in its log line.
			if (res.status === 503) throw new Error(printed);
			return res.status;
		},
	});
	// --- LivePerson Trigger: the subscription in the app installation (activation and deactivation) ---
	for (const [id, steps] of [
		['checkExists', ['checkExists']],
		['create:delete', ['create', 'delete']],
	] as const) {
		entries.push({
			id: `node:LivePersonTrigger:${id}`,
			server: 'emulator',
			sources: ['lib/inbound/webhooks/subscription.ts', 'lib/liveperson/api.ts', 'nodes/LivePersonTrigger/LivePersonTrigger.node.ts'],
			run: async (env) => {
				const results: unknown[] = [];
				const logged: string[] = [];
				for (const step of steps) {
					const { result, printed } = await n8n.hook({ ...triggerCall(env), method: step });
					results.push(result);
					logged.push(...printed.split('\n').filter((l) => /LivePerson Trigger:/.test(l)));
				}
				// Deactivation logs its failure (the subscription is kept for the next try) instead of throwing.
				if (logged.length) throw new Error(logged.join(' '));
				return results;
			},
		});
	}
	// --- Every credential Test ---
	const testData: Record<string, (env: Env) => Record<string, unknown>> = {
		livePersonAccountApiTest: (env) => account(env),
		conversationOrchestratorApiTest: (env) => co(env),
		livePersonTransferToMessagingApiTest: (env) => c2m(env),
		livePersonOAuth2ClientCredentialsApiTest: (env) => apiCredentials(env).livePersonOAuth2ClientCredentialsApi,
		livePersonBasicAuthApiTest: (env) => ({ ...apiCredentials(env).livePersonBasicAuthApi, testUrl: `${env.base}/me` }),
		livePersonAccessTokenApiTest: (env) => ({ ...apiCredentials(env).livePersonAccessTokenApi, testUrl: `${env.base}/me` }),
		livePersonMutualTlsApiTest: (env) => ({ ...apiCredentials(env).livePersonMutualTlsApi, testUrl: `${env.base}/me` }),
		livePersonNluApiTest: (env) => apiCredentials(env).livePersonNluApi,
		livePersonConsumerAuthApiTest: (env) => consumerAuthCredential(env),
		livePersonBotApiTest: (env) => ({ accountIds: ACC, csdsHost: env.base, allowedInternalNetworks: env.allow }),
	};
	// The App Installation credential's Test checks its fields only (LivePerson has no endpoint that proves a
	// webhook secret): it sends nothing, so it has no entry; the trigger's subscription entries above send.
	const onEcho = new Set(['livePersonConsumerAuthApiTest', 'livePersonNluApiTest', 'livePersonOAuth2ClientCredentialsApiTest', 'livePersonBasicAuthApiTest', 'livePersonAccessTokenApiTest', 'livePersonMutualTlsApiTest']);
	for (const [name, data] of Object.entries(testData)) {
		entries.push({
			id: `credentialTest:${name}`,
			server: onEcho.has(name) ? 'echo' : 'emulator',
			sources: ['nodes/shared/credentialTests.ts', 'lib/auth/credential-test.ts', 'lib/tls/credential-test.ts'],
			run: (env) => testButton(name.replace(/Test$/, ''), data(env)),
		});
	}
	// --- Consumer Authentication: Start (no request) then Complete (the code exchange at the Token URL) ---
	entries.push({
		id: 'node:LivePersonConsumerAuth:start:complete',
		server: 'echo',
		sources: ['lib/auth/consumer-auth.ts', 'lib/auth/oauth2.ts', 'nodes/LivePersonConsumerAuth/LivePersonConsumerAuth.node.ts'],
		run: async (env) => {
			const credentials = { livePersonConsumerAuthApi: consumerAuthCredential(env) };
			const out = await runNode('LivePersonConsumerAuth', { operation: 'start', conversationId: 'conv-registry', redirectUri: 'https://n8n.example.test/webhook/cb', options: {} }, credentials);
			const state = new URL(out[0]?.[0]?.json.authorizationUrl as string).searchParams.get('state');
			return runNode('LivePersonConsumerAuth', { operation: 'complete', state, code: 'registry-code', error: '', options: {} }, credentials);
		},
	});
	// --- Consumer Pre-Authentication with verification: the identity provider's JWKS first ---
	entries.push({
		id: 'node:LivePersonApiIntegration:consumerPreAuth+jwks',
		server: 'echo',
		sources: ['lib/auth/consumer.ts', 'lib/jwt/verify.ts', 'nodes/LivePersonApiIntegration/actions/consumerPreAuth.ts'],
		// The JWKS host has its own allowance (issue 22 item 7): the request's does not carry over.
		run: (env) => runNode('LivePersonApiIntegration', preAuthParams(env.base, { consumerJwksAllowedInternalNetworks: env.allow, options: { retries: 0, allowedInternalNetworks: env.allow } }), {}),
	});
	// --- Third-party NLU, Google provider: the signed JWT grant to the key file's token_uri ---
	entries.push({
		id: 'credentialTest:livePersonNluApiTest:dialogflow',
		server: 'echo',
		sources: ['lib/auth/nlu.ts'],
		run: (env) => testButton('livePersonNluApi', { provider: 'dialogflow', serviceAccountJson: googleServiceAccount(env), allowedInternalNetworks: env.allow }),
	});
	entries.push({
		id: 'node:LivePersonApiIntegration:thirdPartyNlu+dialogflow',
		server: 'echo',
		sources: ['lib/auth/nlu.ts'],
		run: (env) =>
			runNode(
				'LivePersonApiIntegration',
				{ authentication: 'thirdPartyNlu', method: 'GET', url: `${env.base}/api/resource`, options: { retries: 0, allowedInternalNetworks: env.allow } },
				{ livePersonNluApi: { provider: 'dialogflow', serviceAccountJson: googleServiceAccount(env), allowedInternalNetworks: env.allow } },
			),
	});
	return entries;
}

function startRedirector(to: () => string): Promise<{ url: string; close(): Promise<void> }> {
	const server = http.createServer((req, res) => {
		req.resume();
		res.writeHead(307, { location: `${to()}${req.url ?? '/'}` });
		res.end();
	});
	return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((r) => server.close(() => r())) })));
}

/**
 * The first origin of a cross-origin redirect: answers token requests itself (so that strategies that
 * fetch a token get one, and that token can be looked for elsewhere), redirects everything else (307:
 * method, body and headers kept) to the same path on `to()`.
 */
function startCrossOriginRedirector(to: () => string): Promise<{ url: string; issued: string[]; close(): Promise<void> }> {
	const issued: string[] = [];
	const server = http.createServer((req, res) => {
		req.resume();
		if (req.url === '/token' || req.url === '/v2/authenticate/login') {
			const token = `first-origin-token-${issued.length}-${Math.random().toString(36).slice(2)}`;
			issued.push(token);
			res.writeHead(200, { 'content-type': 'application/json' });
			res.end(JSON.stringify({ access_token: token, token_type: 'Bearer', expires_in: 3600 }));
			return;
		}
		res.writeHead(307, { location: `${to()}${req.url ?? '/'}` });
		res.end();
	});
	return new Promise((resolve) =>
		server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, issued, close: () => new Promise((r) => server.close(() => r())) })),
	);
}

/** Every secret a registry entry is given (credentials, the item's token), and the tokens issued to it. */
function registrySecrets(): string[] {
	return [
		'registry-basic-password',
		'registry-token',
		'registry-cc-secret',
		'registry-auth-code-secret',
		'registry-oauth-token',
		'registry-ibm-api-key',
		'registry-consumer-token',
		'registry-app-secret',
		'registry-consumer-auth-secret',
		STORE_PASSWORD,
		DEFAULT_CONFIG.user.password,
		DEFAULT_CONFIG.oauth2Client.clientSecret,
		DEFAULT_CONFIG.orchestrator.apiKey,
		DEFAULT_CONFIG.orchestrator.v2.password,
		jwt,
		...crossOrigin.issued,
	];
}

/** An internal host that must never be reached: IPv6 loopback (not in the allowed 127.0.0.1/32). */
function startTrap(): Promise<{ url: string; hits(): number; close(): Promise<void> }> {
	let hits = 0;
	const server = http.createServer((req, res) => {
		hits++;
		req.resume();
		res.writeHead(200, { 'content-type': 'application/json' });
		res.end('{"trapped":true}');
	});
	return new Promise((resolve) =>
		server.listen(0, '::1', () => resolve({ url: `http://[::1]:${(server.address() as AddressInfo).port}`, hits: () => hits, close: () => new Promise((r) => server.close(() => r())) })),
	);
}

beforeAll(async () => {
	pki = makeTestPki();
	[emu, echo, trap] = await Promise.all([startEmulator(), startEchoServer(), startTrap()]);
	redirector = await startRedirector(() => trap.url);
	elsewhere = await startEchoServer();
	crossOrigin = await startCrossOriginRedirector(() => elsewhere.url);
	const { privateKey } = await jose.generateKeyPair('RS256');
	jwt = await new jose.SignJWT({ sub: 'x' }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setAudience('registry-api').setExpirationTime('1h').sign(privateKey);
	botJwt = await new jose.SignJWT({ scope: 'thirdpartybots.customendpoint.bot' }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer('Sentinel').setAudience(ACC).setExpirationTime('1h').sign(privateKey);
});
afterAll(async () => {
	await Promise.all([emu?.close(), echo?.close(), trap?.close(), redirector?.close(), elsewhere?.close(), crossOrigin?.close()]);
});

const hitsOf = (entry: Entry) => (entry.server === 'emulator' ? Object.values(emu.counts()).reduce((a, b) => a + b, 0) : echo.requests.length);
const portOf = (entry: Entry) => new URL(entry.server === 'emulator' ? emu.url : echo.url).port;

async function outcome(p: Promise<unknown>): Promise<string> {
	try {
		return JSON.stringify(await p);
	} catch (error) {
		const e = error as { message?: string; description?: string };
		return `${e?.message ?? ''} ${e?.description ?? ''}`;
	}
}

describe.each(ENGINE_VERSIONS)('outbound paths in n8n %s', (version) => {
	// A fresh long-running n8n per test behind https://n8n.example.test: caches start empty; Consumer
	// Authentication's Start and Complete share the state store within the test.
	const engine = enginePerTest(version, { moduleScope: 'instance', instanceBaseUrl: 'https://n8n.example.test' });
	beforeEach(() => {
		n8n = engine();
	});

	describe.each(registry().map((e) => [e.id, e] as const))('%s', (_id, entry) => {
		test('an internal host given as a name is refused unless allowed (and reached once allowed)', async () => {
			const base = `http://localhost:${portOf(entry)}`;
			const before = hitsOf(entry);
			const refused = await outcome(entry.run({ base, allow: '' }));
			expect(refused).toMatch(/Blocked request to localhost/);
			expect(hitsOf(entry)).toBe(before);
			await outcome(entry.run({ base, allow: 'loopback' }));
			expect(hitsOf(entry)).toBeGreaterThan(before);
		});

		test('a redirect from an allowed host never reaches an internal one', async () => {
			const before = trap.hits();
			await outcome(entry.run({ base: redirector.url, allow: '127.0.0.1/32' }));
			expect(trap.hits()).toBe(before);
		});

		test('a redirect to another origin carries no credential (whoever signs: strategy, n8n, a custom transport)', async () => {
			const before = elsewhere.requests.length;
			await outcome(entry.run({ base: crossOrigin.url, allow: '127.0.0.1/32' }));
			const secrets = registrySecrets();
			for (const r of elsewhere.requests.slice(before)) {
				const seen = JSON.stringify({ url: r.url, headers: r.headers, body: r.body });
				const decoded = Object.values(r.headers)
					.flatMap((v) => String(v).split(/[\s,]+/))
					.map((w) => Buffer.from(w, 'base64').toString('latin1'))
					.join(' ');
				expect({ path: r.url, authorization: r.headers.authorization }).toEqual({ path: r.url, authorization: undefined });
				for (const secret of secrets) expect({ path: r.url, leaked: seen.includes(secret) || decoded.includes(secret) ? secret : undefined }).toEqual({ path: r.url, leaked: undefined });
			}
		});
	});
});

describe('the registry is complete', () => {
	const ids = new Set(registry().map((e) => e.id));

	test('every node operation that sends is in the registry', async () => {
		for (const file of pkg.n8n.nodes as string[]) {
			const name = path.basename(file, '.node.js');
			if (name === 'LivePersonIpAllowlist') continue; // reads the request only: no outbound call
			if (name === 'LivePersonBotReply') continue; // answers the waiting request through n8n: no outbound call
			const node = await loadNode(name);
			const props = node.description.properties as INodeProperties[];
			const ops = props.filter((p) => p.name === 'operation' && p.type === 'options').flatMap((p) => (p.options ?? []).map((o) => String((o as { value: unknown }).value)));
			const covered = [...ids].filter((id) => id.startsWith(`node:${name}:`) || id === `node:${name}`);
			expect({ name, covered: covered.length > 0 }).toEqual({ name, covered: true });
			for (const op of ops) expect({ name, op, inRegistry: covered.some((id) => id.split(':').includes(op)) }).toEqual({ name, op, inRegistry: true });
			const auths = props.filter((p) => p.name === 'authentication' && p.type === 'options').flatMap((p) => (p.options ?? []).map((o) => String((o as { value: unknown }).value)));
			for (const a of auths) expect({ name, authentication: a, inRegistry: covered.some((id) => id.split(':').some((part) => part === a || part.startsWith(`${a}+`))) }).toEqual({ name, authentication: a, inRegistry: true });
		}
	});

	test('every credential Test is in the registry', () => {
		for (const name of Object.keys(credentialTests)) {
			if (name === 'livePersonAppInstallationApiTest') continue; // checks the fields only: no outbound call
			expect({ name, inRegistry: ids.has(`credentialTest:${name}`) }).toEqual({ name, inRegistry: true });
		}
	});

	test('every source file that sends is covered, and only lib/http talks to undici', () => {
		const files: string[] = [];
		const walk = (dir: string) => {
			for (const d of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
				const rel = path.posix.join(dir, d.name);
				if (d.isDirectory()) walk(rel);
				else if (rel.endsWith('.ts')) files.push(rel);
			}
		};
		walk('lib');
		walk('nodes');
		walk('credentials');
		const covered = new Set(registry().flatMap((e) => e.sources));
		for (const file of files) {
			const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
			const sends = /\bsend\(\{/.test(text) || /helpers\.(httpRequest|request)\w*/.test(text);
			if (sends && !file.startsWith('lib/http/')) expect({ file, covered: covered.has(file) }).toEqual({ file, covered: true });
			const undiciIo = /import\s*\{[^}]*\b(request|fetch|stream|pipeline|connect)\b[^}]*\}\s*from\s*'undici'/.test(text) || /(?<![.\w]|private |async |function )fetch\(/.test(text);
			if (undiciIo) expect({ file, sendsOutsidePipeline: true }).toEqual({ file: 'lib/http/index.ts', sendsOutsidePipeline: true });
		}
	});
});
