import { LpError, safeUrl } from '../../../lib/errors';
import type { HttpResponse } from '../../../lib/http';
import { orchestratorApiHost, orchestratorCacheKey, orchestratorStrategy } from '../../../lib/liveperson/orchestrator-auth';
import { tokenCache } from '../../../lib/auth/token-cache';
import {
	askMavenHost,
	buildCcsV1Request,
	buildCcsV2Request,
	buildNextActionsV1Request,
	buildNextActionsV2Request,
	MAX_DOCUMENT_CHARS,
	processCcsV1Response,
	processCcsV2Response,
	processNextActionsResponse,
	validateNamespace,
} from '../../../lib/liveperson/orchestrator';

const HOST = 'https://z1.context.liveperson.net';
const ACC = '12345678';

function res(status: number, body?: unknown): HttpResponse {
	const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
	return { status, headers: { 'content-type': 'application/json' }, body: Buffer.from(text), attempts: 1 };
}
function thrown(fn: () => unknown): LpError {
	try {
		fn();
	} catch (error) {
		expect(error).toBeInstanceOf(LpError);
		return error as LpError;
	}
	throw new Error('expected an error');
}

describe('CCS v1 requests', () => {
	it('builds every documented path', () => {
		const b = (op: Parameters<typeof buildCcsV1Request>[2]) => buildCcsV1Request(HOST, ACC, op);
		expect(b({ op: 'listNamespaces' })).toMatchObject({ method: 'GET', url: `${HOST}/v1/account/${ACC}` });
		expect(b({ op: 'createNamespace', namespace: 'myNs', ttlSeconds: 3600 })).toMatchObject({ method: 'POST', url: `${HOST}/v1/account/${ACC}?ttlSecond=3600`, body: '{"name":"myNs"}' });
		expect(b({ op: 'deleteNamespace', namespace: 'myNs' })).toMatchObject({ method: 'DELETE', url: `${HOST}/v1/account/${ACC}/myNs` });
		expect(b({ op: 'setProperties', namespace: 'myNs', properties: { a: 1 } })).toMatchObject({ method: 'PATCH', url: `${HOST}/v1/account/${ACC}/myNs/properties`, body: '{"a":1}' });
		expect(b({ op: 'setProperties', namespace: 'myNs', sessionId: 's 1', properties: { a: 1 } }).url).toBe(`${HOST}/v1/account/${ACC}/myNs/s%201/properties`);
		expect(b({ op: 'setProperty', namespace: 'myNs', property: 'p/x', value: { deep: true } })).toMatchObject({ method: 'PUT', url: `${HOST}/v1/account/${ACC}/myNs/properties/p%2Fx`, body: '{"deep":true}' });
		expect(b({ op: 'getProperties', namespace: 'myNs', sessionId: 's1', property: 'p' }).url).toBe(`${HOST}/v1/account/${ACC}/myNs/s1/properties/p`);
		expect(b({ op: 'deleteProperties', namespace: 'myNs', sessionId: 's1' })).toMatchObject({ method: 'DELETE', url: `${HOST}/v1/account/${ACC}/myNs/s1/properties` });
		expect(b({ op: 'listSessionIds', namespace: 'myNs' }).url).toBe(`${HOST}/v1/account/${ACC}/myNs/session-ids?page=0&perPage=100`);
		expect(b({ op: 'listSessionProperties', namespace: 'myNs', page: 2, perPage: 10 }).url).toBe(`${HOST}/v1/account/${ACC}/myNs/session-properties?page=2&perPage=10`);
		expect(b({ op: 'setSessionTtl', namespace: 'myNs', sessionId: 's1', ttlSeconds: 60 })).toMatchObject({ method: 'POST', url: `${HOST}/v1/account/${ACC}/namespace/myNs/session?ttlSecond=60`, body: '{"sessionId":"s1"}' });
	});

	it('validates namespaces, reserved names, TTLs and sizes', () => {
		expect(validateNamespace('a_B9')).toBe('a_B9');
		expect(thrown(() => validateNamespace('my-ns')).code).toBe('CCS_NAMESPACE_INVALID');
		expect(thrown(() => validateNamespace('../x')).code).toBe('CCS_NAMESPACE_INVALID');
		expect(thrown(() => buildCcsV1Request(HOST, ACC, { op: 'createNamespace', namespace: 'faas' })).code).toBe('CCS_NAMESPACE_RESERVED');
		expect(thrown(() => buildCcsV1Request(HOST, ACC, { op: 'setSessionTtl', namespace: 'n', sessionId: 's', ttlSeconds: -1 })).code).toBe('CCS_TTL_INVALID');
		expect(thrown(() => buildCcsV1Request(HOST, ACC, { op: 'deleteProperties', namespace: 'n' })).code).toBe('CCS_PROPERTY_REQUIRED');
		const big = { blob: 'x'.repeat(MAX_DOCUMENT_CHARS) };
		expect(thrown(() => buildCcsV1Request(HOST, ACC, { op: 'setProperties', namespace: 'n', properties: big })).code).toBe('CCS_DOCUMENT_TOO_LARGE');
	});

	it('reads answers: 204 → success, JSON values, 413 → document too large, 404 with a hint', () => {
		const op = { op: 'getProperties', namespace: 'n' } as const;
		expect(processCcsV1Response(res(204), op)).toEqual({ success: true });
		expect(processCcsV1Response(res(200, { a: 1 }), op)).toEqual({ a: 1 });
		expect(processCcsV1Response(res(200, '42'), op)).toBe(42);
		const e = thrown(() => processCcsV1Response(res(413, 'too big'), op));
		expect(e.code).toBe('CCS_DOCUMENT_TOO_LARGE');
		expect(e.message).toMatch(/document too large/);
		expect(thrown(() => processCcsV1Response(res(404, {}), op)).hint).toMatch(/namespace/);
		expect(thrown(() => processCcsV1Response(res(401, {}), op)).hint).toMatch(/API key/);
	});
});

