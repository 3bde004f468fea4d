/**
 * mTLS gateway, Conversation Orchestrator and Connect-to-Messaging clients (lib/liveperson) against
 * the LivePerson emulator over real HTTP on 127.0.0.1: every operation, injected faults (424 from
 * the forward, missing mapping, CSDS 401 / empty list, login 429 then success, token expiry mid-run,
 * a 403 that repeats, slow answers past the timeout, C2M 429 backoff) and call counts (1000 calls →
 * one CSDS lookup and one login). No error may carry a secret.
 */
import { startEmulator, getEmulatorClientIdentity, type Emulator } from '../../sandbox/emulator/index';
import { tokenCache } from '../../lib/auth/token-cache';
import { LpError } from '../../lib/errors';
import { csds } from '../../lib/liveperson/csds';
import { resetAccountAuthState, type LivePersonAccountCredentials } from '../../lib/liveperson/account-auth';
import { mtlsClientForAccount as mtlsClientFor } from '../../lib/liveperson/mtls-gateway';
import { OrchestratorClient } from '../../lib/liveperson/orchestrator';
import { request } from 'undici';
import type { ICredentialDataDecryptedObject } from 'n8n-workflow';
import { setRetrySleep } from '../../lib/http';
import { setMtlsNoCertificateStatus } from '../../sandbox/emulator/services/mtls';
import { testConversationOrchestrator } from '../../nodes/shared/credentialTests';
import type { ConversationOrchestratorCredentials } from '../../lib/liveperson/orchestrator-auth';
import { c2mClientForCredentials } from '../../lib/liveperson/c2m';
import type { TransferToMessagingCredentials } from '../../lib/liveperson/c2m-auth';

const ACC = '12345678';
const SECRETS = ['Sandbox-Passw0rd!', 'sandbox-client-secret', 'sandbox-app-secret', 'sandbox-access-token-secret', 'sandbox-maven-api-key', 'Sandbox-CO-Passw0rd!', 'sandbox-p12-password', 'target-override-secret'];
const FAST = { timing: { scale: 0.001 } };

let emu: Emulator;
beforeAll(async () => {
	emu = await startEmulator({ port: 0 });
});
afterAll(async () => {
	await emu.close();
});
beforeEach(() => {
	emu.reset();
	tokenCache.clear();
	resetAccountAuthState();
	csds.invalidate();
});

/** The emulator listens on 127.0.0.1: every credential allows loopback (refused by default). */
const LOOPBACK = 'loopback';
const user = (): LivePersonAccountCredentials => ({
	accountId: ACC,
	csdsHost: emu.url,
	authMethod: 'userPassword',
	username: 'sandbox-agent',
	password: 'Sandbox-Passw0rd!',
	allowedInternalNetworks: LOOPBACK,
});
const sentinel = (): LivePersonAccountCredentials => ({
	accountId: ACC,
	csdsHost: emu.url,
	authMethod: 'clientCredentials',
	clientId: 'sandbox-client',
	clientSecret: 'sandbox-client-secret',
	allowedInternalNetworks: LOOPBACK,
});
const coV2 = (url = emu.url): ConversationOrchestratorCredentials => ({
	region: 'custom',
	customHost: url,
	apiVersion: 'v2',
	userId: 'sandbox-co-user',
	password: 'Sandbox-CO-Passw0rd!',
	allowedInternalNetworks: LOOPBACK,
});
const coV1 = (): ConversationOrchestratorCredentials => ({ region: 'custom', customHost: emu.url, apiVersion: 'v1', apiKey: 'sandbox-maven-api-key', allowedInternalNetworks: LOOPBACK });
const c2mCreds = (): TransferToMessagingCredentials => ({ accountId: ACC, csdsHost: emu.url, clientId: 'sandbox-client', clientSecret: 'sandbox-client-secret', allowedInternalNetworks: LOOPBACK });
const echo = () => `${emu.mtlsTarget.url}/echo`;

