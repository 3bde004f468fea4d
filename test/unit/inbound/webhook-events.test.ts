/**
 * Notifications → events (the developer center's "Webhooks Examples" shapes), dedup keys, dedup over
 * the package's lease store, and the pure subscription plans (register / unregister).
 */
import { MemoryTokenStore } from '../../../lib/auth/store/memory';
import { firstDeliveries, dedupLeaseKey } from '../../../lib/inbound/webhooks/dedup';
import { parseNotification, selectEvents, WEBHOOK_EVENT_TYPES } from '../../../lib/inbound/webhooks/events';
import { planRegister, planUnregister, checkMaxRetries, installationPath, webhooksOf } from '../../../lib/inbound/webhooks/subscription';

const CONV = '5491244f-e462-4c63-bf4e-faf4b2d3e7b5';
const CONSUMER = 'ade26082b1185839d17e0794924c1a0005cf5663e7c35e38f80dd8552a1a96e5';
const AGENT = '29c3019d-fe0b-5200-afe8-737abfeae4b4';

// The documented examples (connector-api-webhooks-webhooks-examples.html), as LivePerson sends them.
const consumerText = {
	kind: 'notification',
	body: { changes: [{ sequence: 0, originatorId: CONSUMER, originatorMetadata: { id: CONSUMER, role: 'CONSUMER' }, serverTimestamp: 1528371161893, event: { type: 'ContentEvent', message: 'Hello from Consumer', contentType: 'text/plain' }, dialogId: CONV }] },
	type: 'ms.MessagingEventNotification',
};
const agentAssigned = {
	kind: 'notification',
	body: {
		changes: [
			{
				type: 'UPSERT',
				result: {
					convId: CONV,
					conversationDetails: { participants: [{ id: AGENT, role: 'ASSIGNED_AGENT' }, { id: CONSUMER, role: 'CONSUMER' }], brandId: '64467156', state: 'OPEN', startTs: 1528371161882, metaDataLastUpdateTs: 1528371195521 },
				},
			},
		],
	},
	type: 'cqm.ExConversationChangeNotification',
};
const agentRead = {
	kind: 'notification',
	body: { changes: [{ sequence: 1, originatorId: AGENT, originatorMetadata: { id: AGENT, role: 'ASSIGNED_AGENT' }, serverTimestamp: 1528371195600, event: { type: 'AcceptStatusEvent', status: 'READ', sequenceList: [0] }, dialogId: CONV }] },
	type: 'ms.MessagingEventNotification',
};
const buf = (v: unknown) => Buffer.from(JSON.stringify(v));

