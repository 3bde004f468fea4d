/**
 * PKCS#12 helpers around the native (OpenSSL) fast path:
 * - `scanPkcs12`: walks the ASN.1 (no decryption) and reads the MAC and every visible PBE
 *   parameter set, so hostile iteration counts are refused BEFORE any key derivation runs.
 * - `decodePkcs12WithForge`: the slow path for files OpenSSL 3 refuses (RC2/RC4 "legacy" PBE) and
 *   for extracting the private key / chain as PEM on demand. Handles EC keys and certificates,
 *   which node-forge cannot read, by converting the raw ASN.1 with Node's crypto.
 */
import { createDecipheriv, createHash, createPrivateKey, KeyObject, pbkdf2Sync, X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { children, DerError, expect, integer, octets, oid, readRoot, TAG, Tlv, whole } from './der';

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
};
const PBES2_CIPHERS: Record<string, { name: string; keyLength: number }> = {
	'2.16.840.1.101.3.4.1.2': { name: 'aes-128-cbc', keyLength: 16 },
	'2.16.840.1.101.3.4.1.22': { name: 'aes-192-cbc', keyLength: 24 },
	'2.16.840.1.101.3.4.1.42': { name: 'aes-256-cbc', keyLength: 32 },
	'1.2.840.113549.3.7': { name: 'des-ede3-cbc', keyLength: 24 },
};
/** pkcs-12PbeIds with a block cipher: key length and how to decrypt. */
const PKCS12_PBE: Record<string, { keyLength: number; ivLength: number; cipher: 'des-ede3-cbc' | 'des-ede-cbc' | 'rc2' }> = {
	'1.2.840.113549.1.12.1.3': { keyLength: 24, ivLength: 8, cipher: 'des-ede3-cbc' },
	'1.2.840.113549.1.12.1.4': { keyLength: 16, ivLength: 8, cipher: 'des-ede-cbc' },
	'1.2.840.113549.1.12.1.5': { keyLength: 16, ivLength: 8, cipher: 'rc2' },
	'1.2.840.113549.1.12.1.6': { keyLength: 5, ivLength: 8, cipher: 'rc2' },
};

