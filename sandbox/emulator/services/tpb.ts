/**
 * Third-Party Bots, played by the emulator: it calls a Custom Endpoint bot the way LivePerson does
 * (LivePerson's reference service `third-party-bots-custom-endpoint-reference-service`, docs/v1.json)
 * and lets a person chat with it.
 *
 * - Auth: every call carries `Authorization: Bearer <JWT>` signed by the emulator's Sentinel key (the
 *   key served at /sentinel/well-known/jwks, the Sentinel host CSDS names): RS256, iss "Sentinel",
 *   aud = the account id, scope "thirdpartybots.customendpoint.bot", 1 h lifetime.
 * - Calls: GET {bot}/v1/bots/{botId}/environments, GET …/{env}/state (must be "online"), PUT
 *   …/{env}/conversations/{convId} {sdes, context}, POST …/conversations/{convId}/events {type,
 *   source, data, context: {lpEvent}} (CONVERSATION STARTED when the conversation opens, TEXT for
 *   each consumer message with an increasing lpEvent.sequence).
 * - Every answer is checked against the documented shapes (its own reading of the spec, independent
 *   of the package's); a problem is reported and the conversation goes on.
 * - Timeout 60 s per request; network errors, timeouts, 429 and 5xx are retried, 3 attempts in all,
 *   with the same event (same sequence).
 *
 * Driver API (JSON): POST /thirdpartybots/conversations {botUrl, botId, environment?, sdes?, context?}
 * -> {conversationId, ...}; POST /thirdpartybots/conversations/{id}/messages {text};
 * GET /thirdpartybots/conversations/{id}; POST /thirdpartybots/token {aud?, scope?, iss?, expiresIn?}
 * (a token from the emulator's Sentinel key, for tests); POST /thirdpartybots/settings
 * {botUrl?, botId?, environment?, retryDelaysMs?, timeoutMs?}. The chat page: GET /chat.
 */
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { Ctx, ServiceModule } from '../http';
import { isObject, jsonBody, sendJson, sendText, sleep } from '../http';
import { emulatorPki } from '../pki';
import type { EmulatorState } from '../state';

export const TPB_SCOPE = 'thirdpartybots.customendpoint.bot';

type Json = Record<string, unknown>;

export interface TranscriptLine {
	from: 'consumer' | 'bot' | 'system';
	kind: 'text' | 'private' | 'quickReplies' | 'structured' | 'delay' | 'transfer' | 'close' | 'ttr' | 'function' | 'problem';
	text: string;
	replies?: string[];
	content?: unknown;
}

interface Conversation {
	id: string;
	botUrl: string;
	botId: string;
	environment: string;
	sequence: number;
	status: 'open' | 'transferred' | 'closed';
	transferredTo?: { skillName?: string; agentId?: string };
	transcript: TranscriptLine[];
	intents: unknown[];
}

export interface CallRecord {
	method: string;
	path: string;
	status: number | 'network-error' | 'timeout';
	attempt: number;
}