function noSecret(error: unknown, extra: string[] = []) {
	const text = `${(error as Error).message} ${JSON.stringify((error as LpError).toJSON?.() ?? {})}`;
	for (const s of [...SECRETS, ...extra]) expect(text).not.toContain(s);
}
async function rejected(p: Promise<unknown>): Promise<LpError> {
	try {
		await p;
	} catch (error) {
		expect(error).toBeInstanceOf(LpError);
		noSecret(error);
		return error as LpError;
	}
	throw new Error('expected a rejection');
}

/**
 * The emulator's mTLS target is on 127.0.0.1: targets (Forward, Check Mapping, Create Mapping) follow the
 * outbound policy like any user-given URL, so these clients allow loopback for them, as the node's
 * "Allowed Internal Networks" option does.
 */
const mtlsClientForAccount = (...[creds, options]: Parameters<typeof mtlsClientFor>) => mtlsClientFor(creds, { targetAllowedInternalNetworks: LOOPBACK, ...options });

describe('mTLS gateway', () => {
	it('checks mappings with every variant', async () => {
		const client = mtlsClientForAccount(user(), { auth: FAST });
		const pairs = [
			{ serviceName: 'WEBHOOKS', url: echo() },
			{ serviceName: 'IDP', url: `${echo()}?other=1` },
		];
		for (const variant of ['gatewayV2', 'gatewayV1', 'account'] as const) {
			const out = await client.checkMappings(pairs, variant);
			expect(out.map((r) => r.exists)).toEqual([true, false]);
			expect(out[0]).toMatchObject({ serviceName: 'WEBHOOKS', url: echo(), accountId: ACC });
		}
		expect(emu.count('mtls.mapping')).toBe(2);
		expect(emu.count('mtls.checkMappings')).toBe(1);
	});

	it('forwards through a real mutual-TLS handshake, bytes and headers intact, override not leaked', async () => {
		const client = mtlsClientForAccount(sentinel());
		const bytes = Buffer.from([0, 1, 2, 250, 251, 252, 13, 10]);
		const out = await client.forward({
			method: 'POST',
			targetUrl: echo(),
			serviceName: 'WEBHOOKS',
			authorizationOverride: 'Bearer target-override-secret',
			headers: { 'content-type': 'application/octet-stream', 'x-test': 'yes' },
			body: bytes,
		});
		expect(out.statusCode).toBe(200);
		const seen = JSON.parse(out.body.toString('utf8'));
		expect(seen.method).toBe('POST');
		expect(Buffer.from(seen.bodyBase64, 'base64').equals(bytes)).toBe(true);
		expect(seen.headers['x-test']).toBe('yes');
		expect(seen.clientCertificateSubject).toBe('CN=sandbox-client-cert');
		expect(seen.authorizationScheme).toBe('Bearer');
		expect(emu.mtlsTarget.handshakes()).toBeGreaterThanOrEqual(1);
		expect(JSON.stringify(seen.headers)).not.toContain('lp-');
	});

	it('decodes a 424 from the forward into a clear error', async () => {
		const client = mtlsClientForAccount(user(), { auth: FAST });
		emu.setFault('mtls.forward', { status: 424, body: '', headers: { 'LP-message-from-transport': 'Connection refused', 'LP-error-from-transport': 'ECONNREFUSED' } });
		const e = await rejected(client.forward({ method: 'GET', targetUrl: echo(), serviceName: 'WEBHOOKS' }));
		expect(e.code).toBe('MTLS_TARGET_FAILED');
		expect(e.message).toContain('Connection refused (ECONNREFUSED)');
		emu.setFault('mtls.forward', null);
		// A real transport failure from the emulator: a mapped URL on a port nobody listens on.
		const dead = await rejected(client.forward({ method: 'GET', targetUrl: 'https://127.0.0.1:1/echo', serviceName: 'WEBHOOKS', stopIfCertificateNotFound: false }));
		expect(dead.status).toBe(424);
		expect(dead.code).toBe('MTLS_TARGET_FAILED');
	});

	it('reports a missing mapping as "no mTLS certificate is mapped" only after the mapping check says so', async () => {
		const client = mtlsClientForAccount(user(), { auth: FAST });
		const url = `${echo()}?unmapped=1`;
		const e = await rejected(client.forward({ method: 'GET', targetUrl: url, serviceName: 'IDP', stopIfCertificateNotFound: true }));
		expect(e.code).toBe('MTLS_NO_MAPPING');
		expect(e.message).toBe(`No mTLS certificate is mapped for IDP/${url}`);
		expect(emu.count('mtls.mapping')).toBe(1);
		// The confirmation is cached: a second refusal asks no second check.
		await rejected(client.forward({ method: 'GET', targetUrl: url, serviceName: 'IDP', stopIfCertificateNotFound: true }));
		expect(emu.count('mtls.mapping')).toBe(1);
		// Stop If Certificate Not Found off (the default): the gateway falls back to plain TLS, which the target refuses.
		const plain = await rejected(client.forward({ method: 'GET', targetUrl: url, serviceName: 'IDP' }));
		expect(plain.code).toBe('MTLS_TARGET_FAILED');
	});

	it('the gateway\'s 400 variant of "no certificate mapped" (what LivePerson\'s FaaS client reads) is reported the same way', async () => {
		setMtlsNoCertificateStatus(emu.hostPort, 400);
		const client = mtlsClientForAccount(user(), { auth: FAST });
		const url = `${echo()}?unmapped=400`;
		const e = await rejected(client.forward({ method: 'GET', targetUrl: url, serviceName: 'IDP', stopIfCertificateNotFound: true }));
		expect(e.code).toBe('MTLS_NO_MAPPING');
		expect(e.message).toBe(`No mTLS certificate is mapped for IDP/${url}`);
		expect(emu.mtlsTarget.requests()).toBe(0);
		emu.reset(); // back to the documented 500
		const login = await request(`${emu.url}/api/account/${ACC}/login?v=1.3`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'sandbox-agent', password: 'Sandbox-Passw0rd!' }) });
		const { bearer } = (await login.body.json()) as { bearer: string };
		const after = await request(`${emu.url}/mtls/account/${ACC}`, { headers: { authorization: `Bearer ${bearer}`, 'lp-forward-url': url, 'lp-service-name': 'IDP', 'lp-stop-if-certificate-not-found': 'true' } });
		await after.body.text();
		expect(after.statusCode).toBe(500);
	});

	it('returns a target 500 with stop on as the target\'s 500 (the mapping exists)', async () => {
		const client = mtlsClientForAccount(user(), { auth: FAST });
		const url = `${echo()}?status=500`;
		await client.createMapping({ certificateId: 2628739923, service: 'WEBHOOKS', url, name: 'status-500' });
		for (const status of [500, 400]) {
			const target = `${echo()}?status=${status}`;
			if (status === 400) await client.createMapping({ certificateId: 2628739923, service: 'WEBHOOKS', url: target, name: 'status-400' });
			const out = await client.forward({ method: 'GET', targetUrl: target, serviceName: 'WEBHOOKS', stopIfCertificateNotFound: true });
			expect(out.statusCode).toBe(status);
			expect(out.headers['x-echo-target']).toBe('sandbox');
			expect(JSON.parse(out.body.toString()).clientCertificateSubject).toBe('CN=sandbox-client-cert');
		}
		expect(emu.count('mtls.mapping')).toBe(2);
	});

	it('names the gateway authentication sent and the one the call wants on a 401/403', async () => {
		const client = mtlsClientForAccount(user(), { auth: FAST });
		emu.setFault('mtls.forward', { status: 403, body: '{"message":"Forbidden"}', headers: { 'www-authenticate': 'Bearer' } });
		const e = await rejected(client.forward({ method: 'GET', targetUrl: echo(), serviceName: 'WEBHOOKS' }));
		expect(e.status).toBe(403);
		expect(e.message).toContain('sent: Login Service bearer (user login)');
		expect(e.hint).toContain('AppKey (OAuth1) only');
		emu.setFault('mtls.forward', null);
		// Client credentials with the Login Service application flow: the forward still sends a Sentinel token (as LivePerson's FaaS client).
		const cc = mtlsClientForAccount({ ...sentinel(), clientCredentialsFlow: 'loginService', username: 'sandbox-agent' });
		const before = emu.count('sentinel.token');
		expect((await cc.forward({ method: 'GET', targetUrl: echo(), serviceName: 'WEBHOOKS' })).statusCode).toBe(200);
		expect(emu.count('sentinel.token')).toBe(before + 1);
		expect(() => mtlsClientForAccount(user(), { gatewayAuth: 'sentinel' })).toThrow(/Client ID and Client Secret/);
	});

	it('self-service: activates (OAuth 2 only), lists mappings, deletes a certificate', async () => {
		const identity = getEmulatorClientIdentity('sandbox-p12-password');
		const admin = mtlsClientForAccount(sentinel());
		const up = await admin.uploadCertificate({ p12: Buffer.from(identity.p12Base64, 'base64'), name: 'self-service-cert', password: 'sandbox-p12-password' });
		const id = up.saved[0].id as number;
		const url = `${echo()}?activated=1`;
		// A Login Service bearer is refused by the "OAuth 2 only" activate: the error names both.
		const refused = await rejected(mtlsClientForAccount(user(), { auth: FAST }).createMapping({ certificateId: id, service: 'IDP', url }, 'activate'));
		expect(refused.status).toBe(403);
		expect(refused.message).toContain('sent: Login Service bearer (user login)');
		expect(refused.hint).toContain('OAuth 2 only');
		// Validation against a dead URL: the gateway's 424, decoded.
		const dead = await rejected(admin.createMapping({ certificateId: id, service: 'IDP', url: 'https://127.0.0.1:1/x', validateUrl: true }, 'activate'));
		expect(dead.code).toBe('MTLS_TARGET_FAILED');
		const created = await admin.createMapping({ certificateId: id, service: 'IDP', url, validateUrl: true }, 'activate');
		expect(created).toMatchObject({ url, serviceId: '1', certificationId: String(id), enable: true });
		expect(emu.count('mtls.certificates.activate')).toBe(3);

		const listed = await admin.listMappings();
		expect(listed.find((m) => m.url === url)).toMatchObject({ serviceName: 'IDP', certificationId: String(id) });
		expect(listed.map((m) => m.name)).toEqual(expect.arrayContaining(['sandbox-webhooks', 'sandbox-idp']));

		expect((await admin.forward({ method: 'GET', targetUrl: url, serviceName: 'IDP' })).statusCode).toBe(200);
		expect(await admin.deleteCertificate(id)).toMatchObject({ deleted: true, certificateId: String(id), status: 200 });
		expect((await admin.listCertificates()).find((c) => c.id === id)?.deleted).toBe(true);
		const gone = await rejected(admin.forward({ method: 'GET', targetUrl: url, serviceName: 'IDP', stopIfCertificateNotFound: true }));
		expect(gone.code).toBe('MTLS_NO_MAPPING');
		const again = await rejected(admin.deleteCertificate(id));
		expect(again.code).toBe('MTLS_CERT_NOT_FOUND');
		expect(again.field).toBe('certificateId');
	});

	it('lists, uploads (p12 multipart) and maps a certificate, then forwards with it', async () => {
		const client = mtlsClientForAccount(user(), { auth: FAST });
		const before = await client.listCertificates();
		expect(before.map((c) => c.name)).toContain('sandbox-client-cert');
		const identity = getEmulatorClientIdentity('sandbox-p12-password');
		const up = await client.uploadCertificate({ p12: Buffer.from(identity.p12Base64, 'base64'), name: 'uploaded-cert', password: 'sandbox-p12-password' });
		expect(up.saved[0]).toMatchObject({ name: 'uploaded-cert', status: 'Available' });
		const dup = await rejected(client.uploadCertificate({ p12: Buffer.from(identity.p12Base64, 'base64'), name: 'uploaded-cert', password: 'sandbox-p12-password' }));
		expect(dup.code).toBe('MTLS_CERT_DUPLICATE');
		const url = `${echo()}?mapped=new`;
		const created = await client.createMapping({ certificateId: up.saved[0].id as number, service: 'IDP', url, name: 'new-mapping' });
		expect(created).toMatchObject({ url, name: 'new-mapping', serviceId: '1' });
		const again = await rejected(client.createMapping({ certificateId: up.saved[0].id as number, service: 'IDP', url, name: 'new-mapping' }));
		expect(again.code).toBe('MTLS_MAPPING_DUPLICATE');
		expect((await client.checkMappings([{ serviceName: 'IDP', url }]))[0].exists).toBe(true);
		const out = await client.forward({ method: 'GET', targetUrl: url, serviceName: 'IDP' });
		expect(JSON.parse(out.body.toString()).clientCertificateSubject).toBe('CN=sandbox-client-cert');
		expect((await client.listCertificates()).map((c) => c.name)).toContain('uploaded-cert');
	});

	it('fails clearly on CSDS 401 and on an empty CSDS list', async () => {
		emu.setFault('csds.all', { status: 401, body: { error: 'Bad Authentication (invalid site)' } });
		const e = await rejected(mtlsClientForAccount(user(), { auth: FAST }).listCertificates());
		expect(e.status).toBe(401);
		expect(e.hint).toMatch(/CSDS/);
		emu.setFault('csds.all', { status: 200, body: { baseURIs: [] } });
		expect((await rejected(mtlsClientForAccount(user(), { auth: FAST }).listCertificates())).code).toBe('CSDS_EMPTY');
	});

	it('logs in again after a login 429 (then success) and uses the host override without CSDS', async () => {
		emu.setFault('login.login', { status: 429, retryAfter: 0, times: 1 });
		const client = mtlsClientForAccount(user(), { auth: FAST, gatewayHost: emu.url });
		expect((await client.listCertificates()).length).toBeGreaterThan(0);
		expect(emu.count('login.login')).toBe(2);
	});

	it('gives up on a slow gateway at the time limit', async () => {
		emu.setFault('mtls.forward', { delayMs: 1500 });
		const client = mtlsClientForAccount(user(), { auth: FAST, timeoutMs: 300 });
		const started = Date.now();
		const e = await rejected(client.forward({ method: 'GET', targetUrl: echo(), serviceName: 'WEBHOOKS' }));
		expect(e.kind).toBe('timeout');
		expect(Date.now() - started).toBeLessThan(1400);
	});

	it('re-logs in once after the gateway refuses an expired bearer', async () => {
		const client = mtlsClientForAccount(user(), { auth: FAST });
		await client.listCertificates();
		emu.setFault('mtls.certificates.list', { status: 401, body: { message: 'Token expired' }, headers: { 'www-authenticate': 'Bearer' }, times: 1 });
		expect((await client.listCertificates()).length).toBeGreaterThan(0);
		expect(emu.count('login.login')).toBe(2);
	});

	it('1000 calls: one CSDS lookup and one login', async () => {
		const client = mtlsClientForAccount(user(), { auth: FAST });
		const pairs = [{ serviceName: 'WEBHOOKS', url: echo() }];
		let next = 0;
		await Promise.all(
			Array.from({ length: 50 }, async () => {
				while (next < 1000) {
					next++;
					const [r] = await client.checkMappings(pairs);
					expect(r.exists).toBe(true);
				}
			}),
		);
		expect(emu.count('mtls.mapping')).toBe(1000);
		expect(emu.count('csds.all')).toBe(1);
		expect(emu.count('login.login')).toBe(1);
	}, 60_000);
});

