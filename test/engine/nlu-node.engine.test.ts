/**
 * The third-party NLU credential as the LivePerson API Integration node uses it, in n8n's own engine (both
 * pinned versions, test/engine/engine.ts): the node calls the API with the bearer fetched by the Google JWT
 * bearer grant or IBM Cloud IAM's API-key grant (one token for 3 items), and the credential's Test button on
 * n8n-core's CredentialTestContext. The token endpoints are local stand-ins that check what Google and IBM
 * check (test/support/nlu-servers.ts); the grants themselves: test/integration/nlu-credential.test.ts.
 */
import { INSTALL_TIMEOUT_MS } from '../e2e/harness';
import { EMAIL, LOOPBACK, useNluServers } from '../support/nlu-servers';
import { createEngine, ENGINE_VERSIONS, RUN_NODE, runNode, type Engine } from './engine';

jest.setTimeout(60_000);

// The token cache lives in the package copy the engine loads fresh for every run.
const nlu = useNluServers();
const { google, ibm } = nlu;

describe.each(ENGINE_VERSIONS)('NLU credential in n8n %s', (version) => {
	let n8n: Engine;
	beforeAll(async () => {
		n8n = await createEngine(version);
	}, INSTALL_TIMEOUT_MS);
	afterAll(() => n8n?.close());

	const run = async (credential: Record<string, unknown>) => {
		const result = await runNode(n8n, {
			type: 'livePersonApiIntegration',
			items: [{ i: 0 }, { i: 1 }, { i: 2 }],
			credentials: { livePersonNluApi: credential },
			parameters: { authentication: 'thirdPartyNlu', method: 'GET', url: `${nlu.server().url}/api`, options: { retries: 0, allowedInternalNetworks: LOOPBACK } },
		});
		if (!result.ok) throw new Error(`run failed: ${result.error?.message}`);
		return result;
	};

	test.each([
		['Google', () => google()],
		['IBM', () => ibm()],
	])('%s: the node calls the API with the bearer (one token for 3 items)', async (_label, cfg) => {
		const result = await run(cfg());
		const out = result.runData[RUN_NODE][0].data?.main?.[0] ?? [];
		expect(out.map((i) => i.json)).toEqual([0, 1, 2].map(() => ({ ok: true, intent: 'order_status' })));
		expect(out.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		const server = nlu.server();
		expect(server.googleTokens + server.ibmTokens).toBe(1);
		expect(JSON.stringify(result.runData)).not.toMatch(/ya29|ibm-iam/);
		for (const token of server.issued) expect(result.logs).not.toContain(token);
	});

	test('Test button: OK with a token; refused grant and a bad JSON explained', async () => {
		const test = (data: Record<string, unknown>) => n8n.testCredential({ type: 'livePersonNluApi', data });
		await expect(test(google())).resolves.toMatchObject({ status: 'OK', message: expect.stringContaining(EMAIL) });
		await expect(test(ibm())).resolves.toMatchObject({ status: 'OK', message: expect.stringMatching(/IBM Cloud IAM issued an access token \(valid for \d+ s\)/) });
		const refused = await test(ibm('ibm-wrong-key-123456'));
		expect(refused.status).toBe('Error');
		expect(refused.message).not.toContain('ibm-wrong-key-123456');
		const bad = await test({ provider: 'dialogflow', serviceAccountJson: '{"private_key":"x"}' });
		expect(bad).toMatchObject({ status: 'Error', message: expect.stringContaining('"client_email"') });
		// Without "loopback" the token endpoint on 127.0.0.1 is refused before any request.
		const before = nlu.server().ibmTokens;
		const blocked = await test({ ...ibm(), allowedInternalNetworks: '' });
		expect(blocked.status).toBe('Error');
		expect(nlu.server().ibmTokens).toBe(before);
	});
});
