import { LpError } from '../../../lib/errors';
import type { HttpResponse } from '../../../lib/http';
import { buildEligibilityRequest, buildInviteRequest, C2M_LIMITS, normalisePhone, processC2mResponse } from '../../../lib/liveperson/c2m';

const BASE = 'https://va.connect-to-messaging.liveperson.net';
const ACC = '12345678';
const ok = { consumerPhoneNumber: '+12065550100', handoffId: 'H123456789', skill: 'support' };

function res(status: number, body?: unknown, headers: Record<string, string> = {}): HttpResponse {
	const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
	return { status, headers: { 'content-type': 'application/json', ...headers }, body: Buffer.from(text), attempts: 1 };
}
function thrown(fn: () => unknown): LpError {
	try {
		fn();
	} catch (error) {
		expect(error).toBeInstanceOf(LpError);
		return error as LpError;
	}
	throw new Error('expected an error');
}

describe('C2M requests', () => {
	it('builds eligibility and invite with ?v=2.0', () => {
		const e = buildEligibilityRequest(BASE, ACC, { ...ok, templateVariables: { 1: 'Ann' } as unknown as Record<string, string>, sdes: [] });
		expect(e).toMatchObject({ method: 'POST', url: `${BASE}/api/account/${ACC}/eligibility?v=2.0` });
		expect(JSON.parse(e.body)).toEqual({ ...ok, templateVariables: { 1: 'Ann' } });
		const i = buildInviteRequest(BASE, ACC, { callId: 'abc', overrideMessage: 'Hi', overrideChannel: 'sms' });
		expect(i.url).toBe(`${BASE}/api/account/${ACC}/invite?v=2.0`);
		expect(JSON.parse(i.body)).toEqual({ callId: 'abc', overrideChannel: 'sms', overrideMessage: 'Hi' });
	});

	it('enforces the documented field limits before sending', () => {
		expect(normalisePhone('+1 (206) 555-0100')).toBe('+12065550100');
		expect(thrown(() => normalisePhone('+1234567890123456')).code).toBe('C2M_FIELD_TOO_LONG');
		expect(normalisePhone('+12345678901234')).toHaveLength(15);
		expect(thrown(() => normalisePhone('+123456789012345')).code).toBe('C2M_FIELD_TOO_LONG');
		const noPlus = thrown(() => normalisePhone('12065550100'));
		expect(noPlus.code).toBe('C2M_PHONE_NO_PLUS');
		expect(noPlus.field).toBe('consumerPhoneNumber');
		expect(noPlus.message).toContain('leading "+"');
		expect(thrown(() => normalisePhone('+0206555')).code).toBe('C2M_PHONE_INVALID');
		expect(thrown(() => normalisePhone('call me')).code).toBe('C2M_PHONE_NO_PLUS');
		expect(thrown(() => buildEligibilityRequest(BASE, ACC, { ...ok, handoffId: 'H'.repeat(C2M_LIMITS.handoffId + 1) })).field).toBe('handoffId');
		expect(buildEligibilityRequest(BASE, ACC, { ...ok, handoffId: 'H'.repeat(16) })).toBeDefined();
		expect(thrown(() => buildEligibilityRequest(BASE, ACC, { ...ok, skill: 's'.repeat(256) })).field).toBe('skill');
		expect(thrown(() => buildEligibilityRequest(BASE, ACC, { ...ok, skill: '' })).code).toBe('C2M_FIELD_EMPTY');
		expect(thrown(() => buildInviteRequest(BASE, ACC, { callId: 'c', overrideMessage: 'm'.repeat(1601) })).field).toBe('overrideMessage');
		expect(buildInviteRequest(BASE, ACC, { callId: 'c', overrideMessage: 'm'.repeat(1600) })).toBeDefined();
		expect(thrown(() => buildInviteRequest(BASE, ACC, { callId: '' })).field).toBe('callId');
	});
});

describe('C2M answers', () => {
	it('returns the documented shapes', () => {
		const body = { availableChannels: ['sms', 'wa'], recommendedChannelName: 'sms', eligible: true, callId: 'u-1' };
		expect(processC2mResponse(res(200, body), 'eligibility')).toEqual(body);
		expect(processC2mResponse(res(200, { callId: 'u-1' }), 'invite')).toEqual({ callId: 'u-1' });
		expect(thrown(() => processC2mResponse(res(200, {}), 'invite')).code).toBe('C2M_SHAPE');
	});

	it.each([
		[400, 1001, /invalid phone number/, 'consumerPhoneNumber'],
		[400, 1300, /no engagement for the skill/, 'skill'],
		[400, 1500, /no handoff/, 'handoffId'],
		[400, 1900, /overridden channel is not available/, 'overrideChannel'],
		[400, 1901, /no engagement provided for the overridden skill/, 'overrideSkill'],
		[401, 1100, /invalid Bearer/, undefined],
		[403, 1101, /not enough privilege/, undefined],
		[429, 1029, /rate limit/, undefined],
		[500, 5001, /internal server error/, undefined],
	])('maps HTTP %i error %i', (status, errorCode, meaning, field) => {
		const e = thrown(() => processC2mResponse(res(status, { errorCode, errorMessage: 'details' }), 'eligibility'));
		expect(e.message).toMatch(meaning);
		expect(e.code).toBe(`C2M_${errorCode}`);
		expect(e.status).toBe(status);
		expect(e.field).toBe(field);
	});

	it('falls back to the status for unknown bodies and redacts secrets', () => {
		const e = thrown(() => processC2mResponse(res(502, 'gateway sec-ret-token'), 'invite', ['sec-ret-token']));
		expect(e.status).toBe(502);
		expect(JSON.stringify(e.toJSON())).not.toContain('sec-ret-token');
	});
});
