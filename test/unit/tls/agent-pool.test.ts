/** Agent pool: stable keys, one secure context per key, credential change, LRU bound, version checks. */
import { dispatcherFor } from '../../../lib/integration/api-request';
import { policyForAllowText } from '../../../lib/net/policy';
import { agentKey, agentPoolStats, closeAllAgents, dropAgent, dropCredentialAgents, getAgent } from '../../../lib/tls/agent-pool';
import { mutualTlsSettings, PROTOCOLS } from '../../../lib/tls/credential';
import { loadKeyStore } from '../../../lib/tls/keystore';
import { makeTestPki, TestPki } from '../../helpers/pki';

jest.setTimeout(60_000);
let pki: TestPki;
beforeAll(() => {
	pki = makeTestPki();
});
afterAll(() => closeAllAgents());

const rsa = () => loadKeyStore({ format: 'pem', data: pki.rsa.certPem, key: pki.rsa.keyPem });
const ec = () => loadKeyStore({ format: 'pem', data: pki.ec.certPem, key: pki.ec.keyPem });

test('same material and options: same agent, one secure context', () => {
	const before = agentPoolStats().secureContextsBuilt;
	const a = getAgent({ material: rsa(), minVersion: 'TLSv1.2', connections: 8 });
	const b = getAgent({ material: rsa(), minVersion: 'TLSv1.2', connections: 8 });
	expect(b.agent).toBe(a.agent);
	expect(agentPoolStats().secureContextsBuilt - before).toBe(1);
});

test('every connection-relevant option is part of the key', () => {
	const m = rsa();
	const keys = new Set([
		agentKey({ material: m }),
		agentKey({ material: ec() }),
		agentKey({ material: m, maxVersion: 'TLSv1.2' }),
		agentKey({ material: m, servername: 'api.example.com' }),
		agentKey({ material: m, connections: 4 }),
		agentKey({ material: m, wrapConnector: (c) => c, wrapConnectorKey: 'policy-1' }),
		agentKey({ material: m, wrapConnector: (c) => c, wrapConnectorKey: 'policy-2' }),
		agentKey({}),
	]);
	expect(keys.size).toBe(8);
});

test('a changed credential id drops the old agent; dropAgent / dropCredentialAgents close', async () => {
	const a = getAgent({ material: rsa(), credentialId: 'c-1' });
	const b = getAgent({ material: ec(), credentialId: 'c-1' });
	await new Promise((r) => setTimeout(r, 10));
	expect(a.agent.closed).toBe(true);
	expect(b.agent.closed).toBe(false);
	expect(await dropCredentialAgents('c-1')).toBe(1);
	expect(b.agent.closed).toBe(true);
	const c = getAgent({ material: rsa(), servername: 'x.example' });
	expect(await dropAgent(c.key)).toBe(true);
	expect(await dropAgent(c.key)).toBe(false);
});

test('LRU bound: the pool never holds more than 64 agents', () => {
	const m = rsa();
	for (let i = 0; i < 80; i++) getAgent({ material: m, servername: `h${i}.example` });
	expect(agentPoolStats().size).toBeLessThanOrEqual(64);
});

test('versions: unknown or inverted ranges are refused; credential choices map to ranges', () => {
	expect(() => getAgent({ material: rsa(), minVersion: 'TLSv1.3', maxVersion: 'TLSv1.2' })).toThrow(/above the maximum/);
	expect(() => getAgent({ material: rsa(), minVersion: 'SSLv3' as never })).toThrow(/Unsupported TLS version/);
	expect(PROTOCOLS.tls12plus).toEqual(['TLSv1.2', 'TLSv1.3']);
	expect(mutualTlsSettings({ keyStore: 'x' }).minVersion).toBe('TLSv1.2'); // default: TLS 1.2 and newer
	expect(() => mutualTlsSettings({ keyStore: 'x', serverName: 'bad name' })).toThrow(/Server Name/);
});

describe('dispatcherFor: one agent lookup per execution auth object', () => {
	const data = () => ({ keyStoreFormat: 'pem', keyStore: pki.rsa.certPem, privateKey: pki.rsa.keyPem });

	test('the same auth object gets the same agent without a new lookup; a dropped agent is rebuilt', async () => {
		const auth = { mutualTls: { data: data(), credentialId: 'memo-test' } };
		const policy = policyForAllowText('loopback');
		const first = dispatcherFor(auth, policy, 8).dispatcher;
		const before = agentPoolStats().agentsBuilt;
		expect(dispatcherFor(auth, policy, 8).dispatcher).toBe(first);
		expect(agentPoolStats().agentsBuilt).toBe(before);
		// Another execution (new auth object, same credential): the pool's agent, not a new one.
		expect(dispatcherFor({ mutualTls: { data: data(), credentialId: 'memo-test' } }, policy, 8).dispatcher).toBe(first);
		// Another policy or concurrency is another agent.
		expect(dispatcherFor(auth, policyForAllowText('loopback, private'), 8).dispatcher).not.toBe(first);
		expect(dispatcherFor(auth, policy, 4).dispatcher).not.toBe(first);
		// The pool drops the credential's agents (e.g. the credential changed): the memo must not hand out a closed agent.
		await dropCredentialAgents('memo-test');
		const rebuilt = dispatcherFor(auth, policy, 8).dispatcher;
		expect(rebuilt).not.toBe(first);
		expect(agentPoolStats().agentsBuilt).toBeGreaterThan(before);
	});
});
