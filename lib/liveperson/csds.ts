/**
 * CSDS (Domain API): which host serves which LivePerson service for an account.
 *
 *   GET {csds}/api/account/{accountId}/service/baseURI.json?version=1.0
 *   GET {csds}/api/account/{accountId}/service/{service}/baseURI.json?version=1.0
 *
 * No authentication (none of the docs or LivePerson's own code send one). Service names are case
 * sensitive. `baseURI` is a bare host without scheme. Documented statuses: 200, 400, 401 (invalid site).
 *
 * Host override: the CSDS host may be a bare host ("api.liveperson.net", HTTPS) or a URL. HTTPS only
 * for real hosts: plain http is accepted only for loopback hosts (127.0.0.0/8, ::1, localhost), which
 * is how the local emulator runs ("http://127.0.0.1:8090"). The scheme of the CSDS host applies to the
 * service hosts it returns, so one setting points a whole workflow at the emulator. (The Domain API
 * page shows http://; the Login Service overview uses https:// — we take the safe one.)
 *
 * Caching: the docs give no TTL. LivePerson's FaaS toolbelt caches 600 s and node-agent-sdk 60 s; we
 * cache per (CSDS host, account) for 10 minutes by default (configurable), cache only non-empty
 * answers, and run one request per key at a time (single-flight). When a refresh fails for a reason
 * that says nothing about the account (network, timeout, 429, 5xx), the last good answer is served
 * for up to 24 h after it was fetched, with a warning through `onWarning` (default: console.warn).
 */
import { inputError, LpError } from '../errors';
import { HttpResponse, parseJsonBody, send, statusError } from '../http';
import type { OutboundPolicy } from '../net/policy';

export const DEFAULT_CSDS_HOST = 'api.liveperson.net';
export const DEFAULT_CSDS_TTL_MS = 10 * 60 * 1000;

export interface ServiceDomain {
	service: string;
	account: string;
	baseURI: string;
}

export interface CsdsTarget {
	/** Normalised origin, e.g. "https://api.liveperson.net" or "http://127.0.0.1:8090". */
	origin: string;
	scheme: 'https:' | 'http:';
}

/** Account IDs are site IDs: digits for production accounts, letters for some test accounts ("le…", "qa…", "fr…"). */
const ACCOUNT_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const SERVICE_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,99}$/;

export function validateAccountId(value: unknown, field = 'accountId'): string {
	const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
	if (!text) {
		throw inputError(field, 'Account ID is empty', 'Enter your LivePerson account (site) ID, e.g. 12345678.', 'ACCOUNT_ID_EMPTY');
	}
	if (!ACCOUNT_ID.test(text)) {
		throw inputError(
			field,
			`Account ID "${text.slice(0, 40)}" is not valid: expected letters and digits only`,
			'The account (site) ID is the number shown in Conversational Cloud, e.g. 12345678.',
			'ACCOUNT_ID_MALFORMED',
		);
	}
	return text;
}

export function validateServiceName(value: unknown, field = 'service'): string {
	const text = typeof value === 'string' ? value.trim() : '';
	if (!text) throw inputError(field, 'Service name is empty', 'Pick a service, e.g. agentVep or mtlsGateway.', 'SERVICE_EMPTY');
	if (!SERVICE_NAME.test(text)) {
		throw inputError(field, `Service name "${text.slice(0, 60)}" is not valid`, 'Service names are words like agentVep, sentinel or mtlsGateway (case sensitive).', 'SERVICE_MALFORMED');
	}
	return text;
}

/** Parses the CSDS host setting: bare host (HTTPS) or http(s) URL; nothing after the host is allowed. */
export function parseCsdsHost(value: unknown, field = 'csdsHost'): CsdsTarget {
	const text = (typeof value === 'string' ? value.trim() : '') || DEFAULT_CSDS_HOST;
	const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`;
	let url: URL;
	try {
		url = new URL(withScheme);
	} catch {
		throw inputError(field, `CSDS host "${text.slice(0, 80)}" is not a valid host name or URL`, `Use a host such as ${DEFAULT_CSDS_HOST}, or http://127.0.0.1:8090 for the emulator.`, 'CSDS_HOST_INVALID');
	}
	if (url.protocol !== 'https:' && url.protocol !== 'http:') {
		throw inputError(field, `CSDS host must use https or http, not ${url.protocol.replace(':', '')}`, undefined, 'CSDS_HOST_SCHEME');
	}
	if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
		throw inputError(field, `CSDS host "${url.host}" must use https: plain http is accepted only for a loopback emulator (127.0.0.1, ::1, localhost)`, `Use https://${url.host} or the bare host name.`, 'CSDS_HOST_HTTP');
	}
	if (url.username || url.password || (url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
		throw inputError(field, `CSDS host "${url.host}" must be a host (optionally with scheme and port) without path, query or user info`, undefined, 'CSDS_HOST_INVALID');
	}
	return { origin: url.origin, scheme: url.protocol as 'https:' | 'http:' };
}

