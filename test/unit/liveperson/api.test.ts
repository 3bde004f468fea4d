import { LpError } from '../../../lib/errors';
import type { HttpResponse } from '../../../lib/http';
import { buildLpApiRequest, lpRetryPolicy, nextOffset, processLpApiResponse, readOffsetPage, validateApiPath } from '../../../lib/liveperson/api';
import { buildConversationSearchBody, buildConversationSearchCall, buildGetConversationCall, processGetConversationBody, transcriptOf, validateLimit } from '../../../lib/liveperson/messaging-interactions';
import { buildCurrentQueueHealthCall, processCurrentQueueHealthBody } from '../../../lib/liveperson/messaging-operations';

const ACC = '12345678';
const res = (status: number, body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }): HttpResponse => ({
	status,
	headers,
	body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
	attempts: 1,
});

function thrown(fn: () => unknown): LpError {
	try {
		fn();
	} catch (error) {
		expect(error).toBeInstanceOf(LpError);
		return error as LpError;
	}
	throw new Error('expected an error');
}

describe('LivePerson API requests', () => {
	it('fills {accountId}, keeps query and body, marks idempotent calls', () => {
		const req = buildLpApiRequest('https://va.msghist.liveperson.net', ACC, { service: 'msgHist', method: 'post', path: '/a/{accountId}/b', query: { q: ['1', '2'], x: 'y' }, body: '{}' });
		expect(req.url).toBe(`https://va.msghist.liveperson.net/a/${ACC}/b?q=1&q=2&x=y`);
		expect(req.headers['content-type']).toBe('application/json');
		expect(req.idempotent).toBe(false);
		expect(buildLpApiRequest('https://h', ACC, { service: 'msgHist', method: 'GET', path: '/x' }).idempotent).toBe(true);
		expect(buildLpApiRequest('https://h', ACC, { service: 'msgHist', method: 'POST', path: '/x', idempotent: true }).idempotent).toBe(true);
	});

	it('refuses paths that could leave the service host, reserved headers and GET bodies', () => {
		for (const path of ['x', '//evil.example.com/x', '/a/../b', '/a/./b', '/a b', '/a#b', '/a\\b']) expect(thrown(() => validateApiPath(path, ACC)).field).toBe('path');
		expect(thrown(() => buildLpApiRequest('https://h', ACC, { service: 'msgHist', method: 'GET', path: '/x', headers: { Host: 'x' } })).code).toBe('LP_API_HEADER_RESERVED');
		expect(thrown(() => buildLpApiRequest('https://h', ACC, { service: 'msgHist', method: 'GET', path: '/x', body: 'x' })).code).toBe('LP_API_GET_BODY');
		expect(thrown(() => buildLpApiRequest('https://h', ACC, { service: 'msg Hist', method: 'GET', path: '/x' })).field).toBe('service');
		expect(thrown(() => buildLpApiRequest('https://h', ACC, { service: 'msgHist', method: 'TRACE', path: '/x' })).code).toBe('LP_API_METHOD');
	});

	it('retries 429 always, 5xx and network errors only when idempotent', () => {
		expect(lpRetryPolicy(true)).toMatchObject({ retries: 3, statuses: [429, 500, 502, 503, 504], networkErrors: true, delaysMs: [5000, 10000, 15000] });
		expect(lpRetryPolicy(false)).toMatchObject({ statuses: [429], networkErrors: false });
	});

	it('reads answers; 401/403 name the auth sent', () => {
		expect(processLpApiResponse(res(200, { a: 1 }), { service: 'msgHist' }).body).toEqual({ a: 1 });
		expect(processLpApiResponse(res(200, 'text', { 'content-type': 'text/plain' }), { service: 'msgHist' }).body).toBe('text');
		expect(processLpApiResponse(res(500, 'x'), { service: 'msgHist', neverError: true }).statusCode).toBe(500);
		const e = thrown(() => processLpApiResponse(res(403, 'no secret-token-value'), { service: 'msgHist', authLabel: 'Sentinel app token', secrets: ['secret-token-value'] }));
		expect(e.hint).toContain('Sent: Sentinel app token');
		expect(JSON.stringify(e.toJSON())).not.toContain('secret-token-value');
	});

	it('pages by offset until the total, a short page or the cap', () => {
		const page = readOffsetPage({ _metadata: { count: 120 }, conversationHistoryRecords: new Array(50).fill({}) });
		expect(page.total).toBe(120);
		expect(nextOffset(0, 50, page, 50, 1000)).toBe(50);
		expect(nextOffset(100, 50, { records: new Array(20).fill({}), total: 120 }, 120, 1000)).toBeUndefined();
		expect(nextOffset(0, 50, { records: new Array(10).fill({}) }, 10, 1000)).toBeUndefined();
		expect(nextOffset(0, 50, page, 50, 50)).toBeUndefined();
		expect(nextOffset(0, 50, { records: [] }, 0, 10)).toBeUndefined();
		expect(thrown(() => readOffsetPage({ a: [] }, 'records')).code).toBe('LP_API_NO_ITEMS');
		expect(readOffsetPage([1, 2]).records).toEqual([1, 2]);
		expect(thrown(() => readOffsetPage('<!doctype html><html></html>')).code).toBe('HTML_RESPONSE');
		expect(thrown(() => readOffsetPage('ok')).code).toBe('LP_API_NOT_JSON');
	});
});

