/**
 * The LivePerson Bot Trigger node's webhook() behind a real HTTP server that plays the part of n8n's Express
 * server (path parameters, parsed JSON body, "responseNode": the workflow's answer is written later, or never),
 * called through n8n-core's own WebhookContext (both pinned versions, test/engine/engine.ts `webhook()`), with
 * Sentinel-style tokens checked against a key set served on 127.0.0.1:
 * state and environments answered without a run; a refused call gets 401 and no workflow data; a bad
 * body gets 400 naming the field; PUT keeps SDES/context that the next event's item carries; a retried
 * event gets the first answer without a run; no answer from the workflow → the fallback.
 * The same bot behind a real n8n server (Bot Trigger → Bot Reply): test/e2e/liveperson-bot.e2e.test.ts.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync } from 'node:crypto';
import * as jose from 'jose';
import type { IDataObject } from 'n8n-workflow';
import { INSTALL_TIMEOUT_MS } from '../e2e/harness';
import { createEngine, ENGINE_VERSIONS, type Engine } from './engine';

const key = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ACC = '12345678';
let jwks: http.Server;
let bot: http.Server;
let base = '';
let jwksUrl = '';
/** The engine whose WebhookContext the server hands each call to (one per pinned version, below). */
let n8n: Engine;
let runs: IDataObject[] = [];
/** What "the workflow" answers for a text (undefined: nothing, like a workflow without a reply node). */
let workflowAnswer: (text: string) => unknown = (text) => ({ response: [{ type: 'TEXT', data: { message: `echo ${text}` } }], analytics: { intents: [] } });

const params: Record<string, unknown> = {
	botId: 'b1',
	environments: 'draft, prod',
	botState: 'online',
	version: '2.1.0',
	fallbackAction: 'transfer',
	fallbackSkill: 'backup',
	fallbackMessage: 'One moment.',
	options: { replyTimeoutSeconds: 2 },
};

/** n8n's dynamic path matching for the four routes (see the node's webhook descriptions). */
function match(method: string, path: string): Record<string, string> | undefined {
	const m = /^\/v1\/bots\/b1\/environments(?:\/([^/]+)(?:\/(state)|\/conversations\/([^/]+)(\/events)?)?)?$/.exec(path);
	if (!m) return undefined;
	const [, environment, state, convId, events] = m;
	if (method === 'GET' && !environment) return {};
	if (method === 'GET' && state) return { environment };
	if (method === 'PUT' && convId && !events) return { environment, convId };
	if (method === 'POST' && convId && events) return { environment, convId };
	return undefined;
}

beforeAll(async () => {
	jwks = http.createServer((_req, res) => {
		res.writeHead(200, { 'content-type': 'application/json' });
		res.end(JSON.stringify({ keys: [{ ...key.publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'RS256' }] }));
	});
	await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', () => r()));
	jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks`;
	bot = http.createServer(async (req, res) => {
		const chunks: Buffer[] = [];
		for await (const c of req) chunks.push(c as Buffer);
		const text = Buffer.concat(chunks).toString('utf8');
		const path = new URL(req.url ?? '/', 'http://x').pathname;
		const pathParams = match(req.method ?? '', path);
		if (!pathParams) {
			res.writeHead(404);
			res.end();
			return;
		}
		let body: unknown;
		try {
			body = text ? JSON.parse(text) : undefined;
		} catch {
			body = text;
		}
		// What n8n's Express server hands the webhook: the request with its parsed body and path parameters.
		const { result: out } = await n8n.webhook({
			type: 'livePersonBotTrigger',
			parameters: params,
			credentials: { livePersonBotApi: { accountIds: ACC, jwksUrl, allowedInternalNetworks: 'loopback' } },
			workflowId: 'bot-wf',
			request: Object.assign(req, { body, params: pathParams }) as never,
			response: res,
		});
		if (out.workflowData) {
			const item = out.workflowData[0][0].json;
			runs.push(item as IDataObject);
			const answer = workflowAnswer(String(item.text));
			// Like n8n with "responseNode": the reply node's body, or an empty 200 when none ran.
			setTimeout(() => {
				if (answer === undefined) {
					res.statusCode = 200;
					res.end();
				} else {
					const json = JSON.stringify(answer);
					res.setHeader('content-type', 'application/json');
					res.end(json);
				}
			}, 5);
		}
	});
	await new Promise<void>((r) => bot.listen(0, '127.0.0.1', () => r()));
	base = `http://127.0.0.1:${(bot.address() as AddressInfo).port}/v1/bots/b1/environments`;
});
afterAll(async () => {
	await new Promise<void>((r) => bot.close(() => r()));
	await new Promise<void>((r) => jwks.close(() => r()));
});
beforeEach(() => {
	runs = [];
});