/** 127.0.0.0/8, ::1 and localhost: the only hosts that may be reached over plain http. */
export function isLoopbackHost(hostname: string): boolean {
	const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
	return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** Service origin: the CSDS host's scheme, but https for any host that is not loopback. */
export function serviceBaseUrl(target: CsdsTarget, baseURI: string): string {
	const host = baseURI.replace(/:\d{1,5}$/, '');
	const scheme = target.scheme === 'http:' && isLoopbackHost(host) ? 'http:' : 'https:';
	return `${scheme}//${baseURI}`;
}

export function buildCsdsRequest(target: CsdsTarget, accountId: string, service?: string) {
	const account = encodeURIComponent(accountId);
	const path = service
		? `/api/account/${account}/service/${encodeURIComponent(service)}/baseURI.json`
		: `/api/account/${account}/service/baseURI.json`;
	return {
		url: `${target.origin}${path}?version=1.0`,
		method: 'GET' as const,
		headers: { accept: 'application/json' },
	};
}

function isDomain(value: unknown): value is ServiceDomain {
	const v = value as ServiceDomain;
	return typeof v === 'object' && v !== null && typeof v.service === 'string' && typeof v.baseURI === 'string' && v.baseURI.length > 0;
}

const HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

function checkStatus(res: HttpResponse, accountId: string): void {
	if (res.status === 401 || res.status === 403) {
		throw statusError(res, 'CSDS', [], `CSDS does not know account ${accountId} (HTTP ${res.status} "Bad Authentication (invalid site)"): check the account ID and the CSDS host of the credential.`);
	}
	if (res.status === 404) {
		throw statusError(res, 'CSDS', [], 'CSDS has no such path: check the CSDS host of the credential.');
	}
	if (res.status < 200 || res.status > 299) throw statusError(res, 'CSDS');
}

/** All service domains of an account (pure: response → list, or a typed error). */
export function processCsdsResponse(res: HttpResponse, accountId: string): ServiceDomain[] {
	checkStatus(res, accountId);
	const body = parseJsonBody(res, 'CSDS') as { baseURIs?: unknown };
	if (typeof body !== 'object' || body === null || !Array.isArray(body.baseURIs)) {
		throw new LpError('response', 'CSDS answered without a "baseURIs" list', {
			code: 'CSDS_SHAPE',
			status: res.status,
			hint: 'The CSDS host does not look like a LivePerson CSDS: check the CSDS host of the credential.',
		});
	}
	const domains = body.baseURIs.filter(isDomain).filter((d) => HOST.test(d.baseURI));
	if (domains.length === 0) {
		throw new LpError('response', `CSDS returned no service domains for account ${accountId}`, {
			code: 'CSDS_EMPTY',
			status: res.status,
			hint: 'Check the account ID; a new or deactivated account has no domains.',
		});
	}
	return domains.map((d) => ({ service: d.service, account: typeof d.account === 'string' ? d.account : accountId, baseURI: d.baseURI }));
}

/** One service from the single-service endpoint. */
export function processCsdsServiceResponse(res: HttpResponse, accountId: string, service: string): ServiceDomain {
	if (res.status === 404) {
		throw new LpError('input', `Service "${service}" is not listed for account ${accountId}`, { field: 'service', code: 'CSDS_UNKNOWN_SERVICE', status: 404, hint: 'Service names are case sensitive.' });
	}
	checkStatus(res, accountId);
	const body = parseJsonBody(res, 'CSDS');
	if (!isDomain(body) || !HOST.test(body.baseURI)) {
		throw new LpError('response', `CSDS answered without a domain for service "${service}"`, { code: 'CSDS_SHAPE', status: res.status });
	}
	return { service: body.service, account: typeof body.account === 'string' ? body.account : accountId, baseURI: body.baseURI };
}

interface Entry {
	expiresAt: number;
	domains?: ServiceDomain[];
	/** When `domains` was fetched (the bound for serving it after a failed refresh). */
	fetchedAt?: number;
	inflight?: Promise<ServiceDomain[]>;
}

export interface CsdsOptions {
	ttlMs?: number;
	timeoutMs?: number;
	/** Force a fresh lookup (and refresh the cache). */
	refresh?: boolean;
	/**
	 * Outbound policy for the CSDS host (the credential's "Allowed Internal Networks"). Part of the
	 * cache key: an answer fetched under a permissive policy is never served under a stricter one.
	 */
	policy?: OutboundPolicy;
}

export interface CsdsClientOptions {
	/** How long after it was fetched a last good answer may be served when a refresh fails (24 h). */
	staleMaxMs?: number;
	/** Called once per failed refresh that is answered from the last good domains. */
	onWarning?: (message: string) => void;
}

export const DEFAULT_CSDS_STALE_MAX_MS = 24 * 60 * 60 * 1000;

/**
 * True for failures that say nothing about the account (CSDS or the way to it is down): network,
 * timeout, 429, 5xx. A 4xx (unknown account) or a malformed answer is never papered over.
 */
export function isTransientCsdsFailure(error: unknown): boolean {
	if (!(error instanceof LpError)) return false;
	if (error.kind === 'network' || error.kind === 'timeout') return true;
	return error.kind === 'http' && error.status !== undefined && (error.status === 429 || error.status >= 500);
}

/** Cache of CSDS answers per (origin, account); single-flight; only non-empty answers are kept. */
export class CsdsClient {
	private readonly entries = new Map<string, Entry>();
	private readonly staleMaxMs: number;
	private readonly warn: (message: string) => void;

	constructor(
		private readonly now: () => number = Date.now,
		options: CsdsClientOptions = {},
	) {
		this.staleMaxMs = options.staleMaxMs ?? DEFAULT_CSDS_STALE_MAX_MS;
		this.warn = options.onWarning ?? ((message) => console.warn(message));
	}

	async getDomains(csdsHost: string | undefined, accountIdInput: string, options: CsdsOptions = {}): Promise<ServiceDomain[]> {
		const target = parseCsdsHost(csdsHost);
		const accountId = validateAccountId(accountIdInput);
		const key = `${target.origin}|${accountId}|${options.policy?.fingerprint ?? 'default'}`;
		const ttl = options.ttlMs ?? DEFAULT_CSDS_TTL_MS;
		const entry = this.entries.get(key);
		if (entry?.inflight) return entry.inflight;
		if (!options.refresh && entry?.domains && entry.expiresAt > this.now()) return entry.domains;

		const inflight = (async () => {
			const req = buildCsdsRequest(target, accountId);
			const res = await send({ ...req, serviceName: 'CSDS', policy: options.policy, timeoutMs: options.timeoutMs ?? 10_000, retry: { retries: 2, statuses: [502, 503, 504], baseDelayMs: 300 } });
			return processCsdsResponse(res, accountId);
		})();
		this.entries.set(key, { expiresAt: 0, domains: entry?.domains, fetchedAt: entry?.fetchedAt, inflight });
		try {
			const domains = await inflight;
			this.entries.set(key, { domains, expiresAt: this.now() + ttl, fetchedAt: this.now() });
			if (this.entries.size > 1000) this.entries.delete(this.entries.keys().next().value as string);
			return domains;
		} catch (error) {
			const ageMs = entry?.fetchedAt !== undefined ? this.now() - entry.fetchedAt : Infinity;
			if (entry?.domains && ageMs <= this.staleMaxMs && isTransientCsdsFailure(error)) {
				// Serve the last good answer; the next call after a short pause tries CSDS again.
				this.entries.set(key, { domains: entry.domains, fetchedAt: entry.fetchedAt, expiresAt: this.now() + Math.min(ttl, 60_000) });
				this.warn(
					`CSDS refresh failed for account ${accountId} at ${target.origin} (${(error as LpError).message}); using the service domains fetched ${Math.round(ageMs / 60_000)} min ago (served for at most ${Math.round(this.staleMaxMs / 3_600_000)} h)`,
				);
				return entry.domains;
			}
			this.entries.delete(key);
			throw error;
		}
	}

	async getDomain(csdsHost: string | undefined, accountId: string, serviceInput: string, options: CsdsOptions = {}): Promise<ServiceDomain> {
		const service = validateServiceName(serviceInput);
		const domains = await this.getDomains(csdsHost, accountId, options);
		const found = domains.find((d) => d.service === service);
		if (found) return found;
		const near = domains.find((d) => d.service.toLowerCase() === service.toLowerCase());
		const known = domains.map((d) => d.service).sort();
		throw new LpError('input', `Service "${service}" is not listed for account ${validateAccountId(accountId)}`, {
			field: 'service',
			code: 'CSDS_UNKNOWN_SERVICE',
			hint: near
				? `Service names are case sensitive: did you mean "${near.service}"?`
				: `Known services: ${known.slice(0, 30).join(', ')}${known.length > 30 ? ', …' : ''}.`,
		});
	}

	/** Base URL (scheme + host) of a service, e.g. "https://va.sentinel.liveperson.net". */
	async resolveServiceBase(csdsHost: string | undefined, accountId: string, service: string, options: CsdsOptions = {}): Promise<string> {
		const domain = await this.getDomain(csdsHost, accountId, service, options);
		return serviceBaseUrl(parseCsdsHost(csdsHost), domain.baseURI);
	}

	/** Drop cached answers (all, or one account), e.g. after a connection error to a service host. */
	invalidate(csdsHost?: string, accountId?: string): void {
		if (csdsHost === undefined || accountId === undefined) {
			this.entries.clear();
			return;
		}
		const prefix = `${parseCsdsHost(csdsHost).origin}|${accountId.trim()}|`;
		for (const key of [...this.entries.keys()]) if (key.startsWith(prefix)) this.entries.delete(key);
	}
}

/** Process-wide CSDS cache shared by every node and credential of the package. */
export const csds = new CsdsClient();

export const resolveServiceBase = (csdsHost: string | undefined, accountId: string, service: string, options?: CsdsOptions) =>
	csds.resolveServiceBase(csdsHost, accountId, service, options);
