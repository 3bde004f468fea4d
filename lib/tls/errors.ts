/**
 * TLS failures in words a user can act on. Pure: takes the error Node/undici raised (its `code`
 * and OpenSSL `message`, or the same on `cause`) and what the credential allows, returns a reason,
 * a hint naming the field to change, and the OpenSSL code kept as a detail.
 *
 * Groups (codes as Node 20 / OpenSSL 3 report them on the client side):
 * - the server's certificate is not trusted (UNABLE_TO_VERIFY_LEAF_SIGNATURE, SELF_SIGNED_CERT_IN_CHAIN,
 *   DEPTH_ZERO_SELF_SIGNED_CERT, UNABLE_TO_GET_ISSUER_CERT(_LOCALLY), CERT_UNTRUSTED, ...);
 * - it is for another host name (ERR_TLS_CERT_ALTNAME_INVALID), expired or not yet valid;
 * - no common TLS version (tlsv1 alert protocol version, unsupported protocol, no protocols
 *   available); "wrong version number" means the port does not speak TLS at all (often plain HTTP);
 * - the client certificate was refused (alert bad certificate / unknown ca / certificate required /
 *   certificate expired / access denied), or the server ended the handshake without saying why
 *   (handshake failure, connection closed during the handshake: usually the same); code
 *   CLIENT_CERT_REFUSED = lib/http's verdict on a reset with a client certificate (closed during the
 *   handshake, or right after it without answering).
 *
 * Nothing here reads key material: messages are built from the code, the OpenSSL reason text and
 * the credential's version settings. Host names from a certificate are public and may be quoted.
 */

export type TlsFailureCategory = 'trust' | 'hostname' | 'serverCertificateDates' | 'protocol' | 'notTls' | 'clientCertificate' | 'handshake' | 'other';

export interface TlsFailureContext {
	/** The lowest TLS version the credential allows, e.g. "TLSv1.2". */
	minVersion?: string;
	/** The highest TLS version the credential allows, e.g. "TLSv1.3". */
	maxVersion?: string;
	/** Whether the credential has a Trust Certificate (then it is the only trust anchor). */
	hasTrustCertificate?: boolean;
	/** Whether a client certificate was sent (mutual TLS). */
	clientCertificate?: boolean;
}

export interface TlsFailureExplanation {
	/** What went wrong, in words ("the server's certificate is not trusted: ..."). */
	reason: string;
	/** What to change, naming the credential field. */
	hint: string;
	category: TlsFailureCategory;
	/** The Node/OpenSSL code, e.g. "UNABLE_TO_VERIFY_LEAF_SIGNATURE" or "ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION". */
	code?: string;
	/** The OpenSSL reason text when there is one, e.g. "tlsv1 alert protocol version". */
	detail?: string;
}

interface ErrorLike {
	code?: unknown;
	message?: unknown;
	reason?: unknown;
	cause?: unknown;
}

const VERSION_RANK = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

/** "TLSv1.2" → "TLS 1.2" (anything else is shown as given). */
function versionName(v: string): string {
	const m = /^TLSv(1(?:\.\d)?)$/.exec(v);
	return m ? `TLS ${m[1] === '1' ? '1.0' : m[1]}` : v;
}

/** "TLS 1.3 only", "TLS 1.2 to 1.3", or "its TLS versions" when unknown. */
function allowedRange(ctx: TlsFailureContext): string {
	const min = ctx.minVersion;
	const max = ctx.maxVersion;
	if (min && max) return min === max ? `${versionName(min)} only` : `${versionName(min)} to ${versionName(max).replace(/^TLS /, '')}`;
	if (min) return `${versionName(min)} and newer`;
	if (max) return `up to ${versionName(max)}`;
	return 'TLS 1.2 to 1.3';
}

/** The OpenSSL reason of a message like "...:SSL routines:ssl3_read_bytes:tlsv1 alert protocol version:../deps/...". */
function opensslReason(message: string): string | undefined {
	const routines = /SSL routines:[^:]*:([^:]+)(?::|$)/.exec(message);
	if (routines) return routines[1].trim();
	const known =
		/(tlsv1[23]? alert [a-z ]+|sslv3 alert [a-z ]+|alert [a-z ]+|wrong version number|unsupported protocol|no protocols available|unable to [a-z ]+|self[- ]signed certificate(?: in certificate chain)?|certificate has expired|certificate is not yet valid|handshake failure)/i.exec(
			message,
		);
	return known ? known[1].toLowerCase() : undefined;
}

function firstString(...values: unknown[]): string | undefined {
	for (const v of values) if (typeof v === 'string' && v) return v;
	return undefined;
}

