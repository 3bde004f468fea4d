/**
 * Connect-to-Messaging (C2M, "Transfer to Messaging"), reference §5, DevC `connect-to-messaging-api.html`:
 *
 *   POST https://{connectToMessagingDomain}/api/account/{accountId}/eligibility?v=2.0
 *   POST https://{connectToMessagingDomain}/api/account/{accountId}/invite?v=2.0
 *   Authorization: Bearer <APP JWT>   (or an OAuth1 signature of the full URL, deprecated)
 *
 * Field limits (documented) are checked BEFORE anything is sent: phone ≤ 15, skill ≤ 255,
 * handoffId ≤ 16, override message ≤ 1600 characters. Errors arrive as `{errorCode, errorMessage}`
 * and are mapped to the documented meanings. Rate limit: 30 requests/s per API; on 429 the documented
 * policy is 3 retries with exponential backoff starting at 5 s (5, 10, 20 s), base injectable for tests.
 * 5xx and network errors are NOT retried: an invite may already have been sent (a second SMS).
 */
import { inputError, LpError, snippet } from '../errors';
import { HttpResponse, parseJsonBody, parseRetryAfter, responseSecrets, send, statusError, bodySnippet } from '../http';
import { c2mPolicy, c2mStrategy, resolveC2mBase, type C2mAuthOptions, type TransferToMessagingCredentials } from './c2m-auth';
import type { AuthStrategy } from '../http/types';
import type { OutboundPolicy } from '../net/policy';
import { validateAccountId } from './csds';
import { fieldText } from '../text';

export const C2M_SERVICE = 'Connect-to-Messaging';
export const C2M_API_VERSION = '2.0';
export const C2M_LIMITS = { consumerPhoneNumber: 15, skill: 255, handoffId: 16, overrideMessage: 1600 } as const;
export const C2M_RATE_LIMIT_RETRIES = 3;
export const C2M_RATE_LIMIT_BASE_MS = 5_000;

export interface EligibilityInput {
	consumerPhoneNumber: string;
	handoffId: string;
	skill: string;
	templateVariables?: Record<string, string>;
	ivrNumber?: string;
	sdes?: unknown[];
	/** INAPP channel. */
	consumerId?: string;
}

export interface InviteInput {
	callId: string;
	overrideChannel?: string;
	overrideMessage?: string;
	overrideSkill?: string;
}

export interface EligibilityResult {
	availableChannels?: string[];
	recommendedChannelName?: string;
	eligible?: boolean;
	callId?: string;
	[key: string]: unknown;
}

export interface PreparedRequest {
	url: string;
	method: 'POST';
	headers: Record<string, string>;
	body: string;
	secrets: string[];
}

function limited(value: unknown, field: string, label: string, required: boolean, max?: number): string | undefined {
	const text = fieldText(value).trim();
	if (!text) {
		if (required) throw inputError(field, `${label} is required`, undefined, 'C2M_FIELD_EMPTY');
		return undefined;
	}
	if (max !== undefined && text.length > max) {
		throw inputError(field, `${label} is ${text.length} characters long: at most ${max} are allowed`, 'This is a documented limit of the Connect-to-Messaging API.', 'C2M_FIELD_TOO_LONG');
	}
	if (field !== 'overrideMessage' && /[\u0000-\u001f\u007f]/.test(text)) throw inputError(field, `${label} must be one line without control characters`, undefined, 'C2M_FIELD_INVALID');
	return text;
}

/**
 * Phone: the docs require E.164 "with leading \"+\"" and give "15 char max length" without saying
 * whether the "+" counts. We require the "+", count the characters of the field as sent (the
 * documented limit applied literally, so at most 14 digits), and remove spaces, dashes and brackets
 * first. E.164 numbers never start with 0 after the "+".
 */
