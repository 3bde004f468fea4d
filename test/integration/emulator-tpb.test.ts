/**
 * The emulator playing Third-Party Bots (sandbox/emulator/services/tpb.ts) against a small bot on
 * 127.0.0.1 that checks every call with the package's own verification (lib/inbound/tpb/auth.ts, key
 * set found through the emulator's CSDS and Sentinel): the documented call sequence, the same event
 * retried after a 5xx (3 attempts at most), answers that break the spec reported, the chat page, and
 * the bot credential's Test button.
 */
import http from 'node:http';
import { generateKeyPairSync } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { closeAllDispatchers } from '../../lib/http';
import { verifyTpbAuthorization } from '../../lib/inbound/tpb/auth';
import { parseConversation, parseEvent } from '../../lib/inbound/tpb/request';
import { JwksCache } from '../../lib/jwt/verify';
import { OutboundPolicy } from '../../lib/net/policy';
import { credentialTests } from '../../nodes/shared/credentialTests';
import { startEmulator, type Emulator } from '../../sandbox/emulator';

jest.setTimeout(60_000);

let emu: Emulator;
let bot: http.Server;
let botUrl = '';
const seen: string[] = [];
/** Per TEXT message: how the bot answers. */
const failNext = new Map<string, number>();

async function readJson(req: http.IncomingMessage): Promise<unknown> {
	const chunks: Buffer[] = [];
	for await (const c of req) chunks.push(c as Buffer);
	const text = Buffer.concat(chunks).toString('utf8');
	return text ? JSON.parse(text) : undefined;
}

beforeAll(async () => {
	emu = await startEmulator();
	const cache = new JwksCache();
	bot = http.createServer(async (req, res) => {
		const send = (status: number, body?: unknown) => {
			res.writeHead(status, { 'content-type': 'application/json' });
			res.end(body === undefined ? '' : JSON.stringify(body));
		};
		const verdict = await verifyTpbAuthorization(req.headers.authorization, {
			accountIds: [emu.config.accountId],
			csdsHost: emu.url,
			policy: new OutboundPolicy({ allow: ['127.0.0.0/8'] }),
			cache,
		});
		if (!verdict.ok) return send(401, { message: verdict.message });
		const path = new URL(req.url ?? '/', 'http://x').pathname;
		const body = await readJson(req);
		if (req.method === 'GET' && path === '/v1/bots/b1/environments') return send(200, ['draft']);
		if (req.method === 'GET' && path === '/v1/bots/b1/environments/draft/state') return send(200, { state: 'online', version: '2.0.0' });
		if (req.method === 'PUT' && /\/conversations\/[^/]+$/.test(path)) {
			parseConversation(body);
			return send(200);
		}
		if (req.method === 'POST' && path.endsWith('/events')) {
			const e = parseEvent(body);
			seen.push(`${e.type}:${e.change ?? e.text}:${e.sequence}`);
			const left = failNext.get(e.text ?? '') ?? 0;
			if (left > 0) {
				failNext.set(e.text ?? '', left - 1);
				return send(503, { message: 'busy' });
			}
			if (e.text === 'bad') return send(200, { response: [{ type: 'ACTION', data: { name: 'TRANSFER', parameters: { skillName: 'a', agentId: 'b' } } }] });
			if (e.text === 'agent') return send(200, { response: [{ type: 'ACTION', data: { name: 'TRANSFER', parameters: { agentId: '42' } } }], analytics: {} });
			return send(200, { response: [{ type: 'TEXT', data: { message: `echo ${e.text ?? e.change}` } }], analytics: { intents: [] } });
		}
		send(404, { message: 'no route' });
	});
	await new Promise<void>((r) => bot.listen(0, '127.0.0.1', () => r()));
	botUrl = `http://127.0.0.1:${(bot.address() as AddressInfo).port}`;
	const r = await fetch(`${emu.url}/thirdpartybots/settings`, { method: 'POST', body: JSON.stringify({ botUrl, botId: 'b1', retryDelaysMs: [10, 10] }) });
	expect(r.status).toBe(200);
});
afterAll(async () => {
	await new Promise<void>((r) => bot.close(() => r()));
	await emu?.close();
	await closeAllDispatchers();
});

