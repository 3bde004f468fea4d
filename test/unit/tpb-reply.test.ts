/**
 * Custom Endpoint answers (lib/inbound/tpb/reply.ts, reply-fields.ts) against the shapes of
 * LivePerson's reference service (docs/v1.json "PostEventResponse", "Text", "StructuredContent",
 * "Delay", "Action", "TransferAction", "CloseConversationAction", "ChangeTTRAction",
 * "InvokeFunctionAction", "Intent"). Each bad shape must be refused with the path of the problem.
 */
import {
	botReply,
	changeTtr,
	checkBotReply,
	closeConversation,
	delay,
	invokeFunction,
	privateText,
	quickReplies,
	structuredContent,
	text,
	transferToAgent,
	transferToSkill,
} from '../../lib/inbound/tpb/reply';
import { replyFromFields } from '../../lib/inbound/tpb/reply-fields';

const UUID = '4f1b3c5e-8a9d-4e2f-b6c7-0d1e2f3a4b5c';
const ok = (response: unknown[], analytics: object = { intents: [] }) => ({ response, analytics });
const fieldOf = (fn: () => unknown): string | undefined => {
	try {
		fn();
	} catch (e) {
		return (e as { field?: string }).field;
	}
	return undefined;
};

describe('bot reply builders produce documented shapes', () => {
	it('every response type and action passes the check, with the exact JSON LivePerson expects', () => {
		const reply = botReply(
			[
				text('Hi'),
				privateText('note for agents'),
				quickReplies('Pick one', ['Yes', 'No']),
				structuredContent({ type: 'vertical', elements: [{ type: 'text', text: 'card' }] }),
				delay(2, false),
				transferToSkill('human'),
				transferToAgent('1234.5678'),
				closeConversation(true),
				changeTtr('URGENT'),
				changeTtr('CUSTOM', 120),
				invokeFunction(UUID, { a: 1 }, true),
			],
			[{ id: 'greet', description: 'Greeting', confidenceScore: 0.9 }],
		);
		expect(reply.response[0]).toEqual({ type: 'TEXT', data: { message: 'Hi' } });
		expect(reply.response[1]).toEqual({ type: 'TEXT', data: { message: 'note for agents', messageAudience: 'AGENTS_AND_MANAGERS' } });
		expect(reply.response[2]).toMatchObject({
			type: 'STRUCTURED_CONTENT',
			data: { structuredContent: { message: 'Pick one', quickReplies: { type: 'quickReplies', replies: [{ type: 'button', title: 'Yes', click: { actions: [{ type: 'publishText', text: 'Yes' }] } }, { title: 'No' }] } } },
		});
		expect(reply.response[4]).toEqual({ type: 'DELAY', data: { seconds: 2, typing: false } });
		expect(reply.response[5]).toEqual({ type: 'ACTION', data: { name: 'TRANSFER', parameters: { skillName: 'human' } } });
		expect(reply.response[6]).toEqual({ type: 'ACTION', data: { name: 'TRANSFER', parameters: { agentId: '1234.5678' } } });
		expect(reply.response[7]).toEqual({ type: 'ACTION', data: { name: 'CLOSE_CONVERSATION', parameters: { withoutPcs: true } } });
		expect(reply.response[8]).toEqual({ type: 'ACTION', data: { name: 'CHANGE_TTR', parameters: { ttrType: 'URGENT' } } });
		expect(reply.response[9]).toEqual({ type: 'ACTION', data: { name: 'CHANGE_TTR', parameters: { ttrType: 'CUSTOM', value: 120 } } });
		expect(reply.response[10]).toEqual({ type: 'ACTION', data: { name: 'INVOKE_FUNCTION', parameters: { lambdaUuid: UUID, payload: { a: 1 }, failOnError: true } } });
		expect(reply.analytics).toEqual({ intents: [{ id: 'greet', description: 'Greeting', confidenceScore: 0.9 }] });
		// JSON round trip: what goes on the wire is what was checked.
		expect(checkBotReply(JSON.parse(JSON.stringify(reply)))).toEqual(reply);
	});

	it('accepts the reference service sample answers (metadata arrays, encodedMetadata, empty close parameters)', () => {
		expect(() =>
			checkBotReply(
				ok([
					{ type: 'STRUCTURED_CONTENT', data: { metadata: [{ type: 'ExternalId', id: 'ABCD1234' }], structuredContent: { type: 'vertical', elements: [] } } },
					{ type: 'TEXT', data: { message: 'x', encodedMetadata: 'e30=', metadata: { k: 1 }, messageAudience: 'ALL' } },
					{ type: 'ACTION', data: { name: 'CLOSE_CONVERSATION', parameters: {} } },
					{ type: 'ACTION', data: { name: 'CLOSE_CONVERSATION' } },
				]),
			),
		).not.toThrow();
		expect(() => checkBotReply({ response: [], analytics: {} })).not.toThrow();
	});
});

