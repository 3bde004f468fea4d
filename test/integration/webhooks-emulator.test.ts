/**
 * The emulator as LivePerson's webhooks service, against lib/inbound/webhooks end to end (no n8n):
 * the subscription is written into the emulator's app installation through lpApiSend (CSDS, Login
 * Service bearer, If-Match revision), the emulator delivers a scripted conversation signed with the
 * installation's secret to a local receiver that verifies the raw bytes, parses and deduplicates;
 * redeliveries, retries after failures, the 5 s limit, the slow-endpoint disable rule, and removal of
 * exactly what was added.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startEmulator, type Emulator } from '../../sandbox/emulator';
import { MemoryTokenStore } from '../../lib/auth/store/memory';
import { firstDeliveries, parseNotification, registerWebhooks, subscriptionExists, unregisterWebhooks, verifyWebhookCall, webhooksOf, readInstallation, WEBHOOK_EVENT_TYPES } from '../../lib/inbound/webhooks';
import type { LivePersonAccountCredentials } from '../../lib/liveperson/account-auth';

let emu: Emulator;
let receiver: http.Server;
let receiverUrl = '';
/** What the receiver does with the next calls: answer status, or delay. */
let behaviour: { status: number; delayMs?: number; failFirst?: number } = { status: 200 };
const store = new MemoryTokenStore();
const received = { calls: 0, refused: 0, runs: 0, events: [] as string[] };

const ACC = '12345678';
const APP = { accountId: ACC, clientId: 'sandbox-client', clientSecret: 'sandbox-client-secret' };
const creds = (): LivePersonAccountCredentials => ({ accountId: ACC, csdsHost: emu.url, allowedInternalNetworks: 'loopback', authMethod: 'userPassword', username: 'sandbox-agent', password: 'Sandbox-Passw0rd!' });
const target = () => ({ creds: creds(), installationId: APP.clientId, send: { retryDelaysMs: false as const } });

async function control(path: string, body: unknown = {}): Promise<Record<string, unknown>> {
	const res = await fetch(`${emu.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
	return (await res.json()) as Record<string, unknown>;
}

beforeAll(async () => {
	emu = await startEmulator();
	receiver = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (c: Buffer) => chunks.push(c));
		req.on('end', async () => {
			received.calls++;
			if (behaviour.failFirst && behaviour.failFirst > 0) {
				behaviour.failFirst--;
				res.writeHead(503).end();
				return;
			}
			if (behaviour.delayMs) await new Promise((r) => setTimeout(r, behaviour.delayMs));
			const raw = Buffer.concat(chunks);
			const verdict = verifyWebhookCall(APP, req.headers, raw);
			if (!verdict.ok) {
				received.refused++;
				res.writeHead(401).end();
				return;
			}
			const { fresh } = await firstDeliveries(parseNotification(raw).events, { store, scope: 'it' });
			if (fresh.length) received.runs++;
			received.events.push(...fresh.map((e) => e.eventType));
			if (!res.destroyed) res.writeHead(behaviour.status).end();
		});
	});
	await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
	receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhook/abc/liveperson`;
});

afterAll(async () => {
	await new Promise<void>((r) => {
		receiver.close(() => r());
		receiver.closeAllConnections();
	});
	await emu.close();
	await store.close();
});

