/**
 * The Mutual TLS credential (Conversation Builder "Mutual Authentication") as a typed config → key
 * material, TLS versions and a pipeline Connection (pooled, policy-guarded agents). No n8n imports:
 * nodes/shared/credentialConfig.ts reads the credential's fields.
 */
import { LpError } from '../errors';
import type { Connection } from '../http/types';
import { guardConnector, OutboundPolicy } from '../net/policy';
import { AgentOptions, getAgent, isPooled, PooledAgent, TlsVersion } from './agent-pool';
import { durationText, shortName, utcText } from './certs';
import { sentence } from '../text';
import { KeyMaterial, KeyStoreFormat, KeyStoreInput, loadKeyStore, LoadOptions, TrustFormat } from './keystore';

export type ProtocolChoice = 'tls12plus' | 'tls13' | 'tls12' | 'tls11plus';

/** "Cryptographic Protocols" choices → [min, max]. TLS 1.1 only when explicitly chosen. */
export const PROTOCOLS: Record<ProtocolChoice, [TlsVersion, TlsVersion]> = {
	tls12plus: ['TLSv1.2', 'TLSv1.3'],
	tls13: ['TLSv1.3', 'TLSv1.3'],
	tls12: ['TLSv1.2', 'TLSv1.2'],
	tls11plus: ['TLSv1.1', 'TLSv1.3'],
};

/**
 * The typed config of a Mutual TLS credential (nodes/shared/credentialConfig.ts builds it from the
 * n8n fields, once per execution, frozen).
 */
export interface MutualTlsSettings {
	input: KeyStoreInput;
	minVersion: TlsVersion;
	maxVersion: TlsVersion;
	servername?: string;
	/** The credential's "Allowed Internal Networks" (used by its Test URL). */
	allowedInternalNetworks?: string;
}

/** Checks the protocol choice and the server name (field names as in the credential). */
export function protocolVersions(choice: string): [TlsVersion, TlsVersion] {
	const versions = PROTOCOLS[(choice || 'tls12plus') as ProtocolChoice];
	if (!versions) throw new LpError('input', `Unknown Cryptographic Protocols choice "${choice}"`, { field: 'protocols', code: 'TLS_VERSION' });
	return versions;
}

export function checkServerName(value: string): string | undefined {
	const servername = value.trim();
	if (servername && !/^[A-Za-z0-9.-]+$/.test(servername)) {
		throw new LpError('input', 'Server Name must be a DNS host name (letters, digits, dots, dashes)', { field: 'serverName', code: 'INVALID_INPUT' });
	}
	return servername || undefined;
}

export function checkKeyStoreFormat(value: string): KeyStoreFormat {
	const format = (value || 'pkcs12') as KeyStoreFormat;
	if (!['pkcs12', 'jks', 'pem'].includes(format)) {
		throw new LpError('input', `Unknown Key Store Format "${format}"`, { field: 'keyStoreFormat', code: 'FORMAT_UNKNOWN' });
	}
	return format;
}

export type { TrustFormat };

export interface MutualTlsConnectionOptions extends Pick<AgentOptions, 'connections' | 'timeouts'> {
	/** The n8n credential id: a changed credential with the same id closes the agents of the old one. */
	credentialId?: string;
	load?: LoadOptions;
}

export interface MutualTlsConnection extends Connection {
	/** The parsed key store (parsed once per credential per process). */
	readonly material: KeyMaterial;
}

const connections = new WeakMap<MutualTlsSettings, Map<string, MutualTlsConnection>>();

/**
 * The client identity as a pipeline Connection: one parsed key store (cached by its fingerprint),
 * and one pooled agent per outbound policy, whose connector checks every DNS answer and the
 * connected socket. Built once per settings object (one per execution) and options; the per-item
 * cost is a map lookup.
 */
