/**
 * The emulator's start page (GET /): the sample workflows that `npm start` imports (examples/*.json),
 * each with a link to open it in n8n, and for every sample that starts from a webhook a button and a
 * copyable curl command that call its n8n webhook with a sample request (sandbox/samples/
 * webhook-requests.json, keyed "<workflow id>/<webhook node name>").
 *
 * The button posts to POST /__emulator/samples/trigger {workflowId, node, mode: "test" | "production"}:
 * the emulator makes the call to n8n (so the browser needs no CORS from n8n) and answers n8n's status
 * and body. GET /__emulator/samples gives the same list as JSON.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Ctx } from './http';
import { isObject, sendJson, sendText } from './http';

export interface SampleRequest {
	query?: Record<string, string>;
	headers?: Record<string, string>;
	body?: unknown;
	/** One sentence shown next to the trigger: what the call does in the sandbox, what it needs. */
	note?: string;
}

export interface WebhookTrigger {
	workflowId: string;
	node: string;
	method: string;
	/** n8n's URL while the editor listens ("Execute workflow"). */
	testUrl: string;
	/** n8n's URL once the workflow is active. */
	productionUrl: string;
	request: SampleRequest;
	/** Whether sandbox/samples/webhook-requests.json has a request for this webhook. */
	hasSampleRequest: boolean;
	curl: { test: string; production: string };
}

export interface Sample {
	id: string;
	name: string;
	file: string;
	editorUrl: string;
	webhooks: WebhookTrigger[];
}

export interface StartPageOptions {
	/** n8n's editor URL, e.g. http://127.0.0.1:5678. */
	n8nUrl: string;
	examplesDir: string;
	requestsFile: string;
}

type WorkflowJson = { id?: string; name?: string; nodes?: Array<{ name: string; type: string; parameters?: Record<string, unknown> }> };

const WEBHOOK_TYPE = 'n8n-nodes-base.webhook';

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function withQuery(url: string, query: Record<string, string> | undefined): string {
	if (!query || !Object.keys(query).length) return url;
	return `${url}?${new URLSearchParams(query).toString()}`;
}

function curlOf(method: string, url: string, r: SampleRequest): string {
	const parts = ['curl', '-X', method, shellQuote(url)];
	for (const [k, v] of Object.entries(r.headers ?? {})) parts.push('-H', shellQuote(`${k}: ${v}`));
	if (r.body !== undefined && method !== 'GET') parts.push('-H', shellQuote('content-type: application/json'), '-d', shellQuote(JSON.stringify(r.body)));
	return parts.join(' ');
}

