/**
 * LivePerson Trigger in n8n QUEUE mode, cases run by queue-mode.e2e.test.ts on its cluster (PostgreSQL
 * + Redis, main + 2 workers, plus one `n8n webhook` process): the same signed notification delivered at the same moment to two different receiving
 * processes (LivePerson redelivering after a timeout, the load balancer picking another process) starts
 * ONE execution: the dedup leases live in the Redis n8n already uses (nodes/shared/tokenStore.ts), so the
 * processes agree. Counted in n8n's database (execution_entity), leases counted in Redis.
 */
import http from 'node:http';
import { createHmac, randomUUID } from 'node:crypto';
import { nodeType, type CredentialInput } from './harness';
import type { QueueCluster } from './queue-cluster';
import { scriptedConversation } from '../../sandbox/emulator/services/webhooks';

const ACC = '12345678';
const CLIENT = 'queue-app';
const SECRET = `queue-secret-${randomUUID()}`;
const EVENTS = ['ms.MessagingEventNotification.ContentEvent', 'ms.MessagingEventNotification.AcceptStatusEvent', 'cqm.ExConversationChangeNotification'];

const APP = { id: 'lpQueueApp', name: 'Queue app installation' };
const STEP_MS = 10 * 60 * 1000;
/** Notifications in flight at once (each one to both processes together). */
const IN_FLIGHT = 4;

/** The credential of the trigger cases, created when the cluster starts. */
export const triggerCredentials: CredentialInput[] = [{ ...APP, type: 'livePersonAppInstallationApi', data: { accountId: ACC, clientId: CLIENT, clientSecret: SECRET } }];

async function until(what: string, ready: () => Promise<boolean> | boolean, log: () => string, ms = 120_000): Promise<void> {
	const end = Date.now() + ms;
	while (!(await ready())) {
		if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${log().slice(-2000)}`);
		await new Promise((r) => setTimeout(r, 300));
	}
}

/** One POST on its own connection (agent: false): nothing stays open after the test. */
function post(url: string, headers: Record<string, string>, body: Buffer | string): Promise<number> {
	return new Promise((resolve) => {
		const req = http.request(url, { method: 'POST', agent: false, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
			res.resume();
			res.on('end', () => resolve(res.statusCode ?? 0));
		});
		req.on('error', () => resolve(0));
		req.end(body);
	});
}

const total = (s: Record<string, number>) => Object.values(s).reduce((a, b) => a + b, 0);

/** The cluster (triggerCredentials created, one `n8n webhook` process), set before the cases run. */
export interface TriggerCaseContext {
	cluster: QueueCluster;
}

export function describeTriggerCases(ctx: TriggerCaseContext): void {
	describe('LivePerson Trigger: redeliveries to two processes start one execution', () => {
		let cluster: QueueCluster;
		let workflowId = '';
		const webhookId = randomUUID();
		let mainUrl = '';
		let webhookUrl = '';
		let webhookLog = (): string => '';

		beforeAll(async () => {
			({ cluster } = ctx);
			workflowId = await cluster.createActiveWorkflow(
				'LP trigger queue e2e',
				[
					{
						name: 'LivePerson Trigger',
						type: nodeType('livePersonTrigger'),
						typeVersion: 1,
						webhookId,
						parameters: { events: EVENTS, manageSubscription: false, options: {} },
						credentials: { livePersonAppInstallationApi: APP },
					},
				],
				{},
			);
			mainUrl = `${cluster.baseUrl}/webhook/${webhookId}/liveperson`;
			// The second receiving process: the cluster's `n8n webhook` on its own port, same database, Redis and key.
			const second = cluster.webhooks[0];
			webhookLog = () => second.process.logs();
			webhookUrl = `${second.baseUrl}/webhook/${webhookId}/liveperson`;
			const probe = (url: string) => post(url, { 'content-type': 'application/json' }, '{}');
			await until('both processes to serve the trigger (401 to an unsigned call)', async () => (await probe(mainUrl)) === 401 && (await probe(webhookUrl)) === 401, webhookLog);
		}, STEP_MS);

		it('each notification sent to main AND the webhook process at once: one execution each; leases in Redis', async () => {
			const notes = scriptedConversation({ brandId: ACC, turns: 36 }).filter((n) => {
				const t = String(n.type);
				const ev = ((n.body as { changes: Array<{ event?: { type?: string } }> }).changes[0].event?.type ?? '');
				return t === 'cqm.ExConversationChangeNotification' || EVENTS.includes(`${t}.${ev}`);
			});
			expect(notes.length).toBeGreaterThanOrEqual(90);
			const leaseKeys = async () => (await cluster.redis.cli('keys', '*:lease')).split('\n').filter(Boolean).length;
			// Other cases of this cluster left leases of their own: count the ones these notifications add.
			const leasesBefore = await leaseKeys();
			const before = total(cluster.executionStatus(workflowId));
			const statuses: number[] = [];
			// Each notification goes to both processes at the same moment; IN_FLIGHT notifications at a time.
			let next = 0;
			await Promise.all(
				Array.from({ length: IN_FLIGHT }, async () => {
					while (next < notes.length) {
						const body = Buffer.from(JSON.stringify(notes[next++]));
						const headers = { 'content-type': 'application/json', 'x-liveperson-account-id': ACC, 'x-liveperson-client-id': CLIENT, 'x-liveperson-signature': `sha1=${createHmac('sha1', SECRET).update(body).digest('base64')}` };
						const both = await Promise.all([mainUrl, webhookUrl].map((u) => post(u, headers, body)));
						statuses.push(...both);
					}
				}),
			);
			expect(statuses).toHaveLength(2 * notes.length);
			expect(statuses.filter((s) => s !== 200)).toEqual([]);
			await until(`${notes.length} executions`, () => total(cluster.executionStatus(workflowId)) - before >= notes.length, webhookLog);
			await new Promise((r) => setTimeout(r, 3000));
			const after = cluster.executionStatus(workflowId);
			expect(total(after) - before).toBe(notes.length);
			expect(after.success ?? 0).toBeGreaterThanOrEqual(notes.length);
			expect((await leaseKeys()) - leasesBefore).toBeGreaterThanOrEqual(notes.length);
		}, STEP_MS);
	});
}
