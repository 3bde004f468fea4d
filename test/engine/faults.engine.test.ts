/**
 * Fault injection in n8n's engine (test/engine/engine.ts) against the LivePerson emulator:
 * connection reset mid-response, timeouts, 429 with Retry-After, 5xx bursts, a TLS alert (an mTLS
 * server that rejects the client certificate) and a CSDS outage that starts during a run.
 *
 * Every scenario runs twice: with "Continue On Fail" (node setting onError: continueRegularOutput)
 * the output has exactly one item per input item, errors as items, each with the pairedItem of its
 * input item (read from n8n's run data); without it the run fails with a clear message naming the
 * cause. n8n's logger writes at debug level and, at the
 * end, the secret scanner (test/support/secrets.ts) checks every line n8n printed (logs and run data
 * of every execution) for the passwords, client secrets, key-store passwords, private keys and every
 * token the emulator issued: none may appear.
 */
import { getEmulatorClientIdentity, getEmulatorPki, startEmulator, type Emulator } from '../../sandbox/emulator';
import { makeTestPki, STORE_PASSWORD, type TestPki } from '../helpers/pki';
import { SecretScanner } from '../support/secrets';
import { EXECUTE_TIMEOUT_MS, INSTALL_TIMEOUT_MS, itemsNode, manualTriggerWorkflow, nodeType, type ExecutionResult, workflowId, type WorkflowNode } from '../e2e/harness';
import { createEngine, ENGINE_VERSIONS, type WorkflowRunner } from './engine';

/** Both n8n versions (about 2 minutes each); LP_FAULTS_VERSION=2.8.4 runs one for a quick local check. */
const VERSIONS = process.env.LP_FAULTS_VERSION ? ENGINE_VERSIONS.filter((v) => v === process.env.LP_FAULTS_VERSION) : ENGINE_VERSIONS;
const ACC = '12345678';
const ITEMS = 3;
const NODE = 'Under Test';

const CRED = {
	account: { id: 'lpFaultAccount01', name: 'faults: account (user + password)' },
	co: { id: 'lpFaultCoV2xxx01', name: 'faults: CO v2' },
	cc: { id: 'lpFaultOauthCc01', name: 'faults: OAuth2 client credentials (Sentinel)' },
	mtlsRejected: { id: 'lpFaultMtlsBad01', name: 'faults: mTLS, certificate of another CA' },
};

interface Scenario {
	key: string;
	/** What is injected, for the report. */
	fault: string;
	node: (emu: Emulator) => WorkflowNode;
	arm: (emu: Emulator) => void;
	/** Route whose calls were answered by the fault (for the count of injected faults); 'tls': one per item tried. */
	route: string;
	/** Faulted answers of `route` in one run, from its call count. */
	injected: (calls: number) => number;
	/** Items expected to succeed with Continue On Fail (the rest must be error items). */
	okItems: number[];
	/** The failure message without Continue On Fail. */
	failure: RegExp;
	/** Checks on the successful items / counts. */
	check?: (emu: Emulator, run: ExecutionResult, cof: boolean) => void;
}

const apiNode = (emu: Emulator, options: Record<string, unknown>, extra: Partial<WorkflowNode> = {}): WorkflowNode => ({
	name: NODE,
	type: nodeType('livePersonApiIntegration'),
	typeVersion: 1,
	parameters: {
		authentication: 'oAuth2ClientCredentials',
		mutualTls: false,
		method: 'GET',
		url: `={{ "${emu.url}/protected/echo?i=" + $json.i }}`,
		options: { allowedInternalNetworks: 'loopback', concurrency: 1, ...options },
	},
	credentials: { livePersonOAuth2ClientCredentialsApi: CRED.cc },
	...extra,
});

