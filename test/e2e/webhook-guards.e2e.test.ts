/**
 * The guards behind a REAL production webhook of a running n8n 2.8.4 (`npm start`'s sandbox,
 * scripts/start.js, on free ports in a temp folder), not a Code node faking webhook items:
 *
 *   Webhook (POST, Respond: Using 'Respond to Webhook' node)
 *     → LivePerson IP Allowlist ── Allowed → LivePerson Verify JWT ── Valid   → Respond 200 { claims }
 *                               │                                  └─ Invalid → Respond 401 { reason }
 *                               └─ Denied  → Respond 403
 *
 * n8n 2.8.4's Webhook item is { headers, params, query, body } (n8n-nodes-base Webhook.node.js): the
 * peer address is not in it. So, as in production, a reverse proxy tells n8n who called: the test
 * runs one on 127.0.0.1 that does what nginx's `proxy_set_header X-Real-IP $remote_addr;
 * proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;` does (X-Real-IP overwritten with the
 * socket's peer, the peer appended to X-Forwarded-For). Callers connect from different loopback
 * addresses (127.0.0.1, 127.0.0.2, 127.0.0.3 as a trusted load balancer), so the address the node sees
 * is a real socket address. The workflow is created and activated through n8n's REST API
 * (POST /rest/workflows, POST /rest/workflows/:id/activate { versionId }), then the allow list is
 * switched with PATCH /rest/workflows/:id + a new activate (n8n 2.x publishes versions: a PATCH alone
 * leaves the active version serving).
 */
import { randomUUID, generateKeyPairSync } from 'node:crypto';
import * as fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as jose from 'jose';

import { freePort, INSTALL_TIMEOUT_MS, n8nRestClient, nodeType, processesLeft, type Connections, type WorkflowNode } from './harness';

interface SandboxHandle {
	editorUrl: string;
	email: string;
	password: string;
	userFolder: string;
	sandboxDir: string;
	pids: { start: number; n8n: number; emulator: number };
	timings: Record<string, number>;
	stop(): Promise<void>;
}
const { start } = require('../../scripts/start.js') as {
	start(opts: { port: number; emulatorPort: number; sandboxDir: string; echo?: boolean }): Promise<SandboxHandle>;
};

const STEP_TIMEOUT_MS = 2 * 60 * 1000;
const ISS = 'https://va.sentinel.liveperson.net';
const BROWSER_ID = 'lp-webhook-guards-e2e';
const WEBHOOK_PATH = `lp-guards-${randomUUID().slice(0, 8)}`;
/** The load balancer in front of our proxy: its X-Forwarded-For is believed. */
const TRUSTED_LB = '127.0.0.3';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const tokens: Record<'valid' | 'expired' | 'tampered', string> = { valid: '', expired: '', tampered: '' };

// ---------------------------------------------------------------------------------------------------
// Local servers: the issuer's JWKS and the reverse proxy in front of n8n

let jwksServer: http.Server;
let jwksUrl = '';
let jwksRequests = 0;
let proxy: http.Server;
let proxyUrl = '';
let upstreamPort = 0;

function listen(server: http.Server): Promise<number> {
	return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

function closeServer(server: http.Server | undefined): Promise<void> {
	if (!server) return Promise.resolve();
	return new Promise((resolve) => {
		server.close(() => resolve());
		server.closeAllConnections();
	});
}

/** nginx-like: X-Real-IP = $remote_addr (client value dropped), X-Forwarded-For += $remote_addr. */
function reverseProxy(): http.Server {
	return http.createServer((req, res) => {
		const peer = req.socket.remoteAddress ?? '';
		const headers = { ...req.headers };
		headers['x-real-ip'] = peer;
		const incoming = req.headers['x-forwarded-for'];
		headers['x-forwarded-for'] = incoming ? `${String(incoming)}, ${peer}` : peer;
		const upstream = http.request(
			{ host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers, agent: false },
			(up) => {
				res.writeHead(up.statusCode ?? 502, up.headers);
				up.pipe(res);
			},
		);
		upstream.on('error', (e) => {
			res.writeHead(502, { 'content-type': 'text/plain' });
			res.end(`proxy: ${e.message}`);
		});
		req.pipe(upstream);
	});
}

interface Reply {
	status: number;
	text: string;
	json: Record<string, unknown> | undefined;
}

/** Every answer, printed at the end (claims and reasons only: the workflow never echoes a token). */
const replies: string[] = [];

/** POSTs from a chosen loopback source address (a real socket address, not a header). */
/**
 * n8n 2.41 registers an activated (or re-published) webhook a moment after the REST call returns:
 * poll until `ready` says the new version answers (bounded, 30 s).
 */
async function until(what: string, ready: () => Promise<boolean>, ms = 30_000): Promise<void> {
	const end = Date.now() + ms;
	while (!(await ready())) {
		if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 250));
	}
}

