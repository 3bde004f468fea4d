/**
 * Conversation Builder calling an external API (an n8n production webhook), the way a bot's API
 * integration does it (developers.liveperson.com/conversation-builder-integrations-api-integrations.html;
 * Bot Accounts credentials, bot-accounts-credentials.html):
 *
 * - "Use default headers": `Accept` and `Content-Type: application/json;charset=UTF-8`;
 * - the credential "enhances the request based on the credential's type and data": Basic (username,
 *   password), Access Token (token + free-text Token Type, sent as `Authorization: <type> <token>`),
 *   OAuth 2.0 Client Credentials (client ID, secret, scope, token URL: a token is fetched first and sent
 *   as a Bearer), Mutual Authentication (a client certificate and an optional trust certificate;
 *   "Cryptographic Protocols" left blank = TLS 1.2 and 1.1: the emulator offers TLS 1.2+ only);
 * - "An API integration call times out in 20 seconds; within that time, the integration attempts 3
 *   retries. This isn't configurable." (retried here: network failures, timeouts and 5xx);
 * - the JSON answer is stored in the Response Data Variable and mapped into Custom Data Fields
 *   (`{{api_<Variable>.<path>}}`), which become bot variables.
 * Exactly which header each credential type produces, and how the token request authenticates, are not
 * documented: the emulator sends Basic client authentication (RFC 6749 §2.3.1) to the token URL.
 *
 * Sandbox control (not a LivePerson API):
 *   POST /sandbox/conversation-builder/integration {url, method?, credential?, headers?, body?,
 *        responseDataVariable, customDataFields?: {name: "path.to.value"}, sourceAddress?, trustPem?,
 *        timeoutMs?}
 *   → {ok, status, attempts, elapsedMs, variables, error?}
 * `sourceAddress` binds the caller's address (a loopback stand-in for LivePerson's outbound ranges);
 * `trustPem` is a CA to trust for https (LivePerson trusts public CAs; tests use a CA made at test time);
 * `timeoutMs` shortens the 20 s budget (tests only; Conversation Builder's is not configurable).
 */
import http from 'node:http';
import https from 'node:https';
import type { Ctx, Route, ServiceModule } from '../http';
import { isObject, sendJson } from '../http';

export const CB_TIMEOUT_MS = 20_000;
export const CB_RETRIES = 3;

type Credential =
	| { type: 'basic'; username: string; password: string }
	| { type: 'accessToken'; token: string; tokenType?: string }
	| { type: 'oauth2ClientCredentials'; clientId: string; clientSecret: string; scope?: string; tokenUrl: string }
	| { type: 'mutualAuthentication'; certPem: string; keyPem: string; trustPem?: string };

interface Answer {
	status: number;
	body: string;
}

function request(url: URL, opts: { method: string; headers: Record<string, string>; body?: string; localAddress?: string; tls?: { cert?: string; key?: string; ca?: string }; deadline: number }): Promise<Answer> {
	return new Promise((resolve, reject) => {
		const lib = url.protocol === 'https:' ? https : http;
		const left = opts.deadline - Date.now();
		if (left <= 0) return reject(new Error('timeout'));
		const req = lib.request(
			url,
			{
				method: opts.method,
				headers: { ...opts.headers, ...(opts.body !== undefined ? { 'content-length': String(Buffer.byteLength(opts.body)) } : {}) },
				agent: false,
				localAddress: opts.localAddress,
				...(url.protocol === 'https:' ? { minVersion: 'TLSv1.2' as const, cert: opts.tls?.cert, key: opts.tls?.key, ca: opts.tls?.ca } : {}),
			},
			(res) => {
				const chunks: Buffer[] = [];
				res.on('data', (c: Buffer) => chunks.push(c));
				res.on('end', () => {
					clearTimeout(timer);
					resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
				});
				res.on('error', (e) => reject(e));
			},
		);
		const timer = setTimeout(() => req.destroy(new Error('timeout')), left);
		req.on('error', (e) => {
			clearTimeout(timer);
			reject(e);
		});
		req.end(opts.body);
	});
}

function pick(value: unknown, path: string): unknown {
	let cur = value;
	for (const part of path.split('.').filter(Boolean)) {
		if (cur === null || cur === undefined) return undefined;
		cur = Array.isArray(cur) && /^\d+$/.test(part) ? cur[Number(part)] : isObject(cur) ? cur[part] : undefined;
	}
	return cur;
}

function credentialOf(v: unknown): Credential | undefined | 'invalid' {
	if (v === undefined || v === null) return undefined;
	if (!isObject(v)) return 'invalid';
	const s = (k: string) => (typeof v[k] === 'string' ? (v[k] as string) : '');
	switch (v.type) {
		case 'basic':
			return { type: 'basic', username: s('username'), password: s('password') };
		case 'accessToken':
			return { type: 'accessToken', token: s('token'), tokenType: s('tokenType') || undefined };
		case 'oauth2ClientCredentials':
			return s('tokenUrl') ? { type: 'oauth2ClientCredentials', clientId: s('clientId'), clientSecret: s('clientSecret'), scope: s('scope') || undefined, tokenUrl: s('tokenUrl') } : 'invalid';
		case 'mutualAuthentication':
			return s('certPem') && s('keyPem') ? { type: 'mutualAuthentication', certPem: s('certPem'), keyPem: s('keyPem'), trustPem: s('trustPem') || undefined } : 'invalid';
		default:
			return 'invalid';
	}
}