describe('CCS v2 requests', () => {
	it('builds create / get / properties / delete', () => {
		const create = buildCcsV2Request(HOST, { op: 'create', accountId: ACC, namespace: 'ns', sessionId: 's1', ttlSeconds: 600, payload: { a: 1 } });
		expect(create).toMatchObject({ method: 'POST', url: `${HOST}/v2/context/document/create` });
		expect(JSON.parse(create.body as string)).toEqual({ accountId: ACC, nameSpace: 'ns', sessionId: 's1', ttlSeconds: 600, payload: { a: 1 } });
		expect(buildCcsV2Request(HOST, { op: 'get', accountId: ACC, namespace: 'ns' }).url).toBe(`${HOST}/v2/context/document/${ACC}/ns`);
		expect(buildCcsV2Request(HOST, { op: 'get', accountId: ACC, namespace: 'ns', sessionId: 's1' }).url).toBe(`${HOST}/v2/context/document/${ACC}/ns/s1`);
		const props = buildCcsV2Request(HOST, { op: 'getProperties', accountId: ACC, namespace: 'ns', filter: ['a', 'ns.b'] });
		expect(JSON.parse(props.body as string)).toEqual({ accountId: ACC, nameSpace: 'ns', filter: ['ns.a', 'ns.b'] });
		const del = buildCcsV2Request(HOST, { op: 'delete', accountId: ACC, namespace: 'ns', properties: ['a'] });
		expect(del).toMatchObject({ method: 'DELETE', url: `${HOST}/v2/context/document/property/delete` });
		expect(JSON.parse(del.body as string)).toEqual({ accountId: ACC, nameSpace: 'ns', propertyToDelete: ['a'] });
	});

	it('requires a TTL within 13 months and an object payload', () => {
		expect(thrown(() => buildCcsV2Request(HOST, { op: 'create', accountId: ACC, namespace: 'ns', ttlSeconds: '', payload: {} })).code).toBe('CCS_TTL_EMPTY');
		expect(thrown(() => buildCcsV2Request(HOST, { op: 'create', accountId: ACC, namespace: 'ns', ttlSeconds: 10 ** 9, payload: {} })).code).toBe('CCS_TTL_TOO_LONG');
		expect(thrown(() => buildCcsV2Request(HOST, { op: 'create', accountId: ACC, namespace: 'ns', ttlSeconds: 1, payload: [] as unknown as Record<string, unknown> })).code).toBe('CCS_PAYLOAD');
	});

	it('reads answers and maps success:false', () => {
		const op = { op: 'create', accountId: ACC, namespace: 'ns', ttlSeconds: 1, payload: {} } as const;
		expect(processCcsV2Response(res(201, { documentKey: `${ACC}:ns:s`, success: true }), op)).toMatchObject({ success: true });
		expect(thrown(() => processCcsV2Response(res(200, { success: false }), op)).code).toBe('CCS_NOT_SUCCESSFUL');
		expect(thrown(() => processCcsV2Response(res(413), op)).code).toBe('CCS_DOCUMENT_TOO_LARGE');
	});
});

