/**
 * Typed errors of the protocol core. No n8n imports: nodes turn these into NodeApiError /
 * NodeOperationError (see nodes/shared/errors.ts).
 *
 * Rule: a message, description or any field of these errors never contains a secret (password,
 * token, key, client secret). Build messages from field names and public values only; when a
 * server answer is quoted, pass it through `redact()` with the secrets in scope first.
 */

export type LpErrorKind =
	| 'input' // a parameter or credential field is missing or malformed
	| 'http' // the server answered with an error status
	| 'network' // connection refused, reset, DNS failure, TLS failure before any answer
	| 'timeout' // no answer within the time limit
	| 'response' // the server answered 2xx but not in the documented shape
	| 'auth' // a login or token request failed
	| 'tls' // certificate / key-store / handshake problem
	| 'blocked' // outbound network policy refused the destination
	| 'config'; // a feature not available in this environment (e.g. older n8n)

export interface LpErrorOptions {
	/** The parameter or credential field the problem is in, e.g. "accountId". */
	field?: string;
	/** What to check or do, one or two sentences (shown as the n8n error description). */
	hint?: string;
	/** HTTP status, when a server answered. */
	status?: number;
	/** Milliseconds the server asked us to wait (Retry-After), when known. */
	retryAfterMs?: number;
	/** A short, redacted extract of the server answer (never a secret). */
	responseSnippet?: string;
	/** The underlying error (kept for debugging; its message is not shown to users). */
	cause?: unknown;
	/** A stable machine-readable code, e.g. "CSDS_EMPTY", "INVALID_CIDR". */
	code?: string;
}

export class LpError extends Error {
	readonly kind: LpErrorKind;
	readonly field?: string;
	readonly hint?: string;
	readonly status?: number;
	readonly retryAfterMs?: number;
	readonly responseSnippet?: string;
	readonly code?: string;

	constructor(kind: LpErrorKind, message: string, options: LpErrorOptions = {}) {
		super(message);
		this.name = 'LpError';
		this.kind = kind;
		this.field = options.field;
		this.hint = options.hint;
		this.status = options.status;
		this.retryAfterMs = options.retryAfterMs;
		this.responseSnippet = options.responseSnippet;
		this.code = options.code;
		if (options.cause !== undefined) {
			Object.defineProperty(this, 'cause', { value: options.cause, enumerable: false });
		}
	}

	/** Plain, secret-free view for output items ("Continue On Fail") and logs. */
	toJSON(): Record<string, unknown> {
		const out: Record<string, unknown> = { kind: this.kind, message: this.message };
		if (this.code) out.code = this.code;
		if (this.field) out.field = this.field;
		if (this.hint) out.hint = this.hint;
		if (this.status !== undefined) out.status = this.status;
		if (this.retryAfterMs !== undefined) out.retryAfterMs = this.retryAfterMs;
		if (this.responseSnippet) out.response = this.responseSnippet;
		return out;
	}
}

export const inputError = (field: string, message: string, hint?: string, code?: string) =>
	new LpError('input', message, { field, hint, code: code ?? 'INVALID_INPUT' });

export function isLpError(error: unknown): error is LpError {
	return error instanceof LpError;
}

export const REDACTED = '[redacted]';

/** Secrets shorter than this are not searched for (they would redact ordinary words). */
export const MIN_SECRET_LENGTH = 4;