describe('bad answers are refused naming the path', () => {
	const cases: Array<[string, unknown, string]> = [
		['not an object', [], 'body'],
		['no response array', { analytics: {} }, 'response'],
		['no analytics', { response: [] }, 'analytics'],
		['unknown type', ok([{ type: 'IMAGE', data: {} }]), 'response[0].type'],
		['no data', ok([{ type: 'TEXT' }]), 'response[0].data'],
		['empty text', ok([{ type: 'TEXT', data: { message: '' } }]), 'response[0].data.message'],
		['bad audience', ok([{ type: 'TEXT', data: { message: 'a', messageAudience: 'AGENTS' } }]), 'response[0].data.messageAudience'],
		['metadata string', ok([{ type: 'TEXT', data: { message: 'a', metadata: 'x' } }]), 'response[0].data.metadata'],
		['sc not object', ok([{ type: 'STRUCTURED_CONTENT', data: { structuredContent: '{}' } }]), 'response[0].data.structuredContent'],
		['sc without type', ok([{ type: 'STRUCTURED_CONTENT', data: { structuredContent: { elements: [] } } }]), 'response[0].data.structuredContent.type'],
		['quick replies empty', ok([{ type: 'STRUCTURED_CONTENT', data: { structuredContent: { message: 'q', quickReplies: { type: 'quickReplies', replies: [] } } } }]), 'response[0].data.structuredContent.quickReplies.replies'],
		['quick reply without title', ok([{ type: 'STRUCTURED_CONTENT', data: { structuredContent: { message: 'q', quickReplies: { type: 'quickReplies', replies: [{ type: 'button', click: { actions: [{}] } }] } } } }]), 'response[0].data.structuredContent.quickReplies.replies[0].title'],
		['delay 0', ok([{ type: 'DELAY', data: { seconds: 0 } }]), 'response[0].data.seconds'],
		['delay 1.5', ok([{ type: 'DELAY', data: { seconds: 1.5 } }]), 'response[0].data.seconds'],
		['delay typing string', ok([{ type: 'DELAY', data: { seconds: 1, typing: 'yes' } }]), 'response[0].data.typing'],
		['unknown action', ok([{ type: 'ACTION', data: { name: 'ESCALATE' } }]), 'response[0].data.name'],
		['transfer without target', ok([{ type: 'ACTION', data: { name: 'TRANSFER', parameters: {} } }]), 'response[0].data.parameters'],
		['transfer to both', ok([{ type: 'ACTION', data: { name: 'TRANSFER', parameters: { skillName: 'a', agentId: 'b' } } }]), 'response[0].data.parameters'],
		['transfer extra key', ok([{ type: 'ACTION', data: { name: 'TRANSFER', parameters: { skillName: 'a', skillId: 3 } } }]), 'response[0].data.parameters.skillId'],
		['transfer empty skill', ok([{ type: 'ACTION', data: { name: 'TRANSFER', parameters: { skillName: ' ' } } }]), 'response[0].data.parameters.skillName'],
		['close withoutPcs string', ok([{ type: 'ACTION', data: { name: 'CLOSE_CONVERSATION', parameters: { withoutPcs: 'true' } } }]), 'response[0].data.parameters.withoutPcs'],
		['ttr unknown', ok([{ type: 'ACTION', data: { name: 'CHANGE_TTR', parameters: { ttrType: 'ASAP' } } }]), 'response[0].data.parameters.ttrType'],
		['ttr custom without value', ok([{ type: 'ACTION', data: { name: 'CHANGE_TTR', parameters: { ttrType: 'CUSTOM', value: '' } } }]), 'response[0].data.parameters.value'],
		['ttr standard with value', ok([{ type: 'ACTION', data: { name: 'CHANGE_TTR', parameters: { ttrType: 'URGENT', value: 3 } } }]), 'response[0].data.parameters.value'],
		['invoke bad uuid', ok([{ type: 'ACTION', data: { name: 'INVOKE_FUNCTION', parameters: { lambdaUuid: 'xyz', payload: {} } } }]), 'response[0].data.parameters.lambdaUuid'],
		['invoke payload array', ok([{ type: 'ACTION', data: { name: 'INVOKE_FUNCTION', parameters: { lambdaUuid: UUID, payload: [] } } }]), 'response[0].data.parameters.payload'],
		['intent id with space', ok([], { intents: [{ id: 'a b', description: '', confidenceScore: 1 }] }), 'analytics.intents[0].id'],
		['intent score > 1', ok([], { intents: [{ id: 'a', description: '', confidenceScore: 1.2 }] }), 'analytics.intents[0].confidenceScore'],
		['intent no description', ok([], { intents: [{ id: 'a', confidenceScore: 1 }] }), 'analytics.intents[0].description'],
	];
	it.each(cases)('%s', (_name, body, path) => {
		expect(fieldOf(() => checkBotReply(body))).toBe(path);
	});
});

