/**
 * Measurements made in this process with the package's lib/ (no n8n):
 * - key store parse time per format (modern / legacy PKCS#12, JKS, PEM), cache bypassed;
 * - key store parses, secure contexts and TLS handshakes per credential when N items go through
 *   `sendApiRequest` (the API Integration node's I/O) with one credential;
 * - token requests per N items for client credentials (Sentinel) and Conversation Orchestrator v2,
 *   against the emulator.
 */
import { performance } from 'node:perf_hooks';
import { tokenCache } from '../lib/auth/token-cache';
import { closeAllDispatchers, send } from '../lib/http';
import { buildApiRequest, processApiResponse, sendApiRequest } from '../lib/integration/api-request';
import { orchestratorStrategy, orchestratorPolicy } from '../lib/liveperson/orchestrator-auth';
import { policyForAllowText } from '../lib/net/policy';
import { mutualTlsConnection } from '../lib/tls/credential';
import { CREDENTIAL_TYPES, mutualTlsConfig, strategyFor } from '../nodes/shared/credentialConfig';
import { agentPoolStats, closeAllAgents } from '../lib/tls/agent-pool';
import { clearKeyStoreCache, keyStoreStats, loadKeyStore, type KeyStoreInput } from '../lib/tls/keystore';
import type { Emulator } from '../sandbox/emulator/index';
import type { CountingServer } from './mtls-server';

export type StoreName = 'pkcs12Modern' | 'pkcs12Legacy' | 'jks' | 'pem';

export interface StoreFixture {
	name: StoreName;
	label: string;
	/** Mutual TLS credential data (field names as in lib/tls/credential.ts). */
	credential: Record<string, string>;
	input: KeyStoreInput;
}

export interface BenchPki {
	caPem: string;
	serverKey: string;
	serverCert: string;
	rsa: { keyPem: string; certPem: string };
	p12Modern: string;
	p12Legacy: string;
	jksRsa: string;
	password: string;
}

export function storeFixtures(pki: BenchPki): StoreFixture[] {
	const trust = { data: pki.caPem };
	const cred = (format: string, keyStore: string, extra: Record<string, string> = {}) => ({
		keyStoreFormat: format,
		keyStore,
		keyStorePassword: format === 'pem' ? '' : pki.password,
		trustCertificate: pki.caPem,
		protocols: 'tls12plus',
		...extra,
	});
	return [
		{
			name: 'pkcs12Modern',
			label: 'PKCS#12 (modern, AES-256/PBKDF2)',
			credential: cred('pkcs12', pki.p12Modern),
			input: { format: 'pkcs12', data: pki.p12Modern, password: pki.password, trust },
		},
		{
			name: 'pkcs12Legacy',
			label: 'PKCS#12 (legacy, RC2-40/3DES)',
			credential: cred('pkcs12', pki.p12Legacy),
			input: { format: 'pkcs12', data: pki.p12Legacy, password: pki.password, trust },
		},
		{ name: 'jks', label: 'JKS (keytool)', credential: cred('jks', pki.jksRsa), input: { format: 'jks', data: pki.jksRsa, password: pki.password, trust } },
		{
			name: 'pem',
			label: 'PEM (key + certificate)',
			credential: cred('pem', pki.rsa.certPem, { privateKey: pki.rsa.keyPem }),
			input: { format: 'pem', data: pki.rsa.certPem, key: pki.rsa.keyPem, trust },
		},
	];
}