/** Every sample workflow of `examplesDir` (files in name order), with its webhook triggers. */
export function listSamples(opts: StartPageOptions): Sample[] {
	const base = opts.n8nUrl.replace(/\/+$/, '');
	const requests = (fs.existsSync(opts.requestsFile) ? JSON.parse(fs.readFileSync(opts.requestsFile, 'utf8')) : {}) as Record<string, SampleRequest>;
	const files = fs.existsSync(opts.examplesDir) ? fs.readdirSync(opts.examplesDir).filter((f) => f.endsWith('.json')).sort() : [];
	return files.flatMap((file) => {
		const parsed = JSON.parse(fs.readFileSync(path.join(opts.examplesDir, file), 'utf8')) as WorkflowJson | WorkflowJson[];
		return (Array.isArray(parsed) ? parsed : [parsed]).map((w) => {
			const id = String(w.id ?? '');
			const webhooks = (w.nodes ?? [])
				.filter((n) => n.type === WEBHOOK_TYPE)
				.map((n): WebhookTrigger => {
					const method = String(n.parameters?.httpMethod ?? 'GET').toUpperCase();
					const hookPath = String(n.parameters?.path ?? '').replace(/^\/+/, '');
					const request = requests[`${id}/${n.name}`] ?? {};
					const testUrl = `${base}/webhook-test/${hookPath}`;
					const productionUrl = `${base}/webhook/${hookPath}`;
					return {
						workflowId: id,
						node: n.name,
						method,
						testUrl,
						productionUrl,
						request,
						hasSampleRequest: `${id}/${n.name}` in requests,
						curl: { test: curlOf(method, withQuery(testUrl, request.query), request), production: curlOf(method, withQuery(productionUrl, request.query), request) },
					};
				});
			return { id, name: String(w.name ?? file), file, editorUrl: `${base}/workflow/${encodeURIComponent(id)}`, webhooks };
		});
	});
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(samples: Sample[], n8nUrl: string): string {
	const rows = samples
		.map((s) => {
			const hooks = s.webhooks
				.map(
					(h) => `
      <div class="hook" data-workflow="${esc(h.workflowId)}" data-node="${esc(h.node)}">
        <p>Webhook <b>${esc(h.node)}</b>: <code>${esc(h.method)}</code> ${h.request.note ? esc(h.request.note) : ''}</p>
        <p><button data-mode="test">Call the test URL</button> (open the workflow and click <i>Execute workflow</i> first)
           <button data-mode="production">Call the production URL</button> (once the workflow is active)</p>
        <pre class="curl">${esc(h.curl.test)}</pre>
        <pre class="curl">${esc(h.curl.production)}</pre>
        <pre class="answer" hidden></pre>
      </div>`,
				)
				.join('');
			const how = s.webhooks.length ? '' : '<p>Starts by hand: open it and click <i>Execute workflow</i>.</p>';
			return `
    <section>
      <h2><a href="${esc(s.editorUrl)}" target="_blank" rel="noopener">${esc(s.name)}</a></h2>
      <p class="file">examples/${esc(s.file)}</p>${how}${hooks}
    </section>`;
		})
		.join('');
	return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>LivePerson sandbox: samples</title>
<style>body{font:15px/1.45 system-ui,sans-serif;max-width:980px;margin:2em auto;padding:0 1em}pre{background:#f4f4f4;padding:.5em;white-space:pre-wrap;word-break:break-all}section{border-top:1px solid #ddd;padding:.3em 0}.file{color:#666;margin:0}</style>
</head><body>
<h1>LivePerson sandbox: sample workflows</h1>
<p>n8n: <a href="${esc(n8nUrl)}">${esc(n8nUrl)}</a> (login printed by <code>npm start</code>). Samples that need an outside service say so in their first sticky note.
Webhook samples: open the workflow, click <i>Execute workflow</i> (n8n then listens on the test URL once), then press the button or paste the curl command.</p>
${rows}
<script>
for (const b of document.querySelectorAll('button[data-mode]')) b.addEventListener('click', async () => {
  const hook = b.closest('.hook'); const out = hook.querySelector('.answer'); out.hidden = false; out.textContent = '…';
  const res = await fetch('/__emulator/samples/trigger', { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ workflowId: hook.dataset.workflow, node: hook.dataset.node, mode: b.dataset.mode }) });
  const a = await res.json();
  out.textContent = a.error ? a.error : 'n8n answered ' + a.status + ':\\n' + a.body;
});
</script>
</body></html>
`;
}

/** Calls one sample's webhook in n8n; resolves n8n's answer (status and body text, cut at 20 kB). */
async function trigger(samples: Sample[], input: unknown): Promise<{ code: number; answer: Record<string, unknown> }> {
	if (!isObject(input) || typeof input.workflowId !== 'string' || typeof input.node !== 'string' || (input.mode !== 'test' && input.mode !== 'production')) {
		return { code: 400, answer: { error: 'body must be JSON {workflowId, node, mode: "test" | "production"}' } };
	}
	const hook = samples.flatMap((s) => s.webhooks).find((h) => h.workflowId === input.workflowId && h.node === input.node);
	if (!hook) return { code: 404, answer: { error: `no webhook sample ${input.workflowId}/${input.node}` } };
	const url = withQuery(input.mode === 'test' ? hook.testUrl : hook.productionUrl, hook.request.query);
	const sendsBody = hook.request.body !== undefined && hook.method !== 'GET';
	try {
		const res = await fetch(url, {
			method: hook.method,
			headers: { ...(hook.request.headers ?? {}), ...(sendsBody ? { 'content-type': 'application/json' } : {}) },
			body: sendsBody ? JSON.stringify(hook.request.body) : undefined,
			redirect: 'manual',
			signal: AbortSignal.timeout(60_000),
		});
		const body = (await res.text()).slice(0, 20_000);
		return { code: 200, answer: { url, status: res.status, body } };
	} catch (e) {
		return { code: 502, answer: { url, error: `n8n could not be reached at ${url} (${(e as Error).message}): is it running?` } };
	}
}

/** Handles GET /, GET /__emulator/samples and POST /__emulator/samples/trigger; false for any other request. */
export async function handleStartPage(ctx: Ctx, opts: StartPageOptions): Promise<boolean> {
	const isPage = ctx.path === '/' && ctx.method === 'GET';
	const isList = ctx.path === '/__emulator/samples' && ctx.method === 'GET';
	const isTrigger = ctx.path === '/__emulator/samples/trigger' && ctx.method === 'POST';
	if (!isPage && !isList && !isTrigger) return false;
	const samples = listSamples(opts);
	if (isPage) sendText(ctx, 200, page(samples, opts.n8nUrl), 'text/html; charset=utf-8');
	else if (isList) sendJson(ctx, 200, { n8nUrl: opts.n8nUrl, samples });
	else {
		let input: unknown;
		try {
			input = JSON.parse(ctx.body.toString('utf8'));
		} catch {
			input = undefined;
		}
		const { code, answer } = await trigger(samples, input);
		sendJson(ctx, code, answer);
	}
	return true;
}
