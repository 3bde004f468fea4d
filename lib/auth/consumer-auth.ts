/**
 * Consumer Authentication (Conversation Builder): during a conversation the consumer completes an
 * OAuth 2.0 authorization-code challenge (RFC 6749 §4.1 with PKCE S256, RFC 7636), and the bot gets
 * a token for that consumer.
 *
 * - `startConsumerAuth`: the authorization URL for one conversation: client_id, response_type=code,
 *   redirect_uri (the n8n webhook of the user's workflow), scope, a random `state`, and the S256
 *   code challenge. The state record (conversation, PKCE verifier, redirect URI, client, lifetime)
 *   is kept server-side; the verifier is never in the URL or the output.
 * - `completeConsumerAuth`: from the webhook's `state` and `code` (or `error`): the state is taken
 *   ONCE (a second use, a tampered or unknown state are refused), checked for its lifetime and its
 *   client, then the code is exchanged at the token URL with the verifier and the credential's client
 *   authentication, through the pipeline.
 *
 * State store: per process in memory, or the token cache's shared store (Redis in n8n queue mode,
 * sealed at rest) so that Start and Complete may run on different workers; "take" is a
 * compare-and-delete there, so one state is used once across the cluster.
 */
import { createHash, randomBytes } from 'node:crypto';
import { LpError, inputError, redact } from '../errors';
import { policyForAllowText } from '../net/policy';
import { buildAuthorizationUrl, checkUrl, fetchAuthorizationCodeToken, type ClientAuth, type TokenIoOptions } from './oauth2';
import { generateCodeVerifier } from './pkce';
import type { TokenStore } from './store/types';
import { fingerprint, tokenCache, type CachedToken } from './token-cache';

export interface ConsumerAuthConfig {
	authUrl: string;
	tokenUrl: string;
	clientId: string;
	clientSecret?: string;
	scope?: string;
	clientAuth?: ClientAuth;
	allowedInternalNetworks?: string;
	/** n8n's id of the credential: a state is completed by this very credential only. */
	credentialId?: string;
}

export interface StateRecord {
	conversationId: string;
	codeVerifier: string;
	redirectUri: string;
	/**
	 * Fingerprint of the exact credential (its id, auth URL, token URL, client id, client secret and
	 * client authentication; a hash, never the values): a state is completed by that credential only.
	 */
	clientKey: string;
	/** When set, only a Complete running in this workflow may use the state. */
	workflowId?: string;
	createdAt: number;
	expiresAt: number;
}

/** Where the state records live between Start and Complete. */
export interface ConsumerAuthStateStore {
	put(key: string, record: StateRecord, keepMs: number): Promise<void>;
	/** Returns the record and deletes it, atomically: only one caller ever gets it. */
	take(key: string): Promise<StateRecord | undefined>;
	/** Returns the record without using it up (checked before `take`, so a wrong caller consumes nothing). */
	peek(key: string): Promise<StateRecord | undefined>;
}

export const DEFAULT_STATE_LIFETIME_MS = 10 * 60_000;
export const MAX_STATE_LIFETIME_MS = 60 * 60_000;
/** Records are kept this long after they expire, so that a late consumer hears "expired", not "unknown". */
const EXPIRED_GRACE_MS = 30 * 60_000;

/** Per-process store, bounded (oldest dropped first) and cleaned of old records on each write. */
export class MemoryStateStore implements ConsumerAuthStateStore {
	private readonly records = new Map<string, { record: StateRecord; dropAt: number }>();
	constructor(
		private readonly maxEntries = 10_000,
		private readonly now: () => number = () => Date.now(),
	) {}

	async put(key: string, record: StateRecord, keepMs: number): Promise<void> {
		const now = this.now();
		for (const [k, v] of this.records) if (v.dropAt <= now) this.records.delete(k);
		while (this.records.size >= this.maxEntries) this.records.delete(this.records.keys().next().value as string);
		this.records.set(key, { record, dropAt: now + keepMs });
	}

	async peek(key: string): Promise<StateRecord | undefined> {
		const entry = this.records.get(key);
		return entry && entry.dropAt > this.now() ? entry.record : undefined;
	}

	async take(key: string): Promise<StateRecord | undefined> {
		const entry = this.records.get(key);
		this.records.delete(key);
		return entry && entry.dropAt > this.now() ? entry.record : undefined;
	}

