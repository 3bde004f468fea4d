/**
 * API Integration, Authentication = Consumer Pre-Authentication, against a local API and a local
 * identity provider's JWKS (127.0.0.1; keys made at test time):
 *   - a valid consumer token passes verification and is sent as the bearer; the output never
 *     contains it;
 *   - an expired, wrong-audience, wrong-issuer or wrongly signed token is refused with a clear item
 *     error and NO request reaches the API;
 *   - verification off: the token is sent as given; an empty token fails the item.
 * The node runs in n8n's own engine of both pinned versions (test/engine/engine.ts runNode): the token comes
 * from the input item through an n8n expression; a failure is n8n's run error on the node.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as jose from 'jose';
import { INSTALL_TIMEOUT_MS, type ExecutionResult } from '../e2e/harness';
import { createEngine, ENGINE_VERSIONS, RUN_NODE, runNode, type Engine } from './engine';

jest.setTimeout(60_000);

const ISSUER = 'https://idp.brand.example';
const AUDIENCE = 'orders-api';

let server: { url: string; apiCalls: Array<{ authorization?: string }>; jwksCalls: number; close(): Promise<void> };
let idpKey: jose.KeyLike;
let otherKey: jose.KeyLike;
let idpPublicPem: string;

async function startServer(jwks: jose.JSONWebKeySet): Promise<typeof server> {
	const state = { apiCalls: [] as Array<{ authorization?: string }>, jwksCalls: 0 };
	const srv = http.createServer((req, res) => {
		req.resume();
		res.setHeader('content-type', 'application/json');
		if (req.url === '/.well-known/jwks.json') {
			state.jwksCalls++;
			return res.end(JSON.stringify(jwks));
		}
		if (req.url?.startsWith('/orders')) {
			state.apiCalls.push({ authorization: req.headers.authorization });
			return res.end(JSON.stringify({ orders: [{ id: 'A-1001', status: 'shipped' }] }));
		}
		res.statusCode = 404;
		return res.end('{}');
	});
	await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
	return { ...state, get apiCalls() { return state.apiCalls; }, get jwksCalls() { return state.jwksCalls; }, url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`, close: () => new Promise((r) => srv.close(() => r())) } as typeof server;
}

beforeAll(async () => {
	const pair = await jose.generateKeyPair('RS256', { extractable: true });
	idpKey = pair.privateKey;
	idpPublicPem = await jose.exportSPKI(pair.publicKey);
	otherKey = (await jose.generateKeyPair('RS256')).privateKey;
	const jwk = { ...(await jose.exportJWK(pair.publicKey)), kid: 'idp-1', alg: 'RS256', use: 'sig' };
	server = await startServer({ keys: [jwk] });
});
afterAll(async () => {
	await server?.close();
});
beforeEach(() => {
	// The JWKS cache lives in the package copy the engine loads fresh for every run.
	server.apiCalls.length = 0;
});

function consumerToken(opts: { key?: jose.KeyLike; aud?: string; iss?: string; exp?: number | string; sub?: string } = {}) {
	return new jose.SignJWT({ name: 'Consumer' })
		.setProtectedHeader({ alg: 'RS256', kid: 'idp-1' })
		.setSubject(opts.sub ?? 'consumer-42')
		.setIssuer(opts.iss ?? ISSUER)
		.setAudience(opts.aud ?? AUDIENCE)
		.setIssuedAt()
		.setExpirationTime(opts.exp ?? '10m')
		.sign(opts.key ?? idpKey);
}

let n8n: Engine;
type Item = { json: Record<string, unknown>; pairedItem?: unknown; error?: Record<string, unknown> };

/** Runs the node on one item per token (the token read from the item by an expression). */
function runOf(tokens: string[], extra: Record<string, unknown> = {}, continueOnFail = false): Promise<ExecutionResult> {
	const parameters: Record<string, unknown> = {
		authentication: 'consumerPreAuth',
		consumerToken: '={{ $json.consumerToken }}',
		verifyConsumerToken: true,
		consumerKeySource: 'jwks',
		consumerJwksUrl: `${server.url}/.well-known/jwks.json`,
		// The JWKS host's own allowance (the request's Allowed Internal Networks does not carry over).
		consumerJwksAllowedInternalNetworks: 'loopback',
		consumerAlgorithms: ['RS256'],
		consumerIssuer: ISSUER,
		consumerAudience: AUDIENCE,
		method: 'GET',
		url: `${server.url}/orders`,
		options: { retries: 0, allowedInternalNetworks: 'loopback' },
		...extra,
	};
	return runNode(n8n, { type: 'livePersonApiIntegration', parameters, items: tokens.map((consumerToken) => ({ consumerToken })), continueOnFail });
}