describe('emulated LivePerson webhooks → lib verify/parse/dedup', () => {
	it('registers the URL for every event type in the installation, keeping what others registered', async () => {
		// Someone else's subscription, written through the same API.
		const before = await readInstallation(target());
		expect(before.revision).toBeDefined();
		const other = { ...before.json, capabilities: { webhooks: { 'ms.MessagingEventNotification.ContentEvent': { endpoint: 'https://127.0.0.1:9/someone-elses-hook' } } } };
		const put = await fetch(`${emu.url}/api/account/${ACC}/configuration/app-install/installations/${APP.clientId}?v=1.0`, {
			method: 'PUT',
			headers: { 'content-type': 'application/json', authorization: `Bearer ${(await login()).bearer}`, 'if-match': before.revision! },
			body: JSON.stringify(other),
		});
		expect(put.status).toBe(200);
		const events = WEBHOOK_EVENT_TYPES.filter((e) => e !== 'ms.MessagingEventNotification.ContentEvent');
		await expect(registerWebhooks(target(), receiverUrl, WEBHOOK_EVENT_TYPES)).rejects.toThrow(/already delivers these events to another endpoint/);
		const plan = await registerWebhooks(target(), receiverUrl, events, 2);
		expect(plan.added).toEqual(events);
		expect(await subscriptionExists(target(), receiverUrl, events)).toBe(true);
		const hooks = webhooksOf((await readInstallation(target())).json);
		expect(hooks['ms.MessagingEventNotification.ContentEvent']).toEqual({ endpoint: 'https://127.0.0.1:9/someone-elses-hook' });
		expect(hooks['cqm.ExConversationChangeNotification']).toEqual({ endpoint: receiverUrl, max_retries: 2 });
		// A stale If-Match is refused by the emulator (412).
		const stale = await fetch(`${emu.url}/api/account/${ACC}/configuration/app-install/installations/${APP.clientId}?v=1.0`, {
			method: 'PUT',
			headers: { 'content-type': 'application/json', authorization: `Bearer ${(await login()).bearer}`, 'if-match': before.revision! },
			body: JSON.stringify(other),
		});
		expect(stale.status).toBe(412);
	});

	it('delivers a scripted conversation, signed; each subscribed event runs once; a replay runs nothing', async () => {
		const r = await control('/sandbox/webhooks/conversation', { turns: 10 });
		// 10 turns: open + assign + close (3 cqm) + per turn READ, COMPOSING, answer; consumer ContentEvents
		// and the agent's text answers go to someone else's endpoint (ContentEvent is theirs).
		expect(r.scripted).toBe(3 + 10 * 4);
		const deliveries = r.deliveries as Array<{ eventType: string; outcome: string; endpoint: string }>;
		const ours = deliveries.filter((d) => d.endpoint === receiverUrl);
		expect(ours.length).toBe(3 + 10 * 2 + 3); // cqm + READ + COMPOSING per turn + 3 rich answers
		expect(ours.every((d) => d.outcome === 'delivered')).toBe(true);
		expect(received.runs).toBe(ours.length);
		expect(received.refused).toBe(0);
		const runs = received.runs;
		const replay = await control('/sandbox/webhooks/replay', { count: 5 });
		expect(replay.delivered).toBe(5);
		expect(received.runs).toBe(runs);
	});

	it('sha256 and hex signatures are verified too', async () => {
		const before = received.runs;
		for (const [algorithm, encoding] of [['sha256', 'base64'], ['sha256', 'hex'], ['sha1', 'hex']]) {
			const r = await control('/sandbox/webhooks/conversation', { turns: 1, algorithm, encoding });
			const ours = (r.deliveries as Array<{ endpoint: string; outcome: string }>).filter((d) => d.endpoint === receiverUrl);
			expect(ours.length).toBeGreaterThan(0);
			expect(ours.every((d) => d.outcome === 'delivered')).toBe(true);
		}
		expect(received.refused).toBe(0);
		expect(received.runs).toBeGreaterThan(before);
	});

	it('retries a failed delivery (max_retries 2) and the redelivery runs once', async () => {
		behaviour = { status: 200, failFirst: 2 };
		const runs = received.runs;
		const r = await control('/sandbox/webhooks/notify', {
			retryDelayMs: 10,
			notification: { kind: 'notification', type: 'cqm.ExConversationChangeNotification', body: { changes: [{ type: 'UPSERT', result: { convId: 'c-retry', conversationDetails: { state: 'CLOSE', metaDataLastUpdateTs: 1 } } }] } },
		});
		expect(r.deliveries).toEqual([expect.objectContaining({ attempts: 3, statuses: [503, 503, 200], outcome: 'delivered' })]);
		expect(received.runs).toBe(runs + 1);
		behaviour = { status: 200 };
	});

	it('an answer slower than the limit is a failure; slow for the whole window disables the app', async () => {
		behaviour = { status: 200, delayMs: 300 };
		const r = await control('/sandbox/webhooks/notify', {
			retryDelayMs: 0,
			limits: { timeoutMs: 150, slowMs: 100, slowWindowMs: 200 },
			notification: { kind: 'notification', type: 'cqm.ExConversationChangeNotification', body: { changes: [{ type: 'UPSERT', result: { convId: 'c-slow', conversationDetails: { state: 'OPEN', metaDataLastUpdateTs: 2 } } }] } },
		});
		const [d] = r.deliveries as Array<{ statuses: unknown[]; outcome: string }>;
		expect(d.statuses[0]).toBe('timeout');
		expect(d.outcome).toBe('failed');
		expect(r.enabled).toBe(false);
		behaviour = { status: 200 };
	});

	it('unregister removes exactly what was added and keeps the rest', async () => {
		const events = WEBHOOK_EVENT_TYPES.filter((e) => e !== 'ms.MessagingEventNotification.ContentEvent');
		const added = Object.fromEntries(events.map((e) => [e, receiverUrl]));
		const plan = await unregisterWebhooks(target(), added);
		expect(plan.removed.sort()).toEqual([...events].sort());
		const hooks = webhooksOf((await readInstallation(target())).json);
		expect(hooks).toEqual({ 'ms.MessagingEventNotification.ContentEvent': { endpoint: 'https://127.0.0.1:9/someone-elses-hook' } });
		expect(await subscriptionExists(target(), receiverUrl, events)).toBe(false);
	});
});

async function login(): Promise<{ bearer: string }> {
	const res = await fetch(`${emu.url}/api/account/${ACC}/login?v=1.3`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'sandbox-agent', password: 'Sandbox-Passw0rd!' }) });
	return (await res.json()) as { bearer: string };
}
