/**
 * Test PKI generated at test time in a temp dir (never committed): a CA, a server certificate for
 * 127.0.0.1/localhost, RSA and EC client certificates, a second (unknown) CA, and the key stores
 * the Mutual TLS credential accepts, made by the real tools: `openssl pkcs12 -export` (modern and
 * -legacy), `keytool` (JKS RSA/EC and PKCS12-typed), PEM. Expired / not-yet-valid certificates
 * are made with node-forge (OpenSSL 3.0 cannot back-date).
 */
import { execFileSync } from 'node:child_process';
import { createCipheriv, createDecipheriv, createHash, generateKeyPairSync, pbkdf2Sync } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';

export const STORE_PASSWORD = 'S3cret-Store-Pass!';
export const OTHER_PASSWORD = 'Wrong-Pass-123';

export interface TestPki {
	/** Where the material was generated; removed again once everything is read into memory. */
	dir: string;
	caPem: string;
	caDerB64: string;
	otherCaPem: string;
	serverKey: string;
	serverCert: string;
	rsa: { keyPem: string; certPem: string };
	ec: { keyPem: string; certPem: string };
	/** Client certificate signed by the unknown CA (server must refuse it). */
	untrusted: { keyPem: string; certPem: string };
	expired: { keyPem: string; certPem: string; p12: string };
	notYetValid: { keyPem: string; certPem: string };
	/** base64 key stores */
	p12Modern: string;
	p12Legacy: string;
	p12Ec: string;
	p12Untrusted: string;
	p12NoPassword: string;
	jksRsa: string;
	jksEc: string;
	keytoolPkcs12: string;
	/** keytool JKS trust store with the CA as a trusted entry. */
	jksTrust: string;
	/** PKCS#12 whose MAC iteration count was rewritten to 10,000,000. */
	p12HugeIterations: string;
	/** PKCS#12 whose key bag PBES2 iteration count was rewritten to 10,000,000 (MAC untouched). */
	p12HugeKeyIterations: string;
	/**
	 * PKCS#12 whose only key bag (10,000,000 iterations) sits INSIDE the encrypted content, where
	 * its parameters are visible only after decryption (re-encrypted here with Node's crypto).
	 */
	p12NestedHugeIterations: string;
}

const run = (cmd: string, args: string[], cwd: string) => execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });

export function haveTool(name: string): boolean {
	try {
		execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
		return true;
	} catch {
		return false;
	}
}

function forgeCert(opts: { caKeyPem: string; caCertPem: string; cn: string; notBefore: Date; notAfter: Date }) {
	const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
	const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
	const cert = forge.pki.createCertificate();
	cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }) as string);
	cert.serialNumber = '0' + createHash('sha1').update(opts.cn + Math.random()).digest('hex').slice(0, 16);
	cert.validity.notBefore = opts.notBefore;
	cert.validity.notAfter = opts.notAfter;
	cert.setSubject([{ name: 'commonName', value: opts.cn }]);
	cert.setIssuer(forge.pki.certificateFromPem(opts.caCertPem).subject.attributes);
	cert.setExtensions([{ name: 'extKeyUsage', clientAuth: true }]);
	cert.sign(forge.pki.privateKeyFromPem(opts.caKeyPem), forge.md.sha256.create());
	return { keyPem, certPem: forge.pki.certificateToPem(cert) };
}

/** Rewrites an INTEGER inside the DER (via node-forge ASN.1) and re-encodes. */
function patchIterations(p12b64: string, where: 'mac' | 'keybag', value: number): string {
	const asn = forge.asn1.fromDer(forge.util.decode64(p12b64));
	const int = forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.INTEGER, false, forge.asn1.integerToDer(value).getBytes());
	const pfx = asn.value as forge.asn1.Asn1[];
	if (where === 'mac') {
		(pfx[2].value as forge.asn1.Asn1[])[2] = int;
	} else {
		// authSafe: ContentInfo { data, [0] OCTET STRING (AuthenticatedSafe) }
		const octet = ((pfx[1].value as forge.asn1.Asn1[])[1].value as forge.asn1.Asn1[])[0];
		const authSafe = forge.asn1.fromDer(octet.value as string);
		for (const info of authSafe.value as forge.asn1.Asn1[]) {
			const [type, content] = info.value as forge.asn1.Asn1[];
			if (forge.asn1.derToOid(type.value as string) !== forge.pki.oids.data) continue;
			const inner = (content.value as forge.asn1.Asn1[])[0];
			const safeContents = forge.asn1.fromDer(inner.value as string);
			for (const bag of safeContents.value as forge.asn1.Asn1[]) {
				const [id, val] = bag.value as forge.asn1.Asn1[];
				if (forge.asn1.derToOid(id.value as string) !== forge.pki.oids.pkcs8ShroudedKeyBag) continue;
				const epki = (val.value as forge.asn1.Asn1[])[0];
				const alg = (epki.value as forge.asn1.Asn1[])[0];
				const params = (alg.value as forge.asn1.Asn1[])[1]; // PBES2 params
				const kdf = (params.value as forge.asn1.Asn1[])[0];
				const kdfParams = (kdf.value as forge.asn1.Asn1[])[1];
				(kdfParams.value as forge.asn1.Asn1[])[1] = int;
			}
			inner.value = forge.asn1.toDer(safeContents).getBytes();
		}
		octet.value = forge.asn1.toDer(authSafe).getBytes();
	}
	return forge.util.encode64(forge.asn1.toDer(asn).getBytes());
}