/* ---------------------------------------------------------------------------------------------- */
/* The answer check (the emulator's own reading of docs/v1.json)                                   */
/* ---------------------------------------------------------------------------------------------- */

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Problems of an events answer; [] when it has the documented shape. */
export function answerProblems(body: unknown): string[] {
	const p: string[] = [];
	if (!isObject(body)) return ['the answer is not a JSON object'];
	if (!Array.isArray(body.response)) p.push('"response" is not an array');
	if (!isObject(body.analytics)) p.push('"analytics" is missing or not an object');
	else if (body.analytics.intents !== undefined) {
		if (!Array.isArray(body.analytics.intents)) p.push('analytics.intents is not an array');
		else
			body.analytics.intents.forEach((it, i) => {
				if (!isObject(it) || typeof it.id !== 'string' || /\s/.test(it.id) || typeof it.description !== 'string' || typeof it.confidenceScore !== 'number' || it.confidenceScore < 0 || it.confidenceScore > 1)
					p.push(`analytics.intents[${i}] is not {id (no spaces), description, confidenceScore 0..1}`);
			});
	}
	(Array.isArray(body.response) ? body.response : []).forEach((item, i) => {
		const at = `response[${i}]`;
		if (!isObject(item) || !isObject(item.data)) {
			p.push(`${at} is not {type, data}`);
			return;
		}
		const d = item.data;
		switch (item.type) {
			case 'TEXT':
				if (typeof d.message !== 'string') p.push(`${at}.data.message is not a string`);
				if (d.messageAudience !== undefined && d.messageAudience !== 'ALL' && d.messageAudience !== 'AGENTS_AND_MANAGERS') p.push(`${at}.data.messageAudience is not ALL or AGENTS_AND_MANAGERS`);
				break;
			case 'STRUCTURED_CONTENT':
				if (!isObject(d.structuredContent)) p.push(`${at}.data.structuredContent is not an object`);
				break;
			case 'DELAY':
				if (!Number.isInteger(d.seconds) || (d.seconds as number) < 1) p.push(`${at}.data.seconds is not an integer >= 1`);
				if (d.typing !== undefined && typeof d.typing !== 'boolean') p.push(`${at}.data.typing is not a boolean`);
				break;
			case 'ACTION': {
				const params = isObject(d.parameters) ? d.parameters : {};
				const keys = Object.keys(params);
				if (d.name === 'TRANSFER') {
					const skill = keys.length === 1 && typeof params.skillName === 'string';
					const agent = keys.length === 1 && typeof params.agentId === 'string';
					if (!skill && !agent) p.push(`${at} TRANSFER parameters are not exactly {skillName} or {agentId}`);
				} else if (d.name === 'CLOSE_CONVERSATION') {
					if (params.withoutPcs !== undefined && typeof params.withoutPcs !== 'boolean') p.push(`${at} CLOSE_CONVERSATION withoutPcs is not a boolean`);
				} else if (d.name === 'CHANGE_TTR') {
					const standard = ['URGENT', 'NORMAL', 'PRIORITIZED'].includes(params.ttrType as string) && keys.length === 1;
					const custom = params.ttrType === 'CUSTOM' && ((typeof params.value === 'string' && params.value.length > 0) || typeof params.value === 'number') && keys.length === 2;
					if (!standard && !custom) p.push(`${at} CHANGE_TTR parameters are not {ttrType} or {ttrType: CUSTOM, value}`);
				} else if (d.name === 'INVOKE_FUNCTION') {
					if (typeof params.lambdaUuid !== 'string' || !UUID_RE.test(params.lambdaUuid) || !isObject(params.payload)) p.push(`${at} INVOKE_FUNCTION parameters are not {lambdaUuid (uuid), payload (object)}`);
				} else p.push(`${at}.data.name is not TRANSFER, CLOSE_CONVERSATION, CHANGE_TTR or INVOKE_FUNCTION`);
				break;
			}
			default:
				p.push(`${at}.type is not TEXT, STRUCTURED_CONTENT, DELAY or ACTION`);
		}
	});
	return p;
}

/* ---------------------------------------------------------------------------------------------- */

