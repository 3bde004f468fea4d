/**
 * Property-based tests (fast-check) of the key-store readers: random bytes and mutated valid
 * PKCS#12 / JKS stores (flipped bytes, truncation, inserted bytes, random length bytes) given to
 * `loadKeyStore` / `parseTrust` in every format → either key material or an LpError naming a
 * credential field, each call under a time bound, and no password or key text in any message.
 * The table of specific bad inputs lives in keystore.test.ts; this explores around it.
 */
import fc from 'fast-check';
import { LpError } from '../../../lib/errors';
import { clearKeyStoreCache, loadKeyStore, parseTrust, type KeyStoreFormat } from '../../../lib/tls/keystore';
import { makeTestPki, STORE_PASSWORD, type TestPki } from '../../helpers/pki';

jest.setTimeout(300_000);

/** Generous per-call bound: a hang or a runaway KDF would blow it (the iteration cap is 1,000,000). */
const CALL_BOUND_MS = 5_000;
const FIELDS = new Set(['keyStore', 'keyStorePassword', 'privateKey', 'trustCertificate', 'trustStorePassword', 'protocols']);

let pki: TestPki;
let slowest = 0;
let calls = 0;
const outcomes: Record<string, number> = {};
beforeAll(() => {
	pki = makeTestPki();
});
afterAll(() => {
	process.stdout.write(`\n[key-store properties] ${calls} reads, outcomes ${JSON.stringify(outcomes)}, slowest ${slowest} ms (bound ${CALL_BOUND_MS} ms)\n`);
});

function check(read: () => unknown, password: string | undefined): boolean {
	const started = Date.now();
	let outcome = 'ok';
	try {
		read();
	} catch (error) {
		if (!(error instanceof LpError)) {
			throw new Error(`not an LpError: ${(error as Error)?.constructor?.name}: ${(error as Error)?.message}`);
		}
		outcome = error.code ?? error.kind;
		if (!error.field || !FIELDS.has(error.field)) throw new Error(`LpError without a credential field: ${error.field} (${error.code}: ${error.message})`);
		const text = [error.message, error.hint ?? '', JSON.stringify(error.toJSON())].join('\n');
		if (password && password.length >= 4 && text.includes(password)) throw new Error('the password appears in the error');
		// Key material: a PEM key body or DER base64 (a hint naming the PEM block format is fine).
		if (/PRIVATE KEY-----\s*[A-Za-z0-9+/]{40}|MII[A-Za-z0-9+/]{20}/.test(text)) throw new Error('key material appears in the error');
	} finally {
		const ms = Date.now() - started;
		slowest = Math.max(slowest, ms);
		calls++;
		outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
		if (ms > CALL_BOUND_MS) throw new Error(`read took ${ms} ms (bound ${CALL_BOUND_MS} ms)`);
	}
	return true;
}

const format = fc.constantFrom<KeyStoreFormat>('pkcs12', 'jks', 'pem');
const password = fc.oneof(fc.constant(STORE_PASSWORD), fc.string({ maxLength: 24 }), fc.constant(undefined));

/** A mutation of a valid store: flip bytes, truncate, insert random bytes, or overwrite a run. */
const mutation = fc.oneof(
	fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bits: fc.integer({ min: 1, max: 255 }), count: fc.integer({ min: 1, max: 8 }) }),
	fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
	fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
	fc.record({ kind: fc.constant('overwrite' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
);

interface Mutation {
	kind: string;
	at: number;
	bits?: number;
	count?: number;
	bytes?: Uint8Array;
}

function mutate(b64: string, m: Mutation): string {
	const buf = Buffer.from(b64, 'base64');
	const at = m.at % buf.length;
	switch (m.kind) {
		case 'flip': {
			const out = Buffer.from(buf);
			for (let k = 0; k < (m.count ?? 1); k++) out[(at + k * 37) % out.length] ^= m.bits ?? 1;
			return out.toString('base64');
		}
		case 'truncate':
			return buf.subarray(0, at).toString('base64');
		case 'insert':
			return Buffer.concat([buf.subarray(0, at), Buffer.from(m.bytes ?? []), buf.subarray(at)]).toString('base64');
		default: {
			const out = Buffer.from(buf);
			Buffer.from(m.bytes ?? []).copy(out, at);
			return out.toString('base64');
		}
	}
}

beforeEach(() => clearKeyStoreCache());

describe('key-store readers under random input', () => {
	test('random bytes in any format, with any password → key material or an LpError naming a field', () => {
		fc.assert(
			fc.property(fc.uint8Array({ maxLength: 4096 }), format, password, (bytes, fmt, pw) =>
				check(() => loadKeyStore({ format: fmt, data: Buffer.from(bytes).toString('base64'), password: pw }), pw),
			),
			{ numRuns: 300 },
		);
	});

	test('random text (not base64, PEM-looking, JSON) → LpError', () => {
		const pemish = fc.tuple(fc.constantFrom('CERTIFICATE', 'PRIVATE KEY', 'ENCRYPTED PRIVATE KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY'), fc.base64String({ maxLength: 400 })).map(
			([label, body]) => `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`,
		);
		fc.assert(
			fc.property(fc.oneof(fc.string({ maxLength: 300 }), pemish, fc.json()), format, fc.option(pemish, { nil: undefined }), (data, fmt, key) =>
				check(() => loadKeyStore({ format: fmt, data, key, password: STORE_PASSWORD }), STORE_PASSWORD),
			),
			// The counterexample that once tripped an over-broad check of this test is always tried.
			{ numRuns: 300, examples: [['-----BEGIN CERTIFICATE-----\n\n-----END CERTIFICATE-----\n', 'pem', '-----BEGIN CERTIFICATE-----\n\n-----END CERTIFICATE-----\n']] },
		);
	});

	test.each([
		['PKCS#12 (modern, AES)', 'p12Modern', 'pkcs12'],
		['PKCS#12 (legacy, 3DES/RC2)', 'p12Legacy', 'pkcs12'],
		['PKCS#12 EC', 'p12Ec', 'pkcs12'],
		['JKS RSA', 'jksRsa', 'jks'],
		['JKS EC', 'jksEc', 'jks'],
	] as const)('mutated %s → key material or an LpError, under the bound', (_name, prop, fmt) => {
		fc.assert(
			fc.property(mutation, fc.boolean(), (m, rightPassword) => {
				const pw = rightPassword ? STORE_PASSWORD : 'Another-Pass-42';
				return check(() => loadKeyStore({ format: fmt, data: mutate(pki[prop], m), password: pw }), pw);
			}),
			{ numRuns: 150 },
		);
	});

	test('mutated trust stores (PEM, DER, JKS) → certificates or an LpError on a trust field', () => {
		const sources = fc.constantFrom(
			() => Buffer.from(pki.caPem).toString('base64'),
			() => pki.caDerB64,
			() => pki.jksTrust,
		);
		fc.assert(
			fc.property(sources, mutation, fc.boolean(), (src, m, asText) => {
				const mutated = mutate(src(), m);
				const data = asText ? Buffer.from(mutated, 'base64').toString('latin1') : mutated;
				return check(() => parseTrust({ data, password: STORE_PASSWORD }), STORE_PASSWORD);
			}),
			{ numRuns: 200 },
		);
	});
});
