/** The guard nodes' execute() with a minimal IExecuteFunctions stand-in (routing, fail-closed, no token copy). */
import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { generateKeyPairSync } from 'node:crypto';
import * as jose from 'jose';
import { LivePersonIpAllowlist } from '../../../nodes/LivePersonIpAllowlist/LivePersonIpAllowlist.node';
import { LivePersonVerifyJwt } from '../../../nodes/LivePersonVerifyJwt/LivePersonVerifyJwt.node';

function ctx(items: INodeExecutionData[], params: (name: string, i: number) => unknown, continueOnFail = false, type = 't'): IExecuteFunctions {
	return {
		getInputData: () => items,
		getNodeParameter: (name: string, i: number, fallback?: unknown) => {
			const v = params(name, i);
			return v === undefined ? fallback : v;
		},
		continueOnFail: () => continueOnFail,
		getNode: () => ({ id: '1', name: 'Guard', type, typeVersion: 1, position: [0, 0], parameters: {} }),
	} as unknown as IExecuteFunctions;
}

describe('LivePerson IP Allowlist node', () => {
	const items = [{ json: { ip: '203.0.113.7' } }, { json: { ip: '8.8.8.8' } }, { json: { ip: '0x7f.1' } }];
	const base = (name: string, i: number): unknown =>
		({ operation: 'check', ipAddress: items[i].json.ip, allowList: '203.0.113.0/24', outputMode: 'route' })[name];

	it('routes Allowed / Denied, a malformed address is denied', async () => {
		const [allowed, denied] = await new LivePersonIpAllowlist().execute.call(ctx(items, base));
		expect(allowed.map((x) => x.json.ip)).toEqual(['203.0.113.7']);
		expect(denied.map((x) => x.json.ip)).toEqual(['8.8.8.8', '0x7f.1']);
		expect(denied[1].json.ipCheck).toMatchObject({ allowed: false, clientIp: null });
		expect(allowed[0].pairedItem).toEqual({ item: 0 });
	});

	it('as an AI tool, every item is on the one output n8n gives the agent, with its verdict', async () => {
		const out = await new LivePersonIpAllowlist().execute.call(ctx(items, base, false, 'n8n-nodes-liveperson.livePersonIpAllowlistTool'));
		expect(out).toHaveLength(1);
		expect(out[0].map((x) => (x.json.ipCheck as { allowed: boolean }).allowed)).toEqual([true, false, false]);
		expect(out[0].map((x) => x.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(new LivePersonIpAllowlist().description.usableAsTool).toBe(true);
	});

	it('field mode adds a boolean', async () => {
		const out = await new LivePersonIpAllowlist().execute.call(ctx(items, (n, i) => (n === 'outputMode' ? 'field' : n === 'fieldName' ? 'ok' : base(n, i))));
		expect(out).toHaveLength(1);
		expect(out[0].map((x) => x.json.ok)).toEqual([true, false, false]);
	});

	it('a malformed allow list fails with its position; Continue On Fail sends the error item to Denied', async () => {
		const bad = (n: string, i: number) => (n === 'allowList' ? '1.2.3.4, 10.0.0.300' : base(n, i));
		await expect(new LivePersonIpAllowlist().execute.call(ctx(items, bad))).rejects.toThrow(/Entry 2 \("10\.0\.0\.300"\)/);
		const [allowed, denied] = await new LivePersonIpAllowlist().execute.call(ctx(items, bad, true));
		expect(allowed).toHaveLength(0);
		expect(denied).toHaveLength(3);
		expect(denied[0].json.error).toMatch(/Entry 2/);
	});

	it('an empty allow list is a configuration error naming the field, not a silent deny', async () => {
		const empty = (n: string, i: number) => (n === 'allowList' ? ' , \n' : base(n, i));
		await expect(new LivePersonIpAllowlist().execute.call(ctx(items, empty))).rejects.toThrow(/The Allow List is empty/);
		const [allowed, denied] = await new LivePersonIpAllowlist().execute.call(ctx(items, empty, true));
		expect(allowed).toHaveLength(0);
		expect(denied.map((x) => x.json.error)).toEqual(Array(3).fill('The Allow List is empty: every address would be denied'));
	});

	it('normalize operation', async () => {
		const [out] = await new LivePersonIpAllowlist().execute.call(ctx([{ json: {} }], (n) => ({ operation: 'normalize', allowList: '10.0.0.1-10.0.0.2, 10.0.0.0, ::1' })[n]));
		expect(out[0].json).toMatchObject({ cidrs: ['10.0.0.0/31', '10.0.0.2/32'], rangeText: ['10.0.0.0-10.0.0.2'] });
		expect((out[0].json.notAccepted as unknown[]).length).toBe(1);
	});
});

describe('LivePerson Verify JWT node', () => {
	it('routes Valid / Invalid and never copies the token', async () => {
		const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
		const good = await new jose.SignJWT({ sub: 's' }).setProtectedHeader({ alg: 'ES256' }).setExpirationTime('5m').sign(pair.privateKey);
		const items = [{ json: { headers: { authorization: `Bearer ${good}` } } }, { json: { headers: { authorization: 'Bearer x.y.z' } } }];
		const params = (n: string, i: number): unknown =>
			({
				token: items[i].json.headers.authorization,
				keySource: 'pem',
				publicKey: pair.publicKey.export({ type: 'spki', format: 'pem' }),
				algorithms: ['ES256'],
				issuer: '',
				audience: '',
				options: {},
			})[n];
		const [valid, invalid] = await new LivePersonVerifyJwt().execute.call(ctx(items, params));
		expect(valid).toHaveLength(1);
		expect(valid[0].json).toMatchObject({ valid: true, claims: { sub: 's' } });
		expect(invalid[0].json).toMatchObject({ valid: false, reason: 'malformed' });
		expect(JSON.stringify([valid, invalid])).not.toContain(good.split('.')[2]);
		expect(JSON.stringify([valid, invalid])).not.toContain('headers');
	});

	const hsParams = (items: INodeExecutionData[], extra: Record<string, unknown>) => (n: string, i: number): unknown =>
		({
			token: items[i].json.token,
			keySource: 'jwk',
			jwk: JSON.stringify({ kty: 'oct', k: Buffer.alloc(32, 5).toString('base64url') }),
			algorithms: ['HS256'],
			issuer: '',
			audience: '',
			options: {},
			...extra,
		})[n];

	it.each([
		['no "k"', JSON.stringify({ kty: 'oct' })],
		['an empty "k"', JSON.stringify({ kty: 'oct', k: '' })],
		['a 1-byte key', JSON.stringify({ kty: 'oct', k: 'AQ' })],
	])('a symmetric JWK with %s fails the node naming the JWK field (even for a token signed with it)', async (_n, jwk) => {
		const secret = Buffer.from(JSON.parse(jwk).k ?? '', 'base64url');
		const token = await new jose.SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('5m').sign(new Uint8Array(secret));
		const items = [{ json: { token } }];
		const error = await new LivePersonVerifyJwt().execute.call(ctx(items, hsParams(items, { jwk }))).catch((e: unknown) => e);
		expect(error).toMatchObject({ name: 'NodeOperationError' });
		expect(String((error as Error).message) + String((error as { description?: string }).description)).toMatch(/JWK|"k"/);
		// Continue On Fail: the item goes to Invalid with the error, never to Valid.
		const [valid, invalid] = await new LivePersonVerifyJwt().execute.call(ctx(items, hsParams(items, { jwk }), true));
		expect(valid).toHaveLength(0);
		expect(invalid[0].json.error).toMatch(/"k"/);
	});

	it('a clock tolerance from an expression that is not a number of seconds fails naming the field', async () => {
		const token = await new jose.SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('5m').sign(new Uint8Array(Buffer.alloc(32, 5)));
		const items = [{ json: { token } }];
		for (const clockTolerance of ['30', 1e9, -1]) {
			const [, invalid] = await new LivePersonVerifyJwt().execute.call(ctx(items, hsParams(items, { options: { clockTolerance } }), true));
			expect(invalid[0].json.error).toMatch(/clock tolerance/i);
		}
		const [valid] = await new LivePersonVerifyJwt().execute.call(ctx(items, hsParams(items, { options: { clockTolerance: 0 } })));
		expect(valid).toHaveLength(1);
	});

	it('Require Expiration is on by default and can be turned off', async () => {
		const token = await new jose.SignJWT({ sub: 'forever' }).setProtectedHeader({ alg: 'HS256' }).sign(new Uint8Array(Buffer.alloc(32, 5)));
		const items = [{ json: { token } }];
		const [valid, invalid] = await new LivePersonVerifyJwt().execute.call(ctx(items, hsParams(items, {})));
		expect(valid).toHaveLength(0);
		expect(invalid[0].json).toMatchObject({ valid: false, reason: 'missing_expiration' });
		const [valid2] = await new LivePersonVerifyJwt().execute.call(ctx(items, hsParams(items, { options: { requireExpiration: false } })));
		expect(valid2[0].json).toMatchObject({ valid: true, claims: { sub: 'forever' } });
		const option = new LivePersonVerifyJwt().description.properties.find((p) => p.name === 'options')?.options?.find((o) => 'name' in o && o.name === 'requireExpiration');
		expect(option).toMatchObject({ type: 'boolean', default: true });
	});
});
