/**
 * The emulator's in-memory PKI, made once per process with node-forge (keys from Node's native
 * generator, which is fast): a test CA, a server certificate for 127.0.0.1/localhost (the sample mTLS
 * target) and the client certificate "sandbox-client-cert" that the default mTLS mappings use.
 * Nothing is written to disk. Also the JWT signing key (RS256) used by Sentinel and CO v2 tokens.
 */
import { generateKeyPair, generateKeyPairSync, randomBytes, createPublicKey, KeyObject, createPrivateKey, sign } from 'node:crypto';
import forge from 'node-forge';

export interface Identity {
	certPem: string;
	keyPem: string;
	subject: string;
}

export interface EmulatorPki {
	caPem: string;
	server: Identity;
	client: Identity;
	jwt: { privateKey: KeyObject; publicKey: KeyObject; kid: string };
}

interface KeyPem {
	privatePem: string;
	publicPem: string;
}

const RSA_OPTIONS = {
	modulusLength: 2048,
	publicKeyEncoding: { type: 'spki', format: 'pem' },
	privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
} as const;

function rsaPemSync(): KeyPem {
	const { privateKey, publicKey } = generateKeyPairSync('rsa', RSA_OPTIONS);
	return { privatePem: privateKey, publicPem: publicKey };
}

/** Off the main thread (libuv pool), so several keys are made in parallel. */
function rsaPemAsync(): Promise<KeyPem> {
	return new Promise((resolve, reject) =>
		generateKeyPair('rsa', RSA_OPTIONS, (err, publicKey, privateKey) => (err ? reject(err) : resolve({ privatePem: privateKey, publicPem: publicKey }))),
	);
}

function serial(): string {
	const b = randomBytes(12);
	b[0] &= 0x7f; // positive
	return b.toString('hex');
}

interface CertOpts {
	cn: string;
	publicPem: string;
	issuer?: { cert: forge.pki.Certificate; keyPem: string };
	selfKeyPem?: string;
	ca?: boolean;
	serverAlt?: boolean;
	client?: boolean;
}

function makeCert(o: CertOpts): forge.pki.Certificate {
	const cert = forge.pki.createCertificate();
	cert.publicKey = forge.pki.publicKeyFromPem(o.publicPem);
	cert.serialNumber = serial();
	const now = Date.now();
	cert.validity.notBefore = new Date(now - 60 * 60 * 1000);
	cert.validity.notAfter = new Date(now + 365 * 24 * 60 * 60 * 1000);
	const subject = [{ name: 'commonName', value: o.cn }];
	cert.setSubject(subject);
	cert.setIssuer(o.issuer ? o.issuer.cert.subject.attributes : subject);
	const ext: object[] = [];
	if (o.ca) {
		ext.push({ name: 'basicConstraints', cA: true, critical: true });
		ext.push({ name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true });
	} else {
		ext.push({ name: 'basicConstraints', cA: false });
		ext.push({ name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true });
		ext.push({ name: 'extKeyUsage', serverAuth: !!o.serverAlt, clientAuth: !!o.client });
	}
	if (o.serverAlt) {
		ext.push({
			name: 'subjectAltName',
			altNames: [
				{ type: 7, ip: '127.0.0.1' },
				{ type: 2, value: 'localhost' },
			],
		});
	}
	ext.push({ name: 'subjectKeyIdentifier' });
	cert.setExtensions(ext);
	// Signed with Node's native RSA (forge's pure-JS signing is slow): the same steps as cert.sign().
	cert.siginfo.algorithmOid = forge.pki.oids.sha256WithRSAEncryption;
	cert.signatureOid = forge.pki.oids.sha256WithRSAEncryption;
	const tbs = Buffer.from(forge.asn1.toDer(getTbs(cert)).getBytes(), 'binary');
	const signature = sign('sha256', tbs, o.issuer ? o.issuer.keyPem : (o.selfKeyPem as string));
	cert.signature = signature.toString('binary');
	return cert;
}

/** forge.pki.getTBSCertificate exists at run time but is missing from @types/node-forge. */
function getTbs(cert: forge.pki.Certificate): forge.asn1.Asn1 {
	return (forge.pki as unknown as { getTBSCertificate(c: forge.pki.Certificate): forge.asn1.Asn1 }).getTBSCertificate(cert);
}

