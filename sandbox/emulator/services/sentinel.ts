/**
 * Sentinel OAuth2 client_credentials (reference §2): form-encoded client_id/client_secret or HTTP
 * Basic client authentication; RS256 JWT access tokens signed by the emulator; JWKS.
 */
import { exportJWK } from 'jose';
import type { Ctx, Route } from '../http';
import { basicCredentials, sendJson } from '../http';
import { emulatorPki } from '../pki';
import type { EmulatorState } from '../state';

const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };

function oauthError(ctx: Ctx, status: number, error: string, description: string, extra: Record<string, string> = {}) {
	sendJson(ctx, status, { error, error_description: description }, { ...NO_STORE, ...extra });
}

export function sentinelRoutes(state: EmulatorState): Route[] {
	return [
		{
			id: 'sentinel.token',
			methods: ['POST'],
			// v2 (documented) and v1 (`/sentinel/api/account/{id}/app/token?v=1.0`).
			pattern: /^\/sentinel\/api\/(?:v2\/)?account\/([^/]+)\/app\/token$/,
			handler: async (ctx) => {
				const [acc] = ctx.params;
				const type = (ctx.header('content-type') ?? '').split(';')[0].trim().toLowerCase();
				if (type !== 'application/x-www-form-urlencoded') {
					return oauthError(ctx, 400, 'invalid_request', 'Content-Type must be application/x-www-form-urlencoded');
				}
				const form = new URLSearchParams(ctx.body.toString('utf8'));
				const authz = ctx.header('authorization');
				const basic = basicCredentials(authz);
				let clientId = form.get('client_id') ?? undefined;
				let clientSecret = form.get('client_secret') ?? undefined;
				if (basic) {
					// RFC 6749 §2.3.1: the Basic user and password are form-urlencoded.
					clientId = decodeURIComponent(basic.user.replace(/\+/g, ' '));
					clientSecret = decodeURIComponent(basic.password.replace(/\+/g, ' '));
				}
				const grant = form.get('grant_type');
				if (!grant) return oauthError(ctx, 400, 'invalid_request', 'grant_type is required');
				if (grant !== 'client_credentials') {
					return oauthError(ctx, 400, 'unsupported_grant_type', 'Only client_credentials is supported');
				}
				const c = state.config.oauth2Client;
				if (!state.knownAccount(acc) || clientId !== c.clientId || clientSecret !== c.clientSecret) {
					return oauthError(
						ctx,
						401,
						'invalid_client',
						'Client authentication failed',
						basic ? { 'www-authenticate': 'Basic realm="sentinel"' } : {},
					);
				}
				const expiresIn = state.config.lifetimes.sentinelExpiresIn;
				const token = await state.issueJwt('sentinel', clientId, expiresIn, { accountId: acc, client_id: clientId });
				sendJson(ctx, 200, { access_token: token, token_type: 'Bearer', expires_in: expiresIn }, NO_STORE);
			},
		},
		{
			id: 'sentinel.jwks',
			methods: ['GET'],
			pattern: /^\/sentinel\/well-known\/jwks$/,
			handler: async (ctx) => {
				const { jwt } = emulatorPki();
				const jwk = await exportJWK(jwt.publicKey);
				sendJson(ctx, 200, { keys: [{ ...jwk, kid: jwt.kid, alg: 'RS256', use: 'sig' }] });
			},
		},
	];
}
