/**
 * The LivePerson mTLS, Conversation Orchestrator and Transfer to Messaging nodes in n8n's own engine
 * (both pinned versions, test/engine/engine.ts) against the LivePerson emulator: parameters → requests →
 * output items, pairedItem, Continue On Fail, binary in/out, the outbound policy on the forward
 * target, load options, and no secret in any output or error.
 */
import { startEmulator, getEmulatorClientIdentity, type Emulator } from '../../sandbox/emulator/index';
import { INSTALL_TIMEOUT_MS } from '../e2e/harness';
import { createEngine, ENGINE_VERSIONS, RUN_NODE, runNode, type Engine } from './engine';

jest.setTimeout(120_000);

const ACC = '12345678';
const SECRETS = ['Sandbox-Passw0rd!', 'sandbox-client-secret', 'Sandbox-CO-Passw0rd!', 'sandbox-maven-api-key', 'sandbox-p12-password', 'target-override-secret'];

let emu: Emulator;
beforeAll(async () => {
	emu = await startEmulator({ port: 0 });
}, 60_000);
afterAll(async () => {
	await emu.close();
});
beforeEach(() => {
	// The package's caches live in the copy the engine loads (fresh per test, see the engine's beforeEach).
	emu.reset();
});

type OutItem = { json: Record<string, unknown>; pairedItem?: unknown; binary?: Record<string, { data: string; mimeType: string }> };
interface Call {
	items?: number;
	params: Record<string, unknown>;
	credentials: Record<string, Record<string, unknown>>;
	continueOnFail?: boolean;
	binary?: Record<string, { data: Buffer; fileName?: string; mimeType?: string }>;
}

let n8n: Engine;

/** Runs the node in n8n's engine on `items` input items { i }; returns the run. */
const runOf = (type: string, c: Call) =>
	runNode(n8n, { type, parameters: c.params, credentials: c.credentials, items: Array.from({ length: c.items ?? 1 }, (_, i) => ({ i })), continueOnFail: c.continueOnFail, binary: c.binary });

/** The items the node emitted (first output); the run must have succeeded. */
async function out(type: string, c: Call): Promise<OutItem[]> {
	const run = await runOf(type, c);
	if (!run.ok) throw new Error(`run failed: ${JSON.stringify(run.error?.message)}`);
	return (run.runData[RUN_NODE]?.[0]?.data?.main?.[0] ?? []) as OutItem[];
}
const mtlsNode = (c: Call) => out('livePersonMtls', c);
const coNode = (c: Call) => out('conversationOrchestrator', c);
const c2mNode = (c: Call) => out('livePersonTransferToMessaging', c);

/** The emulator listens on 127.0.0.1: each credential's "Allowed Internal Networks" allows loopback for its LivePerson hosts. */
const LOOPBACK = { allowedInternalNetworks: 'loopback' };
const account = () => ({ livePersonAccountApi: { accountId: ACC, csdsHost: emu.url, authMethod: 'userPassword', username: 'sandbox-agent', password: 'Sandbox-Passw0rd!', ...LOOPBACK } });
const co = (version: 'v1' | 'v2' = 'v2') => ({
	conversationOrchestratorApi:
		version === 'v2'
			? { region: 'custom', customHost: emu.url, apiVersion: 'v2', userId: 'sandbox-co-user', password: 'Sandbox-CO-Passw0rd!', ...LOOPBACK }
			: { region: 'custom', customHost: emu.url, apiVersion: 'v1', apiKey: 'sandbox-maven-api-key', ...LOOPBACK },
});
const c2m = () => ({ livePersonTransferToMessagingApi: { accountId: ACC, csdsHost: emu.url, clientId: 'sandbox-client', clientSecret: 'sandbox-client-secret', ...LOOPBACK } });

function noSecrets(value: unknown, extra: string[] = []) {
	const text = JSON.stringify(value);
	for (const s of [...SECRETS, ...extra]) expect(text).not.toContain(s);
}

