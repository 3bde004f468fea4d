/**
 * PKCS#12 reading:
 * - `scanPkcs12`: walks the ASN.1 (no decryption) and reads the MAC and every visible PBE
 *   parameter set, so hostile iteration counts are refused BEFORE any key derivation runs.
 * - `decodePkcs12`: THE decoder (MAC check, decryption with Node's crypto — node-forge only for
 *   the RC2 and single-DES ciphers OpenSSL 3 keeps in its legacy provider —, keys, certificates
 *   and their aliases). One parser for every PKCS#12 the package reads.
 */
import { createDecipheriv, createHash, createHmac, createPrivateKey, KeyObject, pbkdf2Sync, scryptSync, timingSafeEqual, X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { children, DerError, expect, integer, octets, oid, readRoot, TAG, Tlv, value, whole } from './der';

export const OID = {
	data: '1.2.840.113549.1.7.1',
	encryptedData: '1.2.840.113549.1.7.6',
	keyBag: '1.2.840.113549.1.12.10.1.1',
	shroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
	certBag: '1.2.840.113549.1.12.10.1.3',
	safeContentsBag: '1.2.840.113549.1.12.10.1.6',
	pbes2: '1.2.840.113549.1.5.13',
	pbkdf2: '1.2.840.113549.1.5.12',
	scrypt: '1.3.6.1.4.1.11591.4.11',
	pkcs12PbePrefix: '1.2.840.113549.1.12.1.',
	pkcs5Pbes1Prefix: '1.2.840.113549.1.5.',
} as const;

const PRF: Record<string, string> = {
	'1.2.840.113549.2.7': 'sha1',
	'1.2.840.113549.2.8': 'sha224',
	'1.2.840.113549.2.9': 'sha256',
	'1.2.840.113549.2.10': 'sha384',
	'1.2.840.113549.2.11': 'sha512',
	'1.2.840.113549.2.12': 'sha512-224',
	'1.2.840.113549.2.13': 'sha512-256',
};
/** PBES2 encryption schemes (CBC, IV as parameter): OpenSSL's `-keypbe` / `-certpbe` choices. */
const PBES2_CIPHERS: Record<string, { name: string; keyLength: number }> = {
	'2.16.840.1.101.3.4.1.2': { name: 'aes-128-cbc', keyLength: 16 },
	'2.16.840.1.101.3.4.1.22': { name: 'aes-192-cbc', keyLength: 24 },
	'2.16.840.1.101.3.4.1.42': { name: 'aes-256-cbc', keyLength: 32 },
	'1.2.392.200011.61.1.1.1.2': { name: 'camellia-128-cbc', keyLength: 16 },
	'1.2.392.200011.61.1.1.1.3': { name: 'camellia-192-cbc', keyLength: 24 },
	'1.2.392.200011.61.1.1.1.4': { name: 'camellia-256-cbc', keyLength: 32 },
	'1.2.410.200046.1.1.2': { name: 'aria-128-cbc', keyLength: 16 },
	'1.2.410.200046.1.1.7': { name: 'aria-192-cbc', keyLength: 24 },
	'1.2.410.200046.1.1.12': { name: 'aria-256-cbc', keyLength: 32 },
	'1.2.156.10197.1.104.2': { name: 'sm4-cbc', keyLength: 16 },
	'1.2.840.113549.3.7': { name: 'des-ede3-cbc', keyLength: 24 },
	'1.3.14.3.2.7': { name: 'des-cbc', keyLength: 8 },
};
/** pkcs-12PbeIds with a block cipher: key length and how to decrypt. */
const PKCS12_PBE: Record<string, { keyLength: number; ivLength: number; cipher: 'des-ede3-cbc' | 'des-ede-cbc' | 'rc2' }> = {
	'1.2.840.113549.1.12.1.3': { keyLength: 24, ivLength: 8, cipher: 'des-ede3-cbc' },
	'1.2.840.113549.1.12.1.4': { keyLength: 16, ivLength: 8, cipher: 'des-ede-cbc' },
	'1.2.840.113549.1.12.1.5': { keyLength: 16, ivLength: 8, cipher: 'rc2' },
	'1.2.840.113549.1.12.1.6': { keyLength: 5, ivLength: 8, cipher: 'rc2' },
};
/** PKCS#5 v1.5 PBES1 (PBKDF1): digest and cipher. */
const PBES1: Record<string, { digest: string; cipher: 'des-cbc' | 'rc2' }> = {
	'1.2.840.113549.1.5.3': { digest: 'md5', cipher: 'des-cbc' },
	'1.2.840.113549.1.5.6': { digest: 'md5', cipher: 'rc2' },
	'1.2.840.113549.1.5.10': { digest: 'sha1', cipher: 'des-cbc' },
	'1.2.840.113549.1.5.11': { digest: 'sha1', cipher: 'rc2' },
};
/** MAC digests (DigestInfo algorithm) → hash name, output size u and block size v of the PKCS#12 KDF. */
const MAC_DIGESTS: Record<string, { name: string; u: number; v: number }> = {
	'1.3.14.3.2.26': { name: 'sha1', u: 20, v: 64 },
	'2.16.840.1.101.3.4.2.4': { name: 'sha224', u: 28, v: 64 },
	'2.16.840.1.101.3.4.2.1': { name: 'sha256', u: 32, v: 64 },
	'2.16.840.1.101.3.4.2.2': { name: 'sha384', u: 48, v: 128 },
	'2.16.840.1.101.3.4.2.3': { name: 'sha512', u: 64, v: 128 },
};

/**
 * How a password enters PKCS#12 key derivation: a BMPString (UTF-16BE, with a 2-byte terminator)
 * for the PKCS#12 KDF and MAC, the bytes as typed (UTF-8) for PBKDF2. OpenSSL 3 and Java convert
 * the characters to UTF-16 (what `bmpPassword` does); OpenSSL 1.0 widened each UTF-8 byte
 * (`latin1` below). No password: OpenSSL tries both the empty BMPString and no bytes at all.
 */
export interface PasswordForms {
	bmp: Buffer;
	utf8: Buffer;
}

export function bmpPassword(password: string | undefined, widenBytes = false): Buffer {
	if (password === undefined) return Buffer.alloc(0);
	const units = widenBytes ? [...Buffer.from(password, 'utf8')] : Array.from({ length: password.length }, (_, i) => password.charCodeAt(i));
	const out = Buffer.alloc((units.length + 1) * 2);
	units.forEach((u, i) => out.writeUInt16BE(u, i * 2));
	return out;
}

/** The password forms to try, most likely first. */
export function passwordCandidates(password: string | undefined): PasswordForms[] {
	const utf8 = Buffer.from(password ?? '', 'utf8');
	if (!password) return [{ bmp: bmpPassword(''), utf8 }, { bmp: Buffer.alloc(0), utf8 }];
	const forms = [{ bmp: bmpPassword(password), utf8 }];
	if (/[^\x00-\x7f]/.test(password)) forms.push({ bmp: bmpPassword(password, true), utf8 });
	return forms;
}

/** The PKCS#12 key derivation (RFC 7292 appendix B.2); `id` 1 = key, 2 = IV, 3 = MAC. `pass` is the BMPString. */
export function pkcs12Kdf(pass: Buffer | string | undefined, salt: Buffer, id: number, iterations: number, length: number, hash = 'sha1', u = 20, v = 64): Buffer {
	const P = Buffer.isBuffer(pass) ? pass : bmpPassword(pass);
	const fill = (src: Buffer) => {
		const out = Buffer.alloc(src.length ? v * Math.ceil(src.length / v) : 0);
		for (let i = 0; i < out.length; i++) out[i] = src[i % src.length];
		return out;
	};
	const I = Buffer.concat([fill(salt), fill(P)]);
	const D = Buffer.alloc(v, id);
	const out: Buffer[] = [];
	for (let produced = 0; produced < length; produced += u) {
		let A = createHash(hash).update(D).update(I).digest();
		for (let r = 1; r < iterations; r++) A = createHash(hash).update(A).digest();
		out.push(A);
		const B = fill(A);
		for (let j = 0; j < I.length; j += v) {
			let carry = 1;
			for (let k = v - 1; k >= 0; k--) {
				const sum = I[j + k] + B[k] + carry;
				I[j + k] = sum & 0xff;
				carry = sum >> 8;
			}
		}
	}
	return Buffer.concat(out).subarray(0, length);
}

/** Why a PKCS#12 (or a part of it) could not be opened. */
export class Pkcs12Error extends Error {
	constructor(
		readonly reason: 'password' | 'unsupported' | 'corrupt',
		message: string,
	) {
		super(message);
	}
}

const forgeDecrypt = (cipher: 'rc2' | 'des-cbc', key: Buffer, iv: Buffer, data: Buffer): Buffer => {
	const k = forge.util.createBuffer(key.toString('binary'));
	const des = (forge as unknown as { des: { createDecryptionCipher(key: forge.util.ByteStringBuffer): forge.rc2.cipher } }).des;
	const c = cipher === 'rc2' ? forge.rc2.createDecryptionCipher(k, key.length * 8) : des.createDecryptionCipher(k);
	c.start(forge.util.createBuffer(iv.toString('binary')) as never);
	c.update(forge.util.createBuffer(data.toString('binary')));
	if (!c.finish()) throw new Pkcs12Error('password', 'bad decrypt');
	return Buffer.from(c.output.getBytes(), 'binary');
};

function nodeDecrypt(name: string, key: Buffer, iv: Buffer, data: Buffer): Buffer {
	let decipher;
	try {
		decipher = createDecipheriv(name, key, iv);
	} catch (error) {
		throw new Pkcs12Error('unsupported', `the cipher ${name} is not available in this Node.js (${(error as Error).message})`);
	}
	try {
		return Buffer.concat([decipher.update(data), decipher.final()]);
	} catch {
		throw new Pkcs12Error('password', 'bad decrypt');
	}
}

/**
 * Decrypts PBE-encrypted bytes (PKCS#12 encrypted content or an EncryptedPrivateKeyInfo): PBES2
 * with PBKDF2 or scrypt and AES / Camellia / ARIA / SM4 / 3DES / DES in CBC mode, PKCS#12 PBE
 * (3DES, 2-key 3DES, RC2), PKCS#5 PBES1 (DES, RC2). Iterations were capped by the caller.
 * Throws Pkcs12Error: 'unsupported' (algorithm named), 'password' (padding check failed),
 * 'corrupt' (parameters unreadable).
 */
export function decryptPbe(alg: Tlv, encrypted: Buffer, password: PasswordForms): Buffer {
	let algOid: string;
	let params: Tlv | undefined;
	try {
		[params] = children(alg).slice(1);
		algOid = oid(children(alg)[0]);
	} catch {
		throw new Pkcs12Error('corrupt', 'unreadable encryption parameters');
	}
	const parsed = (() => {
		try {
			if (algOid === OID.pbes2) {
				const [kdf, enc] = children(expect(params, TAG.SEQUENCE));
				const [kdfOid, kdfParams] = children(kdf);
				const kdfAlg = oid(kdfOid);
				const [encOid, ivNode] = children(enc);
				const cipher = PBES2_CIPHERS[oid(encOid)];
				if (!cipher) return { unsupported: `PBES2 cipher ${oid(encOid)}` };
				const iv = octets(expect(ivNode, TAG.OCTET_STRING));
				const p = children(expect(kdfParams, TAG.SEQUENCE));
				const salt = octets(expect(p[0], TAG.OCTET_STRING, 0, 'salt'));
				if (kdfAlg === OID.pbkdf2) {
					const iterations = integer(expect(p[1], TAG.INTEGER));
					const keyLength = p[2]?.tag === TAG.INTEGER && p[2].cls === 0 ? integer(p[2]) : cipher.keyLength;
					const prfNode = p.find((n, i) => i >= 2 && n.tag === TAG.SEQUENCE);
					const digest = prfNode ? PRF[oid(children(prfNode)[0])] : 'sha1';
					if (!digest) return { unsupported: `PBKDF2 PRF ${oid(children(prfNode as Tlv)[0])}` };
					return { cipher: cipher.name, key: () => pbkdf2Sync(password.utf8, salt, iterations, keyLength, digest), iv: () => iv };
				}
				if (kdfAlg === OID.scrypt) {
					const N = integer(expect(p[1], TAG.INTEGER));
					const r = integer(expect(p[2], TAG.INTEGER));
					const par = integer(expect(p[3], TAG.INTEGER));
					const keyLength = p[4]?.tag === TAG.INTEGER ? integer(p[4]) : cipher.keyLength;
					return { cipher: cipher.name, key: () => scryptSync(password.utf8, salt, keyLength, { N, r, p: par, maxmem: 256 * N * r + 1024 * 1024 }), iv: () => iv };
				}
				return { unsupported: `PBES2 key derivation ${kdfAlg}` };
			}
			const pbe = PKCS12_PBE[algOid];
			if (pbe) {
				const p = children(expect(params, TAG.SEQUENCE));
				const salt = octets(expect(p[0], TAG.OCTET_STRING));
				const iterations = integer(expect(p[1], TAG.INTEGER));
				return {
					cipher: pbe.cipher,
					key: () => pkcs12Kdf(password.bmp, salt, 1, iterations, pbe.keyLength),
					iv: () => pkcs12Kdf(password.bmp, salt, 2, iterations, pbe.ivLength),
				};
			}
			const pbes1 = PBES1[algOid];
			if (pbes1) {
				const p = children(expect(params, TAG.SEQUENCE));
				const salt = octets(expect(p[0], TAG.OCTET_STRING));
				const iterations = integer(expect(p[1], TAG.INTEGER));
				let derived: Buffer | undefined;
				const pbkdf1 = () => {
					if (!derived) {
						derived = createHash(pbes1.digest).update(password.utf8).update(salt).digest();
						for (let i = 1; i < iterations; i++) derived = createHash(pbes1.digest).update(derived).digest();
					}
					return derived;
				};
				return { cipher: pbes1.cipher, key: () => pbkdf1().subarray(0, 8), iv: () => pbkdf1().subarray(8, 16) };
			}
			return { unsupported: `encryption ${LEGACY_NAMES[algOid] ?? algOid}` };
		} catch {
			return { corrupt: true };
		}
	})();
	if ('unsupported' in parsed) throw new Pkcs12Error('unsupported', `${parsed.unsupported} is not supported`);
	if ('corrupt' in parsed) throw new Pkcs12Error('corrupt', 'unreadable encryption parameters');
	const key = parsed.key();
	const iv = parsed.iv();
	if (parsed.cipher === 'rc2' || parsed.cipher === 'des-cbc') return forgeDecrypt(parsed.cipher, key, iv, encrypted);
	return nodeDecrypt(parsed.cipher, key, iv, encrypted);
}

const LEGACY_NAMES: Record<string, string> = {
	'1.2.840.113549.1.12.1.1': 'pbeWithSHAAnd128BitRC4',
	'1.2.840.113549.1.12.1.2': 'pbeWithSHAAnd40BitRC4',
};

/**
 * Decrypts PKCS#12 encrypted content so nested bags can be scanned; undefined when the algorithm
 * is not handled here or the password does not fit (the decoder reports that).
 */
export function decryptPkcs12Content(alg: Tlv, encrypted: Buffer, password: string | undefined): Buffer | undefined {
	for (const form of passwordCandidates(password)) {
		try {
			return decryptPbe(alg, encrypted, form);
		} catch {
			// next form
		}
	}
	return undefined;
}

/** pkcs-12PbeIds that OpenSSL 3 only supports with the legacy provider (RC4, RC2). */
const LEGACY_PBE = new Set(['1.2.840.113549.1.12.1.1', '1.2.840.113549.1.12.1.2', '1.2.840.113549.1.12.1.5', '1.2.840.113549.1.12.1.6']);

export interface Pkcs12Scan {
	macIterations?: number;
	/** Every PBE parameter set found outside encrypted content: algorithm OID and iteration count. */
	pbe: Array<{ algorithm: string; iterations: number }>;
	/** True when a PBE algorithm needs OpenSSL's legacy provider (RC2/RC4): what `openssl pkcs12 -legacy` writes. */
	legacy: boolean;
	/** Sum of all iteration counts (MAC + PBE): the work a decode will do. */
	totalIterations: number;
	/** True when encrypted content was decrypted to scan the bags inside it too. */
	nestedScanned?: boolean;
}

export class IterationLimitError extends Error {
	constructor(
		readonly where: string,
		readonly iterations: number,
	) {
		super(`${where} iteration count ${Number.isFinite(iterations) ? iterations : 'too large'}`);
	}
}

/** Iterations of a PBE AlgorithmIdentifier (PKCS#12 PBE, PBES1, PBES2/PBKDF2, PBES2/scrypt cost). */
export function pbeIterations(alg: Tlv): { algorithm: string; iterations: number } {
	const [algOid, params] = children(alg);
	const algorithm = oid(expect(algOid, TAG.OID));
	if (algorithm === OID.pbes2) {
		const [kdf] = children(expect(params, TAG.SEQUENCE));
		const [kdfOid, kdfParams] = children(expect(kdf, TAG.SEQUENCE));
		const kdfAlg = oid(expect(kdfOid, TAG.OID));
		const p = children(expect(kdfParams, TAG.SEQUENCE));
		if (kdfAlg === OID.pbkdf2) return { algorithm: `PBES2/PBKDF2`, iterations: integer(expect(p[1], TAG.INTEGER)) };
		if (kdfAlg === OID.scrypt) {
			// scrypt cost N * r * p, compared with the same cap as PBKDF2 iterations.
			const n = integer(expect(p[1], TAG.INTEGER));
			const r = integer(expect(p[2], TAG.INTEGER));
			const par = p[3] && p[3].tag === TAG.INTEGER ? integer(p[3]) : 1;
			return { algorithm: 'PBES2/scrypt', iterations: n * r * par };
		}
		return { algorithm: `PBES2/${kdfAlg}`, iterations: 0 };
	}
	if (algorithm.startsWith(OID.pkcs12PbePrefix) || algorithm.startsWith(OID.pkcs5Pbes1Prefix)) {
		const p = children(expect(params, TAG.SEQUENCE));
		return { algorithm, iterations: integer(expect(p[1], TAG.INTEGER)) };
	}
	return { algorithm, iterations: 0 };
}

function scanSafeContents(buf: Buffer, out: Pkcs12Scan, check: (where: string, n: number) => void, depth = 0): void {
	if (depth > 4) throw new DerError('nesting too deep');
	const safeContents = expect(readRoot(buf), TAG.SEQUENCE);
	for (const bag of children(safeContents)) {
		const [bagId, bagValue] = children(expect(bag, TAG.SEQUENCE));
		const id = oid(expect(bagId, TAG.OID));
		const inner = children(expect(bagValue, 0, 2, 'bag value'))[0];
		if (id === OID.shroudedKeyBag) {
			const [alg] = children(expect(inner, TAG.SEQUENCE));
			const found = pbeIterations(expect(alg, TAG.SEQUENCE));
			check('key bag PBE', found.iterations);
			out.pbe.push(found);
			if (LEGACY_PBE.has(found.algorithm)) out.legacy = true;
		} else if (id === OID.safeContentsBag) {
			scanSafeContents(whole(inner), out, check, depth + 1);
		}
	}
}

type AuthSafeEntry = { type: 'data'; safeContents: Buffer } | { type: 'encrypted'; alg: Tlv; encrypted?: Buffer } | { type: 'other'; oid: string };

/**
 * The outer layers of a PFX (one walk for the scan and the decoder): version 3, password
 * integrity, the MacData, the authenticated safe's octets and its ContentInfos.
 */
function readPfx(der: Buffer): { macData?: Tlv; authSafe: Buffer; entries: AuthSafeEntry[] } {
	const pfx = children(expect(readRoot(der), TAG.SEQUENCE, 0, 'PFX'));
	if (integer(expect(pfx[0], TAG.INTEGER, 0, 'version')) !== 3) throw new DerError('not a PKCS#12 version 3 file');
	const [ctype, content] = children(expect(pfx[1], TAG.SEQUENCE, 0, 'authSafe'));
	if (oid(expect(ctype, TAG.OID)) !== OID.data) throw new DerError('only password-integrity PKCS#12 is supported');
	const authSafe = octets(expect(children(expect(content, 0, 2))[0], TAG.OCTET_STRING));
	const entries = children(expect(readRoot(authSafe), TAG.SEQUENCE)).map((info): AuthSafeEntry => {
		const [t, c] = children(expect(info, TAG.SEQUENCE));
		const type = oid(expect(t, TAG.OID));
		const inner = children(expect(c, 0, 2))[0];
		if (type === OID.data) return { type: 'data', safeContents: octets(expect(inner, TAG.OCTET_STRING)) };
		if (type !== OID.encryptedData) return { type: 'other', oid: type };
		const [, encContentInfo] = children(expect(inner, TAG.SEQUENCE));
		const [, alg, encrypted] = children(expect(encContentInfo, TAG.SEQUENCE));
		return { type: 'encrypted', alg, encrypted: encrypted && encrypted.cls === 2 ? octets(encrypted) : undefined };
	});
	return { macData: pfx[2], authSafe, entries };
}

/**
 * Walks a PFX without decrypting anything. Throws DerError when the structure is not a PFX
 * (truncated/corrupt) and IterationLimitError when a count exceeds `maxIterations` (or the sum
 * exceeds `maxTotalIterations`).
 */
export function scanPkcs12(der: Buffer, maxIterations: number, maxTotalIterations = maxIterations * 3, password?: string): Pkcs12Scan {
	const out: Pkcs12Scan = { pbe: [], legacy: false, totalIterations: 0 };
	const check = (where: string, n: number) => {
		if (!(n <= maxIterations) || n < 0) throw new IterationLimitError(where, n);
		out.totalIterations += n;
		if (out.totalIterations > maxTotalIterations) throw new IterationLimitError('total', out.totalIterations);
	};
	const pfx = readPfx(der);
	// MAC first: OpenSSL verifies it before anything else.
	if (pfx.macData) {
		const mac = children(expect(pfx.macData, TAG.SEQUENCE, 0, 'MacData'));
		out.macIterations = mac[2] ? integer(expect(mac[2], TAG.INTEGER)) : 1;
		check('MAC', out.macIterations);
	}
	for (const entry of pfx.entries) {
		if (entry.type === 'data') {
			scanSafeContents(entry.safeContents, out, check);
		} else if (entry.type === 'encrypted') {
			const found = pbeIterations(expect(entry.alg, TAG.SEQUENCE));
			check('encrypted content PBE', found.iterations);
			out.pbe.push(found);
			if (LEGACY_PBE.has(found.algorithm)) out.legacy = true;
			// Bags inside encrypted content (e.g. a shrouded key bag) carry their own iteration
			// counts, visible only after decryption: decrypt (capped above) and scan them too.
			if (entry.encrypted) {
				const plain = decryptPkcs12Content(entry.alg, entry.encrypted, password);
				if (plain) {
					try {
						scanSafeContents(plain, out, (where, n) => check(`nested ${where}`, n));
						out.nestedScanned = true;
					} catch (error) {
						// Garbage from a wrong password that passed the padding check: the decoder reports it.
						if (!(error instanceof DerError)) throw error;
					}
				}
			}
		}
	}
	return out;
}

/** Iteration count of an encrypted PKCS#8 key (EncryptedPrivateKeyInfo DER), 0 when not encrypted. */
export function pkcs8Iterations(der: Buffer): number {
	const [alg] = children(expect(readRoot(der), TAG.SEQUENCE));
	if (!alg || alg.tag !== TAG.SEQUENCE) return 0;
	return pbeIterations(alg).iterations;
}

export interface DecodedStore {
	key?: KeyObject;
	/** Certificates in file order (DER). */
	certs: Buffer[];
	/** The certificate whose public key matches `key` (DER), when a key was found. */
	leaf?: Buffer;
	/** Certificates other than the leaf (chain, CA, trusted entries): OpenSSL trusts these too for a pfx. */
	unpairedCerts: Buffer[];
}

/** A bag's PKCS#9 attributes: friendlyName (the alias keytool and `openssl -name` write) and localKeyId. */
export interface BagAttributes {
	friendlyName?: string;
	localKeyId?: string;
}

export interface Pkcs12Contents {
	keys: Array<BagAttributes & { key: KeyObject }>;
	certs: Array<BagAttributes & { der: Buffer }>;
	/** True when the MAC was present and verified with the password. */
	macVerified: boolean;
	/** True when an RC2/RC4/DES-era algorithm was used (what `openssl pkcs12 -legacy` writes). */
	legacy: boolean;
}

const ATTR = { friendlyName: '1.2.840.113549.1.9.20', localKeyId: '1.2.840.113549.1.9.21', x509Certificate: '1.2.840.113549.1.9.22.1', pbmac1: '1.2.840.113549.1.5.14' };
const BMP_STRING = 30;
const UTF8_STRING = 12;

function bagAttributes(node: Tlv | undefined): BagAttributes {
	const out: BagAttributes = {};
	if (!node || node.tag !== TAG.SET) return out;
	for (const attr of children(node)) {
		const [idNode, values] = children(expect(attr, TAG.SEQUENCE));
		const id = oid(expect(idNode, TAG.OID));
		const first = children(expect(values, TAG.SET))[0];
		if (!first) continue;
		if (id === ATTR.friendlyName && (first.tag === BMP_STRING || first.tag === UTF8_STRING)) {
			const raw = value(first);
			if (first.tag === UTF8_STRING) out.friendlyName = raw.toString('utf8');
			else {
				let text = '';
				for (let i = 0; i + 1 < raw.length; i += 2) text += String.fromCharCode(raw.readUInt16BE(i));
				out.friendlyName = text;
			}
		} else if (id === ATTR.localKeyId && first.tag === TAG.OCTET_STRING) {
			out.localKeyId = octets(first).toString('hex');
		}
	}
	return out;
}

/** Verifies the password MAC with each form of the password; the matching form, or undefined. */
function verifyMac(macData: Tlv, authSafe: Buffer, forms: PasswordForms[]): PasswordForms | undefined {
	const [digestInfo, saltNode, iterNode] = children(expect(macData, TAG.SEQUENCE, 0, 'MacData'));
	const [alg, digestNode] = children(expect(digestInfo, TAG.SEQUENCE));
	const algOid = oid(expect(children(expect(alg, TAG.SEQUENCE))[0], TAG.OID));
	const digest = MAC_DIGESTS[algOid];
	if (!digest) {
		if (algOid === ATTR.pbmac1) throw new Pkcs12Error('unsupported', 'the PBMAC1 integrity check (OpenSSL 3.4+ -pbmac1_pbkdf2) is not supported');
		throw new Pkcs12Error('unsupported', `the MAC digest ${algOid} is not supported`);
	}
	const expected = octets(expect(digestNode, TAG.OCTET_STRING));
	const salt = octets(expect(saltNode, TAG.OCTET_STRING));
	const iterations = iterNode ? integer(expect(iterNode, TAG.INTEGER)) : 1;
	for (const form of forms) {
		const key = pkcs12Kdf(form.bmp, salt, 3, iterations, digest.u, digest.name, digest.u, digest.v);
		const mac = createHmac(digest.name, key).update(authSafe).digest();
		if (mac.length === expected.length && timingSafeEqual(mac, expected)) return form;
	}
	return undefined;
}

function readSafeContents(buf: Buffer, password: PasswordForms, out: Pkcs12Contents, depth = 0): void {
	if (depth > 4) throw new DerError('nesting too deep');
	for (const bag of children(expect(readRoot(buf), TAG.SEQUENCE))) {
		const [bagId, bagValue, attrs] = children(expect(bag, TAG.SEQUENCE));
		const id = oid(expect(bagId, TAG.OID));
		const inner = children(expect(bagValue, 0, 2, 'bag value'))[0];
		const attributes = bagAttributes(attrs);
		if (id === OID.keyBag || id === OID.shroudedKeyBag) {
			let pkcs8 = whole(inner);
			if (id === OID.shroudedKeyBag) {
				const [alg, data] = children(expect(inner, TAG.SEQUENCE));
				if (LEGACY_PBE.has(oid(children(alg)[0])) || PBES1[oid(children(alg)[0])]) out.legacy = true;
				pkcs8 = decryptPbe(alg, octets(expect(data, TAG.OCTET_STRING)), password);
			}
			let key: KeyObject;
			try {
				key = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
			} catch (error) {
				// Decrypted garbage (a wrong password that passed the padding check) or an unknown key type.
				if (out.macVerified) throw new Pkcs12Error('unsupported', `a private key in it cannot be read (${(error as Error).message})`);
				throw new Pkcs12Error('password', 'bad decrypt');
			}
			out.keys.push({ key, ...attributes });
		} else if (id === OID.certBag) {
			const [certId, certValue] = children(expect(inner, TAG.SEQUENCE));
			if (oid(expect(certId, TAG.OID)) !== ATTR.x509Certificate) continue;
			const der = Buffer.from(octets(expect(children(expect(certValue, 0, 2))[0], TAG.OCTET_STRING)));
			out.certs.push({ der, ...attributes });
		} else if (id === OID.safeContentsBag) {
			readSafeContents(whole(inner), password, out, depth + 1);
		}
	}
}

/**
 * The PKCS#12 decoder (one for every use: key stores, trust stores, self-service uploads): checks
 * the MAC with the password (as OpenSSL 3 / Java encode it, then as OpenSSL 1.0 did), decrypts
 * every bag with Node's crypto, and returns keys and certificates with their friendly names.
 * Iteration counts must have been capped first (`scanPkcs12`). Throws Pkcs12Error or DerError.
 */
export function decodePkcs12(der: Buffer, password: string | undefined): Pkcs12Contents {
	const pfx = readPfx(der);
	const forms = passwordCandidates(password);
	let chosen: PasswordForms[] = forms;
	let macVerified = false;
	if (pfx.macData) {
		const form = verifyMac(pfx.macData, pfx.authSafe, forms);
		if (!form) throw new Pkcs12Error('password', 'mac verify failure');
		chosen = [form];
		macVerified = true;
	}
	let lastError: unknown;
	for (const form of chosen) {
		const out: Pkcs12Contents = { keys: [], certs: [], macVerified, legacy: false };
		try {
			for (const entry of pfx.entries) {
				if (entry.type === 'data') {
					readSafeContents(entry.safeContents, form, out);
				} else if (entry.type === 'encrypted') {
					if (!entry.encrypted) continue;
					const algOid = oid(children(entry.alg)[0]);
					if (LEGACY_PBE.has(algOid) || PBES1[algOid]) out.legacy = true;
					try {
						readSafeContents(decryptPbe(entry.alg, entry.encrypted, form), form, out);
					} catch (error) {
						if (error instanceof DerError && !macVerified) throw new Pkcs12Error('password', 'bad decrypt');
						throw error;
					}
				} else {
					throw new Pkcs12Error('unsupported', `content type ${entry.oid} (public-key privacy mode) is not supported`);
				}
			}
			return out;
		} catch (error) {
			lastError = error;
			if (!(error instanceof Pkcs12Error && error.reason === 'password')) throw error;
		}
	}
	if (macVerified) throw new Pkcs12Error('corrupt', 'the content does not decrypt with the password that verified the MAC');
	throw lastError;
}

/** Human label of a key entry for lists and messages: its alias, else its certificate's CN. */
export interface KeyChoice<K> {
	alias?: string;
	entry: K;
}

/**
 * Picks the key entry to use: the one named `alias` (exact, then case-insensitive: keytool stores
 * JKS aliases in lower case), the only one when there is one. Returns `{ entry }` or `{ error }`
 * saying which aliases exist (aliases are names, not secrets).
 */
export function chooseKey<K>(choices: Array<KeyChoice<K>>, alias: string | undefined): { entry: K } | { error: 'none' | 'ambiguous' | 'unknown'; aliases: string[] } {
	const aliases = choices.map((c, i) => c.alias ?? `(entry ${i + 1} without alias)`);
	const wanted = alias?.trim();
	if (!choices.length) return { error: 'none', aliases };
	if (wanted) {
		const exact = choices.filter((c) => c.alias === wanted);
		const loose = exact.length ? exact : choices.filter((c) => c.alias !== undefined && c.alias.toLowerCase() === wanted.toLowerCase());
		if (loose.length === 1) return { entry: loose[0].entry };
		return { error: loose.length ? 'ambiguous' : 'unknown', aliases };
	}
	if (choices.length === 1) return { entry: choices[0].entry };
	return { error: 'ambiguous', aliases };
}

/** Pairs each key of a decoded PKCS#12 with its certificate (public-key check), alias from the bags. */
export function pkcs12KeyChoices(contents: Pkcs12Contents): Array<KeyChoice<{ key: KeyObject; leaf?: Buffer }>> {
	return contents.keys.map((k) => {
		const leafBag =
			contents.certs.find((c) => k.localKeyId !== undefined && c.localKeyId === k.localKeyId && new X509Certificate(c.der).checkPrivateKey(k.key)) ??
			contents.certs.find((c) => new X509Certificate(c.der).checkPrivateKey(k.key));
		return { alias: k.friendlyName ?? leafBag?.friendlyName, entry: { key: k.key, leaf: leafBag?.der } };
	});
}

/**
 * A PKCS#12 as the self-service upload inspects it: the only key (or the first) with its
 * certificate. Throws Pkcs12Error / DerError like `decodePkcs12`.
 */
export function decodePkcs12Store(der: Buffer, password: string | undefined): DecodedStore {
	const contents = decodePkcs12(der, password);
	const certs = contents.certs.map((c) => c.der);
	const first = pkcs12KeyChoices(contents).find((c) => c.entry.leaf) ?? pkcs12KeyChoices(contents)[0];
	const leaf = first?.entry.leaf;
	return { key: first?.entry.key, certs, leaf, unpairedCerts: certs.filter((c) => c !== leaf) };
}
