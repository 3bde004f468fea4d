/**
 * lib/liveperson/api.ts against the emulator over real HTTP on 127.0.0.1:
 * any API by CSDS service name + path with the account credential (Login Service bearer and Sentinel
 * app token), one re-login after a 401, LivePerson's retry policy (429 retried, a POST never repeated
 * after a 5xx), offset/limit paging; the typed Messaging Interactions (search with paging, get one
 * conversation with its transcript) and Messaging Operations (current queue health) operations with
 * the documented shapes and limits. No secret in any output or error.
 * The node's cases (the injected retry clock too) run in n8n's own engine: test/engine/liveperson-api-node.engine.test.ts.
 */
import type { Emulator } from '../../sandbox/emulator/index';
import { useAccountEmulator } from '../support/lp-account-emulator';
import { MI_BASE_TIME } from '../../sandbox/emulator/services/messaging';
import { tokenCache } from '../../lib/auth/token-cache';
import { LpError } from '../../lib/errors';
import { csds } from '../../lib/liveperson/csds';
import { resetAccountAuthState } from '../../lib/liveperson/account-auth';
import { lpApiSend, processLpApiResponse } from '../../lib/liveperson/api';
import { buildConversationSearchCall } from '../../lib/liveperson/messaging-interactions';

const DAY = 24 * 3600 * 1000;

const lp = useAccountEmulator(() => {
	tokenCache.clear();
	resetAccountAuthState();
	csds.invalidate();
});
const { user, sentinel } = lp;
let emu: Emulator;
beforeAll(() => {
	emu = lp.emu();
});

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