const median = (xs: number[]) => {
	const s = [...xs].sort((a, b) => a - b);
	const m = Math.floor(s.length / 2);
	return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export interface ParseTime {
	store: StoreName;
	label: string;
	source: string;
	runs: number;
	medianMs: number;
	minMs: number;
}

/** Parse time per format, cache bypassed, `runs` times each (after one untimed warm-up). */
export function measureParseTimes(stores: StoreFixture[], runs = 7): ParseTime[] {
	const out: ParseTime[] = [];
	for (const s of stores) {
		const first = loadKeyStore(s.input, { cache: false });
		const times: number[] = [];
		for (let i = 0; i < runs; i++) {
			const t0 = performance.now();
			loadKeyStore(s.input, { cache: false });
			times.push(performance.now() - t0);
		}
		out.push({ store: s.name, label: s.label, source: first.source, runs, medianMs: median(times), minMs: Math.min(...times) });
	}
	clearKeyStoreCache();
	return out;
}

/** Runs `fn(i)` for i in 0..n-1 with at most `concurrency` in flight (like nodes/shared/execute.ts mapItems). */
export async function mapConcurrent(n: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<void> {
	let next = 0;
	const worker = async () => {
		for (;;) {
			const i = next++;
			if (i >= n) return;
			await fn(i);
		}
	};
	await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, n)) }, worker));
}

export interface CredentialRun {
	store: StoreName;
	items: number;
	concurrency: number;
	ms: number;
	itemsPerSec: number;
	/** Key store parses for this credential during the run (target 1). */
	parses: number;
	/** Secure contexts / undici Agents built for it (target 1). */
	secureContexts: number;
	handshakes: number;
	requests: number;
}

/**
 * N items through `sendApiRequest` with one Mutual TLS credential per store format, each in a clean
 * pool (parse cache and agents emptied first): parses, agents and handshakes per credential.
 */
export async function measureCredentialRuns(
	server: CountingServer,
	stores: StoreFixture[],
	itemsFor: (s: StoreFixture) => number,
	concurrency: number,
): Promise<CredentialRun[]> {
	const policy = policyForAllowText('loopback');
	const out: CredentialRun[] = [];
	for (const s of stores) {
		const n = itemsFor(s);
		await closeAllAgents();
		clearKeyStoreCache();
		const agentsBefore = agentPoolStats().secureContextsBuilt;
		await server.reset();
		let failures = 0;
		const t0 = performance.now();
		// The credential is read once, as a node execution does (the key store parse is part of the timing).
		const connection = mutualTlsConnection(mutualTlsConfig(s.credential), { credentialId: `bench-${s.name}`, connections: concurrency });
		await mapConcurrent(n, concurrency, async (i) => {
			const built = buildApiRequest({ method: 'GET', url: server.url, query: [{ name: 'i', value: String(i) }] });
			const res = await sendApiRequest(built, { connection }, { policy, retries: 0 });
			const body = JSON.parse(res.body.toString('utf8')) as { ok?: boolean };
			if (res.status !== 200 || body.ok !== true) failures++;
		});
		const ms = performance.now() - t0;
		if (failures) throw new Error(`lib run (${s.name}): ${failures} of ${n} requests failed`);
		const counts = await server.counts();
		out.push({
			store: s.name,
			items: n,
			concurrency,
			ms,
			itemsPerSec: n / (ms / 1000),
			parses: keyStoreStats().parses,
			secureContexts: agentPoolStats().secureContextsBuilt - agentsBefore,
			handshakes: counts.handshakes,
			requests: counts.requests,
		});
	}
	await closeAllAgents();
	clearKeyStoreCache();
	return out;
}

export interface LibRun {
	items: number;
	concurrency: number;
	warmup: number;
	ms: number;
	itemsPerSec: number;
	/** New TLS handshakes during the timed part (0 when the warm-up opened every connection). */
	handshakes: number;
	requests: number;
}

/**
 * The package's lib path the node uses per item (buildApiRequest → sendApiRequest with a Mutual
 * TLS credential resolved once per run like the node's execution, the policy memo, JSON decode), in this process, after
 * `warmup` untimed items on the same pooled agent: comparable with the warm (c) run.
 */
