/**
 * Key stores for mutual TLS: PKCS#12 (.p12/.pfx), JKS (keytool) and PEM, plus an optional trust
 * certificate/store, decoded ONCE into a validated `KeyMaterial` (the identity: private key, leaf
 * certificate, chain, the store's CA certificates and the trust anchors) that every user of it —
 * the credential Test and every run — turns into the same `tls.createSecureContext` options.
 *
 * One parser per format, one decision: PKCS#12 is read by lib/tls/pkcs12.ts `decodePkcs12` (after
 * a structural scan that refuses hostile iteration counts before any key derivation), JKS by
 * lib/tls/jks.ts, PEM by Node's crypto. Nothing is decoded again later, so nothing can fail later
 * with another parser's error. A store with several keys needs the Key Alias. BKS / UBER (Bouncy
 * Castle) stores are recognised by their header and refused with the keytool command to convert.
 *
 * Results are cached per fingerprint (an HMAC of all inputs under a per-process random key, so the
 * cache key is no password oracle): one parse per credential per process. Failures are cached for
 * a minute, so a wrong password does not cost one parse per item either.
 *
 * Secrets never appear in errors: messages name the field and the problem only.
 */
import { createHmac, createPrivateKey, KeyObject, randomBytes, X509Certificate } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { SecureContextOptions } from 'node:tls';
import { LpError } from '../errors';
import { CertificateInfo, certificateInfo, DAY_MS, derToPem, durationText, pemBlocks, shortName, utcText } from './certs';
import { DerError } from './der';
import { isJks, JksError, readJks, recoverJksKey } from './jks';
import { chooseKey, decodePkcs12, IterationLimitError, Pkcs12Error, pkcs12KeyChoices, pkcs8Iterations, scanPkcs12 } from './pkcs12';

export type KeyStoreFormat = 'pkcs12' | 'jks' | 'pem';
export type TrustFormat = 'pem' | 'der' | 'pkcs12' | 'jks';

export interface TrustInput {
	/** PEM text (one or more certificates), or base64 of a DER certificate, a PKCS#12 or a JKS store. */
	data: string;
	/** Detected when omitted. */
	format?: TrustFormat;
	password?: string;
}

export interface KeyStoreInput {
	format: KeyStoreFormat;
	/** Base64 for pkcs12/jks; PEM text (certificate chain, optionally with the key) for pem. */
	data: string;
	/** PEM private key for 'pem' when it is not inside `data`. */
	key?: string;
	/** Key store password (PKCS#12 / JKS), or the passphrase of an encrypted PEM key. */
	password?: string;
	/**
	 * Which key entry to use when the store holds several: the alias (JKS) or friendly name
	 * (PKCS#12, `openssl pkcs12 -name`, keytool's alias). Without it a store must hold one key.
	 */
	alias?: string;
	trust?: TrustInput;
}

export interface LoadOptions {
	/** Refuse PBKDF2 / PKCS#12-KDF iteration counts above this (before deriving anything). Default 1,000,000. */
	maxIterations?: number;
	/** Clock for validity checks (tests). */
	now?: () => number;
	/** Report an expired / not-yet-valid certificate as a warning instead of an error. Default false. */
	allowInvalidDates?: boolean;
	/** Use the per-process cache. Default true. */
	cache?: boolean;
}

/** Which reader decoded the store; `pkcs12-legacy` = RC2/RC4/DES-era encryption (`openssl pkcs12 -legacy`). */
export type ParseSource = 'pkcs12' | 'pkcs12-legacy' | 'jks' | 'pem';

export const DEFAULT_MAX_ITERATIONS = 1_000_000;
const MAX_INPUT_CHARS = 2 * 1024 * 1024;
const ERROR_TTL_MS = 60_000;
const CACHE_SIZE = 128;
const CLIENT_AUTH_EKU = '1.3.6.1.5.5.7.3.2';

/** Parsed, validated client identity. Secret parts are private fields (not enumerable, not in JSON). */
export class KeyMaterial {
	readonly fingerprint: string;
	/** The format actually found (a PKCS#12 file uploaded as "JKS" is read as PKCS#12, and vice versa). */
	readonly format: KeyStoreFormat;
	readonly source: ParseSource;
	readonly info: CertificateInfo;
	/** Leaf certificate (PEM). */
	readonly cert: string;
	/** The alias / friendly name of the key entry used, when the store names it. */
	readonly alias?: string;
	/**
	 * Trust anchors from the Trust Certificate (PEM), when one was given: then they are the ONLY
	 * anchors (neither Node's roots nor the key store's CA certificates are trusted).
	 */
	readonly ca?: string[];
	/** Milliseconds the parse took. */
	readonly parseMs: number;
	#key: string;
	#chain: string[];
	#storeCas: string[];
	#certWarnings: string[];
	#dateWarnings: string[];

