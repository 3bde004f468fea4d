/**
 * A reader for Sun's JKS key store format (what `keytool -storetype JKS` writes):
 *
 *   magic 0xFEEDFEED | version (1 or 2) | entry count
 *   entry: tag (1 = private key, 2 = trusted certificate) | alias (Java modified UTF-8) | date (8 bytes)
 *     tag 1: protected key length + bytes (EncryptedPrivateKeyInfo, algorithm 1.3.6.1.4.1.42.2.17.1.1)
 *            chain length, then per certificate: [v2: type "X.509"] | length | DER
 *     tag 2: [v2: type "X.509"] | length | DER
 *   trailer: SHA-1( password as UTF-16BE | "Mighty Aphrodite" | everything before the trailer )
 *
 * The key protector (sun.security.provider.KeyProtector): protected = salt(20) | xored key | check(20),
 * keystream block i = SHA-1(password UTF-16BE | previous block), first "previous" = salt, and
 * check = SHA-1(password UTF-16BE | plain key). No iteration count: nothing to cap but the size.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { children, expect, octets, oid, readRoot, TAG } from './der';

export const JKS_MAGIC = 0xfeedfeed;
export const JCEKS_MAGIC = 0xcececece;
const KEY_PROTECTOR_OID = '1.3.6.1.4.1.42.2.17.1.1';

export class JksError extends Error {
	constructor(
		readonly reason: 'corrupt' | 'truncated' | 'integrity' | 'key-password' | 'unsupported',
		message: string,
	) {
		super(message);
	}
}

export interface JksEntry {
	alias: string;
	kind: 'key' | 'trusted';
	/** Encrypted key (EncryptedPrivateKeyInfo DER) for key entries. */
	protectedKey?: Buffer;
	/** Certificate chain (key entries, leaf first) or the single trusted certificate (DER). */
	certs: Buffer[];
}

export interface JksStore {
	entries: JksEntry[];
	/** True when the trailer was checked with the password. */
	integrityChecked: boolean;
}

const passwordBytes = (password: string) => {
	const out = Buffer.alloc(password.length * 2);
	for (let i = 0; i < password.length; i++) out.writeUInt16BE(password.charCodeAt(i), i * 2);
	return out;
};

class Reader {
	pos = 0;
	constructor(
		private readonly buf: Buffer,
		private readonly limit: number,
	) {}
	need(n: number) {
		if (n < 0 || this.pos + n > this.limit) throw new JksError('truncated', 'the key store ends in the middle of an entry');
	}
	u16() {
		this.need(2);
		const v = this.buf.readUInt16BE(this.pos);
		this.pos += 2;
		return v;
	}
	u32() {
		this.need(4);
		const v = this.buf.readUInt32BE(this.pos);
		this.pos += 4;
		return v;
	}
	bytes(n: number) {
		this.need(n);
		const v = this.buf.subarray(this.pos, this.pos + n);
		this.pos += n;
		return v;
	}
	utf() {
		return this.bytes(this.u16()).toString('utf8');
	}
}

export function isJks(buf: Buffer): boolean {
	return buf.length >= 4 && (buf.readUInt32BE(0) === JKS_MAGIC || buf.readUInt32BE(0) === JCEKS_MAGIC);
}

/**
 * Parses a JKS store. With a password the SHA-1 trailer is checked first (wrong password or
 * modified file → JksError 'integrity'); without one the trailer is not checked (trusted
 * certificates are not encrypted, keytool -list does the same).
 */