const SCENARIOS: Scenario[] = [
	{
		key: 'reset',
		fault: 'connection reset mid-response (Context Service answer cut after 20 bytes)',
		route: 'co.ccs.v2',
		injected: (calls) => calls,
		node: () => ({
			name: NODE,
			type: nodeType('conversationOrchestrator'),
			typeVersion: 1,
			parameters: { resource: 'contextService', operation: 'v2Get', accountId: ACC, namespaceName: 'flow', sessionId: '={{ "s" + $json.i }}', options: {} },
			credentials: { conversationOrchestratorApi: CRED.co },
		}),
		arm: (emu) => emu.setFault('co.ccs.v2', { status: 200, body: { payload: { intent: 'x'.repeat(400) } }, resetAfterBytes: 20 }),
		okItems: [],
		failure: /Conversation Orchestrator could not be reached at .*connection reset by the server/,
	},
	{
		key: 'timeout',
		fault: 'timeout (answers after 2.5 s, node timeout 1 s, no retries)',
		route: 'protected.echo',
		injected: (calls) => calls,
		node: (emu) => apiNode(emu, { timeout: 1, retries: 0 }),
		arm: (emu) => emu.setFault('protected.echo', { delayMs: 2500 }),
		okItems: [],
		failure: /did not answer within 1 s/,
	},
	{
		key: 'retryAfter',
		fault: '429 with Retry-After: 1 on the first two calls (retried, then answered)',
		route: 'protected.echo',
		injected: () => 2,
		node: (emu) => apiNode(emu, { retries: 3 }),
		arm: (emu) => emu.setFault('protected.echo', { status: 429, retryAfter: 1, times: 2 }),
		okItems: [0, 1, 2],
		failure: /never fails/,
		check: (emu, run) => {
			expect(emu.count('protected.echo')).toBe(ITEMS + 2);
			expect(run.items(NODE).map((j) => (j.query as { i: string }).i)).toEqual(['0', '1', '2']);
		},
	},
	{
		key: 'retryAfterLong',
		fault: '429 with Retry-After: 3600 (beyond the 30 s cap: fails at once)',
		route: 'protected.echo',
		injected: (calls) => calls,
		node: (emu) => apiNode(emu, { retries: 3 }),
		arm: (emu) => emu.setFault('protected.echo', { status: 429, retryAfter: 3600 }),
		okItems: [],
		failure: /answered HTTP 429 \(retry after 3600 s\)/,
		// One call per item: a Retry-After beyond the cap is not waited for, nor retried.
		check: (emu, _run, cof) => expect(emu.count('protected.echo')).toBe(cof ? ITEMS : 1),
	},
	{
		key: 'burst5xx',
		fault: '5xx burst: 4 x 503 (item 0 exhausts its 3 retries, items 1-2 succeed)',
		route: 'protected.echo',
		injected: () => 4,
		node: (emu) => apiNode(emu, { retries: 3 }),
		arm: (emu) => emu.setFault('protected.echo', { status: 503, times: 4 }),
		okItems: [1, 2],
		failure: /answered HTTP 503/,
		// Item 0: 1 + 3 retries, all 503; items 1 and 2: one call each.
		check: (emu, _run, cof) => expect(emu.count('protected.echo')).toBe(cof ? 4 + 2 : 4),
	},
	{
		key: 'tlsAlert',
		fault: 'TLS alert: the mTLS target rejects a client certificate of another CA',
		route: 'tls',
		injected: (items) => items,
		node: (emu) => ({
			name: NODE,
			type: nodeType('livePersonApiIntegration'),
			typeVersion: 1,
			parameters: { authentication: 'none', mutualTls: true, method: 'GET', url: `${emu.mtlsTarget.url}/echo`, options: { allowedInternalNetworks: 'loopback', concurrency: 1, retries: 0 } },
			credentials: { livePersonMutualTlsApi: CRED.mtlsRejected },
		}),
		arm: () => undefined,
		okItems: [],
		failure: /refused the client certificate/,
	},
	{
		key: 'csdsOutage',
		// CSDS serves the last good domains (up to 24 h, with a warning) when a refresh fails: the items
		// after the outage began still get the hosts of the first answer.
		fault: 'CSDS outage starting after the first call of the run (503, CSDS retries 2x): last good domains served',
		route: 'csds.all',
		injected: (calls) => Math.max(0, calls - 1),
		node: () => ({
			name: NODE,
			type: nodeType('livePersonDomains'),
			typeVersion: 1,
			parameters: { operation: 'getAll', options: { cacheMinutes: 0, output: 'map' } },
			credentials: { livePersonAccountApi: CRED.account },
		}),
		arm: (emu) => emu.setFault('csds.all', { status: 503, skip: 1 }),
		okItems: [0, 1, 2],
		failure: /CSDS answered HTTP 503/,
		check: (emu, run) => {
			const items = run.items(NODE) as Array<{ domains: Record<string, string> }>;
			expect(items.map((i) => i.domains.agentVep)).toEqual([emu.hostPort, emu.hostPort, emu.hostPort]);
			// The outage really happened: CSDS was asked again (and answered 503) for the later items.
			expect(emu.count('csds.all')).toBeGreaterThan(1);
		},
	},
];

