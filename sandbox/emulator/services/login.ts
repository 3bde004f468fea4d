/**
 * Login Service (agentVep, reference §2): user login, application login (OAuth1 app key, or OAuth2
 * client id/secret with "dummy" access token/secret), refresh and logout with Session_id cookie + csrf.
 */
import type { Ctx, Route } from '../http';
import { isObject, jsonBody, parseCookies, sendEmpty, sendJson } from '../http';
import type { EmulatorState } from '../state';
import { baseUris } from './csds';

function loginError(message: string, internalCode?: number) {
	return {
		error: {
			time: new Date().toISOString(),
			message,
			...(internalCode !== undefined ? { internalCode } : {}),
			responseStatus: 'UNAUTHORIZED',
		},
	};
}

function badRequest(ctx: Ctx, message: string) {
	sendJson(ctx, 400, { error: { time: new Date().toISOString(), message, responseStatus: 'BAD_REQUEST' } });
}

/** Which login the body asks for, and whether its credentials are right. */
function checkLoginBody(state: EmulatorState, body: Record<string, unknown>): { ok: boolean; subject: string } | 'bad-request' {
	const c = state.config;
	const str = (k: string) => (typeof body[k] === 'string' ? (body[k] as string) : undefined);
	if (str('appKey') !== undefined || str('secret') !== undefined) {
		const appKey = str('appKey');
		const secret = str('secret');
		const accessToken = str('accessToken');
		const accessTokenSecret = str('accessTokenSecret');
		if (!str('username') || !appKey || !secret || accessToken === undefined || accessTokenSecret === undefined) return 'bad-request';
		const oauth1 =
			appKey === c.oauth1.appKey &&
			secret === c.oauth1.secret &&
			accessToken === c.oauth1.accessToken &&
			accessTokenSecret === c.oauth1.accessTokenSecret;
		// OAuth2 client_credentials through the same body (current Application Login page).
		const oauth2 =
			appKey === c.oauth2Client.clientId &&
			secret === c.oauth2Client.clientSecret &&
			accessToken === 'dummy' &&
			accessTokenSecret === 'dummy';
		return { ok: oauth1 || oauth2, subject: str('username') as string };
	}
	if (str('username') !== undefined || str('password') !== undefined) {
		if (!str('username') || !str('password')) return 'bad-request';
		return { ok: str('username') === c.user.username && str('password') === c.user.password, subject: str('username') as string };
	}
	// {"jwt":"dummy","assertion":...} (node-agent-sdk SAML hack): SSO is not supported by this API.
	if (str('jwt') !== undefined) return { ok: false, subject: '' };
	return 'bad-request';
}

function sessionFromCookie(state: EmulatorState, ctx: Ctx) {
	const id = parseCookies(ctx.header('cookie')).Session_id;
	return id ? state.sessions.get(id) : undefined;
}

/** Shared part of refresh and logout: cookie session, csrf, expiry. Undefined when answered. */
function authorizeSessionCall(state: EmulatorState, ctx: Ctx) {
	const [acc] = ctx.params;
	if (!state.knownAccount(acc)) {
		sendJson(ctx, 401, loginError('Bad Authentication (invalid site or agent)'));
		return undefined;
	}
	let body: unknown;
	try {
		body = jsonBody(ctx);
	} catch {
		badRequest(ctx, 'Request body is not valid JSON');
		return undefined;
	}
	const session = sessionFromCookie(state, ctx);
	const csrf = isObject(body) && typeof body.csrf === 'string' ? body.csrf : undefined;
	if (!session || csrf !== session.csrf) {
		// Documented body for a bad csrf. A missing/unknown Session_id cookie gets the same answer,
		// since the server cannot find the csrf it issued.
		sendJson(ctx, 401, loginError('CSRF token invalid! Please reload the page or login again.', 10));
		return undefined;
	}
	if (Date.now() >= session.expiresAt) {
		state.endSession(session);
		sendJson(ctx, 401, loginError('Session expired, please login again'));
		return undefined;
	}
	return session;
}

export function loginRoutes(state: EmulatorState): Route[] {
	return [
		{
			id: 'login.login',
			methods: ['POST'],
			pattern: /^\/api\/account\/([^/]+)\/login$/,
			handler: (ctx) => {
				const [acc] = ctx.params;
				if (!state.knownAccount(acc)) return sendJson(ctx, 401, loginError('Bad Authentication (invalid site or agent)'));
				let body: unknown;
				try {
					body = jsonBody(ctx);
				} catch {
					return badRequest(ctx, 'Request body is not valid JSON');
				}
				if (!isObject(body)) return badRequest(ctx, 'Request body must be a JSON object');
				const check = checkLoginBody(state, body);
				if (check === 'bad-request') return badRequest(ctx, 'Missing login parameters');
				if (!check.ok) return sendJson(ctx, 401, loginError('Bad Authentication (invalid site or agent or credentials)'));
				const s = state.createSession(check.subject);
				const now = Date.now();
				sendJson(
					ctx,
					200,
					{
						csrf: s.csrf,
						wsuk: String(BigInt('0x' + s.sessionId.slice(0, 15))),
						config: {
							loginName: check.subject,
							userId: state.config.user.userId,
							userPid: state.config.user.userId,
							userPrivileges: [100, 101],
							serverCurrentTime: now,
							timeDiff: 0,
							serverTimeZoneName: 'UTC',
							serverTimeGMTDiff: 0,
							isLPA: false,
							isAdmin: true,
							accountTimeZoneId: 'UTC',
						},
						csdsCollectionResponse: { baseURIs: baseUris(state, acc) },
						accountData: { agentGroupsData: { items: [{ id: -1, deleted: false, name: 'Main Group' }], revision: 1 } },
						sessionTTl: String(state.sessionTtlMs()),
						bearer: s.bearer,
					},
					{ 'set-cookie': `Session_id=${s.sessionId}; Path=/; HttpOnly` },
				);
			},
		},
		{
			id: 'login.refresh',
			methods: ['POST'],
			pattern: /^\/api\/account\/([^/]+)\/refresh$/,
			handler: (ctx) => {
				const s = authorizeSessionCall(state, ctx);
				if (!s) return;
				s.expiresAt = Date.now() + state.sessionTtlMs();
				sendEmpty(ctx, 200);
			},
		},
		{
			id: 'login.logout',
			methods: ['POST'],
			pattern: /^\/api\/account\/([^/]+)\/logout$/,
			handler: (ctx) => {
				const s = authorizeSessionCall(state, ctx);
				if (!s) return;
				state.endSession(s);
				sendEmpty(ctx, 200);
			},
		},
	];
}
