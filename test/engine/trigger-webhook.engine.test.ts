/**
 * LivePerson Trigger's webhook() as n8n's webhook server calls it, in-process: n8n-core's own WebhookContext
 * (both pinned versions, test/engine/engine.ts `webhook()`) over the request and response that n8n's
 * Express server hands it. The raw body is what is verified (req.rawBody, or readRawBody() when n8n has not
 * read it yet); refusals answer 401/413/400 themselves and start nothing; a good call returns one item per
 * chosen event; a redelivery returns no workflow data. The request and response objects are what Express
 * gives n8n (a stand-in here); the same calls through a real n8n server: test/e2e/webhooks-trigger.e2e.test.ts.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { INSTALL_TIMEOUT_MS } from '../e2e/harness';
import { createEngine, ENGINE_VERSIONS, type Engine } from './engine';

const secret = randomBytes(16).toString('hex');
const app = { accountId: '12345678', clientId: `app-${randomBytes(3).toString('hex')}`, clientSecret: secret };
const sign = (b: Buffer) => `sha1=${createHmac('sha1', secret).update(b).digest('base64')}`;

function notification(seq: number, conv = 'conv-1'): Buffer {
	return Buffer.from(
		JSON.stringify({
			kind: 'notification',
			type: 'ms.MessagingEventNotification',
			body: { changes: [{ sequence: seq, originatorMetadata: { id: 'c1', role: 'CONSUMER' }, serverTimestamp: 1, event: { type: 'ContentEvent', message: `m${seq}`, contentType: 'text/plain' }, dialogId: conv }] },
		}),
	);
}

interface Call {
	body?: Buffer;
	headers?: Record<string, string>;
	lazy?: boolean;
	events?: string[];
	workflowId?: string;
}

const goodHeaders = (b: Buffer) => ({ 'x-liveperson-account-id': app.accountId, 'x-liveperson-client-id': app.clientId, 'x-liveperson-signature': sign(b) });

describe.each(ENGINE_VERSIONS)('LivePerson Trigger webhook() in n8n %s', (version) => {
	let n8n: Engine;
	beforeAll(async () => {
		// One long-running instance (n8n start): the trigger's redelivery leases live as long as the process.
		n8n = await createEngine(version, { moduleScope: 'instance' });
	}, INSTALL_TIMEOUT_MS);
	afterAll(() => n8n?.close());

	async function run(call: Call) {
		const answered: { status?: number; body?: unknown } = {};
		const res = {
			status(code: number) {
				answered.status = code;
				return res;
			},
			json(body: unknown) {
				answered.body = body;
				return res;
			},
		};
		const req: { method: string; headers: Record<string, string>; [k: string]: unknown } = { method: 'POST', headers: { 'content-type': 'application/json', ...(call.headers ?? {}) } };
		if (call.lazy) req.readRawBody = async () => void (req.rawBody = call.body);
		else req.rawBody = call.body;
		const { result: out, printed } = await n8n.webhook({
			type: 'livePersonTrigger',
			parameters: { events: call.events ?? ['ms.MessagingEventNotification.ContentEvent'], manageSubscription: false, options: {} },
			credentials: { livePersonAppInstallationApi: { ...app } },
			workflowId: call.workflowId ?? 'wf-1',
			request: req,
			response: res,
		});
		return { out, answered, printed };
	}

	it('a good call: one item per event with the fields to filter on; answered by n8n (no own answer)', async () => {
		const body = notification(1, `conv-${randomBytes(3).toString('hex')}`);
		const { out, answered } = await run({ body, headers: goodHeaders(body) });
		expect(answered.status).toBeUndefined();
		expect(out.noWebhookResponse).toBeUndefined();
		expect(out.workflowData?.[0]).toHaveLength(1);
		expect(out.workflowData?.[0][0].json).toMatchObject({ eventType: 'ms.MessagingEventNotification.ContentEvent', message: 'm1', sequence: 1, participant: { id: 'c1', role: 'CONSUMER' }, accountId: app.accountId });
		expect(out.webhookResponse).toEqual({ received: 1, duplicates: 0 });
	});

	it('reads the raw body when n8n has not yet (readRawBody)', async () => {
		const body = notification(2, `conv-${randomBytes(3).toString('hex')}`);
		const { out } = await run({ body, headers: goodHeaders(body), lazy: true });
		expect(out.workflowData?.[0]).toHaveLength(1);
	});

	it('a redelivery starts nothing (200 from n8n, no workflow data); another workflow still runs', async () => {
		const body = notification(3, `conv-${randomBytes(3).toString('hex')}`);
		expect((await run({ body, headers: goodHeaders(body) })).out.workflowData).toBeDefined();
		const again = await run({ body, headers: goodHeaders(body) });
		expect(again.out.workflowData).toBeUndefined();
		expect(again.out.webhookResponse).toEqual({ received: 0, duplicates: 1 });
		expect((await run({ body, headers: goodHeaders(body), workflowId: 'wf-2' })).out.workflowData).toBeDefined();
	});

	it('events not chosen start nothing', async () => {
		const body = notification(4, `conv-${randomBytes(3).toString('hex')}`);
		const { out } = await run({ body, headers: goodHeaders(body), events: ['cqm.ExConversationChangeNotification'] });
		expect(out.workflowData).toBeUndefined();
	});

	it.each([
		['a bad signature', (b: Buffer) => ({ ...goodHeaders(b), 'x-liveperson-signature': sign(Buffer.from('other')) }), 401],
		['no signature', () => ({ 'x-liveperson-account-id': app.accountId, 'x-liveperson-client-id': app.clientId }), 401],
		['another account', (b: Buffer) => ({ ...goodHeaders(b), 'x-liveperson-account-id': '999' }), 401],
		['a declared body over 10 MB', (b: Buffer) => ({ ...goodHeaders(b), 'content-length': String(10 * 1024 * 1024 + 1) }), 413],
	] as const)('%s: refused with its status, nothing runs, reason logged by n8n\'s logger without the secret', async (_n, headers, status) => {
		const body = notification(5);
		const { out, answered, printed } = await run({ body, headers: headers(body) });
		expect(answered.status).toBe(status);
		expect(out).toEqual({ noWebhookResponse: true });
		expect(printed).toMatch(/LivePerson Trigger: call refused/);
		expect(printed).not.toContain(secret);
	});

	it('no raw body available: refused (fail closed)', async () => {
		const { out, answered } = await run({ body: undefined, headers: goodHeaders(Buffer.alloc(0)) });
		expect(answered.status).toBe(401);
		expect(out.workflowData).toBeUndefined();
	});

	it('a signed body that is not a notification: 400, nothing runs', async () => {
		const body = Buffer.from('{"hello":"world"}');
		const { out, answered } = await run({ body, headers: goodHeaders(body) });
		expect(answered.status).toBe(400);
		expect(out.workflowData).toBeUndefined();
	});
});