	get size(): number {
		return this.records.size;
	}
}

/** The token cache's store (Redis in queue mode) as a state store: take = read + compare-and-delete. */
export function tokenStoreStateStore(store: TokenStore): ConsumerAuthStateStore {
	return {
		async put(key, record, keepMs) {
			await store.write(key, { token: { value: JSON.stringify(record), expiresAt: record.expiresAt + EXPIRED_GRACE_MS }, storedAt: record.createdAt }, keepMs);
		},
		async take(key) {
			const entry = await store.read(key);
			if (!entry) return undefined;
			if (!(await store.deleteIfValue(key, entry.token.value))) return undefined; // another taker won
			return JSON.parse(entry.token.value) as StateRecord;
		},
		async peek(key) {
			const entry = await store.read(key);
			return entry ? (JSON.parse(entry.token.value) as StateRecord) : undefined;
		},
	};
}

const memoryStore = new MemoryStateStore();

/** The store used when none is given: the shared token store when there is one, else this process's memory. */
export function defaultStateStore(): ConsumerAuthStateStore {
	const shared = tokenCache.currentStore();
	return shared ? tokenStoreStateStore(shared) : memoryStore;
}

const stateKey = (state: string) => `consumer-auth-state:${createHash('sha256').update(state).digest('hex')}`;

/** The exact credential (every field that changes who completes, the secret included, hashed). */
function clientKey(cfg: ConsumerAuthConfig): string {
	return fingerprint('consumer-auth/2', cfg.credentialId ?? '', cfg.authUrl.trim(), cfg.tokenUrl.trim(), cfg.clientId.trim(), cfg.clientSecret ?? '', cfg.clientAuth ?? 'header');
}

/**
 * The redirect URI exactly as given, or a refusal: no control character or white space inside (the
 * URL parser would silently drop a CR/LF or tab), no backslash, no user info, no fragment (RFC 6749
 * §3.1.2), http(s) only, and, when `allowedOrigins` is given, on one of those origins (the n8n
 * instance that runs Complete). Never repaired.
 */
export function checkRedirectUri(value: unknown, allowedOrigins?: readonly string[], base?: string): string {
	let text = typeof value === 'string' ? value.replace(/^ +| +$/g, '') : '';
	if (!text) throw inputError('redirectUri', 'Redirect URI is required', 'The production URL of the Webhook node that runs Complete.');
	// A path ("/webhook/consumer-auth/callback") is this n8n's own URL: appended to its base URL (which
	// keeps a path prefix such as N8N_PATH), so a workflow works unchanged on every instance.
	if (text.startsWith('/') && !text.startsWith('//')) {
		if (!base) throw inputError('redirectUri', 'Redirect URI is a path, but this n8n does not say its own URL', 'Enter the full production URL of the Webhook node that runs Complete.', 'CONSUMER_AUTH_REDIRECT_INVALID');
		text = base.replace(/\/+$/, '') + text;
	}
	if (/[\x00-\x20\x7f\\]/.test(text)) {
		throw inputError('redirectUri', 'Redirect URI contains a line break, tab, space, control character or backslash', 'Copy the Webhook node\'s production URL exactly; nothing is removed for you.', 'CONSUMER_AUTH_REDIRECT_INVALID');
	}
	const url = checkUrl(text, 'redirectUri', 'Redirect URI');
	if (url.hash || text.includes('#')) throw inputError('redirectUri', 'Redirect URI must not contain a fragment (#…)', 'OAuth 2.0 redirect URIs have no fragment (RFC 6749 §3.1.2).', 'CONSUMER_AUTH_REDIRECT_INVALID');
	if (allowedOrigins) {
		const origins = allowedOrigins.map((o) => {
			try {
				return new URL(o).origin;
			} catch {
				return '';
			}
		});
		if (!origins.includes(url.origin)) {
			throw inputError(
				'redirectUri',
				`Redirect URI must be on this n8n instance (${origins.filter(Boolean).join(', ') || 'unknown'}), not ${url.origin}`,
				'Use the production URL of the Webhook node that runs Complete (n8n\'s webhook base URL, WEBHOOK_URL). If the consumer reaches that webhook through another origin (a proxy), add it to the "Allowed Redirect Origins" option.',
				'CONSUMER_AUTH_REDIRECT_HOST',
			);
		}
	}
	return url.toString();
}

