/**
 * Conversation Orchestrator (reference §4): v2 login, Conversation Context Service v1 (maven-api-key)
 * and v2 (access token), Next Actions v1/v2. All data lives in memory.
 */
import type { Ctx, Route } from '../http';
import { basicCredentials, bearerToken, sendJson } from '../http';
import type { EmulatorState } from '../state';

export function coLoginRoutes(state: EmulatorState): Route[] {
	return [
		{
			id: 'co.v2.login',
			// The docs do not state the method; POST is the likely one, GET is accepted too.
			methods: ['POST', 'GET'],
			pattern: /^\/v2\/authenticate\/login$/,
			handler: async (ctx: Ctx) => {
				const basic = basicCredentials(ctx.header('authorization'));
				const c = state.config.orchestrator.v2;
				if (!basic || basic.user !== c.userId || basic.password !== c.password) {
					return sendJson(ctx, 401, { message: 'Unauthorized' }, { 'www-authenticate': 'Basic realm="conversation-orchestrator"' });
				}
				const lifetime = state.config.lifetimes.coTokenLifetime;
				const token = await state.issueJwt('co', basic.user, lifetime, { token_use: 'id', accountId: state.config.accountId });
				// The real response field names are NOT documented (the docs only say "returns 200 ok with
				// the OAuth2.0 secure token"). The emulator uses OAuth2 token-response names.
				sendJson(ctx, 200, { access_token: token, token_type: 'Bearer', expires_in: lifetime });
			},
		},
	];
}

/** CO v2 token from `?access_token=` or `Authorization: Bearer`. Answers 403 when missing/invalid/expired. */
export async function requireCoToken(state: EmulatorState, ctx: Ctx): Promise<boolean> {
	const token = ctx.query.get('access_token') ?? bearerToken(ctx.header('authorization'));
	const r = await state.checkBearer(token ?? undefined, ['co']);
	if (r.ok) return true;
	// The docs tell callers to log in again on 403, so an unknown or expired token gives 403.
	sendJson(ctx, 403, { message: r.reason === 'expired' ? 'Token expired' : 'Forbidden' });
	return false;
}