describe('reply from form fields', () => {
	it('builds messages, an action and intents', () => {
		const reply = replyFromFields({
			messages: [
				{ type: 'text', text: 'Hello' },
				{ type: 'quickReplies', text: 'Help with?', replies: 'Billing\nSales, Agent' },
				{ type: 'delay', seconds: 1, typing: true },
			],
			action: 'changeTtr',
			ttrType: 'CUSTOM',
			ttrValue: '300',
			intents: [{ id: 'x', description: 'X', confidenceScore: 0.5 }],
		});
		expect(reply.response.map((r) => r.type)).toEqual(['TEXT', 'STRUCTURED_CONTENT', 'DELAY', 'ACTION']);
		const qr = (reply.response[1].data as { structuredContent: { quickReplies: { replies: Array<{ title: string }> } } }).structuredContent.quickReplies.replies;
		expect(qr.map((r) => r.title)).toEqual(['Billing', 'Sales', 'Agent']);
		expect(reply.response[3]).toEqual({ type: 'ACTION', data: { name: 'CHANGE_TTR', parameters: { ttrType: 'CUSTOM', value: 300 } } });
	});

	it.each([
		[{ messages: [{ type: 'text', text: ' ' }] }, 'Messages[1].text'],
		[{ messages: [{ type: 'quickReplies', text: 'q', replies: ' , ' }] }, 'Messages[1].replies'],
		[{ messages: [{ type: 'structuredContent', structuredContent: '{oops' }] }, 'Messages[1] Structured Content'],
		[{ messages: [{ type: 'delay', seconds: 0 }] }, 'Messages[1].seconds'],
		[{ messages: [], action: 'transferSkill', skillName: '' }, 'Skill Name'],
		[{ messages: [], action: 'invokeFunction', lambdaUuid: UUID, payload: '[1]' }, 'Payload'],
		[{ messages: [] }, 'messages'],
		[{ messages: [{ type: 'text', text: 'a' }], intents: [{ id: '', description: '', confidenceScore: 1 }] }, 'Intents[0].id'],
	])('refuses %j naming %s', (fields, field) => {
		expect(fieldOf(() => replyFromFields(fields as never))).toBe(field);
	});
});