describe('parseNotification', () => {
	it('a consumer text message: one ContentEvent with conversation, text, participant', () => {
		const n = parseNotification(buf(consumerText));
		expect(n.type).toBe('ms.MessagingEventNotification');
		expect(n.events).toHaveLength(1);
		expect(n.events[0]).toMatchObject({
			eventType: 'ms.MessagingEventNotification.ContentEvent',
			conversationId: CONV,
			dialogId: CONV,
			message: 'Hello from Consumer',
			contentType: 'text/plain',
			sequence: 0,
			participant: { id: CONSUMER, role: 'CONSUMER' },
			timestamp: 1528371161893,
		});
		expect(n.events[0].change).toEqual(consumerText.body.changes[0]);
	});

	it('an agent assignment: conversation change with state and the assigned agent', () => {
		const [e] = parseNotification(buf(agentAssigned)).events;
		expect(e).toMatchObject({ eventType: 'cqm.ExConversationChangeNotification', conversationId: CONV, changeType: 'UPSERT', state: 'OPEN', participant: { id: AGENT, role: 'ASSIGNED_AGENT' } });
		expect(e.participants).toHaveLength(2);
	});

	it('an accept status: the status as state, no message', () => {
		const [e] = parseNotification(buf(agentRead)).events;
		expect(e).toMatchObject({ eventType: 'ms.MessagingEventNotification.AcceptStatusEvent', state: 'READ', sequence: 1 });
		expect(e.message).toBeUndefined();
	});

	it('one event per change, in order', () => {
		const many = { ...consumerText, body: { changes: [0, 1, 2].map((s) => ({ ...consumerText.body.changes[0], sequence: s, event: { ...consumerText.body.changes[0].event, message: `m${s}` } })) } };
		expect(parseNotification(buf(many)).events.map((e) => e.message)).toEqual(['m0', 'm1', 'm2']);
	});

	it('dedup keys: equal for a redelivery, different for another sequence, state or update time', () => {
		const key = (v: unknown) => parseNotification(buf(v)).events[0].dedupKey;
		expect(key(consumerText)).toBe(key(JSON.parse(JSON.stringify(consumerText))));
		const next = { ...consumerText, body: { changes: [{ ...consumerText.body.changes[0], sequence: 1 }] } };
		expect(key(next)).not.toBe(key(consumerText));
		const closed = JSON.parse(JSON.stringify(agentAssigned));
		closed.body.changes[0].result.conversationDetails.state = 'CLOSE';
		expect(key(closed)).not.toBe(key(agentAssigned));
		const later = JSON.parse(JSON.stringify(agentAssigned));
		later.body.changes[0].result.conversationDetails.metaDataLastUpdateTs += 1;
		expect(key(later)).not.toBe(key(agentAssigned));
		// Same sequence, other event type (AcceptStatus has its own sequence space entry).
		expect(key(agentRead)).not.toBe(key({ ...consumerText, body: { changes: [{ ...consumerText.body.changes[0], sequence: 1 }] } }));
	});

	it('refuses bodies that are not notifications', () => {
		expect(() => parseNotification(Buffer.from('not json'))).toThrow(/not JSON/);
		expect(() => parseNotification(buf({ type: 'x' }))).toThrow(/not a LivePerson notification/);
	});

	it('selectEvents keeps the chosen event types', () => {
		const events = [...parseNotification(buf(consumerText)).events, ...parseNotification(buf(agentAssigned)).events];
		expect(selectEvents(events, ['cqm.ExConversationChangeNotification']).map((e) => e.eventType)).toEqual(['cqm.ExConversationChangeNotification']);
		expect(selectEvents(events, [])).toHaveLength(2);
		expect(WEBHOOK_EVENT_TYPES).toContain('ms.MessagingEventNotification.RichContentEvent');
	});
});

describe('firstDeliveries (dedup over the lease store)', () => {
	it('the first delivery wins, a redelivery within the window does not, after the window it does again', async () => {
		let now = 1_000_000;
		const store = new MemoryTokenStore({ now: () => now });
		const events = parseNotification(buf(consumerText)).events;
		const first = await firstDeliveries(events, { store, scope: 'acc|client|wf|node', windowMs: 60_000 });
		expect(first.fresh).toHaveLength(1);
		const again = await firstDeliveries(parseNotification(buf(consumerText)).events, { store, scope: 'acc|client|wf|node', windowMs: 60_000 });
		expect(again).toMatchObject({ fresh: [], storeFailed: false });
		expect(again.duplicates).toHaveLength(1);
		// Another workflow listening to the same installation runs too.
		expect((await firstDeliveries(events, { store, scope: 'acc|client|wf2|node', windowMs: 60_000 })).fresh).toHaveLength(1);
		now += 60_001;
		expect((await firstDeliveries(events, { store, scope: 'acc|client|wf|node', windowMs: 60_000 })).fresh).toHaveLength(1);
	});

	it('two stores sharing one backing store (two processes on one Redis) agree: one winner', async () => {
		const shared = new MemoryTokenStore();
		const events = parseNotification(buf(agentAssigned)).events;
		const results = await Promise.all([1, 2, 3, 4].map(() => firstDeliveries(events, { store: shared, scope: 's' })));
		expect(results.reduce((n, r) => n + r.fresh.length, 0)).toBe(1);
	});

	it('a failing shared store falls back to the process store and says so', async () => {
		const broken = { acquireLease: async () => Promise.reject(new Error('redis down')) };
		const fallback = new MemoryTokenStore();
		const events = parseNotification(buf(consumerText)).events;
		const r1 = await firstDeliveries(events, { store: broken, fallback, scope: 's' });
		expect(r1).toMatchObject({ storeFailed: true });
		expect(r1.fresh).toHaveLength(1);
		expect((await firstDeliveries(events, { store: broken, fallback, scope: 's' })).fresh).toHaveLength(0);
		await expect(firstDeliveries(events, { store: broken, scope: 's' })).rejects.toThrow('redis down');
	});

	it('lease keys carry no message content', () => {
		const [e] = parseNotification(buf(consumerText)).events;
		const key = dedupLeaseKey('acc|client', e);
		expect(key).not.toContain(CONV);
		expect(key).toMatch(/^lp-webhook-dedup:/);
	});
});

