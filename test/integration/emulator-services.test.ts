/**
 * The emulator's Conversation Orchestrator (CCS v1/v2, Next Actions v1/v2) and Connect-to-Messaging
 * routes over real HTTP.
 */
import { generateKeyPairSync } from 'node:crypto';
import { request } from 'undici';
import { buildGoogleAssertion, GOOGLE_DEFAULT_SCOPE, JWT_BEARER_GRANT, parseServiceAccountJson } from '../../lib/auth/nlu';
import { credentialTests } from '../../nodes/shared/credentialTests';
import { startEmulator } from '../../sandbox/emulator/index';
import type { Emulator } from '../../sandbox/emulator/index';

// Generous hook/test limit: start-up makes RSA keys, which is slow on a loaded machine.
jest.setTimeout(20_000);

const ACC = '12345678';
let emu: Emulator;

async function call(method: string, path: string, opts: { headers?: Record<string, string>; body?: unknown } = {}) {
	const body = opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
	const headers = { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...opts.headers };
	const res = await request(`${emu.url}${path}`, { method: method as 'GET', headers, body });
	const text = await res.body.text();
	let json: any;
	try {
		json = text ? JSON.parse(text) : undefined;
	} catch {
		json = undefined;
	}
	return { status: res.statusCode, headers: res.headers, text, json };
}

const basic = (u: string, p: string) => 'Basic ' + Buffer.from(`${u}:${p}`).toString('base64');
const coToken = async () => (await call('POST', '/v2/authenticate/login', { headers: { authorization: basic('sandbox-co-user', 'Sandbox-CO-Passw0rd!') } })).json.access_token as string;
const sentinel = async () =>
	(
		await call('POST', `/sentinel/api/v2/account/${ACC}/app/token`, {
			headers: { 'content-type': 'application/x-www-form-urlencoded' },
			body: 'client_id=sandbox-client&client_secret=sandbox-client-secret&grant_type=client_credentials',
		})
	).json.access_token as string;

beforeAll(async () => {
	emu = await startEmulator({ port: 0 });
});
afterAll(() => emu.close());
beforeEach(() => emu.reset());

describe('CCS v1 (maven-api-key)', () => {
	const key = { 'maven-api-key': 'sandbox-maven-api-key' };
	const v1 = (method: string, path: string, body?: unknown) => call(method, `/v1/account/${ACC}${path}`, { headers: key, body });

	it('creates, lists and deletes namespaces; rejects a wrong key and bad names', async () => {
		expect((await call('GET', `/v1/account/${ACC}`, { headers: { 'maven-api-key': 'wrong' } })).status).toBe(401);
		expect((await call('GET', `/v1/account/${ACC}`)).status).toBe(401);
		expect((await v1('POST', '', { name: 'my_ns' })).status).toBe(204);
		expect((await v1('POST', '', { name: 'bad-name' })).status).toBe(400);
		expect((await v1('POST', '', { name: 'consumer' })).status).toBe(400);
		const list = await v1('GET', '');
		expect(list.json.map((n: any) => n.name)).toEqual(['my_ns']);
		expect(typeof list.json[0].createdAt).toBe('string');
		expect((await v1('DELETE', '/my_ns')).status).toBe(204);
		expect((await v1('GET', '')).json).toEqual([]);
		expect((await v1('PATCH', '/my_ns/properties', { a: 1 })).status).toBe(404);
	});

	it('writes and reads namespace and session properties', async () => {
		await v1('POST', '', { name: 'shop' });
		expect((await v1('PATCH', '/shop/properties', { a: 1, b: 'x' })).status).toBe(204);
		expect((await v1('PUT', '/shop/properties/c', { deep: [1, 2] })).status).toBe(204);
		expect((await v1('GET', '/shop/properties')).json).toEqual({ a: 1, b: 'x', c: { deep: [1, 2] } });
		expect((await v1('GET', '/shop/properties/c')).json).toEqual({ deep: [1, 2] });
		expect((await v1('GET', '/shop/properties/missing')).status).toBe(404);
		expect((await v1('PATCH', '/shop/sess1/properties', { cart: 3 })).status).toBe(204);
		expect((await v1('PUT', '/shop/sess1/properties/name', '"Ann"')).status).toBe(204);
		expect((await v1('GET', '/shop/sess1/properties')).json).toEqual({ cart: 3, name: 'Ann' });
		expect((await v1('GET', '/shop/sess1/properties/name')).json).toBe('Ann');
		expect((await v1('GET', '/shop/session-ids?page=0&perPage=100')).json).toEqual(['__default__', 'sess1']);
		expect((await v1('GET', '/shop/session-properties?page=0&perPage=1')).json).toEqual([{ sessionId: '__default__', property: { a: 1, b: 'x', c: { deep: [1, 2] } } }]);
		expect((await v1('DELETE', '/shop/sess1/properties/cart')).status).toBe(204);
		expect((await v1('GET', '/shop/sess1/properties')).json).toEqual({ name: 'Ann' });
		expect((await v1('DELETE', '/shop/properties/a')).status).toBe(204);
		expect((await v1('DELETE', '/shop/sess1/properties')).status).toBe(204);
		expect((await v1('GET', '/shop/session-ids')).json).toEqual(['__default__']);
		expect((await v1('PATCH', '/consumer/s/properties', { reserved: true })).status).toBe(204);
		expect(emu.count('co.ccs.v1')).toBe(18);
	});

	it('expires sessions created with ttlSecond', async () => {
		await v1('POST', '', { name: 'short' });
		expect((await call('POST', `/v1/account/${ACC}/namespace/short/session?ttlSecond=1`, { headers: key, body: { sessionId: 's1' } })).status).toBe(204);
		await v1('PATCH', '/short/s1/properties', { a: 1 });
		expect((await v1('GET', '/short/s1/properties')).json).toEqual({ a: 1 });
		await new Promise((r) => setTimeout(r, 1100));
		expect((await v1('GET', '/short/s1/properties')).json).toEqual({});
	});
});

