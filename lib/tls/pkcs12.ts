/**
 * PKCS#12 helpers around the native (OpenSSL) fast path:
 * - `scanPkcs12`: walks the ASN.1 (no decryption) and reads the MAC and every visible PBE
 *   parameter set, so hostile iteration counts are refused BEFORE any key derivation runs.
 * - `decodePkcs12WithForge`: the slow path for files OpenSSL 3 refuses (RC2/RC4 "legacy" PBE) and
 *   for extracting the private key / chain as PEM on demand. Handles EC keys and certificates,
 *   which node-forge cannot read, by converting the raw ASN.1 with Node's crypto.
 */
import { createPrivateKey, KeyObject, X509Certificate } from 'node:crypto';
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
export function scanPkcs12(der: Buffer, maxIterations: number, maxTotalIterations = maxIterations * 3): Pkcs12Scan {
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
			const [, alg] = children(expect(encContentInfo, TAG.SEQUENCE));
			const found = pbeIterations(expect(alg, TAG.SEQUENCE));
			check('encrypted content PBE', found.iterations);
			out.pbe.push(found);
			if (LEGACY_PBE.has(found.algorithm)) out.legacy = true;
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
