import { LpError, redact, safeUrl, snippet } from '../../lib/errors';
import { parseJsonBody, parseRetryAfter, statusError } from '../../lib/http';

describe('errors and redaction', () => {
	it('redacts secrets in plain, URL-encoded and base64 form', () => {
		const secret = 'p@ss word!';
		const text = `a ${secret} b ${encodeURIComponent(secret)} c ${Buffer.from(secret).toString('base64')}`;
		const out = redact(text, [secret]);
		expect(out).not.toContain(secret);
		expect(out).not.toContain(encodeURIComponent(secret));
		expect(out).not.toContain(Buffer.from(secret).toString('base64'));
		expect(out.match(/\[redacted\]/g)).toHaveLength(3);
	});

	it('safeUrl removes user info and secret query values', () => {
		const out = safeUrl('https://user:pw@z1.context.liveperson.net/v2/x?access_token=eyJabc&keep=1');
		expect(out).toBe('https://z1.context.liveperson.net/v2/x?access_token=[redacted]&keep=1');
		expect(safeUrl('not a url')).toBe('<invalid URL>');
	});

	it('snippet collapses whitespace, cuts and redacts', () => {
		expect(snippet('a\n\n b  c', [])).toBe('a b c');
		expect(snippet('x'.repeat(400), [], 10)).toBe(`${'x'.repeat(10)}…`);
		expect(snippet('token=supersecret', ['supersecret'])).toBe('token=[redacted]');
		expect(snippet('', [])).toBeUndefined();
	});

	it('LpError.toJSON carries the typed fields and no cause', () => {
		const error = new LpError('http', 'X answered HTTP 429', { status: 429, retryAfterMs: 5000, code: 'HTTP_429', cause: new Error('secret inside') });
		expect(JSON.stringify(error.toJSON())).not.toContain('secret inside');
		expect(error.toJSON()).toMatchObject({ kind: 'http', status: 429, retryAfterMs: 5000 });
	});
});

describe('Retry-After', () => {
	it('reads delta seconds and HTTP dates', () => {
		expect(parseRetryAfter('5')).toBe(5000);
		const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');
		expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:10 GMT', now)).toBe(10_000);
		expect(parseRetryAfter('Wed, 21 Oct 2015 07:27:00 GMT', now)).toBe(0);
		expect(parseRetryAfter('soon')).toBeUndefined();
		expect(parseRetryAfter(undefined)).toBeUndefined();
	});
});

describe('status errors', () => {
	it('quote the answer redacted and carry Retry-After', () => {
		const error = statusError({ status: 429, headers: { 'retry-after': '7' }, body: Buffer.from('slow down tok123456'), attempts: 1 }, 'Login Service', ['tok123456']);
		expect(error.message).toBe('Login Service answered HTTP 429 (retry after 7 s)');
		expect(error.retryAfterMs).toBe(7000);
		expect(error.responseSnippet).toBe('slow down [redacted]');
	});

	it('parseJsonBody explains HTML pages', () => {
		expect(() => parseJsonBody({ status: 200, headers: {}, body: Buffer.from('<!DOCTYPE html><p>hi'), attempts: 1 }, 'CSDS')).toThrow(/HTML page/);
	});
});