function post(url: string, opts: { from?: string; headers?: Record<string, string>; body?: unknown } = {}): Promise<Reply> {
	const body = JSON.stringify(opts.body ?? { hello: 'world' });
	return new Promise<Reply>((resolve, reject) => {
		const req = http.request(
			url,
			{
				method: 'POST',
				localAddress: opts.from ?? '127.0.0.1',
				agent: false,
				headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...opts.headers },
				timeout: STEP_TIMEOUT_MS,
			},
			(res) => {
				let text = '';
				res.setEncoding('utf8');
				res.on('data', (c: string) => (text += c));
				res.on('end', () => {
					let json: Record<string, unknown> | undefined;
					try {
						json = JSON.parse(text) as Record<string, unknown>;
					} catch {
						json = undefined;
					}
					resolve({ status: res.statusCode ?? 0, text, json });
				});
			},
		);
		req.on('timeout', () => req.destroy(new Error(`POST ${url}: no answer`)));
		req.on('error', reject);
		req.end(body);
	}).then((r) => {
		replies.push(`${opts.from ?? '127.0.0.1'} → ${new URL(url).port === String(upstreamPort) ? 'n8n' : 'proxy'}: ${r.status} ${r.text.slice(0, 200)}`);
		return r;
	});
}

// ---------------------------------------------------------------------------------------------------
// n8n REST API (as the editor calls it)

let sandbox: SandboxHandle | undefined;
const n8nApi = n8nRestClient(() => sandbox!.editorUrl, BROWSER_ID);
const rest = n8nApi.rest;

// ---------------------------------------------------------------------------------------------------
// The workflow

function respond(name: string, code: number, body: string, y: number): WorkflowNode {
	return {
		name,
		type: 'n8n-nodes-base.respondToWebhook',
		typeVersion: 1.5,
		position: [1000, y],
		parameters: { respondWith: 'json', responseBody: body, options: { responseCode: code } },
	};
}

function guardWorkflow(allowList: string): { nodes: WorkflowNode[]; connections: Connections } {
	const nodes: WorkflowNode[] = [
		{
			name: 'Webhook',
			type: 'n8n-nodes-base.webhook',
			typeVersion: 2.1,
			position: [0, 0],
			webhookId: randomUUID(),
			parameters: { httpMethod: 'POST', path: WEBHOOK_PATH, responseMode: 'responseNode', options: {} },
		},
		{
			name: 'IP Allowlist',
			type: nodeType('livePersonIpAllowlist'),
			typeVersion: 1,
			position: [250, 0],
			parameters: {
				operation: 'check',
				// Set by the reverse proxy from the socket: the peer that connected to it.
				ipAddress: '={{ $json.headers["x-real-ip"] }}',
				allowList,
				useForwardedFor: true,
				forwardedFor: '={{ $json.headers["x-forwarded-for"] }}',
				trustedProxies: TRUSTED_LB,
				outputMode: 'route',
			},
		},
		{
			name: 'Verify JWT',
			type: nodeType('livePersonVerifyJwt'),
			typeVersion: 1,
			position: [500, -100],
			parameters: {
				token: '={{ $json.headers.authorization }}',
				keySource: 'jwks',
				jwksUrl,
				algorithms: ['RS256'],
				issuer: ISS,
				audience: 'n8n',
				options: { allowedInternalNetworks: 'loopback' },
			},
		},
		respond('Respond 200', 200, '={{ { claims: $json.claims, kid: $json.header.kid } }}', -200),
		respond('Respond 401', 401, '={{ { error: "invalid_token", reason: $json.reason, message: $json.message } }}', 0),
		respond('Respond 403', 403, '={{ { error: "ip_denied", clientIp: $json.ipCheck.clientIp, reason: $json.ipCheck.reason ?? null } }}', 200),
	];
	const to = (node: string) => [{ node, type: 'main' as const, index: 0 }];
	const connections: Connections = {
		Webhook: { main: [to('IP Allowlist')] },
		'IP Allowlist': { main: [to('Verify JWT'), to('Respond 403')] },
		'Verify JWT': { main: [to('Respond 200'), to('Respond 401')] },
	};
	return { nodes, connections };
}

interface WorkflowRecord {
	id: string;
	versionId: string;
	activeVersionId?: string | null;
	active: boolean;
}

// ---------------------------------------------------------------------------------------------------

