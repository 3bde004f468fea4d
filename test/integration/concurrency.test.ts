/**
 * Concurrency against the emulator (tokens live 2 s there):
 *   - 200 calls at once with an EXPIRED token → exactly one token request per credential, for every
 *     token-based credential: LivePerson Account (user/password → Login Service; client credentials
 *     → Sentinel), OAuth2 client credentials, Conversation Orchestrator v2, Transfer to Messaging;
 *     then the 200 API calls with that one token succeed;
 *   - a rejection that repeats (CO 403, Login Service bearer 401 on the API) → exactly one re-login,
 *     then a clear error, for 200 concurrent callers;
 *   - two different credentials never share a cached token, a TLS agent or a TLS session: distinct
 *     tokens, distinct agents, and the mTLS server sees each request with its own client certificate.
 */
import { tokenCache } from '../../lib/auth/token-cache';
import { LpError } from '../../lib/errors';
import { send, type AuthStrategy, type HttpResponse } from '../../lib/http';
import { accountStrategy, getAccountBearer, resetAccountAuthState } from '../../lib/liveperson/account-auth';
import { c2mStrategy } from '../../lib/liveperson/c2m-auth';
import { csds } from '../../lib/liveperson/csds';
import { OrchestratorClient } from '../../lib/liveperson/orchestrator';
import { getOrchestratorToken, orchestratorStrategy } from '../../lib/liveperson/orchestrator-auth';
import { OutboundPolicy } from '../../lib/net/policy';
import { closeAllAgents } from '../../lib/tls/agent-pool';
import { mutualTlsConnection } from '../../lib/tls/credential';
import { CREDENTIAL_TYPES, mutualTlsConfig, strategyFor } from '../../nodes/shared/credentialConfig';
import { clearKeyStoreCache } from '../../lib/tls/keystore';
import { startEmulator, type Emulator } from '../../sandbox/emulator';
import { makeTestPki, STORE_PASSWORD, type TestPki } from '../helpers/pki';
import { startNodeMtlsServer, type NodeTlsServer } from '../helpers/tls-servers';
import { advanceClock, fakeDateOnly, realClock } from '../support/clock';
import { SecretScanner } from '../support/secrets';

jest.setTimeout(120_000);

const ACC = '12345678';
const N = 200;
const LIFETIME_S = 2;

let emu: Emulator;
const secrets = new SecretScanner();
const figures: string[] = [];

beforeAll(async () => {
	emu = await startEmulator({ port: 0, config: { lifetimes: { sessionTTl: String(LIFETIME_S * 1000), sentinelExpiresIn: LIFETIME_S, coTokenLifetime: LIFETIME_S } } });
	const c = emu.config;
	secrets.add('passwords and secrets', c.user.password, c.oauth2Client.clientSecret, c.orchestrator.v2.password).addEmulator(emu);
});
afterAll(async () => {
	await closeAllAgents();
	await emu?.close();
	process.stdout.write(`\n[concurrency] ${figures.join('\n[concurrency] ')}\n`);
});
beforeEach(() => {
	emu.reset();
	tokenCache.clear();
	resetAccountAuthState();
	csds.invalidate();
});

/** The emulator and the test TLS server listen on 127.0.0.1: every request here allows loopback. */
const loopback = new OutboundPolicy({ allow: ['loopback'] });
const LOOPBACK = 'loopback';

const echo = (authorization: string): Promise<HttpResponse> =>
	send({ url: `${emu.url}/protected/echo`, headers: { authorization }, serviceName: 'echo', timeoutMs: 10_000, policy: loopback });

/** One request through the pipeline with a strategy (a refusal makes the strategy re-login once). */
const echoWith = (auth: AuthStrategy): Promise<HttpResponse> =>
	send({ url: `${emu.url}/protected/echo`, auth, serviceName: 'echo', timeoutMs: 10_000, policy: loopback });

/** The Authorization header a strategy signs one request with. */
const authorizationOf = async (auth: AuthStrategy): Promise<string> => {
	const applied = await auth.apply({ method: 'GET', url: new URL(`${emu.url}/protected/echo`), headers: {} });
	const value = applied.headers?.authorization;
	if (!value) throw new Error(`${auth.label} signed no Authorization header`);
	return value;
};