describe('Conversation Orchestrator', () => {
	it('uses the credential\'s Login Host and API Host over the region\'s documented hosts', async () => {
		const creds: ConversationOrchestratorCredentials = { region: 'americas', loginHost: emu.url, apiHost: emu.url, apiVersion: 'v2', allowedInternalNetworks: 'loopback', userId: 'sandbox-co-user', password: 'Sandbox-CO-Passw0rd!' };
		const co = new OrchestratorClient(creds, { accountId: ACC });
		expect((await co.login()).host).toBe(emu.url);
		await co.ccsV2({ op: 'create', namespace: 'hosts_test', ttlSeconds: 60, payload: { a: 1 } });
		expect(await co.nextActionsV2({ conversationId: 'c1' })).toEqual(expect.any(Array));
		expect(emu.count('co.v2.login')).toBe(1);
		expect(emu.count('co.ccs.v2')).toBe(1);
		// v1 carries LivePerson's deprecation notice.
		expect((await new OrchestratorClient(coV1()).login()).deprecation).toMatch(/30 June 2024/);
	});

	it('logs in and reports token metadata without the token', async () => {
		const info = await new OrchestratorClient(coV2()).login();
		expect(info).toMatchObject({ version: 'v2', region: 'custom', tokenType: 'Bearer' });
		expect(info.token).toBeUndefined();
		expect(info.expiresInSeconds).toBeGreaterThan(86_000);
		expect((await new OrchestratorClient(coV2()).login(true)).token).toMatch(/^ey/);
		expect(emu.count('co.v2.login')).toBe(1);
	});

	it('runs every CCS v1 operation with the maven-api-key', async () => {
		const co = new OrchestratorClient(coV1(), { accountId: ACC });
		expect(await co.ccsV1({ op: 'createNamespace', namespace: 'n8n_test', ttlSeconds: 3600 })).toEqual({ success: true });
		const names = (await co.ccsV1({ op: 'listNamespaces' })) as Array<{ name: string }>;
		expect(names.map((n) => n.name)).toContain('n8n_test');
		await co.ccsV1({ op: 'setProperties', namespace: 'n8n_test', properties: { a: 1, b: 'two' } });
		await co.ccsV1({ op: 'setProperty', namespace: 'n8n_test', property: 'c', value: { deep: [1] } });
		expect(await co.ccsV1({ op: 'getProperties', namespace: 'n8n_test' })).toEqual({ a: 1, b: 'two', c: { deep: [1] } });
		expect(await co.ccsV1({ op: 'getProperties', namespace: 'n8n_test', property: 'b' })).toBe('two');
		await co.ccsV1({ op: 'setProperties', namespace: 'n8n_test', sessionId: 'sess1', properties: { x: true } });
		expect(await co.ccsV1({ op: 'getProperties', namespace: 'n8n_test', sessionId: 'sess1' })).toEqual({ x: true });
		await co.ccsV1({ op: 'setSessionTtl', namespace: 'n8n_test', sessionId: 'sess1', ttlSeconds: 600 });
		expect(await co.ccsV1({ op: 'listSessionIds', namespace: 'n8n_test' })).toEqual(expect.arrayContaining(['sess1']));
		expect(await co.ccsV1({ op: 'listSessionProperties', namespace: 'n8n_test' })).toEqual(expect.arrayContaining([{ sessionId: 'sess1', property: { x: true } }]));
		await co.ccsV1({ op: 'deleteProperties', namespace: 'n8n_test', sessionId: 'sess1', property: 'x' });
		await co.ccsV1({ op: 'deleteProperties', namespace: 'n8n_test', property: 'a' });
		expect(await co.ccsV1({ op: 'getProperties', namespace: 'n8n_test' })).toEqual({ b: 'two', c: { deep: [1] } });
		await co.ccsV1({ op: 'deleteNamespace', namespace: 'n8n_test' });
		const bad = await rejected(new OrchestratorClient({ ...coV1(), apiKey: 'wrong-key-1234' }, { accountId: ACC }).ccsV1({ op: 'listNamespaces' }));
		expect([401, 403]).toContain(bad.status);
		expect(bad.message).not.toContain('wrong-key-1234');
	});

	it('runs CCS v2 create / get / properties / delete with access_token, and with the header', async () => {
		for (const tokenPlacement of ['query', 'header'] as const) {
			const co = new OrchestratorClient(coV2(), { accountId: ACC, tokenPlacement });
			expect(await co.ccsV2({ op: 'create', namespace: 'n8n_v2', sessionId: 's1', ttlSeconds: 600, payload: { a: 1, b: { c: 2 } } })).toMatchObject({ success: true, documentKey: `${ACC}:n8n_v2:s1` });
			expect(await co.ccsV2({ op: 'get', namespace: 'n8n_v2', sessionId: 's1' })).toMatchObject({ payload: { a: 1, b: { c: 2 } }, documentType: 'CONTEXT' });
			expect(await co.ccsV2({ op: 'getProperties', namespace: 'n8n_v2', sessionId: 's1', filter: ['a'] })).toEqual({ 'n8n_v2.a': 1 });
			expect(await co.ccsV2({ op: 'delete', namespace: 'n8n_v2', sessionId: 's1', properties: ['a'] })).toMatchObject({ success: true });
			expect(await co.ccsV2({ op: 'get', namespace: 'n8n_v2', sessionId: 's1' })).toMatchObject({ payload: { b: { c: 2 } } });
			const gone = await rejected(co.ccsV2({ op: 'get', namespace: 'n8n_v2', sessionId: 'missing' }));
			expect(gone.status).toBe(404);
		}
		expect(emu.count('co.v2.login')).toBe(1);
	});

	it('maps 413 to "document too large"', async () => {
		emu.setFault('co.ccs.v2', { status: 413, body: { message: 'document too large' }, times: 1 });
		const e = await rejected(new OrchestratorClient(coV2(), { accountId: ACC }).ccsV2({ op: 'create', namespace: 'n', ttlSeconds: 60, payload: { a: 1 } }));
		expect(e.code).toBe('CCS_DOCUMENT_TOO_LARGE');
	});

	it('gets next actions v1 (GET) and v2 (POST)', async () => {
		const v1 = (await new OrchestratorClient(coV1(), { accountId: ACC }).nextActionsV1({ conversationId: 'conv-1' })) as { rule: { actions: unknown[] } };
		expect(v1.rule.actions).toHaveLength(2);
		const v2 = (await new OrchestratorClient(coV2(), { accountId: ACC }).nextActionsV2({ conversationId: 'conv-1' })) as Array<{ type: string }>;
		expect(v2[0].type).toBe('SEND_MESSAGE');
	});

	it('a login 429 then success, after at least 5 s (LivePerson: "Login requests should be retried only after 5 seconds")', async () => {
		const slept: number[] = [];
		setRetrySleep(async (ms) => void slept.push(ms));
		try {
			emu.setFault('co.v2.login', { status: 429, retryAfter: 0, times: 1 });
			await new OrchestratorClient(coV2(), { accountId: ACC }).ccsV2({ op: 'create', namespace: 'n', ttlSeconds: 60, payload: { a: 1 } });
			expect(emu.count('co.v2.login')).toBe(2);
			expect(slept).toEqual([5_000]);
		} finally {
			setRetrySleep(undefined);
		}
	});

	it('the credential Test keeps LivePerson\'s login minimum but answers fast: one 5xx retry after 2 s', async () => {
		const slept: number[] = [];
		setRetrySleep(async (ms) => void slept.push(ms));
		try {
			emu.setFault('co.v2.login', { status: 503, body: 'busy' });
			const result = await testConversationOrchestrator(coV2() as unknown as ICredentialDataDecryptedObject);
			expect(result.status).toBe('Error');
			expect(slept).toEqual([2_000]);
			expect(emu.count('co.v2.login')).toBe(2);
		} finally {
			setRetrySleep(undefined);
		}
	});

	it('a 403 that repeats: exactly one re-login, then a clear error without the token', async () => {
		const co = new OrchestratorClient(coV2(), { accountId: ACC });
		const token = (await co.login(true)).token as string;
		emu.setFault('co.ccs.v2', { status: 403, body: { message: 'Forbidden' } });
		const e = await rejected(co.ccsV2({ op: 'get', namespace: 'n', sessionId: 's' }));
		expect(e.code).toBe('CO_TOKEN_REFUSED');
		expect(emu.count('co.v2.login')).toBe(2);
		expect(emu.count('co.ccs.v2')).toBe(2);
		noSecret(e, [token]);
	});

	it('token expiry mid-run: a new login per token lifetime, no failed call', async () => {
		const short = await startEmulator({ port: 0, config: { lifetimes: { coTokenLifetime: 2 } } });
		try {
			const co = new OrchestratorClient(coV2(short.url), { accountId: ACC });
			await co.ccsV2({ op: 'create', namespace: 'n', ttlSeconds: 600, payload: { a: 1 } });
			const until = Date.now() + 3500;
			while (Date.now() < until) {
				await co.ccsV2({ op: 'get', namespace: 'n' });
				await new Promise((r) => setTimeout(r, 100));
			}
			expect(short.count('co.v2.login')).toBeGreaterThanOrEqual(2);
			expect(short.count('co.v2.login')).toBeLessThanOrEqual(5);
		} finally {
			await short.close();
		}
	}, 20_000);

	it('gives up on a slow service at the time limit', async () => {
		emu.setFault('co.ccs.v2', { delayMs: 1500 });
		const e = await rejected(new OrchestratorClient(coV2(), { accountId: ACC, timeoutMs: 300 }).ccsV2({ op: 'get', namespace: 'n' }));
		expect(e.kind).toBe('timeout');
	});

	it('1000 calls: one login', async () => {
		const co = new OrchestratorClient(coV2(), { accountId: ACC });
		await co.ccsV2({ op: 'create', namespace: 'load', ttlSeconds: 600, payload: { a: 1 } });
		let next = 0;
		await Promise.all(
			Array.from({ length: 50 }, async () => {
				while (next < 1000) {
					next++;
					await co.ccsV2({ op: 'get', namespace: 'load' });
				}
			}),
		);
		expect(emu.count('co.ccs.v2')).toBe(1001);
		expect(emu.count('co.v2.login')).toBe(1);
	}, 60_000);
});

