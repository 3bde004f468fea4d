/**
 * Test button of the Basic and Access Token credentials against a real local server: the n8n
 * credential Test functions (nodes/shared/credentialTests.ts) and lib's testHeaderCredential with a
 * strategy built from the credential's fields, both through the pipeline.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { accessTokenStrategy, basicStrategy } from '../../lib/auth/strategies';
import { testHeaderCredential } from '../../lib/auth/credential-test';
import { policyForAllowText } from '../../lib/net/policy';
import { testAccessToken, testBasic } from '../../nodes/shared/credentialTests';

const PASSWORD = 'Header-Test-Passw0rd!';
const TOKEN = 'header-test-token-0123456789';
let server: http.Server;
let url: string;
let requests = 0;

beforeAll(async () => {
	server = http.createServer((req, res) => {
		requests++;
		const auth = req.headers.authorization ?? '';
		const ok = auth === `Basic ${Buffer.from(`bot:${PASSWORD}`).toString('base64')}` || auth === `Bearer ${TOKEN}`;
		res.writeHead(req.url === '/missing' ? 404 : ok ? 200 : 401).end();
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** The credential's "Allowed Internal Networks": the local server is on 127.0.0.1. */
const loopback = { allowedInternalNetworks: 'loopback' };
const asLib = (r: { status: string; message: string }) => ({ ok: r.status === 'OK', message: r.message });

test('without a Test URL: fields checked, OK with a hint', async () => {
	await expect(testBasic({ user: 'bot', password: PASSWORD }).then(asLib)).resolves.toEqual({ ok: true, message: expect.stringContaining('Add a Test URL') });
	await expect(testBasic({ user: 'b:ot', password: PASSWORD }).then(asLib)).resolves.toMatchObject({ ok: false, message: expect.stringMatching(/:/) });
	await expect(testAccessToken({ accessToken: '', tokenType: 'Bearer' }).then(asLib)).resolves.toMatchObject({ ok: false, message: expect.stringContaining('Access Token is required') });
	// lib's test function reports a malformed field the same way (the strategy is built inside it).
	const policy = policyForAllowText('');
	await expect(testHeaderCredential(() => basicStrategy({ user: 'b:ot', password: PASSWORD }), { policy, what: 'user name and password' })).resolves.toMatchObject({ ok: false, message: expect.stringMatching(/:/) });
	await expect(testHeaderCredential(() => accessTokenStrategy({ token: '' }), { policy, what: 'token' })).resolves.toMatchObject({ ok: false, message: expect.stringContaining('Access Token is required') });
});

test('with a Test URL: accepted, refused, wrong URL, and an internal URL is not contacted by default', async () => {
	await expect(testBasic({ user: 'bot', password: PASSWORD, testUrl: `${url}/me`, ...loopback }).then(asLib)).resolves.toEqual({ ok: true, message: 'The Test URL accepted the credential (HTTP 200).' });
	await expect(testAccessToken({ accessToken: TOKEN, tokenType: 'Bearer', testUrl: `${url}/me`, ...loopback }).then(asLib)).resolves.toMatchObject({ ok: true });
	const refused = asLib(await testAccessToken({ accessToken: 'wrong-token-value-123', tokenType: 'Bearer', testUrl: `${url}/me`, ...loopback }));
	expect(refused).toEqual({ ok: false, message: expect.stringContaining('refused the credential (HTTP 401)') });
	expect(refused.message).not.toContain('wrong-token-value-123');
	await expect(testBasic({ user: 'bot', password: PASSWORD, testUrl: `${url}/missing`, ...loopback }).then(asLib)).resolves.toMatchObject({ ok: false, message: expect.stringContaining('HTTP 404') });
	await expect(testBasic({ user: 'bot', password: PASSWORD, testUrl: 'not a url' }).then(asLib)).resolves.toMatchObject({ ok: false });
	// Without "Allowed Internal Networks" the local server is never contacted, and the answer says how to allow it.
	const before = requests;
	const internal = asLib(await testBasic({ user: 'bot', password: PASSWORD, testUrl: `${url}/me` }));
	expect(internal).toEqual({ ok: false, message: expect.stringContaining('Allowed Internal Networks') });
	expect(internal.message).toMatch(/loopback/);
	const internalToken = asLib(await testAccessToken({ accessToken: TOKEN, tokenType: 'Bearer', testUrl: `${url}/me` }));
	expect(internalToken).toEqual({ ok: false, message: expect.stringContaining('Allowed Internal Networks') });
	expect(requests).toBe(before);
	for (const r of [internal, internalToken, refused]) {
		expect(r.message).not.toContain(PASSWORD);
		expect(r.message).not.toContain(TOKEN);
	}
});
