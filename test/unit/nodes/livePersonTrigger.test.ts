/**
 * LivePerson Trigger's webhook() with a stand-in IWebhookFunctions (the real n8n path is in
 * test/e2e/webhooks-trigger.e2e.test.ts): the raw body is what is verified (req.rawBody, or
 * readRawBody() when n8n has not read it yet); refusals answer 401/413 themselves and start nothing;
 * a good call returns one item per chosen event; a redelivery returns no workflow data.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { IWebhookFunctions } from 'n8n-workflow';
import { LivePersonTrigger } from '../../../nodes/LivePersonTrigger/LivePersonTrigger.node';

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
	const req: Record<string, unknown> = { headers: { 'content-type': 'application/json', ...(call.headers ?? {}) } };
	if (call.lazy) req.readRawBody = async () => void (req.rawBody = call.body);
	else req.rawBody = call.body;
	const warnings: string[] = [];
	const ctx = {
		getRequestObject: () => req,
		getResponseObject: () => res,
		getCredentials: async (type: string) => {
			if (type !== 'livePersonAppInstallationApi') throw new Error(`unexpected credential ${type}`);
			return { ...app };
		},
		getNodeParameter: (name: string, fallback?: unknown) => (name === 'events' ? (call.events ?? ['ms.MessagingEventNotification.ContentEvent']) : name === 'options' ? {} : fallback),
		getNode: () => ({ id: 'node-1', name: 'LivePerson Trigger' }),
		getWorkflow: () => ({ id: call.workflowId ?? 'wf-1' }),
		logger: { warn: (m: string) => warnings.push(m), debug: () => undefined, info: () => undefined, error: () => undefined },
	} as unknown as IWebhookFunctions;
	const out = await new LivePersonTrigger().webhook.call(ctx);
	return { out, answered, warnings };
}

const goodHeaders = (b: Buffer) => ({ 'x-liveperson-account-id': app.accountId, 'x-liveperson-client-id': app.clientId, 'x-liveperson-signature': sign(b) });

describe('LivePerson Trigger webhook()', () => {
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
	] as const)('%s: refused with its status, nothing runs, reason logged without the secret', async (_n, headers, status) => {
		const body = notification(5);
		const { out, answered, warnings } = await run({ body, headers: headers(body) });
		expect(answered.status).toBe(status);
		expect(out).toEqual({ noWebhookResponse: true });
		expect(warnings.join(' ')).toMatch(/refused/);
		expect(warnings.join(' ')).not.toContain(secret);
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
