/**
 * The LivePerson bot in n8n queue mode, cases run by queue-mode.e2e.test.ts on its cluster
 * (test/e2e/queue-cluster.ts: PostgreSQL + Redis, `n8n start` + 2 `n8n worker` + one `n8n webhook`),
 * an emulator of its own playing Third-Party Bots in this process:
 *   1. Conversations through the sample bot: the main process checks the calls and keeps the
 *      conversation, the workers run the workflow, the Bot Reply node's answer travels back to the
 *      waiting call.
 *   2. The conversation store is the cluster's: the SDES/context the main process kept are in Redis,
 *      encrypted, readable by any process with N8N_ENCRYPTION_KEY (this test reads them).
 *   3. Two receiving processes behind one base URL (a front in this test routes like a load balancer
 *      could): the emulator's PUT (SDES + context) is received by main, the POST events by an
 *      `n8n webhook` process; the greeting the workflow answers names the SDES and the context the
 *      other process kept.
 */
import { randomInt, randomUUID } from 'node:crypto';
import http from 'node:http';
import * as fs from 'node:fs';
import * as path from 'node:path';

import type { Emulator } from '../../sandbox/emulator';
import { RedisTokenStore } from '../../lib/auth/store/redis';
import { BotConversationStore } from '../../lib/inbound/tpb/store';
import { REPO_DIR, type CredentialInput, type WorkflowNode } from './harness';
import type { QueueCluster } from './queue-cluster';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { template } = require('../../scripts/start.js') as { template(value: unknown, vars: Record<string, string>, config: unknown): unknown };

const STEP_MS = 3 * 60 * 1000;

const example = JSON.parse(fs.readFileSync(path.join(REPO_DIR, 'examples', 'liveperson-bot.json'), 'utf8')) as {
	nodes: Array<WorkflowNode & { webhookId?: string; credentials?: Record<string, { id: string; name: string }> }>;
	connections: Record<string, unknown>;
};

const CONTEXT_SUFFIX = ' (skill {{ $json.context?.skillId }}, engagement {{ $json.context?.engagementId }})';
function withContextInGreeting<T extends { parameters: Record<string, any> }>(node: T): T {
	const messages = node.parameters.messages.message as Array<{ type: string; text: string }>;
	return { ...node, parameters: { ...node.parameters, messages: { message: messages.map((m, i) => (i === 0 ? { ...m, text: m.text + CONTEXT_SUFFIX } : m)) } } };
}

/** A front on 127.0.0.1: PUT and GET to `putTo`, POST to `postTo` (as a load balancer may split them); counts per target. */
async function startSplitFront(putTo: string, postTo: string): Promise<{ url: string; seen: Array<{ method: string; to: 'main' | 'webhook'; status: number }>; close(): Promise<void> }> {
	const seen: Array<{ method: string; to: 'main' | 'webhook'; status: number }> = [];
	const server = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (c: Buffer) => chunks.push(c));
		req.on('end', async () => {
			const to = req.method === 'POST' ? 'webhook' : 'main';
			const headers: Record<string, string> = {};
			for (const h of ['authorization', 'content-type']) if (typeof req.headers[h] === 'string') headers[h] = req.headers[h] as string;
			try {
				const r = await fetch((to === 'main' ? putTo : postTo) + req.url, { method: req.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined });
				const body = Buffer.from(await r.arrayBuffer());
				seen.push({ method: req.method ?? '', to, status: r.status });
				res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/json' });
				res.end(body);
			} catch (e) {
				seen.push({ method: req.method ?? '', to, status: 502 });
				res.writeHead(502).end(String(e));
			}
		});
	});
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
	const { port } = server.address() as { port: number };
	return { url: `http://127.0.0.1:${port}`, seen, close: () => new Promise((r) => server.close(() => r())) };
}

const BOT_CREDENTIAL = { id: 'lpQueueBotCred01', name: 'LivePerson bot (emulator)' };

/**
 * The credentials the bot cases use, created when the cluster starts: the bot's own, and the sample
 * credentials the order lookup uses (sandbox/samples/credentials.json, filled in for this emulator).
 */
