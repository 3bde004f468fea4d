/**
 * The Mutual TLS credential's Test button, without n8n types: parse and validate the key store
 * (fresh parse, bypassing the cache so a stale success cannot hide a change), report subject,
 * issuer, validity and SHA-256 fingerprint, warn when the certificate expires within 30 days,
 * and — when a Test URL is set — connect there once with the client certificate.
 */
import { isLpError } from '../errors';
import { OutboundPolicy, policyConnectOptions } from '../net/policy';
import { send } from '../net/transport';
import { buildSecureContext } from './agent-pool';
import { describeMaterial, mutualTlsSettings } from './credential';
import { loadKeyStore } from './keystore';
import { Agent, buildConnector } from 'undici';
import { guardConnector } from '../net/policy';
import { sentence } from '../text';

export interface CredentialTestResult {
	ok: boolean;
	message: string;
}

export async function testMutualTlsCredential(data: Record<string, unknown>, opts: { policy?: OutboundPolicy; timeoutMs?: number } = {}): Promise<CredentialTestResult> {
	try {
		const settings = mutualTlsSettings(data);
		const material = loadKeyStore(settings.input, { cache: false });
		let message = describeMaterial(material, settings);
		const testUrl = typeof data.testUrl === 'string' ? data.testUrl.trim() : '';
		if (testUrl) {
			const policy = opts.policy ?? new OutboundPolicy();
			let url: URL;
			try {
				url = new URL(testUrl);
			} catch {
				return { ok: false, message: `${message} Test URL is not a valid URL.` };
			}
			try {
				policy.checkUrl(url);
			} catch (error) {
				return { ok: true, message: `${message} The Test URL was not contacted: ${isLpError(error) ? sentence(error.message) : 'it is not allowed.'}` };
			}
			// A one-off agent (not pooled): the test must really handshake with these settings.
			const secureContext = buildSecureContext({ material, minVersion: settings.minVersion, maxVersion: settings.maxVersion });
			const base = buildConnector({ secureContext, rejectUnauthorized: true, timeout: 10_000, ...policyConnectOptions(policy), ...(settings.servername ? { servername: settings.servername } : {}) } as buildConnector.BuildOptions);
			const servername = settings.servername;
			const connector: buildConnector.connector = servername ? (o, cb) => base({ ...o, servername }, cb) : base;
			const agent = new Agent({ connect: guardConnector(policy, connector), connections: 1 });
			try {
				const res = await send({ url, dispatcher: agent, timeoutMs: opts.timeoutMs ?? 15_000, retry: { retries: 0 }, serviceName: 'The test server' });
				message += ` Handshake with ${url.host} succeeded (HTTP ${res.status}).`;
			} finally {
				await agent.close().catch(() => undefined);
			}
		}
		return { ok: true, message };
	} catch (error) {
		if (isLpError(error)) {
			const text = sentence(error.message);
			return { ok: false, message: error.hint ? `${text} ${error.hint}` : text };
		}
		return { ok: false, message: `Unexpected error (${error instanceof Error ? error.constructor.name : typeof error})` };
	}
}