/** Moves the (patched) key bag into the PBES2/AES-256 encrypted SafeContents of an OpenSSL 3 p12. */
function nestKeyBag(p12b64WithHugeKeyBag: string, password: string): string {
	const A = forge.asn1;
	const asn = A.fromDer(forge.util.decode64(p12b64WithHugeKeyBag));
	const pfx = asn.value as forge.asn1.Asn1[];
	const octet = ((pfx[1].value as forge.asn1.Asn1[])[1].value as forge.asn1.Asn1[])[0];
	const authSafe = A.fromDer(octet.value as string);
	const infos = authSafe.value as forge.asn1.Asn1[];
	let keyBag: forge.asn1.Asn1 | undefined;
	let encrypted: forge.asn1.Asn1 | undefined;
	for (const info of infos) {
		const [type, content] = info.value as forge.asn1.Asn1[];
		const oid = A.derToOid(type.value as string);
		if (oid === forge.pki.oids.data) {
			const bags = A.fromDer(((content.value as forge.asn1.Asn1[])[0].value as string)).value as forge.asn1.Asn1[];
			keyBag = bags.find((b) => A.derToOid((b.value as forge.asn1.Asn1[])[0].value as string) === forge.pki.oids.pkcs8ShroudedKeyBag);
		} else if (oid === forge.pki.oids.encryptedData) {
			encrypted = (content.value as forge.asn1.Asn1[])[0];
		}
	}
	if (!keyBag || !encrypted) throw new Error('unexpected p12 layout');
	const eci = (encrypted.value as forge.asn1.Asn1[])[1];
	const [, alg, body] = eci.value as forge.asn1.Asn1[];
	const [kdf, enc] = ((alg.value as forge.asn1.Asn1[])[1].value as forge.asn1.Asn1[]);
	const kdfParams = (kdf.value as forge.asn1.Asn1[])[1].value as forge.asn1.Asn1[];
	const salt = Buffer.from(kdfParams[0].value as string, 'binary');
	const iterations = parseInt(forge.util.bytesToHex(kdfParams[1].value as string), 16);
	const iv = Buffer.from((enc.value as forge.asn1.Asn1[])[1].value as string, 'binary');
	const key = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
	const decipher = createDecipheriv('aes-256-cbc', key, iv);
	const plain = Buffer.concat([decipher.update(Buffer.from(body.value as string, 'binary')), decipher.final()]);
	const safe = A.fromDer(plain.toString('binary'));
	(safe.value as forge.asn1.Asn1[]).push(keyBag);
	const cipher = createCipheriv('aes-256-cbc', key, iv);
	body.value = Buffer.concat([cipher.update(Buffer.from(A.toDer(safe).getBytes(), 'binary')), cipher.final()]).toString('binary');
	authSafe.value = infos.filter((info) => A.derToOid((info.value as forge.asn1.Asn1[])[0].value as string) !== forge.pki.oids.data);
	octet.value = A.toDer(authSafe).getBytes();
	return forge.util.encode64(A.toDer(asn).getBytes());
}

let cached: TestPki | undefined;

