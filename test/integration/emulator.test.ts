/**
 * The LivePerson emulator over real HTTP: CSDS, Login Service, Sentinel, CO v2 login, the protected
 * echo API, the admin API, counts and faults.
 */
import { Agent, request } from 'undici';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import path from 'node:path';
import { jwtVerify, createLocalJWKSet } from 'jose';
import { getEmulatorPki, startEmulator } from '../../sandbox/emulator/index';
import type { Emulator } from '../../sandbox/emulator/index';

// Generous hook/test limit: start-up makes RSA keys, which is slow on a loaded machine.
jest.setTimeout(20_000);

const ACC = '12345678';
let emu: Emulator;

/** The CLI child (as `npm start` runs it: Node + tsx's CommonJS hook) starts first (it needs a few seconds to compile and boot) and is checked at the end. */
let cli: { child: ChildProcess; output(): string; exited: Promise<number | null> };

beforeAll(async () => {
	const child = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), 'sandbox/emulator/main.ts', '--port', '0'], {
		cwd: path.join(__dirname, '../..'),
		env: { ...process.env, LP_EMULATOR_PORT: '1' },
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	let out = '';
	child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
	child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
	cli = { child, output: () => out, exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))) };
	emu = await startEmulator({ port: 0 });
});
afterAll(async () => {
	if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
	await emu.close();
});
beforeEach(() => emu.reset());

async function call(method: string, path: string, opts: { headers?: Record<string, string>; body?: string | Buffer } = {}) {
	const res = await request(`${emu.url}${path}`, { method: method as 'GET', headers: opts.headers, body: opts.body });
	const text = await res.body.text();
	let json: unknown;
	try {
		json = text ? JSON.parse(text) : undefined;
	} catch {
		json = undefined;
	}
	return { status: res.statusCode, headers: res.headers, text, json: json as any };
}

const jsonHeaders = { 'content-type': 'application/json' };
const userLogin = () =>
	call('POST', `/api/account/${ACC}/login?v=1.3`, {
		headers: jsonHeaders,
		body: JSON.stringify({ username: 'sandbox-agent', password: 'Sandbox-Passw0rd!' }),
	});
const sentinelToken = () =>
	call('POST', `/sentinel/api/v2/account/${ACC}/app/token`, {
		headers: { 'content-type': 'application/x-www-form-urlencoded' },
		body: 'client_id=sandbox-client&client_secret=sandbox-client-secret&grant_type=client_credentials',
	});
const basic = (u: string, p: string) => 'Basic ' + Buffer.from(`${u}:${p}`).toString('base64');

describe('CSDS', () => {
	it('lists every service with the emulator host:port', async () => {
		const r = await call('GET', `/api/account/${ACC}/service/baseURI.json?version=1.0`);
		expect(r.status).toBe(200);
		const services = (r.json.baseURIs as Array<{ service: string; account: string; baseURI: string }>).map((b) => b.service);
		for (const s of ['agentVep', 'sentinel', 'mtlsGateway', 'accountConfigReadWrite', 'connectToMessagingDomain', 'msgHist']) {
			expect(services).toContain(s);
		}
		for (const b of r.json.baseURIs) {
			expect(b).toEqual({ service: b.service, account: ACC, baseURI: emu.hostPort });
		}
	});
	it('answers one service, 404 for an unknown one, 401 for an unknown account', async () => {
		const one = await call('GET', `/api/account/${ACC}/service/agentVep/baseURI.json?version=1.0`);
		expect(one.json).toEqual({ service: 'agentVep', account: ACC, baseURI: emu.hostPort });
		expect((await call('GET', `/api/account/${ACC}/service/AGENTVEP/baseURI.json?version=1.0`)).status).toBe(404);
		expect((await call('GET', `/api/account/999/service/baseURI.json?version=1.0`)).status).toBe(401);
		expect((await call('GET', `/api/account/999/service/agentVep/baseURI.json?version=1.0`)).status).toBe(401);
		expect(emu.count('csds.one')).toBe(3);
		expect(emu.count('csds.all')).toBe(1);
	});
});

