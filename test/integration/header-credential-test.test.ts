/** Test button of the Basic and Access Token credentials against a real local server. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CREDENTIAL_TYPES } from '../../lib/auth/apply';
import { testHeaderCredential } from '../../lib/auth/credential-test';
import { policyForAllowText } from '../../lib/net/policy';

const PASSWORD = 'Header-Test-Passw0rd!';
const TOKEN = 'header-test-token-0123456789';
let server: http.Server;
let url: string;

beforeAll(async () => {
	server = http.createServer((req, res) => {
		const auth = req.headers.authorization ?? '';
		const ok = auth === `Basic ${Buffer.from(`bot:${PASSWORD}`).toString('base64')}` || auth === `Bearer ${TOKEN}`;
		res.writeHead(req.url === '/missing' ? 404 : ok ? 200 : 401).end();
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const loopback = { policy: policyForAllowText('loopback') };

test('without a Test URL: fields checked, OK with a hint', async () => {
	await expect(testHeaderCredential(CREDENTIAL_TYPES.basic, { user: 'bot', password: PASSWORD })).resolves.toEqual({ ok: true, message: expect.stringContaining('Add a Test URL') });
	await expect(testHeaderCredential(CREDENTIAL_TYPES.basic, { user: 'b:ot', password: PASSWORD })).resolves.toMatchObject({ ok: false, message: expect.stringMatching(/:/) });
	await expect(testHeaderCredential(CREDENTIAL_TYPES.accessToken, { accessToken: '', tokenType: 'Bearer' })).resolves.toMatchObject({ ok: false, message: expect.stringContaining('Access Token is required') });
});

test('with a Test URL: accepted, refused, wrong URL, and an internal URL is not contacted by default', async () => {
	await expect(testHeaderCredential(CREDENTIAL_TYPES.basic, { user: 'bot', password: PASSWORD, testUrl: `${url}/me` }, loopback)).resolves.toEqual({ ok: true, message: 'The Test URL accepted the credential (HTTP 200).' });
	await expect(testHeaderCredential(CREDENTIAL_TYPES.accessToken, { accessToken: TOKEN, tokenType: 'Bearer', testUrl: `${url}/me` }, loopback)).resolves.toMatchObject({ ok: true });
	const refused = await testHeaderCredential(CREDENTIAL_TYPES.accessToken, { accessToken: 'wrong-token-value-123', tokenType: 'Bearer', testUrl: `${url}/me` }, loopback);
	expect(refused).toEqual({ ok: false, message: expect.stringContaining('refused the credential (HTTP 401)') });
	expect(refused.message).not.toContain('wrong-token-value-123');
	await expect(testHeaderCredential(CREDENTIAL_TYPES.basic, { user: 'bot', password: PASSWORD, testUrl: `${url}/missing` }, loopback)).resolves.toMatchObject({ ok: false, message: expect.stringContaining('HTTP 404') });
	await expect(testHeaderCredential(CREDENTIAL_TYPES.basic, { user: 'bot', password: PASSWORD, testUrl: 'not a url' })).resolves.toMatchObject({ ok: false });
	const internal = await testHeaderCredential(CREDENTIAL_TYPES.basic, { user: 'bot', password: PASSWORD, testUrl: `${url}/me` });
	expect(internal).toEqual({ ok: true, message: expect.stringContaining('was not contacted') });
	for (const r of [internal, refused]) expect(r.message).not.toContain(PASSWORD);
});
