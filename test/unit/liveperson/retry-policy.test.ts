/**
 * Issue 22 item 16: LivePerson's published retry policy (developers.liveperson.com/retry-policy-recommendations.html):
 * 4xx no retry; 429 after at least 1 s (a login after at least 5 s); 5xx three times after 5, 10, 15 s.
 * Pure: the wait the retry interceptor takes for each answer, for every place the package retries a
 * LivePerson call (the LivePerson API node, Sentinel and Conversation Orchestrator token requests).
 */
import { LIVEPERSON_RETRY, livePersonRetryPolicy, responseRetryDelay, TOKEN_REQUEST_RETRY, type RetryPolicy } from '../../../lib/http';
import { lpRetryPolicy } from '../../../lib/liveperson/api';

const answer = (status: number, retryAfter?: string) => ({ status, headers: retryAfter === undefined ? {} : { 'retry-after': retryAfter } });
/** The waits before each retry until the policy gives up, for the same answer every time. */
function waits(policy: RetryPolicy, status: number, retryAfter?: string): number[] {
	const out: number[] = [];
	for (let attempt = 1; attempt < 10; attempt++) {
		const d = responseRetryDelay(policy, attempt, answer(status, retryAfter));
		if (d === undefined) break;
		out.push(d);
	}
	return out;
}

describe('LivePerson retry policy', () => {
	it('publishes the documented numbers', () => {
		expect(LIVEPERSON_RETRY.serverErrorDelaysMs).toEqual([5_000, 10_000, 15_000]);
		expect(Math.min(...LIVEPERSON_RETRY.rateLimitDelaysMs)).toBeGreaterThanOrEqual(1_000);
		expect(Math.min(...LIVEPERSON_RETRY.loginRateLimitDelaysMs)).toBeGreaterThanOrEqual(5_000);
	});

	it('API calls (LivePerson API node): 5xx at 5/10/15 s, 429 from 1 s, 4xx never', () => {
		for (const status of [500, 502, 503, 504]) expect(waits(lpRetryPolicy(true), status)).toEqual([5_000, 10_000, 15_000]);
		expect(waits(lpRetryPolicy(true), 429)).toEqual([1_000, 2_000, 4_000]);
		expect(waits(lpRetryPolicy(true), 429, '0')).toEqual([1_000, 2_000, 4_000]);
		for (const status of [400, 401, 403, 404, 409, 451]) expect(waits(lpRetryPolicy(true), status)).toEqual([]);
	});

	it('a POST that may have been processed: 429 only', () => {
		expect(waits(lpRetryPolicy(false), 503)).toEqual([]);
		expect(waits(lpRetryPolicy(false), 429)).toEqual([1_000, 2_000, 4_000]);
	});

	it('token requests (Sentinel, Conversation Orchestrator v2 login): a 429 waits at least 5 s, 5xx at 5/10/15 s', () => {
		expect(waits(TOKEN_REQUEST_RETRY, 429)).toEqual([5_000, 10_000, 15_000]);
		expect(waits(TOKEN_REQUEST_RETRY, 429, '0')).toEqual([5_000, 10_000, 15_000]);
		expect(waits(TOKEN_REQUEST_RETRY, 500)).toEqual([5_000, 10_000, 15_000]);
		expect(waits(TOKEN_REQUEST_RETRY, 503)).toEqual([5_000, 10_000, 15_000]);
		expect(waits(TOKEN_REQUEST_RETRY, 401)).toEqual([]);
	});

	it('differs on purpose: a longer Retry-After is honoured, one beyond a minute fails at once', () => {
		expect(waits(livePersonRetryPolicy(), 429, '3')).toEqual([3_000, 3_000, 4_000]);
		expect(waits(livePersonRetryPolicy(), 503, '30')).toEqual([30_000, 30_000, 30_000]);
		expect(waits(livePersonRetryPolicy(), 429, '120')).toEqual([]);
		expect(waits(livePersonRetryPolicy(), 501)).toEqual([]);
	});

	it('shorter pauses keep their count (credential Tests, tests)', () => {
		expect(waits(livePersonRetryPolicy({ serverErrorDelaysMs: [2_000], rateLimitDelaysMs: [5_000] }), 503)).toEqual([2_000]);
		expect(waits(livePersonRetryPolicy({ serverErrorDelaysMs: [2_000], rateLimitDelaysMs: [5_000] }), 429)).toEqual([5_000]);
	});
});
