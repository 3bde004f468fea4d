import { LpError } from '../../../lib/errors';
import { policyForAllowText } from '../../../lib/net/policy';

describe('policyForAllowText (one policy per distinct "Allowed Internal Networks" text)', () => {
	it('returns the same policy for the same text, ignoring surrounding space', () => {
		const a = policyForAllowText('loopback, 10.0.0.0/8');
		expect(policyForAllowText(' loopback, 10.0.0.0/8 ')).toBe(a);
		expect(() => a.checkAddress('127.0.0.1')).not.toThrow();
		expect(() => a.checkAddress('10.1.2.3')).not.toThrow();
		expect(() => a.checkAddress('192.168.1.1')).toThrow(LpError);
	});

	it('different texts give different policies; empty and undefined are the default policy', () => {
		expect(policyForAllowText('loopback')).not.toBe(policyForAllowText('private'));
		expect(policyForAllowText(undefined)).toBe(policyForAllowText(''));
		expect(() => policyForAllowText(undefined).checkAddress('127.0.0.1')).toThrow(/loopback/);
	});

	it('a malformed text throws every time (nothing memoised for it)', () => {
		expect(() => policyForAllowText('10.0.0.0/33')).toThrow(LpError);
		expect(() => policyForAllowText('10.0.0.0/33')).toThrow(LpError);
	});
});
