/**
 * Connect-to-Messaging (reference §5): eligibility and invite, `?v=2.0`, Bearer (Sentinel APP JWT or
 * Login Service bearer) or OAuth1 (app key; signature not verified). Errors are the documented
 * `{errorCode, errorMessage}` with the documented codes.
 */
import { randomUUID } from 'node:crypto';
import type { Ctx, Route, ServiceModule } from '../http';
import { isObject, sendJson } from '../http';
import type { EmulatorState } from '../state';

const LIMITS = { phone: 15, skill: 255, handoffId: 16, overrideMessage: 1600 };

function c2mError(ctx: Ctx, status: number, errorCode: number, errorMessage: string) {
	sendJson(ctx, status, { errorCode, errorMessage });
}

interface Call {
	availableChannels: string[];
	skill: string;
}

export function c2mModule(state: EmulatorState): ServiceModule {
	const calls = new Map<string, Call>();

	/** Checks shared by both routes; the parsed body, or undefined when an error was sent. */
	const precheck = async (ctx: Ctx): Promise<Record<string, unknown> | undefined> => {
		const [acc] = ctx.params;
		const r = await state.checkLpAuth(ctx.header('authorization'));
		if (!r.ok || !state.knownAccount(acc)) return void c2mError(ctx, 401, 1100, 'Invalid Bearer token or authorization header');
		if (ctx.query.get('v') !== '2.0') return void c2mError(ctx, 400, 1002, 'Invalid version: use v=2.0');
		const type = (ctx.header('content-type') ?? '').split(';')[0].trim().toLowerCase();
		if (type !== 'application/json') return void c2mError(ctx, 415, 1015, 'Unsupported media type: use application/json');
		let body: unknown;
		try {
			body = JSON.parse(ctx.body.toString('utf8'));
		} catch {
			return void c2mError(ctx, 400, 1000, 'Invalid request: body is not valid JSON');
		}
		if (!isObject(body)) return void c2mError(ctx, 400, 1000, 'Invalid request: body must be a JSON object');
		return body;
	};

	const eligibility = async (ctx: Ctx) => {
		const b = await precheck(ctx);
		if (!b) return;
		const c = state.config.c2m;
		const { consumerPhoneNumber: phone, handoffId, skill } = b;
		// Documented: E.164 with the leading "+", 15 characters at most.
		if (typeof phone !== 'string' || phone.length > LIMITS.phone || !/^\+[1-9][0-9]{3,}$/.test(phone)) {
			return c2mError(ctx, 400, 1001, 'Invalid customerPhoneNumber');
		}
		if (typeof handoffId !== 'string' || !handoffId || handoffId.length > LIMITS.handoffId) {
			return c2mError(ctx, 400, 1000, `Invalid request: handoffId is required, at most ${LIMITS.handoffId} characters`);
		}
		// Documented: skill is required (string, 255 characters at most).
		if (typeof skill !== 'string' || !skill || skill.length > LIMITS.skill) {
			return c2mError(ctx, 400, 1000, `Invalid request: skill is required, at most ${LIMITS.skill} characters`);
		}
		if (b.templateVariables !== undefined && !isObject(b.templateVariables)) return c2mError(ctx, 400, 1000, 'Invalid request: templateVariables must be an object');
		if (b.sdes !== undefined && !Array.isArray(b.sdes)) return c2mError(ctx, 400, 1000, 'Invalid request: sdes must be an array');
		if (!c.handoffIds.includes(handoffId)) return c2mError(ctx, 400, 1500, `No handoff configuration found for handoffId ${handoffId}`);
		if (!c.skills.includes(skill)) return c2mError(ctx, 400, 1300, `No engagement found for skill ${skill}`);
		const callId = randomUUID();
		calls.set(callId, { availableChannels: [...c.availableChannels], skill });
		sendJson(ctx, 200, {
			availableChannels: c.availableChannels,
			recommendedChannelName: c.recommendedChannelName,
			eligible: c.availableChannels.length > 0,
			callId,
		});
	};

	const invite = async (ctx: Ctx) => {
		const b = await precheck(ctx);
		if (!b) return;
		const { callId, overrideChannel, overrideMessage, overrideSkill } = b;
		if (typeof callId !== 'string' || !callId) return c2mError(ctx, 400, 1000, 'Invalid request: callId is required');
		const call = calls.get(callId);
		if (!call) return c2mError(ctx, 400, 1000, 'Invalid request: unknown callId (call eligibility first)');
		if (overrideMessage !== undefined && (typeof overrideMessage !== 'string' || overrideMessage.length > LIMITS.overrideMessage)) {
			return c2mError(ctx, 400, 1000, `Invalid request: overrideMessage must be a string of at most ${LIMITS.overrideMessage} characters`);
		}
		if (overrideSkill !== undefined && (typeof overrideSkill !== 'string' || overrideSkill.length > LIMITS.skill)) {
			return c2mError(ctx, 400, 1000, `Invalid request: overrideSkill must be a string of at most ${LIMITS.skill} characters`);
		}
		// Documented: 1900 "Overridden channel is not available" ('sms' and 'twilio' are the same channel).
		const channelOf = (name: string) => (name.toLowerCase() === 'twilio' ? 'sms' : name.toLowerCase());
		if (overrideChannel !== undefined && (typeof overrideChannel !== 'string' || !call.availableChannels.map(channelOf).includes(channelOf(overrideChannel)))) {
			return c2mError(ctx, 400, 1900, 'Overridden channel is not available');
		}
		// Documented: 1901 "No engagement provided for the overridden skill".
		if (overrideSkill !== undefined && !state.config.c2m.skills.includes(overrideSkill as string)) {
			return c2mError(ctx, 400, 1901, 'No engagement provided for the overridden skill');
		}
		sendJson(ctx, 200, { callId });
	};

	const notAllowed = (ctx: Ctx) => c2mError(ctx, 405, 1005, `Method ${ctx.method} not allowed`);
	const routes: Route[] = [
		{ id: 'c2m.eligibility', methods: '*', pattern: /^\/api\/account\/([^/]+)\/eligibility$/, handler: (ctx) => (ctx.method === 'POST' ? eligibility(ctx) : notAllowed(ctx)) },
		{ id: 'c2m.invite', methods: '*', pattern: /^\/api\/account\/([^/]+)\/invite$/, handler: (ctx) => (ctx.method === 'POST' ? invite(ctx) : notAllowed(ctx)) },
	];
	return { routes, reset: () => calls.clear() };
}
