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

const REDACTED = '[redacted]';

/**
 * Replaces every occurrence of each secret (and of its URL-encoded and base64 forms) with
 * "[redacted]". Secrets shorter than 4 characters are ignored (they would redact ordinary words).
 */
export function redact(text: string, secrets: Iterable<string | undefined | null>): string {
	let out = text;
	for (const secret of secrets) {
		if (!secret || secret.length < 4) continue;
		const forms = new Set([secret, encodeURIComponent(secret), Buffer.from(secret).toString('base64')]);
		for (const form of forms) {
			if (form.length >= 4) out = out.split(form).join(REDACTED);
		}
	}
	return out;
}

/** Query parameters that carry credentials and must never be printed. */
const SECRET_QUERY_KEYS = /^(access_token|token|id_token|refresh_token|client_secret|password|api[-_]?key|key|secret|code|code_verifier|sig|signature)$/i;

/** A URL made safe to print: no user info, secret query values replaced. */
export function safeUrl(url: string | URL): string {
	let parsed: URL;
	try {
		parsed = typeof url === 'string' ? new URL(url) : new URL(url.toString());
	} catch {
		return '<invalid URL>';
	}
	parsed.username = '';
	parsed.password = '';
	for (const key of [...parsed.searchParams.keys()]) {
		if (SECRET_QUERY_KEYS.test(key)) parsed.searchParams.set(key, REDACTED);
	}
	return parsed.toString().replace(/%5Bredacted%5D/g, REDACTED);
}

/** A short printable extract of a server answer: first `max` characters, whitespace collapsed. */
export function snippet(body: string | Buffer | undefined, secrets: Iterable<string | undefined | null> = [], max = 300): string | undefined {
	if (body === undefined) return undefined;
	const text = (typeof body === 'string' ? body : body.toString('utf8')).replace(/\s+/g, ' ').trim();
	if (!text) return undefined;
	const cut = text.length > max ? `${text.slice(0, max)}…` : text;
	return redact(cut, secrets);
}