	constructor(init: {
		fingerprint: string;
		format: KeyStoreFormat;
		source: ParseSource;
		info: CertificateInfo;
		cert: string;
		alias?: string;
		ca?: string[];
		/** Warnings that do not change with time (e.g. no clientAuth usage). */
		certWarnings: string[];
		/** Validity warnings as of the parse (`refresh` recomputes them). */
		dateWarnings: string[];
		parseMs: number;
		key: string;
		chain: string[];
		storeCas: string[];
	}) {
		this.fingerprint = init.fingerprint;
		this.format = init.format;
		this.source = init.source;
		this.info = init.info;
		this.cert = init.cert;
		this.alias = init.alias;
		this.ca = init.ca;
		this.parseMs = init.parseMs;
		this.#key = init.key;
		this.#chain = init.chain;
		this.#storeCas = init.storeCas;
		this.#certWarnings = init.certWarnings;
		this.#dateWarnings = init.dateWarnings;
	}

	/** What the user should know about this identity (expiry soon, no clientAuth usage, ...). */
	get warnings(): string[] {
		return [...this.#dateWarnings, ...this.#certWarnings];
	}

	/** Recomputes the validity warnings and days left for `now` (a cached identity lives for days). */
	refresh(now: number): void {
		this.info.expiresInDays = Math.floor((Date.parse(this.info.validTo) - now) / DAY_MS);
		const warnings: string[] = [];
		validityWarnings(this.info, now, true, warnings);
		this.#dateWarnings = warnings;
	}

	/** Private key (PKCS#8 PEM). */
	get key(): string {
		return this.#key;
	}

	/** Intermediate certificates (PEM), leaf excluded. */
	get chain(): string[] {
		return [...this.#chain];
	}

	/**
	 * Options for `tls.createSecureContext` carrying the client identity and trust: the key, the
	 * leaf + chain, and `ca` when a Trust Certificate was given. The same for every format and for
	 * the credential Test and a run (lib/tls/agent-pool.ts `buildSecureContext` is the one caller).
	 *
	 * The trust rule, the same for every format:
	 * - a Trust Certificate, when given, is the only trust anchor (`ca`): the CA certificates inside
	 *   the key store are then NOT trusted, and neither are Node's public roots;
	 * - without one, Node's public roots and the CA certificates that came with the client
	 *   certificate in the key store are trusted (`extraTrust()`): PKCS#12 extra certificates, the
	 *   JKS key entry's chain and trusted-certificate entries, the certificates after the client
	 *   certificate in a PEM — as the Conversation Builder documentation describes ("if your
	 *   keystore already has the trust certificate, one provided via the UI is not required").
	 */
	secureContextOptions(): SecureContextOptions {
		return { key: this.#key, cert: [this.cert, ...this.#chain].join(''), ...(this.ca ? { ca: this.ca } : {}) };
	}

	/** CA certificates that came inside the key store, trusted on top of Node's roots without a Trust Certificate. */
	extraTrust(): string[] {
		return this.ca ? [] : [...this.#storeCas];
	}

	/** Which anchors this material trusts, in words (for the credential test). */
	trustSummary(): string {
		if (this.ca) return `trusts only the Trust Certificate (${this.ca.length} certificate${this.ca.length === 1 ? '' : 's'})`;
		return `trusts the public CAs and ${this.#storeCas.length} CA certificate${this.#storeCas.length === 1 ? '' : 's'} from the key store`;
	}

	toJSON() {
		return { fingerprint: this.fingerprint, format: this.format, source: this.source, alias: this.alias, info: this.info, warnings: this.warnings };
	}
}

// ---------------------------------------------------------------------------------------------
// Cache and counters

const processKey = randomBytes(32);
type CacheEntry = { material?: KeyMaterial; error?: LpError; at: number };
const cache = new Map<string, CacheEntry>();
const stats = { parses: 0, cacheHits: 0, byFormat: {} as Record<string, number> };

/** Parse counters (for the benchmark and tests): real parses vs cache hits. */
export function keyStoreStats() {
	return { parses: stats.parses, cacheHits: stats.cacheHits, cached: cache.size, byFormat: { ...stats.byFormat } };
}

export function clearKeyStoreCache(): void {
	cache.clear();
	stats.parses = 0;
	stats.cacheHits = 0;
	stats.byFormat = {};
}

/** Cache key of a key store input: HMAC-SHA256 under a per-process random key (no password oracle). */
export function keyStoreFingerprint(input: KeyStoreInput, maxIterations = DEFAULT_MAX_ITERATIONS): string {
	const h = createHmac('sha256', processKey);
	const parts = [input.format, input.data, input.key, input.password, input.alias, input.trust?.data, input.trust?.format, input.trust?.password, String(maxIterations)];
	for (const part of parts) {
		const text = part ?? '\u0000none';
		h.update(`${text.length}:`).update(text);
	}
	return h.digest('hex');
}

// ---------------------------------------------------------------------------------------------
// Errors (no secret ever goes into them)

const tlsError = (field: string, code: string, message: string, hint?: string, cause?: unknown) =>
	new LpError('tls', message, { field, code, hint, cause });
const badInput = (field: string, code: string, message: string, hint?: string, cause?: unknown) =>
	new LpError('input', message, { field, code, hint, cause });

const FIELD = { store: 'keyStore', password: 'keyStorePassword', key: 'privateKey', trust: 'trustCertificate', trustPassword: 'trustStorePassword', alias: 'keyAlias' };

function iterationError(field: string, error: IterationLimitError, cap: number): LpError {
	const n = Number.isFinite(error.iterations) && error.iterations >= 0 ? error.iterations.toLocaleString('en-US') : 'an enormous number of';
	return badInput(
		field,
		'ITERATIONS_TOO_HIGH',
		`The ${field === FIELD.trust ? 'trust store' : 'key store'} asks for ${n} key-derivation iterations (${error.where}); the limit is ${cap.toLocaleString('en-US')}`,
		'Re-export the file with a normal iteration count (OpenSSL and keytool use 2,048-10,000), e.g. openssl pkcs12 -export -iter 10000.',
	);
}

function structureError(field: string, what: string, cause?: unknown): LpError {
	return badInput(
		field,
		'KEYSTORE_CORRUPT',
		`The ${what} could not be read: the data is truncated or corrupt`,
		'Paste the whole file again as base64 (e.g. base64 -w0 file.p12), and check the selected format.',
		cause,
	);
}

/**
 * What is unusual about a password, in words, without showing it: blanks or line breaks at its
 * start or end (a copy from a file or terminal), which are part of the password as typed.
 */
export function passwordShapeHint(password: string | undefined): string | undefined {
	const shape = passwordShape(password);
	return shape ? `The password entered ${shape} (not shown here): it is used exactly as entered, so remove it unless it really is part of the password.` : undefined;
}

/** "ends with a line break", "starts with a space and ends with 3 spaces", or undefined. */
function passwordShape(password: string | undefined): string | undefined {
	if (!password) return undefined;
	const edges: string[] = [];
	const lead = /^\s+/.exec(password)?.[0];
	const trail = /\s+$/.exec(password)?.[0];
	const describe = (ws: string) => (/[\r\n]/.test(ws) ? 'a line break' : /\t/.test(ws) ? 'a tab' : ws.length > 1 ? `${ws.length} spaces` : 'a space');
	if (lead) edges.push(`starts with ${describe(lead)}`);
	if (trail) edges.push(`ends with ${describe(trail)}`);
	return edges.length ? edges.join(' and ') : undefined;
}

function wrongPassword(field: string, passwordField: string, password: string | undefined, what: string, cause?: unknown): LpError {
	const label = passwordField === FIELD.password ? 'Key Store Password' : 'Trust Store Password';
	if (!password) return tlsError(passwordField, 'PASSWORD_REQUIRED', `The ${what} is password-protected but no password was given`, `Enter the password in "${label}".`, cause);
	// Said in the message too: a Continue On Fail item keeps only the message.
	const shape = passwordShape(password);
	const message = `The ${what} password is wrong (or the file was modified)${shape ? `; the password entered ${shape}` : ''}`;
	return tlsError(passwordField, 'PASSWORD_WRONG', message, shape ? `${passwordShapeHint(password)} Check the "${label}" field.` : `Check the "${label}" field.`, cause);
}

/**
 * Several key entries and no (or an unknown) Key Alias: refuse and list the aliases, which are
 * names, not secrets. A store with one key needs no alias.
 */
function aliasError(result: { error: 'none' | 'ambiguous' | 'unknown'; aliases: string[] }, alias: string | undefined, what: string): LpError {
	const list = [...result.aliases].sort((a, b) => a.localeCompare(b)).map((a) => `"${a}"`).join(', ');
	if (result.error === 'unknown') {
		return badInput(FIELD.alias, 'KEY_ALIAS_UNKNOWN', `The ${what} has no key entry with the alias "${alias?.trim()}"; its key entries are ${list}`, 'Set "Key Alias" to one of these names (or leave it empty when the store holds one key).');
	}
	return badInput(
		FIELD.alias,
		'KEY_ALIAS_REQUIRED',
		`The ${what} holds ${result.aliases.length} private keys (${list}): say which one to use`,
		'Set "Key Alias" to the alias of the client key (keytool -list shows the aliases; in a PKCS#12 it is the friendly name, openssl pkcs12 -name).',
	);
}

/** Bouncy Castle BKS / UBER: version 1 or 2, a salt length, the salt, an iteration count (no magic number). */
export function isBks(buf: Buffer): boolean {
	if (buf.length < 16) return false;
	const version = buf.readUInt32BE(0);
	const saltLength = buf.readUInt32BE(4);
	if ((version !== 1 && version !== 2) || saltLength < 1 || saltLength > 64 || buf.length < 12 + saltLength) return false;
	const iterations = buf.readUInt32BE(8 + saltLength);
	return iterations >= 1 && iterations < 10_000_000;
}

function bksError(field: string, what: string): LpError {
	return badInput(
		field,
		'KEYSTORE_BKS',
		`The ${what} is a Bouncy Castle key store (BKS/UBER): BKS is not supported; convert it to PKCS#12 with keytool -importkeystore -srcstoretype BKS -deststoretype pkcs12`,
		'The full command (needs the Bouncy Castle provider jar): keytool -importkeystore -srckeystore store.bks -srcstoretype BKS -providerpath bcprov.jar -provider org.bouncycastle.jce.provider.BouncyCastleProvider -destkeystore store.p12 -deststoretype pkcs12; then paste the base64 of store.p12 (base64 -w0 store.p12) with the format PKCS#12.',
	);
}

// ---------------------------------------------------------------------------------------------
// Decoding helpers

function decodeBase64(text: string, field: string, what: string): Buffer {
	if (typeof text !== 'string' || !text.trim()) throw badInput(field, 'KEYSTORE_MISSING', `The ${what} is empty`, 'Paste the file content as base64 text.');
	if (text.length > MAX_INPUT_CHARS) throw badInput(field, 'KEYSTORE_TOO_LARGE', `The ${what} is larger than ${MAX_INPUT_CHARS / 1024 / 1024} MiB`);
	let t = text.trim();
	if (t.includes('-----BEGIN')) {
		throw badInput(field, 'WRONG_FORMAT', `The ${what} is PEM text, not base64 of a binary file`, 'Select the PEM format, or paste the base64 of the .p12/.jks file.');
	}
	const dataUrl = /^data:[^,]*;base64,/i.exec(t);
	if (dataUrl) t = t.slice(dataUrl[0].length);
	t = t.replace(/\s+/g, '');
	if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(t) || t.length % 4 === 1) {
		throw badInput(field, 'BASE64_INVALID', `The ${what} is not valid base64`, 'Paste the file as one base64 text (e.g. the output of base64 -w0 file.p12).');
	}
	return Buffer.from(t, t.includes('-') || t.includes('_') ? 'base64url' : 'base64');
}

/**
 * The validity of the client certificate at `now`: an error (unless `allow`), or a warning when it
 * expires within 30 days. Dates in words ("2026-12-06 11:33 UTC"), the time left never rounded up.
 */
function validityWarnings(info: CertificateInfo, now: number, allow: boolean, warnings: string[], field = FIELD.store): void {
	const from = Date.parse(info.validFrom);
	const to = Date.parse(info.validTo);
	const name = shortName(info);
	if (now > to) {
		const message = `The client certificate "${name}" expired on ${utcText(to)}`;
		if (!allow) throw tlsError(field, 'CERT_EXPIRED', message, 'Renew the certificate and upload the new key store.');
		warnings.push(message);
	} else if (now < from) {
		const message = `The client certificate "${name}" is not valid before ${utcText(from)} (in ${durationText(from - now)})`;
		if (!allow) throw tlsError(field, 'CERT_NOT_YET_VALID', message, 'Check the clock of the n8n host, or wait until the certificate becomes valid.');
		warnings.push(message);
	} else if (to - now < 30 * DAY_MS) {
		warnings.push(`The client certificate "${name}" expires in ${durationText(to - now)} (${utcText(to)})`);
	}
}

function certificateWarnings(info: CertificateInfo, cert: X509Certificate): string[] {
	const eku = cert.keyUsage;
	if (Array.isArray(eku) && eku.length && !eku.includes(CLIENT_AUTH_EKU)) {
		return [`The client certificate "${shortName(info)}" does not allow client authentication (extended key usage lacks clientAuth): servers may refuse it`];
	}
	return [];
}

function leafInfo(der: Buffer, now: number) {
	const x509 = new X509Certificate(der);
	return { x509, info: certificateInfo(x509, now) };
}

// ---------------------------------------------------------------------------------------------
// Formats

interface Parsed {
	format: KeyStoreFormat;
	source: ParseSource;
	leaf: Buffer;
	key: KeyObject;
	chain: Buffer[];
	storeCas: Buffer[];
	alias?: string;
}

/** A PKCS#12 decoder failure as the user's error (which field, what to do). */
function pkcs12Failure(error: unknown, field: string, passwordField: string, password: string | undefined, what: string): LpError {
	if (error instanceof LpError) return error;
	if (error instanceof Pkcs12Error && error.reason === 'password') return wrongPassword(field, passwordField, password, what, error);
	if (error instanceof Pkcs12Error && error.reason === 'unsupported') {
		return badInput(field, 'KEYSTORE_UNSUPPORTED', `The ${what} (PKCS#12) cannot be used: ${error.message}`, 'Export it again with standard encryption, e.g. openssl pkcs12 -export -keypbe AES-256-CBC -certpbe AES-256-CBC -macalg sha256.', error);
	}
	return structureError(field, `${what} (PKCS#12)`, error);
}

function parsePkcs12(der: Buffer, password: string | undefined, alias: string | undefined, cap: number): Parsed {
	try {
		scanPkcs12(der, cap, cap * 3, password);
	} catch (error) {
		if (error instanceof IterationLimitError) throw iterationError(FIELD.store, error, cap);
		throw structureError(FIELD.store, 'key store (PKCS#12)', error);
	}
	let contents;
	try {
		contents = decodePkcs12(der, password);
	} catch (error) {
		throw pkcs12Failure(error, FIELD.store, FIELD.password, password, 'key store');
	}
	if (!contents.keys.length) throw badInput(FIELD.store, 'KEY_MISSING', 'The key store holds no private key (only certificates)', 'Export the key store with the private key (e.g. openssl pkcs12 -export -inkey key.pem -in cert.pem).');
	const choices = pkcs12KeyChoices(contents);
	const chosen = chooseKey(choices, alias);
	if ('error' in chosen) throw aliasError(chosen, alias, 'key store');
	const { key, leaf } = chosen.entry;
	if (!leaf) throw tlsError(FIELD.store, 'KEY_MISMATCH', 'The private key in the key store does not belong to any certificate in it', 'Export the key store again with the matching key and certificate.');
	// Certificates that are some key's own certificate are identities, not CA certificates.
	const leaves = new Set(choices.map((c) => c.entry.leaf).filter((c): c is Buffer => !!c));
	const others = contents.certs.map((c) => c.der).filter((c) => !leaves.has(c));
	return {
		format: 'pkcs12',
		source: contents.legacy ? 'pkcs12-legacy' : 'pkcs12',
		leaf,
		key,
		chain: others,
		storeCas: others,
		alias: choices.find((c) => c.entry.key === key)?.alias,
	};
}

function parseJksStore(der: Buffer, password: string | undefined, alias: string | undefined): Parsed {
	if (!password) throw wrongPassword(FIELD.store, FIELD.password, undefined, 'key store');
	let store;
	try {
		store = readJks(der, password);
	} catch (error) {
		if (error instanceof JksError && error.reason === 'integrity') throw wrongPassword(FIELD.store, FIELD.password, password, 'key store', error);
		if (error instanceof JksError && error.reason === 'unsupported') throw badInput(FIELD.store, 'KEYSTORE_UNSUPPORTED', `The key store cannot be used: ${error.message}`);
		throw structureError(FIELD.store, 'key store (JKS)', error);
	}
	const keyEntries = store.entries.filter((e) => e.kind === 'key' && e.protectedKey);
	const trusted = store.entries.filter((e) => e.kind === 'trusted').flatMap((e) => e.certs);
	if (!keyEntries.length) {
		throw badInput(FIELD.store, 'KEY_MISSING', 'The key store holds no private key entry (only trusted certificates)', 'Upload the key store that contains the client key pair; trusted certificates go in "Trust Certificate".');
	}
	const chosen = chooseKey(keyEntries.map((e) => ({ alias: e.alias, entry: e })), alias);
	if ('error' in chosen) throw aliasError(chosen, alias, 'key store');
	const entry = chosen.entry;
	if (!entry.protectedKey) throw structureError(FIELD.store, 'key store (JKS)');
	let pkcs8: Buffer;
	try {
		pkcs8 = recoverJksKey(entry.protectedKey, password);
	} catch (error) {
		if (error instanceof JksError && error.reason === 'key-password') {
			throw tlsError(FIELD.password, 'PASSWORD_WRONG', `The password does not unlock the private key entry "${entry.alias}"`, 'The key password must equal the key store password (keytool -keypasswd to change it).', error);
		}
		throw structureError(FIELD.store, 'key store (JKS)', error);
	}
	let key: KeyObject;
	try {
		key = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
	} catch (error) {
		throw structureError(FIELD.store, 'private key in the key store', error);
	}
	if (!entry.certs.length) throw badInput(FIELD.store, 'CERT_MISSING', `The key entry "${entry.alias}" has no certificate`);
	// Trusted without a Trust Certificate: the key entry's chain (after the leaf) and the trusted entries.
	return { format: 'jks', source: 'jks', leaf: entry.certs[0], key, chain: entry.certs.slice(1), storeCas: [...entry.certs.slice(1), ...trusted], alias: entry.alias };
}

const KEY_LABELS = new Set(['PRIVATE KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY', 'ENCRYPTED PRIVATE KEY']);

function parsePem(data: string, keyText: string | undefined, password: string | undefined, cap: number): Parsed {
	if (typeof data !== 'string' || !data.trim()) throw badInput(FIELD.store, 'KEYSTORE_MISSING', 'The certificate (PEM) is empty', 'Paste the client certificate in PEM format (-----BEGIN CERTIFICATE-----).');
	if (data.length > MAX_INPUT_CHARS) throw badInput(FIELD.store, 'KEYSTORE_TOO_LARGE', 'The certificate (PEM) is too large');
	const blocks = pemBlocks(data);
	const certs = blocks.filter((b) => b.label === 'CERTIFICATE' || b.label === 'X509 CERTIFICATE' || b.label === 'TRUSTED CERTIFICATE');
	if (!certs.length) {
		throw badInput(FIELD.store, 'CERT_MISSING', 'The key certificate holds no PEM certificate (-----BEGIN CERTIFICATE-----)', 'Paste the client certificate (and its chain) in PEM format, or select the PKCS#12 / JKS format for a binary file.');
	}
	const keyBlocks = [...(keyText ? pemBlocks(keyText) : []), ...blocks].filter((b) => KEY_LABELS.has(b.label));
	if (!keyBlocks.length) {
		throw badInput(
			FIELD.key,
			'KEY_MISSING',
			keyText?.trim() ? 'The private key is not in PEM format (a -----BEGIN … PRIVATE KEY----- block)' : 'The PEM key store has no private key',
			'Paste the private key (PEM) in "Private Key", or include it in the certificate text.',
		);
	}
	const keyBlock = keyBlocks[0];
	if (keyBlock.label === 'ENCRYPTED PRIVATE KEY') {
		try {
			const n = pkcs8Iterations(keyBlock.der);
			if (n > cap || n < 0) throw iterationError(FIELD.key, new IterationLimitError('PKCS#8 PBE', n), cap);
		} catch (error) {
			if (error instanceof LpError) throw error;
			throw structureError(FIELD.key, 'private key (PEM)', error);
		}
	}
	let key: KeyObject;
	try {
		key = createPrivateKey({ key: keyBlock.text, format: 'pem', passphrase: password ?? '' });
	} catch (error) {
		const code = (error as { code?: string }).code ?? '';
		const message = String((error as Error)?.message ?? '');
		if (code === 'ERR_MISSING_PASSPHRASE' || /bad decrypt|passphrase|password/i.test(message) || (keyBlock.label === 'ENCRYPTED PRIVATE KEY' || /ENCRYPTED/.test(keyBlock.text.slice(0, 200)))) {
			throw wrongPassword(FIELD.key, FIELD.password, password, 'private key');
		}
		throw badInput(FIELD.key, 'KEY_INVALID', 'The private key (PEM) could not be read', 'Paste the whole key including the BEGIN/END lines.', error);
	}
	let parsed: X509Certificate[];
	try {
		parsed = certs.map((c) => new X509Certificate(c.der));
	} catch (error) {
		throw structureError(FIELD.store, 'certificate (PEM)', error);
	}
	const leafIndex = parsed.findIndex((c) => c.checkPrivateKey(key));
	if (leafIndex < 0) {
		throw tlsError(FIELD.key, 'KEY_MISMATCH', 'The private key does not belong to the certificate', 'Use the key that was generated with this certificate (compare openssl x509 -pubkey and openssl pkey -pubout).');
	}
	const chain = certs.filter((_, i) => i !== leafIndex).map((c) => c.der);
	// Trusted without a Trust Certificate, like the extra certificates of a PKCS#12.
	return { format: 'pem', source: 'pem', leaf: certs[leafIndex].der, key, chain, storeCas: chain };
}

/** Trust anchors as PEM strings. */
export function parseTrust(trust: TrustInput, cap = DEFAULT_MAX_ITERATIONS): string[] {
	const text = typeof trust.data === 'string' ? trust.data.trim() : '';
	if (!text) throw badInput(FIELD.trust, 'TRUST_MISSING', 'The trust certificate is empty');
	if (text.length > MAX_INPUT_CHARS) throw badInput(FIELD.trust, 'TRUST_TOO_LARGE', 'The trust certificate is too large');
	const unreadable = (cause?: unknown, detail = 'it is not a PEM or DER certificate, nor a PKCS#12 / JKS trust store') =>
		tlsError(FIELD.trust, 'TRUST_UNREADABLE', `The trust certificate could not be read: ${detail}`, 'Paste the server CA certificate in PEM format (-----BEGIN CERTIFICATE-----), or the base64 of a .der/.cer, .p12 or .jks file.', cause);
	if (text.includes('-----BEGIN')) {
		const certs = pemBlocks(text).filter((b) => /CERTIFICATE$/.test(b.label));
		if (!certs.length) throw unreadable(undefined, 'the PEM text holds no certificate');
		try {
			return certs.map((c) => new X509Certificate(c.der).toString());
		} catch (error) {
			throw unreadable(error, 'a PEM certificate in it is corrupt');
		}
	}
	const der = decodeBase64(text, FIELD.trust, 'trust certificate');
	if (isBks(der)) throw bksError(FIELD.trust, 'trust store');
	const format = trust.format && trust.format !== 'pem' ? trust.format : isJks(der) ? 'jks' : undefined;
	if (format === 'jks' || (!format && isJks(der))) {
		let store;
		try {
			store = readJks(der, trust.password || undefined);
		} catch (error) {
			if (error instanceof JksError && error.reason === 'integrity') throw wrongPassword(FIELD.trust, FIELD.trustPassword, trust.password, 'trust store', error);
			throw unreadable(error, 'the JKS trust store is truncated or corrupt');
		}
		const certs = store.entries.flatMap((e) => (e.kind === 'trusted' ? e.certs : e.certs.slice(-1)));
		if (!certs.length) throw unreadable(undefined, 'the JKS trust store holds no certificate');
		return certs.map((c) => derToPem(c));
	}
	if (format !== 'pkcs12') {
		try {
			return [new X509Certificate(der).toString()];
		} catch (error) {
			if (format === 'der') throw unreadable(error, 'the DER certificate is truncated or corrupt');
		}
	}
	// PKCS#12 trust store (certificate bags only is fine): the same decoder as for key stores.
	try {
		scanPkcs12(der, cap, cap * 3, trust.password || undefined);
	} catch (error) {
		if (error instanceof IterationLimitError) throw iterationError(FIELD.trust, error, cap);
		throw unreadable(error);
	}
	let certs: Buffer[];
	try {
		certs = decodePkcs12(der, trust.password || undefined).certs.map((c) => c.der);
	} catch (error) {
		if (error instanceof Pkcs12Error && error.reason === 'password') throw wrongPassword(FIELD.trust, FIELD.trustPassword, trust.password, 'trust store', error);
		if (error instanceof Pkcs12Error && error.reason === 'unsupported') throw unreadable(error, `the PKCS#12 trust store cannot be used: ${error.message}`);
		throw unreadable(error, 'the PKCS#12 trust store is truncated or corrupt');
	}
	if (!certs.length) throw unreadable(undefined, 'the PKCS#12 trust store holds no certificate');
	return certs.map((c) => derToPem(c));
}

function parse(input: KeyStoreInput, fingerprint: string, options: LoadOptions): KeyMaterial {
	const started = performance.now();
	const cap = options.maxIterations ?? DEFAULT_MAX_ITERATIONS;
	const now = options.now?.() ?? Date.now();
	if (!input || typeof input !== 'object') throw badInput(FIELD.store, 'KEYSTORE_MISSING', 'No key store was given');
	const password = input.password === '' ? undefined : input.password;
	const alias = input.alias?.trim() || undefined;
	let parsed: Parsed;
	if (input.format === 'pem') {
		parsed = parsePem(input.data, input.key, password, cap);
	} else if (input.format === 'pkcs12' || input.format === 'jks') {
		const der = decodeBase64(input.data, FIELD.store, 'key store');
		if (isBks(der)) throw bksError(FIELD.store, 'key store');
		if (der.length < 24) throw structureError(FIELD.store, 'key store');
		// Trust the bytes, not the label: keytool writes PKCS#12 by default since Java 9.
		parsed = isJks(der) ? parseJksStore(der, password, alias) : parsePkcs12(der, password, alias, cap);
	} else {
		throw badInput('keyStoreFormat', 'FORMAT_UNKNOWN', `Unknown key store format "${String(input.format)}"`, 'Use PKCS#12, JKS or PEM.');
	}
	const { x509, info } = leafInfo(parsed.leaf, now);
	const dateWarnings: string[] = [];
	validityWarnings(info, now, options.allowInvalidDates === true, dateWarnings);
	if (!x509.checkPrivateKey(parsed.key)) {
		throw tlsError(FIELD.store, 'KEY_MISMATCH', 'The private key does not belong to the certificate', 'Export the key store again with the matching key and certificate.');
	}
	const ca = input.trust && typeof input.trust.data === 'string' && input.trust.data.trim() ? parseTrust(input.trust, cap) : undefined;
	return new KeyMaterial({
		fingerprint,
		format: parsed.format,
		source: parsed.source,
		info,
		cert: derToPem(parsed.leaf),
		alias: parsed.alias,
		ca,
		certWarnings: certificateWarnings(info, x509),
		dateWarnings,
		parseMs: performance.now() - started,
		key: parsed.key.export({ type: 'pkcs8', format: 'pem' }) as string,
		chain: parsed.chain.map((c) => derToPem(c)),
		storeCas: parsed.storeCas.map((c) => derToPem(c)),
	});
}

/**
 * Parses and validates a key store (cached per input fingerprint). Throws LpError (kind 'input'
 * or 'tls', with `field`) for every problem; the message never contains a secret.
 */
/**
 * keyStoreFingerprint per input object: the nodes hand the same credential's input over for every
 * item, and HMAC-ing the whole key store each time cost ~10 µs per request (bench/). Every field is
 * compared on each call, so an input whose fields changed never gets a stale fingerprint.
 */
const fingerprintMemo = new WeakMap<object, { fields: unknown[]; fingerprint: string }>();
function inputFingerprint(input: KeyStoreInput, maxIterations?: number): string {
	if (!input || typeof input !== 'object') return keyStoreFingerprint(input, maxIterations);
	const t = input.trust;
	const fields = [input.format, input.data, input.key, input.password, input.alias, t?.data, t?.format, t?.password, maxIterations];
	const hit = fingerprintMemo.get(input);
	if (hit && hit.fields.every((v, i) => v === fields[i])) return hit.fingerprint;
	const fingerprint = keyStoreFingerprint(input, maxIterations);
	fingerprintMemo.set(input, { fields, fingerprint });
	return fingerprint;
}

export function loadKeyStore(input: KeyStoreInput, options: LoadOptions = {}): KeyMaterial {
	const useCache = options.cache !== false;
	const fingerprint = inputFingerprint(input, options.maxIterations);
	const now = options.now?.() ?? Date.now();
	if (useCache) {
		const hit = cache.get(fingerprint);
		if (hit && (hit.material || now - hit.at < ERROR_TTL_MS)) {
			cache.delete(fingerprint);
			cache.set(fingerprint, hit);
			stats.cacheHits++;
			if (hit.error) throw hit.error;
			const material = hit.material as KeyMaterial;
			material.refresh(now);
			if (!options.allowInvalidDates && (now > Date.parse(material.info.validTo) || now < Date.parse(material.info.validFrom))) {
				cache.delete(fingerprint); // dates changed meaning: parse again for the full error
			} else {
				return material;
			}
		}
	}
	stats.parses++;
	stats.byFormat[input?.format] = (stats.byFormat[input?.format] ?? 0) + 1;
	try {
		const material = parse(input, fingerprint, options);
		if (useCache) remember(fingerprint, { material, at: now });
		return material;
	} catch (error) {
		const lp =
			error instanceof LpError
				? error
				: error instanceof DerError
					? structureError(FIELD.store, 'key store', error)
					: new LpError('input', 'The key store could not be read', { field: FIELD.store, code: 'KEYSTORE_UNREADABLE', hint: 'Check the selected format and paste the whole file again.', cause: error });
		if (useCache && !options.allowInvalidDates) remember(fingerprint, { error: lp, at: now });
		throw lp;
	}
}

function remember(key: string, entry: CacheEntry) {
	cache.delete(key);
	cache.set(key, entry);
	while (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value as string);
}
