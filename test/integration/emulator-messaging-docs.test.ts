/**
 * Issue 22 items 14, 15 and 18: the emulator's Messaging Interactions refuse what LivePerson's pages
 * refuse, and search as the pages describe, over real HTTP on 127.0.0.1.
 * Pages: developers.liveperson.com/messaging-interactions-api-methods-conversations.html and
 * …-get-conversation-by-conversation-id.html (source Required, ≤ 20 characters; conversationIds ≤ 100;
 * contentToRetrieve per endpoint; skillIds "through the entire flow of the conversation"; start
 * from/to "rounded to the last/next 10 minutes").
 */
import { request } from 'undici';
import { MI_GET_CONTENT_TYPES } from '../../lib/liveperson/messaging-interactions';
import { startEmulator, type Emulator } from '../../sandbox/emulator/index';
import { MI_BASE_TIME, setMessagingRateLimit } from '../../sandbox/emulator/services/messaging';

jest.setTimeout(20_000);

const ACC = '12345678';
const HOUR = 3600 * 1000;
const DAY = 24 * HOUR;
let emu: Emulator;
let bearer: string;

beforeAll(async () => {
	emu = await startEmulator({ port: 0 });
});
afterAll(() => emu.close());
async function login() {
	const login = await request(`${emu.url}/api/account/${ACC}/login?v=1.3`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'sandbox-agent', password: 'Sandbox-Passw0rd!' }) });
	bearer = ((await login.body.json()) as { bearer: string }).bearer;
}
beforeEach(async () => {
	emu.reset();
	await login();
});

async function post(path: string, body: unknown, query = 'source=Test_Emu_Docs') {
	const res = await request(`${emu.url}/messaging_history/api/account/${ACC}${path}${query ? `${path.includes('?') ? '&' : '?'}${query}` : ''}`, {
		method: 'POST',
		headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
		body: JSON.stringify(body),
	});
	return { status: res.statusCode, headers: res.headers, json: (await res.body.json()) as any };
}
const search = (body: unknown, query?: string) => post('/conversations/search?offset=0&limit=100', body, query);
const getById = (body: unknown, query?: string) => post('/conversations/conversation/search', body, query);
const ids = (r: { json: { conversationHistoryRecords: Array<{ info: { conversationId: string } }> } }) => r.json.conversationHistoryRecords.map((c) => c.info.conversationId);
const range = { start: { from: MI_BASE_TIME, to: MI_BASE_TIME + 40 * DAY } };

describe('source URL parameter (Required)', () => {
	it('a call without source, or with more than 20 characters, is a 400 naming it', async () => {
		for (const r of [await search(range, ''), await getById({ conversationId: 'emu-conv-0001' }, '')]) {
			expect(r.status).toBe(400);
			expect(r.json.error).toMatch(/^source is required/);
		}
		const long = await getById({ conversationId: 'emu-conv-0001' }, `source=${'x'.repeat(21)}`);
		expect(long.status).toBe(400);
		expect(long.json.error).toMatch(/source must not exceed 20/);
		expect((await getById({ conversationId: 'emu-conv-0001' }, `source=${'x'.repeat(20)}`)).status).toBe(200);
	});
});

describe('get by ID', () => {
	it('takes conversationIds (at most 100)', async () => {
		const r = await getById({ conversationIds: ['emu-conv-0001', 'emu-conv-0002', 'nope'] });
		expect(ids(r)).toEqual(['emu-conv-0001', 'emu-conv-0002']);
		const many = await getById({ conversationIds: Array.from({ length: 101 }, (_, n) => `c-${n}`) });
		expect(many.status).toBe(400);
		expect(many.json.error).toMatch(/limited to 100/);
	});

	it('accepts every contentToRetrieve value of its page, returns only those parts, refuses others', async () => {
		const r = await getById({ conversationId: 'emu-conv-0001', contentToRetrieve: [...MI_GET_CONTENT_TYPES] });
		expect(r.status).toBe(200);
		const only = await getById({ conversationId: 'emu-conv-0001', contentToRetrieve: ['transfers', 'skillChanges'] });
		expect(Object.keys(only.json.conversationHistoryRecords[0]).sort()).toEqual(['info', 'transfers']);
		const bad = await getById({ conversationId: 'emu-conv-0001', contentToRetrieve: ['everything'] });
		expect(bad.status).toBe(400);
		expect(bad.json.error).toMatch(/contentToRetrieve/);
	});
});

