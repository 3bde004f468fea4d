/**
 * The LivePerson Bot Reply node in n8n's own engine (both pinned versions, test/engine/engine.ts): builds
 * the answer from its fields or a JSON, hands it once to n8n's webhook answer (ExecuteContext.sendResponse,
 * the 'sendResponse' hook that answers the waiting Bot Trigger call), passes the items through with the
 * reply added (pairedItem kept), and fails naming the field before anything is sent.
 * The whole path behind a real n8n server (Bot Trigger → Bot Reply → the HTTP answer): test/e2e/liveperson-bot.e2e.test.ts.
 */
import { INSTALL_TIMEOUT_MS } from '../e2e/harness';
import { createEngine, ENGINE_VERSIONS, RUN_NODE, runNode, type Engine } from './engine';

describe.each(ENGINE_VERSIONS)('LivePerson Bot Reply node in n8n %s', (version) => {
	let n8n: Engine;
	beforeAll(async () => {
		n8n = await createEngine(version);
	}, INSTALL_TIMEOUT_MS);
	afterAll(() => n8n?.close());

	const run = (parameters: Record<string, unknown>, items = 2) =>
		runNode(n8n, { type: 'livePersonBotReply', parameters, items: Array.from({ length: items }, (_, i) => ({ i })) });

	it('sends the reply once and passes every item through with it (pairedItem kept)', async () => {
		const result = await run({
			mode: 'fields',
			messages: { message: [{ type: 'text', text: 'Hi' }, { type: 'privateText', text: 'for agents' }] },
			action: 'transferSkill',
			skillName: 'sales',
			intents: { intent: [{ id: 'sales', description: 'Sales', confidenceScore: 0.8 }] },
		});
		expect(result.ok).toBe(true);
		const reply = {
			response: [
				{ type: 'TEXT', data: { message: 'Hi' } },
				{ type: 'TEXT', data: { message: 'for agents', messageAudience: 'AGENTS_AND_MANAGERS' } },
				{ type: 'ACTION', data: { name: 'TRANSFER', parameters: { skillName: 'sales' } } },
			],
			analytics: { intents: [{ id: 'sales', description: 'Sales', confidenceScore: 0.8 }] },
		};
		expect(result.sentResponses).toEqual([{ body: reply, headers: { 'content-type': 'application/json; charset=utf-8' }, statusCode: 200 }]);
		expect(result.runData[RUN_NODE][0].data?.main?.[0]).toEqual([
			{ json: { i: 0, botReply: reply }, pairedItem: { item: 0 } },
			{ json: { i: 1, botReply: reply }, pairedItem: { item: 1 } },
		]);
	});

	it('JSON mode: a whole answer, checked', async () => {
		const body = { response: [{ type: 'DELAY', data: { seconds: 2 } }, { type: 'ACTION', data: { name: 'CLOSE_CONVERSATION' } }], analytics: {} };
		const result = await run({ mode: 'json', replyJson: JSON.stringify(body) }, 1);
		expect(result.ok).toBe(true);
		expect(result.sentResponses).toEqual([expect.objectContaining({ body })]);
	});

	it.each([
		[{ mode: 'fields', messages: { message: [] }, action: 'transferSkill', skillName: ' ' }, /Skill Name is required/],
		[{ mode: 'fields', messages: { message: [{ type: 'quickReplies', text: 'Pick', replies: '' }] }, action: 'none' }, /Messages\[1\] Quick Replies needs at least one reply/],
		[{ mode: 'fields', messages: { message: [{ type: 'text', text: 'x' }] }, action: 'invokeFunction', lambdaUuid: 'not-a-uuid', payload: '{}' }, /Function UUID must be the function's UUID/],
		[{ mode: 'json', replyJson: '{"response":[{"type":"TEXT","data":{}}],"analytics":{}}' }, /response\[0\]\.data\.message/],
		[{ mode: 'json', replyJson: '{oops' }, /Reply JSON is not valid JSON/],
	])('%j fails naming the field, nothing is sent', async (parameters, message) => {
		const result = await run(parameters, 1);
		expect(result.ok).toBe(false);
		expect(result.error).toMatchObject({ node: RUN_NODE, message: expect.stringMatching(message) });
		expect(result.runData[RUN_NODE][0].error).toMatchObject({ name: 'NodeOperationError' });
		expect(result.sentResponses).toEqual([]);
	});
});
