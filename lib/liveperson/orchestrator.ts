/**
 * Conversation Orchestrator (formerly Maven) APIs, reference §4 and seed 004: Conversation Context
 * Service (CCS) v1 and v2, Next Actions v1 and v2. Authentication (v1 `maven-api-key`, v2 login with
 * one re-login on 403) is lib/liveperson/orchestrator-auth.ts; this module builds the requests and
 * reads the answers (pure, oauth4webapi style), and `OrchestratorClient` runs them.
 *
 * v2 token passing: the docs' text says "in the authorization header" but every example uses
 * `?access_token=<token>`: the query parameter is the default, the header an option. A URL carrying
 * the token is only ever printed through `safeUrl()` (transport does that), and the token is in every
 * request's `secrets` so no quoted answer can show it.
 *
 * Hosts: per method page (`orchestratorApiHost`): CCS v2 on `https://z{n}.ccs.liveperson.net`, CCS v1
 * and Next Actions v2 on `https://z{n}.context.liveperson.net`, Next Actions v1 on
 * `https://z{n}.askmaven.liveperson.net`. A custom host serves all; the credential's API Host overrides.
 */
import { inputError, LpError } from '../errors';
import type { AuthStrategy } from '../http/types';
import { HttpResponse, parseJsonBody, send, statusError, bodySnippet } from '../http';
import { validateAccountId } from './csds';
import {
	CO_SERVICE,
	CO_V1_DEPRECATION_NOTICE,
	getOrchestratorToken,
	invalidateOrchestratorToken,
	orchestratorApiHost,
	orchestratorPolicy,
	orchestratorStrategy,
	tokenRefusedAgain,
	type ConversationOrchestratorCredentials,
	type OrchestratorOptions,
	type TokenPlacement,
} from './orchestrator-auth';
import { fieldText } from '../text';
import { pathSegment } from '../net/url-path';

export type { TokenPlacement };

/** Documented (newer CCS page): documents above 800,000 characters are refused with 413. */
export const MAX_DOCUMENT_CHARS = 800_000;
/** v2 enforces TTL with a 13-month maximum retention; 395 days is a conservative reading of "13 months". */
export const MAX_TTL_SECONDS = 395 * 24 * 3600;
export const RESERVED_NAMESPACES = ['consumer', 'operational', 'conversation', 'faas', 'custom', 'sde'] as const;
/** Session used by Conversation Builder / FaaS when none is given. */
export const DEFAULT_SESSION = '__default__';

const NAMESPACE = /^[A-Za-z0-9_]{1,100}$/;

export interface PreparedRequest {
	url: string;
	method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
	headers: Record<string, string>;
	body?: string;
	secrets: string[];
}

const trimBase = (host: string) => host.replace(/\/+$/, '');
/** A user value as one path segment ("." / ".." in any spelling refused: lib/net/url-path.ts). */
const segment = (value: string, field = 'sessionId', label = 'Session ID') => pathSegment(value, field, label);

export function validateNamespace(value: unknown, field = 'namespace'): string {
	const text = fieldText(value).trim();
	if (!text) throw inputError(field, 'Namespace is empty', 'Enter a namespace name (letters, digits and underscore).', 'CCS_NAMESPACE_EMPTY');
	if (!NAMESPACE.test(text)) {
		throw inputError(field, `Namespace "${text.slice(0, 40)}" is not valid: only letters, digits and underscore ([A-Za-z0-9_]) are allowed`, undefined, 'CCS_NAMESPACE_INVALID');
	}
	return text;
}

function validateName(value: unknown, field: string, label: string): string {
	const text = fieldText(value).trim();
	if (!text) throw inputError(field, `${label} is empty`, undefined, 'CCS_FIELD_EMPTY');
	if (text.length > 512 || /[\u0000-\u001f\u007f]/.test(text)) throw inputError(field, `${label} must be one line of at most 512 characters`, undefined, 'CCS_FIELD_INVALID');
	return text;
}

function optionalSession(value: unknown): string | undefined {
	const text = fieldText(value).trim();
	return text ? validateName(text, 'sessionId', 'Session ID') : undefined;
}