export function readJks(buf: Buffer, password: string | undefined, maxEntries = 1000): JksStore {
	if (buf.length < 4 + 4 + 4 + 20) throw new JksError('truncated', 'the key store is too short to be a JKS file');
	const magic = buf.readUInt32BE(0);
	if (magic === JCEKS_MAGIC) throw new JksError('unsupported', 'JCEKS key stores are not supported: convert it to PKCS#12 with keytool -importkeystore -deststoretype PKCS12');
	if (magic !== JKS_MAGIC) throw new JksError('corrupt', 'not a JKS key store (magic number FEEDFEED missing)');
	const bodyEnd = buf.length - 20;
	const r = new Reader(buf, bodyEnd);
	r.pos = 4;
	const version = r.u32();
	if (version !== 1 && version !== 2) throw new JksError('corrupt', `unsupported JKS version ${version}`);
	const count = r.u32();
	if (count > maxEntries) throw new JksError('corrupt', `too many entries (${count})`);
	const readCert = () => {
		if (version === 2) {
			const type = r.utf();
			if (type !== 'X.509') throw new JksError('unsupported', `certificate type ${type} is not supported`);
		}
		return Buffer.from(r.bytes(r.u32()));
	};
	const entries: JksEntry[] = [];
	for (let i = 0; i < count; i++) {
		const tag = r.u32();
		const alias = r.utf();
		r.bytes(8); // creation date
		if (tag === 1) {
			const protectedKey = Buffer.from(r.bytes(r.u32()));
			const chainLength = r.u32();
			if (chainLength > 100) throw new JksError('corrupt', 'certificate chain too long');
			const certs: Buffer[] = [];
			for (let c = 0; c < chainLength; c++) certs.push(readCert());
			entries.push({ alias, kind: 'key', protectedKey, certs });
		} else if (tag === 2) {
			entries.push({ alias, kind: 'trusted', certs: [readCert()] });
		} else if (tag === 3) {
			throw new JksError('unsupported', 'secret key entries (JCEKS) are not supported');
		} else {
			throw new JksError('corrupt', `unknown entry type ${tag}`);
		}
	}
	if (r.pos !== bodyEnd) throw new JksError('corrupt', 'unexpected data after the last entry');
	// Structure first (a truncated file is reported as such), then the keyed SHA-1 trailer.
	let integrityChecked = false;
	if (password !== undefined) {
		const digest = createHash('sha1').update(passwordBytes(password)).update('Mighty Aphrodite', 'utf8').update(buf.subarray(0, bodyEnd)).digest();
		if (!timingSafeEqual(digest, buf.subarray(bodyEnd))) {
			throw new JksError('integrity', 'the key store password is wrong or the file was modified (integrity check failed)');
		}
		integrityChecked = true;
	}
	return { entries, integrityChecked };
}

/** Recovers the PKCS#8 PrivateKeyInfo DER of a key entry (Sun JKS key protector). */
export function recoverJksKey(protectedKey: Buffer, password: string): Buffer {
	let encrypted: Buffer;
	try {
		const [alg, data] = children(expect(readRoot(protectedKey), TAG.SEQUENCE));
		const algOid = oid(expect(children(expect(alg, TAG.SEQUENCE))[0], TAG.OID));
		if (algOid !== KEY_PROTECTOR_OID) {
			throw new JksError('unsupported', `key protection algorithm ${algOid} is not supported (only Sun's JKS key protector)`);
		}
		encrypted = octets(expect(data, TAG.OCTET_STRING));
	} catch (error) {
		if (error instanceof JksError) throw error;
		throw new JksError('corrupt', 'a protected key entry is malformed');
	}
	if (encrypted.length < 41) throw new JksError('corrupt', 'a protected key entry is too short');
	const pw = passwordBytes(password);
	const salt = encrypted.subarray(0, 20);
	const body = encrypted.subarray(20, encrypted.length - 20);
	const check = encrypted.subarray(encrypted.length - 20);
	const plain = Buffer.alloc(body.length);
	let digest: Buffer = salt;
	for (let off = 0; off < body.length; off += 20) {
		digest = createHash('sha1').update(pw).update(digest).digest();
		const n = Math.min(20, body.length - off);
		for (let j = 0; j < n; j++) plain[off + j] = body[off + j] ^ digest[j];
	}
	const expected = createHash('sha1').update(pw).update(plain).digest();
	if (!timingSafeEqual(expected, check)) throw new JksError('key-password', 'the key password is wrong');
	return plain;
}
