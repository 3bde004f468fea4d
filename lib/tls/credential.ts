/**
 * The Mutual TLS credential (Conversation Builder "Mutual Authentication") as plain data → key
 * material, TLS versions and a pooled agent. No n8n imports: the credential and the nodes pass
 * their decrypted data here.
 */
import { LpError } from '../errors';
import { AgentOptions, ConnectorWrapper, getAgent, PooledAgent, TlsVersion } from './agent-pool';
import { shortName } from './certs';
import { KeyMaterial, KeyStoreFormat, KeyStoreInput, loadKeyStore, LoadOptions, TrustFormat } from './keystore';
import { fieldText } from '../text';

export const MUTUAL_TLS_CREDENTIAL_TYPE = 'livePersonMutualTlsApi';

export type ProtocolChoice = 'tls12plus' | 'tls13' | 'tls12' | 'tls11plus';

/** "Cryptographic Protocols" choices → [min, max]. TLS 1.1 only when explicitly chosen. */
export const PROTOCOLS: Record<ProtocolChoice, [TlsVersion, TlsVersion]> = {
	tls12plus: ['TLSv1.2', 'TLSv1.3'],
	tls13: ['TLSv1.3', 'TLSv1.3'],
	tls12: ['TLSv1.2', 'TLSv1.2'],
	tls11plus: ['TLSv1.1', 'TLSv1.3'],
};

export interface MutualTlsSettings {
	input: KeyStoreInput;
	minVersion: TlsVersion;
	maxVersion: TlsVersion;
	servername?: string;
}

/** Reads the credential fields (names as in LivePersonMutualTlsApi.credentials.ts). */
export function mutualTlsSettings(data: Record<string, unknown>): MutualTlsSettings {
	const format = (fieldText(data.keyStoreFormat) || 'pkcs12') as KeyStoreFormat;
	if (!['pkcs12', 'jks', 'pem'].includes(format)) {
		throw new LpError('input', `Unknown Key Store Format "${format}"`, { field: 'keyStoreFormat', code: 'FORMAT_UNKNOWN' });
	}
	const protocols = (fieldText(data.protocols) || 'tls12plus') as ProtocolChoice;
	const versions = PROTOCOLS[protocols];
	if (!versions) throw new LpError('input', `Unknown Cryptographic Protocols choice "${protocols}"`, { field: 'protocols', code: 'TLS_VERSION' });
	const trustData = fieldText(data.trustCertificate).trim();
	const servername = fieldText(data.serverName).trim();
	if (servername && !/^[A-Za-z0-9.-]+$/.test(servername)) {
		throw new LpError('input', 'Server Name must be a DNS host name (letters, digits, dots, dashes)', { field: 'serverName', code: 'INVALID_INPUT' });
	}
	return {
		input: {
			format,
			data: fieldText(data.keyStore),
			key: format === 'pem' ? fieldText(data.privateKey) || undefined : undefined,
			password: fieldText(data.keyStorePassword) || undefined,
			trust: trustData
				? { data: trustData, format: (fieldText(data.trustFormat) || undefined) as TrustFormat | undefined, password: fieldText(data.trustStorePassword) || undefined }
				: undefined,
		},
		minVersion: versions[0],
		maxVersion: versions[1],
		servername: servername || undefined,
	};
}

const SETTINGS_FIELDS = ['keyStoreFormat', 'keyStore', 'privateKey', 'keyStorePassword', 'trustCertificate', 'trustFormat', 'trustStorePassword', 'protocols', 'serverName'] as const;
const settingsMemo = new WeakMap<object, { values: unknown[]; settings: MutualTlsSettings }>();

/**
 * `mutualTlsSettings(data)`, the same (frozen) object while the fields of `data` are unchanged: a
 * node passes one credential object for all its items, so the key store input keeps its identity
 * and its fingerprint is computed once (lib/tls/keystore.ts), not per item.
 */
export function cachedMutualTlsSettings(data: Record<string, unknown>): MutualTlsSettings {
	const values = SETTINGS_FIELDS.map((f) => data[f]);
	const hit = settingsMemo.get(data);
	if (hit && hit.values.every((v, i) => v === values[i])) return hit.settings;
	const settings = mutualTlsSettings(data);
	if (settings.input.trust) Object.freeze(settings.input.trust);
	Object.freeze(settings.input);
	Object.freeze(settings);
	settingsMemo.set(data, { values, settings });
	return settings;
}

export interface MutualTlsAgentOptions extends Pick<AgentOptions, 'connections' | 'timeouts' | 'lookup' | 'lookupKey'> {
	credentialId?: string;
	wrapConnector?: ConnectorWrapper;
	wrapConnectorKey?: string;
	load?: LoadOptions;
}

/** Parsed material (cached) and the pooled agent for a Mutual TLS credential. */
export function mutualTlsAgent(data: Record<string, unknown>, options: MutualTlsAgentOptions = {}): PooledAgent & { material: KeyMaterial } {
	const settings = cachedMutualTlsSettings(data);
	const material = loadKeyStore(settings.input, options.load);
	const pooled = getAgent({
		material,
		minVersion: settings.minVersion,
		maxVersion: settings.maxVersion,
		servername: settings.servername,
		connections: options.connections,
		timeouts: options.timeouts,
		wrapConnector: options.wrapConnector,
		wrapConnectorKey: options.wrapConnectorKey,
		lookup: options.lookup,
		lookupKey: options.lookupKey,
		credentialId: options.credentialId,
	});
	return { ...pooled, material };
}

/** The credential test's report: subject, issuer, validity, SHA-256 fingerprint, warnings. */
export function describeMaterial(material: KeyMaterial, settings?: Pick<MutualTlsSettings, 'minVersion' | 'maxVersion'>): string {
	const i = material.info;
	const parts = [
		`Certificate "${shortName(i)}" (${i.keyType}, ${material.format === 'pkcs12' ? 'PKCS#12' : material.format.toUpperCase()})`,
		`subject ${i.subject}`,
		`issued by ${i.issuer}`,
		`valid ${i.validFrom.slice(0, 10)} to ${i.validTo.slice(0, 10)} (${i.expiresInDays} days left)`,
		`SHA-256 ${i.sha256Fingerprint}`,
	];
	parts.push(material.trustSummary());
	if (settings) parts.push(`TLS ${settings.minVersion.slice(4)}-${settings.maxVersion.slice(4)}`);
	const warnings = material.warnings.length ? ` Warning: ${material.warnings.join('; ')}.` : '';
	return `${parts.join('; ')}.${warnings}`;
}
