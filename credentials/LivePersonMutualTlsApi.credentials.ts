import type { ICredentialType, INodeProperties } from 'n8n-workflow';
import { allowedInternalNetworksCredentialField } from '../nodes/shared/properties';

/**
 * Conversation Builder "Mutual Authentication" bot-account credential (mutual TLS): a key store
 * with the client key pair (PKCS#12/PFX, JKS or PEM), an optional trust certificate for the
 * server, the passwords, the TLS versions and an optional server name (SNI).
 *
 * n8n has no file-upload field: binary key stores are pasted as base64 (`base64 -w0 file.p12`).
 * The key store is parsed once per process (lib/tls/keystore.ts) and one pooled TLS agent per
 * credential is reused by every request (lib/tls/agent-pool.ts).
 *
 * Test button: the node's `methods.credentialTest` (testedBy `livePersonMutualTlsApiTest` in
 * the LivePerson API Integration node) parses the key store and reports subject, issuer,
 * validity and SHA-256 fingerprint; with a Test URL it also performs a real handshake.
 */
export class LivePersonMutualTlsApi implements ICredentialType {
	name = 'livePersonMutualTlsApi';

	displayName = 'LivePerson Mutual TLS API';

	icon = { light: 'file:liveperson.svg', dark: 'file:liveperson.dark.svg' } as const;

	documentationUrl = 'https://github.com/n8n-nodes-liveperson/n8n-nodes-liveperson/blob/main/docs/credentials/mutual-tls.md';

	properties: INodeProperties[] = [
		{
			displayName: 'Key Store Format',
			name: 'keyStoreFormat',
			type: 'options',
			default: 'pkcs12',
			options: [
				{ name: 'PKCS#12 / PFX (.P12, .PFX)', value: 'pkcs12' },
				{ name: 'JKS (Java KeyStore, .JKS)', value: 'jks' },
				{ name: 'PEM (Certificate + Private Key)', value: 'pem' },
			],
			description: 'Format of the key certificate. A PKCS#12 file made by keytool is also accepted as JKS and the other way round: the content decides.',
		},
		// eslint-disable-next-line @n8n/community-nodes/credential-unnecessary-password -- the key store holds the client's private key
		{
			displayName: 'Key Certificate',
			name: 'keyStore',
			type: 'string',
			// One masked line: n8n 2.41 shows a multi-row password field unmasked (base64 needs no newlines).
			typeOptions: { password: true },
			default: '',
			required: true,
			displayOptions: { show: { keyStoreFormat: ['pkcs12', 'jks'] } },
			placeholder: 'MIIKCQIBAzCCCc8GCSqGSIb3DQEHAaCCCcAEggm8MIIJuDCCBG8GCSqGSIb3...',
			description: 'The key store file (private key and certificate) as base64 text, e.g. the output of "base64 -w0 client.p12"',
		},
		// eslint-disable-next-line @n8n/community-nodes/credential-unnecessary-password -- the key store holds the client's private key
		{
			displayName: 'Key Certificate',
			name: 'keyStore',
			type: 'string',
			typeOptions: { password: true, rows: 4 },
			default: '',
			required: true,
			displayOptions: { show: { keyStoreFormat: ['pem'] } },
			placeholder: '-----BEGIN CERTIFICATE-----',
			description: 'The client certificate in PEM format, optionally followed by its intermediate certificates (and the private key, if not given below)',
		},
		{
			displayName: 'Private Key',
			name: 'privateKey',
			type: 'string',
			typeOptions: { password: true, rows: 4 },
			default: '',
			displayOptions: { show: { keyStoreFormat: ['pem'] } },
			placeholder: 'PEM private key (a -----BEGIN … PRIVATE KEY----- block)',
			description: 'The private key in PEM format (PKCS#8, PKCS#1 or SEC1; encrypted keys use the Key Store Password). Leave empty when the key is in the Key Certificate text.',
		},
		{
			displayName: 'Key Store Password',
			name: 'keyStorePassword',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description: 'Password of the key store (for JKS also the key password), or passphrase of an encrypted PEM key. Leave empty if there is none.',
		},
		{
			displayName: 'Key Alias',
			name: 'keyAlias',
			// eslint-disable-next-line n8n-nodes-base/cred-class-field-type-options-password-missing -- the name of a key entry (keytool -list shows it), not a secret
			type: 'string',
			default: '',
			displayOptions: { show: { keyStoreFormat: ['pkcs12', 'jks'] } },
			placeholder: 'client',
			description:
				'Optional. Which key entry to use when the key store holds several private keys: its alias (keytool -list) or, in a PKCS#12, its friendly name (openssl pkcs12 -name). A store with several keys and no alias is refused with the list of its aliases.',
		},
		// eslint-disable-next-line @n8n/community-nodes/credential-password-field -- a server's or CA's public certificate, not a secret
		{
			displayName: 'Trust Certificate',
			name: 'trustCertificate',
			type: 'string',
			typeOptions: { rows: 4 },
			default: '',
			placeholder: '-----BEGIN CERTIFICATE-----',
			description:
				'Optional. The certificate (or CA) of the server to trust: PEM text (.pem, .crt, .cer), or base64 of a DER certificate, a PKCS#12 or a JKS trust store. When given, it is the ONLY trust anchor: public CAs and CA certificates inside the key store are then not trusted. When empty, the public CAs and the CA certificates that come with the client certificate in the key store are trusted (PKCS#12, JKS and PEM alike).',
		},
		{
			displayName: 'Trust Store Password',
			name: 'trustStorePassword',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description: 'Password of a PKCS#12 / JKS trust store, if it has one',
		},
		{
			displayName: 'Cryptographic Protocols',
			name: 'protocols',
			type: 'options',
			default: 'tls12plus',
			options: [
				{ name: 'TLS 1.2 and Newer', value: 'tls12plus' },
				{ name: 'TLS 1.3 Only', value: 'tls13' },
				{ name: 'TLS 1.2 Only', value: 'tls12' },
				{ name: 'TLS 1.1 and Newer (Insecure, Legacy Servers Only)', value: 'tls11plus' },
			],
			description: 'TLS versions offered to the server. Conversation Builder\'s blank default includes TLS 1.1; here it must be chosen explicitly.',
		},
		{
			displayName:
				'TLS 1.1 is deprecated (RFC 8996) and insecure: use it only for a legacy server that cannot do TLS 1.2. It also lowers the OpenSSL security level for this credential.',
			name: 'tls11Notice',
			type: 'notice',
			default: '',
			displayOptions: { show: { protocols: ['tls11plus'] } },
		},
		{
			displayName: 'Server Name (SNI)',
			name: 'serverName',
			type: 'string',
			default: '',
			placeholder: 'api.example.com',
			description: 'Optional. Host name sent in the TLS handshake (SNI) and checked against the server certificate, when it differs from the URL host (e.g. calling by IP address).',
		},
		{
			displayName: 'Test URL',
			name: 'testUrl',
			type: 'string',
			default: '',
			placeholder: 'https://api.example.com/health',
			description: 'Optional. The Test button always checks the key store; with a URL it also connects there with the client certificate (a GET; any HTTP status counts as a successful handshake).',
		},
		allowedInternalNetworksCredentialField('the Test URL'),
	];
}