describe('Login Service', () => {
	it('logs a user in with the documented response and a Session_id cookie', async () => {
		const r = await userLogin();
		expect(r.status).toBe(200);
		expect(Object.keys(r.json).sort()).toEqual(
			['accountData', 'bearer', 'config', 'csdsCollectionResponse', 'csrf', 'sessionTTl', 'wsuk'].sort(),
		);
		expect(r.json.sessionTTl).toBe('28800000');
		expect(r.json.config.loginName).toBe('sandbox-agent');
		expect(String(r.headers['set-cookie'])).toMatch(/^Session_id=[0-9a-f]+/);
		const ok = await call('GET', '/protected/echo', { headers: { authorization: `Bearer ${r.json.bearer}` } });
		expect(ok.json).toMatchObject({ ok: true, authType: 'bearer', subject: 'sandbox-agent' });
	});
	it('accepts OAuth1 and OAuth2 application logins and rejects wrong credentials', async () => {
		const app = (b: object) => call('POST', `/api/account/${ACC}/login?v=1.3`, { headers: jsonHeaders, body: JSON.stringify(b) });
		const oauth1 = await app({
			username: 'bot',
			appKey: 'sandbox-app-key',
			secret: 'sandbox-app-secret',
			accessToken: 'sandbox-access-token',
			accessTokenSecret: 'sandbox-access-token-secret',
		});
		expect(oauth1.status).toBe(200);
		const oauth2 = await app({ username: 'bot', appKey: 'sandbox-client', secret: 'sandbox-client-secret', accessToken: 'dummy', accessTokenSecret: 'dummy' });
		expect(oauth2.status).toBe(200);
		const wrong = await app({ username: 'sandbox-agent', password: 'nope' });
		expect(wrong.status).toBe(401);
		expect(wrong.json.error.responseStatus).toBe('UNAUTHORIZED');
		expect(wrong.text).not.toContain('nope');
		const unknownAccount = await call('POST', '/api/account/999/login?v=1.3', {
			headers: jsonHeaders,
			body: JSON.stringify({ username: 'sandbox-agent', password: 'Sandbox-Passw0rd!' }),
		});
		expect(unknownAccount.status).toBe(401);
	});
	it('refresh and logout need the cookie and csrf; logout invalidates the bearer', async () => {
		const login = await userLogin();
		const cookie = String(login.headers['set-cookie']).split(';')[0];
		const refresh = (csrf: string, c = cookie) =>
			call('POST', `/api/account/${ACC}/refresh?v=1.3`, { headers: { ...jsonHeaders, cookie: c }, body: JSON.stringify({ csrf }) });
		const bad = await refresh('wrong');
		expect(bad.status).toBe(401);
		expect(bad.json.error.internalCode).toBe(10);
		expect(bad.json.error.message).toMatch(/CSRF token invalid/);
		expect((await refresh(login.json.csrf, 'Session_id=unknown')).status).toBe(401);
		const good = await refresh(login.json.csrf);
		expect(good.status).toBe(200);
		expect(good.text).toBe('');
		const auth = { authorization: `Bearer ${login.json.bearer}` };
		expect((await call('GET', '/protected/echo', { headers: auth })).status).toBe(200);
		const logout = await call('POST', `/api/account/${ACC}/logout`, { headers: { ...jsonHeaders, cookie }, body: JSON.stringify({ csrf: login.json.csrf }) });
		expect(logout.status).toBe(200);
		expect((await call('GET', '/protected/echo', { headers: auth })).status).toBe(401);
		expect((await refresh(login.json.csrf)).status).toBe(401);
		expect(emu.counts()).toMatchObject({ 'login.login': 1, 'login.refresh': 4, 'login.logout': 1 });
	});
});

describe('Sentinel', () => {
	it('issues an RS256 JWT that verifies against the JWKS', async () => {
		const r = await sentinelToken();
		expect(r.status).toBe(200);
		expect(r.json).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
		const jwks = await call('GET', '/sentinel/well-known/jwks');
		const { payload, protectedHeader } = await jwtVerify(r.json.access_token, createLocalJWKSet(jwks.json));
		expect(protectedHeader.alg).toBe('RS256');
		expect(payload).toMatchObject({ sub: 'sandbox-client', aud: ACC, iss: `${emu.url}/sentinel` });
		expect((payload.exp as number) - (payload.iat as number)).toBeGreaterThanOrEqual(3600);
		expect(createPublicKey({ key: jwks.json.keys[0], format: 'jwk' }).asymmetricKeyType).toBe('rsa');
	});
	it('accepts HTTP Basic client authentication and gives OAuth errors', async () => {
		const form = { 'content-type': 'application/x-www-form-urlencoded' };
		const viaBasic = await call('POST', `/sentinel/api/v2/account/${ACC}/app/token`, {
			headers: { ...form, authorization: basic('sandbox-client', 'sandbox-client-secret') },
			body: 'grant_type=client_credentials',
		});
		expect(viaBasic.status).toBe(200);
		const wrong = await call('POST', `/sentinel/api/v2/account/${ACC}/app/token`, {
			headers: form,
			body: 'client_id=sandbox-client&client_secret=nope&grant_type=client_credentials',
		});
		expect(wrong.status).toBe(401);
		expect(wrong.json.error).toBe('invalid_client');
		const grant = await call('POST', `/sentinel/api/v2/account/${ACC}/app/token`, {
			headers: form,
			body: 'client_id=sandbox-client&client_secret=sandbox-client-secret&grant_type=password',
		});
		expect(grant.status).toBe(400);
		expect(grant.json.error).toBe('unsupported_grant_type');
	});
});