export function botCredentials(emu: Emulator): CredentialInput[] {
	const used = new Set(example.nodes.flatMap((n) => Object.values(n.credentials ?? {}).map((c) => c.id)));
	const samples = (JSON.parse(fs.readFileSync(path.join(REPO_DIR, 'sandbox', 'samples', 'credentials.json'), 'utf8')) as CredentialInput[]).filter(
		(c) => used.has(c.id) && c.type !== 'livePersonBotApi',
	);
	if (!samples.length) throw new Error('the sample bot uses none of sandbox/samples/credentials.json: the order lookup lost its credential');
	return [
		{ ...BOT_CREDENTIAL, type: 'livePersonBotApi', data: { accountIds: emu.config.accountId, csdsHost: emu.url, allowedInternalNetworks: 'loopback' } },
		...(template(samples, { EMULATOR_URL: emu.url }, emu.config) as CredentialInput[]),
	];
}

/** The cluster and this case's emulator (botCredentials(emu) created), set before the cases run. */
export interface BotCaseContext {
	cluster: QueueCluster;
	botEmu: Emulator;
}

export function describeBotCases(ctx: BotCaseContext): void {
	describe('the LivePerson bot', () => {
		let emu: Emulator;
		let cluster: QueueCluster;
		let botUrl = '';
		const webhookId = randomUUID();
		const botId = 'queue-bot';

		const emuPost = async (p: string, body: unknown) => {
			const r = await fetch(emu.url + p, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
			return { status: r.status, json: (await r.json()) as Record<string, any> };
		};
		const workerRuns = () => Object.values(cluster.executionsPerWorker()).reduce((a, b) => a + b, 0);
		/** Executions the workers finished since `before`, once `expected` are reached (or after 30 s). */
		const workerRunsSince = async (before: number, expected: number) => {
			const t0 = Date.now();
			while (workerRuns() - before < expected && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 300));
			return workerRuns() - before;
		};
		const store = () =>
			new BotConversationStore(
				new RedisTokenStore({ host: cluster.env.QUEUE_BULL_REDIS_HOST, port: Number(cluster.env.QUEUE_BULL_REDIS_PORT), encryptionKey: String(cluster.env.N8N_ENCRYPTION_KEY) }),
			);

		beforeAll(async () => {
			({ cluster, botEmu: emu } = ctx);
			const credential = BOT_CREDENTIAL;
			const nodes = example.nodes.map((n) => {
				const { id: _id, ...rest } = n as WorkflowNode & { id?: string };
				// The greeting also names the context's skill and engagement: what the PUT kept, seen by the POST.
				if (n.name === 'Greeting') return withContextInGreeting(rest);
				if (!n.type.endsWith('.livePersonBotTrigger')) return rest;
				return { ...rest, webhookId, parameters: { ...n.parameters, botId }, credentials: { livePersonBotApi: credential } };
			});
			await cluster.createActiveWorkflow('LP bot (queue mode)', nodes as WorkflowNode[], example.connections);
			botUrl = `${cluster.baseUrl}/webhook/${webhookId}`;
			expect((await emuPost('/thirdpartybots/settings', { botUrl, botId, retryDelaysMs: [300, 300] })).status).toBe(200);
			const token = (await emuPost('/thirdpartybots/token', {})).json.access_token as string;
			const t0 = Date.now();
			for (;;) {
				const r = await fetch(`${botUrl}/v1/bots/${botId}/environments`, { headers: { authorization: `Bearer ${token}` } });
				if (r.status === 200) break;
				if (Date.now() - t0 > 60_000) throw new Error(`the bot webhooks do not answer (HTTP ${r.status}):\n${cluster.main.logs().slice(-3000)}`);
				await new Promise((r2) => setTimeout(r2, 300));
			}
		}, STEP_MS);

		test(
			'conversations run on the workers; the SDES kept by the main process are in Redis (encrypted)',
			async () => {
				const before = workerRuns();
				const start = await emuPost('/thirdpartybots/conversations', { sdes: { unauthenticatedSdes: { personalInfo: { name: 'Quinn' } } } });
				expect({ status: start.status, problems: start.json.problems }).toEqual({ status: 200, problems: [] });
				expect(start.json.lines[0].text).toBe('Hi Quinn! I am the n8n sample bot. (skill 1234, engagement 5678)');
				const id = start.json.conversation.conversationId as string;
				const hello = await emuPost(`/thirdpartybots/conversations/${id}/messages`, { text: 'hello' });
				expect(hello.json.lines[0].text).toBe('You said: hello');
				const agent = await emuPost(`/thirdpartybots/conversations/${id}/messages`, { text: 'agent please' });
				expect(agent.json.conversation).toMatchObject({ status: 'transferred', transferredTo: { skillName: 'human-agents' } });

				// The record the main process wrote: readable with the cluster's key, not in clear text in Redis.
				const s = store();
				try {
					const kept = await s.loadConversation({ botId, environment: 'draft', conversationId: id });
					expect(kept?.sdes).toEqual({ unauthenticatedSdes: { personalInfo: { name: 'Quinn' } } });
					// This package's keys (n8n's own webhook cache names the paths, not ours to judge).
					const keys = (await cluster.redis.cli('--scan', '--pattern', 'n8n-nodes-liveperson:*')).split('\n').filter(Boolean);
					expect(keys.length).toBeGreaterThan(0);
					expect(keys.filter((k) => k.includes(id) || k.includes(botId))).toEqual([]);
					for (const key of keys.filter((k) => k.endsWith(':token'))) expect(await cluster.redis.cli('HGET', key, 'r')).not.toContain('Quinn');
				} finally {
					await s.store.close();
				}
				expect(await workerRunsSince(before, 3)).toBe(3);
			},
			STEP_MS,
		);

		test(
			'PUT received by main, POST events by an `n8n webhook` process: the reply names the SDES and context of the PUT',
			async () => {
				// The cluster's `n8n webhook` process, started with the workers (before this workflow was activated).
				const second = cluster.webhooks[0];
				const front = await startSplitFront(cluster.baseUrl, second.baseUrl);
				try {
					// Wait until the webhook process serves the bot (it finds webhooks in the database).
					const t0 = Date.now();
					for (;;) {
						const r = await fetch(`${second.baseUrl}/webhook/${webhookId}/v1/bots/${botId}/environments/draft/conversations/${randomUUID()}/events`, {
							method: 'POST',
							headers: { 'content-type': 'application/json' },
							body: '{}',
						});
						if (r.status === 401) break;
						if (Date.now() - t0 > 60_000) throw new Error(`the webhook process does not serve the bot (HTTP ${r.status}):\n${second.process.logs().slice(-3000)}`);
						await new Promise((r2) => setTimeout(r2, 300));
					}
					const skillId = randomInt(1e6, 1e7);
					const engagementId = randomInt(1e6, 1e7);
					const before = workerRuns();
					const start = await emuPost('/thirdpartybots/conversations', {
						botUrl: `${front.url}/webhook/${webhookId}`,
						botId,
						sdes: { unauthenticatedSdes: { personalInfo: { name: 'Avery' } } },
						context: { type: 'MESSAGING', skillId, engagementId, campaignId: 1, visitor: { id: 'visitor-q' } },
					});
					expect({ status: start.status, problems: start.json.problems }).toEqual({ status: 200, problems: [] });
					expect(start.json.lines[0].text).toBe(`Hi Avery! I am the n8n sample bot. (skill ${skillId}, engagement ${engagementId})`);
					const id = start.json.conversation.conversationId as string;
					// The API Integration lookup runs on a worker for an event the webhook process received.
					const order = await emuPost(`/thirdpartybots/conversations/${id}/messages`, { text: 'order 77 please' });
					expect(order.json.lines[0].text).toBe('Order 77: the order service answered OK (looked up through the LivePerson API Integration node).');
					const bye = await emuPost(`/thirdpartybots/conversations/${id}/messages`, { text: 'bye' });
					expect(bye.json.conversation).toMatchObject({ status: 'closed' });
					// Who received what: environments, state and the PUT went to main, every event to the webhook process; all answered 2xx.
					expect(front.seen.map((s) => `${s.method} ${s.to} ${s.status >= 200 && s.status < 300 ? '2xx' : s.status}`)).toEqual([
						'GET main 2xx',
						'GET main 2xx',
						'PUT main 2xx',
						'POST webhook 2xx',
						'POST webhook 2xx',
						'POST webhook 2xx',
					]);
					expect(await workerRunsSince(before, 3)).toBe(3);
				} finally {
					await front.close();
				}
			},
			STEP_MS,
		);
	});
}