describe('CCS v2 (access token)', () => {
	it('creates, reads, filters and deletes documents with ?access_token= or Bearer; 403 without a valid token', async () => {
		const token = await coToken();
		const q = `?access_token=${token}`;
		expect((await call('POST', '/v2/context/document/create', { body: { accountId: ACC, nameSpace: 'ns2', payload: {} } })).status).toBe(403);
		expect((await call('POST', '/v2/context/document/create?access_token=forged', { body: { accountId: ACC, nameSpace: 'ns2', payload: {} } })).status).toBe(403);
		const created = await call('POST', `/v2/context/document/create${q}`, {
			body: { accountId: ACC, nameSpace: 'ns2', sessionId: 's9', ttlSeconds: 3600, payload: { a: 1, nested: { b: 2 } } },
		});
		expect(created.status).toBe(201);
		expect(created.json).toEqual({ documentKey: `${ACC}:ns2:s9`, tenantId: ACC, success: true });
		const doc = await call('GET', `/v2/context/document/${ACC}/ns2/s9`, { headers: { authorization: `Bearer ${token}` } });
		expect(doc.json).toMatchObject({ accountId: ACC, documentKey: `${ACC}:ns2:s9`, documentType: 'CONTEXT', nameSpace: 'ns2', payload: { a: 1, nested: { b: 2 } }, sessionId: 's9', tenantId: ACC });
		expect(Number.isNaN(Date.parse(doc.json.ttl))).toBe(false);
		const props = await call('POST', `/v2/context/document/properties${q}`, { body: { accountId: ACC, nameSpace: 'ns2', sessionId: 's9', filter: ['ns2.a', 'ns2.nested.b', 'ns2.none'] } });
		expect(props.json).toEqual({ 'ns2.a': 1, 'ns2.nested.b': 2 });
		const del = await call('DELETE', `/v2/context/document/property/delete${q}`, { body: { accountId: ACC, nameSpace: 'ns2', sessionId: 's9', propertyToDelete: ['a'] } });
		expect(del.json).toEqual({ documentKey: `${ACC}:ns2:s9`, tenantId: ACC, success: true });
		expect((await call('GET', `/v2/context/document/${ACC}/ns2/s9${q}`)).json.payload).toEqual({ nested: { b: 2 } });
		expect((await call('DELETE', `/v2/context/document/delete${q}`, { body: { accountId: ACC, nameSpace: 'ns2', sessionId: 's9' } })).status).toBe(200);
		expect((await call('GET', `/v2/context/document/${ACC}/ns2/s9${q}`)).status).toBe(404);
		const big = await call('POST', `/v2/context/document/create${q}`, { body: { accountId: ACC, nameSpace: 'ns2', payload: { big: 'x'.repeat(800_001) } } });
		expect(big.status).toBe(413);
		expect((await call('POST', `/v2/context/document/create${q}`, { body: { accountId: ACC, nameSpace: 'bad-ns', payload: {} } })).status).toBe(400);
	});

	it('v1 writes are visible to v2 in session __default__', async () => {
		await call('POST', `/v1/account/${ACC}`, { headers: { 'maven-api-key': 'sandbox-maven-api-key' }, body: { name: 'shared' } });
		await call('PATCH', `/v1/account/${ACC}/shared/properties`, { headers: { 'maven-api-key': 'sandbox-maven-api-key' }, body: { k: 'v' } });
		const doc = await call('GET', `/v2/context/document/${ACC}/shared?access_token=${await coToken()}`);
		expect(doc.json).toMatchObject({ sessionId: '__default__', payload: { k: 'v' } });
	});
});

