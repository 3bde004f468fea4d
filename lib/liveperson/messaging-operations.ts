/**
 * Messaging Operations API (CSDS service `leDataReporting`), DevC
 * `messaging-operations-api-methods-messaging-current-queue-health.html`:
 *
 *   GET /operations/api/account/{accountId}/msgqueuehealth/current/?v=1[&skillIds=12,13]
 *   → {"skillsMetrics": {"12": {time, unassignedConversations, actionableConversations, …}}, "metricsTotal": {…}}
 *
 * Documented: `v` is required (1); `skillIds` optional (comma separated, "all" or absent = every
 * skill); metrics default to -1 when there is no data; the method is rate limited (429); data needs at
 * least one logged-in agent.
 */
import { inputError, LpError } from '../errors';
import { fieldText } from '../text';
import type { LpApiCall } from './api';

export const LE_DATA_REPORTING_SERVICE = 'leDataReporting';

/** Pure: the current queue health call for some skills (empty / "all": every skill). */
export function buildCurrentQueueHealthCall(skillIdsInput?: unknown): LpApiCall {
	const raw = Array.isArray(skillIdsInput) ? skillIdsInput.map((s) => fieldText(s)).join(',') : fieldText(skillIdsInput);
	const ids = raw.split(',').map((s) => s.trim()).filter(Boolean);
	const query: Record<string, string> = { v: '1' };
	if (ids.length && !(ids.length === 1 && ids[0].toLowerCase() === 'all')) {
		for (const id of ids) if (!/^\d{1,15}$/.test(id)) throw inputError('skillIds', `Skill ID "${id.slice(0, 20)}" is not a number`, 'Give skill IDs separated by commas, or leave empty for all skills.', 'MO_SKILL_INVALID');
		query.skillIds = ids.join(',');
	}
	return { service: LE_DATA_REPORTING_SERVICE, method: 'GET', path: '/operations/api/account/{accountId}/msgqueuehealth/current/', query };
}

export interface QueueHealth {
	skillsMetrics: Record<string, Record<string, unknown>>;
	metricsTotal: Record<string, unknown>;
}

/** Pure: checks the documented shape (`metricsTotal` present; `skillsMetrics` an object when present). */
export function processCurrentQueueHealthBody(body: unknown): QueueHealth {
	const obj = body as Record<string, unknown> | null;
	if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
		throw new LpError('response', 'Messaging Operations answered the queue health without an object', { code: 'MO_SHAPE' });
	}
	const total = obj.metricsTotal ?? obj.metricsTotals;
	const skills = obj.skillsMetrics ?? {};
	if (typeof total !== 'object' || total === null || typeof skills !== 'object' || skills === null || Array.isArray(skills)) {
		throw new LpError('response', 'Messaging Operations answered the queue health without "metricsTotal" / "skillsMetrics"', { code: 'MO_SHAPE', hint: 'The queue data must be enabled for the account (contact the account manager).' });
	}
	return { skillsMetrics: skills as QueueHealth['skillsMetrics'], metricsTotal: total as Record<string, unknown> };
}