function ttlOf(value: unknown, field: string, required: boolean): number | undefined {
	if (value === undefined || value === null || value === '') {
		if (required) throw inputError(field, 'TTL is required', 'Enter the time to live in seconds.', 'CCS_TTL_EMPTY');
		return undefined;
	}
	const n = typeof value === 'number' ? value : Number(fieldText(value).trim());
	if (!Number.isInteger(n) || n <= 0) throw inputError(field, 'TTL must be a whole number of seconds above 0', undefined, 'CCS_TTL_INVALID');
	if (n > MAX_TTL_SECONDS) throw inputError(field, `TTL must be at most ${MAX_TTL_SECONDS} seconds (the documented maximum retention is 13 months)`, undefined, 'CCS_TTL_TOO_LONG');
	return n;
}

function jsonBody(value: unknown, field: string): string {
	let text: string | undefined;
	try {
		text = JSON.stringify(value);
	} catch {
		throw inputError(field, 'The value cannot be written as JSON', undefined, 'CCS_JSON');
	}
	if (text === undefined) throw inputError(field, 'The value is empty', undefined, 'CCS_JSON');
	if (text.length > MAX_DOCUMENT_CHARS) throw documentTooLarge(field, text.length);
	return text;
}

function documentTooLarge(field: string | undefined, size?: number, status?: number): LpError {
	return new LpError(status ? 'http' : 'input', `${CO_SERVICE}: document too large${size ? ` (${size} characters)` : ''}: the Context Service accepts at most ${MAX_DOCUMENT_CHARS} characters`, {
		field,
		status,
		code: 'CCS_DOCUMENT_TOO_LARGE',
		hint: 'Store less data per namespace / session, or split it over several properties or sessions.',
	});
}

function pageQuery(page: unknown, perPage: unknown): string {
	const p = page === undefined || page === '' ? 0 : Number(page);
	const pp = perPage === undefined || perPage === '' ? 100 : Number(perPage);
	if (!Number.isInteger(p) || p < 0) throw inputError('page', 'Page must be a whole number from 0', undefined, 'CCS_PAGE');
	if (!Number.isInteger(pp) || pp < 1 || pp > 1000) throw inputError('perPage', 'Per Page must be a whole number from 1 to 1000', undefined, 'CCS_PAGE');
	return `page=${p}&perPage=${pp}`;
}

const json = { 'content-type': 'application/json', accept: 'application/json' };

// ---------------------------------------------------------------------------------------------------
// CCS v1

export type CcsV1Operation =
	| { op: 'listNamespaces' }
	| { op: 'createNamespace'; namespace: string; ttlSeconds?: number | string }
	| { op: 'deleteNamespace'; namespace: string }
	| { op: 'setProperties'; namespace: string; sessionId?: string; properties: Record<string, unknown> }
	| { op: 'setProperty'; namespace: string; sessionId?: string; property: string; value: unknown }
	| { op: 'getProperties'; namespace: string; sessionId?: string; property?: string }
	| { op: 'deleteProperties'; namespace: string; sessionId?: string; property?: string }
	| { op: 'listSessionIds'; namespace: string; page?: number; perPage?: number }
	| { op: 'listSessionProperties'; namespace: string; page?: number; perPage?: number }
	| { op: 'setSessionTtl'; namespace: string; sessionId: string; ttlSeconds: number | string };