describe('Next Actions', () => {
	it('v1 with maven-api-key and v2 with a token', async () => {
		const v1 = await call('GET', `/v1/account/${ACC}/next-actions?conversationId=c1&consumerId=u1&groupId=g1`, { headers: { 'maven-api-key': 'sandbox-maven-api-key' } });
		expect(v1.status).toBe(200);
		expect(v1.json.rule.actions.map((a: any) => a.type)).toEqual(['TRANSFER_TO_AGENT', 'SEND_MESSAGE']);
		expect(emu.count('co.nextActions.v1')).toBe(1);
		expect(emu.count('co.ccs.v1')).toBe(0);
		expect((await call('GET', `/v1/account/${ACC}/next-actions`)).status).toBe(401);
		const v2 = await call('POST', `/v2/policy/nextaction?access_token=${await coToken()}`, { body: { accountId: ACC, conversationId: 'c1' } });
		expect(v2.json).toEqual([{ type: 'SEND_MESSAGE', payload: { message: 'Hello from the sandbox policy' } }]);
		expect((await call('POST', '/v2/policy/nextaction', { body: { accountId: ACC } })).status).toBe(403);
	});
});

describe('Connect-to-Messaging', () => {
	const good = { consumerPhoneNumber: '+12065551234', handoffId: 'H123456789', skill: 'support' };
	it('eligibility then invite with a Sentinel token', async () => {
		const auth = { authorization: `Bearer ${await sentinel()}` };
		const el = await call('POST', `/api/account/${ACC}/eligibility?v=2.0`, { headers: auth, body: good });
		expect(el.status).toBe(200);
		expect(el.json).toMatchObject({ availableChannels: ['sms', 'wa'], recommendedChannelName: 'sms', eligible: true });
		expect(el.json.callId).toMatch(/^[0-9a-f-]{36}$/);
		const inv = await call('POST', `/api/account/${ACC}/invite?v=2.0`, { headers: auth, body: { callId: el.json.callId, overrideMessage: 'hi', overrideChannel: 'wa' } });
		expect(inv.status).toBe(200);
		expect(inv.json).toEqual({ callId: el.json.callId });
		expect(emu.counts()).toMatchObject({ 'c2m.eligibility': 1, 'c2m.invite': 1 });
	});
	it('validates as documented and answers {errorCode, errorMessage}', async () => {
		const auth = { authorization: `Bearer ${await sentinel()}` };
		const el = (body: unknown, headers: Record<string, string> = auth, v = '2.0') => call('POST', `/api/account/${ACC}/eligibility?v=${v}`, { headers, body });
		const code = async (p: Promise<{ status: number; json: any }>) => {
			const r = await p;
			return [r.status, r.json.errorCode];
		};
		expect(await code(el(good, {}))).toEqual([401, 1100]);
		expect(await code(el(good, { authorization: 'Bearer forged' }))).toEqual([401, 1100]);
		expect(await code(el(good, auth, '1.0'))).toEqual([400, 1002]);
		expect(await code(el({ ...good, consumerPhoneNumber: '+1234567890123456' }))).toEqual([400, 1001]);
		expect(await code(el({ ...good, consumerPhoneNumber: 'abc' }))).toEqual([400, 1001]);
		// E.164 needs the leading "+"; skill is required.
		expect(await code(el({ ...good, consumerPhoneNumber: '12065551234' }))).toEqual([400, 1001]);
		expect(await code(el({ ...good, skill: undefined }))).toEqual([400, 1000]);
		expect(await code(el({ ...good, handoffId: 'H'.repeat(17) }))).toEqual([400, 1000]);
		expect(await code(el({ ...good, skill: 's'.repeat(256) }))).toEqual([400, 1000]);
		expect(await code(el({ ...good, handoffId: 'H0' }))).toEqual([400, 1500]);
		expect(await code(el({ ...good, skill: 'nope' }))).toEqual([400, 1300]);
		expect(await code(el('not json'))).toEqual([400, 1000]);
		expect(await code(call('POST', `/api/account/${ACC}/eligibility?v=2.0`, { headers: { ...auth, 'content-type': 'text/plain' }, body: 'x' }))).toEqual([415, 1015]);
		expect(await code(call('GET', `/api/account/${ACC}/eligibility?v=2.0`, { headers: auth }))).toEqual([405, 1005]);
		const ok = await el(good);
		const inv = (body: unknown) => call('POST', `/api/account/${ACC}/invite?v=2.0`, { headers: auth, body });
		// Documented: 1900 "Overridden channel is not available", 1901 "No engagement provided for the overridden skill".
		expect(await code(inv({ callId: ok.json.callId, overrideChannel: 'fax' }))).toEqual([400, 1900]);
		expect(await code(inv({ callId: ok.json.callId, overrideSkill: 'no-such-skill' }))).toEqual([400, 1901]);
		expect(await code(inv({ callId: ok.json.callId, overrideMessage: 'm'.repeat(1601) }))).toEqual([400, 1000]);
		expect((await inv({ callId: ok.json.callId, overrideChannel: 'twilio', overrideSkill: 'sales' })).status).toBe(200);
		expect(await code(inv({ callId: 'unknown' }))).toEqual([400, 1000]);
		expect((await inv({ callId: ok.json.callId, overrideMessage: 'm'.repeat(1600) })).status).toBe(200);
	});
});

