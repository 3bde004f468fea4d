/**
 * Issue 22, items 14 and 15: what LivePerson's Messaging Interactions pages require and allow.
 * - `source` URL parameter, Required, at most 20 characters (conversations search, get by ID):
 *   developers.liveperson.com/messaging-interactions-api-methods-conversations.html and
 *   …-get-conversation-by-conversation-id.html.
 * - get by ID: `conversationIds` (at most 100) and its own `contentToRetrieve` list (five more values).
 */
import { LpError } from '../../../lib/errors';
import {
	buildConversationSearchCall,
	buildGetConversationCall,
	MI_DEFAULT_SOURCE,
	MI_GET_CONTENT_TYPES,
	MI_SEARCH_CONTENT_TYPES,
	processGetConversationBody,
	validateMiSource,
} from '../../../lib/liveperson/messaging-interactions';

function thrown(fn: () => unknown): LpError {
	try {
		fn();
	} catch (error) {
		return error as LpError;
	}
	throw new Error('expected a throw');
}

const from = Date.UTC(2026, 0, 1);
const bodyOf = (call: { body?: string | Buffer }) => JSON.parse(String(call.body)) as Record<string, unknown>;

describe('Messaging Interactions source (required by the live pages)', () => {
	it('is sent on the search and on get by ID, default or as given', () => {
		expect(buildConversationSearchCall({ startFrom: from, startTo: from }, { offset: 0, limit: 1 }).query?.source).toBe(MI_DEFAULT_SOURCE);
		expect(buildGetConversationCall({ conversationId: 'c-1' }).query?.source).toBe(MI_DEFAULT_SOURCE);
		expect(buildGetConversationCall({ conversationId: 'c-1', source: ' LP_AgentUI_History ' }).query?.source).toBe('LP_AgentUI_History');
		expect(buildConversationSearchCall({ startFrom: from, startTo: from, source: 'Acme_Bot.Audit-1' }, { offset: 0, limit: 1 }).query?.source).toBe('Acme_Bot.Audit-1');
	});

	it('default follows the documented limits', () => {
		expect(MI_DEFAULT_SOURCE.length).toBeLessThanOrEqual(20);
		expect(validateMiSource(MI_DEFAULT_SOURCE)).toBe(MI_DEFAULT_SOURCE);
		expect(validateMiSource('')).toBe(MI_DEFAULT_SOURCE);
	});

	it('refuses more than 20 characters and characters outside letters, digits, "_", "-", "."', () => {
		expect(validateMiSource('x'.repeat(20))).toBe('x'.repeat(20));
		const long = thrown(() => validateMiSource('x'.repeat(21)));
		expect(long.code).toBe('MI_SOURCE_TOO_LONG');
		expect(long.field).toBe('source');
		for (const bad of ['a b', 'a&b=c', 'a/b', 'é', 'a+b']) expect(thrown(() => validateMiSource(bad)).code).toBe('MI_SOURCE_INVALID');
		expect(thrown(() => buildGetConversationCall({ conversationId: 'c-1', source: 'x'.repeat(21) })).code).toBe('MI_SOURCE_TOO_LONG');
	});
});

describe('get conversation by ID: conversationIds and its own contentToRetrieve list', () => {
	it('sends several IDs as conversationIds, at most 100', () => {
		expect(bodyOf(buildGetConversationCall({ conversationId: 'a, b ,a,' }))).toEqual({ conversationIds: ['a', 'b'] });
		const hundred = Array.from({ length: 100 }, (_, n) => `c-${n}`);
		expect((bodyOf(buildGetConversationCall({ conversationId: hundred.join(',') })).conversationIds as string[]).length).toBe(100);
		expect(thrown(() => buildGetConversationCall({ conversationIds: [...hundred, 'c-100'] })).code).toBe('MI_CONVERSATION_TOO_MANY');
		expect(thrown(() => buildGetConversationCall({ conversationId: ' , ' })).code).toBe('MI_CONVERSATION_EMPTY');
	});

	it('accepts every value the get-by-ID page lists, which the search does not all accept', () => {
		const extra = ['skillChanges', 'intents', 'uniqueIntents', 'latestAgentSurvey', 'previouslySubmittedAgentSurveys'];
		expect(bodyOf(buildGetConversationCall({ conversationId: 'c-1', contentToRetrieve: extra })).contentToRetrieve).toEqual(extra);
		expect(MI_GET_CONTENT_TYPES).toEqual(expect.arrayContaining([...MI_SEARCH_CONTENT_TYPES, ...extra]));
		for (const value of extra) {
			expect(thrown(() => buildConversationSearchCall({ startFrom: from, startTo: from, contentToRetrieve: [value] }, { offset: 0, limit: 1 })).code).toBe('MI_CONTENT_INVALID');
		}
		expect(thrown(() => buildGetConversationCall({ conversationId: 'c-1', contentToRetrieve: ['everything'] })).code).toBe('MI_CONTENT_INVALID');
	});

	it('returns every conversation found; none found is a 404', () => {
		const out = processGetConversationBody({ conversationHistoryRecords: [{ info: { conversationId: 'a' } }, { info: { conversationId: 'b' } }] }, ['a', 'b', 'c']);
		expect(out.map((r) => (r.info as { conversationId: string }).conversationId)).toEqual(['a', 'b']);
		const none = thrown(() => processGetConversationBody({ conversationHistoryRecords: [] }, ['a', 'b']));
		expect(none.status).toBe(404);
		expect(none.message).toBe('No conversation of the 2 IDs in this account');
	});
});
