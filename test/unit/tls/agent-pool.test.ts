/** Agent pool: stable keys, one secure context per key, credential change, LRU bound, version checks. */
import { policyForAllowText } from '../../../lib/net/policy';
import { agentKey, agentPoolStats, closeAllAgents, dropAgent, dropCredentialAgents, getAgent } from '../../../lib/tls/agent-pool';
import { mutualTlsConnection, PROTOCOLS } from '../../../lib/tls/credential';
import { mutualTlsConfig } from '../../../nodes/shared/credentialConfig';
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
	expect(mutualTlsConfig({ keyStore: 'x' }).minVersion).toBe('TLSv1.2'); // default: TLS 1.2 and newer
	expect(() => mutualTlsConfig({ keyStore: 'x', serverName: 'bad name' })).toThrow(/Server Name/);
});

describe('mutualTlsConnection: one agent lookup per execution config', () => {
	const data = () => ({ keyStoreFormat: 'pem', keyStore: pki.rsa.certPem, privateKey: pki.rsa.keyPem });

	test('the same config gets the same agent without a new lookup; a dropped agent is rebuilt', async () => {
		const cfg = mutualTlsConfig(data());
		const policy = policyForAllowText('loopback');
		const connection = mutualTlsConnection(cfg, { credentialId: 'memo-test', connections: 8 });
		expect(mutualTlsConnection(cfg, { credentialId: 'memo-test', connections: 8 })).toBe(connection);
		const first = connection.dispatcher(policy);
		const before = agentPoolStats().agentsBuilt;
		expect(connection.dispatcher(policy)).toBe(first);
		expect(agentPoolStats().agentsBuilt).toBe(before);
		// Another execution (new config object, same credential): the pool's agent, not a new one.
		expect(mutualTlsConnection(mutualTlsConfig(data()), { credentialId: 'memo-test', connections: 8 }).dispatcher(policy)).toBe(first);
		// Another policy or concurrency is another agent.
		expect(connection.dispatcher(policyForAllowText('loopback, private'))).not.toBe(first);
		expect(mutualTlsConnection(cfg, { credentialId: 'memo-test', connections: 4 }).dispatcher(policy)).not.toBe(first);
		// The pool drops the credential's agents (e.g. the credential changed): the memo must not hand out a closed agent.
		await dropCredentialAgents('memo-test');
		const rebuilt = connection.dispatcher(policy);
		expect(rebuilt).not.toBe(first);
		expect(agentPoolStats().agentsBuilt).toBeGreaterThan(before);
	});
});
