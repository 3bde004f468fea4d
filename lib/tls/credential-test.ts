/**
 * The Mutual TLS credential's Test button, without n8n types: parse and validate the key store
 * (fresh parse, bypassing the cache so a stale success cannot hide a change), report subject,
 * issuer, validity and SHA-256 fingerprint, warn when the certificate expires within 30 days,
 * and — when a Test URL is set — connect there once with the client certificate, through the
 * pipeline (the credential's outbound policy applies to the name, its DNS answers and the socket).
 */
import type { SecureContext } from 'node:tls';
import { Agent, buildConnector } from 'undici';
import { isLpError } from '../errors';
import { NO_RETRY, send } from '../http';
import type { Connection } from '../http/types';
import { guardConnector, OutboundPolicy, policyConnectOptions, policyForAllowText } from '../net/policy';
import { sentence } from '../text';
import { buildSecureContext } from './agent-pool';
import { describeMaterial, explainFor, MutualTlsSettings } from './credential';
import { KeyMaterial, loadKeyStore } from './keystore';

export interface CredentialTestResult {
	ok: boolean;
	message: string;
}

/** A one-off identity (not pooled) on the secure context the Test built: the Test must really handshake. */
function oneOffConnection(settings: MutualTlsSettings, material: KeyMaterial, secureContext: SecureContext, opened: Agent[]): Connection {
	return {
		label: 'Mutual TLS (test)',
		dispatcher(policy: OutboundPolicy) {
			const servername = settings.servername;
			const base = buildConnector({ secureContext, rejectUnauthorized: true, timeout: 10_000, ...policyConnectOptions(policy), ...(servername ? { servername } : {}) } as buildConnector.BuildOptions);
			const connector: buildConnector.connector = servername ? (o, cb) => base({ ...o, servername }, cb) : base;
			const agent = new Agent({ connect: guardConnector(policy, connector), connections: 1 });
			opened.push(agent);
			return agent;
		},
		secrets: () => (settings.input.password ? [settings.input.password] : []),
		explain: explainFor(material),
		tls: { minVersion: settings.minVersion, maxVersion: settings.maxVersion, hasTrustCertificate: !!settings.input.trust, clientCertificate: true },
	};
}

/**
 * The Test does what a run does, up to the network: the same key store decode (fresh, not from the
 * cache) and the same secure context (identity, trust, TLS versions) a run's agent is built with;
 * then, with a Test URL, one request through the pipeline on that context.
 */
export async function testMutualTlsCredential(settings: MutualTlsSettings, opts: { testUrl?: string; policy?: OutboundPolicy; timeoutMs?: number; now?: () => number } = {}): Promise<CredentialTestResult> {
	try {
		const material = loadKeyStore(settings.input, { cache: false, ...(opts.now ? { now: opts.now } : {}) });
		const secureContext = buildSecureContext({ material, minVersion: settings.minVersion, maxVersion: settings.maxVersion });
		const described = describeMaterial(material, settings, opts.now?.());
		// The warnings are said first when there are any (below), not twice.
		let message = material.warnings.length ? described.slice(0, described.lastIndexOf(' Warning: ')) : described;
		const testUrl = (opts.testUrl ?? '').trim();
		if (testUrl) {
			let url: URL;
			try {
				url = new URL(testUrl);
			} catch {
				return { ok: false, message: `${message} Test URL is not a valid URL.` };
			}
			const opened: Agent[] = [];
			try {
				const res = await send({
					url,
					connection: oneOffConnection(settings, material, secureContext, opened),
					policy: opts.policy ?? policyForAllowText(settings.allowedInternalNetworks),
					timeoutMs: opts.timeoutMs ?? 15_000,
					retry: NO_RETRY,
					serviceName: 'The test server',
				});
				message += ` Handshake with ${url.host} succeeded (HTTP ${res.status}).`;
			} finally {
				await Promise.all(opened.map((a) => a.close().catch(() => undefined)));
			}
		}
		// n8n's editor shows only "Connection tested successfully" for an OK test: a warning (a
		// certificate that expires within 30 days, no clientAuth usage) must be an Error to be read.
		if (material.warnings.length) return { ok: false, message: `Warning: ${sentence(material.warnings.join('; '))} The key store itself is valid: ${message}` };
		return { ok: true, message };
	} catch (error) {
		if (isLpError(error)) {
			const text = sentence(error.message);
			return { ok: false, message: error.hint ? `${text} ${error.hint}` : text };
		}
		return { ok: false, message: `The key store could not be used (${error instanceof Error ? error.constructor.name : typeof error}): check the format, the file and the password` };
	}
}