/** The code and message of the error or its cause (undici wraps socket errors). */
function read(err: ErrorLike | undefined): { code?: string; message: string } {
	const cause = (err?.cause && typeof err.cause === 'object' ? err.cause : undefined) as ErrorLike | undefined;
	const code = firstString(err?.code, cause?.code);
	// Prefer the message that carries the OpenSSL reason.
	const messages = [err?.message, cause?.message, err?.reason, cause?.reason].filter((m): m is string => typeof m === 'string');
	const message = messages.find((m) => /SSL routines|alert|wrong version|protocol|certificate/i.test(m)) ?? messages[0] ?? '';
	return { code, message };
}

const TRUST_CODES = new Set([
	'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
	'UNABLE_TO_GET_ISSUER_CERT',
	'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
	'SELF_SIGNED_CERT_IN_CHAIN',
	'DEPTH_ZERO_SELF_SIGNED_CERT',
	'CERT_UNTRUSTED',
	'CERT_SIGNATURE_FAILURE',
	'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
	'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
	'CERT_CHAIN_TOO_LONG',
	'INVALID_CA',
	'PATH_LENGTH_EXCEEDED',
	'INVALID_PURPOSE',
	'CERT_REJECTED',
]);

/** Alerts the server sends when it refuses the client certificate (reason text → what it means). */
const CLIENT_CERT_ALERTS: Array<[RegExp, string]> = [
	[/certificate required/i, 'the server requires a client certificate and none was sent'],
	[/unknown ca/i, "the server does not trust the client certificate's CA (alert unknown ca)"],
	[/bad certificate/i, 'the server refused the client certificate (alert bad certificate)'],
	[/certificate unknown/i, 'the server refused the client certificate (alert certificate unknown)'],
	[/unsupported certificate/i, 'the server refused the client certificate as unsupported (alert unsupported certificate)'],
	[/certificate expired/i, 'the server says the client certificate has expired (alert certificate expired)'],
	[/certificate revoked/i, 'the server says the client certificate was revoked (alert certificate revoked)'],
	[/access denied/i, 'the server accepted the client certificate but denies it access (alert access denied)'],
];

/**
 * A TLS failure in words. `err` is the error as thrown (or its `{code, message}`); `ctx` says what
 * the credential allows. Always returns an explanation (category "other" for anything unknown).
 */