describe('subscription plans', () => {
	const URL_A = 'https://n8n.example.com/webhook/abc/liveperson';
	const OTHER = 'https://other.example.com/hook';
	const installation = () => ({
		client_name: 'App',
		enabled: true,
		capabilities: { engagement: { design_engagement: true }, webhooks: { 'cqm.ExConversationChangeNotification': { endpoint: OTHER, max_retries: 3 } } },
	});

	it('register adds only missing events, keeps others and the rest of the installation', () => {
		const plan = planRegister(installation(), URL_A, ['ms.MessagingEventNotification.ContentEvent', 'ms.MessagingEventNotification.RichContentEvent'], 2);
		expect(plan.added).toEqual(['ms.MessagingEventNotification.ContentEvent', 'ms.MessagingEventNotification.RichContentEvent']);
		expect(plan.next).toMatchObject({ client_name: 'App', enabled: true, capabilities: { engagement: { design_engagement: true } } });
		expect(webhooksOf(plan.next!)).toEqual({
			'cqm.ExConversationChangeNotification': { endpoint: OTHER, max_retries: 3 },
			'ms.MessagingEventNotification.ContentEvent': { endpoint: URL_A, max_retries: 2 },
			'ms.MessagingEventNotification.RichContentEvent': { endpoint: URL_A, max_retries: 2 },
		});
	});

	it('register refuses an event delivered elsewhere, and changes nothing', () => {
		const plan = planRegister(installation(), URL_A, ['cqm.ExConversationChangeNotification', 'ms.MessagingEventNotification.ContentEvent']);
		expect(plan.conflicts).toEqual([{ event: 'cqm.ExConversationChangeNotification', endpoint: OTHER }]);
		expect(plan.next).toBeUndefined();
	});

	it('register with everything present writes nothing', () => {
		const inst = installation();
		(inst.capabilities.webhooks as Record<string, unknown>)['ms.MessagingEventNotification.ContentEvent'] = { endpoint: URL_A };
		const plan = planRegister(inst, URL_A, ['ms.MessagingEventNotification.ContentEvent']);
		expect(plan).toMatchObject({ added: [], present: ['ms.MessagingEventNotification.ContentEvent'] });
		expect(plan.next).toBeUndefined();
	});

	it('unregister removes what we added and still points at us; keeps what others changed', () => {
		const inst = planRegister(installation(), URL_A, ['ms.MessagingEventNotification.ContentEvent', 'ms.MessagingEventNotification.ChatStateEvent']).next!;
		// Someone re-pointed ChatStateEvent meanwhile.
		(webhooksOf(inst)['ms.MessagingEventNotification.ChatStateEvent'] as { endpoint: string }).endpoint = OTHER;
		const plan = planUnregister(inst, { 'ms.MessagingEventNotification.ContentEvent': URL_A, 'ms.MessagingEventNotification.ChatStateEvent': URL_A });
		expect(plan.removed).toEqual(['ms.MessagingEventNotification.ContentEvent']);
		expect(plan.leftAlone).toEqual(['ms.MessagingEventNotification.ChatStateEvent']);
		expect(Object.keys(webhooksOf(plan.next!)).sort()).toEqual(['cqm.ExConversationChangeNotification', 'ms.MessagingEventNotification.ChatStateEvent']);
	});

	it('validates max retries and installation ids', () => {
		expect(checkMaxRetries(5)).toBe(5);
		expect(() => checkMaxRetries(6)).toThrow(/0 to 5/);
		expect(() => checkMaxRetries(1.5)).toThrow(/0 to 5/);
		expect(installationPath('my-client')).toBe('/api/account/{accountId}/configuration/app-install/installations/my-client');
		expect(() => installationPath('../x')).toThrow(/installation ID/);
	});
});