export function buildCcsV1Request(host: string, accountIdInput: string, operation: CcsV1Operation): PreparedRequest {
	const acc = encodeURIComponent(validateAccountId(accountIdInput));
	const root = `${trimBase(host)}/v1/account/${acc}`;
	const enc = (value: string) => segment(value, 'property', 'Property name');
	const nsPath = (ns: string, session?: string) => `${root}/${segment(validateNamespace(ns), 'namespace', 'Namespace')}${session ? `/${segment(session)}` : ''}`;
	switch (operation.op) {
		case 'listNamespaces':
			return { url: root, method: 'GET', headers: { accept: 'application/json' }, secrets: [] };
		case 'createNamespace': {
			const ns = validateNamespace(operation.namespace);
			if ((RESERVED_NAMESPACES as readonly string[]).includes(ns.toLowerCase())) {
				throw inputError('namespace', `Namespace "${ns}" is reserved`, `Reserved: ${RESERVED_NAMESPACES.join(', ')}.`, 'CCS_NAMESPACE_RESERVED');
			}
			const ttl = ttlOf(operation.ttlSeconds, 'ttlSeconds', false);
			return { url: `${root}${ttl !== undefined ? `?ttlSecond=${ttl}` : ''}`, method: 'POST', headers: json, body: JSON.stringify({ name: ns }), secrets: [] };
		}
		case 'deleteNamespace':
			return { url: nsPath(operation.namespace), method: 'DELETE', headers: { accept: 'application/json' }, secrets: [] };
		case 'setProperties': {
			const props = operation.properties;
			if (typeof props !== 'object' || props === null || Array.isArray(props) || Object.keys(props).length === 0) {
				throw inputError('properties', 'Properties must be a JSON object with at least one property', 'Example: {"intent": "billing", "score": 3}.', 'CCS_PROPERTIES');
			}
			return { url: `${nsPath(operation.namespace, optionalSession(operation.sessionId))}/properties`, method: 'PATCH', headers: json, body: jsonBody(props, 'properties'), secrets: [] };
		}
		case 'setProperty': {
			const property = validateName(operation.property, 'property', 'Property name');
			return {
				url: `${nsPath(operation.namespace, optionalSession(operation.sessionId))}/properties/${enc(property)}`,
				method: 'PUT',
				headers: json,
				body: jsonBody(operation.value === undefined ? null : operation.value, 'value'),
				secrets: [],
			};
		}
		case 'getProperties': {
			const property = fieldText(operation.property).trim() ? validateName(operation.property, 'property', 'Property name') : undefined;
			return {
				url: `${nsPath(operation.namespace, optionalSession(operation.sessionId))}/properties${property ? `/${enc(property)}` : ''}`,
				method: 'GET',
				headers: { accept: 'application/json' },
				secrets: [],
			};
		}
		case 'deleteProperties': {
			const session = optionalSession(operation.sessionId);
			const property = fieldText(operation.property).trim() ? validateName(operation.property, 'property', 'Property name') : undefined;
			// Documented: DELETE …/{ns}/{sessionId}/properties[/{p}] and DELETE …/{ns}/properties/{p}
			// (there is no "delete every namespace property" call: that is Delete Namespace).
			if (!session && !property) {
				throw inputError('property', 'Property name is required when no session is given', 'To remove the whole namespace use "Delete Namespace".', 'CCS_PROPERTY_REQUIRED');
			}
			return { url: `${nsPath(operation.namespace, session)}/properties${property ? `/${enc(property)}` : ''}`, method: 'DELETE', headers: { accept: 'application/json' }, secrets: [] };
		}
		case 'listSessionIds':
			return { url: `${nsPath(operation.namespace)}/session-ids?${pageQuery(operation.page, operation.perPage)}`, method: 'GET', headers: { accept: 'application/json' }, secrets: [] };
		case 'listSessionProperties':
			return { url: `${nsPath(operation.namespace)}/session-properties?${pageQuery(operation.page, operation.perPage)}`, method: 'GET', headers: { accept: 'application/json' }, secrets: [] };
		case 'setSessionTtl': {
			const ns = validateNamespace(operation.namespace);
			const sessionId = validateName(operation.sessionId, 'sessionId', 'Session ID');
			const ttl = ttlOf(operation.ttlSeconds, 'ttlSeconds', true) as number;
			return { url: `${root}/namespace/${segment(ns, 'namespace', 'Namespace')}/session?ttlSecond=${ttl}`, method: 'POST', headers: json, body: JSON.stringify({ sessionId }), secrets: [] };
		}
	}
}

function ccsStatusError(res: HttpResponse, secrets: string[], what: string, version: 'v1' | 'v2'): LpError {
	if (res.status === 413) return documentTooLarge(undefined, undefined, 413);
	if (res.status === 401 || (version === 'v1' && res.status === 403)) {
		return statusError(res, CO_SERVICE, secrets, version === 'v1' ? 'Check the v1 API key (Conversation Orchestrator → API Authorization; regenerating it invalidates the old one) and the region.' : 'Check the v2 user ID and password and the region.');
	}
	if (res.status === 404) return statusError(res, CO_SERVICE, secrets, `Not found: check the account ID, namespace${what.includes('session') ? ', session' : ''} and property names, and the region.`);
	return statusError(res, CO_SERVICE, secrets);
}

/** Reads a JSON answer; 204 / empty → `{success: true}`; a text answer is returned as text. */
function readAnswer(res: HttpResponse, secrets: string[]): unknown {
	const text = res.body.toString('utf8');
	if (res.status === 204 || !text.trim()) return { success: true };
	try {
		return JSON.parse(text);
	} catch {
		return parseJsonBody(res, CO_SERVICE, secrets);
	}
}

