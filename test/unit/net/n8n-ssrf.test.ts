/**
 * n8n's SSRF settings (N8N_SSRF_*) followed by the package's outbound policy, with the documented
 * precedence: admin-blocked host names first, then the admin's allowed host names / ranges, then the
 * admin's blocked ranges (over a node's "Allowed Internal Networks"), then the package's defaults.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeAllDispatchers, send } from '../../../lib/http';
import { hostMatches, n8nSsrfRules, N8N_DEFAULT_BLOCKED_IP_RANGES } from '../../../lib/net/n8n-ssrf';
import { OutboundPolicy, policyForAllowText } from '../../../lib/net/policy';

const KEYS = ['N8N_SSRF_BLOCKED_IP_RANGES', 'N8N_SSRF_ALLOWED_IP_RANGES', 'N8N_SSRF_ALLOWED_HOSTNAMES', 'N8N_SSRF_BLOCKED_HOSTNAMES'];
const saved = Object.fromEntries(KEYS.map((k) => [k, process.env[k]]));
afterEach(() => {
	for (const k of KEYS) {
		if (saved[k] === undefined) delete process.env[k];
		else process.env[k] = saved[k];
	}
});
afterAll(() => closeAllDispatchers());

const blockedCode = (fn: () => unknown) => {
	try {
		fn();
		return undefined;
	} catch (error) {
		return (error as { code?: string }).code;
	}
};

test('no settings: no admin rules, and the package default still refuses internal addresses', () => {
	expect(n8nSsrfRules({})).toBeUndefined();
	expect(blockedCode(() => new OutboundPolicy({ admin: null }).checkAddress('10.0.0.1'))).toBe('BLOCKED_ADDRESS');
});

test('"default" expands to n8n\'s list; an admin-blocked range wins over a node\'s allow list', () => {
	const rules = n8nSsrfRules({ N8N_SSRF_BLOCKED_IP_RANGES: 'default, 93.184.0.0/16' })!;
	expect(rules.blockedRanges.matches('203.0.113.7')).toBe(true);
	expect(N8N_DEFAULT_BLOCKED_IP_RANGES).toContain('169.254.0.0/16');
	const policy = new OutboundPolicy({ admin: rules, allow: ['93.184.215.14', 'private'] });
	expect(blockedCode(() => policy.checkAddress('93.184.215.14'))).toBe('BLOCKED_BY_N8N');
	expect(blockedCode(() => policy.checkAddress('10.1.1.1'))).toBe('BLOCKED_BY_N8N');
	expect(blockedCode(() => policy.checkAddress('8.8.8.8'))).toBeUndefined();
});

test('admin-allowed ranges are exceptions to every block list', () => {
	const policy = new OutboundPolicy({ admin: n8nSsrfRules({ N8N_SSRF_BLOCKED_IP_RANGES: 'default', N8N_SSRF_ALLOWED_IP_RANGES: '10.1.0.0/16' }) });
	expect(blockedCode(() => policy.checkAddress('10.1.2.3'))).toBeUndefined();
	expect(blockedCode(() => policy.checkAddress('10.2.0.1'))).toBe('BLOCKED_BY_N8N');
});

test('host names: blocked ones are refused before DNS; allowed ones are not address-checked', async () => {
	const rules = n8nSsrfRules({ N8N_SSRF_BLOCKED_HOSTNAMES: '*.evil.test', N8N_SSRF_ALLOWED_HOSTNAMES: 'intranet.example' })!;
	expect(hostMatches('a.b.evil.test', rules.blockedHostnames)).toBe(true);
	expect(hostMatches('evil.test', rules.blockedHostnames)).toBe(false);
	const resolver = jest.fn(async () => [{ address: '10.0.0.5', family: 4 }]);
	const policy = new OutboundPolicy({ admin: rules, resolver });
	expect(blockedCode(() => policy.checkUrl(new URL('https://x.evil.test/')))).toBe('BLOCKED_BY_N8N');
	await expect(policy.resolve('x.evil.test')).rejects.toMatchObject({ code: 'BLOCKED_BY_N8N' });
	expect(resolver).not.toHaveBeenCalled();
	await expect(policy.resolve('intranet.example')).resolves.toEqual([{ address: '10.0.0.5', family: 4 }]);
	await expect(policy.resolve('other.example')).rejects.toMatchObject({ code: 'BLOCKED_ADDRESS' });
});

test('settings that are not host names or ranges are refused naming the variable', () => {
	expect(() => n8nSsrfRules({ N8N_SSRF_ALLOWED_HOSTNAMES: 'bad host/name' })).toThrow(/N8N_SSRF_ALLOWED_HOSTNAMES/);
	expect(() => n8nSsrfRules({ N8N_SSRF_BLOCKED_IP_RANGES: '10.0.0.0/99' })).toThrow(/N8N_SSRF_BLOCKED_IP_RANGES|prefix|CIDR/i);
});

test('the process environment is followed by every request (N8N_SSRF_ALLOWED_HOSTNAMES / N8N_SSRF_BLOCKED_IP_RANGES)', async () => {
	const server = http.createServer((_req, res) => res.end('ok'));
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
	const port = (server.address() as AddressInfo).port;
	try {
		// Without settings: localhost is internal, refused.
		await expect(send({ url: `http://localhost:${port}/` })).rejects.toMatchObject({ code: 'BLOCKED_ADDRESS' });
		// The admin allows the host name: reached, while the literal stays refused.
		process.env.N8N_SSRF_ALLOWED_HOSTNAMES = 'localhost';
		expect((await send({ url: `http://localhost:${port}/`, policy: policyForAllowText('') })).status).toBe(200);
		await expect(send({ url: `http://127.0.0.1:${port}/`, policy: policyForAllowText('') })).rejects.toMatchObject({ code: 'BLOCKED_ADDRESS' });
		// The admin blocks 127.0.0.0/8: a node allowing loopback is refused.
		delete process.env.N8N_SSRF_ALLOWED_HOSTNAMES;
		process.env.N8N_SSRF_BLOCKED_IP_RANGES = '127.0.0.0/8';
		await expect(send({ url: `http://127.0.0.1:${port}/`, policy: policyForAllowText('loopback') })).rejects.toMatchObject({ code: 'BLOCKED_BY_N8N' });
	} finally {
		await new Promise((r) => server.close(r));
	}
});
