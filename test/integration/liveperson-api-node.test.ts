/**
 * lib/liveperson/api.ts (and one LivePerson API node case with an injected retry clock) against the emulator over real HTTP on 127.0.0.1:
 * any API by CSDS service name + path with the account credential (Login Service bearer and Sentinel
 * app token), one re-login after a 401, LivePerson's retry policy (429 retried, a POST never repeated
 * after a 5xx), offset/limit paging; the typed Messaging Interactions (search with paging, get one
 * conversation with its transcript) and Messaging Operations (current queue health) operations with
 * the documented shapes and limits. No secret in any output or error.
 * The node's other cases run in n8n's own engine: test/engine/liveperson-api-node.engine.test.ts.
 */
import type { Emulator } from '../../sandbox/emulator/index';
import { useAccountEmulator } from '../support/lp-account-emulator';
import { MI_BASE_TIME, setMessagingRateLimit } from '../../sandbox/emulator/services/messaging';
import { setRetrySleep } from '../../lib/http';
import { tokenCache } from '../../lib/auth/token-cache';
import { LpError } from '../../lib/errors';
import { csds } from '../../lib/liveperson/csds';
import { resetAccountAuthState, type LivePersonAccountCredentials } from '../../lib/liveperson/account-auth';
import { lpApiSend, processLpApiResponse } from '../../lib/liveperson/api';
import { buildConversationSearchCall } from '../../lib/liveperson/messaging-interactions';
import { LivePersonApi } from '../../nodes/LivePersonApi/LivePersonApi.node';
import { nodeCtx } from '../support/node-ctx';

const DAY = 24 * 3600 * 1000;

const lp = useAccountEmulator(() => {
	tokenCache.clear();
	resetAccountAuthState();
	csds.invalidate();
});
const { user, sentinel, noSecret } = lp;
let emu: Emulator;
beforeAll(() => {
	emu = lp.emu();
});

async function run(params: Record<string, unknown>, credentials: LivePersonAccountCredentials = user(), extra: { items?: number; continueOnFail?: boolean } = {}) {
	const [out] = await new LivePersonApi().execute.call(nodeCtx({ params, credentials: { livePersonAccountApi: credentials as unknown as Record<string, unknown> }, ...extra }));
	noSecret(out);
	return out;
}

async function failure(p: Promise<unknown>): Promise<Error & { description?: string; httpCode?: string }> {
	try {
		await p;
	} catch (error) {
		noSecret({ message: (error as Error).message, description: (error as { description?: string }).description });
		return error as Error;
	}
	throw new Error('expected a failure');
}

const searchBody = { start: { from: MI_BASE_TIME, to: MI_BASE_TIME + 40 * DAY } };

