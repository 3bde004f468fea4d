/**
 * Consumer Authentication Start: a Redirect URI given as a path is this n8n's own URL (appended to the
 * instance base URL, path prefix kept), then checked like a full URL: same origin rule, same refusals.
 */
import { checkRedirectUri } from '../../../lib/auth/consumer-auth';

const BASE = 'http://127.0.0.1:5678/';

test('a path is appended to the instance base URL', () => {
	expect(checkRedirectUri('/webhook/consumer-auth/callback', [BASE], BASE)).toBe('http://127.0.0.1:5678/webhook/consumer-auth/callback');
});

test("the base URL's path prefix (N8N_PATH) is kept", () => {
	const base = 'https://n8n.example.com/automation/';
	expect(checkRedirectUri('/webhook/cb', [base], base)).toBe('https://n8n.example.com/automation/webhook/cb');
});

test('a path without a known base URL is refused, naming the field', () => {
	expect(() => checkRedirectUri('/webhook/cb', [BASE], undefined)).toThrow(/Redirect URI is a path/);
});

test('a protocol-relative URL is not a path: it must pass the origin rule like any URL', () => {
	expect(() => checkRedirectUri('//evil.example/webhook/cb', [BASE], BASE)).toThrow(/Redirect URI/);
});

test('a path is still refused with a line break or a fragment', () => {
	expect(() => checkRedirectUri('/webhook/cb\r\nX: y', [BASE], BASE)).toThrow(/line break/);
	expect(() => checkRedirectUri('/webhook/cb#x', [BASE], BASE)).toThrow(/fragment/);
});

test('a full URL on another origin is still refused', () => {
	expect(() => checkRedirectUri('https://n8n.example.com/webhook/cb', [BASE], BASE)).toThrow(/must be on this n8n instance/);
});