describe('hosts', () => {
	it('takes each host from its page: login and CCS v2 on ccs, CCS v1 and Next Actions v2 on context, v1 Next Actions on askmaven', () => {
		expect(orchestratorApiHost({ region: 'americas' }, 'login')).toBe('https://z1.ccs.liveperson.net');
		expect(orchestratorApiHost({ region: 'emea' }, 'ccsV2')).toBe('https://z2.ccs.liveperson.net');
		expect(orchestratorApiHost({ region: 'apac' }, 'ccsV1')).toBe('https://z3.context.liveperson.net');
		expect(orchestratorApiHost({ region: 'apac' }, 'nextActionsV2')).toBe('https://z3.context.liveperson.net');
		expect(orchestratorApiHost({ region: 'americas' }, 'nextActionsV1')).toBe('https://z1.askmaven.liveperson.net');
		// Overrides: Login Host for the login only, API Host for every data API; Custom Host for all.
		const creds = { region: 'americas', loginHost: 'z1.context.liveperson.net', apiHost: 'http://127.0.0.1:9/base/' };
		expect(orchestratorApiHost(creds, 'login')).toBe('https://z1.context.liveperson.net');
		expect(orchestratorApiHost(creds, 'ccsV2')).toBe('http://127.0.0.1:9/base');
		expect(orchestratorApiHost(creds, 'nextActionsV1')).toBe('http://127.0.0.1:9/base');
		expect(orchestratorApiHost({ region: 'custom', customHost: 'http://127.0.0.1:8' }, 'login')).toBe('http://127.0.0.1:8');
		expect(thrown(() => orchestratorApiHost({ region: 'americas', loginHost: 'ftp://x' }, 'login')).field).toBe('loginHost');
		expect(thrown(() => orchestratorApiHost({ region: 'americas', apiHost: 'https://x/?q=1' }, 'ccsV1')).field).toBe('apiHost');
	});
});

describe('Next Actions', () => {
	it('builds v1 GET on askmaven and v2 POST', () => {
		expect(askMavenHost('emea')).toBe('https://z2.askmaven.liveperson.net');
		expect(askMavenHost('custom', 'http://127.0.0.1:9')).toBe('http://127.0.0.1:9');
		const v1 = buildNextActionsV1Request('https://z1.askmaven.liveperson.net', { accountId: ACC, conversationId: 'c 1', groupId: 'g' });
		expect(v1).toMatchObject({ method: 'GET', url: `https://z1.askmaven.liveperson.net/v1/account/${ACC}/next-actions?conversationId=c+1&groupId=g` });
		expect(thrown(() => buildNextActionsV1Request(HOST, { accountId: ACC })).code).toBe('NEXT_ACTIONS_EMPTY');
		const v2 = buildNextActionsV2Request(HOST, { accountId: ACC, conversationId: 'c1', lpToken: 'lp-secret-bearer' });
		expect(v2).toMatchObject({ method: 'POST', url: `${HOST}/v2/policy/nextaction` });
		expect(JSON.parse(v2.body as string)).toEqual({ accountId: ACC, conversationId: 'c1', lpToken: 'Bearer lp-secret-bearer' });
		expect(v2.secrets).toContain('lp-secret-bearer');
		expect(processNextActionsResponse(res(200, [{ type: 'SEND_MESSAGE', payload: { message: 'hi' } }]), 'v2')).toHaveLength(1);
	});
});

describe('auth placement (orchestratorStrategy)', () => {
	const creds = { region: 'custom', customHost: HOST, apiVersion: 'v2', userId: 'placement-user', password: 'placement-password' };
	const url = new URL(buildCcsV2Request(HOST, { op: 'get', accountId: ACC, namespace: 'ns' }).url);
	const sign = { method: 'GET', url, headers: {} };
	beforeAll(async () => {
		// The cached login token of this credential (no network in unit tests).
		await tokenCache.get(orchestratorCacheKey(creds), async () => ({ value: 'tok-secret-123', expiresAt: Infinity }));
	});
	afterAll(() => tokenCache.clear());

	it('puts the v2 token in access_token by default, never printed by safeUrl; a 403 is the refusal', async () => {
		const strategy = orchestratorStrategy(creds);
		const applied = await strategy.apply(sign);
		expect(applied.query).toEqual({ access_token: 'tok-secret-123' });
		expect(applied.headers).toBeUndefined();
		expect(applied.used).toBe('tok-secret-123');
		const withToken = new URL(url);
		withToken.searchParams.set('access_token', 'tok-secret-123');
		expect(safeUrl(withToken)).not.toContain('tok-secret-123');
		expect(strategy.isRejected?.({ status: 403, headers: {} })).toBe(true);
		expect(strategy.isRejected?.({ status: 401, headers: {} })).toBe(false);
		expect(strategy.secrets()).toContain('placement-password');
	});

	it('or in the Authorization header; v1 uses maven-api-key', async () => {
		const header = await orchestratorStrategy(creds, 'header').apply(sign);
		expect(header.query).toBeUndefined();
		expect(header.headers?.authorization).toBe('Bearer tok-secret-123');
		const v1 = orchestratorStrategy({ region: 'custom', customHost: HOST, apiVersion: 'v1', apiKey: 'k-secret' });
		expect((await v1.apply(sign)).headers?.['maven-api-key']).toBe('k-secret');
		expect(v1.invalidate).toBeUndefined();
		expect(v1.secrets()).toContain('k-secret');
	});
});
