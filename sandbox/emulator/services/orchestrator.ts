/**
 * Conversation Orchestrator (reference §4): v2 login, Conversation Context Service v1 (maven-api-key)
 * and v2 (access token), Next Actions v1/v2. All data lives in memory.
 */
import type { Ctx, Route, ServiceModule } from '../http';
import { basicCredentials, bearerToken, isObject, jsonBody, sendEmpty, sendJson } from '../http';
import type { EmulatorState } from '../state';

export function coLoginRoutes(state: EmulatorState): Route[] {
	return [
		{
			id: 'co.v2.login',
			// The docs do not state the method; POST is the likely one, GET is accepted too.
			methods: ['POST', 'GET'],
			pattern: /^\/v2\/authenticate\/login$/,
			handler: async (ctx: Ctx) => {
				const basic = basicCredentials(ctx.header('authorization'));
				const c = state.config.orchestrator.v2;
				if (!basic || basic.user !== c.userId || basic.password !== c.password) {
					return sendJson(ctx, 401, { message: 'Unauthorized' }, { 'www-authenticate': 'Basic realm="conversation-orchestrator"' });
				}
				const lifetime = state.config.lifetimes.coTokenLifetime;
				const token = await state.issueJwt('co', basic.user, lifetime, { token_use: 'id', accountId: state.config.accountId });
				// The real response field names are NOT documented (the docs only say "returns 200 ok with
				// the OAuth2.0 secure token"). The emulator uses OAuth2 token-response names.
				sendJson(ctx, 200, { access_token: token, token_type: 'Bearer', expires_in: lifetime });
			},
		},
	];
}

/** CO v2 token from `?access_token=` or `Authorization: Bearer`. Answers 403 when missing/invalid/expired. */
export async function requireCoToken(state: EmulatorState, ctx: Ctx): Promise<boolean> {
	const token = ctx.query.get('access_token') ?? bearerToken(ctx.header('authorization'));
	const r = await state.checkBearer(token ?? undefined, ['co']);
	if (r.ok) return true;
	// The docs tell callers to log in again on 403, so an unknown or expired token gives 403.
	sendJson(ctx, 403, { message: r.reason === 'expired' ? 'Token expired' : 'Forbidden' });
	return false;
}

// ---- Conversation Context Service (v1 and v2 share one store) -----------------------------------

/** Built-in namespaces: they exist without being created and cannot be created or deleted. */
export const RESERVED_NAMESPACES = ['consumer', 'operational', 'conversation', 'faas', 'custom', 'sde'];
const NAME_RE = /^[A-Za-z0-9_]+$/;
const DEFAULT_SESSION = '__default__';
/** v2: 13 months maximum retention (395 days). */
const MAX_TTL_SECONDS = 395 * 24 * 60 * 60;
/** v2 ("newer page"): 413 above 800,000 characters. */
const MAX_DOCUMENT_CHARS = 800_000;

interface CcsSession {
	props: Record<string, unknown>;
	expiresAt?: number;
}

interface CcsNamespace {
	name: string;
	createdAt: string;
	ttlSecond?: number;
	sessions: Map<string, CcsSession>;
}

function notFound(ctx: Ctx, message: string) {
	sendJson(ctx, 404, { message });
}

function badRequest(ctx: Ctx, message: string) {
	sendJson(ctx, 400, { message });
}

