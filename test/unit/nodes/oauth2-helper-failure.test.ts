/**
 * How a failure of n8n's OAuth2 request helper (thrown before any HTTP status) is shown by the API
 * Integration node's OAuth2 Authorization Code transport. Through n8n's real helper, the "not connected"
 * refusal is checked in test/engine/bad-input.engine.test.ts on both pinned versions.
 */
import { ApplicationError, NodeApiError } from 'n8n-workflow';
import { helperFailure } from '../../../nodes/LivePersonApiIntegration/transport';
import type { Exchange } from '../../../lib/http/types';

const ex = { url: new URL('https://api.example.com/v1/orders?token=abc'), method: 'GET', headers: {}, req: {} } as unknown as Exchange;
const node = { id: '1', name: 'API Integration', type: 'n8n-nodes-liveperson.livePersonApiIntegration', typeVersion: 1, position: [0, 0] as [number, number], parameters: {} };

describe("a failure of n8n's OAuth2 request helper", () => {
	test('a fault in code (TypeError) is said to be one, not "could not be reached", and names only its class', () => {
		const e = helperFailure(ex, new TypeError("credentialsHelper.runPreAuthentication is not a function"));
		expect({ kind: e.kind, code: e.code }).toEqual({ kind: 'config', code: 'N8N_HELPER_FAILED' });
		expect(e.message).toBe("n8n's OAuth2 request helper failed before sending the request to https://api.example.com/v1/orders?token=[redacted] (TypeError)");
		expect(e.message).not.toMatch(/could not be reached|runPreAuthentication|abc/);
		expect(e.hint).toMatch(/not a network problem/);
	});

	test('a fault wrapped by n8n (NodeApiError around a TypeError) is still a fault', () => {
		const wrapped = new NodeApiError(node, { message: 'x' }, {});
		Object.defineProperty(wrapped, 'cause', { value: new TypeError('boom') });
		expect(helperFailure(ex, wrapped).code).toBe('N8N_HELPER_FAILED');
	});

	test("n8n's own refusal to send (credential not connected) is shown in n8n's words and is not a network error", () => {
		const e = helperFailure(ex, new ApplicationError('OAuth credentials not connected'));
		expect({ kind: e.kind, code: e.code }).toEqual({ kind: 'auth', code: 'N8N_OAUTH2_REFUSED' });
		expect(e.message).toBe('n8n did not send the request to https://api.example.com/v1/orders?token=[redacted]: OAuth credentials not connected');
		expect(e.hint).toMatch(/Connect/);
	});

	test('a connection failure, bare or wrapped by n8n, is "could not be reached" with its code', () => {
		const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:443'), { code: 'ECONNREFUSED' });
		const bare = helperFailure(ex, refused);
		expect({ kind: bare.kind, code: bare.code }).toEqual({ kind: 'network', code: 'ECONNREFUSED' });
		expect(bare.message).toBe('The server could not be reached at https://api.example.com/v1/orders?token=[redacted]');
		const wrapped = new ApplicationError('request failed', { cause: refused });
		expect(helperFailure(ex, wrapped)).toMatchObject({ kind: 'network', code: 'ECONNREFUSED' });
	});
});
