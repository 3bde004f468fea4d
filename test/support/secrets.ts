/**
 * Secret scanner for tests: collects every secret a test uses (sample passwords, client secrets,
 * key-store passwords, private key PEM bodies, tokens the emulator issued) and looks for them in
 * anything printed or output: error messages, output items, n8n run data, log lines.
 *
 *   const secrets = new SecretScanner();
 *   secrets.add('account password', 'Sandbox-Passw0rd!');
 *   secrets.addPem('client key', keyPem);
 *   secrets.addEmulator(emu);                 // its issuedTokens(), read at scan time
 *   secrets.expectClean('run logs', run.logs);   // fails naming the secret's LABEL, never its value
 *
 * Each secret is also searched in the forms it could leak in: URL-encoded, base64 (alone and as
 * the `user:password` of a Basic header), JSON-escaped. PEM keys are searched by their base64 body
 * lines (a re-wrapped or partially printed key still matches). Values shorter than 6 characters
 * are ignored (they would match ordinary text).
 */
import type { Emulator } from '../../sandbox/emulator';

export interface SecretFinding {
	label: string;
	where: string;
	/** Character offset of the match in the scanned text. */
	at: number;
	form: string;
}

const MIN_LENGTH = 6;

export class SecretScanner {
	private readonly values = new Map<string, { label: string; form: string }>();
	private readonly emulators: Emulator[] = [];
	private readonly extraSources: Array<() => Iterable<string>> = [];
	/**
	 * Also search every DECODED view of a text (JSON unescaping, percent-decoding, base64 runs decoded,
	 * nested up to 3 deep): a secret inside JSON inside JSON, URL-encoded inside JSON or inside a
	 * base64 document is found whatever spelling the nesting produced. Independent of lib/errors.ts,
	 * which ENCODES secrets; this DECODES the text. Off by default (`decoding()` turns it on).
	 */
	private deep = false;
	/** Texts scanned so far (for the report). */
	scanned = 0;
	scannedChars = 0;

	/** Turns on the decoded views (see `deep`). */
	decoding(): this {
		this.deep = true;
		return this;
	}

	/** Adds one or more secret values under a label (the label is what a failure prints). */
	add(label: string, ...values: Array<string | undefined | null>): this {
		for (const value of values) {
			if (typeof value !== 'string' || value.length < MIN_LENGTH) continue;
			this.put(value, label, 'plain');
			this.put(encodeURIComponent(value), label, 'url-encoded');
			this.put(encodeURIComponent(value).replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase()), label, 'url-encoded (lower-case hex)');
			// application/x-www-form-urlencoded ("+" for space, "*-._" kept) and RFC 5849 §3.6 (OAuth 1.0a).
			this.put(new URLSearchParams([['k', value]]).toString().slice(2), label, 'form-encoded');
			this.put(encodeURIComponent(value).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase()), label, 'rfc5849-encoded');
			this.put(Buffer.from(value).toString('base64'), label, 'base64');
			this.put(Buffer.from(value).toString('base64').replace(/=+$/, ''), label, 'base64 (unpadded)');
			this.put(Buffer.from(value).toString('base64url'), label, 'base64url');
			this.put(JSON.stringify(value).slice(1, -1), label, 'json-escaped');
			this.put(JSON.stringify(value).slice(1, -1).replace(/\//g, '\\/'), label, 'json-escaped (slash)');
			this.put(
				value.split('').map((c) => (c.charCodeAt(0) > 0x7e ? '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0') : c === '"' ? '\\"' : c === '\\' ? '\\\\' : c)).join(''),
				label,
				'json-escaped (ascii)',
			);
		}
		return this;
	}

	/** The Basic header of user:password (base64), besides the password itself. */
	addBasic(label: string, user: string, password: string): this {
		this.add(label, password);
		this.put(Buffer.from(`${user}:${password}`).toString('base64'), label, 'basic-header');
		return this;
	}

	/** A private key (or any PEM / base64 blob): the whole text and each base64 body line. */
	addPem(label: string, pem: string | undefined): this {
		if (!pem) return this;
		this.add(label, pem.trim());
		const body = pem
			.split(/\r?\n/)
			.filter((l) => l && !l.startsWith('-----') && !/^[A-Za-z-]+:/.test(l))
			.map((l) => l.trim());
		for (const line of body) if (line.length >= 16) this.put(line, label, 'pem-line');
		const joined = body.join('');
		if (joined.length >= 16) this.put(joined, label, 'pem-body');
		return this;
	}

	/** A base64 key store (PKCS#12 / JKS): searched by 48-character slices, so a partial quote matches. */
	addBase64Blob(label: string, b64: string | undefined): this {
		if (!b64) return this;
		const clean = b64.replace(/\s+/g, '');
		for (let i = 0; i + 48 <= clean.length; i += 48) this.put(clean.slice(i, i + 48), label, 'blob-slice');
		return this;
	}

	/** Every token the emulator issued (bearers, Session_id, csrf, JWTs), read at scan time. */
	addEmulator(emu: Emulator): this {
		this.emulators.push(emu);
		return this;
	}

	/** Any other source of secrets read at scan time (e.g. tokens a local token server issued). */
	addSource(fn: () => Iterable<string>): this {
		this.extraSources.push(fn);
		return this;
	}

	private put(value: string, label: string, form: string) {
		if (value.length < MIN_LENGTH) return;
		if (!this.values.has(value)) this.values.set(value, { label, form });
	}

	private all(): Map<string, { label: string; form: string }> {
		const map = new Map(this.values);
		const dynamic = (label: string, value: string) => {
			if (value.length < MIN_LENGTH || map.has(value)) return;
			map.set(value, { label, form: 'plain' });
			// A JWT's signature alone is as good as the token for nobody, but its payload+signature is.
			const parts = value.split('.');
			if (parts.length === 3 && parts[2].length >= 16) map.set(parts[2], { label: `${label} (JWT signature)`, form: 'jwt-signature' });
		};
		for (const emu of this.emulators) for (const t of emu.issuedTokens()) dynamic('token issued by the emulator', t);
		for (const src of this.extraSources) for (const t of src()) dynamic('token issued by a test server', t);
		return map;
	}

	/** Number of distinct secret values known now (including every leak form). */
	size(): number {
		return this.all().size;
	}

	/** Distinct secrets by label (for the report). */
	labels(): string[] {
		return [...new Set([...this.all().values()].map((v) => v.label))];
	}

	/** Finds secrets in a text or any JSON-able value. */
	scan(where: string, value: unknown): SecretFinding[] {
		const text = typeof value === 'string' ? value : safeStringify(value);
		this.scanned++;
		this.scannedChars += text.length;
		const findings: SecretFinding[] = [];
		const views = this.deep ? decodedViews(text) : [{ text, how: '' }];
		const all = this.all();
		for (const view of views) {
			for (const [secret, { label, form }] of all) {
				const at = view.text.indexOf(secret);
				if (at >= 0) findings.push({ label, where: `${where}${view.how}`, at, form });
			}
			if (findings.length) break;
		}
		return findings;
	}

	/** Fails (with labels and positions, never the values) when any secret is found. */
	expectClean(where: string, value: unknown): void {
		const findings = this.scan(where, value);
		if (findings.length) {
			throw new Error(
				`secret(s) found in ${where}: ${findings.map((f) => `${f.label} [${f.form}] at ${f.at}`).join('; ')}`,
			);
		}
	}
}