const account = () => ({
	accountId: ACC,
	csdsHost: emu.url,
	authMethod: 'userPassword',
	username: 'sandbox-agent',
	password: 'Sandbox-Passw0rd!',
	allowedInternalNetworks: LOOPBACK,
});
const sentinelAccount = () => ({ ...account(), authMethod: 'clientCredentials', clientId: 'sandbox-client', clientSecret: 'sandbox-client-secret' });
const oauthCc = (over: Record<string, unknown> = {}) => ({
	clientId: 'sandbox-client',
	clientSecret: 'sandbox-client-secret',
	accessTokenUrl: `${emu.url}/sentinel/api/v2/account/${ACC}/app/token`,
	authentication: 'body',
	allowedInternalNetworks: LOOPBACK,
	...over,
});
const co = (host = emu.url) => ({
	region: 'custom',
	customHost: host,
	apiVersion: 'v2',
	userId: 'sandbox-co-user',
	password: 'Sandbox-CO-Passw0rd!',
	allowedInternalNetworks: LOOPBACK,
});
const c2m = () => ({ accountId: ACC, csdsHost: emu.url, clientId: 'sandbox-client', clientSecret: 'sandbox-client-secret', allowedInternalNetworks: LOOPBACK });

interface TokenCase {
	name: string;
	route: string;
	/** One caller (its own strategy, as one execution builds one): the Authorization header it signs with. */
	authorization: () => Promise<string>;
}

const tokenCases: TokenCase[] = [
	{ name: 'LivePerson Account, user + password (Login Service)', route: 'login.login', authorization: async () => (await getAccountBearer(account())).authorization },
	{ name: 'LivePerson Account, client credentials (Sentinel)', route: 'sentinel.token', authorization: async () => (await getAccountBearer(sentinelAccount())).authorization },
	{ name: 'OAuth2 client credentials', route: 'sentinel.token', authorization: () => authorizationOf(strategyFor(CREDENTIAL_TYPES.clientCredentials, oauthCc())) },
	{ name: 'Conversation Orchestrator v2', route: 'co.v2.login', authorization: () => authorizationOf(orchestratorStrategy(co(), 'header')) },
	{ name: 'Transfer to Messaging (Sentinel app JWT)', route: 'sentinel.token', authorization: () => authorizationOf(c2mStrategy(c2m())) },
];

describe(`${N} callers at once with an expired token: one token request per credential`, () => {
	beforeAll(() => fakeDateOnly());
	afterAll(() => realClock());
	test.each(tokenCases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
		const first = await c.authorization();
		expect(emu.count(c.route)).toBe(1);
		expect((await echo(first)).status).toBe(200);
		advanceClock(LIFETIME_S * 1000 + 150); // expired at the emulator too (one clock for both)
		expect((await echo(first)).status).toBe(401);

		const auths = await Promise.all(Array.from({ length: N }, () => c.authorization()));
		expect(emu.count(c.route)).toBe(2); // the first fetch + exactly one refresh for 200 callers
		expect(new Set(auths).size).toBe(1);
		expect(auths[0]).not.toBe(first);
		const answers = await Promise.all(auths.map(echo));
		expect(answers.every((r) => r.status === 200)).toBe(true);
		expect(emu.count(c.route)).toBe(2);
		figures.push(`${c.name}: ${N} concurrent callers after expiry -> ${emu.count(c.route) - 1} token request (${N} API calls OK)`);
		secrets.expectClean(c.name, answers.map((r) => r.body.toString()));
	});
});

describe('a rejection that repeats: exactly one re-login, then a clear error', () => {
	test(`Conversation Orchestrator v2: ${N} callers, every call 403 → one re-login`, async () => {
		await getOrchestratorToken(co());
		expect(emu.count('co.v2.login')).toBe(1);
		emu.setFault('co.ccs.v2', { status: 403, body: { message: 'forbidden' } });
		// GET /v2/context/document/{account}/flow/s1 through the CO client (strategy + pipeline).
		const call = () => new OrchestratorClient(co()).ccsV2({ op: 'get', accountId: ACC, namespace: 'flow', sessionId: 's1' });
		const results = await Promise.allSettled(Array.from({ length: N }, call));
		expect(results.every((r) => r.status === 'rejected')).toBe(true);
		const reasons = results.map((r) => (r as PromiseRejectedResult).reason as unknown);
		expect(reasons.every((e) => e instanceof LpError && e.code === 'CO_TOKEN_REFUSED')).toBe(true);
		expect((reasons[0] as LpError).message).toMatch(/refused the new token too \(403\)/);
		expect(emu.count('co.v2.login')).toBe(2);
		expect(emu.count('co.ccs.v2')).toBe(2 * N);
		figures.push(`CO v2, 403 repeating for ${N} callers -> ${emu.count('co.v2.login') - 1} re-login, ${N} clear errors`);
	});

	test(`LivePerson Account: ${N} callers, the API answers 401 every time → one re-login`, async () => {
		await getAccountBearer(account());
		expect(emu.count('login.login')).toBe(1);
		emu.setFault('protected.echo', { status: 401, body: { error: 'invalid credentials' } });
		const results = await Promise.all(Array.from({ length: N }, () => echoWith(accountStrategy(account()))));
		expect(results.every((r) => r.status === 401)).toBe(true);
		expect(emu.count('login.login')).toBe(2);
		expect(emu.count('protected.echo')).toBe(2 * N);
		figures.push(`LivePerson Account, 401 repeating for ${N} callers -> ${emu.count('login.login') - 1} re-login`);
	});

	test(`OAuth2 client credentials: ${N} requests, the API answers 401 every time → one new token`, async () => {
		emu.setFault('protected.echo', { status: 401 });
		const results = await Promise.all(Array.from({ length: N }, () => echoWith(strategyFor(CREDENTIAL_TYPES.clientCredentials, oauthCc()))));
		expect(results.every((r) => r.status === 401)).toBe(true);
		expect(emu.count('sentinel.token')).toBe(2);
		expect(emu.count('protected.echo')).toBe(2 * N);
		figures.push(`OAuth2 client credentials, 401 repeating for ${N} requests -> ${emu.count('sentinel.token')} token requests (first + one refetch)`);
	});
});

