/**
 * Custom Endpoint requests (lib/inbound/tpb/request.ts) per route of LivePerson's reference service
 * (docs/v1.json: path parameters, "Conversation"/"ConversationContext", "ConversationChange" with
 * TextChange, StateChange, StructuredContentChange, HostedFileChange, "ChangeContext"): good bodies
 * give one typed value, bad ones a TpbRequestError (400) naming the field.
 */
import { parseConversation, parseEvent, parseRouteParams, routeOf, TpbRequestError } from '../../lib/inbound/tpb/request';

const lpEvent = { sequence: 4, serverTimestamp: 1700000000000, conversationId: 'c-1', dialogId: 'c-1', originatorId: 'consumer-9', event: { type: 'ContentEvent' } };
const fieldOf = (fn: () => unknown) => {
	try {
		fn();
	} catch (e) {
		expect(e).toBeInstanceOf(TpbRequestError);
		expect((e as TpbRequestError).status).toBe(400);
		return (e as TpbRequestError).field;
	}
	return undefined;
};

describe('routes', () => {
	it('tells the four routes apart by method and parameters', () => {
		expect(routeOf('GET', { botId: 'b' })).toBe('environments');
		expect(routeOf('GET', { botId: 'b', environment: 'draft' })).toBe('state');
		expect(routeOf('PUT', { botId: 'b', environment: 'draft', convId: 'c' })).toBe('conversation');
		expect(routeOf('POST', { botId: 'b', environment: 'draft', convId: 'c' })).toBe('event');
		expect(routeOf('DELETE', { botId: 'b', environment: 'draft', convId: 'c' })).toBeUndefined();
	});

	it('checks the bot id pattern (letters, digits, "-", at most 36) and the other parameters', () => {
		expect(parseRouteParams({ botId: '5809777a-e548-4bd2-bc5f-a1003c132a28', environment: 'draft', convId: 'abc' })).toEqual({
			botId: '5809777a-e548-4bd2-bc5f-a1003c132a28',
			environment: 'draft',
			conversationId: 'abc',
		});
		expect(fieldOf(() => parseRouteParams({ botId: 'a_b' }))).toBe('botId');
		expect(fieldOf(() => parseRouteParams({ botId: 'x'.repeat(37) }))).toBe('botId');
		expect(fieldOf(() => parseRouteParams({ botId: 'ok', environment: '../x' }))).toBe('environment');
		expect(fieldOf(() => parseRouteParams({ botId: 'ok', environment: 'draft', convId: ' ' }))).toBe('convId');
	});
});

describe('PUT conversation', () => {
	const context = { type: 'MESSAGING', skillId: 123, engagementId: 456, campaignId: 789, visitor: { id: 'v' } };
	it('keeps sdes and context; a conversation without SDES gets {}', () => {
		const sdes = { authenticatedSdes: { customerInfo: { customerId: 'c9' } }, unauthenticatedSdes: {} };
		expect(parseConversation({ sdes, context })).toEqual({ sdes, context });
		expect(parseConversation(JSON.stringify({ context }))).toEqual({ sdes: {}, context });
	});
	it.each([
		['not JSON', '{', 'body'],
		['array', [], 'body'],
		['sdes string', { sdes: 'x', context }, 'sdes'],
		['no context', { sdes: {} }, 'context'],
		['bad type', { context: { ...context, type: 'VOICE' } }, 'context.type'],
		['skillId string', { context: { ...context, skillId: '123' } }, 'context.skillId'],
		['no engagementId', { context: { type: 'CHAT', skillId: 1 } }, 'context.engagementId'],
		['campaignId string', { context: { ...context, campaignId: 'x' } }, 'context.campaignId'],
		['visitor string', { context: { ...context, visitor: 'x' } }, 'context.visitor'],
	])('%s -> 400 naming %s', (_n, body, field) => {
		expect(fieldOf(() => parseConversation(body))).toBe(field);
	});
});

describe('POST events', () => {
	it('TEXT: message, sequence and consumer id', () => {
		const e = parseEvent({ type: 'TEXT', source: 'CONSUMER', data: { message: 'hi' }, context: { lpEvent } });
		expect(e).toMatchObject({ type: 'TEXT', text: 'hi', source: 'CONSUMER', sequence: 4, consumerId: 'consumer-9' });
	});
	it('CONVERSATION STARTED/TRANSFERRED/CLOSED, RICH_CONTENT, hosted-file, START, CLOSE_CONVERSATION', () => {
		for (const name of ['STARTED', 'TRANSFERRED', 'CLOSED']) expect(parseEvent({ type: 'CONVERSATION', data: { name }, context: { lpEvent: {} } }).change).toBe(name);
		expect(parseEvent({ type: 'RICH_CONTENT', data: { content: { type: 'vertical' } }, context: { lpEvent } }).content).toEqual({ type: 'vertical' });
		expect(parseEvent({ type: 'hosted-file', data: { relativePath: '/a.png', fileType: 'PNG', caption: 'c' }, context: { lpEvent } }).file).toEqual({
			relativePath: '/a.png',
			fileType: 'PNG',
			caption: 'c',
			preview: undefined,
		});
		expect(parseEvent({ type: 'START', context: { lpEvent: { lastConsumerMessage: 'hello?' } } })).toMatchObject({ type: 'START', text: 'hello?' });
		expect(parseEvent({ type: 'CLOSE_CONVERSATION', context: { lpEvent: {} } }).type).toBe('CLOSE_CONVERSATION');
	});
	it.each([
		['unknown type', { type: 'IMAGE', data: {}, context: { lpEvent } }, 'type'],
		['no context', { type: 'TEXT', data: { message: 'a' } }, 'context'],
		['no lpEvent', { type: 'TEXT', data: { message: 'a' }, context: {} }, 'context.lpEvent'],
		['no data', { type: 'TEXT', context: { lpEvent } }, 'data'],
		['data string', { type: 'TEXT', data: 'hi', context: { lpEvent } }, 'data'],
		['message number', { type: 'TEXT', data: { message: 5 }, context: { lpEvent } }, 'data.message'],
		['source number', { type: 'TEXT', source: 1, data: { message: 'a' }, context: { lpEvent } }, 'source'],
		['rich content without content', { type: 'RICH_CONTENT', data: {}, context: { lpEvent } }, 'data.content'],
		['conversation bad name', { type: 'CONVERSATION', data: { name: 'OPENED' }, context: { lpEvent } }, 'data.name'],
		['file without path', { type: 'hosted-file', data: { fileType: 'PNG' }, context: { lpEvent } }, 'data.relativePath'],
		['file without type', { type: 'hosted-file', data: { relativePath: '/a' }, context: { lpEvent } }, 'data.fileType'],
		['sequence text', { type: 'TEXT', data: { message: 'a' }, context: { lpEvent: { sequence: '4' } } }, 'context.lpEvent.sequence'],
	])('%s -> 400 naming %s', (_n, body, field) => {
		expect(fieldOf(() => parseEvent(body))).toBe(field);
	});
});