export function ccsModule(state: EmulatorState): ServiceModule {
	const namespaces = new Map<string, CcsNamespace>();

	const reset = () => namespaces.clear();

	/** The namespace, creating a reserved one on first use; undefined when it does not exist. */
	const ns = (name: string, create = false): CcsNamespace | undefined => {
		let n = namespaces.get(name);
		if (!n && (create || RESERVED_NAMESPACES.includes(name))) {
			n = { name, createdAt: new Date().toISOString(), sessions: new Map() };
			namespaces.set(name, n);
		}
		return n;
	};

	const liveSession = (n: CcsNamespace, id: string): CcsSession | undefined => {
		const s = n.sessions.get(id);
		if (s && s.expiresAt !== undefined && Date.now() >= s.expiresAt) {
			n.sessions.delete(id);
			return undefined;
		}
		return s;
	};

	const writableSession = (n: CcsNamespace, id: string, ttlSeconds?: number): CcsSession => {
		let s = liveSession(n, id);
		if (!s) {
			s = { props: {} };
			n.sessions.set(id, s);
		}
		const ttl = ttlSeconds ?? n.ttlSecond;
		if (ttl !== undefined && ttl > 0) s.expiresAt = Date.now() + ttl * 1000;
		return s;
	};

	const paging = (ctx: Ctx) => {
		const page = Math.max(0, Number(ctx.query.get('page') ?? 0) || 0);
		const perPage = Math.min(1000, Math.max(1, Number(ctx.query.get('perPage') ?? 100) || 100));
		return { start: page * perPage, end: page * perPage + perPage };
	};

	const ttlParam = (ctx: Ctx): number | undefined | 'bad' => {
		const raw = ctx.query.get('ttlSecond');
		if (raw === null) return undefined;
		const n = Number(raw);
		return Number.isInteger(n) && n > 0 ? n : 'bad';
	};

	const v1Auth = (ctx: Ctx, acc: string): boolean => {
		const key = ctx.header('maven-api-key');
		if (!key || key !== state.config.orchestrator.apiKey || !state.knownAccount(acc)) {
			sendJson(ctx, 401, { message: 'Unauthorized: a valid maven-api-key for this account is required' });
			return false;
		}
		return true;
	};

	const v1 = async (ctx: Ctx) => {
		const acc = ctx.segments[2];
		if (!v1Auth(ctx, acc)) return;
		const rest = ctx.segments.slice(3);
		const m = ctx.method;
		const body = () => jsonBody(ctx);

		if (rest.length === 0) {
			if (m === 'GET') return sendJson(ctx, 200, [...namespaces.values()].map((n) => ({ name: n.name, createdAt: n.createdAt })));
			if (m === 'POST') {
				const b = body();
				if (!isObject(b) || typeof b.name !== 'string' || !NAME_RE.test(b.name)) {
					return badRequest(ctx, 'Body must be {"name": "<namespace>"} with letters, digits and _ only');
				}
				if (RESERVED_NAMESPACES.includes(b.name)) return badRequest(ctx, `"${b.name}" is a reserved namespace`);
				const ttl = ttlParam(ctx);
				if (ttl === 'bad') return badRequest(ctx, 'ttlSecond must be a positive integer');
				// Creating an existing namespace is not documented; the emulator treats it as idempotent.
				const n = ns(b.name, true) as CcsNamespace;
				if (ttl !== undefined) n.ttlSecond = ttl;
				return sendEmpty(ctx, 204);
			}
			return sendJson(ctx, 405, { message: `Method ${m} not allowed` });
		}
		if (rest[0] === 'namespace' && rest.length === 3 && rest[2] === 'session' && m === 'POST') {
			const n = ns(rest[1]);
			if (!n) return notFound(ctx, `Namespace "${rest[1]}" not found`);
			const ttl = ttlParam(ctx);
			if (ttl === 'bad' || ttl === undefined) return badRequest(ctx, 'ttlSecond must be a positive integer');
			const b = body();
			if (!isObject(b) || typeof b.sessionId !== 'string' || !b.sessionId) return badRequest(ctx, 'Body must be {"sessionId": "..."}');
			writableSession(n, b.sessionId, ttl);
			return sendEmpty(ctx, 204);
		}
		const n = ns(rest[0]);
		if (rest.length === 1) {
			if (m !== 'DELETE') return sendJson(ctx, 405, { message: `Method ${m} not allowed` });
			if (!n || RESERVED_NAMESPACES.includes(rest[0])) return notFound(ctx, `Namespace "${rest[0]}" not found`);
			namespaces.delete(rest[0]);
			return sendEmpty(ctx, 204);
		}
		if (!n) return notFound(ctx, `Namespace "${rest[0]}" not found`);

		if (rest.length === 2 && rest[1] === 'session-ids' && m === 'GET') {
			const ids = [...n.sessions.keys()].filter((id) => liveSession(n, id));
			const { start, end } = paging(ctx);
			return sendJson(ctx, 200, ids.slice(start, end));
		}
		if (rest.length === 2 && rest[1] === 'session-properties' && m === 'GET') {
			const ids = [...n.sessions.keys()].filter((id) => liveSession(n, id));
			const { start, end } = paging(ctx);
			return sendJson(
				ctx,
				200,
				ids.slice(start, end).map((id) => ({ sessionId: id, property: (n.sessions.get(id) as CcsSession).props })),
			);
		}
		// [ns, 'properties'(, p)] is namespace level (session __default__); [ns, s, 'properties'(, p)] is a session.
		let sessionId: string;
		let prop: string | undefined;
		if (rest[1] === 'properties' && rest.length <= 3) {
			sessionId = DEFAULT_SESSION;
			prop = rest[2];
		} else if (rest.length >= 3 && rest.length <= 4 && rest[2] === 'properties') {
			sessionId = rest[1];
			prop = rest[3];
		} else {
			return notFound(ctx, `No CCS v1 route ${m} ${ctx.path}`);
		}
		if (m === 'GET') {
			const s = liveSession(n, sessionId);
			if (prop === undefined) return sendJson(ctx, 200, s ? s.props : {});
			// A missing property is not documented; the emulator answers 404.
			if (!s || !(prop in s.props)) return notFound(ctx, `Property "${prop}" not found`);
			return sendJson(ctx, 200, s.props[prop]);
		}
		if (m === 'PATCH' && prop === undefined) {
			const b = body();
			if (!isObject(b)) return badRequest(ctx, 'Body must be a JSON object of properties');
			Object.assign(writableSession(n, sessionId).props, b);
			return sendEmpty(ctx, 204);
		}
		if (m === 'PUT' && prop !== undefined) {
			if (ctx.body.length === 0) return badRequest(ctx, 'Body must be a JSON value');
			writableSession(n, sessionId).props[prop] = body();
			return sendEmpty(ctx, 204);
		}
		if (m === 'DELETE') {
			const s = liveSession(n, sessionId);
			if (prop === undefined) n.sessions.delete(sessionId);
			else if (s) delete s.props[prop];
			return sendEmpty(ctx, 204);
		}
		return sendJson(ctx, 405, { message: `Method ${m} not allowed on ${ctx.path}` });
	};

	// ---- v2 ----
	const docKey = (acc: string, nsName: string, sessionId: string) => `${acc}:${nsName}:${sessionId}`;

	interface V2Target {
		acc: string;
		nsName: string;
		sessionId: string;
	}

	/** accountId/nameSpace/sessionId from a v2 body; answers 400/401 and gives undefined when invalid. */
	const v2Target = (ctx: Ctx, b: unknown): (V2Target & { body: Record<string, unknown> }) | undefined => {
		if (!isObject(b)) return void badRequest(ctx, 'Body must be a JSON object');
		if (typeof b.accountId !== 'string' || !b.accountId) return void badRequest(ctx, 'accountId is required');
		if (typeof b.nameSpace !== 'string' || !NAME_RE.test(b.nameSpace)) {
			return void badRequest(ctx, 'nameSpace is required (letters, digits and _ only)');
		}
		if (b.sessionId !== undefined && (typeof b.sessionId !== 'string' || !b.sessionId)) return void badRequest(ctx, 'sessionId must be a non-empty string');
		if (!state.knownAccount(b.accountId)) return void sendJson(ctx, 401, { message: `Unknown account ${b.accountId}` });
		return { acc: b.accountId, nsName: b.nameSpace, sessionId: (b.sessionId as string | undefined) ?? DEFAULT_SESSION, body: b };
	};

	const getPath = (obj: unknown, path: string[]): { found: boolean; value?: unknown } => {
		let cur: unknown = obj;
		for (const p of path) {
			if (!isObject(cur) || !(p in cur)) return { found: false };
			cur = cur[p];
		}
		return { found: true, value: cur };
	};

	const v2 = async (ctx: Ctx) => {
		if (!(await requireCoToken(state, ctx))) return;
		const rest = ctx.segments.slice(3); // after v2/context/document
		const m = ctx.method;
		if (m === 'POST' && rest.length === 1 && rest[0] === 'create') {
			const t = v2Target(ctx, jsonBody(ctx));
			if (!t) return;
			const { payload, ttlSeconds } = t.body;
			if (!isObject(payload)) return badRequest(ctx, 'payload must be a JSON object');
			if (ttlSeconds !== undefined && (typeof ttlSeconds !== 'number' || !Number.isInteger(ttlSeconds) || ttlSeconds <= 0 || ttlSeconds > MAX_TTL_SECONDS)) {
				return badRequest(ctx, `ttlSeconds must be an integer from 1 to ${MAX_TTL_SECONDS} (13 months)`);
			}
			const n = ns(t.nsName, true) as CcsNamespace;
			const existing = liveSession(n, t.sessionId);
			// Creating over an existing document merges the payload (v1 PATCH semantics, which CCS maps to v2).
			const merged = { ...(existing?.props ?? {}), ...payload };
			if (JSON.stringify(merged).length > MAX_DOCUMENT_CHARS) return sendJson(ctx, 413, { message: 'document too large' });
			const s = writableSession(n, t.sessionId, ttlSeconds as number | undefined);
			s.props = merged;
			return sendJson(ctx, 201, { documentKey: docKey(t.acc, t.nsName, t.sessionId), tenantId: t.acc, success: true });
		}
		if (m === 'POST' && rest.length === 1 && rest[0] === 'properties') {
			const t = v2Target(ctx, jsonBody(ctx));
			if (!t) return;
			const filter = t.body.filter;
			if (!Array.isArray(filter) || !filter.every((f) => typeof f === 'string')) return badRequest(ctx, 'filter must be an array of "namespace.property" strings');
			const n = ns(t.nsName);
			const s = n ? liveSession(n, t.sessionId) : undefined;
			if (!s) return notFound(ctx, `Document ${docKey(t.acc, t.nsName, t.sessionId)} not found`);
			const out: Record<string, unknown> = {};
			for (const f of filter as string[]) {
				const path = f.startsWith(`${t.nsName}.`) ? f.slice(t.nsName.length + 1).split('.') : f.split('.');
				const r = getPath(s.props, path);
				if (r.found) out[f] = r.value;
			}
			return sendJson(ctx, 200, out);
		}
		// The table says /property/delete, the doc's curl example /delete: both are accepted.
		if (m === 'DELETE' && ((rest.length === 2 && rest[0] === 'property' && rest[1] === 'delete') || (rest.length === 1 && rest[0] === 'delete'))) {
			const t = v2Target(ctx, jsonBody(ctx));
			if (!t) return;
			const toDelete = t.body.propertyToDelete;
			if (toDelete !== undefined && (!Array.isArray(toDelete) || !toDelete.every((p) => typeof p === 'string'))) {
				return badRequest(ctx, 'propertyToDelete must be an array of property names');
			}
			const n = ns(t.nsName);
			const s = n ? liveSession(n, t.sessionId) : undefined;
			if (!n || !s) return notFound(ctx, `Document ${docKey(t.acc, t.nsName, t.sessionId)} not found`);
			if (toDelete === undefined) n.sessions.delete(t.sessionId);
			else for (const p of toDelete as string[]) delete s.props[p.startsWith(`${t.nsName}.`) ? p.slice(t.nsName.length + 1) : p];
			return sendJson(ctx, 200, { documentKey: docKey(t.acc, t.nsName, t.sessionId), tenantId: t.acc, success: true });
		}
		if (m === 'GET' && (rest.length === 2 || rest.length === 3)) {
			const [acc, nsName, sessionId = DEFAULT_SESSION] = rest;
			if (!state.knownAccount(acc)) return sendJson(ctx, 401, { message: `Unknown account ${acc}` });
			const n = ns(nsName);
			const s = n ? liveSession(n, sessionId) : undefined;
			if (!s) return notFound(ctx, `Document ${docKey(acc, nsName, sessionId)} not found`);
			return sendJson(ctx, 200, {
				accountId: acc,
				documentKey: docKey(acc, nsName, sessionId),
				documentType: 'CONTEXT',
				nameSpace: nsName,
				payload: s.props,
				sessionId,
				tenantId: acc,
				ttl: new Date(s.expiresAt ?? Date.now() + MAX_TTL_SECONDS * 1000).toISOString(),
			});
		}
		return notFound(ctx, `No CCS v2 route ${m} ${ctx.path}`);
	};

	const routes: Route[] = [
		{
			id: 'co.nextActions.v1',
			methods: ['GET'],
			pattern: /^\/v1\/account\/([^/]+)\/next-actions$/,
			handler: (ctx) => {
				const [acc] = ctx.params;
				if (!v1Auth(ctx, acc)) return;
				sendJson(ctx, 200, state.config.nextActions.v1);
			},
		},
		{
			id: 'co.nextActions.v2',
			methods: ['POST'],
			pattern: /^\/v2\/policy\/nextaction$/,
			handler: async (ctx) => {
				if (!(await requireCoToken(state, ctx))) return;
				const b = jsonBody(ctx);
				if (!isObject(b) || typeof b.accountId !== 'string') return badRequest(ctx, 'accountId is required');
				if (!state.knownAccount(b.accountId)) return sendJson(ctx, 401, { message: `Unknown account ${b.accountId}` });
				sendJson(ctx, 200, state.config.nextActions.v2);
			},
		},
		{ id: 'co.ccs.v1', methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], pattern: /^\/v1\/account\/([^/]+)(?:\/.*)?$/, handler: v1 },
		{ id: 'co.ccs.v2', methods: ['GET', 'POST', 'DELETE'], pattern: /^\/v2\/context\/document\/.+$/, handler: v2 },
	];
	return { routes, reset };
}
