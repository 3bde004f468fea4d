/** Issue 22 item 7: the safe reading of an empty Audience is the default (pure logic). */
import { consumerAudience } from '../../../lib/auth/consumer';

describe('consumer token audience', () => {
	test('an empty Audience is refused, naming the field, unless any audience is accepted explicitly', () => {
		for (const empty of ['', '   ', ' , ', undefined, null]) {
			expect(() => consumerAudience(empty, false)).toThrow(expect.objectContaining({ field: 'consumerAudience', code: 'CONSUMER_AUDIENCE_MISSING' }));
			expect(consumerAudience(empty, true)).toBeUndefined();
		}
	});

	test('one audience, or several separated by commas or spaces', () => {
		expect(consumerAudience('api://orders', false)).toBe('api://orders');
		expect(consumerAudience('a, b c', false)).toEqual(['a', 'b', 'c']);
		// A given audience is checked even when "accept any" is on.
		expect(consumerAudience('a', true)).toBe('a');
	});
});
