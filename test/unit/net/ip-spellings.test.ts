/**
 * IP Allowlist: one rule for every IPv6 spelling of an address, and the O(log n) matcher checked
 * against a naive scan of the entries (property test). Through the node, in n8n's engine:
 * test/engine/ip-allowlist-spellings.engine.test.ts.
 */
import fc from 'fast-check';
import { IpList, parseAddress } from '../../../lib/net/ip-list';
import { compatibleSpellings, mappedSpellings } from '../../support/ip-spellings';


describe('one rule for every IPv6 spelling', () => {
	const v4Entry = IpList.parse('127.0.0.0/8, 10.0.0.0/8, 169.254.169.254');

	it.each(['127.0.0.1', '10.1.2.3', '169.254.169.254', '192.168.0.1'])('IPv4-mapped spellings of %s all get the IPv4 verdict', (v4) => {
		const expected = v4Entry.matches(v4);
		for (const spelling of mappedSpellings(v4)) {
			expect([spelling, v4Entry.matches(spelling)]).toEqual([spelling, expected]);
			expect([spelling, v4Entry.matchingEntry(spelling)?.position]).toEqual([spelling, v4Entry.matchingEntry(v4)?.position]);
			expect(parseAddress(spelling)).toMatchObject({ family: 'ipv4', address: v4, mapped: true });
		}
	});

	it.each(['127.0.0.1', '10.1.2.3', '169.254.169.254'])('IPv4-compatible spellings of %s (deprecated) never match an IPv4 entry, all alike', (v4) => {
		const canonical = parseAddress(`::${v4}`);
		expect(canonical.family).toBe('ipv6');
		for (const spelling of compatibleSpellings(v4)) {
			expect([spelling, v4Entry.matches(spelling)]).toEqual([spelling, false]);
			expect(parseAddress(spelling)).toMatchObject({ family: 'ipv6', value: canonical.value, address: canonical.address });
		}
	});

	it('IPv4-compatible spellings all match an IPv6 entry that contains them (and all miss one that does not)', () => {
		const v6 = IpList.parse('::/96');
		const other = IpList.parse('::ffff:0:0/96, 2001:db8::/32');
		for (const spelling of compatibleSpellings('127.0.0.1')) {
			expect([spelling, v6.matches(spelling)]).toEqual([spelling, true]);
			expect([spelling, other.matches(spelling)]).toEqual([spelling, false]);
		}
	});

	it('entries follow the same rule as addresses: a mapped entry is IPv4, a compatible entry is IPv6', () => {
		expect(IpList.parse('::ffff:7f00:1').entries[0]).toMatchObject({ family: 'ipv4', display: '127.0.0.1' });
		expect(IpList.parse('::7f00:1').entries[0]).toMatchObject({ family: 'ipv6', display: '::7f00:1' });
		expect(IpList.parse('::127.0.0.1').entries[0]).toMatchObject({ family: 'ipv6', display: '::7f00:1' });
		expect(IpList.parse('::127.0.0.1').matches('127.0.0.1')).toBe(false);
		expect(IpList.parse('0::127.0.0.1').matches('::7f00:1')).toBe(true);
		expect(IpList.parse('::ffff:127.0.0.0/104').matches('127.9.9.9')).toBe(true);
	});
});