/** JSON of anything, including errors (message, description, stack, own fields) and cycles. */
export function safeStringify(value: unknown): string {
	const seen = new WeakSet<object>();
	return JSON.stringify(value, (_k, v: unknown) => {
		if (typeof v === 'bigint') return v.toString();
		if (v instanceof Error) {
			const e = v as Error & Record<string, unknown>;
			const out: Record<string, unknown> = { name: e.name, message: e.message, stack: e.stack };
			for (const key of Object.getOwnPropertyNames(e)) if (!(key in out)) out[key] = e[key];
			if ('cause' in e) out.cause = e.cause;
			return out;
		}
		if (Buffer.isBuffer(v)) return v.toString('latin1');
		if (v && typeof v === 'object') {
			if (seen.has(v)) return '[cycle]';
			seen.add(v);
		}
		return v;
	}) ?? String(value);
}

/** One decoding step over a whole text (unchanged parts stay as they are). */
const DECODERS: Array<[name: string, decode: (text: string) => string]> = [
	['json-unescaped', (t) => t.replace(/\\u([0-9a-fA-F]{4})|\\(["\\/bfnrt])/g, (_m, u: string | undefined, c: string | undefined) => (u ? String.fromCharCode(parseInt(u, 16)) : ({ b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' } as Record<string, string>)[c as string] ?? (c as string)))],
	['percent-decoded', (t) => t.replace(/(?:%[0-9A-Fa-f]{2})+/g, (seq) => { try { return decodeURIComponent(seq); } catch { return seq; } })],
	['form-decoded', (t) => t.replace(/\+/g, ' ').replace(/(?:%[0-9A-Fa-f]{2})+/g, (seq) => { try { return decodeURIComponent(seq); } catch { return seq; } })],
	['base64-decoded', (t) => t.replace(/[A-Za-z0-9+/_-]{8,}={0,2}/g, (run) => Buffer.from(run.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8'))],
];

/** The text and every view of it after up to 3 decoding steps (distinct views only). */
export function decodedViews(text: string, depth = 3): Array<{ text: string; how: string }> {
	const seen = new Set<string>([text]);
	const out = [{ text, how: '' }];
	let layer = out.slice();
	for (let d = 0; d < depth; d++) {
		const next: typeof out = [];
		for (const view of layer) {
			for (const [name, decode] of DECODERS) {
				const decoded = decode(view.text);
				if (seen.has(decoded)) continue;
				seen.add(decoded);
				next.push({ text: decoded, how: `${view.how} [${name}]` });
			}
		}
		out.push(...next);
		layer = next;
	}
	return out;
}
