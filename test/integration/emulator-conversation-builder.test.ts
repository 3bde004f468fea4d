/**
 * The emulator's Conversation Builder API-integration runner against a local server: default JSON
 * headers, the header each credential type produces, the OAuth 2.0 client-credentials token from the
 * emulator's Sentinel, retries (3 within the budget, 5xx and network failures only), and the mapping of
 * the answer into bot variables.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startEmulator, type Emulator } from '../../sandbox/emulator';

let emu: Emulator;
let server: http.Server;
let base = '';
const seen: Array<{ headers: http.IncomingHttpHeaders; body: string }> = [];
let plan: number[] = [];

beforeAll(async () => {
	emu = await startEmulator();
	server = http.createServer((req, res) => {
		let body = '';
		req.on('data', (c: Buffer) => (body += c.toString()));
		req.on('end', () => {
			seen.push({ headers: req.headers, body });
			const status = plan.shift() ?? 200;
			res.writeHead(status, { 'content-type': 'application/json' });
			res.end(JSON.stringify({ order: { status: 'shipped', items: [{ sku: 'X1' }] }, echo: JSON.parse(body || '{}') }));
		});
	});
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
	base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
	await new Promise<void>((r) => {
		server.close(() => r());
		server.closeAllConnections();
	});
	await emu.close();
});

beforeEach(() => {
	seen.length = 0;
	plan = [];
});

async function run(body: Record<string, unknown>) {
	const res = await fetch(`${emu.url}/sandbox/conversation-builder/integration`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url: `${base}/api`, responseDataVariable: 'Order', ...body }) });
	expect(res.status).toBe(200);
	return (await res.json()) as { ok: boolean; status: number; attempts: number; variables: Record<string, unknown>; error?: string };
}

describe('emulated Conversation Builder API integration', () => {
	it('sends the default JSON headers and the body; maps the answer into variables', async () => {
		const r = await run({ body: { orderId: 'A-1' }, customDataFields: { orderStatus: 'order.status', firstSku: 'order.items.0.sku', missing: 'nope.x' } });
		expect(r).toMatchObject({ ok: true, status: 200, attempts: 1 });
		expect(r.variables).toMatchObject({ orderStatus: 'shipped', firstSku: 'X1', api_Order: { echo: { orderId: 'A-1' } } });
		expect(r.variables.missing).toBeUndefined();
		expect(seen[0].headers).toMatchObject({ accept: 'application/json;charset=UTF-8', 'content-type': 'application/json;charset=UTF-8' });
	});

	it('Basic and access-token credentials produce their Authorization header', async () => {
		await run({ credential: { type: 'basic', username: 'bot', password: 'p:w' } });
		expect(seen[0].headers.authorization).toBe(`Basic ${Buffer.from('bot:p:w').toString('base64')}`);
		await run({ credential: { type: 'accessToken', token: 'tok', tokenType: 'Token' } });
		expect(seen[1].headers.authorization).toBe('Token tok');
	});

	it('OAuth 2.0 client credentials: a Sentinel JWT as Bearer; a wrong secret makes no call', async () => {
		const tokenUrl = `${emu.url}/sentinel/api/account/12345678/app/token?v=1.0`;
		const r = await run({ credential: { type: 'oauth2ClientCredentials', clientId: 'sandbox-client', clientSecret: 'sandbox-client-secret', tokenUrl } });
		expect(r.ok).toBe(true);
		expect(String(seen[0].headers.authorization)).toMatch(/^Bearer eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
		const bad = await run({ credential: { type: 'oauth2ClientCredentials', clientId: 'sandbox-client', clientSecret: 'wrong', tokenUrl } });
		expect(bad).toMatchObject({ ok: false, attempts: 0 });
		expect(seen).toHaveLength(1);
	});

	it('retries 5xx up to 3 times, not 4xx; no variables on failure', async () => {
		plan = [503, 502, 200];
		expect(await run({ customDataFields: { s: 'order.status' } })).toMatchObject({ ok: true, attempts: 3, variables: { s: 'shipped' } });
		plan = [500, 500, 500, 500, 200];
		expect(await run({})).toMatchObject({ ok: false, status: 500, attempts: 4, variables: {} });
		plan = [404];
		expect(await run({})).toMatchObject({ ok: false, status: 404, attempts: 1, variables: {} });
	});

	it('a network failure is retried and reported', async () => {
		const r = await run({ url: 'http://127.0.0.1:9/closed' });
		expect(r).toMatchObject({ ok: false, attempts: 4, variables: {} });
	});
});