export function normalisePhone(value: unknown): string {
	const raw = fieldText(value).trim();
	if (!raw) throw inputError('consumerPhoneNumber', 'Consumer phone number is required', 'Use E.164 with the leading "+", e.g. +12065550100.', 'C2M_FIELD_EMPTY');
	const compact = raw.replace(/[\s().-]/g, '');
	if (!compact.startsWith('+')) {
		throw inputError('consumerPhoneNumber', 'Consumer phone number must be in E.164 format with the leading "+" (the Connect-to-Messaging docs require it)', `Write it as +${compact.replace(/^0+/, '').slice(0, 14)} with the country code, e.g. +12065550100.`, 'C2M_PHONE_NO_PLUS');
	}
	if (!/^\+[1-9]\d{3,}$/.test(compact)) throw inputError('consumerPhoneNumber', 'Consumer phone number must be "+" followed by the country code and digits only (E.164)', 'Use E.164, e.g. +12065550100.', 'C2M_PHONE_INVALID');
	if (compact.length > C2M_LIMITS.consumerPhoneNumber) {
		throw inputError('consumerPhoneNumber', `Consumer phone number is ${compact.length} characters long: at most ${C2M_LIMITS.consumerPhoneNumber} are allowed, the "+" included`, 'This is a documented limit of the Connect-to-Messaging API.', 'C2M_FIELD_TOO_LONG');
	}
	return compact;
}

function url(base: string, accountId: string, action: 'eligibility' | 'invite'): string {
	return `${base.replace(/\/+$/, '')}/api/account/${encodeURIComponent(validateAccountId(accountId))}/${action}?v=${C2M_API_VERSION}`;
}

const headers = { 'content-type': 'application/json', accept: 'application/json' };

export function buildEligibilityRequest(base: string, accountId: string, input: EligibilityInput): PreparedRequest {
	const body: Record<string, unknown> = {
		consumerPhoneNumber: normalisePhone(input.consumerPhoneNumber),
		handoffId: limited(input.handoffId, 'handoffId', 'Handoff ID', true, C2M_LIMITS.handoffId),
		skill: limited(input.skill, 'skill', 'Skill', true, C2M_LIMITS.skill),
	};
	if (input.templateVariables !== undefined && input.templateVariables !== null) {
		const tv = input.templateVariables;
		if (typeof tv !== 'object' || Array.isArray(tv)) throw inputError('templateVariables', 'Template variables must be an object such as {"1": "Ann"}', undefined, 'C2M_TEMPLATE');
		if (Object.keys(tv).length) body.templateVariables = Object.fromEntries(Object.entries(tv).map(([k, v]) => [k, fieldText(v)]));
	}
	const ivr = limited(input.ivrNumber, 'ivrNumber', 'IVR number', false);
	if (ivr) body.ivrNumber = ivr;
	if (input.sdes !== undefined && input.sdes !== null) {
		if (!Array.isArray(input.sdes)) throw inputError('sdes', 'SDEs must be a JSON list', 'Example: [{"type": "ctmrinfo", "info": {"customerId": "123"}}].', 'C2M_SDES');
		if (input.sdes.length) body.sdes = input.sdes;
	}
	const consumerId = limited(input.consumerId, 'consumerId', 'Consumer ID', false);
	if (consumerId) body.consumerId = consumerId;
	return { url: url(base, accountId, 'eligibility'), method: 'POST', headers, body: JSON.stringify(body), secrets: [] };
}

export function buildInviteRequest(base: string, accountId: string, input: InviteInput): PreparedRequest {
	const body: Record<string, unknown> = { callId: limited(input.callId, 'callId', 'Call ID', true, 200) };
	const channel = limited(input.overrideChannel, 'overrideChannel', 'Override channel', false, 50);
	if (channel) body.overrideChannel = channel;
	// The message is sent as typed (only an empty one is dropped): length counts UTF-16 code units as JS does.
	const message = fieldText(input.overrideMessage);
	if (message.trim()) {
		if (message.length > C2M_LIMITS.overrideMessage) {
			throw inputError('overrideMessage', `Override message is ${message.length} characters long: at most ${C2M_LIMITS.overrideMessage} are allowed`, 'This is a documented limit of the Connect-to-Messaging API.', 'C2M_FIELD_TOO_LONG');
		}
		body.overrideMessage = message;
	}
	const skill = limited(input.overrideSkill, 'overrideSkill', 'Override skill', false, C2M_LIMITS.skill);
	if (skill) body.overrideSkill = skill;
	return { url: url(base, accountId, 'invite'), method: 'POST', headers, body: JSON.stringify(body), secrets: [] };
}

