/**
 * Two outbound rules of issue 22, checked on the nodes in n8n's own engine (both pinned versions,
 * test/engine/engine.ts); the registry of every outbound path: test/engine/outbound-registry.engine.test.ts.
 *   - item 7: Consumer Pre-Authentication keeps the JWKS policy apart from the request's;
 *   - item 8: the mTLS node applies one target rule wherever a target URL is called, looked up or
 *     registered (an internal target is refused before the gateway hears of it, unless allowed).
 */
import * as jose from 'jose';
import { DEFAULT_CONFIG, Emulator, startEmulator } from '../../sandbox/emulator';
import { INSTALL_TIMEOUT_MS } from '../e2e/harness';
import { EchoServer, startEchoServer } from '../support/echo-server';
import { createEngine, ENGINE_VERSIONS, runNode, type Engine, type RunNodeOptions } from './engine';

jest.setTimeout(120_000);

let emu: Emulator;
let echo: EchoServer;
let jwt: string;
beforeAll(async () => {
	[emu, echo] = await Promise.all([startEmulator(), startEchoServer()]);
	const { privateKey } = await jose.generateKeyPair('RS256');
	jwt = await new jose.SignJWT({ sub: 'x' }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setAudience('registry-api').setExpirationTime('1h').sign(privateKey);
}, 60_000);
afterAll(async () => {
	await Promise.all([emu?.close(), echo?.close()]);
});

describe.each(ENGINE_VERSIONS)('outbound rules in n8n %s', (version) => {
	let n8n: Engine;
	beforeAll(async () => {
		n8n = await createEngine(version);
	}, INSTALL_TIMEOUT_MS);
	afterAll(() => n8n?.close());

	/** The run's JSON output, or the message and description of n8n's run error. */
	async function outcome(opts: RunNodeOptions): Promise<string> {
		const r = await runNode(n8n, opts);
		return r.ok ? JSON.stringify(r.runData) : `${r.error?.message ?? ''} ${r.error?.description ?? ''}`;
	}

	describe("Consumer Pre-Authentication keeps the JWKS policy apart from the request's (issue 22 item 7)", () => {
		const base = () => `http://localhost:${new URL(echo.url).port}`;
		const run = (extra: Record<string, unknown>) =>
			outcome({
				type: 'livePersonApiIntegration',
				parameters: {
					authentication: 'consumerPreAuth',
					consumerToken: jwt,
					verifyConsumerToken: true,
					consumerKeySource: 'jwks',
					consumerJwksUrl: `${base()}/jwks.json`,
					consumerAudience: 'registry-api',
					consumerAlgorithms: ['RS256'],
					method: 'GET',
					url: `${base()}/api/resource`,
					options: { retries: 0, allowedInternalNetworks: 'loopback' },
					...extra,
				},
			});

		test('the request allowing loopback does not let the JWKS URL reach loopback', async () => {
			const before = echo.requests.length;
			expect(await run({})).toMatch(/Blocked request to localhost/);
			expect(echo.requests.length).toBe(before);
			// Its own allowance does (the refusal above is not vacuous).
			await run({ consumerJwksAllowedInternalNetworks: 'loopback' });
			expect(echo.requests.slice(before).some((r) => r.url.startsWith('/jwks.json'))).toBe(true);
		});

		test('an empty Audience is refused before anything is fetched, unless Accept Any Audience is on', async () => {
			const before = echo.requests.length;
			expect(await run({ consumerAudience: '', consumerJwksAllowedInternalNetworks: 'loopback' })).toMatch(/Audience is required/);
			expect(echo.requests.length).toBe(before);
			await run({ consumerAudience: '', consumerAcceptAnyAudience: true, consumerJwksAllowedInternalNetworks: 'loopback' });
			expect(echo.requests.length).toBeGreaterThan(before);
		});
	});

	describe('mTLS: one target rule wherever a target URL is called, looked up or registered (issue 22 item 8)', () => {
		const TARGETS = ['https://10.0.0.5/hook', 'https://[::ffff:7f00:1]/hook', 'https://[64:ff9b::a00:5]/hook', 'https://169.254.169.254/latest'];
		const forward = { method: 'GET', serviceName: 'WEBHOOKS', bodyType: 'none', responseFormat: 'json', stopIfCertificateNotFound: false, sendHeaders: false };
		const createMapping = { mappingVariant: 'configuration', certificateId: '1', mappingService: 'WEBHOOKS', mappingName: 'registry', mappingEnabled: true, validateUrl: false };
		const ops: Array<[string, (url: string) => Record<string, unknown>, string[]]> = [
			['forward', (url) => ({ ...forward, targetUrl: url }), ['mtls.forward', 'mtls.mapping', 'mtls.checkMappings']],
			['checkMapping', (url) => ({ checkVariant: 'gatewayV2', pairs: { pair: [{ serviceName: 'WEBHOOKS', url }] } }), ['mtls.mapping', 'mtls.checkMappings']],
			['createMapping (configuration)', (url) => ({ ...createMapping, mappingUrl: url }), ['mtls.mapping.create']],
			['createMapping (activate)', (url) => ({ ...createMapping, mappingVariant: 'activate', mappingUrl: url }), ['mtls.certificates.activate']],
		];
		const sum = (ids: string[]) => ids.reduce((n, id) => n + (emu.counts()[id] ?? 0), 0);
		const account = () => ({ accountId: DEFAULT_CONFIG.accountId, csdsHost: emu.url, authMethod: 'userPassword', username: DEFAULT_CONFIG.user.username, password: DEFAULT_CONFIG.user.password, allowedInternalNetworks: 'loopback' });
		const run = (params: Record<string, unknown>, allow: string) =>
			outcome({ type: 'livePersonMtls', parameters: { ...params, options: { allowedInternalNetworks: allow } }, credentials: { livePersonAccountApi: account() } });

		test.each(ops)('%s: an internal target is refused before the gateway hears of it, unless allowed', async (name, build, ids) => {
			const operation = name.split(' ')[0];
			for (const url of TARGETS) {
				const before = sum(ids);
				expect([name, url, await run({ operation, ...build(url) }, '')]).toEqual([name, url, expect.stringMatching(/Blocked request to/)]);
				expect([name, url, sum(ids)]).toEqual([name, url, before]);
			}
			// Allowed: the gateway is asked (the refusal above is not vacuous).
			const before = sum(ids);
			await run({ operation, ...build(TARGETS[0]) }, 'private');
			expect(sum(ids)).toBeGreaterThan(before);
		});
	});
});