export function conversationBuilderModule(): ServiceModule {
	const run = async (ctx: Ctx) => {
		let b: unknown;
		try {
			b = JSON.parse(ctx.body.toString('utf8'));
		} catch {
			return sendJson(ctx, 400, { message: 'body must be JSON' });
		}
		if (!isObject(b) || typeof b.url !== 'string' || typeof b.responseDataVariable !== 'string') {
			return sendJson(ctx, 400, { message: 'body must be {url, responseDataVariable, method?, credential?, headers?, body?, customDataFields?, sourceAddress?}' });
		}
		const credential = credentialOf(b.credential);
		if (credential === 'invalid') return sendJson(ctx, 400, { message: 'credential must be basic, accessToken, oauth2ClientCredentials or mutualAuthentication with its fields' });
		let url: URL;
		try {
			url = new URL(b.url);
		} catch {
			return sendJson(ctx, 400, { message: 'url is not a URL' });
		}
		const t0 = Date.now();
		const deadline = t0 + (typeof b.timeoutMs === 'number' && b.timeoutMs > 0 ? Math.min(b.timeoutMs, CB_TIMEOUT_MS) : CB_TIMEOUT_MS);
		const localAddress = typeof b.sourceAddress === 'string' ? b.sourceAddress : undefined;
		const method = typeof b.method === 'string' ? b.method.toUpperCase() : 'POST';
		const headers: Record<string, string> = { accept: 'application/json;charset=UTF-8', 'content-type': 'application/json;charset=UTF-8' };
		if (isObject(b.headers)) for (const [k, v] of Object.entries(b.headers)) if (typeof v === 'string') headers[k.toLowerCase()] = v;
		const body = b.body === undefined ? undefined : typeof b.body === 'string' ? b.body : JSON.stringify(b.body);
		// LivePerson trusts public CAs; a sandbox test CA is passed as `trustPem`.
		let tls: { cert?: string; key?: string; ca?: string } | undefined = typeof b.trustPem === 'string' ? { ca: b.trustPem } : undefined;
		let attempts = 0;
		let lastError = '';
		let answer: Answer | undefined;
		try {
			if (credential?.type === 'basic') headers.authorization = `Basic ${Buffer.from(`${credential.username}:${credential.password}`).toString('base64')}`;
			if (credential?.type === 'accessToken') headers.authorization = `${credential.tokenType ?? 'Bearer'} ${credential.token}`;
			if (credential?.type === 'mutualAuthentication') tls = { cert: credential.certPem, key: credential.keyPem, ca: credential.trustPem ?? tls?.ca };
			if (credential?.type === 'oauth2ClientCredentials') {
				const form = new URLSearchParams({ grant_type: 'client_credentials', ...(credential.scope ? { scope: credential.scope } : {}) }).toString();
				const enc = (x: string) => encodeURIComponent(x).replace(/%20/g, '+');
				const tok = await request(new URL(credential.tokenUrl), {
					method: 'POST',
					headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', authorization: `Basic ${Buffer.from(`${enc(credential.clientId)}:${enc(credential.clientSecret)}`).toString('base64')}` },
					body: form,
					deadline,
				});
				const parsed = tok.status === 200 ? (JSON.parse(tok.body) as Record<string, unknown>) : {};
				if (typeof parsed.access_token !== 'string') return sendJson(ctx, 200, { ok: false, status: 0, attempts: 0, elapsedMs: Date.now() - t0, variables: {}, error: `token request failed (${tok.status})` });
				headers.authorization = `Bearer ${parsed.access_token}`;
			}
			for (; attempts <= CB_RETRIES && Date.now() < deadline; ) {
				attempts++;
				try {
					answer = await request(url, { method, headers, body: method === 'GET' ? undefined : body, localAddress, tls, deadline });
					if (answer.status < 500) break;
					lastError = `HTTP ${answer.status}`;
				} catch (e) {
					answer = undefined;
					lastError = (e as Error).message;
				}
			}
		} catch (e) {
			lastError = (e as Error).message;
		}
		const elapsedMs = Date.now() - t0;
		if (!answer) return sendJson(ctx, 200, { ok: false, status: 0, attempts, elapsedMs, variables: {}, error: lastError || 'timeout' });
		let data: unknown = answer.body;
		try {
			data = JSON.parse(answer.body);
		} catch {
			/* text answer: stored as is */
		}
		const ok = answer.status >= 200 && answer.status < 300;
		const name = `api_${b.responseDataVariable}`;
		const variables: Record<string, unknown> = ok ? { [name]: data } : {};
		if (ok && isObject(b.customDataFields)) for (const [field, path] of Object.entries(b.customDataFields)) if (typeof path === 'string') variables[field] = pick(data, path);
		sendJson(ctx, 200, { ok, status: answer.status, attempts, elapsedMs, variables, ...(ok ? {} : { error: `HTTP ${answer.status}` }) });
	};
	const routes: Route[] = [{ id: 'cb.integration', methods: ['POST'], pattern: /^\/sandbox\/conversation-builder\/integration$/, handler: run }];
	return { routes };
}