/** RFC 3986 / RFC 5849 §3.6 percent-encoding: everything but ALPHA, DIGIT, "-", ".", "_", "~". */
export function rfc3986Encode(value: string): string {
	return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** JSON string escaping with every non-ASCII character as \uXXXX (what some servers emit). */
function jsonAsciiEscape(value: string): string {
	return JSON.stringify(value)
		.slice(1, -1)
		.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Lower-case hex in percent-escapes (some servers and loggers re-encode that way). */
const lowerHex = (s: string) => s.replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase());

/**
 * The base64 characters that depend only on `secret` when it sits at any offset inside a longer
 * base64-encoded value (the `user:password` of a Basic header, a JSON document, a form body): one
 * core per alignment (offset mod 3), without the characters that also carry bits of a neighbour.
 * Cores shorter than 6 characters are left out (they would match ordinary text).
 */
export function base64Cores(secret: string): string[] {
	const bytes = Buffer.from(secret, 'utf8');
	const out: string[] = [];
	for (let k = 0; k < 3; k++) {
		const padded = Buffer.concat([Buffer.alloc(k), bytes, Buffer.alloc(3)]);
		const b64 = padded.toString('base64');
		const first = Math.ceil((8 * k) / 6);
		const last = Math.floor((8 * (k + bytes.length)) / 6); // exclusive
		const core = b64.slice(first, last);
		if (core.length >= 6) {
			out.push(core);
			out.push(core.replace(/\+/g, '-').replace(/\//g, '_'));
		}
	}
	return out;
}

/**
 * The encodings a secret can go through on its way into an answer, a URL or a log, each with the
 * number of times it may repeat in one chain. Spellings are the closure of the secret under these
 * (chains of up to MAX_CHAIN steps): JSON in JSON in JSON, URL-encoding inside JSON, JSON of a
 * URL-encoded value, base64 of a document or `user:password` holding it, base64 then URL-encoded…
 */
const ENCODINGS: ReadonlyArray<{ name: string; max: number; apply: (s: string) => string[] }> = [
	{
		name: 'url',
		max: 2,
		apply: (s) => {
			const plain = encodeURIComponent(s);
			const rfc = rfc3986Encode(s);
			const form = new URLSearchParams({ x: s }).toString().slice(2);
			return [plain, rfc, form, lowerHex(plain), lowerHex(rfc), lowerHex(form)];
		},
	},
	{
		name: 'json',
		max: 4,
		apply: (s) => {
			const json = JSON.stringify(s).slice(1, -1);
			return [json, json.replace(/\//g, '\\/'), jsonAsciiEscape(s)];
		},
	},
	{
		name: 'html',
		max: 1,
		apply: (s) => [s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`), s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')],
	},
	{
		name: 'base64',
		max: 1,
		apply: (s) => {
			const b64 = Buffer.from(s, 'utf8').toString('base64');
			return [b64, b64.replace(/=+$/, ''), Buffer.from(s, 'utf8').toString('base64url'), ...base64Cores(s)];
		},
	},
];
/** Longest chain of encodings followed (e.g. base64 → URL → JSON → JSON). */
const MAX_CHAIN = 4;
/**
 * Long secrets (PEM keys, service-account JSON) are followed two steps deep: each of their spellings
 * is kilobytes long and the closure would cost ~0.2 s per key; two steps cover a key quoted as JSON
 * inside JSON or URL-encoded inside JSON.
 */
const LONG_SECRET = 256;
const LONG_SECRET_CHAIN = 2;
/** Upper bound on the spellings kept per secret (a guard; typical secrets give far fewer). */
const MAX_FORMS = 4096;

const formsMemo = new Map<string, string[]>();

/**
 * Every spelling under which a secret can come back in a server answer, a URL or a log: the closure
 * of the raw value under ENCODINGS (percent-encoded as encodeURIComponent, RFC 3986/5849 and form
 * encoding, lower-case hex; JSON-escaped plain, with "\/" and with \uXXXX; HTML entities; base64,
 * base64url, and the base64 of the secret inside a longer value), nested up to MAX_CHAIN deep (two
 * steps for secrets longer than LONG_SECRET characters), each
 * encoding repeated at most its own number of times. Memoised (the same secrets are redacted for
 * every error of a credential).
 */
export function secretForms(secret: string): string[] {
	const known = formsMemo.get(secret);
	if (known) return known;
	const forms = new Set<string>([secret]);
	let layer: Array<{ value: string; used: number[] }> = [{ value: secret, used: ENCODINGS.map(() => 0) }];
	const chain = secret.length > LONG_SECRET ? LONG_SECRET_CHAIN : MAX_CHAIN;
	for (let depth = 0; depth < chain && layer.length && forms.size < MAX_FORMS; depth++) {
		const next: typeof layer = [];
		for (const { value, used } of layer) {
			ENCODINGS.forEach((encoding, i) => {
				if (used[i] >= encoding.max) return;
				for (const form of encoding.apply(value)) {
					if (forms.has(form) || forms.size >= MAX_FORMS) continue;
					forms.add(form);
					const count = used.slice();
					count[i]++;
					next.push({ value: form, used: count });
				}
			});
		}
		layer = next;
	}
	// Longest first: a form that contains another is replaced whole.
	const list = [...forms].filter((f) => f.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
	if (formsMemo.size >= 2048) formsMemo.delete(formsMemo.keys().next().value as string);
	formsMemo.set(secret, list);
	return list;
}

/**
 * Replaces every occurrence of each secret, in every form of `secretForms()`, with "[redacted]".
 * Secrets shorter than MIN_SECRET_LENGTH characters are ignored.
 */
export function redact(text: string, secrets: Iterable<string | undefined | null>): string {
	const all: string[] = [];
	for (const secret of secrets) {
		if (!secret || secret.length < MIN_SECRET_LENGTH) continue;
		all.push(...secretForms(secret));
	}
	if (!all.length) return text;
	all.sort((a, b) => b.length - a.length);
	let out = text;
	for (const form of all) {
		if (out.includes(form)) out = out.split(form).join(REDACTED);
	}
	return out;
}

/**
 * Query parameter names whose values are masked in printed URLs: any name that contains one of these
 * words (case-insensitive), not a fixed list of names.
 */
const SECRET_NAME = /(token|secret|passw|pass$|^pass|pwd|key|sig|signature|code|assertion|auth|credential|session|cookie|otp|jwt|bearer|verifier|nonce|private|ticket|hash|salt)/i;

/** True when a parameter or header name looks like it carries a secret. */
export function isSecretName(name: string): boolean {
	return SECRET_NAME.test(name);
}

/** A URL made safe to print: no user info, secret-looking query values masked, known secrets redacted. */
export function safeUrl(url: string | URL, secrets: Iterable<string | undefined | null> = []): string {
	let parsed: URL;
	try {
		parsed = typeof url === 'string' ? new URL(url) : new URL(url.toString());
	} catch {
		return '<invalid URL>';
	}
	parsed.username = '';
	parsed.password = '';
	parsed.hash = '';
	for (const key of [...new Set(parsed.searchParams.keys())]) {
		if (isSecretName(key)) parsed.searchParams.set(key, REDACTED);
	}
	return redact(parsed.toString().replace(/%5Bredacted%5D/g, REDACTED), secrets);
}

/**
 * A short printable extract of a server answer: redacted FIRST (on the whole text, so a secret that
 * straddles the cut is still found), then whitespace collapsed and cut to `max` characters.
 */
export function snippet(body: string | Buffer | undefined, secrets: Iterable<string | undefined | null> = [], max = 300): string | undefined {
	if (body === undefined) return undefined;
	const text = redact(typeof body === 'string' ? body : body.toString('utf8'), secrets).replace(/\s+/g, ' ').trim();
	if (!text) return undefined;
	if (text.length <= max) return text;
	let cut = text.slice(0, max);
	// Never end inside the marker.
	const open = cut.lastIndexOf('[');
	if (open >= 0 && REDACTED.startsWith(cut.slice(open)) && cut.slice(open) !== REDACTED) cut = cut.slice(0, open);
	return `${cut}…`;
}

/**
 * A copy of an error with every text field redacted (message, hint, response snippet): the
 * pipeline passes each error through this with all secrets in scope before it leaves.
 */
export function redactError(error: LpError, secrets: Iterable<string | undefined | null>): LpError {
	const list = [...secrets].filter((s): s is string => typeof s === 'string' && s.length >= MIN_SECRET_LENGTH);
	if (!list.length) return error;
	const message = redact(error.message, list);
	const hint = error.hint === undefined ? undefined : redact(error.hint, list);
	const responseSnippet = error.responseSnippet === undefined ? undefined : redact(error.responseSnippet, list);
	if (message === error.message && hint === error.hint && responseSnippet === error.responseSnippet) return error;
	return new LpError(error.kind, message, {
		field: error.field,
		hint,
		status: error.status,
		retryAfterMs: error.retryAfterMs,
		responseSnippet,
		code: error.code,
		cause: (error as { cause?: unknown }).cause,
	});
}
