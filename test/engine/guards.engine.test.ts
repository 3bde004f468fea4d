/**
 * Guards in n8n's own engine (both pinned
 * versions, test/engine/engine.ts): a Code node stands
 * in for the Webhook's output (headers), then LivePerson IP Allowlist routes Allowed/Denied and
 * LivePerson Verify JWT checks the bearer token against a local JWKS server (allowed through the
 * outbound policy's "Allowed Internal Networks"), or is refused when the option is not set.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync } from 'node:crypto';
import * as jose from 'jose';
import { EXECUTE_TIMEOUT_MS, INSTALL_TIMEOUT_MS, manualTriggerWorkflow, MANUAL_TRIGGER, nodeType, type Connections, type WorkflowNode } from '../e2e/harness';
import { createEngine, ENGINE_VERSIONS, type WorkflowRunner } from './engine';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ISS = 'https://va.sentinel.liveperson.net';

let jwksServer: http.Server;
let jwksUrl = '';
let jwksRequests = 0;
const tokens: Record<string, string> = {};

beforeAll(async () => {
	jwksServer = http.createServer((_req, res) => {
		jwksRequests++;
		res.writeHead(200, { 'content-type': 'application/json' });
		res.end(JSON.stringify({ keys: [{ ...rsa.publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'RS256', use: 'sig' }] }));
	});
	await new Promise<void>((r) => jwksServer.listen(0, '127.0.0.1', () => r()));
	jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/sentinel/well-known/jwks`;
	const now = Math.floor(Date.now() / 1000);
	const sign = (claims: jose.JWTPayload, exp: number) =>
		new jose.SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer(ISS).setAudience('n8n').setExpirationTime(exp).sign(rsa.privateKey);
	tokens.valid = await sign({ sub: 'bot-1' }, now + 600);
	tokens.expired = await sign({ sub: 'bot-2' }, now - 3600);
	tokens.none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'x', iss: ISS, aud: 'n8n', exp: now + 600 })).toString('base64url')}.`;
});
afterAll(() => new Promise<void>((r) => jwksServer.close(() => r())));

function webhookLike(): WorkflowNode {
	const items = [
		{ case: 'valid', headers: { 'x-real-ip': '10.0.0.1', 'x-forwarded-for': '6.6.6.6, 203.0.113.7', authorization: `Bearer ${tokens.valid}` } },
		{ case: 'expired', headers: { 'x-real-ip': '10.0.0.1', 'x-forwarded-for': '203.0.113.8', authorization: `Bearer ${tokens.expired}` } },
		{ case: 'none', headers: { 'x-real-ip': '10.0.0.1', 'x-forwarded-for': '203.0.113.9', authorization: `Bearer ${tokens.none}` } },
		{ case: 'spoofed', headers: { 'x-real-ip': '198.51.100.1', 'x-forwarded-for': '203.0.113.7', authorization: `Bearer ${tokens.valid}` } },
	];
	return {
		name: 'Webhook Output',
		type: 'n8n-nodes-base.code',
		typeVersion: 2,
		parameters: { mode: 'runOnceForAllItems', language: 'javaScript', jsCode: `return ${JSON.stringify(items)}.map((json) => ({ json }));` },
	};
}

const allowlist: WorkflowNode = {
	name: 'IP Allowlist',
	type: nodeType('livePersonIpAllowlist'),
	typeVersion: 1,
	parameters: {
		operation: 'check',
		ipAddress: '={{ $json.headers["x-real-ip"] }}',
		allowList: '203.0.113.0/24',
		useForwardedFor: true,
		forwardedFor: '={{ $json.headers["x-forwarded-for"] }}',
		trustedProxies: '10.0.0.0/8',
		outputMode: 'route',
	},
};

const verify = (options: Record<string, unknown>): WorkflowNode => ({
	name: 'Verify JWT',
	type: nodeType('livePersonVerifyJwt'),
	typeVersion: 1,
	parameters: {
		token: '={{ $json.headers.authorization }}',
		keySource: 'jwks',
		jwksUrl,
		algorithms: ['RS256'],
		issuer: ISS,
		audience: 'n8n',
		options,
	},
});

const connections: Connections = {
	[MANUAL_TRIGGER]: { main: [[{ node: 'Webhook Output', type: 'main', index: 0 }]] },
	'Webhook Output': { main: [[{ node: 'IP Allowlist', type: 'main', index: 0 }]] },
	'IP Allowlist': { main: [[{ node: 'Verify JWT', type: 'main', index: 0 }], []] },
};

describe.each(ENGINE_VERSIONS)('Webhook -> IP Allowlist -> Verify JWT in n8n %s', (version) => {
	let n8n: WorkflowRunner;
	const ids = { allowed: '', blocked: '' };

	beforeAll(async () => {
		n8n = await createEngine(version);
		[ids.allowed, ids.blocked] = await n8n.importWorkflows([
			manualTriggerWorkflow(`Guards ${version}`, [webhookLike(), allowlist, verify({ allowedInternalNetworks: '127.0.0.0/8' })], connections),
			manualTriggerWorkflow(`Guards blocked ${version}`, [webhookLike(), allowlist, verify({})], connections),
		]);
	}, INSTALL_TIMEOUT_MS);
	afterAll(async () => {
		await n8n?.close();
	});

	it(
		'routes by client IP behind trusted proxies, then Valid/Invalid by token, never copying the token',
		async () => {
			const run = await n8n.execute(ids.allowed);
			expect(run.error).toBeUndefined();
			const allowed = run.items('IP Allowlist', 0);
			const denied = run.items('IP Allowlist', 1);
			expect(allowed.map((j) => j.case)).toEqual(['valid', 'expired', 'none']);
			expect(denied.map((j) => j.case)).toEqual(['spoofed']);
			expect((allowed[0].ipCheck as Record<string, unknown>).clientIp).toBe('203.0.113.7');

			const valid = run.items('Verify JWT', 0);
			const invalid = run.items('Verify JWT', 1);
			expect(valid).toHaveLength(1);
			expect(valid[0]).toMatchObject({ valid: true, claims: { sub: 'bot-1', iss: ISS }, header: { kid: 'k1' } });
			expect(invalid.map((j) => j.reason)).toEqual(['expired', 'algorithm_not_allowed']);
			const printed = JSON.stringify(run.runData['Verify JWT']);
			for (const t of Object.values(tokens)) expect(printed).not.toContain(t.split('.')[1]);
			expect(jwksRequests).toBeGreaterThan(0);
		},
		EXECUTE_TIMEOUT_MS,
	);

	it(
		'refuses the loopback JWKS URL without "Allowed Internal Networks"',
		async () => {
			// A failed `n8n execute` prints the error instead of a run: the harness then throws with that text.
			let text = '';
			try {
				const run = await n8n.execute(ids.blocked);
				expect(run.ok).toBe(false);
				text = run.error?.message ?? '';
			} catch (error) {
				text = (error as Error).message;
			}
			expect(text).toMatch(/Blocked request to 127\.0\.0\.1: loopback address \(class "loopback"\)\. Add "loopback".*"Allowed Internal Networks"/);
		},
		EXECUTE_TIMEOUT_MS,
	);
});