const post = async (p: string, body: unknown) => {
	const r = await fetch(emu.url + p, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
	return { status: r.status, json: (await r.json()) as Record<string, any> };
};

test('a conversation: environments, state, PUT, STARTED, TEXT with increasing sequence; retries keep the sequence', async () => {
	const started = await post('/thirdpartybots/conversations', {});
	expect(started.status).toBe(200);
	expect(started.json.problems).toEqual([]);
	expect(started.json.lines).toEqual([{ from: 'bot', kind: 'text', text: 'echo STARTED' }]);
	const id = started.json.conversation.conversationId;

	failNext.set('hello', 2);
	const hello = await post(`/thirdpartybots/conversations/${id}/messages`, { text: 'hello' });
	expect(hello.json).toMatchObject({ status: 200, attempts: 3, problems: [], lines: [{ text: 'echo hello' }] });
	expect(seen.slice(-4)).toEqual(['CONVERSATION:STARTED:0', 'TEXT:hello:1', 'TEXT:hello:1', 'TEXT:hello:1']);

	failNext.set('again', 3);
	const down = await post(`/thirdpartybots/conversations/${id}/messages`, { text: 'again' });
	expect(down.status).toBe(502);
	expect(down.json.message).toMatch(/failed after 3 attempts/);

	const bad = await post(`/thirdpartybots/conversations/${id}/messages`, { text: 'bad' });
	expect(bad.json.problems).toEqual(['"analytics" is missing or not an object', 'response[0] TRANSFER parameters are not exactly {skillName} or {agentId}']);

	const agent = await post(`/thirdpartybots/conversations/${id}/messages`, { text: 'agent' });
	expect(agent.json.conversation).toMatchObject({ status: 'transferred', transferredTo: { agentId: '42' } });
	const after = await post(`/thirdpartybots/conversations/${id}/messages`, { text: 'still there?' });
	expect(after.status).toBe(409);
	const calls = (await (await fetch(`${emu.url}/thirdpartybots/calls`)).json()) as Array<{ method: string; path: string; status: unknown; attempt: number }>;
	expect(calls.slice(0, 4).map((c) => `${c.method} ${c.path.replace(/[0-9a-f-]{36}/, '<id>')} ${c.status}`)).toEqual([
		'GET /v1/bots/b1/environments 200',
		'GET /v1/bots/b1/environments/draft/state 200',
		'PUT /v1/bots/b1/environments/draft/conversations/<id> 200',
		'POST /v1/bots/b1/environments/draft/conversations/<id>/events 200',
	]);
});

test('the chat page is served and a bad bot URL is reported, not thrown', async () => {
	const page = await fetch(`${emu.url}/chat`);
	expect(page.status).toBe(200);
	expect(await page.text()).toContain('/thirdpartybots/conversations');
	const r = await post('/thirdpartybots/conversations', { botUrl: 'http://127.0.0.1:1', botId: 'b1' });
	expect(r.status).toBe(502);
	expect(r.json.message).toMatch(/failed after 3 attempts/);
});

test('the bot credential Test: the account\'s Sentinel keys through the emulator CSDS; an unknown account fails', async () => {
	const run = (data: Record<string, unknown>) => credentialTests.livePersonBotApiTest.call({} as never, { id: '1', name: 'b', type: 'livePersonBotApi', data } as never);
	await expect(run({ accountIds: emu.config.accountId, csdsHost: emu.url, allowedInternalNetworks: 'loopback' })).resolves.toMatchObject({ status: 'OK', message: expect.stringMatching(/1 key/) });
	await expect(run({ accountIds: '', csdsHost: emu.url })).resolves.toMatchObject({ status: 'Error', message: expect.stringMatching(/account ID/) });
	const blocked = await run({ accountIds: emu.config.accountId, csdsHost: emu.url });
	expect(blocked.status).toBe('Error');
	// With the zone's public key pasted, nothing is fetched; a private key is refused without quoting it.
	const pair = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
	await expect(run({ accountIds: emu.config.accountId, sentinelPem: pair.publicKey })).resolves.toMatchObject({ status: 'OK', message: expect.stringMatching(/public key \(PEM\)/) });
	const priv = await run({ accountIds: emu.config.accountId, sentinelPem: pair.privateKey });
	expect(priv).toMatchObject({ status: 'Error', message: expect.stringMatching(/private key/) });
	expect(priv.message).not.toContain(pair.privateKey.split('\n')[1]);
});
