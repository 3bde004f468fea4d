/**
 * The LivePerson API node and the mTLS self-service operations in n8n's own engine (both pinned
 * versions, test/engine/engine.ts), against the LivePerson emulator: the three sample workflows
 * from examples/ as shipped (Messaging Interactions search → get with transcript; queue health →
 * Send Request with paging; activate → list mappings → delete certificate).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startEmulator, type Emulator } from '../../sandbox/emulator';
import { EXECUTE_TIMEOUT_MS, INSTALL_TIMEOUT_MS, REPO_DIR, type WorkflowJson } from '../e2e/harness';
import { createEngine, ENGINE_VERSIONS, expectRunOk, type WorkflowRunner } from './engine';

const ACCOUNT = '12345678';
const SECRETS = ['Sandbox-Passw0rd!', 'sandbox-client-secret'];
const USER_CRED = { id: 'lpSandboxUserPwd', name: 'LivePerson sandbox (emulator, user + password)' };
const CLIENT_CRED = { id: 'lpSandboxClient1', name: 'LivePerson sandbox (emulator, Sentinel client credentials)' };

const example = (file: string) => JSON.parse(fs.readFileSync(path.join(REPO_DIR, 'examples', file), 'utf8')) as WorkflowJson;

describe.each(ENGINE_VERSIONS)('LivePerson API node in n8n %s', (version) => {
	let emulator: Emulator;
	let n8n: WorkflowRunner;
	const ids = { interactions: '', request: '', selfService: '' };

	beforeAll(async () => {
		emulator = await startEmulator({ port: 0 });
		n8n = await createEngine(version);
		await n8n.importCredentials([
			{ ...USER_CRED, type: 'livePersonAccountApi', data: { accountId: ACCOUNT, csdsHost: emulator.url, allowedInternalNetworks: 'loopback', authMethod: 'userPassword', username: 'sandbox-agent', password: 'Sandbox-Passw0rd!' } },
			{ ...CLIENT_CRED, type: 'livePersonAccountApi', data: { accountId: ACCOUNT, csdsHost: emulator.url, allowedInternalNetworks: 'loopback', authMethod: 'clientCredentials', clientCredentialsFlow: 'sentinel', clientId: 'sandbox-client', clientSecret: 'sandbox-client-secret' } },
		]);
		[ids.interactions, ids.request, ids.selfService] = await n8n.importWorkflows([
			example('liveperson-api-messaging-interactions.json'),
			example('liveperson-api-request.json'),
			example('mtls-self-service.json'),
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
		const text = `${run.logs}${JSON.stringify(run.runData)}`;
		for (const s of [...SECRETS, ...emulator.issuedTokens()]) expect(text).not.toContain(s);
		return run;
	};

	test(
		'Messaging Interactions: search (open, newest first, 5) then one conversation with its transcript',
		async () => {
			const run = await ok(ids.interactions);
			const found = run.items('Search Conversations') as Array<{ info: { status: string; conversationId: string } }>;
			expect(found).toHaveLength(5);
			expect(found.every((c) => c.info.status === 'OPEN')).toBe(true);
			const got = run.items('Get Conversation') as Array<{ info: { conversationId: string }; transcript: Array<{ sentBy: string }> }>;
			expect(got.map((c) => c.info.conversationId)).toEqual(found.map((c) => c.info.conversationId));
			expect(got[0].transcript.map((t) => t.sentBy)).toEqual(['Consumer', 'Agent', 'Consumer']);
			expect(emulator.count('msgHist.search')).toBe(1);
			expect(emulator.count('login.login')).toBe(1);
		},
		EXECUTE_TIMEOUT_MS,
	);

	test(
		'queue health per skill, then Send Request paged over msgHist for each skill',
		async () => {
			const run = await ok(ids.request);
			expect((run.items('Current Queue Health') as Array<{ skillId: string }>).map((s) => s.skillId).sort()).toEqual(['1234', '5678']);
			const closed = run.items('Closed conversations of the skill') as Array<{ info: { status: string } }>;
			// 80 closed conversations in the emulator, 40 per skill, pages of 20.
			expect(closed).toHaveLength(80);
			expect(closed.every((c) => c.info.status === 'CLOSE')).toBe(true);
			expect(emulator.count('msgHist.search')).toBe(4);
			expect(emulator.count('sentinel.token')).toBe(1);
		},
		EXECUTE_TIMEOUT_MS,
	);

	test(
		'mTLS self-service: activate (Sentinel token, URL validated), list mappings, delete the certificate',
		async () => {
			const run = await ok(ids.selfService);
			const [activated] = run.items('Activate') as Array<{ certificationId: string; url: string }>;
			expect(activated.certificationId).toBe('2628739924');
			expect(activated.url).toContain('/echo?self-service=1');
			expect((run.items('List Mappings') as Array<{ certificationId: string }>).map((m) => m.certificationId)).toContain('2628739924');
			expect(run.items('Delete Certificate')).toEqual([expect.objectContaining({ deleted: true, certificateId: '2628739924' })]);
			expect(emulator.count('mtls.certificates.delete')).toBe(1);
		},
		EXECUTE_TIMEOUT_MS,
	);
});
