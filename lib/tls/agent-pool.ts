/**
 * One undici Agent per (client identity + TLS options + connector wrapper), built once with ONE
 * `tls.createSecureContext` that every connection of that agent reuses (no per-connection
 * PKCS#12 decode, no per-connection CA parsing), with keep-alive and a bounded number of
 * connections. Passing `{pfx, passphrase, ca}` as plain connect options instead would rebuild the
 * context for every new socket.
 *
 * - `getAgent(options)` → `{ agent, key }`; the same options give the same agent.
 * - `credentialId`: when a credential with this id comes back with different material or
 *   options, the agents built for its previous version are closed (their in-flight requests
 *   finish first) — a renewed certificate takes effect on the next request.
 * - `dropAgent(key)` / `dropCredentialAgents(id)` close explicitly; the pool is LRU-bounded.
 * - `wrapConnector` is the hook for the outbound network policy (lib/net/policy.ts
 *   `guardConnector(policy, base)`); give `wrapConnectorKey` (e.g. the policy fingerprint) so two
 *   policies never share an agent. Without a key, the wrapper function's identity is used.
 */
import { createHash } from 'node:crypto';
import type { LookupFunction } from 'node:net';
import { createSecureContext, rootCertificates, SecureContext, SecureVersion } from 'node:tls';
import { Agent, buildConnector } from 'undici';
import { LpError } from '../errors';
import type { KeyMaterial } from './keystore';

export type TlsVersion = 'TLSv1.3' | 'TLSv1.2' | 'TLSv1.1';

export interface AgentTimeouts {
	/** TCP + TLS handshake limit. Default 10 s. */
	connectMs?: number;
	/** Idle keep-alive socket lifetime. Default 30 s. */
	keepAliveMs?: number;
	/** Largest keep-alive the server may ask for. Default 120 s. */
	keepAliveMaxMs?: number;
}

export type ConnectorWrapper = (base: buildConnector.connector) => buildConnector.connector;

export interface AgentOptions {
	/** Client identity (mutual TLS). Without it the agent is a plain TLS agent with the given versions. */
	material?: KeyMaterial;
	minVersion?: TlsVersion;
	maxVersion?: TlsVersion;
	/** SNI + the name the server certificate is checked against (instead of the URL host). */
	servername?: string;
	/** Sockets per origin. Default 16. */
	connections?: number;
	/** Requests in flight per socket (HTTP/1.1 pipelining). Default 1. */
	pipelining?: number;
	timeouts?: AgentTimeouts;
	wrapConnector?: ConnectorWrapper;
	/** Stable identity of `wrapConnector` (e.g. the policy fingerprint), part of the pool key. */
	wrapConnectorKey?: string;
	/** dns.lookup-compatible resolver for the connector (e.g. the policy's `lookup`). */
	lookup?: LookupFunction;
	/**
	 * Stable identity of `lookup` (e.g. the policy fingerprint). Without it the function's identity
	 * is used, so a resolver re-created per item would build one agent per item.
	 */
	lookupKey?: string;
	/** The credential these options come from; a change of material for the same id drops the old agents. */
	credentialId?: string;
}

export interface PooledAgent {
	agent: Agent;
	key: string;
	/** Number of secure contexts this pool built for the key (always 1; for tests/bench). */
	secureContexts: number;
}

const MAX_AGENTS = 64;
const pool = new Map<string, PooledAgent>();
const byCredential = new Map<string, { version: string; keys: Set<string> }>();
const wrapperIds = new WeakMap<object, number>();
let nextWrapperId = 1;
const stats = { agentsBuilt: 0, secureContextsBuilt: 0, agentsClosed: 0 };

export function agentPoolStats() {
	return { ...stats, size: pool.size };
}

const VERSION_ORDER: TlsVersion[] = ['TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

function wrapperIdentity(options: AgentOptions): string {
	if (!options.wrapConnector) return '';
	if (options.wrapConnectorKey) return `k:${options.wrapConnectorKey}`;
	let id = wrapperIds.get(options.wrapConnector);
	if (!id) {
		id = nextWrapperId++;
		wrapperIds.set(options.wrapConnector, id);
	}
	return `f:${id}`;
}

let lookupIds = new WeakMap<object, number>();
function lookupIdentity(lookup?: LookupFunction, key?: string): string {
	if (!lookup) return '';
	if (key) return `lk:${key}`;
	let id = lookupIds.get(lookup);
	if (!id) {
		id = nextWrapperId++;
		lookupIds.set(lookup, id);
	}
	return `l:${id}`;
}

/** The pool key: a hash of the material fingerprint and every option that changes the connection. */
export function agentKey(options: AgentOptions): string {
	const t = options.timeouts ?? {};
	const parts = [
		options.material?.fingerprint ?? 'no-client-cert',
		options.minVersion ?? '',
		options.maxVersion ?? '',
		options.servername ?? '',
		String(options.connections ?? ''),
		String(options.pipelining ?? ''),
		String(t.connectMs ?? ''),
		String(t.keepAliveMs ?? ''),
		String(t.keepAliveMaxMs ?? ''),
		wrapperIdentity(options),
		lookupIdentity(options.lookup, options.lookupKey),
	];
	return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 40);
}

function checkVersions(min?: TlsVersion, max?: TlsVersion) {
	for (const [name, v] of [
		['minVersion', min],
		['maxVersion', max],
	] as const) {
		if (v !== undefined && !VERSION_ORDER.includes(v)) {
			throw new LpError('input', `Unsupported TLS version "${String(v)}"`, { field: 'protocols', code: 'TLS_VERSION', hint: 'Use TLS 1.3, TLS 1.2 or (explicitly) TLS 1.1.' });
		}
		void name;
	}
	if (min && max && VERSION_ORDER.indexOf(min) > VERSION_ORDER.indexOf(max)) {
		throw new LpError('input', `TLS minimum version ${min} is above the maximum ${max}`, { field: 'protocols', code: 'TLS_VERSION' });
	}
}

