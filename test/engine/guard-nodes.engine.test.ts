/**
 * The guard nodes (LivePerson IP Allowlist, LivePerson Verify JWT) one node at a time in n8n's own engine
 * (both pinned versions, test/engine/engine.ts, runNode): routing to the two outputs, field mode,
 * fail-closed configuration errors, Continue On Fail (the error item goes to Denied / Invalid, never to
 * Allowed / Valid), pairedItem, and no copy of the token. Per-item values come from the input item through
 * an n8n expression, as in a workflow. The guards as a chain behind a webhook: guards.engine.test.ts.
 */
import { generateKeyPairSync } from 'node:crypto';
import * as jose from 'jose';
import { INSTALL_TIMEOUT_MS } from '../e2e/harness';
import { createEngine, ENGINE_VERSIONS, RUN_NODE, runNode, type Engine } from './engine';

type Out = Array<{ json: Record<string, unknown>; pairedItem?: unknown }>;

describe.each(ENGINE_VERSIONS)('guard nodes in n8n %s', (version) => {
	let n8n: Engine;
	beforeAll(async () => {
		n8n = await createEngine(version);
	}, INSTALL_TIMEOUT_MS);
	afterAll(() => n8n?.close());

	/** Runs the node; returns its outputs (every output, [] for an empty one); the run must succeed. */
	async function outputs(type: string, parameters: Record<string, unknown>, items: Array<Record<string, unknown>>, continueOnFail = false): Promise<Out[]> {
		const run = await runNode(n8n, { type, parameters, items, continueOnFail });
		if (!run.ok) throw Object.assign(new Error(run.error?.message ?? 'run failed'), run.error);
		return (run.runData[RUN_NODE][0].data?.main ?? []).map((o) => (o ?? []) as Out);
	}
	const failure = async (type: string, parameters: Record<string, unknown>, items: Array<Record<string, unknown>>) => {
		const run = await runNode(n8n, { type, parameters, items });
		expect(run.ok).toBe(false);
		expect(run.error?.node).toBe(RUN_NODE);
		return run;
	};

	describe('LivePerson IP Allowlist node', () => {
		const items = [{ ip: '203.0.113.7' }, { ip: '8.8.8.8' }, { ip: '0x7f.1' }];
		const base = (extra: Record<string, unknown> = {}) => ({ operation: 'check', ipAddress: '={{ $json.ip }}', allowList: '203.0.113.0/24', outputMode: 'route', ...extra });
		const allowlist = (parameters: Record<string, unknown>, input: Array<Record<string, unknown>> = items, continueOnFail = false) => outputs('livePersonIpAllowlist', parameters, input, continueOnFail);

		it('routes Allowed / Denied, a malformed address is denied', async () => {
			const [allowed, denied] = await allowlist(base());
			expect(allowed.map((x) => x.json.ip)).toEqual(['203.0.113.7']);
			expect(denied.map((x) => x.json.ip)).toEqual(['8.8.8.8', '0x7f.1']);
			expect(denied[1].json.ipCheck).toMatchObject({ allowed: false, clientIp: null });
			expect(allowed[0].pairedItem).toEqual({ item: 0 });
			expect(denied.map((x) => x.pairedItem)).toEqual([{ item: 1 }, { item: 2 }]);
		});

		it('field mode adds a boolean', async () => {
			const out = await allowlist(base({ outputMode: 'field', fieldName: 'ok' }));
			expect(out).toHaveLength(1);
			expect(out[0].map((x) => x.json.ok)).toEqual([true, false, false]);
		});

		it('a malformed allow list fails with its position; Continue On Fail sends the error item to Denied', async () => {
			const bad = base({ allowList: '1.2.3.4, 10.0.0.300' });
			expect((await failure('livePersonIpAllowlist', bad, items)).error?.message).toMatch(/Entry 2 \("10\.0\.0\.300"\)/);
			const [allowed, denied] = await allowlist(bad, items, true);
			expect(allowed).toHaveLength(0);
			expect(denied).toHaveLength(3);
			expect(denied[0].json.error).toMatch(/Entry 2/);
			expect(denied.map((x) => x.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		});

		it('an empty allow list is a configuration error naming the field, not a silent deny', async () => {
			const empty = base({ allowList: ' , \n' });
			expect((await failure('livePersonIpAllowlist', empty, items)).error?.message).toMatch(/The Allow List is empty/);
			const [allowed, denied] = await allowlist(empty, items, true);
			expect(allowed).toHaveLength(0);
			expect(denied.map((x) => x.json.error)).toEqual(Array(3).fill('The Allow List is empty: every address would be denied'));
		});

		it('normalize operation', async () => {
			const [out] = await allowlist({ operation: 'normalize', allowList: '10.0.0.1-10.0.0.2, 10.0.0.0, ::1' }, [{}]);
			expect(out[0].json).toMatchObject({ cidrs: ['10.0.0.0/31', '10.0.0.2/32'], rangeText: ['10.0.0.0-10.0.0.2'] });
			expect((out[0].json.notAccepted as unknown[]).length).toBe(1);
		});
	});

	describe('LivePerson Verify JWT node', () => {
		const verify = (parameters: Record<string, unknown>, input: Array<Record<string, unknown>>, continueOnFail = false) => outputs('livePersonVerifyJwt', parameters, input, continueOnFail);

		it('routes Valid / Invalid and never copies the token', async () => {
			const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
			const good = await new jose.SignJWT({ sub: 's' }).setProtectedHeader({ alg: 'ES256' }).setExpirationTime('5m').sign(pair.privateKey);
			const items = [{ headers: { authorization: `Bearer ${good}` } }, { headers: { authorization: 'Bearer x.y.z' } }];
			const parameters = {
				token: '={{ $json.headers.authorization }}',
				keySource: 'pem',
				publicKey: pair.publicKey.export({ type: 'spki', format: 'pem' }),
				algorithms: ['ES256'],
				issuer: '',
				audience: '',
				options: {},
			};
			const [valid, invalid] = await verify(parameters, items);
			expect(valid).toHaveLength(1);
			expect(valid[0].json).toMatchObject({ valid: true, claims: { sub: 's' } });
			expect(invalid[0].json).toMatchObject({ valid: false, reason: 'malformed' });
			expect([valid[0].pairedItem, invalid[0].pairedItem]).toEqual([{ item: 0 }, { item: 1 }]);
			expect(JSON.stringify([valid, invalid])).not.toContain(good.split('.')[2]);
			expect(JSON.stringify([valid, invalid])).not.toContain('headers');
		});

		const hsParams = (extra: Record<string, unknown>) => ({
			token: '={{ $json.token }}',
			keySource: 'jwk',
			jwk: JSON.stringify({ kty: 'oct', k: Buffer.alloc(32, 5).toString('base64url') }),
			algorithms: ['HS256'],
			issuer: '',
			audience: '',
			options: {},
			...extra,
		});

		it.each([
			['no "k"', JSON.stringify({ kty: 'oct' })],
			['an empty "k"', JSON.stringify({ kty: 'oct', k: '' })],
			['a 1-byte key', JSON.stringify({ kty: 'oct', k: 'AQ' })],
		])('a symmetric JWK with %s fails the node naming the JWK field (even for a token signed with it)', async (_n, jwk) => {
			const secret = Buffer.from(JSON.parse(jwk).k ?? '', 'base64url');
			const token = await new jose.SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('5m').sign(new Uint8Array(secret));
			const items = [{ token }];
			const run = await failure('livePersonVerifyJwt', hsParams({ jwk }), items);
			expect(run.runData[RUN_NODE][0].error).toMatchObject({ name: 'NodeOperationError' });
			expect(String(run.error?.message) + String(run.error?.description)).toMatch(/JWK|"k"/);
			// Continue On Fail: the item goes to Invalid with the error, never to Valid.
			const [valid, invalid] = await verify(hsParams({ jwk }), items, true);
			expect(valid).toHaveLength(0);
			expect(invalid[0].json.error).toMatch(/"k"/);
		});

		it('a clock tolerance from an expression that is not a number of seconds fails naming the field', async () => {
			const token = await new jose.SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('5m').sign(new Uint8Array(Buffer.alloc(32, 5)));
			const items = [{ token }];
			for (const clockTolerance of ['={{ "30" }}', '={{ 1e9 }}', '={{ -1 }}']) {
				const [valid, invalid] = await verify(hsParams({ options: { clockTolerance } }), items, true);
				expect(valid).toHaveLength(0);
				expect(invalid[0].json.error).toMatch(/clock tolerance/i);
			}
			const [valid] = await verify(hsParams({ options: { clockTolerance: 0 } }), items);
			expect(valid).toHaveLength(1);
		});

		it('Require Expiration is on by default and can be turned off', async () => {
			const token = await new jose.SignJWT({ sub: 'forever' }).setProtectedHeader({ alg: 'HS256' }).sign(new Uint8Array(Buffer.alloc(32, 5)));
			const items = [{ token }];
			const [valid, invalid] = await verify(hsParams({}), items);
			expect(valid).toHaveLength(0);
			expect(invalid[0].json).toMatchObject({ valid: false, reason: 'missing_expiration' });
			const [valid2] = await verify(hsParams({ options: { requireExpiration: false } }), items);
			expect(valid2[0].json).toMatchObject({ valid: true, claims: { sub: 'forever' } });
		});
	});
});