describe('Messaging Interactions', () => {
	const from = Date.UTC(2026, 0, 31);
	it('builds the documented search with its limits', () => {
		const call = buildConversationSearchCall({ startFrom: from, startTo: '2026-04-30T00:00:00Z', status: ['OPEN'], skillIds: ['12', 13], keyword: ' refund ', sort: 'start:desc', version: '2' }, { offset: 100, limit: 100 });
		expect(call).toMatchObject({ service: 'msgHist', method: 'POST', path: '/messaging_history/api/account/{accountId}/conversations/search', query: { offset: '100', limit: '100', sort: 'start:desc', v: '2', source: 'n8n_LPNode_History' }, idempotent: true });
		expect(JSON.parse(call.body as string)).toEqual({ start: { from, to: Date.UTC(2026, 3, 30) }, status: ['OPEN'], skillIds: [12, 13], keyword: 'refund' });
		// Three calendar months from 31 January end on 30 April (Date.UTC rolls 31 April to 1 May).
		expect(thrown(() => buildConversationSearchBody({ startFrom: from, startTo: Date.UTC(2026, 4, 2) })).code).toBe('MI_RANGE_TOO_LONG');
		expect(thrown(() => buildConversationSearchBody({ startFrom: '', startTo: from })).code).toBe('MI_START_EMPTY');
		expect(thrown(() => buildConversationSearchBody({ startFrom: from, startTo: from - 1 })).code).toBe('MI_RANGE_INVALID');
		expect(thrown(() => buildConversationSearchBody({ startFrom: from, startTo: from, status: ['CLOSED'] })).code).toBe('MI_STATUS_INVALID');
		expect(thrown(() => buildConversationSearchBody({ startFrom: from, startTo: from, contentToRetrieve: ['everything'] })).code).toBe('MI_CONTENT_INVALID');
		expect(thrown(() => validateLimit(101)).code).toBe('MI_LIMIT_INVALID');
		expect(thrown(() => buildConversationSearchCall({ startFrom: from, startTo: from, sort: 'time' }, { offset: 0, limit: 1 })).code).toBe('MI_SORT_INVALID');
	});

	it('gets one conversation with a transcript in sequence order', () => {
		expect(JSON.parse(buildGetConversationCall({ conversationId: ' c-1 ', contentToRetrieve: ['messageRecords'] }).body as string)).toEqual({ conversationId: 'c-1', contentToRetrieve: ['messageRecords'] });
		expect(thrown(() => buildGetConversationCall({ conversationId: 'a/b' })).code).toBe('MI_CONVERSATION_INVALID');
		const record = { info: { conversationId: 'c-1' }, messageRecords: [{ seq: 1, sentBy: 'Agent', messageData: { msg: { text: 'b' } } }, { seq: 0, sentBy: 'Consumer', messageData: { msg: { text: 'a' } } }, { seq: 2, type: 'RICH_CONTENT', messageData: {} }] };
		expect(transcriptOf(record).map((t) => t.text)).toEqual(['a', 'b', undefined]);
		expect(processGetConversationBody({ conversationHistoryRecords: [record] }, 'c-1')[0].transcript).toHaveLength(3);
		expect(thrown(() => processGetConversationBody({ conversationHistoryRecords: [] }, 'c-1')).code).toBe('MI_CONVERSATION_NOT_FOUND');
		expect(thrown(() => processGetConversationBody({}, 'c-1')).code).toBe('MI_SHAPE');
	});
});

describe('Messaging Operations', () => {
	it('builds the current queue health call and checks the documented shape', () => {
		expect(buildCurrentQueueHealthCall(' 12, 13 ')).toMatchObject({ service: 'leDataReporting', method: 'GET', path: '/operations/api/account/{accountId}/msgqueuehealth/current/', query: { v: '1', skillIds: '12,13' } });
		expect(buildCurrentQueueHealthCall('all').query).toEqual({ v: '1' });
		expect(buildCurrentQueueHealthCall('').query).toEqual({ v: '1' });
		expect(thrown(() => buildCurrentQueueHealthCall('12,x')).field).toBe('skillIds');
		expect(processCurrentQueueHealthBody({ skillsMetrics: { 12: { unassignedConversations: 1 } }, metricsTotal: { unassignedConversations: 1 } }).skillsMetrics['12']).toEqual({ unassignedConversations: 1 });
		expect(thrown(() => processCurrentQueueHealthBody({ skillsMetrics: [] })).code).toBe('MO_SHAPE');
	});
});