export function makeTestPki(): TestPki {
	if (cached) return cached;
	for (const tool of ['openssl', 'keytool']) {
		if (!haveTool(tool)) throw new Error(`The mutual TLS tests need "${tool}" on PATH (Debian: apt-get install -y openssl default-jre-headless)`);
	}
	const dir = mkdtempSync(join(tmpdir(), 'lp-mtls-'));
	const o = (...args: string[]) => run('openssl', args, dir);
	const k = (...args: string[]) => run('keytool', args, dir);
	const read = (f: string) => readFileSync(join(dir, f), 'utf8');
	const b64 = (f: string) => readFileSync(join(dir, f)).toString('base64');
	const pw = `pass:${STORE_PASSWORD}`;

	writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
	writeFileSync(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
	const ca = (name: string) => o('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '30', '-subj', `/CN=${name}`);
	ca('test-ca');
	ca('other-ca');
	const issue = (name: string, issuer: string, keyArgs: string[], ext: string) => {
		o('req', '-new', ...keyArgs, '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}/O=n8n-nodes-liveperson tests`);
		o('x509', '-req', '-in', `${name}.csr`, '-CA', `${issuer}.crt`, '-CAkey', `${issuer}.key`, '-CAcreateserial', '-out', `${name}.crt`, '-days', '20', '-extfile', ext);
	};
	issue('server', 'test-ca', ['-newkey', 'rsa:2048'], 'server.ext');
	issue('client-rsa', 'test-ca', ['-newkey', 'rsa:2048'], 'client.ext');
	o('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ec-param.key');
	issue('client-ec', 'test-ca', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'], 'client.ext');
	issue('client-untrusted', 'other-ca', ['-newkey', 'rsa:2048'], 'client.ext');

	const p12 = (out: string, name: string, extra: string[] = [], pass = pw) =>
		o('pkcs12', '-export', '-inkey', `${name}.key`, '-in', `${name}.crt`, '-certfile', 'test-ca.crt', '-name', name, '-out', out, '-passout', pass, ...extra);
	p12('modern.p12', 'client-rsa');
	p12('legacy.p12', 'client-rsa', ['-legacy']);
	p12('ec.p12', 'client-ec');
	p12('untrusted.p12', 'client-untrusted');
	p12('nopass.p12', 'client-rsa', [], 'pass:');
	// keytool: JKS from the openssl stores, a PKCS12-typed store, and a JKS trust store.
	const toJks = (src: string, out: string, type: string) =>
		k('-importkeystore', '-noprompt', '-srckeystore', src, '-srcstoretype', 'PKCS12', '-srcstorepass', STORE_PASSWORD, '-destkeystore', out, '-deststoretype', type, '-deststorepass', STORE_PASSWORD, '-destkeypass', STORE_PASSWORD);
	toJks('modern.p12', 'rsa.jks', 'JKS');
	toJks('ec.p12', 'ec.jks', 'JKS');
	toJks('modern.p12', 'keytool.p12', 'PKCS12');
	k('-importcert', '-noprompt', '-alias', 'test-ca', '-file', 'test-ca.crt', '-keystore', 'trust.jks', '-storetype', 'JKS', '-storepass', STORE_PASSWORD);
	o('x509', '-in', 'test-ca.crt', '-outform', 'der', '-out', 'test-ca.der');

	const caKeyPem = read('test-ca.key');
	const caPem = read('test-ca.crt');
	const day = 86_400_000;
	const expired = forgeCert({ caKeyPem, caCertPem: caPem, cn: 'client-expired', notBefore: new Date(Date.now() - 30 * day), notAfter: new Date(Date.now() - day) });
	const notYetValid = forgeCert({ caKeyPem, caCertPem: caPem, cn: 'client-future', notBefore: new Date(Date.now() + 10 * day), notAfter: new Date(Date.now() + 40 * day) });
	writeFileSync(join(dir, 'expired.key'), expired.keyPem);
	writeFileSync(join(dir, 'expired.crt'), expired.certPem);
	o('pkcs12', '-export', '-inkey', 'expired.key', '-in', 'expired.crt', '-out', 'expired.p12', '-passout', pw);

	if (!existsSync(join(dir, 'rsa.jks'))) throw new Error('keytool did not write the JKS store');
	const modern = b64('modern.p12');
	cached = {
		dir,
		caPem,
		caDerB64: b64('test-ca.der'),
		otherCaPem: read('other-ca.crt'),
		serverKey: read('server.key'),
		serverCert: read('server.crt'),
		rsa: { keyPem: read('client-rsa.key'), certPem: read('client-rsa.crt') },
		ec: { keyPem: read('client-ec.key'), certPem: read('client-ec.crt') },
		untrusted: { keyPem: read('client-untrusted.key'), certPem: read('client-untrusted.crt') },
		expired: { ...expired, p12: b64('expired.p12') },
		notYetValid,
		p12Modern: modern,
		p12Legacy: b64('legacy.p12'),
		p12Ec: b64('ec.p12'),
		p12Untrusted: b64('untrusted.p12'),
		p12NoPassword: b64('nopass.p12'),
		jksRsa: b64('rsa.jks'),
		jksEc: b64('ec.jks'),
		keytoolPkcs12: b64('keytool.p12'),
		jksTrust: b64('trust.jks'),
		p12HugeIterations: patchIterations(modern, 'mac', 10_000_000),
		p12HugeKeyIterations: patchIterations(modern, 'keybag', 10_000_000),
		p12NestedHugeIterations: nestKeyBag(patchIterations(modern, 'keybag', 10_000_000), STORE_PASSWORD),
	};
	// Everything is in memory now: no key material is left in the temp directory.
	rmSync(dir, { recursive: true, force: true });
	return cached;
}
