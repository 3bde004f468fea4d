/**
 * The LivePerson Bot Reply node (nodes/LivePersonBotReply): builds the answer from its fields or a
 * JSON, sends it once through n8n's sendResponse (what answers the waiting Bot Trigger call), passes
 * the items through with the reply added, and fails naming the field before anything is sent.
 */
import { LivePersonBotReply } from '../../../nodes/LivePersonBotReply/LivePersonBotReply.node';
import { nodeCtx } from '../../support/node-ctx';

function run(params: Record<string, unknown>, items = 2) {
	const sent: unknown[] = [];
	const ctx = { ...nodeCtx({ params, items }), sendResponse: (r: unknown) => sent.push(r) };
	return { sent, result: new LivePersonBotReply().execute.call(ctx as never) };
}

describe('LivePerson Bot Reply node', () => {
	it('sends the reply once and passes every item through with it (pairedItem kept)', async () => {
		const { sent, result } = run({
			mode: 'fields',
			messages: { message: [{ type: 'text', text: 'Hi' }, { type: 'privateText', text: 'for agents' }] },
			action: 'transferSkill',
			skillName: 'sales',
			intents: { intent: [{ id: 'sales', description: 'Sales', confidenceScore: 0.8 }] },
		});
		const out = await result;
		const reply = {
			response: [
				{ type: 'TEXT', data: { message: 'Hi' } },
				{ type: 'TEXT', data: { message: 'for agents', messageAudience: 'AGENTS_AND_MANAGERS' } },
				{ type: 'ACTION', data: { name: 'TRANSFER', parameters: { skillName: 'sales' } } },
			],
			analytics: { intents: [{ id: 'sales', description: 'Sales', confidenceScore: 0.8 }] },
		};
		expect(sent).toEqual([{ body: reply, headers: { 'content-type': 'application/json; charset=utf-8' }, statusCode: 200 }]);
		expect(out[0]).toEqual([
			{ json: { i: 0, botReply: reply }, pairedItem: { item: 0 } },
			{ json: { i: 1, botReply: reply }, pairedItem: { item: 1 } },
		]);
	});

	it('JSON mode: a whole answer, checked', async () => {
		const body = { response: [{ type: 'DELAY', data: { seconds: 2 } }, { type: 'ACTION', data: { name: 'CLOSE_CONVERSATION' } }], analytics: {} };
		const { sent, result } = run({ mode: 'json', replyJson: JSON.stringify(body) }, 1);
		await result;
		expect(sent).toEqual([expect.objectContaining({ body })]);
	});

	it.each([
		[{ mode: 'fields', messages: { message: [] }, action: 'transferSkill', skillName: ' ' }, /Skill Name is required/],
		[{ mode: 'fields', messages: { message: [{ type: 'quickReplies', text: 'Pick', replies: '' }] }, action: 'none' }, /Messages\[1\] Quick Replies needs at least one reply/],
		[{ mode: 'fields', messages: { message: [{ type: 'text', text: 'x' }] }, action: 'invokeFunction', lambdaUuid: 'not-a-uuid', payload: '{}' }, /Function UUID must be the function's UUID/],
		[{ mode: 'json', replyJson: '{"response":[{"type":"TEXT","data":{}}],"analytics":{}}' }, /response\[0\]\.data\.message/],
		[{ mode: 'json', replyJson: '{oops' }, /Reply JSON is not valid JSON/],
	])('%j fails naming the field, nothing is sent', async (params, message) => {
		const { sent, result } = run(params, 1);
		await expect(result).rejects.toMatchObject({ name: 'NodeOperationError', message: expect.stringMatching(message) });
		expect(sent).toEqual([]);
	});
});