describe('Conversation Orchestrator v2 login', () => {
	it('gives a JWT for the right Basic credentials (POST and GET) and 401 otherwise', async () => {
		const ok = await call('POST', '/v2/authenticate/login', { headers: { authorization: basic('sandbox-co-user', 'Sandbox-CO-Passw0rd!') } });
		expect(ok.status).toBe(200);
		expect(ok.json).toMatchObject({ token_type: 'Bearer', expires_in: 86400 });
		expect(ok.json.access_token.split('.')).toHaveLength(3);
		const get = await call('GET', '/v2/authenticate/login', { headers: { authorization: basic('sandbox-co-user', 'Sandbox-CO-Passw0rd!') } });
		expect(get.status).toBe(200);
		expect((await call('POST', '/v2/authenticate/login', { headers: { authorization: basic('sandbox-co-user', 'x') } })).status).toBe(401);
		expect((await call('POST', '/v2/authenticate/login')).status).toBe(401);
		const echo = await call('GET', '/protected/echo', { headers: { authorization: `Bearer ${ok.json.access_token}` } });
		expect(echo.json).toMatchObject({ ok: true, authType: 'bearer', subject: 'sandbox-co-user' });
	});
});

describe('protected echo', () => {
	it('accepts Basic with the sandbox user, never echoes the Authorization value', async () => {
		const r = await call('PUT', '/protected/echo?x=1', {
			headers: { authorization: basic('sandbox-agent', 'Sandbox-Passw0rd!'), 'content-type': 'application/json' },
			body: JSON.stringify({ a: 1 }),
		});
		expect(r.json).toEqual({ ok: true, authType: 'basic', subject: 'sandbox-agent', method: 'PUT', query: { x: '1' }, body: { a: 1 } });
		expect(r.text).not.toContain('Sandbox-Passw0rd!');
		expect((await call('GET', '/protected/echo', { headers: { authorization: basic('sandbox-agent', 'x') } })).status).toBe(401);
		expect((await call('GET', '/protected/echo', { headers: { authorization: 'Bearer not-issued' } })).status).toBe(401);
		expect((await call('GET', '/protected/echo')).status).toBe(401);
	});
});

describe('admin API, counts and faults', () => {
	it('serves health, counts, faults and reset over HTTP', async () => {
		const health = await call('GET', '/__emulator/health');
		expect(health.json).toMatchObject({ ok: true, url: emu.url, hostPort: emu.hostPort, accountId: ACC });
		await call('GET', `/api/account/${ACC}/service/baseURI.json?version=1.0`);
		expect((await call('GET', '/__emulator/counts')).json).toEqual({ 'csds.all': 1 });
		const set = await call('POST', '/__emulator/faults', { headers: jsonHeaders, body: JSON.stringify({ route: 'csds.all', fault: { status: 503, times: 1 } }) });
		expect(set.status).toBe(200);
		expect((await call('GET', `/api/account/${ACC}/service/baseURI.json?version=1.0`)).status).toBe(503);
		expect((await call('GET', `/api/account/${ACC}/service/baseURI.json?version=1.0`)).status).toBe(200);
		expect((await call('POST', '/__emulator/faults', { headers: jsonHeaders, body: JSON.stringify({ route: 'no.such', fault: null }) })).status).toBe(400);
		expect((await call('POST', '/__emulator/reset')).status).toBe(204);
		expect(emu.counts()).toEqual({});
		expect((await call('GET', '/no/such/route')).status).toBe(404);
	});
	it('429 with Retry-After for the next N calls, then normal answers (counted either way)', async () => {
		emu.setFault('login.login', { status: 429, retryAfter: 5, body: { message: 'too many logins' }, times: 2 });
		const a = await userLogin();
		const b = await userLogin();
		const c = await userLogin();
		expect([a.status, b.status, c.status]).toEqual([429, 429, 200]);
		expect(a.headers['retry-after']).toBe('5');
		expect(a.json).toEqual({ message: 'too many logins' });
		expect(emu.count('login.login')).toBe(3);
	});
	it('a fault with custom headers, content type and a string body stays until cleared', async () => {
		emu.setFault('sentinel.jwks', { status: 502, body: '<html>bad gateway</html>', contentType: 'text/html', headers: { 'x-fault': 'yes' } });
		for (let i = 0; i < 2; i++) {
			const r = await call('GET', '/sentinel/well-known/jwks');
			expect(r.status).toBe(502);
			expect(r.headers['content-type']).toBe('text/html');
			expect(r.headers['x-fault']).toBe('yes');
			expect(r.text).toBe('<html>bad gateway</html>');
		}
		emu.setFault('sentinel.jwks', null);
		expect((await call('GET', '/sentinel/well-known/jwks')).status).toBe(200);
	});
	it('reset destroys the socket; delayMs delays a normal answer', async () => {
		emu.setFault('csds.all', { reset: true, times: 1 });
		await expect(call('GET', `/api/account/${ACC}/service/baseURI.json?version=1.0`)).rejects.toThrow();
		emu.setFault('csds.all', { delayMs: 300, times: 1 });
		const t0 = Date.now();
		const r = await call('GET', `/api/account/${ACC}/service/baseURI.json?version=1.0`);
		expect(r.status).toBe(200);
		expect(Date.now() - t0).toBeGreaterThanOrEqual(280);
		expect(emu.count('csds.all')).toBe(2);
	});
});