describe('lpApiSend', () => {
	it('calls any API by service and path with the credential\'s bearer, host from CSDS', async () => {
		for (const creds of [user(), sentinel()]) {
			const sent = await lpApiSend(creds, { service: 'leDataReporting', method: 'GET', path: '/operations/api/account/{accountId}/msgqueuehealth/current/', query: { v: '1' } });
			const result = processLpApiResponse(sent.res, { service: 'leDataReporting', authLabel: sent.authLabel });
			expect(result.statusCode).toBe(200);
			expect(Object.keys((result.body as { skillsMetrics: object }).skillsMetrics).sort()).toEqual(['1234', '5678']);
		}
		expect(emu.count('csds.all')).toBe(1);
		expect(emu.count('login.login')).toBe(1);
		expect(emu.count('sentinel.token')).toBe(1);
	});

	it('logs in again once after a 401 and then succeeds', async () => {
		await lpApiSend(user(), { service: 'leDataReporting', method: 'GET', path: '/operations/api/account/{accountId}/msgqueuehealth/current/', query: { v: '1' } });
		emu.setFault('leDataReporting.queueHealth', { status: 401, body: { error: 'Unauthorized' }, times: 1 });
		const sent = await lpApiSend(user(), { service: 'leDataReporting', method: 'GET', path: '/operations/api/account/{accountId}/msgqueuehealth/current/', query: { v: '1' } });
		expect(sent.res.status).toBe(200);
		expect(emu.count('login.login')).toBe(2);
		// A 401 that stays: one re-login only, then an error naming the auth sent.
		emu.setFault('leDataReporting.queueHealth', { status: 401, body: { error: 'Unauthorized' } });
		const again = await lpApiSend(user(), { service: 'leDataReporting', method: 'GET', path: '/operations/api/account/{accountId}/msgqueuehealth/current/', query: { v: '1' } });
		expect(emu.count('login.login')).toBe(3);
		let e: LpError | undefined;
		try {
			processLpApiResponse(again.res, { service: 'leDataReporting', authLabel: again.authLabel, secrets: again.secrets });
		} catch (error) {
			e = error as LpError;
		}
		expect(e?.status).toBe(401);
		expect(e?.hint).toContain('Sent: Login Service bearer (user login)');
	});

	it('follows LivePerson\'s retry policy: 429 retried, 5xx retried for a read-only search, a plain POST never repeated', async () => {
		const delays = [1, 1, 1];
		emu.setFault('leDataReporting.queueHealth', { status: 429, body: { error: 'Too many requests' }, times: 2 });
		const ok = await lpApiSend(user(), { service: 'leDataReporting', method: 'GET', path: '/operations/api/account/{accountId}/msgqueuehealth/current/', query: { v: '1' } }, { retryDelaysMs: delays });
		expect(ok.res.status).toBe(200);
		expect(ok.res.attempts).toBe(3);

		emu.setFault('msgHist.search', { status: 503, body: 'busy', times: 1 });
		const search = await lpApiSend(user(), buildConversationSearchCall({ startFrom: MI_BASE_TIME, startTo: MI_BASE_TIME + DAY }, { offset: 0, limit: 10 }), { retryDelaysMs: delays });
		expect(search.res.status).toBe(200);
		expect(emu.count('msgHist.search')).toBe(2);

		emu.setFault('msgHist.search', { status: 503, body: 'busy', times: 1 });
		const before = emu.count('msgHist.search');
		const post = await lpApiSend(user(), { service: 'msgHist', method: 'POST', path: '/messaging_history/api/account/{accountId}/conversations/search', body: JSON.stringify(searchBody) }, { retryDelaysMs: delays });
		expect(post.res.status).toBe(503);
		expect(emu.count('msgHist.search')).toBe(before + 1);
	});

	it('refuses bad input before anything is sent', async () => {
		const call = { service: 'msgHist', method: 'GET', path: 'no-slash' };
		await expect(lpApiSend(user(), call)).rejects.toMatchObject({ code: 'LP_API_PATH_INVALID', field: 'path' });
		await expect(lpApiSend(user(), { ...call, path: '/a/../b' })).rejects.toMatchObject({ code: 'LP_API_PATH_INVALID' });
		await expect(lpApiSend(user(), { ...call, path: '/x', headers: { Authorization: 'Bearer x' } })).rejects.toMatchObject({ code: 'LP_API_HEADER_RESERVED' });
		await expect(lpApiSend(user(), { ...call, path: '/x' }, { hostOverride: 'http://example.com' })).rejects.toMatchObject({ code: 'LP_API_HOST_HTTP' });
		expect(emu.count('login.login')).toBe(0);
	});
});

describe('LivePerson API node with an injected retry clock', () => {
	// The retry clock is injected into this process's copy of lib/http (setRetrySleep); n8n's engine in
	// test/engine loads its own copy of the package from dist/, which a test cannot reach, so this case
	// still calls execute() through test/support/node-ctx.ts.
	it('follows LivePerson\'s published retry policy with a fake clock: 429 after 1 s then 2 s, 5xx after 5 s, 4xx never', async () => {
		let now = 0;
		const slept: number[] = [];
		setRetrySleep(async (ms) => {
			slept.push(ms);
			now += ms;
		});
		try {
			// The emulator's 429 mode refills one call per 3 s of the same clock: the node waits 1 s (still
			// limited), then 2 s (refilled), and gets its answer.
			await run({ resource: 'messagingOperations', operation: 'currentQueueHealth', queueSkillIds: '' });
			setMessagingRateLimit(emu.hostPort, { capacity: 1, refillPerSecond: 1 / 3, retryAfterSeconds: 0, now: () => now });
			await run({ resource: 'messagingOperations', operation: 'currentQueueHealth', queueSkillIds: '' });
			const before = emu.count('leDataReporting.queueHealth');
			const [health] = await run({ resource: 'messagingOperations', operation: 'currentQueueHealth', queueSkillIds: '' });
			expect(Object.keys(health.json.skillsMetrics as object).sort()).toEqual(['1234', '5678']);
			expect(slept).toEqual([1_000, 2_000]);
			expect(emu.count('leDataReporting.queueHealth')).toBe(before + 3);
			setMessagingRateLimit(emu.hostPort, null);

			slept.length = 0;
			emu.setFault('msgHist.conversation', { status: 503, body: 'busy', times: 1 });
			await run({ resource: 'messagingInteractions', operation: 'getConversation', conversationId: 'emu-conv-0005' });
			expect(slept).toEqual([5_000]);

			slept.length = 0;
			emu.setFault('msgHist.conversation', { status: 404, body: { error: 'not found' }, times: 1 });
			await failure(run({ resource: 'messagingInteractions', operation: 'getConversation', conversationId: 'emu-conv-0005' }));
			expect(slept).toEqual([]);
		} finally {
			setRetrySleep(undefined);
		}
	});

});
