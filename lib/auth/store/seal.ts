/**
 * Encryption of tokens kept in a shared store (Redis). Nothing readable leaves the process:
 *
 * - Keys: HKDF-SHA256 over the n8n encryption key (N8N_ENCRYPTION_KEY, the same on every n8n process
 *   of a cluster), salt and info fixed per purpose: one AES-256-GCM key for the records, one HMAC key
 *   for names and value hashes, and a key id (8 bytes of a third derivation) written into every record
 *   so a process with another key (or a future key version) treats the record as missing instead of
 *   failing to decrypt it.
 * - Names: the store name of a cache key is HMAC-SHA256(nameKey, key): the credential's fingerprint
 *   never appears in Redis, and without the n8n key a name cannot be linked to a credential.
 * - Records: AES-256-GCM with a random 96-bit IV per write; the additional data binds the record to
 *   its format version, key id and name, so a record copied under another name does not open.
 * - Value hashes (for compare-and-delete on a rejected token): HMAC-SHA256(nameKey, value), so the
 *   hash in Redis cannot be tested against guessed tokens without the key.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'crypto';
import { LpError } from '../../errors';
import type { StoredToken } from './types';

export const SEAL_VERSION = 1;
const SALT = 'n8n-nodes-liveperson/token-store';

export interface SealedRecord {
	v: number;
	kid: string;
	iv: string;
	ct: string;
	tag: string;
}

function derive(secret: Buffer, info: string): Buffer {
	return Buffer.from(hkdfSync('sha256', secret, SALT, info, 32));
}

export class TokenSealer {
	/** Identifies the derived key without revealing it (hex, 16 chars). */
	readonly keyId: string;
	private readonly encKey: Buffer;
	private readonly macKey: Buffer;

	constructor(encryptionKey: string | Buffer) {
		const secret = typeof encryptionKey === 'string' ? Buffer.from(encryptionKey, 'utf8') : Buffer.from(encryptionKey);
		if (secret.length < 16) {
			throw new LpError('config', 'The token store needs an encryption key of at least 16 characters (N8N_ENCRYPTION_KEY)', {
				field: 'encryptionKey',
				code: 'TOKEN_STORE_KEY_INVALID',
			});
		}
		this.encKey = derive(secret, `aes-256-gcm v${SEAL_VERSION}`);
		this.macKey = derive(secret, `hmac-sha256 names v${SEAL_VERSION}`);
		this.keyId = createHash('sha256').update(derive(secret, `key id v${SEAL_VERSION}`)).digest('hex').slice(0, 16);
	}

	/** The store name of a cache key (hex). */
	name(key: string): string {
		return createHmac('sha256', this.macKey).update('name\0').update(key).digest('hex').slice(0, 40);
	}

	/** Keyed hash of a token value, for compare-and-delete. */
	valueHash(value: string): string {
		return createHmac('sha256', this.macKey).update('value\0').update(value).digest('base64url');
	}

	private aad(name: string, kid: string): Buffer {
		return Buffer.from(`lp-token v${SEAL_VERSION}\0${kid}\0${name}`, 'utf8');
	}

	seal(name: string, entry: StoredToken): string {
		const { token } = entry;
		const plain = JSON.stringify({
			value: token.value,
			// JSON has no Infinity: null means "does not expire".
			expiresAt: token.expiresAt === Infinity ? null : token.expiresAt,
			tokenType: token.tokenType,
			extra: token.extra,
			storedAt: entry.storedAt,
		});
		const iv = randomBytes(12);
		const cipher = createCipheriv('aes-256-gcm', this.encKey, iv);
		cipher.setAAD(this.aad(name, this.keyId));
		const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
		const record: SealedRecord = {
			v: SEAL_VERSION,
			kid: this.keyId,
			iv: iv.toString('base64url'),
			ct: ct.toString('base64url'),
			tag: cipher.getAuthTag().toString('base64url'),
		};
		return JSON.stringify(record);
	}

	/**
	 * The token in a sealed record, or undefined when the record is not ours to read: another format
	 * version, another key id, altered or truncated (the GCM tag does not match), or not JSON.
	 */
	open(name: string, text: string): StoredToken | undefined {
		let record: SealedRecord;
		try {
			record = JSON.parse(text) as SealedRecord;
		} catch {
			return undefined;
		}
		if (!record || record.v !== SEAL_VERSION || typeof record.kid !== 'string') return undefined;
		const kid = Buffer.from(record.kid);
		const mine = Buffer.from(this.keyId);
		if (kid.length !== mine.length || !timingSafeEqual(kid, mine)) return undefined;
		try {
			const iv = Buffer.from(record.iv, 'base64url');
			const tag = Buffer.from(record.tag, 'base64url');
			if (iv.length !== 12 || tag.length !== 16) return undefined;
			const decipher = createDecipheriv('aes-256-gcm', this.encKey, iv);
			decipher.setAAD(this.aad(name, record.kid));
			decipher.setAuthTag(tag);
			const plain = Buffer.concat([decipher.update(Buffer.from(record.ct, 'base64url')), decipher.final()]).toString('utf8');
			const data = JSON.parse(plain) as {
				value?: unknown;
				expiresAt?: unknown;
				tokenType?: unknown;
				extra?: unknown;
				storedAt?: unknown;
			};
			if (typeof data.value !== 'string' || !data.value) return undefined;
			const expiresAt = data.expiresAt === null ? Infinity : data.expiresAt;
			if (typeof expiresAt !== 'number' || Number.isNaN(expiresAt)) return undefined;
			if (typeof data.storedAt !== 'number' || !Number.isFinite(data.storedAt)) return undefined;
			return {
				token: {
					value: data.value,
					expiresAt,
					...(typeof data.tokenType === 'string' ? { tokenType: data.tokenType } : {}),
					...(data.extra && typeof data.extra === 'object' ? { extra: data.extra as Record<string, unknown> } : {}),
				},
				storedAt: data.storedAt,
			};
		} catch {
			return undefined;
		}
	}
}