/** Documented error codes and what they mean (reference §5). */
export const C2M_ERROR_MEANINGS: Record<number, { meaning: string; field?: string; hint?: string }> = {
	1000: { meaning: 'invalid request', hint: 'Check the request fields.' },
	1001: { meaning: 'invalid phone number', field: 'consumerPhoneNumber', hint: 'Use E.164, e.g. +12065550100.' },
	1002: { meaning: 'invalid API version' },
	1004: { meaning: 'not found', hint: 'Check the account ID and the host (CSDS connectToMessagingDomain).' },
	1005: { meaning: 'method not allowed' },
	1015: { meaning: 'unsupported media type' },
	1029: { meaning: 'rate limit exceeded (30 requests per second per API)', hint: 'Lower the concurrency or the batch size.' },
	1100: { meaning: 'invalid Bearer token', hint: 'Check the client ID and secret of the installed application.' },
	1101: { meaning: 'not enough privilege', hint: 'The installed application lacks the Connect-to-Messaging permission.' },
	1200: { meaning: 'no internal user configured', hint: 'Configure the Connect-to-Messaging internal user for the account.' },
	1201: { meaning: 'no internal application configured', hint: 'Configure the Connect-to-Messaging application for the account.' },
	1300: { meaning: 'no engagement for the skill', field: 'skill', hint: 'Create a messaging engagement for this skill, or check the skill name.' },
	1400: { meaning: 'the message cannot be sent', hint: 'The channel refused the message: check the consumer number and the channel.' },
	1500: { meaning: 'no handoff configured with this ID', field: 'handoffId', hint: 'Check the handoff ID in the Connect-to-Messaging configuration.' },
	1501: { meaning: 'no channel configured for the handoff', field: 'handoffId', hint: 'Add a channel to the handoff in the Connect-to-Messaging configuration.' },
	1600: { meaning: 'no setting configured', hint: 'Complete the Connect-to-Messaging settings of the account.' },
	1900: { meaning: 'overridden channel is not available', field: 'overrideChannel', hint: 'Use one of the availableChannels from the eligibility answer (sms and twilio are the same channel).' },
	1901: { meaning: 'no engagement provided for the overridden skill', field: 'overrideSkill', hint: 'The override skill must have a messaging engagement in the handoff configuration.' },
};

export function describeC2mError(errorCode: number | undefined): { meaning: string; field?: string; hint?: string } | undefined {
	if (errorCode === undefined) return undefined;
	if (C2M_ERROR_MEANINGS[errorCode]) return C2M_ERROR_MEANINGS[errorCode];
	if (errorCode >= 5000 && errorCode <= 7000) return { meaning: 'internal server error', hint: 'Try again later.' };
	return undefined;
}

/** Pure: an answer → JSON object, or LpError with the documented meaning of `errorCode`. */
export function processC2mResponse<T = Record<string, unknown>>(res: HttpResponse, action: 'eligibility' | 'invite', secrets: string[] = []): T {
	if (res.status >= 200 && res.status <= 299) {
		const body = parseJsonBody(res, C2M_SERVICE, secrets);
		if (typeof body !== 'object' || body === null || Array.isArray(body)) {
			throw new LpError('response', `${C2M_SERVICE} answered the ${action} without a JSON object`, { status: res.status, code: 'C2M_SHAPE' });
		}
		if (action === 'invite' && typeof (body as { callId?: unknown }).callId !== 'string') {
			throw new LpError('response', `${C2M_SERVICE} answered the invite without a callId`, { status: res.status, code: 'C2M_SHAPE', responseSnippet: bodySnippet(res, secrets) });
		}
		return body as T;
	}
	let errorCode: number | undefined;
	let errorMessage: string | undefined;
	try {
		const body = JSON.parse(res.body.toString('utf8')) as { errorCode?: unknown; errorMessage?: unknown };
		if (typeof body?.errorCode === 'number' || (typeof body?.errorCode === 'string' && /^\d+$/.test(body.errorCode))) errorCode = Number(body.errorCode);
		if (typeof body?.errorMessage === 'string') errorMessage = snippet(body.errorMessage, responseSecrets(res, secrets), 300);
	} catch {
		/* not JSON: fall back to the status */
	}
	const known = describeC2mError(errorCode);
	if (!known) {
		const base = statusError(res, C2M_SERVICE, secrets);
		if (res.status === 401) throw new LpError('auth', base.message, { status: 401, code: 'C2M_HTTP_401', responseSnippet: base.responseSnippet, hint: C2M_ERROR_MEANINGS[1100].hint });
		throw base;
	}
	const kind = res.status === 401 ? 'auth' : 'http';
	throw new LpError(kind, `${C2M_SERVICE} refused the ${action}: ${known.meaning} (HTTP ${res.status}, error ${errorCode})${errorMessage ? `: ${errorMessage}` : ''}`, {
		status: res.status,
		code: `C2M_${errorCode}`,
		field: known.field,
		hint: known.hint,
		responseSnippet: bodySnippet(res, secrets),
		retryAfterMs: parseRetryAfter(res.headers['retry-after']),
	});
}