export function processCcsV1Response(res: HttpResponse, operation: CcsV1Operation, secrets: string[] = []): unknown {
	if (res.status < 200 || res.status > 299) throw ccsStatusError(res, secrets, operation.op, 'v1');
	return readAnswer(res, secrets);
}

// ---------------------------------------------------------------------------------------------------
// CCS v2

export type CcsV2Operation =
	| { op: 'create'; accountId: string; namespace: string; sessionId?: string; ttlSeconds: number | string; payload: Record<string, unknown> }
	| { op: 'get'; accountId: string; namespace: string; sessionId?: string }
	| { op: 'getProperties'; accountId: string; namespace: string; sessionId?: string; filter: string[] }
	| { op: 'delete'; accountId: string; namespace: string; sessionId?: string; properties?: string[] };

/** A CCS v2 operation whose account defaults to the client's. */
export type CcsV2Input = CcsV2Operation extends infer T ? (T extends CcsV2Operation ? Omit<T, 'accountId'> & { accountId?: string } : never) : never;

export function buildCcsV2Request(host: string, operation: CcsV2Operation): PreparedRequest {
	const accountId = validateAccountId(operation.accountId);
	const nameSpace = validateNamespace(operation.namespace);
	const sessionId = optionalSession(operation.sessionId);
	const root = `${trimBase(host)}/v2/context/document`;
	switch (operation.op) {
		case 'create': {
			const payload = operation.payload;
			if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
				throw inputError('payload', 'Payload must be a JSON object', 'Example: {"intent": "billing"}.', 'CCS_PAYLOAD');
			}
			const ttlSeconds = ttlOf(operation.ttlSeconds, 'ttlSeconds', true);
			const body = jsonBody({ accountId, nameSpace, ...(sessionId ? { sessionId } : {}), ttlSeconds, payload }, 'payload');
			return { url: `${root}/create`, method: 'POST', headers: json, body, secrets: [] };
		}
		case 'get':
			return {
				url: `${root}/${encodeURIComponent(accountId)}/${segment(nameSpace, 'namespace', 'Namespace')}${sessionId ? `/${segment(sessionId)}` : ''}`,
				method: 'GET',
				headers: { accept: 'application/json' },
				secrets: [],
			};
		case 'getProperties': {
			const list = (operation.filter ?? []).map((f) => fieldText(f).trim()).filter(Boolean);
			if (list.length === 0) throw inputError('filter', 'Name at least one property to get', 'Properties are given as "namespace.property" (the namespace is added when missing).', 'CCS_FILTER_EMPTY');
			// The documented filter entries are "ns.prop"; a bare property name gets the namespace prefix.
			const filter = list.map((f) => (f.startsWith(`${nameSpace}.`) ? f : `${nameSpace}.${f}`));
			return { url: `${root}/properties`, method: 'POST', headers: json, body: JSON.stringify({ accountId, nameSpace, ...(sessionId ? { sessionId } : {}), filter }), secrets: [] };
		}
		case 'delete': {
			const props = (operation.properties ?? []).map((p) => fieldText(p).trim()).filter(Boolean);
			// The methods table says /v2/context/document/property/delete; the page's curl example says
			// /v2/context/document/delete. We follow the table (the documented endpoint list).
			return {
				url: `${root}/property/delete`,
				method: 'DELETE',
				headers: json,
				body: JSON.stringify({ accountId, nameSpace, ...(sessionId ? { sessionId } : {}), ...(props.length ? { propertyToDelete: props } : {}) }),
				secrets: [],
			};
		}
	}
}

export function processCcsV2Response(res: HttpResponse, operation: CcsV2Operation, secrets: string[] = []): unknown {
	if (res.status < 200 || res.status > 299) throw ccsStatusError(res, secrets, operation.op, 'v2');
	const answer = readAnswer(res, secrets);
	if (typeof answer === 'object' && answer !== null && (answer as { success?: unknown }).success === false) {
		throw new LpError('http', `${CO_SERVICE} reports that the ${operation.op} did not succeed`, { status: res.status, code: 'CCS_NOT_SUCCESSFUL', responseSnippet: bodySnippet(res, secrets) });
	}
	return answer;
}

// ---------------------------------------------------------------------------------------------------
// Next Actions

export interface NextActionsV1Input {
	accountId: string;
	conversationId?: string;
	consumerId?: string;
	groupId?: string;
}