export function mutualTlsConnection(settings: MutualTlsSettings, options: MutualTlsConnectionOptions = {}): MutualTlsConnection {
	const optionsKey = `${options.connections ?? ''}|${options.credentialId ?? ''}|${JSON.stringify(options.timeouts ?? {})}`;
	let byOptions = connections.get(settings);
	const known = byOptions?.get(optionsKey);
	if (known) return known;
	const material = loadKeyStore(settings.input, options.load);
	const agents = new Map<string, PooledAgent>();
	const password = settings.input.password;
	const connection: MutualTlsConnection = {
		label: 'Mutual TLS',
		material,
		dispatcher(policy: OutboundPolicy) {
			const hit = agents.get(policy.fingerprint);
			if (hit && isPooled(hit)) return hit.agent;
			const pooled = getAgent({
				material,
				minVersion: settings.minVersion,
				maxVersion: settings.maxVersion,
				servername: settings.servername,
				connections: options.connections,
				timeouts: options.timeouts,
				credentialId: options.credentialId,
				...(policy.enabled ? { wrapConnector: (base) => guardConnector(policy, base), wrapConnectorKey: policy.fingerprint, lookup: policy.lookup as never, lookupKey: policy.fingerprint } : {}),
			});
			agents.set(policy.fingerprint, pooled);
			return pooled.agent;
		},
		secrets: () => (password ? [password] : []),
		explain: explainFor(material),
		tls: { minVersion: settings.minVersion, maxVersion: settings.maxVersion, hasTrustCertificate: !!settings.input.trust, clientCertificate: true },
	};
	if (!byOptions) connections.set(settings, (byOptions = new Map()));
	byOptions.set(optionsKey, connection);
	return connection;
}

/**
 * A server that refuses the client certificate sends a TLS alert and closes the connection; Node and
 * undici report that as a plain reset ("other side closed" with TLS 1.3, ECONNRESET "before secure
 * TLS connection was established" with TLS 1.2). With mutual TLS, say so in the hint.
 */
export function explainMutualTlsReset(error: LpError): LpError {
	if (error.kind === 'network' && RESET_CODES.has(error.code ?? '')) {
		return new LpError('network', `${error.message} (with mutual TLS: the server may have refused the client certificate)`, {
			code: error.code,
			cause: (error as { cause?: unknown }).cause,
			hint: 'A server that does not accept the client certificate (unknown issuer, expired, or not the one it expects) closes the connection during or right after the TLS handshake: check the certificate in the Mutual TLS credential and that the server trusts its CA. Otherwise check the host and port.',
		});
	}
	return error;
}

const RESET_CODES = new Set(['ECONNRESET', 'UND_ERR_SOCKET', 'EPIPE']);

/**
 * The connection's `explain` for an identity: the reset explained (above), and the identity's
 * warnings (no clientAuth usage, expiry) added to the hint of every TLS failure or reset — they are
 * often the reason the server refused, and the handshake error alone does not say so.
 */
export function explainFor(material: Pick<KeyMaterial, 'warnings'>): (error: LpError) => LpError {
	return (error) => {
		const explained = explainMutualTlsReset(error);
		const handshake = explained.kind === 'tls' || (explained.kind === 'network' && RESET_CODES.has(explained.code ?? ''));
		const warnings = material.warnings;
		if (!handshake || !warnings.length) return explained;
		const note = `About the client certificate: ${sentence(warnings.join('; '))}`;
		const hint = explained.hint ? `${sentence(explained.hint)} ${note}` : note;
		// In the message too: a Continue On Fail item and n8n's error output keep only the message.
		const message = `${explained.message}. ${warnings.join('; ')}`;
		return new LpError(explained.kind, message, { code: explained.code, field: explained.field, cause: (explained as { cause?: unknown }).cause, hint });
	};
}

/** The credential test's report: subject, issuer, validity, SHA-256 fingerprint, warnings. */
export function describeMaterial(material: KeyMaterial, settings?: Pick<MutualTlsSettings, 'minVersion' | 'maxVersion'>, now?: number): string {
	const i = material.info;
	const parts = [
		`Certificate "${shortName(i)}" (${i.keyType}, ${material.format === 'pkcs12' ? 'PKCS#12' : material.format.toUpperCase()})`,
		...(material.alias ? [`key alias "${material.alias}"`] : []),
		`subject ${i.subject}`,
		`issued by ${i.issuer}`,
		`valid from ${utcText(i.validFrom)} to ${utcText(i.validTo)} (${durationText(Math.max(0, Date.parse(i.validTo) - (now ?? Date.now())))} left)`,
		`SHA-256 ${i.sha256Fingerprint}`,
	];
	parts.push(material.trustSummary());
	if (settings) parts.push(`TLS ${settings.minVersion.slice(4)}-${settings.maxVersion.slice(4)}`);
	const warnings = material.warnings.length ? ` Warning: ${material.warnings.join('; ')}.` : '';
	return `${parts.join('; ')}.${warnings}`;
}