describe('conversations search', () => {
	it('refuses contentToRetrieve values only get-by-ID lists', async () => {
		for (const value of ['skillChanges', 'latestAgentSurvey']) expect((await search({ ...range, contentToRetrieve: [value] })).status).toBe(400);
		expect((await search({ ...range, contentToRetrieve: ['messageRecords'] })).status).toBe(200);
	});

	it('sorts both ways by start and by end; refuses other sorts', async () => {
		const range = { start: { from: MI_BASE_TIME, to: MI_BASE_TIME + 20 * DAY } }; // 81 conversations (bounds included), one page
		const asc = ids(await post('/conversations/search?offset=0&limit=100&sort=start:asc', range));
		const desc = ids(await post('/conversations/search?offset=0&limit=100&sort=start:desc', range));
		expect(asc).toHaveLength(81);
		expect(desc).toEqual([...asc].reverse());
		const endAsc = (await post('/conversations/search?offset=0&limit=100&sort=end:asc', range)).json.conversationHistoryRecords.map((c: any) => c.info.endTimeL);
		const ended = endAsc.filter((t: number) => t >= 0);
		expect(ended).toEqual([...ended].sort((a: number, b: number) => a - b));
		expect(endAsc.slice(ended.length).every((t: number) => t === -1)).toBe(true);
		const endDesc = (await post('/conversations/search?offset=0&limit=100&sort=end:desc', range)).json.conversationHistoryRecords.map((c: any) => c.info.endTimeL);
		expect(endDesc.slice(endDesc.length - ended.length)).toEqual([...ended].sort((a: number, b: number) => b - a));
		expect((await post('/conversations/search?offset=0&limit=100&sort=time', range)).status).toBe(400);
	});

	it('skillIds match any skill through the conversation; latestSkillIds the latest only', async () => {
		const day = { start: { from: MI_BASE_TIME, to: MI_BASE_TIME + 18 * HOUR + 60_000 } }; // conversations 0–3
		expect(ids(await search({ ...day, skillIds: [1234] }))).toEqual(['emu-conv-0000', 'emu-conv-0001', 'emu-conv-0002']);
		expect(ids(await search({ ...day, latestSkillIds: [1234] }))).toEqual(['emu-conv-0000', 'emu-conv-0002']);
		expect(ids(await search({ ...day, skillIds: [5678] }))).toEqual(['emu-conv-0001', 'emu-conv-0003']);
	});

	it('rounds start.from down and start.to up to 10 minutes', async () => {
		// Conversations start every 6 h; a range 5 minutes inside two of them still finds both.
		const r = await search({ start: { from: MI_BASE_TIME + 6 * HOUR + 5 * 60_000, to: MI_BASE_TIME + 12 * HOUR - 5 * 60_000 } });
		expect(ids(r)).toEqual(['emu-conv-0001', 'emu-conv-0002']);
		const tight = await search({ start: { from: MI_BASE_TIME + 6 * HOUR + 11 * 60_000, to: MI_BASE_TIME + 12 * HOUR - 11 * 60_000 } });
		expect(ids(tight)).toEqual([]);
	});
});

describe('429 mode', () => {
	it('answers 429 with Retry-After once the bucket is empty, and again after the clock refills it', async () => {
		let now = 0;
		setMessagingRateLimit(emu.hostPort, { capacity: 2, refillPerSecond: 1, now: () => now });
		const first = await search(range);
		expect([first.status, first.json.error]).toEqual([200, undefined]);
		expect((await search(range)).status).toBe(200);
		const limited = await search(range);
		expect(limited.status).toBe(429);
		expect(limited.headers['retry-after']).toBe('1');
		now += 1000;
		expect((await search(range)).status).toBe(200);
		emu.reset(); // the mode ends with the reset (as do the sessions: log in again)
		await login();
		for (let n = 0; n < 3; n++) expect((await search(range)).status).toBe(200);
	});
});