describe('emulated Google token endpoint (third-party NLU, Dialogflow service account)', () => {
	const saUrl = () => `${emu.url}/__emulator/google-service-account.json`;
	const nlu = (serviceAccountJson: string) => ({ provider: 'dialogflow', serviceAccountJson, allowedInternalNetworks: 'loopback' });

	it("accepts the service account it made (the credential's Test gets a token) and refuses a forged, expired or misaddressed assertion", async () => {
		const keyFile = (await (await request(saUrl())).body.json()) as Record<string, string>;
		expect(keyFile).toMatchObject({ type: 'service_account', client_email: emu.googleClientEmail, token_uri: `${emu.url}/google/token` });
		const ok = await credentialTests.livePersonNluApiTest.call({} as never, { id: '1', name: 'n', type: 'livePersonNluApi', data: nlu(JSON.stringify(keyFile)) } as never);
		expect(ok).toMatchObject({ status: 'OK' });
		expect(emu.count('google.token')).toBe(1);

		const sa = parseServiceAccountJson(JSON.stringify(keyFile));
		const post = async (assertion: string, grant = JWT_BEARER_GRANT) => {
			const res = await request(`${emu.url}/google/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: grant, assertion }).toString() });
			return { status: res.statusCode, json: (await res.body.json()) as Record<string, string> };
		};
		const good = await post(await buildGoogleAssertion(sa, GOOGLE_DEFAULT_SCOPE));
		expect(good.status).toBe(200);
		expect(good.json).toMatchObject({ token_type: 'Bearer', expires_in: 3599, access_token: expect.stringMatching(/^ya29\./) });
		// Signed by another key.
		const other = parseServiceAccountJson(JSON.stringify({ ...keyFile, private_key: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() }));
		expect(await post(await buildGoogleAssertion(other, GOOGLE_DEFAULT_SCOPE))).toEqual({ status: 400, json: { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' } });
		// Expired (made two hours ago), and addressed to Google rather than this endpoint, and another issuer.
		const expired = await post(await buildGoogleAssertion(sa, GOOGLE_DEFAULT_SCOPE, Date.now() - 2 * 3600_000));
		expect([expired.status, expired.json.error, expired.json.error_description]).toEqual([400, 'invalid_grant', expect.stringMatching(/short-lived/)]);
		const toGoogle = await post(await buildGoogleAssertion({ ...sa, tokenUri: 'https://oauth2.googleapis.com/token' }, GOOGLE_DEFAULT_SCOPE));
		expect([toGoogle.status, toGoogle.json.error]).toEqual([400, 'invalid_grant']);
		const otherIssuer = await post(await buildGoogleAssertion({ ...sa, clientEmail: 'someone@else.iam.gserviceaccount.com' }, GOOGLE_DEFAULT_SCOPE));
		// Google's error table: "Invalid email or User ID"; no scope is invalid_scope.
		expect(otherIssuer).toEqual({ status: 400, json: { error: 'invalid_grant', error_description: 'Invalid email or User ID' } });
		expect(await post(await buildGoogleAssertion(sa, ''))).toEqual({ status: 400, json: { error: 'invalid_scope', error_description: 'Invalid OAuth scope or ID token audience provided.' } });
		expect((await post('x', 'client_credentials')).json.error).toBe('unsupported_grant_type');
	});

	it('given a key file, accepts that account and serves no key file', async () => {
		const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
		const keyFile = { type: 'service_account', client_email: 'given@lp-test.iam.gserviceaccount.com', private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
		const given = await startEmulator({ port: 0, googleServiceAccountJson: JSON.stringify(keyFile) });
		try {
			expect((await request(`${given.url}/__emulator/google-service-account.json`)).statusCode).toBe(404);
			const data = nlu(JSON.stringify({ ...keyFile, token_uri: `${given.url}/google/token` }));
			const ok = await credentialTests.livePersonNluApiTest.call({} as never, { id: '1', name: 'n', type: 'livePersonNluApi', data } as never);
			expect(ok).toMatchObject({ status: 'OK' });
			expect(given.googleClientEmail).toBe(keyFile.client_email);
		} finally {
			await given.close();
		}
	});
});