describe(`Real webhook → IP Allowlist → Verify JWT → Respond to Webhook (n8n ${process.env.LP_N8N_VERSION ?? '2.8.4'} sandbox)`, () => {
	const sandboxDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lp-webhook-guards-'));
	const t0 = Date.now();
	let workflow: WorkflowRecord;
	let hookViaProxy = '';
	let hookDirect = '';

	beforeAll(async () => {
		jwksServer = http.createServer((_req, res) => {
			jwksRequests++;
			res.writeHead(200, { 'content-type': 'application/json' });
			res.end(JSON.stringify({ keys: [{ ...rsa.publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'RS256', use: 'sig' }] }));
		});
		jwksUrl = `http://127.0.0.1:${await listen(jwksServer)}/sentinel/well-known/jwks`;
		const now = Math.floor(Date.now() / 1000);
		const sign = (claims: jose.JWTPayload, exp: number) =>
			new jose.SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer(ISS).setAudience('n8n').setIssuedAt().setExpirationTime(exp).sign(rsa.privateKey);
		tokens.valid = await sign({ sub: 'bot-1', scope: 'webhook' }, now + 600);
		tokens.expired = await sign({ sub: 'bot-2' }, now - 3600);
		// Same header and signature as the valid token, payload changed (sub → admin).
		const [h, payload, s] = tokens.valid.split('.');
		const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
		tokens.tampered = [h, Buffer.from(JSON.stringify({ ...claims, sub: 'admin' })).toString('base64url'), s].join('.');

		proxy = reverseProxy();
		proxyUrl = `http://127.0.0.1:${await listen(proxy)}`;

		const port = await freePort();
		upstreamPort = port;
		sandbox = await start({ port, emulatorPort: await freePort(), sandboxDir, echo: false });
		await rest('POST', '/rest/login', { emailOrLdapLoginId: sandbox.email, password: sandbox.password });
		expect(n8nApi.cookie()).toMatch(/^n8n-auth=/);

		// Create, then activate (publish) the version just saved.
		const created = await rest<WorkflowRecord>('POST', '/rest/workflows', {
			name: 'LP webhook guards e2e',
			...guardWorkflow('127.0.0.1, 203.0.113.0/24'),
			settings: { executionOrder: 'v1' },
		});
		expect(created.active).toBe(false);
		workflow = await rest<WorkflowRecord>('POST', `/rest/workflows/${created.id}/activate`, { versionId: created.versionId });
		expect(workflow).toMatchObject({ id: created.id, active: true, activeVersionId: created.versionId });
		hookViaProxy = `${proxyUrl}/webhook/${WEBHOOK_PATH}`;
		hookDirect = `${sandbox.editorUrl}/webhook/${WEBHOOK_PATH}`;
		await until('the webhook to be registered', async () => (await post(hookViaProxy, { from: '127.0.0.1' })).status !== 404);
	}, INSTALL_TIMEOUT_MS);

	afterAll(async () => {
		const pids = sandbox ? [sandbox.pids.n8n, sandbox.pids.emulator] : [];
		await sandbox?.stop();
		await closeServer(proxy);
		await closeServer(jwksServer);
		fs.rmSync(sandboxDir, { recursive: true, force: true });
		// No leftovers: n8n, its task runner (same process group) and the emulator are gone.
		expect(await processesLeft(pids)).toEqual([]);
		process.stdout.write(`[webhook-guards] replies:\n  ${replies.join('\n  ')}\n`);
		process.stdout.write(`[webhook-guards] sandbox start ${JSON.stringify(sandbox?.timings)}; whole file ${Math.round((Date.now() - t0) / 1000)}s\n`);
	}, STEP_TIMEOUT_MS);

	const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

	it(
		'allowed caller (127.0.0.1) with a valid RS256 token: 200 with the claims, token not echoed',
		async () => {
			const r = await post(hookViaProxy, { from: '127.0.0.1', headers: bearer(tokens.valid) });
			expect(r.status).toBe(200);
			expect(r.json).toMatchObject({ claims: { sub: 'bot-1', scope: 'webhook', iss: ISS, aud: 'n8n' }, kid: 'k1' });
			for (const part of tokens.valid.split('.')) expect(r.text).not.toContain(part);
			expect(jwksRequests).toBeGreaterThan(0);
		},
		STEP_TIMEOUT_MS,
	);

	it(
		'allowed caller with an expired, a tampered or no token: 401 with the reason',
		async () => {
			const expired = await post(hookViaProxy, { headers: bearer(tokens.expired) });
			expect({ status: expired.status, reason: expired.json?.reason }).toEqual({ status: 401, reason: 'expired' });
			const tampered = await post(hookViaProxy, { headers: bearer(tokens.tampered) });
			expect({ status: tampered.status, reason: tampered.json?.reason }).toEqual({ status: 401, reason: 'bad_signature' });
			const none = await post(hookViaProxy, {});
			expect({ status: none.status, reason: none.json?.reason }).toEqual({ status: 401, reason: 'malformed' });
			for (const r of [expired, tampered]) {
				expect(r.json?.error).toBe('invalid_token');
				for (const part of [...tokens.expired.split('.'), ...tokens.tampered.split('.')]) expect(r.text).not.toContain(part);
			}
		},
		STEP_TIMEOUT_MS,
	);

	it(
		'denied caller (127.0.0.2): 403 even with a valid token and forged X-Forwarded-For / X-Real-IP; no proxy headers: 403',
		async () => {
			const denied = await post(hookViaProxy, { from: '127.0.0.2', headers: bearer(tokens.valid) });
			expect(denied.status).toBe(403);
			expect(denied.json).toEqual({ error: 'ip_denied', clientIp: '127.0.0.2', reason: null });
			const forged = await post(hookViaProxy, {
				from: '127.0.0.2',
				headers: { ...bearer(tokens.valid), 'x-forwarded-for': '127.0.0.1', 'x-real-ip': '127.0.0.1' },
			});
			expect(forged.status).toBe(403);
			expect(forged.json?.clientIp).toBe('127.0.0.2');
			// Straight to n8n, bypassing the proxy: no address at all → fail closed.
			const direct = await post(hookDirect, { from: '127.0.0.1', headers: bearer(tokens.valid) });
			expect(direct.status).toBe(403);
			expect(direct.json).toMatchObject({ error: 'ip_denied', clientIp: null });
			expect(String(direct.json?.reason)).toMatch(/not an IP address/);
			for (const r of [denied, forged, direct]) expect(r.text).not.toContain(tokens.valid.split('.')[1]);
		},
		STEP_TIMEOUT_MS,
	);

	it(
		'behind the trusted load balancer (127.0.0.3): the X-Forwarded-For client decides',
		async () => {
			const lbAllowed = await post(hookViaProxy, { from: TRUSTED_LB, headers: { ...bearer(tokens.valid), 'x-forwarded-for': '6.6.6.6, 203.0.113.7' } });
			expect(lbAllowed.status).toBe(200);
			expect(lbAllowed.json).toMatchObject({ claims: { sub: 'bot-1' } });
			const lbDenied = await post(hookViaProxy, { from: TRUSTED_LB, headers: { ...bearer(tokens.valid), 'x-forwarded-for': '203.0.113.7, 198.51.100.1' } });
			expect(lbDenied.status).toBe(403);
			expect(lbDenied.json?.clientIp).toBe('198.51.100.1');
		},
		STEP_TIMEOUT_MS,
	);

	it(
		'allow list switched through REST (PATCH + activate the new version): 127.0.0.1 now 403, 127.0.0.2 now 200',
		async () => {
			const updated = await rest<WorkflowRecord>('PATCH', `/rest/workflows/${workflow.id}`, guardWorkflow('127.0.0.2, 203.0.113.0/24'));
			expect(updated.versionId).not.toBe(workflow.versionId);
			// Saved but not yet published: the active version still serves.
			expect(updated.activeVersionId).toBe(workflow.versionId);
			expect((await post(hookViaProxy, { from: '127.0.0.1', headers: bearer(tokens.valid) })).status).toBe(200);

			const republished = await rest<WorkflowRecord>('POST', `/rest/workflows/${workflow.id}/activate`, { versionId: updated.versionId });
			expect(republished).toMatchObject({ active: true, activeVersionId: updated.versionId });
			await until('the new version to serve', async () => (await post(hookViaProxy, { from: '127.0.0.1', headers: bearer(tokens.valid) })).status === 403);

			const nowDenied = await post(hookViaProxy, { from: '127.0.0.1', headers: bearer(tokens.valid) });
			expect(nowDenied.status).toBe(403);
			expect(nowDenied.json?.clientIp).toBe('127.0.0.1');
			const nowAllowed = await post(hookViaProxy, { from: '127.0.0.2', headers: bearer(tokens.valid) });
			expect(nowAllowed.status).toBe(200);
			expect(nowAllowed.json).toMatchObject({ claims: { sub: 'bot-1' } });
			const nowExpired = await post(hookViaProxy, { from: '127.0.0.2', headers: bearer(tokens.expired) });
			expect({ status: nowExpired.status, reason: nowExpired.json?.reason }).toEqual({ status: 401, reason: 'expired' });
		},
		STEP_TIMEOUT_MS,
	);

	it(
		"n8n's log never holds a token",
		() => {
			const log = fs.readFileSync(path.join(sandboxDir, 'n8n.log'), 'utf8');
			expect(log.length).toBeGreaterThan(0);
			for (const t of Object.values(tokens)) expect(log).not.toContain(t.split('.')[2]);
		},
		STEP_TIMEOUT_MS,
	);
});
