/**
 * Test button of the header credentials (Basic, Access Token), without n8n types: the fields are
 * checked the way requests will use them (RFC 7617 user name, token type) when the strategy is
 * built, and, when the credential has a Test URL, one GET is sent there through the pipeline with
 * the strategy and the credential's outbound policy. A Test URL the policy refuses is an error that
 * says how to allow it, whether it is given as a name or as an IP literal.
 */
import { isLpError } from '../errors';
import { NO_RETRY, send } from '../http';
import type { AuthStrategy } from '../http/types';
import { OutboundPolicy } from '../net/policy';
import { sentence } from '../text';

export interface HeaderCredentialTestResult {
	ok: boolean;
	message: string;
}

function failed(error: unknown): HeaderCredentialTestResult {
	if (isLpError(error)) return { ok: false, message: error.hint ? `${sentence(error.message)} ${error.hint}` : sentence(error.message) };
	return { ok: false, message: `Unexpected error (${error instanceof Error ? error.constructor.name : typeof error})` };
}

/**
 * `strategy` builds the strategy (so a malformed field is reported as the test's answer);
 * `what` names what to check when the Test URL refuses it ("user name and password").
 */
export async function testHeaderCredential(
	strategy: () => AuthStrategy,
	opts: { testUrl?: string; policy: OutboundPolicy; what: string; timeoutMs?: number },
): Promise<HeaderCredentialTestResult> {
	try {
		const auth = strategy();
		const testUrl = (opts.testUrl ?? '').trim();
		if (!testUrl) return { ok: true, message: 'The credential is complete. Add a Test URL to check it against your API.' };
		let url: URL;
		try {
			url = new URL(testUrl);
		} catch {
			return { ok: false, message: 'Test URL is not a valid URL (expected e.g. https://api.example.com/me).' };
		}
		const res = await send({ url, auth, policy: opts.policy, timeoutMs: opts.timeoutMs ?? 15_000, retry: NO_RETRY, serviceName: 'The Test URL' });
		if (res.status === 401 || res.status === 403) return { ok: false, message: `The Test URL refused the credential (HTTP ${res.status}): check the ${opts.what}.` };
		if (res.status >= 400) return { ok: false, message: `The Test URL answered HTTP ${res.status}: check the URL.` };
		return { ok: true, message: `The Test URL accepted the credential (HTTP ${res.status}).` };
	} catch (error) {
		return failed(error);
	}
}