export interface NextActionsV2Input {
	accountId: string;
	conversationId?: string;
	customerId?: string;
	sessionId?: string;
	/** A LivePerson bearer ("Bearer …" is added when missing). A secret. */
	lpToken?: string;
	policyId?: string;
}

/** Next Actions v1 host: `https://z{n}.askmaven.liveperson.net`, or the custom host. */
export function askMavenHost(region: string | undefined, customHost?: string): string {
	return orchestratorApiHost({ region, customHost }, 'nextActionsV1');
}

export function buildNextActionsV1Request(askMavenBase: string, input: NextActionsV1Input): PreparedRequest {
	const accountId = validateAccountId(input.accountId);
	const q = new URLSearchParams();
	for (const key of ['conversationId', 'consumerId', 'groupId'] as const) {
		const v = fieldText(input[key]).trim();
		if (v) q.set(key, v);
	}
	if (![...q.keys()].length) throw inputError('conversationId', 'Give a conversation ID, consumer ID or group ID', undefined, 'NEXT_ACTIONS_EMPTY');
	return { url: `${trimBase(askMavenBase)}/v1/account/${encodeURIComponent(accountId)}/next-actions?${q.toString()}`, method: 'GET', headers: { accept: 'application/json' }, secrets: [] };
}

export function buildNextActionsV2Request(host: string, input: NextActionsV2Input): PreparedRequest {
	const accountId = validateAccountId(input.accountId);
	const body: Record<string, string> = { accountId };
	for (const key of ['conversationId', 'customerId', 'sessionId', 'policyId'] as const) {
		const v = fieldText(input[key]).trim();
		if (v) body[key] = v;
	}
	const secrets: string[] = [];
	const lp = fieldText(input.lpToken).trim();
	if (lp) {
		body.lpToken = /^Bearer\s/i.test(lp) ? lp : `Bearer ${lp}`;
		secrets.push(lp.replace(/^Bearer\s+/i, ''));
	}
	return { url: `${trimBase(host)}/v2/policy/nextaction`, method: 'POST', headers: json, body: JSON.stringify(body), secrets };
}

export function processNextActionsResponse(res: HttpResponse, version: 'v1' | 'v2', secrets: string[] = []): unknown {
	if (res.status < 200 || res.status > 299) {
		if (res.status === 401 || (version === 'v1' && res.status === 403)) return throwIt(ccsStatusError(res, secrets, 'next actions', version));
		throw statusError(res, CO_SERVICE, secrets);
	}
	const answer = readAnswer(res, secrets);
	if (version === 'v2' && !Array.isArray(answer) && !(typeof answer === 'object' && answer !== null)) {
		throw new LpError('response', `${CO_SERVICE} answered Next Actions v2 without a list of actions`, { status: res.status, code: 'NEXT_ACTIONS_SHAPE' });
	}
	return answer;
}

function throwIt(error: LpError): never {
	throw error;
}

// ---------------------------------------------------------------------------------------------------
// I/O

export interface OrchestratorClientOptions extends OrchestratorOptions {
	tokenPlacement?: TokenPlacement;
	/** Account for the calls; default the credential's `accountId`. */
	accountId?: string;
	maxResponseBytes?: number;
}

export interface TokenInfo {
	version: 'v1' | 'v2';
	region: string;
	host: string;
	tokenType?: string;
	expiresAt?: string;
	expiresInSeconds?: number;
	/** Only when asked for explicitly. */
	token?: string;
	/** v1 only: LivePerson's deprecation notice. */
	deprecation?: string;
}

export class OrchestratorClient {
	constructor(
		readonly creds: ConversationOrchestratorCredentials,
		readonly options: OrchestratorClientOptions = {},
	) {}

	private strategy?: AuthStrategy;

	accountId(input?: string): string {
		const value = fieldText(input).trim() || fieldText(this.options.accountId).trim() || fieldText(this.creds.accountId).trim();
		if (!value) throw inputError('accountId', 'Account ID is empty', 'Enter the LivePerson account ID (in the node or in the credential).', 'ACCOUNT_ID_EMPTY');
		return validateAccountId(value);
	}