function checkConfig(cfg: ConsumerAuthConfig): void {
	checkUrl(cfg.authUrl, 'authUrl', 'Authorization URL');
	checkUrl(cfg.tokenUrl, 'accessTokenUrl', 'Token URL');
	if (!cfg.clientId?.trim()) throw inputError('clientId', 'Client ID is required');
}

export interface StartInput {
	conversationId: string;
	/** The n8n webhook URL that receives `code` and `state`, or its path on `redirectBase`. */
	redirectUri: string;
	/** This n8n's base URL, for a Redirect URI given as a path. */
	redirectBase?: string;
	/** Overrides the credential's scope. */
	scope?: string;
	lifetimeMs?: number;
	/** The origins the redirect URI may be on (the n8n instance's); undefined: not checked (lib callers). */
	allowedRedirectOrigins?: readonly string[];
	/** Only a Complete in this workflow may use the state (undefined: any workflow with this credential). */
	workflowId?: string;
}

export interface StartResult {
	authorizationUrl: string;
	conversationId: string;
	/** ISO time after which Complete refuses this state. */
	expiresAt: string;
}

export interface StateOptions {
	store?: ConsumerAuthStateStore;
	now?: () => number;
}

/** Builds the authorization URL for one conversation and keeps its state record server-side. */
export async function startConsumerAuth(cfg: ConsumerAuthConfig, input: StartInput, opts: StateOptions = {}): Promise<StartResult> {
	checkConfig(cfg);
	const conversationId = String(input.conversationId ?? '').trim();
	if (!conversationId) throw inputError('conversationId', 'Conversation ID is required: the state is bound to one conversation');
	const redirectUri = checkRedirectUri(input.redirectUri, input.allowedRedirectOrigins, input.redirectBase);
	const lifetime = input.lifetimeMs ?? DEFAULT_STATE_LIFETIME_MS;
	if (!Number.isFinite(lifetime) || lifetime < 60_000 || lifetime > MAX_STATE_LIFETIME_MS) {
		throw inputError('stateLifetime', 'State Lifetime must be from 1 to 60 minutes');
	}
	const now = (opts.now ?? Date.now)();
	const state = randomBytes(32).toString('base64url');
	const codeVerifier = generateCodeVerifier();
	const authorizationUrl = buildAuthorizationUrl({
		authUrl: cfg.authUrl.trim(),
		clientId: cfg.clientId.trim(),
		redirectUri,
		scope: input.scope?.trim() || cfg.scope,
		state,
		codeVerifier,
	});
	const record: StateRecord = { conversationId, codeVerifier, redirectUri, clientKey: clientKey(cfg), ...(input.workflowId ? { workflowId: input.workflowId } : {}), createdAt: now, expiresAt: now + lifetime };
	await (opts.store ?? defaultStateStore()).put(stateKey(state), record, lifetime + EXPIRED_GRACE_MS);
	return { authorizationUrl, conversationId, expiresAt: new Date(record.expiresAt).toISOString() };
}

export interface CompleteInput {
	state?: string;
	code?: string;
	/** `error` from the redirect (e.g. access_denied). */
	error?: string;
	errorDescription?: string;
	/** The workflow running Complete (checked when Start bound the state to one). */
	workflowId?: string;
}

export interface CompleteResult {
	conversationId: string;
	token: CachedToken;
}

function stateError(code: string, message: string, hint: string): LpError {
	return new LpError('auth', message, { field: 'state', code, hint });
}

/**
 * Checks the state (one use, lifetime, client), reports a provider error, and exchanges the code.
 * Every refusal is an LpError naming its cause; the code and the verifier are secrets of the request.
 */