export function explainTlsFailure(err: ErrorLike | undefined, ctx: TlsFailureContext = {}): TlsFailureExplanation {
	const { code, message } = read(err);
	const detail = opensslReason(message);
	const text = `${code ?? ''} ${detail ?? ''} ${message}`;
	const out = (category: TlsFailureCategory, reason: string, hint: string): TlsFailureExplanation => ({
		reason,
		hint,
		category,
		...(code ? { code } : {}),
		...(detail ? { detail } : {}),
	});
	const range = allowedRange(ctx);

	// --- The server's certificate -------------------------------------------------------------
	if (code === 'ERR_TLS_CERT_ALTNAME_INVALID' || /does not match certificate's altnames/i.test(message)) {
		const names = /cert's altnames: (.{1,200})$/.exec(message)?.[1];
		return out(
			'hostname',
			`the server's certificate is for another host name${names ? ` (it names ${names.replace(/\s+/g, ' ').trim()})` : ''}`,
			'Call the server by a host name its certificate names, or set "Server Name (SNI)" in the credential to that name (e.g. when calling by IP address).',
		);
	}
	if (code === 'CERT_HAS_EXPIRED' || (/certificate has expired/i.test(detail ?? '') && !/alert/i.test(detail ?? ''))) {
		return out('serverCertificateDates', "the server's certificate has expired", "The server must renew its certificate; also check the n8n host's clock.");
	}
	if (code === 'CERT_NOT_YET_VALID' || /certificate is not yet valid/i.test(detail ?? '')) {
		return out('serverCertificateDates', "the server's certificate is not valid yet", "Check the n8n host's clock, or wait until the server's certificate becomes valid.");
	}
	if ((code && TRUST_CODES.has(code)) || /unable to (verify|get local issuer|get issuer)|self[- ]signed certificate/i.test(detail ?? message)) {
		const selfSigned = code === 'DEPTH_ZERO_SELF_SIGNED_CERT' || /^self[- ]signed certificate$/i.test(detail ?? '');
		if (ctx.hasTrustCertificate) {
			return out(
				'trust',
				`the server's certificate is not trusted: it is not ${selfSigned ? 'the certificate in' : 'signed by'} the Trust Certificate, which is the only CA trusted when it is set`,
				"Set Trust Certificate to the CA that signed the server's certificate (or to the server's own certificate if it is self-signed).",
			);
		}
		return out(
			'trust',
			selfSigned
				? "the server's certificate is not trusted: it is self-signed. Set Trust Certificate to it"
				: "the server's certificate is not trusted: set Trust Certificate to its CA",
			"Paste the CA certificate that signed the server's certificate (or the server's own certificate if it is self-signed) in the credential's Trust Certificate field.",
		);
	}

	// --- Protocol versions ------------------------------------------------------------------------
	if (/wrong version number/i.test(text) || code === 'ERR_SSL_WRONG_VERSION_NUMBER') {
		return out(
			'notTls',
			'the server did not answer in TLS: the port probably serves plain HTTP (or only SSL 3 / TLS 1.0)',
			'Check the URL: use https:// only for a TLS port (or http:// for a plain one), and the right port number.',
		);
	}
	if (/no protocols available/i.test(text) || code === 'ERR_SSL_NO_PROTOCOLS_AVAILABLE') {
		return out(
			'protocol',
			`no common TLS version: this credential's settings leave no version to offer (${range})`,
			'Choose "TLS 1.2 and Newer" in the credential\'s Cryptographic Protocols.',
		);
	}
	if (/protocol version|unsupported protocol|version too low|tlsv1 alert protocol|UNSUPPORTED_PROTOCOL/i.test(text)) {
		const minRank = VERSION_RANK.indexOf(ctx.minVersion ?? 'TLSv1.2');
		const maxRank = VERSION_RANK.indexOf(ctx.maxVersion ?? 'TLSv1.3');
		// "unsupported protocol": the server chose a version below our minimum.
		const serverOlder = /unsupported protocol|version too low|UNSUPPORTED_PROTOCOL/i.test(text);
		let offers: string;
		let hint: string;
		if (serverOlder || minRank >= 3) {
			offers = minRank >= 3 ? 'the server offers TLS 1.2 or older' : `the server offers only versions older than ${versionName(ctx.minVersion ?? 'TLSv1.2')}`;
			hint =
				minRank >= 3
					? 'Choose "TLS 1.2 and Newer" in the credential\'s Cryptographic Protocols.'
					: 'Upgrade the server to TLS 1.2 or newer. Only for a legacy server that cannot: choose "TLS 1.1 and Newer (Insecure, Legacy Servers Only)" in Cryptographic Protocols.';
		} else if (maxRank >= 0 && maxRank < 3) {
			offers = 'the server offers TLS 1.3 only';
			hint = 'Choose "TLS 1.2 and Newer" (or "TLS 1.3 Only") in the credential\'s Cryptographic Protocols.';
		} else {
			offers = 'the server offers none of these versions (probably TLS 1.1 or older)';
			hint = 'Upgrade the server to TLS 1.2 or newer. Only for a legacy server that cannot: choose "TLS 1.1 and Newer (Insecure, Legacy Servers Only)" in Cryptographic Protocols.';
		}
		return out('protocol', `no common TLS version: ${offers}, this credential allows ${range}`, hint);
	}

	// --- The client certificate -------------------------------------------------------------------
	for (const [pattern, meaning] of CLIENT_CERT_ALERTS) {
		if (pattern.test(detail ?? '') && /alert/i.test(detail ?? '')) {
			const expired = /certificate expired/i.test(meaning);
			const required = /required/i.test(meaning);
			return out(
				'clientCertificate',
				`the client certificate was refused: ${meaning}`,
				required
					? 'Use a Mutual TLS credential with the client certificate the server expects.'
					: expired
						? 'Renew the client certificate and upload the new key store in the credential.'
						: "Upload the key store whose client certificate the server trusts (issued by the CA the server expects), or ask the server's operator to trust its CA.",
			);
		}
	}
	if (/handshake failure/i.test(detail ?? '') || code === 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE') {
		return out(
			'handshake',
			ctx.clientCertificate === false
				? 'the server ended the TLS handshake (alert handshake failure): it probably requires a client certificate'
				: 'the server ended the TLS handshake (alert handshake failure): usually it refused the client certificate, or there is no common cipher',
			ctx.clientCertificate === false
				? 'Use a Mutual TLS credential with the client certificate the server expects.'
				: 'Check that the key store holds the client certificate the server expects, and the Cryptographic Protocols of the credential.',
		);
	}
	if (code === 'CLIENT_CERT_REFUSED') {
		return out(
			'clientCertificate',
			/before secure TLS connection was established/i.test(message)
				? 'the server closed the connection during the TLS handshake: it refused the client certificate (or no common TLS version)'
				: 'the server closed the connection right after the TLS handshake without answering: it refused the client certificate',
			"Upload the key store whose client certificate the server trusts (issued by the CA the server expects), or ask the server's operator to trust its CA; check the credential's Cryptographic Protocols too. Not retried: every attempt would be refused the same way.",
		);
	}
	if (/before secure TLS connection was established/i.test(message) || (code === 'ECONNRESET' && /TLS|SSL/i.test(message))) {
		return out(
			'handshake',
			'the server closed the connection during the TLS handshake: usually it refused the client certificate (or no common TLS version)',
			'Check that the key store holds the client certificate the server expects (issued by a CA the server trusts), and the Cryptographic Protocols of the credential.',
		);
	}
	return out(
		'other',
		`the TLS handshake failed${detail ? ` (${detail})` : ''}`,
		'Check the key store, the Trust Certificate and the Cryptographic Protocols of the credential.',
	);
}