/** The PKCS#12 key derivation (RFC 7292 appendix B.2) with SHA-1; `id` 1 = key, 2 = IV, 3 = MAC. */
export function pkcs12Kdf(password: string | undefined, salt: Buffer, id: number, iterations: number, length: number): Buffer {
	const u = 20;
	const v = 64;
	const pass = Buffer.alloc(password === undefined ? 0 : (password.length + 1) * 2);
	if (password !== undefined) for (let i = 0; i < password.length; i++) pass.writeUInt16BE(password.charCodeAt(i), i * 2);
	const fill = (src: Buffer) => {
		const out = Buffer.alloc(src.length ? v * Math.ceil(src.length / v) : 0);
		for (let i = 0; i < out.length; i++) out[i] = src[i % src.length];
		return out;
	};
	const I = Buffer.concat([fill(salt), fill(pass)]);
	const D = Buffer.alloc(v, id);
	const out: Buffer[] = [];
	for (let produced = 0; produced < length; produced += u) {
		let A = createHash('sha1').update(D).update(I).digest();
		for (let r = 1; r < iterations; r++) A = createHash('sha1').update(A).digest();
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

/**
 * Decrypts PKCS#12 encrypted content (PBES2 with PBKDF2 + AES/3DES, or PKCS#12 PBE with 3DES/RC2)
 * so nested bags can be scanned; undefined when the algorithm is not handled here or the password
 * does not fit (the real decoder reports that). Iterations were capped by the caller.
 */
export function decryptPkcs12Content(alg: Tlv, encrypted: Buffer, password: string | undefined): Buffer | undefined {
	try {
		const [algOid, params] = children(alg);
		const id = oid(algOid);
		if (id === OID.pbes2) {
			const [kdf, enc] = children(params);
			const [kdfOid, kdfParams] = children(kdf);
			if (oid(kdfOid) !== OID.pbkdf2) return undefined;
			const p = children(kdfParams);
			const salt = octets(expect(p[0], TAG.OCTET_STRING));
			const iterations = integer(expect(p[1], TAG.INTEGER));
			const prfNode = p.find((n, i) => i >= 2 && n.tag === TAG.SEQUENCE);
			const digest = prfNode ? PRF[oid(children(prfNode)[0])] : 'sha1';
			const [encOid, ivNode] = children(enc);
			const cipher = PBES2_CIPHERS[oid(encOid)];
			if (!digest || !cipher) return undefined;
			const key = pbkdf2Sync(Buffer.from(password ?? '', 'utf8'), salt, iterations, cipher.keyLength, digest);
			const decipher = createDecipheriv(cipher.name, key, octets(expect(ivNode, TAG.OCTET_STRING)));
			return Buffer.concat([decipher.update(encrypted), decipher.final()]);
		}
		const pbe = PKCS12_PBE[id];
		if (!pbe) return undefined;
		const p = children(params);
		const salt = octets(expect(p[0], TAG.OCTET_STRING));
		const iterations = integer(expect(p[1], TAG.INTEGER));
		const key = pkcs12Kdf(password ?? '', salt, 1, iterations, pbe.keyLength);
		const iv = pkcs12Kdf(password ?? '', salt, 2, iterations, pbe.ivLength);
		if (pbe.cipher === 'rc2') {
			const rc2 = forge.rc2.createDecryptionCipher(forge.util.createBuffer(key.toString('binary')), pbe.keyLength * 8);
			rc2.start(forge.util.createBuffer(iv.toString('binary')));
			rc2.update(forge.util.createBuffer(encrypted.toString('binary')));
			if (!rc2.finish()) return undefined;
			return Buffer.from(rc2.output.getBytes(), 'binary');
		}
		const decipher = createDecipheriv(pbe.cipher, key, iv);
		return Buffer.concat([decipher.update(encrypted), decipher.final()]);
	} catch {
		return undefined;
	}
}

/** pkcs-12PbeIds that OpenSSL 3 only supports with the legacy provider (RC4, RC2). */
const LEGACY_PBE = new Set(['1.2.840.113549.1.12.1.1', '1.2.840.113549.1.12.1.2', '1.2.840.113549.1.12.1.5', '1.2.840.113549.1.12.1.6']);

export interface Pkcs12Scan {
	macIterations?: number;
	/** Every PBE parameter set found outside encrypted content: algorithm OID and iteration count. */
	pbe: Array<{ algorithm: string; iterations: number }>;
	/** True when a PBE algorithm needs OpenSSL's legacy provider (RC2/RC4): go straight to node-forge. */
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
	const pfx = children(expect(readRoot(der), TAG.SEQUENCE, 0, 'PFX'));
	if (integer(expect(pfx[0], TAG.INTEGER, 0, 'version')) !== 3) throw new DerError('not a PKCS#12 version 3 file');
	// MAC first: OpenSSL verifies it before anything else.
	const macData = pfx[2];
	if (macData) {
		const mac = children(expect(macData, TAG.SEQUENCE, 0, 'MacData'));
		out.macIterations = mac[2] ? integer(expect(mac[2], TAG.INTEGER)) : 1;
		check('MAC', out.macIterations);
	}
	const [ctype, content] = children(expect(pfx[1], TAG.SEQUENCE, 0, 'authSafe'));
	if (oid(expect(ctype, TAG.OID)) !== OID.data) throw new DerError('only password-integrity PKCS#12 is supported');
	const authSafeOctets = octets(expect(children(expect(content, 0, 2))[0], TAG.OCTET_STRING));
	const authSafe = expect(readRoot(authSafeOctets), TAG.SEQUENCE);
	for (const info of children(authSafe)) {
		const [t, c] = children(expect(info, TAG.SEQUENCE));
		const type = oid(expect(t, TAG.OID));
		const inner = children(expect(c, 0, 2))[0];
		if (type === OID.data) {
			scanSafeContents(octets(expect(inner, TAG.OCTET_STRING)), out, check);
		} else if (type === OID.encryptedData) {
			const [, encContentInfo] = children(expect(inner, TAG.SEQUENCE));
			const [, alg, content] = children(expect(encContentInfo, TAG.SEQUENCE));
			const found = pbeIterations(expect(alg, TAG.SEQUENCE));
			check('encrypted content PBE', found.iterations);
			out.pbe.push(found);
			if (LEGACY_PBE.has(found.algorithm)) out.legacy = true;
			// Bags inside encrypted content (e.g. a shrouded key bag) carry their own iteration
			// counts, visible only after decryption: decrypt (capped above) and scan them too.
			if (content && content.cls === 2) {
				const plain = decryptPkcs12Content(alg, octets(content), password);
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

const bytesToBuffer = (bytes: string) => Buffer.from(bytes, 'binary');

/** Decodes with node-forge (slow, JS). Throws forge's Error on a wrong password or malformed data. */
export function decodePkcs12WithForge(der: Buffer, password: string | undefined): DecodedStore {
	const asn = forge.asn1.fromDer(der.toString('binary'), false);
	let p12: forge.pkcs12.Pkcs12Pfx;
	try {
		p12 = forge.pkcs12.pkcs12FromAsn1(asn, false, password ?? '');
	} catch (error) {
		if (password) throw error;
		p12 = forge.pkcs12.pkcs12FromAsn1(asn, false, undefined as unknown as string);
	}
	const keys: KeyObject[] = [];
	const certs: Buffer[] = [];
	for (const safe of p12.safeContents) {
		for (const bag of safe.safeBags) {
			const raw = bag as unknown as { asn1?: forge.asn1.Asn1; key?: forge.pki.PrivateKey | null; cert?: forge.pki.Certificate | null };
			if (bag.type === forge.pki.oids.keyBag || bag.type === forge.pki.oids.pkcs8ShroudedKeyBag) {
				const pkcs8 = raw.key
					? forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(raw.key as forge.pki.rsa.PrivateKey))
					: raw.asn1;
				if (!pkcs8) continue;
				keys.push(createPrivateKey({ key: bytesToBuffer(forge.asn1.toDer(pkcs8).getBytes()), format: 'der', type: 'pkcs8' }));
			} else if (bag.type === forge.pki.oids.certBag) {
				const certAsn = raw.cert ? forge.pki.certificateToAsn1(raw.cert) : raw.asn1;
				if (!certAsn) continue;
				const certDer = bytesToBuffer(forge.asn1.toDer(certAsn).getBytes());
				certs.push(certDer);
			}
		}
	}
	return pairKeyAndCert(keys, certs, certs);
}

/** Picks the key and the certificate that belong together (crypto check, not bag attributes). */
export function pairKeyAndCert(keys: KeyObject[], certs: Buffer[], unpairedCerts: Buffer[] = []): DecodedStore {
	for (const key of keys) {
		for (const der of certs) {
			if (new X509Certificate(der).checkPrivateKey(key)) return { key, certs, leaf: der, unpairedCerts: unpairedCerts.filter((c) => c !== der) };
		}
	}
	return { key: keys[0], certs, unpairedCerts };
}
