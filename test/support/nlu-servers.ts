/**
 * Local stand-ins for the NLU token endpoints (Google's JWT bearer grant, IBM Cloud IAM's API-key grant) and
 * an API that accepts only the tokens they issued, on 127.0.0.1, for one test file: they check what Google
 * and IBM check (test/integration/nlu-credential.test.ts lists it). Used by that file (lib) and by
 * test/engine/nlu-node.engine.test.ts (the node in n8n's engine).
 */
import { generateKeyPairSync, createPublicKey, type KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as jose from 'jose';
import { GOOGLE_DEFAULT_SCOPE, IBM_APIKEY_GRANT, JWT_BEARER_GRANT } from '../../lib/auth/nlu';

export const EMAIL = 'nlu-bot@test-project.iam.gserviceaccount.com';
export const API_KEY = 'ibm-Api_Key-0123456789abcdefXYZ';
export const LOOPBACK = 'loopback';

export interface Server {
	url: string;
	googleTokens: number;
	ibmTokens: number;
	apiCalls: number;
	/** Claims of the last assertion that verified. */
	lastClaims?: jose.JWTPayload;
	lastRefusal?: string;
	/** Tokens the API refuses with 401 (as if revoked). */
	revoked: Set<string>;
	issued: string[];
	expectedScope: string;
	close(): Promise<void>;
}

export function keyPair() {
	return generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
}

async function readBody(req: http.IncomingMessage): Promise<string> {
	const chunks: Buffer[] = [];
	for await (const c of req) chunks.push(c as Buffer);
	return Buffer.concat(chunks).toString('utf8');
}

function startServer(publicKey: KeyObject): Promise<Server> {
	const state = { googleTokens: 0, ibmTokens: 0, apiCalls: 0, revoked: new Set<string>(), issued: [] as string[], expectedScope: GOOGLE_DEFAULT_SCOPE } as Server;
	let n = 0;
	const srv = http.createServer(async (req, res) => {
		const url = new URL(req.url ?? '/', 'http://127.0.0.1');
		const body = await readBody(req);
		const json = (status: number, value: unknown) => {
			res.writeHead(status, { 'content-type': 'application/json' });
			res.end(JSON.stringify(value));
		};
		const form = new URLSearchParams(body);
		const formEncoded = /^application\/x-www-form-urlencoded/.test(req.headers['content-type'] ?? '');
		if (url.pathname === '/google/token' && req.method === 'POST') {
			state.googleTokens++;
			const refuse = (why: string) => {
				state.lastRefusal = why;
				json(400, { error: 'invalid_grant', error_description: why });
			};
			if (!formEncoded) return refuse('not form-encoded');
			if (form.get('grant_type') !== JWT_BEARER_GRANT) return refuse('wrong grant_type');
			const assertion = form.get('assertion') ?? '';
			try {
				const { payload, protectedHeader } = await jose.jwtVerify(assertion, publicKey, {
					algorithms: ['RS256'],
					// The audience is this endpoint's own URL, exactly.
					audience: `${state.url}/google/token`,
					issuer: EMAIL,
					subject: EMAIL,
					requiredClaims: ['iat', 'exp', 'scope'],
				});
				if (protectedHeader.typ !== 'JWT') return refuse('typ');
				if (payload.scope !== state.expectedScope) return refuse('Invalid scope');
				const now = Math.floor(Date.now() / 1000);
				if ((payload.exp ?? 0) - (payload.iat ?? 0) > 3600) return refuse('Invalid JWT: lifetime over 1 h');
				if ((payload.iat ?? 0) > now + 60) return refuse('Invalid JWT: iat in the future');
				state.lastClaims = payload;
			} catch (error) {
				return refuse(`Invalid JWT: ${(error as Error).constructor.name}`);
			}
			const token = `ya29.google-${++n}-${Math.random().toString(36).slice(2)}`;
			state.issued.push(token);
			return json(200, { access_token: token, expires_in: 3599, token_type: 'Bearer' });
		}
		if (url.pathname === '/ibm/token' && req.method === 'POST') {
			state.ibmTokens++;
			if (!formEncoded || form.get('grant_type') !== IBM_APIKEY_GRANT || form.get('apikey') !== API_KEY) {
				return json(400, { errorCode: 'BXNIM0415E', errorMessage: 'Provided API key could not be found.', context: { requestId: 'r1' } });
			}
			const token = `ibm-iam-${++n}-${Math.random().toString(36).slice(2)}`;
			state.issued.push(token);
			const now = Math.floor(Date.now() / 1000);
			return json(200, { access_token: token, refresh_token: 'not_supported', token_type: 'Bearer', expires_in: 3600, expiration: now + 3600, scope: 'ibm openid' });
		}
		if (url.pathname === '/api') {
			state.apiCalls++;
			const auth = req.headers.authorization ?? '';
			const token = auth.replace(/^Bearer /, '');
			if (!auth.startsWith('Bearer ') || !state.issued.includes(token) || state.revoked.has(token)) return json(401, { error: 'invalid_token' });
			return json(200, { ok: true, intent: 'order_status' });
		}
		json(404, { error: 'not found' });
	});
	return new Promise((resolve) => {
		srv.listen(0, '127.0.0.1', () => {
			state.url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
			state.close = () => new Promise((r) => srv.close(() => r()));
			resolve(state);
		});
	});
}

export interface NluServers {
	server(): Server;
	privatePem(): string;
	otherPrivatePem(): string;
	serviceAccountJson(extra?: Record<string, unknown>, pem?: string): string;
	google(extra?: Record<string, unknown>, pem?: string): { provider: 'dialogflow'; serviceAccountJson: string; allowedInternalNetworks: string };
	ibm(apiKey?: string): { provider: 'watson'; apiKey: string; iamUrl: string; allowedInternalNetworks: string };
}

/** Starts the servers before the file's tests (keys made now), stops them after; counters reset before each test, then `reset`. */
export function useNluServers(reset: () => void = () => undefined): NluServers {
	let server: Server | undefined;
	let privatePem = '';
	let otherPrivatePem = '';
	beforeAll(async () => {
		const pair = keyPair();
		privatePem = pair.privateKey;
		otherPrivatePem = keyPair().privateKey;
		server = await startServer(createPublicKey(pair.publicKey));
	});
	afterAll(async () => {
		await server?.close();
	});
	beforeEach(() => {
		const s = server!;
		s.googleTokens = s.ibmTokens = s.apiCalls = 0;
		s.revoked.clear();
		s.expectedScope = GOOGLE_DEFAULT_SCOPE;
		s.lastClaims = undefined;
		reset();
	});
	const get = () => {
		if (!server) throw new Error('the NLU servers are not started yet');
		return server;
	};
	const serviceAccountJson = (extra: Record<string, unknown> = {}, pem = privatePem) =>
		JSON.stringify({
			type: 'service_account',
			project_id: 'test-project',
			private_key_id: 'kid-1',
			private_key: pem,
			client_email: EMAIL,
			client_id: '1234567890',
			token_uri: `${get().url}/google/token`,
			...extra,
		});
	return {
		server: get,
		privatePem: () => privatePem,
		otherPrivatePem: () => otherPrivatePem,
		serviceAccountJson,
		google: (extra = {}, pem) => ({ provider: 'dialogflow', serviceAccountJson: serviceAccountJson(extra, pem), allowedInternalNetworks: LOOPBACK }),
		ibm: (apiKey = API_KEY) => ({ provider: 'watson', apiKey, iamUrl: `${get().url}/ibm/token`, allowedInternalNetworks: LOOPBACK }),
	};
}
