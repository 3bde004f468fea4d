/**
 * Non-LivePerson endpoints the bot-account credentials talk to, emulated for the sandbox and the
 * browser test (the integration tests use their own checking servers):
 *   POST /identity/token        IBM Cloud IAM: grant_type=urn:ibm:params:oauth:grant-type:apikey with
 *                               the sample API key → a token; any other key → IBM's 400 error shape.
 *   POST /consumer-auth/token   A brand identity provider's token endpoint for Consumer
 *                               Authentication: client authentication (Basic or body) with the
 *                               sample OAuth client; authorization codes are never issued here, so
 *                               an authorization_code grant is invalid_grant (what the credential
 *                               Test expects from a correct client), a wrong client invalid_client.
 */
import { randomBytes } from 'node:crypto';
import type { Ctx, Route } from '../http';
import { basicCredentials, sendJson } from '../http';
import type { EmulatorState } from '../state';

/** The sample IBM API key (sandbox/samples/credentials.json and the browser test use it). */
export const EMULATOR_IBM_API_KEY = 'sandbox-ibm-api-key-5d21c7';

const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };

function form(ctx: Ctx): URLSearchParams | undefined {
	const type = (ctx.header('content-type') ?? '').split(';')[0].trim().toLowerCase();
	return type === 'application/x-www-form-urlencoded' ? new URLSearchParams(ctx.body.toString('utf8')) : undefined;
}

export function thirdPartyRoutes(state: EmulatorState): Route[] {
	return [
		{
			id: 'ibm.iam.token',
			methods: ['POST'],
			pattern: /^\/identity\/token$/,
			handler: async (ctx) => {
				const f = form(ctx);
				if (!f || f.get('grant_type') !== 'urn:ibm:params:oauth:grant-type:apikey' || f.get('apikey') !== EMULATOR_IBM_API_KEY) {
					return sendJson(ctx, 400, { errorCode: 'BXNIM0415E', errorMessage: 'Provided API key could not be found.' }, NO_STORE);
				}
				const now = Math.floor(Date.now() / 1000);
				sendJson(ctx, 200, { access_token: `emu-iam-${randomBytes(12).toString('hex')}`, refresh_token: 'not_supported', token_type: 'Bearer', expires_in: 3600, expiration: now + 3600, scope: 'ibm openid' }, NO_STORE);
			},
		},
		{
			id: 'consumerAuth.token',
			methods: ['POST'],
			pattern: /^\/consumer-auth\/token$/,
			handler: async (ctx) => {
				const f = form(ctx);
				if (!f) return sendJson(ctx, 400, { error: 'invalid_request', error_description: 'form body required' }, NO_STORE);
				const basic = basicCredentials(ctx.header('authorization'));
				const clientId = basic ? decodeURIComponent(basic.user.replace(/\+/g, ' ')) : f.get('client_id');
				const clientSecret = basic ? decodeURIComponent(basic.password.replace(/\+/g, ' ')) : f.get('client_secret');
				const c = state.config.oauth2Client;
				if (clientId !== c.clientId || clientSecret !== c.clientSecret) return sendJson(ctx, 401, { error: 'invalid_client', error_description: 'Client authentication failed' }, NO_STORE);
				if (f.get('grant_type') !== 'authorization_code') return sendJson(ctx, 400, { error: 'unsupported_grant_type' }, NO_STORE);
				sendJson(ctx, 400, { error: 'invalid_grant', error_description: 'authorization code not found' }, NO_STORE);
			},
		},
	];
}
