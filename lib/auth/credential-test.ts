/**
 * Test button of the header credentials (Basic, Access Token), without n8n types: the fields are
 * checked the way requests will use them (RFC 7617 user name, token type), and, when the credential
 * has a Test URL, one GET is sent there with the header. The outbound policy applies as for every
 * user-supplied URL: an internal Test URL is reported, not contacted.
 */
import { isLpError } from '../errors';
import { OutboundPolicy, policyDispatcher } from '../net/policy';
import { send } from '../net/transport';
import { authHeaders, CredentialData } from './apply';
import { sentence } from '../text';

export interface HeaderCredentialTestResult {
	ok: boolean;
	message: string;
}

export async function testHeaderCredential(
	type: string,
	data: CredentialData,
	opts: { policy?: OutboundPolicy; timeoutMs?: number } = {},
): Promise<HeaderCredentialTestResult> {
	try {
		const { headers } = await authHeaders(type, data);
		const testUrl = typeof data.testUrl === 'string' ? data.testUrl.trim() : '';
		if (!testUrl) return { ok: true, message: 'The credential is complete. Add a Test URL to check it against your API.' };
		let url: URL;
		try {
			url = new URL(testUrl);
		} catch {
			return { ok: false, message: 'Test URL is not a valid URL (expected e.g. https://api.example.com/me).' };
		}
		const policy = opts.policy ?? new OutboundPolicy();
		try {
			policy.checkUrl(url);
		} catch (error) {
			return { ok: true, message: `The credential is complete. The Test URL was not contacted: ${isLpError(error) ? sentence(error.message) : 'it is not allowed.'}` };
		}
		const res = await send({ url, headers, dispatcher: policyDispatcher(policy), timeoutMs: opts.timeoutMs ?? 15_000, retry: { retries: 0 }, serviceName: 'The Test URL' });
		if (res.status === 401 || res.status === 403) {
			return { ok: false, message: `The Test URL refused the credential (HTTP ${res.status}): check the ${type.includes('Basic') ? 'user name and password' : 'token and token type'}.` };
		}
		if (res.status >= 400) return { ok: false, message: `The Test URL answered HTTP ${res.status}: check the URL.` };
		return { ok: true, message: `The Test URL accepted the credential (HTTP ${res.status}).` };
	} catch (error) {
		if (isLpError(error)) return { ok: false, message: error.hint ? `${sentence(error.message)} ${error.hint}` : sentence(error.message) };
		return { ok: false, message: `Unexpected error (${error instanceof Error ? error.constructor.name : typeof error})` };
	}
}
