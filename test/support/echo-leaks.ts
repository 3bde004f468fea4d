/**
 * What the echo-server leak tests share (test/integration/redaction.echo.test.ts for the lib clients,
 * test/engine/redaction-echo-node.engine.test.ts for the nodes in n8n's engine): the echo's answer modes,
 * every string reachable from an error, and a scanner for the echo's and the emulator's secrets.
 */
import type { Emulator } from '../../sandbox/emulator';
import type { EchoServer } from './echo-server';
import { SecretScanner } from './secrets';

/** Every string reachable from an error: own properties (enumerable or not), recursively. */
export function dump(value: unknown, seen = new Set<unknown>(), depth = 0): string {
	if (value === null || value === undefined || depth > 6) return '';
	if (typeof value === 'string') return value;
	if (typeof value !== 'object') return String(value);
	if (seen.has(value)) return '';
	seen.add(value);
	const parts: string[] = [];
	for (const key of Object.getOwnPropertyNames(value)) {
		if (key === 'stack') continue;
		let v: unknown;
		try {
			v = (value as Record<string, unknown>)[key];
		} catch {
			continue;
		}
		parts.push(`${key}=${dump(v, seen, depth + 1)}`);
	}
	return parts.join('\n');
}

/** The echo's error answers that copy the request: JSON, text, a secret straddling the snippet cut, nested JSON, base64. */
export const MODES: Array<{ status: number; form: string }> = [
	{ status: 401, form: 'json' },
	{ status: 403, form: 'text' },
	{ status: 422, form: 'json' },
	{ status: 500, form: 'text' },
	{ status: 400, form: 'straddle:authorization' },
	{ status: 400, form: 'straddle:maven-api-key' },
	{ status: 400, form: 'straddle:access_token' },
	// Issue 22 item 3: the request quoted as a JSON string inside JSON (and deeper), and base64-encoded.
	{ status: 401, form: 'json2' },
	{ status: 400, form: 'json3' },
	{ status: 422, form: 'b64' },
];

/** A decoding scanner (a secret nested in any encoding the echo produced is found) for these secrets, the echo's tokens and the emulator's. */
export function echoScanner(echo: EchoServer, emu: Emulator, ...values: Array<[string, string]>): SecretScanner {
	const s = new SecretScanner().decoding();
	for (const [label, value] of values) s.add(label, value);
	s.addSource(() => echo.issued);
	s.addEmulator(emu);
	return s;
}