let pki: EmulatorPki | undefined;
let pending: Promise<EmulatorPki> | undefined;

function build(caKey: KeyPem, serverKey: KeyPem, clientKey: KeyPem, jwtKey: KeyPem): EmulatorPki {
	const caCert = makeCert({ cn: 'LivePerson Emulator Test CA', publicPem: caKey.publicPem, selfKeyPem: caKey.privatePem, ca: true });
	const issuer = { cert: caCert, keyPem: caKey.privatePem };
	const serverCert = makeCert({ cn: '127.0.0.1', publicPem: serverKey.publicPem, issuer, serverAlt: true });
	const clientCert = makeCert({ cn: 'sandbox-client-cert', publicPem: clientKey.publicPem, issuer, client: true });
	return {
		caPem: forge.pki.certificateToPem(caCert),
		server: { certPem: forge.pki.certificateToPem(serverCert), keyPem: serverKey.privatePem, subject: 'CN=127.0.0.1' },
		client: { certPem: forge.pki.certificateToPem(clientCert), keyPem: clientKey.privatePem, subject: 'CN=sandbox-client-cert' },
		jwt: {
			privateKey: createPrivateKey(jwtKey.privatePem),
			publicKey: createPublicKey(jwtKey.publicPem),
			kid: `emulator-${randomBytes(4).toString('hex')}`,
		},
	};
}

/** The process-wide PKI (made on first use, synchronously if preparePki() has not finished). */
export function emulatorPki(): EmulatorPki {
	if (!pki) pki = build(rsaPemSync(), rsaPemSync(), rsaPemSync(), rsaPemSync());
	return pki;
}

/** Makes the PKI with the four RSA keys generated in parallel; startEmulator() awaits this. */
export function preparePki(): Promise<EmulatorPki> {
	if (pki) return Promise.resolve(pki);
	pending ??= Promise.all([rsaPemAsync(), rsaPemAsync(), rsaPemAsync(), rsaPemAsync()]).then(([a, b, c, d]) => {
		pki ??= build(a, b, c, d);
		return pki;
	});
	return pending;
}

/** A PKCS#12 (base64 DER) of the client identity, e.g. to test certificate upload or p12 loading. */
export function clientP12Base64(password: string, identity: Identity = emulatorPki().client): string {
	const key = forge.pki.privateKeyFromPem(identity.keyPem);
	const cert = forge.pki.certificateFromPem(identity.certPem);
	const asn1 = forge.pkcs12.toPkcs12Asn1(key, [cert], password, { algorithm: '3des', friendlyName: 'sandbox-client-cert' });
	return forge.util.encode64(forge.asn1.toDer(asn1).getBytes());
}

/** Reads a PKCS#12 into PEM key + certificate (first of each). Throws on a wrong password or bad file. */
export function identityFromP12(der: Buffer, password: string): Identity {
	const asn1 = forge.asn1.fromDer(forge.util.createBuffer(der.toString('binary')));
	const p12 = forge.pkcs12.pkcs12FromAsn1(asn1, password);
	const keyBags = [
		...(p12.getBags({ bagType: forge.pki.oids.pkcs8ShroudedKeyBag })[forge.pki.oids.pkcs8ShroudedKeyBag] ?? []),
		...(p12.getBags({ bagType: forge.pki.oids.keyBag })[forge.pki.oids.keyBag] ?? []),
	];
	const certBags = p12.getBags({ bagType: forge.pki.oids.certBag })[forge.pki.oids.certBag] ?? [];
	const key = keyBags.find((b) => b.key)?.key;
	const cert = certBags.find((b) => b.cert)?.cert;
	if (!key || !cert) throw new Error('the PKCS#12 file holds no private key and certificate');
	const cn = cert.subject.getField('CN') as { value?: string } | null;
	return {
		keyPem: forge.pki.privateKeyToPem(key),
		certPem: forge.pki.certificateToPem(cert),
		subject: cn?.value ? `CN=${cn.value}` : 'unknown',
	};
}

export function certificateExpiry(certPem: string): Date {
	return forge.pki.certificateFromPem(certPem).validity.notAfter;
}
