/** Certificate inspection (Node's X509Certificate) and PEM helpers. Never touches private keys' content. */
import { KeyObject, X509Certificate } from 'node:crypto';

export type KeyType = 'RSA' | 'EC' | 'RSA-PSS' | 'Ed25519' | 'Ed448' | 'DSA';

export interface CertificateInfo {
	subject: string;
	issuer: string;
	/** ISO 8601. */
	validFrom: string;
	validTo: string;
	/** Colon-separated upper-case hex, as browsers and `openssl x509 -fingerprint -sha256` print it. */
	sha256Fingerprint: string;
	serialNumber: string;
	keyType: KeyType;
	/** Whole days until validTo (negative once expired), computed when the info is read. */
	expiresInDays: number;
	/** Subject alternative names as printed by Node, when present. */
	subjectAltName?: string;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

export interface PemBlock {
	label: string;
	/** The full block text, normalised line endings. */
	text: string;
	der: Buffer;
}

export function pemBlocks(text: string): PemBlock[] {
	const out: PemBlock[] = [];
	for (const match of text.replace(/\r\n?/g, '\n').matchAll(PEM_BLOCK)) {
		const body = match[2];
		// Headers (Proc-Type/DEK-Info of traditional encrypted keys) come before a blank line.
		const base64 = body.includes(':') ? body.slice(body.indexOf('\n\n') + 2) : body;
		out.push({ label: match[1], text: match[0], der: Buffer.from(base64.replace(/\s+/g, ''), 'base64') });
	}
	return out;
}

export const derToPem = (der: Buffer, label = 'CERTIFICATE') =>
	`-----BEGIN ${label}-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END ${label}-----\n`;

const DN_LINE = /\n/g;
/** "CN=a\nO=b" → "CN=a, O=b". */
const dn = (value: string) => value.trim().replace(DN_LINE, ', ');

export function keyTypeOf(key: KeyObject): KeyType {
	switch (key.asymmetricKeyType) {
		case 'rsa':
			return 'RSA';
		case 'rsa-pss':
			return 'RSA-PSS';
		case 'ec':
			return 'EC';
		case 'ed25519':
			return 'Ed25519';
		case 'ed448':
			return 'Ed448';
		case 'dsa':
			return 'DSA';
		default:
			return (key.asymmetricKeyType ?? 'unknown').toUpperCase() as KeyType;
	}
}

export const DAY_MS = 86_400_000;

export function certificateInfo(cert: X509Certificate, now = Date.now()): CertificateInfo {
	const validTo = new Date(cert.validTo);
	return {
		subject: dn(cert.subject),
		issuer: dn(cert.issuer),
		validFrom: new Date(cert.validFrom).toISOString(),
		validTo: validTo.toISOString(),
		sha256Fingerprint: cert.fingerprint256,
		serialNumber: cert.serialNumber,
		keyType: keyTypeOf(cert.publicKey),
		expiresInDays: Math.floor((validTo.getTime() - now) / DAY_MS),
		...(cert.subjectAltName ? { subjectAltName: cert.subjectAltName } : {}),
	};
}

/** A short human name for messages: the CN when there is one, else the whole subject. */
export function shortName(info: Pick<CertificateInfo, 'subject'>): string {
	const cn = /(?:^|, )CN=([^,]+)/.exec(info.subject);
	return cn ? cn[1] : info.subject;
}