describe('token expiry', () => {
	let short: Emulator;
	beforeAll(async () => {
		short = await startEmulator({ config: { lifetimes: { sessionTTl: '1000', sentinelExpiresIn: 1, coTokenLifetime: 1 } } });
	});
	afterAll(() => short.close());
	it('login bearers, Sentinel and CO tokens stop working after a 1 s lifetime', async () => {
		const post = (path: string, headers: Record<string, string>, body?: string) =>
			request(`${short.url}${path}`, { method: 'POST', headers, body }).then(async (r) => ({ status: r.statusCode, json: (await r.body.json()) as any }));
		const login = await post(`/api/account/${ACC}/login?v=1.3`, jsonHeaders, JSON.stringify({ username: 'sandbox-agent', password: 'Sandbox-Passw0rd!' }));
		expect(login.json.sessionTTl).toBe('1000');
		const sentinel = await post(`/sentinel/api/v2/account/${ACC}/app/token`, { 'content-type': 'application/x-www-form-urlencoded' }, 'client_id=sandbox-client&client_secret=sandbox-client-secret&grant_type=client_credentials');
		expect(sentinel.json.expires_in).toBe(1);
		const co = await post('/v2/authenticate/login', { authorization: basic('sandbox-co-user', 'Sandbox-CO-Passw0rd!') });
		const tokens = [login.json.bearer, sentinel.json.access_token, co.json.access_token];
		const echo = (t: string) => request(`${short.url}/protected/echo`, { headers: { authorization: `Bearer ${t}` } }).then(async (r) => {
			await r.body.dump();
			return r.statusCode;
		});
		expect(await Promise.all(tokens.map(echo))).toEqual([200, 200, 200]);
		await new Promise((r) => setTimeout(r, 1100));
		expect(await Promise.all(tokens.map(echo))).toEqual([401, 401, 401]);
	});
});

describe('HTTPS mode and the CLI', () => {
	it('serves HTTPS with a certificate from the emulator CA when asked', async () => {
		const secure = await startEmulator({ https: true });
		const agent = new Agent({ connect: { ca: getEmulatorPki() } });
		try {
			expect(secure.url).toBe(`https://${secure.hostPort}`);
			const r = await request(`${secure.url}/api/account/${ACC}/service/sentinel/baseURI.json?version=1.0`, { dispatcher: agent });
			expect(await r.body.json()).toEqual({ service: 'sentinel', account: ACC, baseURI: secure.hostPort });
		} finally {
			await agent.close();
			await secure.close();
		}
	});

	it('main.ts starts from config.json on the given port, prints the URL without secrets, stops on SIGTERM', async () => {
		const re = /listening on (http:\/\/127\.0\.0\.1:\d+)/;
		const deadline = Date.now() + 15_000;
		while (!re.test(cli.output()) && Date.now() < deadline && cli.child.exitCode === null) {
			await new Promise((r) => setTimeout(r, 50));
		}
		const out = cli.output();
		const url = re.exec(out)?.[1];
		expect(url).toBeDefined();
		expect(out).toContain(ACC);
		expect(out).toContain('sandbox-agent');
		expect(out).not.toContain('Sandbox-Passw0rd!');
		expect(out).not.toContain('sandbox-client-secret');
		const health = await request(`${url}/__emulator/health`);
		expect(((await health.body.json()) as any).ok).toBe(true);
		cli.child.kill('SIGTERM');
		expect(await cli.exited).toBe(0);
	}, 20_000);
});