interface Figures {
	faultsInjected: number;
	itemsIn: number;
	itemsOut: number;
	errorItems: number;
	failedRuns: number;
}

describe.each(VERSIONS)('fault injection in n8n %s', (version) => {
	let emu: Emulator;
	let n8n: WorkflowRunner;
	let pki: TestPki;
	const secrets = new SecretScanner();
	const ids = new Map<string, string>();
	const figures: Figures = { faultsInjected: 0, itemsIn: 0, itemsOut: 0, errorItems: 0, failedRuns: 0 };
	const report: string[] = [];

	beforeAll(async () => {
		emu = await startEmulator({ port: 0 });
		pki = makeTestPki();
		const c = emu.config;
		const emuClient = getEmulatorClientIdentity();
		secrets
			.add('account password', c.user.password)
			.add('Sentinel client secret', c.oauth2Client.clientSecret)
			.add('CO v2 password', c.orchestrator.v2.password)
			.add('CO v1 api key', c.orchestrator.apiKey)
			.add('OAuth1 secrets', c.oauth1.secret, c.oauth1.accessToken, c.oauth1.accessTokenSecret)
			.add('key-store password', STORE_PASSWORD, emuClient.p12Password)
			.addBasic('CO v2 Basic header', c.orchestrator.v2.userId, c.orchestrator.v2.password)
			.addPem('test client key (RSA)', pki.rsa.keyPem)
			.addPem('test client key (untrusted CA)', pki.untrusted.keyPem)
			.addPem('emulator client key', emuClient.keyPem)
			.addBase64Blob('PKCS#12 key store', pki.p12Untrusted)
			.addEmulator(emu);

		n8n = await createEngine(version);
		await n8n.importCredentials([
			{ ...CRED.account, type: 'livePersonAccountApi', data: { accountId: ACC, csdsHost: emu.url, allowedInternalNetworks: 'loopback', authMethod: 'userPassword', username: c.user.username, password: c.user.password } },
			{ ...CRED.co, type: 'conversationOrchestratorApi', data: { region: 'custom', customHost: emu.url, allowedInternalNetworks: 'loopback', apiVersion: 'v2', userId: c.orchestrator.v2.userId, password: c.orchestrator.v2.password } },
			{
				...CRED.cc,
				type: 'livePersonOAuth2ClientCredentialsApi',
				data: { clientId: c.oauth2Client.clientId, clientSecret: c.oauth2Client.clientSecret, accessTokenUrl: `${emu.url}/sentinel/api/v2/account/${ACC}/app/token`, allowedInternalNetworks: 'loopback', authentication: 'body', scope: '', tokenExpiredStatusCode: 401 },
			},
			{
				...CRED.mtlsRejected,
				type: 'livePersonMutualTlsApi',
				data: { keyStoreFormat: 'pkcs12', keyStore: pki.p12Untrusted, keyStorePassword: STORE_PASSWORD, trustCertificate: getEmulatorPki(), protocols: 'tls12plus' },
			},
		]);
		const workflows = SCENARIOS.flatMap((s) =>
			[true, false].map((cof) => {
				const node = s.node(emu);
				return {
					key: `${s.key}:${cof ? 'cof' : 'stop'}`,
					wf: manualTriggerWorkflow(`faults ${s.key} ${cof ? 'continue' : 'stop'} ${version}`, [itemsNode(ITEMS), cof ? { ...node, onError: 'continueRegularOutput' } : node], undefined, { id: workflowId() }),
				};
			}),
		);
		expect(new Set(workflows.map((w) => w.wf.id)).size).toBe(workflows.length); // distinct ids: none overwrites another
		const imported = await n8n.importWorkflows(workflows.map((w) => w.wf));
		workflows.forEach((w, i) => ids.set(w.key, imported[i]));
	}, INSTALL_TIMEOUT_MS);

	afterAll(async () => {
		await n8n?.close();
		await emu?.close();
		process.stdout.write(
			`\n[faults e2e, n8n ${version}] scenarios: ${SCENARIOS.length} x 2 runs, faults injected: ${figures.faultsInjected}, items in: ${figures.itemsIn}, items out (Continue On Fail): ${figures.itemsOut} (${figures.errorItems} error items), runs failed as expected without it: ${figures.failedRuns}\n${report.join('\n')}\n`,
		);
	});

	beforeEach(() => emu.reset());

	const pairedIndex = (p: unknown): number | undefined => {
		const one = Array.isArray(p) ? p[0] : p;
		return typeof one === 'number' ? one : (one as { item?: number } | undefined)?.item;
	};

	test.each(SCENARIOS.map((s) => [s.fault, s] as const))(
		'%s',
		async (_title, s) => {
			// --- Continue On Fail: one output item per input item, errors as items, pairedItem kept.
			s.arm(emu);
			const started = Date.now();
			const run = await n8n.execute(ids.get(`${s.key}:cof`)!);
			const elapsed = Date.now() - started;
			if (!run.ok) throw new Error(`Continue On Fail run failed: ${JSON.stringify(run.error)}\n${run.logs.slice(-3000)}`);
			const calls = s.route === 'tls' ? ITEMS : emu.count(s.route);
			const out = run.runData[NODE][0].data?.main?.[0] ?? [];
			expect(run.items('Items')).toHaveLength(ITEMS);
			expect(out).toHaveLength(ITEMS);
			expect(out.map((o) => pairedIndex(o.pairedItem))).toEqual([0, 1, 2]);
			const errors = out.filter((o) => typeof o.json.error === 'string');
			expect(out.map((o, k) => (typeof o.json.error === 'string' ? -1 : k)).filter((k) => k >= 0)).toEqual(s.okItems);
			for (const e of errors) expect(String(e.json.error)).toMatch(s.failure);
			s.check?.(emu, run, true);
			figures.itemsIn += ITEMS;
			figures.itemsOut += out.length;
			figures.errorItems += errors.length;
			let injected = s.injected(calls);

			// --- Without it: the run fails with a clear message (or, for a recovered fault, succeeds).
			emu.reset();
			s.arm(emu);
			const stop = await n8n.execute(ids.get(`${s.key}:stop`)!);
			if (s.okItems.length === ITEMS) {
				expect(stop.ok).toBe(true);
				expect(stop.items(NODE)).toHaveLength(ITEMS);
				s.check?.(emu, stop, false);
				injected += s.injected(emu.count(s.route));
			} else {
				expect(stop.ok).toBe(false);
				expect(stop.error?.node).toBe(NODE);
				expect(stop.error?.message).toMatch(s.failure);
				expect(stop.error?.message).not.toMatch(/unexpected error|Unexpected internal error/);
				s.check?.(emu, stop, false);
				figures.failedRuns++;
				injected += s.injected(s.route === 'tls' ? 1 : emu.count(s.route));
			}
			if (s.key === 'retryAfterLong') expect(elapsed).toBeLessThan(30_000); // no 3600 s wait
			figures.faultsInjected += injected;
			report.push(`  ${s.key}: ${injected} faulted answers, ${ITEMS} in -> ${out.length} out (${errors.length} errors); without Continue On Fail: ${stop.ok ? 'ok' : `failed: ${stop.error?.message.slice(0, 140)}`}`);
			for (const r of [run, stop]) secrets.expectClean(`run data of ${s.key}`, r.raw);
		},
		EXECUTE_TIMEOUT_MS * 2,
	);

	test('no secret in anything n8n printed (debug logs and run data of every execution)', () => {
		const logs = n8n.allLogs();
		expect(logs).toContain('Workflow execution started');
		expect(logs).toMatch(/ \| debug \| /);
		// The tokens of this run were really issued (the scanner searched for them).
		expect(emu.issuedTokens().length).toBeGreaterThan(3);
		secrets.expectClean(`n8n ${version} logs (${logs.length} characters)`, logs);
		report.push(`  secrets: ${secrets.size()} values (${secrets.labels().length} kinds, ${emu.issuedTokens().length} issued tokens) searched in ${logs.length} characters of n8n output: 0 found`);
	});
});