export function tpbModule(state: EmulatorState): ServiceModule {
	const conversations = new Map<string, Conversation>();
	const calls: CallRecord[] = [];
	const defaults = { botUrl: '', botId: '', environment: 'draft', retryDelaysMs: [1000, 2000], timeoutMs: 60_000 };
	let settings = { ...defaults };

	const issue = async (o: { aud?: string; scope?: string; iss?: string; expiresIn?: number } = {}) => {
		const { jwt } = emulatorPki();
		const now = Math.floor(Date.now() / 1000);
		const token = await new SignJWT({ scope: o.scope ?? TPB_SCOPE, client_id: state.config.oauth2Client.clientId })
			.setProtectedHeader({ alg: 'RS256', kid: jwt.kid, typ: 'JWT' })
			.setIssuer(o.iss ?? 'Sentinel')
			.setAudience(o.aud ?? state.config.accountId)
			.setIssuedAt(now)
			.setExpirationTime(now + (o.expiresIn ?? 3600))
			.setJti(randomUUID())
			.sign(jwt.privateKey);
		state.issued.push(token);
		return token;
	};
	let cached: { token: string; until: number } | undefined;
	const bearer = async () => {
		if (!cached || cached.until < Date.now() + 60_000) cached = { token: await issue(), until: Date.now() + 3600_000 };
		return cached.token;
	};

	/** One Custom Endpoint call with the documented timeout and retries. */
	async function call(method: string, url: string, body?: unknown): Promise<{ status: number; json: unknown; attempts: number }> {
		const delays = settings.retryDelaysMs;
		let last: Error | undefined;
		for (let attempt = 1; attempt <= 3; attempt++) {
			let status: CallRecord['status'] = 'network-error';
			try {
				const res = await fetch(url, {
					method,
					headers: { authorization: `Bearer ${await bearer()}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
					body: body === undefined ? undefined : JSON.stringify(body),
					signal: AbortSignal.timeout(settings.timeoutMs),
				});
				status = res.status;
				const text = await res.text();
				calls.push({ method, path: new URL(url).pathname, status, attempt });
				if (res.status === 429 || res.status >= 500) {
					last = new Error(`HTTP ${res.status}`);
				} else {
					let json: unknown;
					try {
						json = text ? JSON.parse(text) : undefined;
					} catch {
						json = text;
					}
					return { status: res.status, json, attempts: attempt };
				}
			} catch (e) {
				status = (e as Error).name === 'TimeoutError' ? 'timeout' : 'network-error';
				calls.push({ method, path: new URL(url).pathname, status, attempt });
				last = e as Error;
			}
			if (attempt < 3) await sleep(delays[attempt - 1] ?? delays[delays.length - 1] ?? 1000);
		}
		throw new Error(`${method} ${new URL(url).pathname} failed after 3 attempts (${last?.message ?? 'error'})`);
	}

	const botBase = (c: { botUrl: string; botId: string }) => `${c.botUrl.replace(/\/+$/, '')}/v1/bots/${encodeURIComponent(c.botId)}/environments`;

	/** Applies a checked answer to the conversation: transcript lines and state. */
	function apply(conv: Conversation, status: number, body: unknown): { problems: string[]; lines: TranscriptLine[] } {
		const lines: TranscriptLine[] = [];
		const problems = status === 200 ? answerProblems(body) : [`the bot answered HTTP ${status}`];
		if (problems.length) {
			for (const pr of problems) lines.push({ from: 'system', kind: 'problem', text: pr });
		} else {
			const b = body as { response: Array<{ type: string; data: Json }>; analytics: { intents?: unknown[] } };
			conv.intents.push(...(b.analytics.intents ?? []));
			for (const item of b.response) {
				const d = item.data;
				if (item.type === 'TEXT') lines.push({ from: 'bot', kind: d.messageAudience === 'AGENTS_AND_MANAGERS' ? 'private' : 'text', text: d.message as string });
				else if (item.type === 'STRUCTURED_CONTENT') {
					const sc = d.structuredContent as Json;
					const qr = isObject(sc.quickReplies) && Array.isArray(sc.quickReplies.replies) ? (sc.quickReplies.replies as Json[]) : undefined;
					if (qr) lines.push({ from: 'bot', kind: 'quickReplies', text: String(sc.message ?? ''), replies: qr.map((r) => String(r.title ?? '')) });
					else lines.push({ from: 'bot', kind: 'structured', text: JSON.stringify(sc), content: sc });
				} else if (item.type === 'DELAY') lines.push({ from: 'system', kind: 'delay', text: `(bot pauses ${d.seconds} s${d.typing === false ? '' : ', typing'})` });
				else if (item.type === 'ACTION') {
					const p = (isObject(d.parameters) ? d.parameters : {}) as Json;
					if (d.name === 'TRANSFER') {
						conv.status = 'transferred';
						conv.transferredTo = p.skillName !== undefined ? { skillName: String(p.skillName) } : { agentId: String(p.agentId) };
						lines.push({ from: 'system', kind: 'transfer', text: p.skillName !== undefined ? `Transferred to skill ${p.skillName}` : `Transferred to agent ${p.agentId}` });
					} else if (d.name === 'CLOSE_CONVERSATION') {
						conv.status = 'closed';
						lines.push({ from: 'system', kind: 'close', text: `Conversation closed${p.withoutPcs ? ' (no survey)' : ''}` });
					} else if (d.name === 'CHANGE_TTR') lines.push({ from: 'system', kind: 'ttr', text: `Time to response: ${p.ttrType}${p.value !== undefined ? ` ${p.value}` : ''}` });
					else lines.push({ from: 'system', kind: 'function', text: `Function ${p.lambdaUuid} invoked` });
				}
			}
		}
		conv.transcript.push(...lines);
		return { problems, lines };
	}

	async function sendEvent(conv: Conversation, event: Json) {
		const r = await call('POST', `${botBase(conv)}/${encodeURIComponent(conv.environment)}/conversations/${encodeURIComponent(conv.id)}/events`, event);
		const { problems, lines } = apply(conv, r.status, r.json);
		return { status: r.status, attempts: r.attempts, answer: r.json, problems, lines, conversation: view(conv) };
	}

	const lpEvent = (conv: Conversation, extra: Json = {}) => ({
		sequence: conv.sequence,
		serverTimestamp: Date.now(),
		conversationId: conv.id,
		dialogId: conv.id,
		originatorId: `consumer-${conv.id.slice(0, 8)}`,
		event: { type: 'ContentEvent', contentType: 'text/plain' },
		...extra,
	});

	const view = (c: Conversation) => ({ conversationId: c.id, botId: c.botId, environment: c.environment, status: c.status, transferredTo: c.transferredTo, transcript: c.transcript, intents: c.intents });

	async function start(ctx: Ctx) {
		const b = (jsonBody(ctx) ?? {}) as Json;
		const botUrl = typeof b.botUrl === 'string' && b.botUrl ? b.botUrl : settings.botUrl;
		const botId = typeof b.botId === 'string' && b.botId ? b.botId : settings.botId;
		const environment = typeof b.environment === 'string' && b.environment ? b.environment : settings.environment;
		if (!botUrl || !botId) return sendJson(ctx, 400, { message: 'botUrl and botId are required (or POST /thirdpartybots/settings first)' });
		const conv: Conversation = { id: randomUUID(), botUrl, botId, environment, sequence: 0, status: 'open', transcript: [], intents: [] };
		try {
			const envs = await call('GET', botBase(conv));
			if (envs.status !== 200 || !Array.isArray(envs.json) || !envs.json.every((e) => typeof e === 'string')) {
				return sendJson(ctx, 502, { message: `environments: the bot answered HTTP ${envs.status} ${JSON.stringify(envs.json)?.slice(0, 200)}` });
			}
			if (!(envs.json as string[]).includes(environment)) return sendJson(ctx, 502, { message: `environments: "${environment}" is not offered (${(envs.json as string[]).join(', ')})` });
			const st = await call('GET', `${botBase(conv)}/${encodeURIComponent(environment)}/state`);
			const sj = st.json as Json;
			if (st.status !== 200 || !isObject(sj) || sj.state !== 'online' || typeof sj.version !== 'string') {
				return sendJson(ctx, 502, { message: `state: the bot is not online (HTTP ${st.status} ${JSON.stringify(st.json)?.slice(0, 200)})` });
			}
			const put = await call('PUT', `${botBase(conv)}/${encodeURIComponent(environment)}/conversations/${encodeURIComponent(conv.id)}`, {
				sdes: isObject(b.sdes) ? b.sdes : { authenticatedSdes: { customerInfo: { customerId: `customer-${conv.id.slice(0, 8)}` } }, unauthenticatedSdes: { personalInfo: { name: 'Sam' } } },
				context: isObject(b.context) ? b.context : { type: 'MESSAGING', skillId: 1234, engagementId: 5678, campaignId: 9012, visitor: { id: 'visitor-1' } },
			});
			if (put.status < 200 || put.status > 299) return sendJson(ctx, 502, { message: `conversation: the bot answered HTTP ${put.status}` });
			conversations.set(conv.id, conv);
			const started = await sendEvent(conv, { type: 'CONVERSATION', source: 'CONVERSATION', data: { name: 'STARTED' }, context: { lpEvent: lpEvent(conv, { event: { type: 'ExConversationChangeNotification' } }) } });
			return sendJson(ctx, 200, started);
		} catch (e) {
			return sendJson(ctx, 502, { message: (e as Error).message });
		}
	}

	async function message(ctx: Ctx, id: string) {
		const conv = conversations.get(id);
		if (!conv) return sendJson(ctx, 404, { message: 'no such conversation' });
		const b = (jsonBody(ctx) ?? {}) as Json;
		if (typeof b.text !== 'string' || !b.text) return sendJson(ctx, 400, { message: 'text is required' });
		if (conv.status !== 'open') return sendJson(ctx, 409, { message: `the conversation is ${conv.status}: the bot no longer receives messages`, conversation: view(conv) });
		conv.sequence += 1;
		conv.transcript.push({ from: 'consumer', kind: 'text', text: b.text });
		try {
			return sendJson(ctx, 200, await sendEvent(conv, { type: 'TEXT', source: 'CONSUMER', data: { message: b.text }, context: { lpEvent: lpEvent(conv) } }));
		} catch (e) {
			conv.transcript.push({ from: 'system', kind: 'problem', text: (e as Error).message });
			return sendJson(ctx, 502, { message: (e as Error).message, conversation: view(conv) });
		}
	}

	return {
		reset: () => {
			conversations.clear();
			calls.length = 0;
			cached = undefined;
			settings = { ...defaults };
		},
		routes: [
			{ id: 'tpb.chat', methods: ['GET'], pattern: /^\/chat\/?$/, handler: (ctx) => sendText(ctx, 200, CHAT_PAGE, 'text/html; charset=utf-8') },
			{ id: 'tpb.start', methods: ['POST'], pattern: /^\/thirdpartybots\/conversations$/, handler: start },
			{ id: 'tpb.message', methods: ['POST'], pattern: /^\/thirdpartybots\/conversations\/([^/]+)\/messages$/, handler: (ctx) => message(ctx, ctx.params[0]) },
			{
				id: 'tpb.conversation',
				methods: ['GET'],
				pattern: /^\/thirdpartybots\/conversations\/([^/]+)$/,
				handler: (ctx) => {
					const c = conversations.get(ctx.params[0]);
					return c ? sendJson(ctx, 200, view(c)) : sendJson(ctx, 404, { message: 'no such conversation' });
				},
			},
			{ id: 'tpb.calls', methods: ['GET'], pattern: /^\/thirdpartybots\/calls$/, handler: (ctx) => sendJson(ctx, 200, calls) },
			{
				id: 'tpb.token',
				methods: ['POST'],
				pattern: /^\/thirdpartybots\/token$/,
				handler: async (ctx) => {
					const b = (jsonBody(ctx) ?? {}) as Json;
					const token = await issue({
						aud: typeof b.aud === 'string' ? b.aud : undefined,
						scope: typeof b.scope === 'string' ? b.scope : undefined,
						iss: typeof b.iss === 'string' ? b.iss : undefined,
						expiresIn: typeof b.expiresIn === 'number' ? b.expiresIn : undefined,
					});
					sendJson(ctx, 200, { access_token: token, token_type: 'Bearer' });
				},
			},
			{
				id: 'tpb.settings',
				methods: ['GET', 'POST'],
				pattern: /^\/thirdpartybots\/settings$/,
				handler: (ctx) => {
					if (ctx.method === 'POST') {
						const b = (jsonBody(ctx) ?? {}) as Json;
						if (typeof b.botUrl === 'string') settings.botUrl = b.botUrl;
						if (typeof b.botId === 'string') settings.botId = b.botId;
						if (typeof b.environment === 'string') settings.environment = b.environment;
						if (Array.isArray(b.retryDelaysMs) && b.retryDelaysMs.every((n) => Number.isInteger(n) && n >= 0)) settings.retryDelaysMs = b.retryDelaysMs as number[];
						if (Number.isInteger(b.timeoutMs) && (b.timeoutMs as number) > 0) settings.timeoutMs = b.timeoutMs as number;
					}
					sendJson(ctx, 200, { botUrl: settings.botUrl, botId: settings.botId, environment: settings.environment, retryDelaysMs: settings.retryDelaysMs, timeoutMs: settings.timeoutMs });
				},
			},
		],
	};
}

/** The chat page: type as the consumer, see the bot's answers. Plain HTML, no outside resources. */
const CHAT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>LivePerson bot chat (emulator)</title>
<style>
body{font-family:system-ui,sans-serif;max-width:720px;margin:2em auto;color:#222}
#log{border:1px solid #ccc;border-radius:8px;padding:1em;min-height:300px;max-height:60vh;overflow:auto;background:#fafafa}
.line{margin:.4em 0}.consumer{text-align:right}.consumer span{background:#ff6900;color:#fff}
.bot span{background:#e8e8e8}.line span{display:inline-block;padding:.4em .7em;border-radius:12px;max-width:80%;white-space:pre-wrap}
.private span{background:#fff4c2;border:1px dashed #b08900}.system{color:#666;font-style:italic;text-align:center}
.problem{color:#b00020;text-align:center}.qr button{margin:.2em;border:1px solid #ff6900;background:#fff;color:#ff6900;border-radius:14px;padding:.3em .8em;cursor:pointer}
form{display:flex;gap:.5em;margin-top:.8em}input[type=text]{flex:1;padding:.5em}fieldset{margin-bottom:1em}
</style></head><body>
<h1>Chat with your bot</h1>
<fieldset><legend>Bot (Third-Party Bots, Custom Endpoint)</legend>
<label>Base URL <input id="botUrl" size="60" placeholder="http://localhost:5678/webhook/..."></label><br>
<label>Bot ID <input id="botId"></label> <label>Environment <input id="env" value="draft" size="8"></label>
<button id="start" type="button">Start conversation</button> <span id="status"></span></fieldset>
<div id="log" aria-live="polite"></div>
<form id="send"><input id="text" type="text" placeholder="Type as the consumer…" autocomplete="off" disabled><button id="sendBtn" disabled>Send</button></form>
<script>
const $=(id)=>document.getElementById(id);let conv=null;
fetch('/thirdpartybots/settings').then(r=>r.json()).then(s=>{const q=new URLSearchParams(location.search);
$('botUrl').value=q.get('botUrl')||s.botUrl||'';$('botId').value=q.get('botId')||s.botId||'';$('env').value=q.get('environment')||s.environment||'draft';});
function add(l){const d=document.createElement('div');d.className='line '+(l.from==='consumer'?'consumer':l.kind==='private'?'bot private':l.from==='bot'?'bot':l.kind==='problem'?'problem':'system');
d.dataset.kind=l.kind;const s=document.createElement('span');s.textContent=(l.kind==='private'?'[private, agents only] ':'')+l.text;d.appendChild(s);
if(l.kind==='quickReplies'){const q=document.createElement('div');q.className='qr';for(const t of l.replies||[]){const b=document.createElement('button');b.type='button';b.textContent=t;b.onclick=()=>say(t);q.appendChild(b);}d.appendChild(q);}
$('log').appendChild(d);$('log').scrollTop=1e9;}
function setState(c){$('status').textContent=c?c.status:'';const open=c&&c.status==='open';$('text').disabled=!open;$('sendBtn').disabled=!open;if(open)$('text').focus();}
async function post(url,body){const r=await fetch(url,{method:'POST',headers:{'content-type':'application/json'},body:JSON.stringify(body)});return r.json();}
$('start').onclick=async()=>{$('log').textContent='';$('status').textContent='starting…';
const r=await post('/thirdpartybots/conversations',{botUrl:$('botUrl').value,botId:$('botId').value,environment:$('env').value});
if(!r.conversation){add({from:'system',kind:'problem',text:r.message||'could not start'});setState(null);return;}
conv=r.conversation.conversationId;for(const l of r.conversation.transcript)add(l);setState(r.conversation);};
async function say(t){if(!conv)return;const r=await post('/thirdpartybots/conversations/'+conv+'/messages',{text:t});
if(r.conversation){const log=r.conversation.transcript;const shown=$('log').children.length;for(const l of log.slice(shown))add(l);setState(r.conversation);}else add({from:'system',kind:'problem',text:r.message});}
$('send').onsubmit=(e)=>{e.preventDefault();const t=$('text').value.trim();if(t){$('text').value='';say(t);}};
</script></body></html>`;