const token = (claims: jose.JWTPayload = {}, aud = ACC) =>
	new jose.SignJWT({ scope: 'thirdpartybots.customendpoint.bot', ...claims }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer('Sentinel').setAudience(aud).setExpirationTime('10m').sign(key.privateKey);

async function call(method: string, path: string, body?: unknown, auth?: string) {
	const res = await fetch(base + path, {
		method,
		headers: { authorization: auth ?? `Bearer ${await token()}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	const text = await res.text();
	return { status: res.status, json: text ? (JSON.parse(text) as any) : undefined, header: (n: string) => res.headers.get(n) };
}

describe.each(ENGINE_VERSIONS)('LivePerson Bot Trigger webhook() in n8n %s', (version) => {
	beforeAll(async () => {
		// One long-running n8n (n8n start): conversations, retries and leases live as long as the process.
		n8n = await createEngine(version, { moduleScope: 'instance' });
		workflowAnswer = (text) => ({ response: [{ type: 'TEXT', data: { message: `echo ${text}` } }], analytics: { intents: [] } });
	}, INSTALL_TIMEOUT_MS);
	afterAll(() => n8n?.close());

	test('environments and state are answered by the node; nothing runs', async () => {
		expect(await call('GET', '')).toMatchObject({ status: 200, json: ['draft', 'prod'] });
		expect(await call('GET', '/prod/state')).toMatchObject({ status: 200, json: { state: 'online', version: '2.1.0' } });
		expect((await call('GET', '/staging/state')).status).toBe(404);
		expect(runs).toEqual([]);
	});

	test('a refused call: 401 with a Bearer challenge and no run', async () => {
		const event = { type: 'TEXT', data: { message: 'hi' }, context: { lpEvent: { sequence: 1 } } };
		for (const auth of ['', `Bearer ${await token({}, '999')}`, `Bearer ${await token({ scope: 'other' })}`]) {
			const r = await call('POST', '/draft/conversations/c0/events', event, auth);
			expect(r.status).toBe(401);
			expect(r.header('www-authenticate')).toMatch(/^Bearer/);
		}
		expect(runs).toEqual([]);
	});

	test('PUT keeps SDES and context; the event item carries them; bad bodies get 400 naming the field', async () => {
		const sdes = { authenticatedSdes: { customerInfo: { customerId: 'cust-7' } } };
		const context = { type: 'MESSAGING', skillId: 11, engagementId: 22 };
		expect((await call('PUT', '/draft/conversations/c1', { sdes, context })).status).toBe(200);
		expect(await call('PUT', '/draft/conversations/c1', { sdes, context: { ...context, type: 'SMS' } })).toMatchObject({ status: 400, json: { field: 'context.type' } });
		const r = await call('POST', '/draft/conversations/c1/events', { type: 'TEXT', source: 'CONSUMER', data: { message: 'hello' }, context: { lpEvent: { sequence: 3, originatorId: 'consumer-1' } } });
		expect(r).toMatchObject({ status: 200, json: { response: [{ type: 'TEXT', data: { message: 'echo hello' } }] } });
		expect(runs).toEqual([
			expect.objectContaining({ event: 'TEXT', text: 'hello', conversationId: 'c1', consumerId: 'consumer-1', sequence: 3, accountId: ACC, environment: 'draft', botId: 'b1', sdes, context, conversationKnown: true }),
		]);
		expect(await call('POST', '/draft/conversations/c1/events', { type: 'TEXT', data: { message: 5 }, context: { lpEvent: {} } })).toMatchObject({ status: 400, json: { field: 'data.message' } });
		expect(runs).toHaveLength(1);
	});

	test('a retried event gets the first answer and does not run again', async () => {
		const event = { type: 'TEXT', data: { message: 'once' }, context: { lpEvent: { sequence: 9 } } };
		const first = await call('POST', '/draft/conversations/c2/events', event);
		const again = await call('POST', '/draft/conversations/c2/events', event);
		expect(first.json).toEqual({ response: [{ type: 'TEXT', data: { message: 'echo once' } }], analytics: { intents: [] } });
		expect(again).toMatchObject({ status: 200, json: first.json });
		expect(runs).toHaveLength(1);
	});

	test('no answer, or an invalid one, from the workflow: the fallback', async () => {
		workflowAnswer = () => undefined;
		const fallback = { response: [{ type: 'TEXT', data: { message: 'One moment.' } }, { type: 'ACTION', data: { name: 'TRANSFER', parameters: { skillName: 'backup' } } }], analytics: { intents: [] } };
		expect(await call('POST', '/draft/conversations/c3/events', { type: 'CONVERSATION', data: { name: 'STARTED' }, context: { lpEvent: {} } })).toMatchObject({ status: 200, json: fallback });
		workflowAnswer = () => ({ response: [{ type: 'TEXT' }], analytics: {} });
		expect(await call('POST', '/draft/conversations/c3/events', { type: 'TEXT', data: { message: 'x' }, context: { lpEvent: { sequence: 1 } } })).toMatchObject({ status: 200, json: fallback });
		// The first event had no sequence: not remembered. The second was; its retry gets the fallback sent.
		workflowAnswer = (t) => ({ response: [{ type: 'TEXT', data: { message: t } }], analytics: {} });
		expect(await call('POST', '/draft/conversations/c3/events', { type: 'TEXT', data: { message: 'x' }, context: { lpEvent: { sequence: 1 } } })).toMatchObject({ status: 200, json: fallback });
		expect(runs).toHaveLength(2);
	});
});