export interface C2mIo {
	accountId: string;
	base(): Promise<string>;
	auth: AuthStrategy;
	policy: OutboundPolicy;
	timeoutMs?: number;
	/** First backoff after a 429 (doubles: 5, 10, 20 s by default). */
	rateLimitBaseMs?: number;
	rateLimitRetries?: number;
	onRetry?: (info: { attempt: number; delayMs: number; reason: string }) => void;
}

export class C2mClient {
	constructor(readonly io: C2mIo) {}

	private async call<T>(req: PreparedRequest, action: 'eligibility' | 'invite'): Promise<T> {
		const res = await send({
			...req,
			serviceName: C2M_SERVICE,
			auth: this.io.auth,
			policy: this.io.policy,
			timeoutMs: this.io.timeoutMs,
			// Documented: on 429 retry 3 times with exponential backoff from 5 s. A 429 was not
			// processed, so repeating it cannot send a second invite. Nothing else is retried.
			retry: {
				retries: this.io.rateLimitRetries ?? C2M_RATE_LIMIT_RETRIES,
				statuses: [429],
				networkErrors: false,
				baseDelayMs: this.io.rateLimitBaseMs ?? C2M_RATE_LIMIT_BASE_MS,
				maxDelayMs: Math.max(60_000, (this.io.rateLimitBaseMs ?? C2M_RATE_LIMIT_BASE_MS) * 8),
			},
			onRetry: this.io.onRetry,
		});
		return processC2mResponse<T>(res, action, req.secrets);
	}

	async eligibility(input: EligibilityInput): Promise<EligibilityResult> {
		const req = buildEligibilityRequest(await this.io.base(), this.io.accountId, input);
		return this.call<EligibilityResult>(req, 'eligibility');
	}

	async invite(input: InviteInput): Promise<{ callId: string; [key: string]: unknown }> {
		const req = buildInviteRequest(await this.io.base(), this.io.accountId, input);
		return this.call(req, 'invite');
	}
}

export interface C2mCredentialOptions extends C2mAuthOptions {
	/** Host override instead of CSDS `connectToMessagingDomain` (checked by the same outbound policy). */
	host?: string;
	rateLimitBaseMs?: number;
	rateLimitRetries?: number;
	onRetry?: C2mIo['onRetry'];
}

/** The C2M client for a `livePersonTransferToMessagingApi` credential (host from CSDS, Sentinel app token). */
export function c2mClientForCredentials(creds: TransferToMessagingCredentials, options: C2mCredentialOptions = {}): C2mClient {
	const accountId = validateAccountId(creds.accountId);
	let hostOverride: string | undefined;
	if (options.host) {
		const text = options.host.trim();
		try {
			hostOverride = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`).origin;
		} catch {
			throw inputError('host', 'Host override is not a valid host name or URL', undefined, 'HOST_INVALID');
		}
	}
	return new C2mClient({
		accountId,
		base: async () => hostOverride ?? resolveC2mBase(creds),
		auth: c2mStrategy(creds, options),
		policy: c2mPolicy(creds),
		timeoutMs: options.timeoutMs,
		rateLimitBaseMs: options.rateLimitBaseMs,
		rateLimitRetries: options.rateLimitRetries,
		onRetry: options.onRetry,
	});
}