export async function completeConsumerAuth(cfg: ConsumerAuthConfig, input: CompleteInput, opts: StateOptions & { io?: Omit<TokenIoOptions, 'policy'> } = {}): Promise<CompleteResult> {
	checkConfig(cfg);
	const state = String(input.state ?? '').trim();
	if (!state) throw stateError('CONSUMER_AUTH_STATE_MISSING', 'The redirect has no "state"', 'Map the webhook\'s query parameter state, e.g. {{ $json.query.state }}.');
	const store = opts.store ?? defaultStateStore();
	const key = stateKey(state);
	const unknown = () =>
		stateError(
			'CONSUMER_AUTH_STATE_UNKNOWN',
			'Unknown or already used state: this authorization was not started here, was already completed, or the state was altered',
			'Each Start link can be completed once. Ask the consumer to start the authentication again.',
		);
	// Checked BEFORE the state is used up: a state shown to the wrong credential or workflow stays
	// valid for the right one.
	const seen = /^[A-Za-z0-9_-]{20,200}$/.test(state) ? await store.peek(key) : undefined;
	if (!seen) throw unknown();
	if (seen.clientKey !== clientKey(cfg)) {
		throw stateError('CONSUMER_AUTH_STATE_OTHER_CLIENT', 'The state was issued for another Consumer Authentication credential (or the credential changed since Start)', 'Use the same credential, unchanged, in Start and Complete.');
	}
	if (seen.workflowId !== undefined && seen.workflowId !== input.workflowId) {
		throw stateError('CONSUMER_AUTH_STATE_OTHER_WORKFLOW', 'The state was issued for Complete in another workflow', 'Complete in the workflow Start named, or start without binding the state to a workflow.');
	}
	const record = await store.take(key);
	if (!record) throw unknown();
	const now = (opts.now ?? Date.now)();
	if (now > record.expiresAt) {
		throw stateError('CONSUMER_AUTH_STATE_EXPIRED', `The state expired ${Math.round((now - record.expiresAt) / 1000)} s ago (conversation ${record.conversationId})`, 'The consumer took too long: start the authentication again, or raise State Lifetime.');
	}
	const providerError = String(input.error ?? '').trim();
	if (providerError) {
		const safe = /^[\x20-\x7e]{1,64}$/.test(providerError) ? providerError : 'unknown';
		const description = input.errorDescription ? `: ${redact(String(input.errorDescription).slice(0, 200), [input.code])}` : '';
		throw new LpError('auth', safe === 'access_denied' ? `The consumer declined the authorization (access_denied)${description}` : `The authorization server answered "${safe}"${description}`, {
			code: `CONSUMER_AUTH_${safe.toUpperCase().replace(/[^A-Z0-9_]/g, '_')}`,
			hint: safe === 'access_denied' ? 'The consumer (or the provider) refused access: the bot can offer to try again.' : 'Check the client settings at the authorization server (redirect URI, scope, PKCE).',
		});
	}
	const code = String(input.code ?? '').trim();
	if (!code) throw new LpError('input', 'The redirect has neither "code" nor "error"', { field: 'code', code: 'CONSUMER_AUTH_CODE_MISSING', hint: 'Map the webhook\'s query parameter code, e.g. {{ $json.query.code }}.' });
	const token = await fetchAuthorizationCodeToken(
		{ tokenUrl: cfg.tokenUrl.trim(), clientId: cfg.clientId.trim(), clientSecret: cfg.clientSecret || undefined, code, redirectUri: record.redirectUri, codeVerifier: record.codeVerifier, clientAuth: cfg.clientAuth },
		{ ...opts.io, policy: policyForAllowText(cfg.allowedInternalNetworks) },
	);
	return { conversationId: record.conversationId, token };
}

/**
 * The credential Test: the client authenticates at the token endpoint with a made-up code. A
 * correct client gets `invalid_grant` (the code is unknown); a wrong one gets `invalid_client`.
 */
export async function testConsumerAuthClient(cfg: ConsumerAuthConfig, io: Omit<TokenIoOptions, 'policy'> = {}): Promise<{ ok: boolean; message: string }> {
	checkConfig(cfg);
	try {
		await fetchAuthorizationCodeToken(
			{ tokenUrl: cfg.tokenUrl.trim(), clientId: cfg.clientId.trim(), clientSecret: cfg.clientSecret || undefined, code: `n8n-credential-test-${randomBytes(8).toString('hex')}`, redirectUri: 'https://n8n.invalid/credential-test', codeVerifier: generateCodeVerifier(), clientAuth: cfg.clientAuth },
			{ ...io, policy: policyForAllowText(cfg.allowedInternalNetworks) },
		);
		return { ok: false, message: 'The token endpoint issued a token for a made-up code: check that the Token URL is the OAuth 2.0 token endpoint' };
	} catch (error) {
		if (error instanceof LpError && error.code === 'OAUTH_INVALID_GRANT') return { ok: true, message: 'The token endpoint accepted the client authentication (a test code was refused with invalid_grant, as expected)' };
		throw error;
	}
}