/** The node's outputs of a run that must succeed (each output's items). */
async function run(tokens: string[], extra: Record<string, unknown> = {}, continueOnFail = false): Promise<Item[][]> {
	const result = await runOf(tokens, extra, continueOnFail);
	if (!result.ok) throw Object.assign(new Error(result.error?.message ?? 'run failed'), result.error);
	return (result.runData[RUN_NODE][0].data?.main ?? []) as Item[][];
}

/** The error a run fails with, on this node (a run that succeeds fails the test); the node's run data must not contain `secret`. */
async function refusal(p: Promise<ExecutionResult>, secret?: string): Promise<Error & { description?: string; errorResponse?: { lpErrorCode?: string } }> {
	const result = await p;
	if (result.ok) throw new Error('expected the run to fail');
	expect(result.error?.node).toBe(RUN_NODE);
	if (secret) expect(JSON.stringify([result.runData[RUN_NODE], result.error])).not.toContain(secret);
	return result.error as unknown as Error & { description?: string };
}

describe.each(ENGINE_VERSIONS)('Consumer Pre-Authentication in n8n %s', (version) => {
	beforeAll(async () => {
		n8n = await createEngine(version);
	}, INSTALL_TIMEOUT_MS);
	afterAll(() => n8n?.close());

	test('a valid consumer token passes verification and calls the API as the bearer; never in the output', async () => {
		const token = await consumerToken();
		const out = await run([`Bearer ${token}`]);
		expect(out[0].map((i) => i.json)).toEqual([{ orders: [{ id: 'A-1001', status: 'shipped' }] }]);
		expect(server.apiCalls).toEqual([{ authorization: `Bearer ${token}` }]);
		expect(JSON.stringify(out)).not.toContain(token);
	});

	test.each([
		['expired', () => consumerToken({ exp: Math.floor(Date.now() / 1000) - 60 }), /expired/i, 'CONSUMER_TOKEN_EXPIRED'],
		['wrong audience', () => consumerToken({ aud: 'another-api' }), /aud/i, 'CONSUMER_TOKEN_WRONG_AUDIENCE'],
		['wrong issuer', () => consumerToken({ iss: 'https://evil.example' }), /iss/i, 'CONSUMER_TOKEN_WRONG_ISSUER'],
		['wrongly signed', () => consumerToken({ key: otherKey }), /signature/i, 'CONSUMER_TOKEN_BAD_SIGNATURE'],
	])('%s: refused before any request, with a clear item error', async (_label, make, message, code) => {
		const token = await make();
		const error = await refusal(runOf([token]), token);
		const text = String(error.message);
		expect(text).toMatch(/consumer token was refused before any request/);
		expect(text).toMatch(message);
		expect(JSON.stringify(error)).not.toContain(token);
		expect(server.apiCalls).toHaveLength(0);
		// Continue On Fail: one error item naming the cause, without the token; still no request.
		const out = await run([token], {}, true);
		expect(out[0]).toHaveLength(1);
		expect(out[0][0].pairedItem).toEqual({ item: 0 });
		expect(JSON.stringify(out[0][0].json)).toMatch(message);
		expect(JSON.stringify(out)).not.toContain(token);
		expect(server.apiCalls).toHaveLength(0);
		// The typed code travels with the n8n error (NodeApiError keeps it as lpErrorCode).
		expect(error.errorResponse?.lpErrorCode).toBe(code);
	});

	test('an opaque access token: a clear choice (Token Type), the id_token verified instead, or sent unverified', async () => {
		const opaque = 'opq_8f3Kd92LmQzX7vB1nT5wYc';
		// Token Type JWT with verification on: refused before any request, pointing at Token Type.
		const refused = await refusal(runOf([opaque]), opaque);
		expect(String(refused.message)).toMatch(/consumer token was refused before any request/);
		expect(String(refused.description)).toMatch(/Token Type to "Opaque, Verify the ID Token"/);
		expect(JSON.stringify(refused)).not.toContain(opaque);
		expect(server.apiCalls).toHaveLength(0);

		// Opaque, Verify the ID Token: the id_token (audience = the app's client ID) is verified, the access token is sent.
		const idToken = await consumerToken({ aud: 'brand-web-app' });
		const out = await run([opaque], { consumerTokenType: 'idToken', consumerIdToken: idToken, consumerAudience: 'brand-web-app' });
		expect(out[0].map((i) => i.json)).toEqual([{ orders: [{ id: 'A-1001', status: 'shipped' }] }]);
		expect(server.apiCalls).toEqual([{ authorization: `Bearer ${opaque}` }]);
		expect(JSON.stringify(out)).not.toContain(idToken);

		// A bad id_token refuses the item, naming the ID Token field; nothing is sent.
		server.apiCalls.length = 0;
		const forged = await consumerToken({ aud: 'brand-web-app', key: otherKey });
		const bad = await refusal(runOf([opaque], { consumerTokenType: 'idToken', consumerIdToken: forged, consumerAudience: 'brand-web-app' }));
		expect(String(bad.message)).toMatch(/consumer's ID token was refused before any request.*signature/i);
		expect(server.apiCalls).toHaveLength(0);
		// Empty through an expression: n8n itself refuses a required field left literally empty.
		const empty = await refusal(runOf([opaque], { consumerTokenType: 'idToken', consumerIdToken: '={{ "" }}' }));
		expect(String(empty.message)).toMatch(/ID Token is empty/);

		// Opaque, Not Verified: sent as is, the verification settings ignored.
		const plain = await run([opaque], { consumerTokenType: 'opaque' });
		expect(plain[0]).toHaveLength(1);
		expect(server.apiCalls).toEqual([{ authorization: `Bearer ${opaque}` }]);
	});

	test('Clock Tolerance: 30 s by default; 0 refuses a token expired 10 s ago; an out-of-range value names the field', async () => {
		const token = await consumerToken({ exp: Math.floor(Date.now() / 1000) - 10 });
		await run([token]);
		expect(server.apiCalls).toHaveLength(1);
		expect((await refusal(runOf([token], { consumerClockTolerance: 0 }))).message).toMatch(/expired/i);
		// Values the editor's number field would not take, given through expressions as a workflow can.
		for (const bad of ['={{ 601 }}', '={{ -1 }}', '={{ NaN }}', '={{ "30" }}']) {
			expect((await refusal(runOf([token], { consumerClockTolerance: bad }))).message).toMatch(/clock tolerance must be a number of seconds from 0 to 600/);
			// Continue On Fail: the error item names the field.
			const out = await run([token], { consumerClockTolerance: bad }, true);
			// n8n keeps only {error} as the JSON of an item that carries an n8n error (the node's details.field /
			// code do not reach the workflow); the message names the field, the description is on item.error.
			expect(out[0][0].json).toEqual({ error: expect.stringMatching(/clock tolerance must be a number of seconds from 0 to 600/) });
			expect(out[0][0].error).toMatchObject({ name: 'NodeOperationError', description: expect.stringMatching(/leeway/) });
		}
		expect(server.apiCalls).toHaveLength(1);
	});

	test('per item: only the valid tokens reach the API (continue on fail)', async () => {
		const good = await consumerToken({ sub: 'c1' });
		const bad = await consumerToken({ key: otherKey, sub: 'c2' });
		const good2 = await consumerToken({ sub: 'c3' });
		const out = await run([good, bad, good2], {}, true);
		expect(out[0]).toHaveLength(3);
		expect(out[0][1].json).toHaveProperty('error');
		expect(out[0].map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(server.apiCalls.map((c) => c.authorization)).toEqual(expect.arrayContaining([`Bearer ${good}`, `Bearer ${good2}`]));
		expect(server.apiCalls).toHaveLength(2);
	});

	test('a pasted public key works too; a wrong key there refuses the token', async () => {
		const token = await consumerToken();
		await run([token], { consumerKeySource: 'pem', consumerPublicKey: idpPublicPem });
		expect(server.apiCalls).toHaveLength(1);
		const other = await consumerToken({ key: otherKey });
		expect((await refusal(runOf([other], { consumerKeySource: 'pem', consumerPublicKey: idpPublicPem }), other)).message).toMatch(/signature/i);
		expect(server.apiCalls).toHaveLength(1);
	});

	test('verification off: the token is sent as given; an empty token fails the item before any request', async () => {
		await run(['opaque-consumer-token-123'], { verifyConsumerToken: false });
		expect(server.apiCalls).toEqual([{ authorization: 'Bearer opaque-consumer-token-123' }]);
		expect((await refusal(runOf([''], { verifyConsumerToken: false }))).message).toMatch(/Consumer Token is empty/);
		expect((await refusal(runOf(['two words'], { verifyConsumerToken: false }))).message).toMatch(/without spaces/);
		expect(server.apiCalls).toHaveLength(1);
	});

	test('JWKS on 127.0.0.1 without "loopback" allowed: refused, nothing sent to the API', async () => {
		const token = await consumerToken();
		expect((await refusal(runOf([token], { options: { retries: 0 } }), token)).message).toMatch(/Blocked request/);
		expect(server.apiCalls).toHaveLength(0);
	});
});