describe.each(ENGINE_VERSIONS)('service nodes in n8n %s', (version) => {
beforeAll(async () => {
	// Loads the engine once per version (the first createEngine of a version takes a few seconds).
	await (await createEngine(version)).close();
}, INSTALL_TIMEOUT_MS);
// A fresh n8n per test, long-running within it (moduleScope 'instance': token caches persist across the
// runs of one test, as in \`n8n start\`), so login counts across runs mean what they meant.
beforeEach(async () => {
	n8n = await createEngine(version, { moduleScope: 'instance' });
});
afterEach(() => n8n?.close());

describe('LivePerson mTLS node', () => {
	const echo = () => `${emu.mtlsTarget.url}/echo`;

	it('self-service operations: Activate (Sentinel by default for client credentials), List Mappings, Delete Certificate; a forced Gateway Authentication the credential cannot give fails naming the field', async () => {
		const client = { livePersonAccountApi: { accountId: ACC, csdsHost: emu.url, allowedInternalNetworks: 'loopback', authMethod: 'clientCredentials', clientCredentialsFlow: 'sentinel', clientId: 'sandbox-client', clientSecret: 'sandbox-client-secret' } };
		const url = `${echo()}?node-activate=1`;
		const activated = await mtlsNode(({ params: { operation: 'createMapping', mappingVariant: 'activate', certificateId: '2628739924', mappingService: 'IDP', mappingUrl: url, validateUrl: true, options: LOOPBACK }, credentials: client }),
		);
		expect(activated[0].json).toMatchObject({ url, certificationId: '2628739924', serviceId: '1' });
		const listed = await mtlsNode(({ params: { operation: 'listMappings', options: {} }, credentials: client }));
		expect(listed.map((m) => m.json.url)).toContain(url);
		expect(listed.every((m) => (m.pairedItem as { item: number }).item === 0)).toBe(true);
		const deleted = await mtlsNode(({ params: { operation: 'deleteCertificate', deleteCertificateId: '2628739924', options: {} }, credentials: client }));
		expect(deleted[0].json).toMatchObject({ deleted: true, certificateId: '2628739924' });
		noSecrets([activated, listed, deleted]);

		const failed = await mtlsNode(({ params: { operation: 'listCertificates', options: { gatewayAuthentication: 'sentinel' } }, credentials: account(), continueOnFail: true }),
		);
		expect(failed[0].json.error).toMatch(/needs the credential's Client ID and Client Secret/);
	});

	it('Check Mapping: one item per pair, paired to its input item', async () => {
		const out = await mtlsNode(({
				items: 2,
				params: { operation: 'checkMapping', checkVariant: 'gatewayV2', pairs: { pair: [{ serviceName: 'WEBHOOKS', url: echo() }, { serviceName: 'IDP', url: `${echo()}?x` }] }, options: LOOPBACK },
				credentials: account(),
			}),
		);
		expect(out).toHaveLength(4);
		expect(out.map((o) => o.json.exists)).toEqual([true, false, true, false]);
		expect(out[3].pairedItem).toEqual({ item: 1 });
		expect(emu.count('login.login')).toBe(1);
		expect(emu.count('csds.all')).toBe(1);
	});

	it('Forward: JSON body, parsed answer, override kept from the output; refused target without the allowance', async () => {
		const params = {
			operation: 'forward',
			method: 'POST',
			targetUrl: echo(),
			serviceName: 'WEBHOOKS',
			authorizationOverride: 'Bearer target-override-secret',
			sendHeaders: true,
			headerParameters: { parameters: [{ name: 'X-Flow', value: 'n8n' }] },
			bodyType: 'json',
			jsonBody: '{"hello":"world"}',
			responseFormat: 'autodetect',
			options: { allowedInternalNetworks: 'loopback', fullResponse: true },
		};
		const out = await mtlsNode(({ params, credentials: account() }));
		const json = out[0].json as { statusCode: number; body: { body: string; headers: Record<string, string>; clientCertificateSubject: string } };
		expect(json.statusCode).toBe(200);
		expect(JSON.parse(json.body.body)).toEqual({ hello: 'world' });
		expect(json.body.headers['x-flow']).toBe('n8n');
		expect(json.body.headers['content-type']).toBe('application/json');
		expect(json.body.clientCertificateSubject).toBe('CN=sandbox-client-cert');
		noSecrets(out);

		const blocked = await mtlsNode(({ params: { ...params, options: {} }, credentials: account(), continueOnFail: true }));
		expect(String(blocked[0].json.error)).toMatch(/Blocked request to 127\.0\.0\.1.*Allowed Internal Networks/);
		expect(emu.count('mtls.forward')).toBe(1);
	});

	it('Forward: binary body in, binary answer out; a missing mapping fails clearly (Continue On Fail keeps the item)', async () => {
		const bytes = Buffer.from([0, 255, 1, 254]);
		const out = await mtlsNode(({
				params: { operation: 'forward', method: 'PUT', targetUrl: echo(), serviceName: 'IDP', bodyType: 'binary', bodyBinaryPropertyName: 'file', responseFormat: 'binary', outputBinaryPropertyName: 'answer', options: { allowedInternalNetworks: '127.0.0.1/32' } },
				credentials: account(),
				binary: { file: { data: bytes, mimeType: 'application/octet-stream' } },
			}),
		);
		const answer = out[0].binary?.answer as unknown as { data: string; mimeType: string };
		expect(answer.mimeType).toBe('application/json');
		const seen = JSON.parse(Buffer.from(answer.data, 'base64').toString());
		expect(Buffer.from(seen.bodyBase64, 'base64').equals(bytes)).toBe(true);
		expect(seen.method).toBe('PUT');

		const failed = await mtlsNode(({ items: 2, params: { operation: 'forward', method: 'GET', targetUrl: `={{ $json.i === 0 ? "${echo()}?nomap" : "${echo()}" }}`, serviceName: 'IDP', stopIfCertificateNotFound: true, options: { allowedInternalNetworks: 'loopback' } }, credentials: account(), continueOnFail: true }),
		);
		expect(failed[0].json.error).toBe(`No mTLS certificate is mapped for IDP/${echo()}?nomap`);
		expect(failed[0].pairedItem).toEqual({ item: 0 });
		expect(failed[1].json).toMatchObject({ method: 'GET' });
	});

	it('List / Upload Certificate (binary p12) / Create Mapping', async () => {
		const id = getEmulatorClientIdentity('sandbox-p12-password');
		const up = await mtlsNode(({
				params: { operation: 'uploadCertificate', certificateSource: 'binary', binaryPropertyName: 'data', certificateName: 'node-cert', certificatePassword: 'sandbox-p12-password', verifyBeforeUpload: true },
				credentials: account(),
				binary: { data: { data: Buffer.from(id.p12Base64, 'base64'), fileName: 'client.p12' } },
			}),
		);
		expect(up[0].json).toMatchObject({ name: 'node-cert', status: 'Available', localCheck: { hasKey: true } });
		noSecrets(up);
		const wrong = await mtlsNode(({ params: { operation: 'uploadCertificate', certificateSource: 'base64', certificateBase64: id.p12Base64, certificateName: 'x', certificatePassword: 'not-the-password' }, credentials: account(), continueOnFail: true }),
		);
		expect(wrong[0].json.error).toMatch(/password does not open/);
		expect(emu.count('mtls.certificates.upload')).toBe(1);

		const list = await mtlsNode(({ params: { operation: 'listCertificates' }, credentials: account() }));
		expect(list.map((c) => c.json.name)).toEqual(expect.arrayContaining(['sandbox-client-cert', 'node-cert']));
		const created = await mtlsNode(({ params: { operation: 'createMapping', mappingVariant: 'configuration', certificateId: String(up[0].json.id), mappingService: 'IDP', mappingUrl: `${echo()}?node=1`, mappingName: 'node-map', mappingEnabled: true, options: LOOPBACK }, credentials: account() }),
		);
		expect(created[0].json).toMatchObject({ name: 'node-map', serviceId: '1' });
	});
});

describe('Conversation Orchestrator node', () => {
	it('Login: metadata without the token unless Include Token', async () => {
		const out = await coNode(({ params: { resource: 'login', includeToken: false }, credentials: co() }));
		expect(out[0].json).toMatchObject({ version: 'v2', tokenType: 'Bearer' });
		expect(out[0].json.token).toBeUndefined();
		expect(JSON.stringify(out)).not.toMatch(/eyJ/);
		const withToken = await coNode(({ params: { resource: 'login', includeToken: true }, credentials: co() }));
		expect(String(withToken[0].json.token)).toMatch(/^eyJ/);
		expect(emu.count('co.v2.login')).toBe(1);
	});

	it('Context Service v2 set / get / properties and Next Actions v2, one login for 20 items', async () => {
		const creds = co();
		await coNode(({ params: { resource: 'contextService', operation: 'v2Create', accountId: ACC, namespaceName: 'flow', sessionId: 's1', ttlSeconds: 600, payload: '{"intent":"billing"}' }, credentials: creds }),
		);
		const got = await coNode(({ items: 20, params: { resource: 'contextService', operation: 'v2Get', accountId: ACC, namespaceName: 'flow', sessionId: 's1', options: { concurrency: 10 } }, credentials: creds }),
		);
		expect(got).toHaveLength(20);
		expect(got[19].json).toMatchObject({ payload: { intent: 'billing' } });
		const props = await coNode(({ params: { resource: 'contextService', operation: 'v2GetProperties', accountId: ACC, namespaceName: 'flow', sessionId: 's1', filter: 'intent', options: { tokenPlacement: 'header' } }, credentials: creds }),
		);
		expect(props[0].json).toEqual({ 'flow.intent': 'billing' });
		const next = await coNode(({ params: { resource: 'nextActions', operation: 'v2Get', accountId: ACC, conversationId: 'c1' }, credentials: creds }));
		expect((next[0].json.actions as Array<{ type: string }>)[0].type).toBe('SEND_MESSAGE');
		expect(emu.count('co.v2.login')).toBe(1);
	});

	it('Context Service v1 with namespace load options; invalid namespace fails before sending', async () => {
		const creds = co('v1');
		await coNode(({ params: { resource: 'contextService', operation: 'v1CreateNamespace', accountId: ACC, namespaceName: 'n8n_ns' }, credentials: creds }));
		// The namespace list as the editor loads it: n8n-core's LoadOptionsContext on the node's current parameters.
		const options = (await n8n.loadOptions({ type: 'conversationOrchestrator', method: 'getNamespaces', parameterPath: 'namespace', parameters: { resource: 'contextService', operation: 'v1GetProperties', accountId: ACC }, credentials: creds })) as Array<{ value: string }>;
		expect(options.map((o) => o.value)).toContain('n8n_ns');
		await coNode(({ params: { resource: 'contextService', operation: 'v1SetProperty', accountId: ACC, namespace: 'n8n_ns', property: 'tier', value: '"gold"' }, credentials: creds }),
		);
		const one = await coNode(({ params: { resource: 'contextService', operation: 'v1GetProperties', accountId: ACC, namespace: 'n8n_ns', property: 'tier' }, credentials: creds }),
		);
		expect(one[0].json).toEqual({ namespace: 'n8n_ns', property: 'tier', value: 'gold' });
		const before = emu.count('co.ccs.v1');
		const bad = await coNode(({ params: { resource: 'contextService', operation: 'v1GetProperties', accountId: ACC, namespace: 'bad-name' }, credentials: creds, continueOnFail: true }),
		);
		expect(bad[0].json.error).toMatch(/only letters, digits and underscore/);
		expect(emu.count('co.ccs.v1')).toBe(before);
		const next = await coNode(({ params: { resource: 'nextActions', operation: 'v1Get', accountId: ACC, conversationId: 'c1' }, credentials: creds }));
		expect(next[0].json).toHaveProperty('rule');
		noSecrets([one, bad, next]);
	});
});

describe('Transfer to Messaging node', () => {
	it('Check Eligibility then Invite with the callId; an over-long handoff ID fails without a call', async () => {
		const elig = await c2mNode(({ params: { operation: 'eligibility', consumerPhoneNumber: '+12065550100', handoffId: 'H123456789', skill: 'support', additionalFields: { templateVariables: '{"1":"Ann"}' } }, credentials: c2m() }),
		);
		expect(elig[0].json).toMatchObject({ eligible: true });
		const inv = await c2mNode(({ params: { operation: 'invite', callId: elig[0].json.callId, inviteFields: { overrideMessage: 'Hi from n8n' } }, credentials: c2m() }),
		);
		expect(inv[0].json).toEqual({ callId: elig[0].json.callId });
		const before = emu.count('c2m.eligibility');
		const bad = await c2mNode(({ params: { operation: 'eligibility', consumerPhoneNumber: '+12065550100', handoffId: 'H12345678901234567', skill: 'support' }, credentials: c2m(), continueOnFail: true }),
		);
		expect(bad[0].json.error).toMatch(/Handoff ID is 18 characters long: at most 16/);
		expect(emu.count('c2m.eligibility')).toBe(before);
		noSecrets([elig, inv, bad]);
	});

	it('without Continue On Fail the run fails on the node with the documented meaning', async () => {
		const run = await runOf('livePersonTransferToMessaging', { params: { operation: 'eligibility', consumerPhoneNumber: '+12065550100', handoffId: 'H0', skill: 'support' }, credentials: c2m() });
		expect(run.ok).toBe(false);
		expect(run.error?.node).toBe(RUN_NODE);
		expect(run.error?.message).toMatch(/no handoff/);
	});
});
});
