/**
 * LivePerson API emulator: one HTTP port on 127.0.0.1 serves CSDS, Login Service, Sentinel, the mTLS
 * gateway, Conversation Orchestrator, Connect-to-Messaging and a protected echo API, following
 * the project's LivePerson API reference notes. Each route has an id (see ROUTE_IDS) for call counts and
 * injected faults. A sample mutual-TLS target (HTTPS, client certificate required) runs beside it.
 *
 * Admin API on the same port: GET /__emulator/counts, POST /__emulator/faults {route, fault|null},
 * POST /__emulator/reset, GET /__emulator/health, GET /__emulator/ca.pem,
 * GET /__emulator/google-service-account.json (the key file of the Google service account it made).
 * Start page (start-page.ts): GET / lists the sample workflows and triggers the webhook ones.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';
import { DEFAULT_CONFIG, mergeConfig } from './config';
import type { DeepPartial, EmulatorConfig } from './config';
import type { Ctx, Route, ServiceModule } from './http';
import { BodyTooLarge, BadJson, isObject, readBody, sendEmpty, sendJson, sendText, sleep } from './http';
import { clientP12Base64, emulatorPki, preparePki } from './pki';
import { EmulatorState } from './state';
import { startMtlsTarget } from './mtls-target';
import { csdsRoutes } from './services/csds';
import { loginRoutes } from './services/login';
import { sentinelRoutes } from './services/sentinel';
import { ccsModule, coLoginRoutes } from './services/orchestrator';
import { messagingRoutes } from './services/messaging';
import { protectedRoutes } from './services/protected';
import { googleAccount, thirdPartyRoutes } from './services/third-party';
import { mtlsModule } from './services/mtls';
import { c2mModule } from './services/c2m';
import { handleStartPage } from './start-page';
import path from 'node:path';
import { webhooksModule } from './services/webhooks';
import { conversationBuilderModule } from './services/conversation-builder';
import { tpbModule } from './services/tpb';

export type { EmulatorConfig } from './config';
export { DEFAULT_CONFIG } from './config';

export interface Fault {
	status?: number;
	body?: string | object;
	contentType?: string;
	headers?: Record<string, string>;
	/** Seconds; sets Retry-After. */
	retryAfter?: number;
	delayMs?: number;
	/** Destroy the socket instead of answering. */
	reset?: boolean;
	/**
	 * With `status`: send the status line, headers (Content-Length of the whole body) and only the
	 * first N bytes of the body, then destroy the socket (a connection reset mid-response).
	 */
	resetAfterBytes?: number;
	/** Apply to the next N calls of the route, then clear. Default: until cleared. */
	times?: number;
	/** Let the next N calls through normally first (e.g. an outage that starts during a run). */
	skip?: number;
}

export interface Emulator {
	/** 'http://127.0.0.1:PORT' */
	url: string;
	/** '127.0.0.1:PORT', the baseURI CSDS returns for every service. */
	hostPort: string;
	config: EmulatorConfig;
	/** Route id -> calls (a call counts even when a fault answers it). */
	counts(): Record<string, number>;
	count(route: string): number;
	setFault(route: string, fault: Fault | null): void;
	/**
	 * Every secret this emulator issued since it started (Login Service bearers, Session_id cookies,
	 * csrf tokens, Sentinel and CO v2 JWTs), kept across reset(): for secret scanners in tests.
	 */
	issuedTokens(): string[];
	/** Clears counts, faults, issued tokens, and the in-memory stores (back to the configured state). */
	reset(): void;
	close(): Promise<void>;
	mtlsTarget: { url: string; handshakes(): number; requests(): number };
	/** The client_email of the Google service account /google/token accepts. */
	googleClientEmail: string;
}

