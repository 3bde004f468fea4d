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

/**
 * PEM as pasted from YAML, JSON-ish configs or e-mails: every line trimmed (indentation, trailing
 * blanks, tabs), CR/LF normalised. Base64 and the BEGIN/END lines carry no meaningful blanks.
 */
export function normalisePem(text: string): string {
	return text
		.replace(/\r\n?/g, '\n')
		.split('\n')
		.map((line) => line.trim())
		.join('\n');
}

export interface PemBlock {
	label: string;
	/** The full block text, each line trimmed, normalised line endings. */
	text: string;
	der: Buffer;
}

export function pemBlocks(text: string): PemBlock[] {
	const out: PemBlock[] = [];
	for (const match of normalisePem(text).matchAll(PEM_BLOCK)) {
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
const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

/** "2026-12-06 11:33 UTC" (minutes truncated) from an ISO timestamp or epoch milliseconds. */
export function utcText(when: string | number): string {
	const iso = new Date(when).toISOString();
	return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

const unit = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * A duration in words, the two largest units, each truncated: never more time than there is
 * ("4 days 23 hours" at 4.99 days, "5 hours 59 minutes", "less than a minute").
 */
export function durationText(ms: number): string {
	if (ms < MINUTE_MS) return 'less than a minute';
	const days = Math.floor(ms / DAY_MS);
	const hours = Math.floor((ms % DAY_MS) / HOUR_MS);
	const minutes = Math.floor((ms % HOUR_MS) / MINUTE_MS);
	if (days > 0) return hours ? `${unit(days, 'day')} ${unit(hours, 'hour')}` : unit(days, 'day');
	if (hours > 0) return minutes ? `${unit(hours, 'hour')} ${unit(minutes, 'minute')}` : unit(hours, 'hour');
	return unit(minutes, 'minute');
}

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