describe('matchingEntry: O(log n) segments agree with a scan of the entries', () => {
	// Small universes so that entries overlap, touch and nest often.
	const v4 = fc.integer({ min: 0, max: 300 }).map((x) => `10.0.${x >> 8}.${x & 255}`);
	const v6 = fc.integer({ min: 0, max: 300 }).map((x) => `2001:db8::${x.toString(16)}`);
	const entry = fc.oneof(
		v4,
		v6,
		fc.tuple(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 40 })).map(([x, w]) => {
			const y = Math.min(x + w, 300);
			return `10.0.${x >> 8}.${x & 255}-10.0.${y >> 8}.${y & 255}`;
		}),
		fc.tuple(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 24, max: 32 })).map(([x, p]) => `10.0.${x >> 8}.${x & 255}/${p}`),
		fc.tuple(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 120, max: 128 })).map(([x, p]) => `2001:db8::${x.toString(16)}/${p}`),
		fc.constantFrom('0.0.0.0/0', '::/0', '255.255.255.255', '::ffff:10.0.0.0/120', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'),
	);
	const probe = fc.oneof(v4, v6, fc.constantFrom('0.0.0.0', '255.255.255.255', '::', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', '11.0.0.0', '::ffff:10.0.0.5'));

	it('property: same entry (first in list order) and same yes/no as the naive matcher', () => {
		fc.assert(
			fc.property(fc.array(entry, { minLength: 0, maxLength: 25 }), fc.array(probe, { minLength: 1, maxLength: 20 }), (entries, probes) => {
				const list = new IpList(entries.map((e, i) => IpList.parse(e).entries.map((x) => ({ ...x, position: i + 1 }))[0]));
				for (const p of probes) {
					const addr = parseAddress(p);
					const naive = list.entries.find((e) => e.family === addr.family && e.first <= addr.value && addr.value <= e.last);
					expect(list.matchingEntry(p)).toBe(naive);
					expect(list.matches(p)).toBe(naive !== undefined);
				}
			}),
			{ numRuns: 300 },
		);
	});
});

describe('property: random spellings of one address get one verdict', () => {
	/** Eight 16-bit groups written with random zero padding and case, optionally "::"-compressed, optionally with a dotted tail. */
	const spell = (groups: number[], pad: number[], upper: boolean, compress: boolean, dotted: boolean): string => {
		const hex = groups.map((g, i) => {
			const t = g.toString(16).padStart(Math.min(4, Math.max(g.toString(16).length, pad[i])), '0');
			return upper ? t.toUpperCase() : t;
		});
		const text: string[] = dotted ? [...hex.slice(0, 6), `${groups[6] >> 8}.${groups[6] & 255}.${groups[7] >> 8}.${groups[7] & 255}`] : hex;
		if (compress) {
			// Compress the longest run of zero groups with "::" (any run is legal; RFC 5952 picks the longest).
			let start = -1;
			let length = 0;
			for (let i = 0; i < text.length; i++) {
				let j = i;
				while (j < text.length && /^0+$/.test(text[j])) j++;
				if (j - i > length) [start, length] = [i, j - i];
			}
			if (length > 1) return `${text.slice(0, start).join(':')}::${text.slice(start + length).join(':')}`;
		}
		return text.join(':');
	};
	const v4 = fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }));
	const style = fc.tuple(fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 8, maxLength: 8 }), fc.boolean(), fc.boolean(), fc.boolean());
	const list = IpList.parse('10.0.0.0/8, 127.0.0.0/8, 169.254.0.0/16, 203.0.113.0/24, ::/112');

	it('IPv4-mapped: every spelling is the IPv4 address', () => {
		fc.assert(
			fc.property(v4, style, ([a, b, c, d], [pad, upper, compress, dotted]) => {
				const text = spell([0, 0, 0, 0, 0, 0xffff, (a << 8) | b, (c << 8) | d], pad, upper, compress, dotted);
				const ip = `${a}.${b}.${c}.${d}`;
				expect([text, parseAddress(text).address]).toEqual([text, ip]);
				expect([text, list.matches(text)]).toEqual([text, list.matches(ip)]);
			}),
			{ numRuns: 500 },
		);
	});

	it('IPv4-compatible: every spelling is the same IPv6 address, never an IPv4 entry', () => {
		fc.assert(
			fc.property(v4.filter(([a, b]) => a + b > 0), style, ([a, b, c, d], [pad, upper, compress, dotted]) => {
				const text = spell([0, 0, 0, 0, 0, 0, (a << 8) | b, (c << 8) | d], pad, upper, compress, dotted);
				const canonical = parseAddress(`::${a}.${b}.${c}.${d}`);
				expect([text, parseAddress(text).value]).toEqual([text, canonical.value]);
				expect(parseAddress(text).family).toBe('ipv6');
				expect([text, list.matches(text)]).toEqual([text, false]); // ::/112 holds only ::0.0.x.x
			}),
			{ numRuns: 500 },
		);
	});
});
