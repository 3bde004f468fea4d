/**
 * TLS failures in words (placeholder until the full table lands): undefined when the error is not
 * a TLS failure.
 */
export interface TlsExplanation {
	reason: string;
	hint: string;
	code?: string;
}

export function explainTlsFailure(err: { code?: string; message?: string }, _ctx: { minVersion?: string; maxVersion?: string } = {}): TlsExplanation | undefined {
	const code = err.code;
	const message = err.message ?? '';
	if (!(code?.startsWith('ERR_SSL') || code?.startsWith('ERR_TLS') || /certificate|ssl|tls|alert/i.test(message) || /CERT|SELF_SIGNED/.test(code ?? ''))) return undefined;
	const match = /(alert [a-z ]+|certificate [a-z ]+|unable to [a-z ]+|wrong version number|no protocols available|handshake failure)/i.exec(message);
	return {
		reason: `TLS failure (${code ?? (match ? match[1] : 'handshake failed')})`,
		hint: 'Check the certificate, the trust certificate and the TLS protocol versions of the credential.',
		code,
	};
}