export interface StartOptions {
	port?: number;
	/**
	 * Serve HTTPS instead of HTTP (certificate for 127.0.0.1/localhost issued by the emulator CA, see
	 * getEmulatorPki()), for clients that always build `https://{baseURI}`. Default false: the
	 * contract's 'http://127.0.0.1:PORT'.
	 */
	https?: boolean;
	config?: Partial<EmulatorConfig> | DeepPartial<EmulatorConfig>;
	/**
	 * A Google service-account key file (JSON text) whose assertions POST /google/token accepts (only
	 * client_email and the public half of the key are kept). Without it the emulator makes an account at
	 * start and serves its key file at GET /__emulator/google-service-account.json.
	 */
	googleServiceAccountJson?: string;
	/**
	 * The n8n the start page (GET /) lists the samples for and calls their webhooks on. Default
	 * LP_EMULATOR_N8N_URL or http://127.0.0.1:5678; examples from the repository's examples/.
	 */
	startPage?: { n8nUrl?: string; examplesDir?: string; requestsFile?: string };
}

export type { ServiceModule } from './http';

export const ROUTE_IDS = [
	'csds.all',
	'csds.one',
	'login.login',
	'login.refresh',
	'login.logout',
	'sentinel.token',
	'sentinel.jwks',
	'mtls.mapping',
	'mtls.checkMappings',
	'mtls.forward',
	'mtls.certificates.list',
	'mtls.certificates.upload',
	'mtls.certificates.delete',
	'mtls.certificates.activate',
	'mtls.mapping.create',
	'mtls.mapping.list',
	'co.v2.login',
	'co.ccs.v1',
	'co.ccs.v2',
	'co.nextActions.v1',
	'co.nextActions.v2',
	'c2m.eligibility',
	'c2m.invite',
	'msgHist.search',
	'msgHist.conversation',
	'leDataReporting.queueHealth',
	'protected.echo',
] as const;

/** The test CA certificate (PEM, public) that issued the sample mTLS target's server certificate. */
export function getEmulatorPki(): string {
	return emulatorPki().caPem;
}

/**
 * The client identity "sandbox-client-cert" the default mappings use (generated in memory at start,
 * never written anywhere), e.g. to call the sample target directly or to test PKCS#12 loading.
 */
export function getEmulatorClientIdentity(p12Password = 'sandbox-p12-password') {
	const { client } = emulatorPki();
	return { certPem: client.certPem, keyPem: client.keyPem, subject: client.subject, p12Base64: clientP12Base64(p12Password), p12Password };
}

type ModuleFactory = (state: EmulatorState) => ServiceModule | Route[];

/** Route modules in matching order (overlapping paths: the earlier module wins). */
const MODULES: ModuleFactory[] = [csdsRoutes, loginRoutes, sentinelRoutes, coLoginRoutes, mtlsModule, ccsModule, c2mModule, messagingRoutes, protectedRoutes, thirdPartyRoutes, webhooksModule, conversationBuilderModule, tpbModule];

