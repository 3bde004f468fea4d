/**
 * Non-LivePerson endpoints the bot-account credentials talk to, emulated for the sandbox and the
 * browser test (the integration tests use their own checking servers):
 *   POST /identity/token        IBM Cloud IAM: grant_type=urn:ibm:params:oauth:grant-type:apikey with
 *                               the sample API key → a token; any other key → IBM's documented 400
 *                               body (OidcExceptionResponse: errorCode, errorMessage, context).
 *   POST /google/token          Google's OAuth 2.0 token endpoint for a service account (RFC 7523 JWT
 *                               bearer grant): the assertion must be RS256-signed by the service
 *                               account's key, iss = its client_email, aud = this endpoint's URL, with
 *                               iat, exp (at most one hour later, not expired) and scope; else Google's
 *                               400 invalid_grant (invalid_scope without a scope), with the descriptions
 *                               of Google's error table. The service account is the one given to the emulator
 *                               (StartOptions.googleServiceAccountJson, LP_EMULATOR_GOOGLE_SA_FILE) or one
 *                               it made at start, served at GET /__emulator/google-service-account.json.
 *   POST /consumer-auth/token   A brand identity provider's token endpoint for Consumer
 *                               Authentication: client authentication (Basic or body) with the
 *                               sample OAuth client; authorization codes are never issued here, so
 *                               an authorization_code grant is invalid_grant (what the credential
 *                               Test expects from a correct client), a wrong client invalid_client.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { jwtVerify } from 'jose';
import type { Ctx, Route } from '../http';
import { basicCredentials, sendJson } from '../http';
import type { EmulatorState } from '../state';

/** The sample IBM API key (sandbox/samples/credentials.json and the browser test use it). */
export const EMULATOR_IBM_API_KEY = 'sandbox-ibm-api-key-5d21c7';

const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };

const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/** The service account whose assertions the emulated Google token endpoint accepts. */
export interface EmulatorGoogleAccount {
	clientEmail: string;
	publicKey: KeyObject;
	/** The whole key file, only for an account the emulator made itself (served by the admin API). */
	keyFile?: Record<string, string>;
}

/**
 * From a service-account key file (JSON text): its client_email and the public half of its key. Without
 * one, a new account (key pair made here, in memory).
 */
export function googleAccount(json?: string): EmulatorGoogleAccount {
	if (json) {
		const sa = JSON.parse(json) as { client_email?: string; private_key?: string };
		if (!sa.client_email || !sa.private_key) throw new Error('Google service account: client_email and private_key are required');
		return { clientEmail: sa.client_email, publicKey: createPublicKey(createPrivateKey(sa.private_key)) };
	}
	const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
	const clientEmail = 'sandbox-nlu@lp-sandbox.iam.gserviceaccount.com';
	return {
		clientEmail,
		publicKey,
		keyFile: {
			type: 'service_account',
			project_id: 'lp-sandbox',
			private_key_id: randomBytes(20).toString('hex'),
			private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
			client_email: clientEmail,
			client_id: '100000000000000000001',
		},
	};
}

/** Google's answer to a refused assertion (what oauth2.googleapis.com sends). */
function invalidGrant(ctx: Ctx, description: string): void {
	sendJson(ctx, 400, { error: 'invalid_grant', error_description: description }, NO_STORE);
}

/**
 * IBM Cloud IAM's error body, the documented `OidcExceptionResponse` of POST /identity/token
 * (IAM Identity Services API: errorCode, errorMessage, optional errorDetails, and a `context` of
 * requestId, requestType, userAgent, url, instanceId, threadId, host, startTime, endTime, elapsedTime,
 * locale, clusterName). The values here are the emulator's.
 */
function ibmError(ctx: Ctx, status: number, errorCode: string, errorMessage: string, errorDetails?: string): void {
	const start = new Date();
	sendJson(
		ctx,
		status,
		{
			errorCode,
			errorMessage,
			...(errorDetails ? { errorDetails } : {}),
			context: {
				requestId: randomBytes(16).toString('hex'),
				requestType: 'incoming.Identity_Token',
				userAgent: ctx.header('user-agent') ?? '',
				url: 'https://iam.cloud.ibm.com',
				instanceId: 'emulator',
				threadId: '1',
				host: 'emulator',
				startTime: start.toUTCString(),
				endTime: new Date().toUTCString(),
				elapsedTime: '0',
				locale: 'en_US',
				clusterName: 'emulator',
			},
		},
		NO_STORE,
	);
}

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
					return ibmError(ctx, 400, 'BXNIM0415E', 'Provided API key could not be found.');
				}
				const now = Math.floor(Date.now() / 1000);
				sendJson(ctx, 200, { access_token: `emu-iam-${randomBytes(12).toString('hex')}`, refresh_token: 'not_supported', token_type: 'Bearer', expires_in: 3600, expiration: now + 3600, scope: 'ibm openid' }, NO_STORE);
			},
		},
		{
			id: 'google.token',
			methods: ['POST'],
			pattern: /^\/google\/token$/,
			handler: async (ctx) => {
				const f = form(ctx);
				if (!f || f.get('grant_type') !== JWT_BEARER_GRANT) return sendJson(ctx, 400, { error: 'unsupported_grant_type', error_description: 'Invalid grant_type' }, NO_STORE);
				const account = state.googleAccount;
				let payload: Record<string, unknown>;
				try {
					({ payload } = await jwtVerify(f.get('assertion') ?? '', account.publicKey, {
						algorithms: ['RS256'],
						issuer: account.clientEmail,
						audience: `${state.url}/google/token`,
						requiredClaims: ['iat', 'exp'],
					}));
				} catch (e) {
					const code = (e as { code?: string }).code;
					if (code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' || code === 'ERR_JWS_INVALID') return invalidGrant(ctx, 'Invalid JWT Signature.');
					// Google's error table (developers.google.com/identity/protocols/oauth2/service-account, "Error codes"):
					// an issuer that is not the service account is "Invalid email or User ID".
					if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED' && (e as { claim?: string }).claim === 'iss') return invalidGrant(ctx, 'Invalid email or User ID');
					if (code === 'ERR_JWT_EXPIRED') return invalidGrant(ctx, 'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.');
					return invalidGrant(ctx, `Invalid JWT: ${(e as Error).message}`);
				}
				if (Number(payload.exp) - Number(payload.iat) > 3600) {
					return invalidGrant(ctx, 'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.');
				}
				// No scope: Google answers invalid_scope, not invalid_grant (the answer quoted in
				// github.com/googleapis/google-oauth-java-client/issues/602).
				if (typeof payload.scope !== 'string' || !payload.scope.trim()) return sendJson(ctx, 400, { error: 'invalid_scope', error_description: 'Invalid OAuth scope or ID token audience provided.' }, NO_STORE);
				const token = `ya29.emu-${randomBytes(24).toString('base64url')}`;
				state.issued.push(token);
				sendJson(ctx, 200, { access_token: token, expires_in: 3599, token_type: 'Bearer' }, NO_STORE);
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
