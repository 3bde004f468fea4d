/**
 * Key stores of the "unusual but valid" kind (issue 22), made at test time by the real tools in a
 * temp dir that is removed once everything is read into memory:
 * - PKCS#12 that OpenSSL reads and node-forge cannot: Camellia-256 (`-keypbe/-certpbe
 *   CAMELLIA-256-CBC`), a non-ASCII password ('pässwörd': OpenSSL 3 converts it from UTF-8 to the
 *   BMPString of the PKCS#12 KDF, and uses the UTF-8 bytes for PBKDF2), also with `-legacy`;
 * - a JKS with a non-ASCII password (keytool);
 * - stores with two keys (keytool merges two PKCS#12 into a PKCS12 and a JKS store);
 * - a client certificate without clientAuth in its extended key usage;
 * - a BKS (Bouncy Castle) store header: no BKS writer on the machine (keytool needs the
 *   bcprov jar), so the bytes are laid out as Bouncy Castle's BcKeyStoreSpi writes them: version 2,
 *   salt length + salt, iteration count, entries (type 0 ends them), HMAC-SHA1.
 * Its own CA and server certificate, so a Node TLS server can require these client certificates.
 */
import { execFileSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestPki } from './pki';

export const NON_ASCII_PASSWORD = 'pässwörd';
export const MULTI_PASSWORD = 'Multi-Store-Pass1';

export interface Stores22 {
	/** For startNodeMtlsServer: server key/cert and the CA that signed every client certificate here. */
	serverPki: TestPki;
	caPem: string;
	/** base64 */
	p12Camellia: string;
	p12NonAscii: string;
	p12NonAsciiLegacy: string;
	jksNonAscii: string;
	/** Two key entries, aliases "alpha" (RSA, CN client-alpha) and "beta" (EC, CN client-beta). */
	p12TwoKeys: string;
	jksTwoKeys: string;
	/** CN client-serveronly, extended key usage serverAuth only; password MULTI_PASSWORD. */
	p12NoClientAuth: string;
	/** PEM of client-alpha (certificate, key). */
	alpha: { certPem: string; keyPem: string };
	bks: string;
}

/** The bytes of a BKS version 2 store with no entries, as Bouncy Castle lays them out. */
export function bksBytes(password: string): Buffer {
	const salt = randomBytes(20);
	const iterations = 1024;
	const header = Buffer.alloc(12);
	header.writeUInt32BE(2, 0);
	header.writeUInt32BE(salt.length, 4);
	const iter = Buffer.alloc(4);
	iter.writeUInt32BE(iterations, 0);
	const body = Buffer.from([0]); // entry type 0: end of entries
	const mac = createHmac('sha1', Buffer.from(password, 'utf8')).update(body).digest(); // the layout matters here, not the MAC
	return Buffer.concat([header.subarray(0, 8), salt, iter, body, mac]);
}

let cached: Stores22 | undefined;

export function makeStores22(): Stores22 {
	if (cached) return cached;
	const dir = mkdtempSync(join(tmpdir(), 'lp-stores22-'));
	try {
		const env = { ...process.env, LC_ALL: 'C.UTF-8' };
		const o = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env });
		const k = (...args: string[]) => execFileSync('keytool', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env });
		const b64 = (f: string) => readFileSync(join(dir, f)).toString('base64');
		const read = (f: string) => readFileSync(join(dir, f), 'utf8');
		writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
		writeFileSync(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
		o('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '30', '-subj', '/CN=stores22-ca');
		const issue = (name: string, keyArgs: string[], ext: string) => {
			o('req', '-new', ...keyArgs, '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
			o('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '20', '-extfile', ext);
		};
		issue('server', ['-newkey', 'rsa:2048'], 'server.ext');
		issue('client-alpha', ['-newkey', 'rsa:2048'], 'client.ext');
		issue('client-beta', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'], 'client.ext');
		issue('client-serveronly', ['-newkey', 'rsa:2048'], 'server.ext');
		const p12 = (out: string, name: string, alias: string, pass: string, extra: string[] = []) =>
			o('pkcs12', '-export', '-inkey', `${name}.key`, '-in', `${name}.crt`, '-certfile', 'ca.crt', '-name', alias, '-out', out, '-passout', `pass:${pass}`, ...extra);
		p12('camellia.p12', 'client-alpha', 'alpha', NON_ASCII_PASSWORD, ['-keypbe', 'CAMELLIA-256-CBC', '-certpbe', 'CAMELLIA-256-CBC', '-macalg', 'sha256']);
		p12('nonascii.p12', 'client-alpha', 'alpha', NON_ASCII_PASSWORD);
		p12('nonascii-legacy.p12', 'client-alpha', 'alpha', NON_ASCII_PASSWORD, ['-legacy']);
		p12('alpha.p12', 'client-alpha', 'alpha', MULTI_PASSWORD);
		p12('beta.p12', 'client-beta', 'beta', MULTI_PASSWORD);
		p12('serveronly.p12', 'client-serveronly', 'serveronly', MULTI_PASSWORD);
		// keytool: Java refuses non-ASCII passwords for PKCS#12 PBES2, not for JKS.
		const merge = (src: string, out: string, type: string, pass: string) =>
			k('-importkeystore', '-noprompt', '-srckeystore', src, '-srcstoretype', 'PKCS12', '-srcstorepass', MULTI_PASSWORD, '-destkeystore', out, '-deststoretype', type, '-deststorepass', pass, '-destkeypass', pass);
		merge('alpha.p12', 'nonascii.jks', 'JKS', NON_ASCII_PASSWORD);
		for (const [out, type] of [
			['two.p12', 'PKCS12'],
			['two.jks', 'JKS'],
		] as const) {
			merge('alpha.p12', out, type, MULTI_PASSWORD);
			merge('beta.p12', out, type, MULTI_PASSWORD);
		}
		const caPem = read('ca.crt');
		const serverPki = { serverKey: read('server.key'), serverCert: read('server.crt'), caPem } as TestPki;
		cached = {
			serverPki,
			caPem,
			p12Camellia: b64('camellia.p12'),
			p12NonAscii: b64('nonascii.p12'),
			p12NonAsciiLegacy: b64('nonascii-legacy.p12'),
			jksNonAscii: b64('nonascii.jks'),
			p12TwoKeys: b64('two.p12'),
			jksTwoKeys: b64('two.jks'),
			p12NoClientAuth: b64('serveronly.p12'),
			alpha: { certPem: read('client-alpha.crt'), keyPem: read('client-alpha.key') },
			bks: bksBytes(MULTI_PASSWORD).toString('base64'),
		};
		return cached;
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}
