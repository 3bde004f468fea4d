/**
 * The fallback guard (lib/inbound/tpb/guard.ts) on a real HTTP server, written to the way n8n
 * answers (express-style setHeader + end, error pages, empty bodies, late writes), and the bot's
 * conversation store (lib/inbound/tpb/store.ts) on the package's shared store (memory store with an
 * injected clock; the Redis store has the same interface and its own tests).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { guardBotReply } from '../../lib/inbound/tpb/guard';
import { botReply, text, transferToSkill, type BotReply } from '../../lib/inbound/tpb/reply';
import { BotConversationStore } from '../../lib/inbound/tpb/store';
import { MemoryTokenStore } from '../../lib/auth/store/memory';

const fallback = botReply([text('One moment'), transferToSkill('humans')]);
const good = botReply([text('Hello')]);

type Writer = (res: http.ServerResponse) => void;
let writer: Writer = () => undefined;
let sent: Array<{ reply: BotReply; replaced?: string }> = [];
let timeoutMs = 5_000;
let server: http.Server;
let url = '';

beforeAll(async () => {
	server = http.createServer((_req, res) => {
		guardBotReply(res, { fallback, timeoutMs, onSent: (reply, replaced) => sent.push({ reply, replaced }) });
		writer(res);
	});
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
	url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(() => {
	sent = [];
	timeoutMs = 5_000;
});

const json = (res: http.ServerResponse, status: number, body: unknown) => {
	const t = JSON.stringify(body);
	res.statusCode = status;
	res.setHeader('content-type', 'application/json; charset=utf-8');
	res.setHeader('content-length', Buffer.byteLength(t));
	res.setHeader('etag', 'W/"abc"');
	res.end(t);
};

async function call() {
	const r = await fetch(url, { method: 'POST' });
	return { status: r.status, body: await r.json(), etag: r.headers.get('etag') };
}

describe('reply guard', () => {
	it('passes a valid reply through unchanged', async () => {
		writer = (res) => json(res, 200, good);
		expect(await call()).toMatchObject({ status: 200, body: good, etag: 'W/"abc"' });
		expect(sent).toEqual([{ reply: good, replaced: undefined }]);
	});

	it.each<[string, Writer, RegExp]>([
		['n8n error page (500 "Error in workflow")', (res) => json(res, 500, { message: 'Error in workflow' }), /HTTP 500/],
		['empty body (no reply node ran)', (res) => res.end(), /answered nothing/],
		['a reply of the wrong shape', (res) => json(res, 200, { response: [{ type: 'TEXT', data: {} }], analytics: {} }), /response\[0\]\.data\.message/],
		['not JSON', (res) => res.end('<html>'), /not a valid bot reply/],
	])('replaces %s by the fallback', async (_n, w, reason) => {
		writer = w;
		const r = await call();
		expect(r).toMatchObject({ status: 200, body: fallback, etag: null });
		expect(sent).toHaveLength(1);
		expect(sent[0].replaced).toMatch(reason);
	});

	it('sends the fallback when nothing is written in time, and drops what comes later', async () => {
		timeoutMs = 150;
		let late: Promise<void> = Promise.resolve();
		writer = (res) => {
			late = new Promise((resolve) =>
				setTimeout(() => {
					// What n8n does when the workflow finally answers: headers, then the body.
					expect(() => json(res, 200, good)).not.toThrow();
					resolve();
				}, 400),
			);
		};
		const r = await call();
		expect(r).toMatchObject({ status: 200, body: fallback });
		await late;
		expect(sent).toHaveLength(1);
		expect(sent[0].replaced).toMatch(/no reply within/);
	});
});

describe('conversation store', () => {
	const key = { botId: 'bot-1', environment: 'draft', conversationId: 'conv-1' };
	const state = { sdes: { authenticatedSdes: { customerInfo: { customerId: 'c9' } } }, context: { type: 'MESSAGING' as const, skillId: 1, engagementId: 2 } };

	it('keeps SDES and context for the TTL', async () => {
		let now = 1_000_000;
		const store = new BotConversationStore(new MemoryTokenStore({ now: () => now }), { conversationTtlMs: 60_000, now: () => now });
		await store.saveConversation(key, state);
		expect(await store.loadConversation(key)).toEqual(state);
		expect(await store.loadConversation({ ...key, environment: 'prod' })).toBeUndefined();
		now += 60_001;
		expect(await store.loadConversation(key)).toBeUndefined();
	});

	it('claims an event once per sequence; the retry finds the answer sent', async () => {
		let now = 5_000_000;
		const shared = new MemoryTokenStore({ now: () => now });
		// Two processes on one shared store (queue mode: main and worker on one Redis).
		const a = new BotConversationStore(shared, { eventTtlMs: 10_000, now: () => now });
		const b = new BotConversationStore(shared, { eventTtlMs: 10_000, now: () => now });
		expect(await a.claimEvent(key, 7)).toBe(true);
		expect(await b.claimEvent(key, 7)).toBe(false);
		expect(await b.claimEvent(key, 8)).toBe(true);
		expect(await b.loadReply(key, 7)).toBeUndefined();
		await a.saveReply(key, 7, good);
		expect(await b.loadReply(key, 7)).toEqual(good);
		now += 10_001;
		expect(await b.claimEvent(key, 7)).toBe(true);
	});
});

describe('memory store sweep', () => {
	it('drops expired conversations, event markers and answers that are never read again', async () => {
		let now = 0;
		const memory = new MemoryTokenStore({ now: () => now });
		const store = new BotConversationStore(memory, { conversationTtlMs: 1_000, eventTtlMs: 500, now: () => now });
		const k = { botId: 'b', environment: 'draft', conversationId: 'c' };
		await store.saveConversation(k, { sdes: {}, context: { type: 'CHAT', skillId: 1, engagementId: 1 } });
		for (let seq = 0; seq < 10; seq++) {
			await store.claimEvent(k, seq);
			await store.saveReply(k, seq, good);
		}
		expect(memory.size()).toBe(21);
		now = 600;
		expect(memory.sweep()).toBe(20);
		expect(await store.loadConversation(k)).toBeDefined();
		now = 1_001;
		expect(memory.sweep()).toBe(1);
		expect(memory.size()).toBe(0);
	});
});