export async function startEmulator(opts: StartOptions = {}): Promise<Emulator> {
	const config = mergeConfig(DEFAULT_CONFIG, opts.config);
	const state = new EmulatorState(config);
	state.googleAccount = googleAccount(opts.googleServiceAccountJson);
	await preparePki(); // keys and certificates before the first request
	const target = await startMtlsTarget();
	state.mtlsTargetUrl = target.url;

	const modules: ServiceModule[] = MODULES.map((f) => {
		const m = f(state);
		return Array.isArray(m) ? { routes: m } : m;
	});
	const routes: Route[] = modules.flatMap((m) => m.routes);

	const counts = new Map<string, number>();
	const faults = new Map<string, Fault>();
	const knownRoutes = new Set<string>([...ROUTE_IDS, ...routes.map((r) => r.id)]);

	const setFault = (route: string, fault: Fault | null) => {
		if (!knownRoutes.has(route)) throw new Error(`unknown route id "${route}"; known: ${[...knownRoutes].join(', ')}`);
		if (fault === null) faults.delete(route);
		else faults.set(route, { ...fault });
	};
	const reset = () => {
		counts.clear();
		faults.clear();
		state.resetTokens();
		for (const m of modules) m.reset?.();
		target.resetCounts();
	};
	const countsObj = () => Object.fromEntries(counts);
	const startPage = {
		n8nUrl: opts.startPage?.n8nUrl ?? process.env.LP_EMULATOR_N8N_URL ?? 'http://127.0.0.1:5678',
		examplesDir: opts.startPage?.examplesDir ?? path.join(__dirname, '..', '..', 'examples'),
		requestsFile: opts.startPage?.requestsFile ?? path.join(__dirname, '..', 'samples', 'webhook-requests.json'),
	};

	/** Applies a fault; true when the fault answered (or dropped) the request. */
	const applyFault = async (ctx: Ctx, routeId: string): Promise<boolean> => {
		const fault = faults.get(routeId);
		if (!fault) return false;
		if (fault.skip) {
			fault.skip -= 1;
			return false;
		}
		if (fault.times !== undefined) {
			if (fault.times <= 1) faults.delete(routeId);
			else fault.times -= 1;
		}
		if (fault.delayMs) await sleep(fault.delayMs);
		if (fault.reset) {
			ctx.req.socket.destroy();
			return true;
		}
		if (fault.status === undefined) return false; // delay only: then handle normally
		const headers: Record<string, string> = { ...(fault.headers ?? {}) };
		if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter);
		let text: string;
		let type: string;
		if (fault.body === undefined) {
			text = JSON.stringify({ error: 'emulated fault', status: fault.status });
			type = 'application/json; charset=utf-8';
		} else if (typeof fault.body === 'string') {
			text = fault.body;
			type = 'text/plain; charset=utf-8';
		} else {
			text = JSON.stringify(fault.body);
			type = 'application/json; charset=utf-8';
		}
		ctx.res.writeHead(fault.status, { 'content-type': fault.contentType ?? type, 'content-length': Buffer.byteLength(text), ...headers });
		if (fault.resetAfterBytes !== undefined) {
			const part = Buffer.from(text).subarray(0, Math.max(0, fault.resetAfterBytes));
			ctx.res.flushHeaders();
			ctx.res.write(part, () => setTimeout(() => ctx.req.socket.destroy(), 20));
			return true;
		}
		ctx.res.end(text);
		return true;
	};

	const admin = async (ctx: Ctx): Promise<void> => {
		const p = ctx.path;
		if (p === '/__emulator/health' && ctx.method === 'GET') {
			return sendJson(ctx, 200, { ok: true, url: state.url, hostPort: state.hostPort, accountId: config.accountId, mtlsTargetUrl: target.url });
		}
		if (p === '/__emulator/counts' && ctx.method === 'GET') return sendJson(ctx, 200, countsObj());
		if (p === '/__emulator/ca.pem' && ctx.method === 'GET') return sendText(ctx, 200, emulatorPki().caPem, 'application/x-pem-file');
		if (p === '/__emulator/google-service-account.json' && ctx.method === 'GET') {
			const keyFile = state.googleAccount.keyFile;
			if (!keyFile) return sendJson(ctx, 404, { message: 'the emulator was given its Google service account (LP_EMULATOR_GOOGLE_SA_FILE): use that key file' });
			return sendJson(ctx, 200, { ...keyFile, token_uri: `${state.url}/google/token` });
		}
		if (p === '/__emulator/reset' && ctx.method === 'POST') {
			reset();
			return sendEmpty(ctx, 204);
		}
		if (p === '/__emulator/faults' && ctx.method === 'POST') {
			let body: unknown;
			try {
				body = JSON.parse(ctx.body.toString('utf8'));
			} catch {
				return sendJson(ctx, 400, { message: 'body must be JSON {route, fault|null}' });
			}
			if (!isObject(body) || typeof body.route !== 'string' || !('fault' in body) || !(body.fault === null || isObject(body.fault))) {
				return sendJson(ctx, 400, { message: 'body must be JSON {route, fault|null}' });
			}
			try {
				setFault(body.route, body.fault as Fault | null);
			} catch (e) {
				return sendJson(ctx, 400, { message: (e as Error).message });
			}
			return sendJson(ctx, 200, { ok: true, route: body.route, fault: body.fault });
		}
		return sendJson(ctx, 404, { message: `No emulator admin route ${ctx.method} ${p}` });
	};

	const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
		const url = new URL(req.url ?? '/', 'http://127.0.0.1');
		let body: Buffer;
		try {
			body = await readBody(req);
		} catch (e) {
			if (e instanceof BodyTooLarge && !res.headersSent) sendJson({ res }, 413, { message: e.message });
			return;
		}
		const segments = url.pathname.split('/').filter(Boolean).map(safeDecode);
		const ctx: Ctx = {
			req,
			res,
			method: (req.method ?? 'GET').toUpperCase(),
			url,
			path: url.pathname,
			segments,
			query: url.searchParams,
			body,
			params: [],
			header: (name) => {
				const v = req.headers[name.toLowerCase()];
				return Array.isArray(v) ? v.join(', ') : v;
			},
		};
		if (await handleStartPage(ctx, startPage)) return;
		if (ctx.path.startsWith('/__emulator/')) return admin(ctx);
		let pathMatched = false;
		for (const route of routes) {
			const m = route.pattern.exec(ctx.path);
			if (!m) continue;
			pathMatched = true;
			if (route.methods !== '*' && !route.methods.includes(ctx.method)) continue;
			ctx.params = m.slice(1).map((g) => (g === undefined ? '' : safeDecode(g)));
			counts.set(route.id, (counts.get(route.id) ?? 0) + 1);
			if (await applyFault(ctx, route.id)) return;
			try {
				await route.handler(ctx);
			} catch (e) {
				if (e instanceof BadJson) {
					if (!res.headersSent) sendJson(ctx, 400, { message: e.message });
					return;
				}
				if (!res.headersSent) sendJson(ctx, 500, { message: 'emulator internal error', detail: (e as Error).message });
				else res.destroy();
			}
			return;
		}
		if (pathMatched) return sendJson(ctx, 405, { message: `Method ${ctx.method} not allowed on ${ctx.path}` });
		sendJson(ctx, 404, { message: `No emulated LivePerson route for ${ctx.method} ${ctx.path}` });
	};

	const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
		handle(req, res).catch(() => {
			if (!res.headersSent) sendJson({ res }, 500, { message: 'emulator internal error' });
		});
	};
	const pki = emulatorPki();
	const server = opts.https
		? https.createServer({ key: pki.server.keyPem, cert: pki.server.certPem }, listener)
		: http.createServer(listener);
	const sockets = new Set<Socket>();
	server.on('connection', (s) => {
		sockets.add(s);
		s.on('close', () => sockets.delete(s));
	});
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
	});
	const { port } = server.address() as AddressInfo;
	state.hostPort = `127.0.0.1:${port}`;
	state.url = `${opts.https ? 'https' : 'http'}://${state.hostPort}`;

	let closed = false;
	return {
		url: state.url,
		hostPort: state.hostPort,
		config,
		counts: countsObj,
		count: (route) => counts.get(route) ?? 0,
		setFault,
		issuedTokens: () => [...state.issued],
		googleClientEmail: state.googleAccount.clientEmail,
		reset,
		close: async () => {
			if (closed) return;
			closed = true;
			for (const m of modules) m.close?.();
			await Promise.all([
				new Promise<void>((resolve) => {
					server.close(() => resolve());
					for (const s of sockets) s.destroy();
				}),
				target.close(),
			]);
		},
		mtlsTarget: { url: target.url, handshakes: target.handshakes, requests: target.requests },
	};
}

function safeDecode(s: string): string {
	try {
		return decodeURIComponent(s);
	} catch {
		return s;
	}
}
