/**
 * The emulator's start page (what `npm start` prints as "samples:"): every sample workflow of
 * examples/ is listed, and every one that starts from a webhook has a trigger (a button and curl
 * commands) that calls its n8n webhook. n8n is stood in for by a local server that records the calls.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { startEmulator, type Emulator } from '../../sandbox/emulator';

const EXAMPLES = path.resolve(__dirname, '../../examples');

interface Call {
	method: string;
	url: string;
	headers: http.IncomingHttpHeaders;
	body: string;
}

let n8n: http.Server;
let n8nUrl = '';
const calls: Call[] = [];
let emu: Emulator;

/** The webhook nodes of the shipped samples, read here independently of the emulator's code. */
function webhookSamples(): Array<{ workflowId: string; name: string; node: string; method: string; path: string }> {
	return fs
		.readdirSync(EXAMPLES)
		.filter((f) => f.endsWith('.json'))
		.flatMap((f) => {
			const parsed = JSON.parse(fs.readFileSync(path.join(EXAMPLES, f), 'utf8')) as unknown;
			return (Array.isArray(parsed) ? parsed : [parsed]) as Array<{ id: string; name: string; nodes: Array<{ name: string; type: string; parameters: Record<string, string> }> }>;
		})
		.flatMap((w) =>
			w.nodes
				.filter((n) => n.type === 'n8n-nodes-base.webhook')
				.map((n) => ({ workflowId: w.id, name: w.name, node: n.name, method: (n.parameters.httpMethod ?? 'GET').toUpperCase(), path: n.parameters.path })),
		);
}

const html = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

beforeAll(async () => {
	n8n = http.createServer((req, res) => {
		let body = '';
		req.on('data', (c: Buffer) => (body += c.toString('utf8')));
		req.on('end', () => {
			calls.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
			res.writeHead(200, { 'content-type': 'application/json' });
			res.end(JSON.stringify({ answeredBy: 'fake n8n', url: req.url }));
		});
	});
	await new Promise<void>((r) => n8n.listen(0, '127.0.0.1', () => r()));
	n8nUrl = `http://127.0.0.1:${(n8n.address() as AddressInfo).port}`;
	emu = await startEmulator({ port: 0, startPage: { n8nUrl } });
});

afterAll(async () => {
	await emu?.close();
	n8n?.closeAllConnections();
	await new Promise<void>((r) => n8n.close(() => r()));
});

beforeEach(() => {
	calls.length = 0;
});

test('the shipped samples include webhook-started ones (else this test proves nothing)', () => {
	expect(webhookSamples().length).toBeGreaterThanOrEqual(3);
});

test('GET / lists every sample with a link into n8n', async () => {
	const res = await fetch(`${emu.url}/`);
	expect(res.status).toBe(200);
	expect(res.headers.get('content-type')).toMatch(/^text\/html/);
	const page = await res.text();
	const workflows = fs
		.readdirSync(EXAMPLES)
		.filter((f) => f.endsWith('.json'))
		.flatMap((f) => {
			const parsed = JSON.parse(fs.readFileSync(path.join(EXAMPLES, f), 'utf8')) as unknown;
			return (Array.isArray(parsed) ? parsed : [parsed]) as Array<{ id: string; name: string }>;
		});
	expect(workflows.length).toBeGreaterThan(0);
	for (const w of workflows) {
		expect(page).toContain(`href="${html(`${n8nUrl}/workflow/${w.id}`)}"`);
		expect(page).toContain(html(w.name));
	}
});

test('every webhook sample has a trigger on the start page: buttons, curl for the test and production URLs, a sample request', async () => {
	const page = await (await fetch(`${emu.url}/`)).text();
	const list = (await (await fetch(`${emu.url}/__emulator/samples`)).json()) as {
		samples: Array<{ webhooks: Array<{ workflowId: string; node: string; hasSampleRequest: boolean }> }>;
	};
	const listed = list.samples.flatMap((s) => s.webhooks);
	for (const w of webhookSamples()) {
		const where = `${w.workflowId}/${w.node}`;
		expect({ where, onPage: page.includes(`data-workflow="${html(w.workflowId)}" data-node="${html(w.node)}"`) }).toEqual({ where, onPage: true });
		expect(page).toContain(html(`curl -X ${w.method} '${n8nUrl}/webhook-test/${w.path}`));
		expect(page).toContain(html(`curl -X ${w.method} '${n8nUrl}/webhook/${w.path}`));
		expect(listed.find((h) => h.workflowId === w.workflowId && h.node === w.node)).toMatchObject({ hasSampleRequest: true });
	}
	expect(page.match(/<button data-mode="test">/g)).toHaveLength(webhookSamples().length);
});

test('each trigger calls n8n\'s webhook with its method, path, query, headers and body; n8n\'s answer comes back', async () => {
	const requests = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../sandbox/samples/webhook-requests.json'), 'utf8')) as Record<
		string,
		{ query?: Record<string, string>; headers?: Record<string, string>; body?: unknown }
	>;
	for (const w of webhookSamples()) {
		for (const mode of ['test', 'production'] as const) {
			calls.length = 0;
			const res = await fetch(`${emu.url}/__emulator/samples/trigger`, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify({ workflowId: w.workflowId, node: w.node, mode }),
			});
			expect(res.status).toBe(200);
			const answer = (await res.json()) as { status: number; body: string };
			expect(answer.status).toBe(200);
			expect(calls).toHaveLength(1);
			const call = calls[0];
			const url = new URL(call.url, n8nUrl);
			expect(call.method).toBe(w.method);
			expect(url.pathname).toBe(`/${mode === 'test' ? 'webhook-test' : 'webhook'}/${w.path}`);
			expect(JSON.parse(answer.body)).toEqual({ answeredBy: 'fake n8n', url: call.url });
			const r = requests[`${w.workflowId}/${w.node}`];
			expect(Object.fromEntries(url.searchParams)).toEqual(r.query ?? {});
			for (const [k, v] of Object.entries(r.headers ?? {})) expect(call.headers[k.toLowerCase()]).toBe(v);
			if (r.body !== undefined && w.method !== 'GET') expect(JSON.parse(call.body)).toEqual(r.body);
		}
	}
});

test('a trigger names what is wrong: unknown sample, bad body, n8n not running', async () => {
	const post = (body: unknown) =>
		fetch(`${emu.url}/__emulator/samples/trigger`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
	expect((await post({ workflowId: 'nope', node: 'x', mode: 'test' })).status).toBe(404);
	expect((await post({ workflowId: 'x' })).status).toBe(400);
	const down = await startEmulator({ port: 0, startPage: { n8nUrl: 'http://127.0.0.1:1' } });
	try {
		const [first] = webhookSamples();
		const res = await fetch(`${down.url}/__emulator/samples/trigger`, {
			method: 'POST',
			body: JSON.stringify({ workflowId: first.workflowId, node: first.node, mode: 'test' }),
		});
		expect(res.status).toBe(502);
		expect(((await res.json()) as { error: string }).error).toMatch(/^n8n could not be reached at http:\/\/127\.0\.0\.1:1\/webhook-test\/.* is it running\?$/);
	} finally {
		await down.close();
	}
});