export async function measureLibThroughput(server: CountingServer, store: StoreFixture, n: number, concurrency: number, warmup = 300): Promise<LibRun> {
	// One auth object for the run, as the node resolves its credentials once per execution.
	const auth = { connection: mutualTlsConnection(mutualTlsConfig(store.credential), { credentialId: `bench-lib-${store.name}`, connections: concurrency }) };
	const one = async (i: number) => {
		const built = buildApiRequest({ method: 'GET', url: server.url, query: [{ name: 'i', value: String(i) }] });
		const policy = policyForAllowText('loopback');
		const res = await sendApiRequest(built, auth, { policy });
		const out = processApiResponse(res, { format: 'autodetect', url: built.url, serviceName: 'bench' });
		if (res.status !== 200 || (out.json as { ok?: boolean } | undefined)?.ok !== true) throw new Error(`lib run: item ${i} got HTTP ${res.status}`);
	};
	await mapConcurrent(warmup, concurrency, one);
	await server.reset({ keepConnections: true });
	const t0 = performance.now();
	await mapConcurrent(n, concurrency, one);
	const ms = performance.now() - t0;
	const counts = await server.counts();
	return { items: n, concurrency, warmup, ms, itemsPerSec: n / (ms / 1000), handshakes: counts.handshakes, requests: counts.requests };
}

export interface TokenRun {
	path: 'clientCredentials' | 'orchestratorV2';
	items: number;
	concurrency: number;
	tokenRequests: number;
	apiRequests: number;
	ms: number;
}

/** Token requests per N items, client credentials and CO v2, against the emulator (cold token cache). */
export async function measureTokenRequests(emu: Emulator, n: number, concurrency: number): Promise<TokenRun[]> {
	const out: TokenRun[] = [];
	try {
		const acc = emu.config.accountId;
		// Client credentials (Sentinel): every item asks for the token; the cache must fetch it once.
		tokenCache.clear();
		emu.reset();
		const ccAuth = strategyFor(CREDENTIAL_TYPES.clientCredentials, clientCredentialsData(emu));
		const loopback = policyForAllowText('loopback');
		let failures = 0;
		let t0 = performance.now();
		await mapConcurrent(n, concurrency, async (i) => {
			const res = await send({ url: `${emu.url}/protected/echo?i=${i}`, method: 'GET', auth: ccAuth, policy: loopback });
			if (res.status !== 200) failures++;
		});
		out.push({
			path: 'clientCredentials',
			items: n,
			concurrency,
			tokenRequests: emu.count('sentinel.token'),
			apiRequests: emu.count('protected.echo'),
			ms: performance.now() - t0,
		});
		if (failures) throw new Error(`client credentials: ${failures} of ${n} calls failed`);

		// Conversation Orchestrator v2: login once, token on every CCS v2 call.
		tokenCache.clear();
		emu.reset();
		const co = {
			region: 'custom',
			customHost: emu.url,
			apiVersion: 'v2',
			userId: emu.config.orchestrator.v2.userId,
			password: emu.config.orchestrator.v2.password,
			allowedInternalNetworks: 'loopback',
		};
		const coAuth = orchestratorStrategy(co, 'header');
		t0 = performance.now();
		await mapConcurrent(n, concurrency, async (i) => {
			// 404 "document not found" is an authorized answer; 401/403 are not.
			const res = await send({ url: `${emu.url}/v2/context/document/${acc}/custom/bench-${i}`, auth: coAuth, policy: orchestratorPolicy(co), serviceName: 'CCS v2' });
			const status = res.status;
			if (status !== 200 && status !== 404) failures++;
		});
		out.push({
			path: 'orchestratorV2',
			items: n,
			concurrency,
			tokenRequests: emu.count('co.v2.login'),
			apiRequests: emu.count('co.ccs.v2'),
			ms: performance.now() - t0,
		});
		if (failures) throw new Error(`Conversation Orchestrator v2: ${failures} of ${n} calls failed`);
	} finally {
		tokenCache.clear();
		emu.reset();
		await closeAllDispatchers();
	}
	return out;
}

/** The OAuth2 client credentials credential (livePersonOAuth2ClientCredentialsApi) for the emulator's Sentinel. */
export function clientCredentialsData(emu: Emulator): Record<string, string> {
	return {
		accessTokenUrl: `${emu.url}/sentinel/api/account/${emu.config.accountId}/app/token`,
		clientId: emu.config.oauth2Client.clientId,
		clientSecret: emu.config.oauth2Client.clientSecret,
		scope: '',
		authentication: 'header',
		allowedInternalNetworks: 'loopback',
	};
}