describe('two credentials never share a token, an agent or a TLS session', () => {
	test('tokens: two OAuth2 client-credentials credentials (differing only in scope), two CO v2 hosts', async () => {
		const [a, b] = await Promise.all([
			Promise.all(Array.from({ length: 50 }, () => authorizationOf(strategyFor(CREDENTIAL_TYPES.clientCredentials, oauthCc({ scope: 'a' }))))),
			Promise.all(Array.from({ length: 50 }, () => authorizationOf(strategyFor(CREDENTIAL_TYPES.clientCredentials, oauthCc({ scope: 'b' }))))),
		]);
		expect(new Set(a).size).toBe(1);
		expect(new Set(b).size).toBe(1);
		expect(a[0]).not.toBe(b[0]);
		expect(emu.count('sentinel.token')).toBe(2);

		const localhost = emu.url.replace('127.0.0.1', 'localhost');
		const [x, y] = await Promise.all([getOrchestratorToken(co()), getOrchestratorToken(co(localhost))]);
		expect(x.value).not.toBe(y.value);
		expect(emu.count('co.v2.login')).toBe(2);
		const [u, v] = await Promise.all([getAccountBearer(account()), getAccountBearer(sentinelAccount())]);
		expect(u.authorization).not.toBe(v.authorization);
	});

	describe('mutual TLS', () => {
		let pki: TestPki;
		let server: NodeTlsServer;
		beforeAll(async () => {
			pki = makeTestPki();
			server = await startNodeMtlsServer(pki);
		});
		afterAll(async () => {
			await closeAllAgents();
			await server?.close();
		});
		beforeEach(() => clearKeyStoreCache());

		test('two credentials: two agents, and the server sees each request with its own client certificate', async () => {
			const rsa = { keyStoreFormat: 'pkcs12', keyStore: pki.p12Modern, keyStorePassword: STORE_PASSWORD, trustCertificate: pki.caPem, protocols: 'tls12plus' };
			const ec = { keyStoreFormat: 'jks', keyStore: pki.jksEc, keyStorePassword: STORE_PASSWORD, trustCertificate: pki.caPem, protocols: 'tls12plus' };
			const a = mutualTlsConnection(mutualTlsConfig(rsa), { credentialId: 'cred-rsa' });
			const b = mutualTlsConnection(mutualTlsConfig(ec), { credentialId: 'cred-ec' });
			const agentA = a.dispatcher(loopback);
			const agentB = b.dispatcher(loopback);
			expect(agentA).not.toBe(agentB);
			expect(a.material.info.sha256Fingerprint).not.toBe(b.material.info.sha256Fingerprint);
			// One agent per credential, reused: the same data read again (a new settings object) finds the same agent.
			expect(mutualTlsConnection(mutualTlsConfig(rsa), { credentialId: 'cred-rsa' }).dispatcher(loopback)).toBe(agentA);

			const handshakesBefore = server.handshakes();
			const calls = Array.from({ length: 100 }, (_, i) => {
				const which = i % 2 === 0 ? a : b;
				return send({ url: `${server.url}/who?i=${i}`, connection: which, policy: loopback, timeoutMs: 10_000 }).then((r) => ({ i, client: (JSON.parse(r.body.toString()) as { client: string }).client }));
			});
			const seen = await Promise.all(calls);
			for (const s of seen) expect(s.client).toBe(s.i % 2 === 0 ? 'client-rsa' : 'client-ec');
			const handshakes = server.handshakes() - handshakesBefore;
			expect(handshakes).toBeGreaterThanOrEqual(2);
			figures.push(`mTLS: 2 credentials, 100 interleaved requests -> 2 agents, server saw ${new Set(seen.map((s) => s.client)).size} client certificates, ${handshakes} handshakes`);
		});
	});
});