describe('Connect-to-Messaging', () => {
	const input = { consumerPhoneNumber: '+12065550100', handoffId: 'H123456789', skill: 'support' };

	it('checks eligibility and invites', async () => {
		const c2m = c2mClientForCredentials(c2mCreds());
		const e = await c2m.eligibility(input);
		expect(e).toMatchObject({ eligible: true, recommendedChannelName: 'sms' });
		expect(await c2m.invite({ callId: e.callId as string, overrideMessage: 'Hello' })).toEqual({ callId: e.callId });
		const err = await rejected(c2m.eligibility({ ...input, handoffId: 'H000' }));
		expect(err.code).toMatch(/^C2M_15/);
	});

	it('refuses over-long fields without calling the service', async () => {
		const c2m = c2mClientForCredentials(c2mCreds());
		await rejected(c2m.eligibility({ ...input, handoffId: 'H'.repeat(17) }));
		await rejected(c2m.invite({ callId: 'x', overrideMessage: 'm'.repeat(1601) }));
		expect(emu.count('c2m.eligibility') + emu.count('c2m.invite')).toBe(0);
	});

	it('backs off on 429 (3 retries, exponential) and then succeeds, or gives up', async () => {
		const waits: number[] = [];
		const c2m = c2mClientForCredentials(c2mCreds(), { rateLimitBaseMs: 5, onRetry: (i) => waits.push(i.delayMs) });
		emu.setFault('c2m.eligibility', { status: 429, body: { errorCode: 1029, errorMessage: 'Too many requests' }, times: 2 });
		expect((await c2m.eligibility(input)).eligible).toBe(true);
		expect(emu.count('c2m.eligibility')).toBe(3);
		expect(waits).toEqual([5, 10]);
		emu.setFault('c2m.eligibility', { status: 429, body: { errorCode: 1029, errorMessage: 'Too many requests' } });
		const e = await rejected(c2m.eligibility(input));
		expect(e.code).toBe('C2M_1029');
		expect(emu.count('c2m.eligibility')).toBe(3 + 4);
	});
});
