/**
 * LivePerson mTLS, Conversation Orchestrator and Transfer to Messaging nodes in n8n's own engine (both
 * pinned versions, test/engine/engine.ts), against the LivePerson emulator: the two
 * sample workflows from examples/ (mTLS gateway forward, Conversation Orchestrator) as shipped, a
 * Transfer to Messaging workflow, and a forward to an unmapped URL that must fail clearly.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startEmulator, type Emulator } from '../../sandbox/emulator';
import { EXECUTE_TIMEOUT_MS, INSTALL_TIMEOUT_MS, manualTriggerWorkflow, nodeType, REPO_DIR, type WorkflowJson } from '../e2e/harness';
import { createEngine, ENGINE_VERSIONS, expectRunOk, type WorkflowRunner } from './engine';

const ACCOUNT = '12345678';
const SECRETS = ['Sandbox-Passw0rd!', 'Sandbox-CO-Passw0rd!', 'sandbox-client-secret'];
const ACCOUNT_CRED = { id: 'lpSandboxUserPwd', name: 'LivePerson sandbox (emulator, user + password)' };
const CO_CRED = { id: 'lp-sample-co-v2', name: 'LivePerson sandbox (emulator, Conversation Orchestrator v2)' };
const C2M_CRED = { id: 'lp-sample-c2m', name: 'LivePerson sandbox (emulator, Transfer to Messaging)' };

const example = (file: string) => JSON.parse(fs.readFileSync(path.join(REPO_DIR, 'examples', file), 'utf8')) as WorkflowJson;

describe.each(ENGINE_VERSIONS)('LivePerson service nodes in n8n %s', (version) => {
	let emulator: Emulator;
	let n8n: WorkflowRunner;
	const ids = { mtls: '', co: '', c2m: '', unmapped: '' };

	beforeAll(async () => {
		emulator = await startEmulator({ port: 0 });
		n8n = await createEngine(version);
		await n8n.importCredentials([
			{ ...ACCOUNT_CRED, type: 'livePersonAccountApi', data: { accountId: ACCOUNT, csdsHost: emulator.url, allowedInternalNetworks: 'loopback', authMethod: 'userPassword', username: 'sandbox-agent', password: 'Sandbox-Passw0rd!' } },
			{ ...CO_CRED, type: 'conversationOrchestratorApi', data: { region: 'custom', customHost: emulator.url, allowedInternalNetworks: 'loopback', apiVersion: 'v2', userId: 'sandbox-co-user', password: 'Sandbox-CO-Passw0rd!' } },
			{ ...C2M_CRED, type: 'livePersonTransferToMessagingApi', data: { accountId: ACCOUNT, csdsHost: emulator.url, allowedInternalNetworks: 'loopback', clientId: 'sandbox-client', clientSecret: 'sandbox-client-secret' } },
		]);
		[ids.mtls, ids.co, ids.c2m, ids.unmapped] = await n8n.importWorkflows([
			example('mtls-gateway-forward.json'),
			example('conversation-orchestrator.json'),
			manualTriggerWorkflow(`C2M ${version}`, [
				{
					name: 'Eligibility',
					type: nodeType('livePersonTransferToMessaging'),
					typeVersion: 1,
					parameters: { operation: 'eligibility', consumerPhoneNumber: '+12065550100', handoffId: 'H123456789', skill: 'support', additionalFields: {}, options: {} },
					credentials: { livePersonTransferToMessagingApi: C2M_CRED },
				},
				{
					name: 'Invite',
					type: nodeType('livePersonTransferToMessaging'),
					typeVersion: 1,
					parameters: { operation: 'invite', callId: '={{ $json.callId }}', inviteFields: { overrideMessage: 'Continue in SMS' }, options: {} },
					credentials: { livePersonTransferToMessagingApi: C2M_CRED },
				},
			]),
			manualTriggerWorkflow(`mTLS unmapped ${version}`, [
				{
					name: 'Forward',
					type: nodeType('livePersonMtls'),
					typeVersion: 1,
					parameters: { operation: 'forward', method: 'GET', targetUrl: `${emulator.mtlsTarget.url}/echo?unmapped=1`, serviceName: 'IDP', stopIfCertificateNotFound: true, options: { allowedInternalNetworks: 'loopback' } },
					credentials: { livePersonAccountApi: ACCOUNT_CRED },
				},
			]),
		]);
	}, INSTALL_TIMEOUT_MS);

	afterAll(async () => {
		await n8n?.close();
		await emulator?.close();
	});

	beforeEach(() => emulator.reset());

	const ok = async (id: string) => {
		const run = await n8n.execute(id);
		expectRunOk(run);
		for (const s of SECRETS) expect(run.logs).not.toContain(s);
		return run;
	};

	test(
		'mTLS gateway sample: CSDS mtlsGateway → check mapping → forward to /echo with the client certificate',
		async () => {
			const run = await ok(ids.mtls);
			expect(run.items('Check Mapping')).toEqual([expect.objectContaining({ serviceName: 'WEBHOOKS', url: `${emulator.mtlsTarget.url}/echo`, exists: true })]);
			const [fwd] = run.items('Forward to /echo') as Array<{ statusCode: number; body: { clientCertificateSubject: string; body: string } }>;
			expect(fwd.statusCode).toBe(200);
			expect(fwd.body.clientCertificateSubject).toBe('CN=sandbox-client-cert');
			expect(JSON.parse(fwd.body.body)).toEqual({ hello: 'from n8n', mappingExists: true });
			expect(emulator.count('login.login')).toBe(1);
			expect(emulator.count('mtls.forward')).toBe(1);
		},
		EXECUTE_TIMEOUT_MS,
	);

	test(
		'Conversation Orchestrator sample: CO login → context set/get → next actions, token never in the output',
		async () => {
			const run = await ok(ids.co);
			const [login] = run.items('CO Login');
			expect(login).toMatchObject({ version: 'v2', tokenType: 'Bearer' });
			expect(login.token).toBeUndefined();
			expect(run.items('Context: get')[0]).toMatchObject({ payload: { intent: 'billing' }, sessionId: 'conversation-1' });
			expect((run.items('Next Actions')[0].actions as Array<{ type: string }>)[0].type).toBe('SEND_MESSAGE');
			expect(JSON.stringify(run.runData)).not.toMatch(/eyJ[A-Za-z0-9_-]{20,}\./);
			expect(emulator.count('co.v2.login')).toBe(1);
		},
		EXECUTE_TIMEOUT_MS,
	);

	test(
		'Transfer to Messaging: eligibility then invite with the callId',
		async () => {
			const run = await ok(ids.c2m);
			const [e] = run.items('Eligibility');
			expect(e).toMatchObject({ eligible: true });
			expect(run.items('Invite')).toEqual([{ callId: e.callId }]);
		},
		EXECUTE_TIMEOUT_MS,
	);

	test(
		'forward to an unmapped URL fails naming the missing mapping',
		async () => {
			const run = await n8n.execute(ids.unmapped);
			expect(run.ok).toBe(false);
			expect(run.error?.node).toBe('Forward');
			expect(run.error?.message).toContain('No mTLS certificate is mapped for IDP/');
			for (const s of SECRETS) expect(run.logs).not.toContain(s);
		},
		EXECUTE_TIMEOUT_MS,
	);
});