/**
 * The one secure context of an agent: client identity, trust, protocol versions. The credential
 * Test builds it too (with or without a Test URL), so a Test passes only if a run can connect.
 */
export function buildSecureContext(options: AgentOptions): SecureContext {
	checkVersions(options.minVersion, options.maxVersion);
	try {
		const identity = options.material?.secureContextOptions() ?? {};
		const extra = options.material?.extraTrust() ?? [];
		// TLS 1.1 needs OpenSSL security level 0 on OpenSSL 3 (it refuses SHA-1 signatures in the handshake).
		const legacy = options.minVersion === 'TLSv1.1';
		const base = {
			...identity,
			minVersion: (options.minVersion ?? 'TLSv1.2') as SecureVersion,
			maxVersion: (options.maxVersion ?? 'TLSv1.3') as SecureVersion,
			...(legacy ? { ciphers: 'DEFAULT:@SECLEVEL=0' } : {}),
		};
		if (!extra.length) return createSecureContext(base);
		// Add the key store's CA certificates to this context's store (on top of `ca` or Node's
		// roots) the way Node itself does for a pfx, without re-parsing the ~140 root certificates.
		const ctx = createSecureContext(base);
		const native = (ctx as unknown as { context?: { addCACert?: (pem: string) => void } }).context;
		if (native?.addCACert) {
			for (const pem of extra) native.addCACert.call(native, pem);
			return ctx;
		}
		return createSecureContext({ ...base, ca: [...(identity.ca ? (identity.ca as string[]) : rootCertificates), ...extra] });
	} catch (error) {
		if (error instanceof LpError) throw error;
		throw new LpError('tls', 'The TLS settings of the credential could not be applied', {
			field: 'keyStore',
			code: 'SECURE_CONTEXT',
			hint: 'Check the key store, the trust certificate and the protocol versions.',
			cause: error,
		});
	}
}

function forgetKey(key: string) {
	for (const [id, entry] of byCredential) {
		if (entry.keys.delete(key) && entry.keys.size === 0) byCredential.delete(id);
	}
}

/** Closes and forgets one agent (in-flight requests finish first). */
export async function dropAgent(key: string): Promise<boolean> {
	const entry = pool.get(key);
	if (!entry) return false;
	pool.delete(key);
	forgetKey(key);
	stats.agentsClosed++;
	await entry.agent.close().catch(() => undefined);
	return true;
}

/** Closes every agent built for a credential id. */
export async function dropCredentialAgents(credentialId: string): Promise<number> {
	const entry = byCredential.get(credentialId);
	if (!entry) return 0;
	const keys = [...entry.keys];
	await Promise.all(keys.map(dropAgent));
	byCredential.delete(credentialId);
	return keys.length;
}

/** Closes every pooled agent (tests, shutdown). */
export async function closeAllAgents(): Promise<void> {
	await Promise.all([...pool.keys()].map(dropAgent));
	byCredential.clear();
	lookupIds = new WeakMap();
}

/** True while `pooled` is still the pool's agent for its key (not dropped, replaced or closed). */
export function isPooled(pooled: Pick<PooledAgent, 'agent' | 'key'>): boolean {
	return pool.get(pooled.key)?.agent === pooled.agent;
}

export function getAgent(options: AgentOptions): PooledAgent {
	const key = agentKey(options);
	if (options.credentialId) {
		const version = options.material?.fingerprint ?? 'no-client-cert';
		const known = byCredential.get(options.credentialId);
		if (known && known.version !== version) {
			// The credential changed (new certificate, password, trust): close what the old one built.
			for (const old of known.keys) if (old !== key) void dropAgent(old);
			byCredential.delete(options.credentialId);
		}
		const entry = byCredential.get(options.credentialId) ?? { version, keys: new Set<string>() };
		entry.keys.add(key);
		byCredential.set(options.credentialId, entry);
	}
	const existing = pool.get(key);
	if (existing) {
		pool.delete(key);
		pool.set(key, existing); // LRU touch
		return existing;
	}
	const secureContext = buildSecureContext(options);
	stats.secureContextsBuilt++;
	const t = options.timeouts ?? {};
	const base = buildConnector({
		secureContext,
		rejectUnauthorized: true,
		timeout: t.connectMs ?? 10_000,
		...(options.servername ? { servername: options.servername } : {}),
		...(options.lookup ? { lookup: options.lookup } : {}),
	} as buildConnector.BuildOptions);
	const servername = options.servername;
	// undici passes the URL host as `servername` per connection; the override must win.
	const withServername: buildConnector.connector = servername ? (opts, cb) => base({ ...opts, servername }, cb) : base;
	const connect = options.wrapConnector ? options.wrapConnector(withServername) : withServername;
	const agent = new Agent({
		connect,
		connections: options.connections ?? 16,
		pipelining: options.pipelining ?? 1,
		keepAliveTimeout: t.keepAliveMs ?? 30_000,
		keepAliveMaxTimeout: t.keepAliveMaxMs ?? 120_000,
	});
	stats.agentsBuilt++;
	const pooled: PooledAgent = { agent, key, secureContexts: 1 };
	pool.set(key, pooled);
	while (pool.size > MAX_AGENTS) {
		const oldest = pool.keys().next().value as string;
		void dropAgent(oldest);
	}
	return pooled;
}
