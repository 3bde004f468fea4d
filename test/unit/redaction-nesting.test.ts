/**
 * Issue 22 item 3: redaction covers every nesting the package could produce or receive, not a fixed
 * list of spellings. A random secret is put through a random chain of real encoders (a JSON document
 * quoted as a JSON string, again and again; URL/form encoding; base64 of a composite such as
 * `user:password` or a whole document, at any offset) and the redacted text is searched by
 * DECODING it (test/support/secrets.ts `decodedViews`), independently of how lib/errors.ts encodes.
 */
import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { redact, secretForms } from '../../lib/errors';
import { SecretScanner } from '../support/secrets';

type Step = 'json' | 'url' | 'form' | 'base64';
const encode: Record<Step, (text: string, pad: string) => string> = {
	// An answer quoting what it got as a JSON string (a login error quoting the request body).
	json: (text, pad) => JSON.stringify({ error: `invalid${pad}`, detail: text }),
	url: (text, pad) => `https://idp.example/cb?x=${pad}&q=${encodeURIComponent(text)}`,
	form: (text, pad) => new URLSearchParams({ [`f${pad}`]: '1', body: text }).toString(),
	// base64 of a composite: the secret at any offset (the prefix length varies the alignment).
	base64: (text, pad) => Buffer.from(`${pad}:${text}`).toString('base64'),
};

const secretChars = fc.constantFrom(...'aZ09 "\\/+&=%:{}<>\'!~ü€\n'.split(''), ...'abcdefghijklmnop'.split(''));
const secretArb = fc.array(secretChars, { minLength: 8, maxLength: 24 }).map((a) => a.join(''));
const chainArb = fc.array(fc.constantFrom<Step>('json', 'json', 'url', 'form', 'base64'), { minLength: 1, maxLength: 3 }).filter(
	(chain) => chain.filter((s) => s === 'base64').length <= 1 && chain.filter((s) => s === 'url' || s === 'form').length <= 2,
);

describe('redaction closes over nested encodings', () => {
	test('a secret in JSON in JSON, URL in JSON, base64 of a composite… is never readable after redaction', () => {
		fc.assert(
			fc.property(secretArb, chainArb, fc.array(fc.string({ minLength: 0, maxLength: 3 }).map((s) => s.replace(/[^a-z]/gi, 'x')), { minLength: 3, maxLength: 3 }), (secret, chain, pads) => {
				let text = JSON.stringify({ username: 'u', password: secret });
				chain.forEach((step, i) => {
					text = encode[step](text, pads[i]);
				});
				const out = redact(text, [secret]);
				new SecretScanner().decoding().add('secret', secret).expectClean(`chain ${chain.join(' → ')}`, out);
			}),
			{ numRuns: 300 },
		);
	});

	test('the issue\'s case: a password with quotes quoted as JSON inside a JSON answer', () => {
		const password = 'pa"ss\\word/1';
		const inner = JSON.stringify({ username: 'agent', password });
		const answer = JSON.stringify({ error: 'login failed', detail: JSON.stringify({ request: inner }) });
		expect(answer).toContain('pa\\\\\\\\\\\\\\"ss'); // really spelled differently from one JSON level
		const out = redact(answer, [password]);
		expect(out).toContain('[redacted]');
		new SecretScanner().decoding().add('password', password).expectClean('login error', out);
	});

	test('base64 of user:password at each alignment is redacted', () => {
		for (const user of ['u', 'us', 'usr', 'user']) {
			const out = redact(`Basic ${Buffer.from(`${user}:s3cr3t-Passw0rd`).toString('base64')}`, ['s3cr3t-Passw0rd']);
			expect(out).toContain('[redacted]');
			expect(Buffer.from(out.slice(6), 'base64').toString('latin1')).not.toContain('s3cr3t');
		}
	});

	test('a long secret (a PEM key) quoted as JSON inside JSON, or URL-encoded inside JSON, is redacted', () => {
		const pem = generateKeyPairSync('ec', { namedCurve: 'P-256', privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey;
		const scanner = new SecretScanner().decoding().add('pem', pem);
		const jsonInJson = JSON.stringify({ detail: JSON.stringify({ private_key: pem }) });
		const urlInJson = JSON.stringify({ detail: `key=${encodeURIComponent(pem)}` });
		for (const [where, text] of [['json in json', jsonInJson], ['url in json', urlInJson]]) scanner.expectClean(where, redact(text, [pem]));
	});

	test('spellings are bounded and memoised (one closure per secret)', () => {
		const forms = secretForms('every "kind" of \\ char/+&=ü€');
		expect(forms.length).toBeGreaterThan(50);
		expect(forms.length).toBeLessThanOrEqual(4096);
		expect(secretForms('every "kind" of \\ char/+&=ü€')).toBe(forms);
	});
});