	/** Runs one prepared request through the pipeline with the CO strategy (v2: a 403 re-logs in once). */
	async run<T>(build: () => PreparedRequest, process: (res: HttpResponse, secrets: string[]) => T): Promise<T> {
		// Built once per client (one per node execution): the token cache key is hashed once.
		const auth = (this.strategy ??= orchestratorStrategy(this.creds, this.options.tokenPlacement, this.options));
		const req = build();
		const res = await send({
			...req,
			serviceName: CO_SERVICE,
			auth,
			policy: orchestratorPolicy(this.creds),
			timeoutMs: this.options.timeoutMs,
			maxResponseBytes: this.options.maxResponseBytes,
		});
		if (res.status === 403 && res.reauthenticated) {
			// The fresh token is refused too: drop it as well, so the next execution logs in again.
			invalidateOrchestratorToken(this.creds);
			throw tokenRefusedAgain(this.creds, bodySnippet(res));
		}
		return process(res, req.secrets);
	}

	ccsV1(operation: CcsV1Operation, accountId?: string): Promise<unknown> {
		const acc = this.accountId(accountId);
		const host = orchestratorApiHost(this.creds, 'ccsV1');
		return this.v1Client().run(() => buildCcsV1Request(host, acc, operation), (res, secrets) => processCcsV1Response(res, operation, secrets));
	}

	private v1Client(): OrchestratorClient {
		if (!fieldText(this.creds.apiKey).trim()) {
			throw inputError(
				'apiKey',
				'This operation is a Conversation Orchestrator v1 API and needs the v1 API key, but the credential has none',
				"Use a credential with API Version v1 and the key from API Authorization, or the v2 operations.",
				'CO_V1_KEY',
			);
		}
		return fieldText(this.creds.apiVersion).toLowerCase() === 'v1' ? this : new OrchestratorClient({ ...this.creds, apiVersion: 'v1' }, this.options);
	}

	ccsV2(operation: CcsV2Input): Promise<unknown> {
		const op = { ...operation, accountId: this.accountId(operation.accountId) } as CcsV2Operation;
		const host = orchestratorApiHost(this.creds, 'ccsV2');
		return this.v2Client().run(() => buildCcsV2Request(host, op), (res, secrets) => processCcsV2Response(res, op, secrets));
	}

	nextActionsV1(input: Omit<NextActionsV1Input, 'accountId'> & { accountId?: string }): Promise<unknown> {
		const full = { ...input, accountId: this.accountId(input.accountId) };
		const host = orchestratorApiHost(this.creds, 'nextActionsV1');
		return this.v1Client().run(() => buildNextActionsV1Request(host, full), (res, secrets) => processNextActionsResponse(res, 'v1', secrets));
	}

	nextActionsV2(input: Omit<NextActionsV2Input, 'accountId'> & { accountId?: string }): Promise<unknown> {
		const full = { ...input, accountId: this.accountId(input.accountId) };
		const host = orchestratorApiHost(this.creds, 'nextActionsV2');
		return this.v2Client().run(() => buildNextActionsV2Request(host, full), (res, secrets) => processNextActionsResponse(res, 'v2', secrets));
	}

	private v2Client(): OrchestratorClient {
		if (fieldText(this.creds.apiVersion || 'v2').toLowerCase() === 'v2') return this;
		if (!fieldText(this.creds.userId).trim()) {
			throw inputError('apiVersion', 'This operation needs Conversation Orchestrator v2, but the credential is set to v1', 'Set the credential\'s API Version to v2 with the user ID and password from API Authorization.', 'CO_V2_NEEDED');
		}
		return new OrchestratorClient({ ...this.creds, apiVersion: 'v2' }, this.options);
	}

	/** Login (v2) and what the token is, without the token unless `includeToken`. */
	async login(includeToken = false): Promise<TokenInfo> {
		const region = fieldText(this.creds.region) || 'americas';
		if (fieldText(this.creds.apiVersion || 'v2').toLowerCase() === 'v1') {
			return { version: 'v1', region, host: orchestratorApiHost(this.creds, 'ccsV1'), deprecation: CO_V1_DEPRECATION_NOTICE };
		}
		const host = orchestratorApiHost(this.creds, 'login');
		const token = await getOrchestratorToken(this.creds, this.options);
		const now = (this.options.now ?? Date.now)();
		const finite = Number.isFinite(token.expiresAt);
		return {
			version: 'v2',
			region,
			host,
			tokenType: token.tokenType ?? 'Bearer',
			...(finite ? { expiresAt: new Date(token.expiresAt).toISOString(), expiresInSeconds: Math.max(0, Math.floor((token.expiresAt - now) / 1000)) } : {}),
			...(includeToken ? { token: token.value } : {}),
		};
	}
}
