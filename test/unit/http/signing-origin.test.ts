/**
 * Whatever signs is bound to the origin it was authorised for (issue 22, item 1): the pipeline's
 * strategy headers and query, a custom transport (n8n's OAuth2 helper signs on its own) and its
 * signing flags all stay with the origin of the request given to `send()`; a redirect hop to
 * another origin goes out through the plain transport, and a refusal from there is not a re-login.
 */
import fc from 'fast-check';
import { mayCarryCredentials, redirectExchange, transportFor } from '../../../lib/http';
import type { Exchange, HttpRequest, Transport } from '../../../lib/http/types';
import { policyForAllowText } from '../../../lib/net/policy';

const signingTransport: Transport = async () => ({ status: 200, headers: {}, body: Buffer.alloc(0), attempts: 1 });

function first(url: string, req: Partial<HttpRequest> = {}): Exchange {
	const u = new URL(url);
	return {
		req: { url, transport: signingTransport, ...req },
		url: u,
		method: 'POST',
		headers: { authorization: 'Bearer t0ken-value', 'x-custom-key': 'k3y-value', accept: 'application/json' },
		body: '{"a":1}',
		policy: policyForAllowText(''),
		signOrigin: u.origin,
		authHeaders: ['x-custom-key'],
		authQuery: ['access_token'],
		useConnection: true,
		scope: { secrets: [] },
		flags: { refresh: true },
	};
}

describe('signing is bound to the first origin', () => {
	test('a custom (self-signing) transport is used on its origin only, across any redirect chain', () => {
		const origins = ['https://api.example.com', 'https://api.example.com:8443', 'https://other.example.com', 'https://API.example.com', 'https://api.example.com.evil.test'];
		fc.assert(
			fc.property(fc.array(fc.tuple(fc.constantFrom(...origins), fc.constantFrom(301, 302, 303, 307, 308)), { minLength: 1, maxLength: 5 }), (hops) => {
				let ex = first('https://api.example.com/v1/x?access_token=abc');
				let left = false;
				for (const [origin, status] of hops) {
					ex = redirectExchange(ex, status, `${origin}/next`);
					const same = new URL(origin).origin === 'https://api.example.com';
					left ||= !same;
					expect(ex.signOrigin).toBe('https://api.example.com');
					expect(mayCarryCredentials(ex)).toBe(same);
					expect(transportFor(ex)).toBe(same ? signingTransport : undefined);
					if (!same) {
						expect(ex.flags).toBeUndefined();
						expect(ex.headers.authorization).toBeUndefined();
						expect(ex.headers['x-custom-key']).toBeUndefined();
						expect(ex.useConnection).toBe(false);
					}
					// Once the chain left the origin, nothing the strategy set comes back on return.
					if (left) expect(ex.authHeaders).toEqual([]);
				}
			}),
		);
	});

	test('without a custom transport there is nothing to bind (the plain transport signs nothing itself)', () => {
		const ex = first('https://api.example.com/', { transport: undefined });
		expect(transportFor(ex)).toBeUndefined();
		expect(transportFor(redirectExchange(ex, 307, 'https://api.example.com/again'))).toBeUndefined();
	});
});
