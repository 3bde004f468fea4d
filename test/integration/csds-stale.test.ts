/**
 * CsdsClient against the emulator's CSDS: the last good domains are served (with one warning per
 * failed refresh) when a refresh fails for a transient reason, for at most 24 h after they were
 * fetched; an unknown account is never papered over; concurrent misses make one request; plain http
 * only for loopback hosts. Clock injected, no sleeps.
 */
import { startEmulator, type Emulator } from '../../sandbox/emulator/index';
import { CsdsClient, DEFAULT_CSDS_STALE_MAX_MS, parseCsdsHost, serviceBaseUrl } from '../../lib/liveperson/csds';
import { policyForAllowText } from '../../lib/net/policy';

const LOOPBACK = policyForAllowText('loopback');
import { LpError } from '../../lib/errors';

const ACC = '12345678';
const TTL = 10 * 60_000;

let emu: Emulator;
beforeAll(async () => {
	emu = await startEmulator({ port: 0 });
});
afterAll(async () => {
	await emu.close();
});
beforeEach(() => emu.reset());

function client() {
	let t = 1_000_000;
	const warnings: string[] = [];
	const c = new CsdsClient(() => t, { onWarning: (m) => warnings.push(m) });
	return { c, warnings, advance: (ms: number) => (t += ms) };
}

describe('CSDS last good domains', () => {
	it('serves the last good domains when a refresh fails (503, reset), with a warning, then refreshes again', async () => {
		const { c, warnings, advance } = client();
		const first = await c.getDomains(emu.url, ACC, { ttlMs: TTL, policy: LOOPBACK });
		expect(first.length).toBeGreaterThan(0);
		expect(emu.count('csds.all')).toBe(1);

		advance(TTL + 1);
		emu.setFault('csds.all', { status: 503, body: 'down' });
		expect(await c.getDomains(emu.url, ACC, { ttlMs: TTL, policy: LOOPBACK })).toEqual(first);
		expect(warnings).toHaveLength(1);
		expect(warnings[0]).toMatch(/CSDS refresh failed for account 12345678 .*HTTP 503.*using the service domains fetched 10 min ago/);
		// Within the short retry pause no new request is made.
		const calls = emu.count('csds.all');
		await c.getDomains(emu.url, ACC, { ttlMs: TTL, policy: LOOPBACK });
		expect(emu.count('csds.all')).toBe(calls);

		advance(61_000);
		emu.setFault('csds.all', { reset: true });
		expect(await c.getDomains(emu.url, ACC, { ttlMs: TTL, policy: LOOPBACK })).toEqual(first);
		expect(warnings).toHaveLength(2);

		advance(61_000);
		emu.setFault('csds.all', null);
		expect(await c.getDomains(emu.url, ACC, { ttlMs: TTL, policy: LOOPBACK })).toEqual(first);
		expect(warnings).toHaveLength(2);
	});

	it('stops serving them 24 h after they were fetched, and never for an unknown account (401)', async () => {
		const { c, warnings, advance } = client();
		await c.getDomains(emu.url, ACC, { ttlMs: TTL, policy: LOOPBACK });
		advance(TTL + 1);
		emu.setFault('csds.all', { status: 401, body: '{"error":"Bad Authentication (invalid site)"}' });
		await expect(c.getDomains(emu.url, ACC, { ttlMs: TTL, policy: LOOPBACK })).rejects.toMatchObject({ status: 401 });
		expect(warnings).toHaveLength(0);

		// A fresh good answer, then an outage longer than the bound.
		emu.setFault('csds.all', null);
		await c.getDomains(emu.url, ACC, { ttlMs: TTL, policy: LOOPBACK });
		emu.setFault('csds.all', { status: 500, body: 'down' });
		advance(DEFAULT_CSDS_STALE_MAX_MS - 30_000);
		await c.getDomains(emu.url, ACC, { ttlMs: TTL, policy: LOOPBACK });
		expect(warnings).toHaveLength(1);
		advance(61_000); // past the retry pause and past 24 h
		const e = await c.getDomains(emu.url, ACC, { ttlMs: TTL, policy: LOOPBACK }).catch((x: unknown) => x);
		expect(e).toBeInstanceOf(LpError);
		expect((e as LpError).status).toBe(500);
	});

	it('makes one request for concurrent misses', async () => {
		const { c } = client();
		emu.setFault('csds.all', { delayMs: 50, times: 1, status: 200, body: { baseURIs: [{ service: 'agentVep', account: ACC, baseURI: emu.hostPort }] } });
		const all = await Promise.all(Array.from({ length: 20 }, () => c.getDomains(emu.url, ACC, { policy: LOOPBACK })));
		expect(new Set(all).size).toBe(1);
		expect(emu.count('csds.all')).toBe(1);
	});

	it('accepts plain http only for loopback hosts', () => {
		expect(parseCsdsHost('http://127.0.0.1:8090').scheme).toBe('http:');
		expect(parseCsdsHost('http://localhost:8090').scheme).toBe('http:');
		expect(parseCsdsHost('http://[::1]:8090').scheme).toBe('http:');
		expect(() => parseCsdsHost('http://api.liveperson.net')).toThrow(expect.objectContaining({ code: 'CSDS_HOST_HTTP', field: 'csdsHost' }));
		expect(() => parseCsdsHost('http://10.0.0.5:8090')).toThrow(expect.objectContaining({ code: 'CSDS_HOST_HTTP' }));
		expect(parseCsdsHost('api.liveperson.net').origin).toBe('https://api.liveperson.net');
		// Service hosts: http only when both the CSDS host and the service host are loopback.
		expect(serviceBaseUrl(parseCsdsHost('http://127.0.0.1:8090'), '127.0.0.1:8091')).toBe('http://127.0.0.1:8091');
		expect(serviceBaseUrl(parseCsdsHost('http://127.0.0.1:8090'), 'va.sentinel.liveperson.net')).toBe('https://va.sentinel.liveperson.net');
	});
});
