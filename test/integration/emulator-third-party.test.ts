/**
 * The emulator's third-party endpoints behind the sample credentials (sandbox/samples/credentials.json)
 * and the browser test: the new credentials' Test buttons succeed against them with the sample
 * values and fail with wrong ones.
 */
import { request } from 'undici';
import { closeAllDispatchers } from '../../lib/http';
import { credentialTests } from '../../nodes/shared/credentialTests';
import { DEFAULT_CONFIG, startEmulator, type Emulator } from '../../sandbox/emulator';
import { EMULATOR_IBM_API_KEY } from '../../sandbox/emulator/services/third-party';

jest.setTimeout(60_000);

let emu: Emulator;
beforeAll(async () => {
	emu = await startEmulator();
});
afterAll(async () => {
	await emu?.close();
	await closeAllDispatchers();
});

const test_ = (name: string, data: Record<string, unknown>) => credentialTests[name].call({} as never, { id: '1', name, type: name, data } as never);

test('Third-party NLU (IBM Watson) against the emulator IAM: OK with the sample key, refused otherwise', async () => {
	const data = { provider: 'watson', apiKey: EMULATOR_IBM_API_KEY, iamUrl: `${emu.url}/identity/token`, allowedInternalNetworks: 'loopback' };
	await expect(test_('livePersonNluApiTest', data)).resolves.toMatchObject({ status: 'OK' });
	const wrong = await test_('livePersonNluApiTest', { ...data, apiKey: 'not-the-sample-key-123' });
	expect(wrong.status).toBe('Error');
	expect(wrong.message).not.toContain('not-the-sample-key-123');
});

test('Consumer Authentication client against the emulator token endpoint: OK (invalid_grant), wrong secret refused', async () => {
	const c = DEFAULT_CONFIG.oauth2Client;
	const data = { authUrl: `${emu.url}/consumer-auth/authorize`, accessTokenUrl: `${emu.url}/consumer-auth/token`, clientId: c.clientId, clientSecret: c.clientSecret, authentication: 'header', allowedInternalNetworks: 'loopback' };
	await expect(test_('livePersonConsumerAuthApiTest', data)).resolves.toMatchObject({ status: 'OK' });
	await expect(test_('livePersonConsumerAuthApiTest', { ...data, authentication: 'body' })).resolves.toMatchObject({ status: 'OK' });
	const wrong = await test_('livePersonConsumerAuthApiTest', { ...data, clientSecret: 'wrong-secret-456' });
	expect(wrong).toMatchObject({ status: 'Error', message: expect.stringMatching(/invalid_client/) });
});

test('IBM Cloud IAM refusals carry IBM\'s documented body (OidcExceptionResponse), and the credential Test shows its message', async () => {
	const res = await request(`${emu.url}/identity/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'emulator-test' }, body: 'grant_type=urn:ibm:params:oauth:grant-type:apikey&apikey=wrong-key-789' });
	const body = (await res.body.json()) as Record<string, any>;
	expect(res.statusCode).toBe(400);
	expect(body).toMatchObject({ errorCode: 'BXNIM0415E', errorMessage: 'Provided API key could not be found.' });
	expect(Object.keys(body.context).sort()).toEqual(['clusterName', 'elapsedTime', 'endTime', 'host', 'instanceId', 'locale', 'requestId', 'requestType', 'startTime', 'threadId', 'url', 'userAgent']);
	expect(body.context.userAgent).toBe('emulator-test');
	expect(JSON.stringify(body)).not.toContain('wrong-key-789');
	const data = { provider: 'watson', apiKey: 'wrong-key-789', iamUrl: `${emu.url}/identity/token`, allowedInternalNetworks: 'loopback' };
	const wrong = await test_('livePersonNluApiTest', data);
	expect(wrong.status).toBe('Error');
	expect(wrong.message).not.toContain('wrong-key-789');
});
