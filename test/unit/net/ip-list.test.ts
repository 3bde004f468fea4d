/** Table-driven tests of the IP list parser, matcher, XFF resolution, LivePerson normalisation and the policy classifier. */
import fc from 'fast-check';
import { LpError } from '../../../lib/errors';
import { IpList, normaliseForLivePerson, parseAddress, resolveClientIp } from '../../../lib/net/ip-list';
import { OutboundPolicy } from '../../../lib/net/policy';

type ParseCase = [input: string, expected: string | { code: string; contains?: string }];

const parseCases: ParseCase[] = [
	['1.2.3.4', '1.2.3.4'],
	['0.0.0.0', '0.0.0.0'],
	['255.255.255.255', '255.255.255.255'],
	['0x7f.1', { code: 'NON_DECIMAL_IPV4', contains: 'hexadecimal' }],
	['0x7f000001', { code: 'NON_DECIMAL_IPV4', contains: 'hexadecimal' }],
	['0X7F.0.0.1', { code: 'NON_DECIMAL_IPV4', contains: 'hexadecimal' }],
	['017.0.0.1', { code: 'NON_DECIMAL_IPV4', contains: 'octal' }],
	['127.0.0.01', { code: 'NON_DECIMAL_IPV4', contains: 'octal' }],
	['2130706433', { code: 'NON_DECIMAL_IPV4', contains: 'dword' }],
	['127.1', { code: 'NON_DECIMAL_IPV4', contains: 'four parts' }],
	['10.1.1', { code: 'NON_DECIMAL_IPV4', contains: 'four parts' }],
	['256.1.1.1', { code: 'NON_DECIMAL_IPV4', contains: '0 to 255' }],
	['1.2.3.4.5', { code: 'NON_DECIMAL_IPV4', contains: 'exactly four parts' }],
	['1.2.3.', { code: 'INVALID_IP' }],
	['abc', { code: 'INVALID_IP' }],
	['1.2.3.4a', { code: 'INVALID_IP' }],
	['::1', '::1'],
	['::', '::'],
	['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
	['2001:db8::0:1', '2001:db8::1'],
	['[2001:db8::1]', '2001:db8::1'],
	['::ffff:10.1.2.3', '10.1.2.3'],
	['::ffff:a01:203', '10.1.2.3'],
	['::FFFF:127.0.0.1', '127.0.0.1'],
	['::ffff:127.1', { code: 'INVALID_IP', contains: 'embedded IPv4' }],
	['::ffff:0x7f.0.0.1', { code: 'INVALID_IP', contains: 'embedded IPv4' }],
	['fe80::1%eth0', 'fe80::1%eth0'],
	['fe80::1%25', 'fe80::1%25'],
	['fe80::1%', { code: 'INVALID_IP', contains: 'zone id' }],
	['fe80::1%eth0/bad', { code: 'INVALID_CIDR' }],
	['2001:db8:::1', { code: 'INVALID_IP', contains: 'IPv6' }],
	['2001:db8::g', { code: 'INVALID_IP', contains: 'IPv6' }],
	['1:2:3:4:5:6:7:8:9', { code: 'INVALID_IP', contains: 'IPv6' }],
	['10.0.0.0/8', '10.0.0.0/8'],
	['10.1.2.3/8', '10.0.0.0/8'],
	['0.0.0.0/0', '0.0.0.0/0'],
	['1.2.3.4/32', '1.2.3.4/32'],
	['1.2.3.4/33', { code: 'INVALID_CIDR', contains: '0 to 32' }],
	['1.2.3.4/', { code: 'INVALID_CIDR' }],
	['1.2.3.4/-1', { code: 'INVALID_CIDR' }],
	['1.2.3.4/8/8', { code: 'INVALID_CIDR' }],
	['2001:db8::/32', '2001:db8::/32'],
	['2001:db8::/129', { code: 'INVALID_CIDR', contains: '0 to 128' }],
	['::ffff:10.0.0.0/104', '10.0.0.0/8'],
	['::ffff:10.0.0.0/64', { code: 'INVALID_CIDR', contains: '96 to 128' }],
	['0x0a.0.0.0/8', { code: 'NON_DECIMAL_IPV4' }],
	['1.2.3.4-1.2.3.10', '1.2.3.4-1.2.3.10'],
	['1.2.3.4-1.2.3.4', '1.2.3.4-1.2.3.4'],
	['1.2.3.10-1.2.3.4', { code: 'REVERSED_RANGE', contains: 'reversed' }],
	['1.2.3.4-::1', { code: 'MIXED_RANGE', contains: 'mix IPv4 and IPv6' }],
	['::1-1.2.3.4', { code: 'MIXED_RANGE' }],
	['::ffff:1.2.3.4-1.2.3.9', '1.2.3.4-1.2.3.9'],
	['2001:db8::1-2001:db8::ff', '2001:db8::1-2001:db8::ff'],
	['2001:db8::ff-2001:db8::1', { code: 'REVERSED_RANGE' }],
	['1.2.3.4-', { code: 'INVALID_IP', contains: 'one side is empty' }],
	['-1.2.3.4', { code: 'INVALID_IP', contains: 'one side is empty' }],
	['1.2.3.4-1.2.3.5-1.2.3.6', { code: 'INVALID_IP' }],
	['x'.repeat(500), { code: 'INVALID_IP', contains: 'too long' }],
	['１.２.３.４', { code: 'INVALID_IP' }],
];

describe('IpList.parse: one entry', () => {
	it.each(parseCases)('%s', (input, expected) => {
		if (typeof expected === 'string') {
			const list = IpList.parse(input);
			expect(list.entries).toHaveLength(1);
			expect(list.entries[0].display).toBe(expected);
			return;
		}
		let error: unknown;
		try {
			IpList.parse(`8.8.8.8, ${input}`);
		} catch (e) {
			error = e;
		}
		expect(error).toBeInstanceOf(LpError);
		const lp = error as LpError;
		expect(lp.kind).toBe('input');
		expect(lp.code).toBe(expected.code);
		expect(lp.message).toMatch(/^Entry 2 \(/); // 1-based position
		expect(lp.message).toContain(JSON.stringify(input.length > 60 ? `${input.slice(0, 60)}…` : input).slice(0, 20));
		if (expected.contains) expect(lp.message).toContain(expected.contains);
	});
});

describe('IpList: separators, matching', () => {
	const list = IpList.parse('10.0.0.0/8,192.168.1.10 - 192.168.1.20\n203.0.113.7  2001:db8::/48;fe80::1%eth0\r\n::ffff:198.51.100.1');

	it('splits on commas, semicolons, spaces and new lines; keeps "a - b" as one range', () => {
		expect(list.entries.map((e) => e.display)).toEqual([
			'10.0.0.0/8',
			'192.168.1.10-192.168.1.20',
			'203.0.113.7',
			'2001:db8::/48',
			'fe80::1%eth0',
			'198.51.100.1',
		]);
		expect(list.entries.map((e) => e.position)).toEqual([1, 2, 3, 4, 5, 6]);
	});

	const matchCases: Array<[string, boolean]> = [
		['10.255.255.255', true],
		['11.0.0.0', false],
		['9.255.255.255', false],
		['192.168.1.10', true],
		['192.168.1.20', true],
		['192.168.1.21', false],
		['192.168.1.9', false],
		['203.0.113.7', true],
		['203.0.113.8', false],
		['::ffff:10.9.9.9', true],
		['::ffff:203.0.113.7', true],
		['198.51.100.1', true],
		['2001:db8:0:ffff::1', true],
		['2001:db8:1::1', false],
		['fe80::1', true],
		['fe80::1%eth1', true],
		['fe80::2%eth0', false],
		['::1', false],
		['0.0.0.0', false],
	];
	it.each(matchCases)('matches(%s) = %s', (ip, expected) => {
		expect(list.matches(ip)).toBe(expected);
	});

	it.each(['0x0a.1.1.1', '167772161', '010.0.0.1', 'garbage', ''])('matches(%s) refuses a non-strict address with LpError', (ip) => {
		expect(() => list.matches(ip)).toThrow(LpError);
	});

	it('an empty list matches nothing', () => {
		expect(IpList.parse(' \n , ').size).toBe(0);
		expect(IpList.parse('').matches('1.2.3.4')).toBe(false);
	});

	it('accepts an array of strings', () => {
		expect(IpList.parse(['1.1.1.1', '2.2.2.0/24']).matches('2.2.2.9')).toBe(true);
	});

	it('overlapping entries are merged for matching and keep their own positions', () => {
		const l = IpList.parse('10.0.0.0/24, 10.0.0.128-10.0.1.5, 10.0.0.7');
		expect(l.intervals).toHaveLength(1);
		expect(l.matches('10.0.1.5')).toBe(true);
		expect(l.matches('10.0.1.6')).toBe(false);
		expect(l.matchingEntry('10.0.0.7')?.position).toBe(1);
		expect(l.matchingEntry('10.0.1.0')?.position).toBe(2);
	});

	it('parseAddress names the field when no position', () => {
		expect(() => parseAddress('0x7f.1', 'ip')).toThrow(/hexadecimal/);
		try {
			parseAddress('nope', 'clientIp');
		} catch (e) {
			expect((e as LpError).field).toBe('clientIp');
		}
	});
});

describe('resolveClientIp (X-Forwarded-For)', () => {
	const proxies = IpList.parse('10.0.0.0/8, 2001:db8:feed::/48');
	const cases: Array<[string, { remote: string; xff?: string | string[]; trusted?: IpList }, { ip: string; valid?: boolean; fromForwardedFor?: boolean }]> = [
		['no XFF: the peer', { remote: '203.0.113.5' }, { ip: '203.0.113.5', fromForwardedFor: false }],
		['untrusted peer: XFF ignored', { remote: '198.51.100.9', xff: '1.1.1.1', trusted: proxies }, { ip: '198.51.100.9', fromForwardedFor: false }],
		['no trusted list: XFF ignored', { remote: '10.0.0.1', xff: '1.1.1.1' }, { ip: '10.0.0.1' }],
		['one trusted proxy', { remote: '10.0.0.1', xff: '203.0.113.5', trusted: proxies }, { ip: '203.0.113.5', fromForwardedFor: true }],
		['spoofed left-most entry ignored', { remote: '10.0.0.1', xff: '6.6.6.6, 203.0.113.5, 10.2.2.2', trusted: proxies }, { ip: '203.0.113.5' }],
		['several header lines', { remote: '10.0.0.1', xff: ['6.6.6.6', '203.0.113.5, 10.9.9.9'], trusted: proxies }, { ip: '203.0.113.5' }],
		['all trusted: left-most', { remote: '10.0.0.1', xff: '10.0.0.2, 10.0.0.3', trusted: proxies }, { ip: '10.0.0.2' }],
		['IPv6 proxy chain', { remote: '2001:db8:feed::1', xff: '2001:db8:beef::5', trusted: proxies }, { ip: '2001:db8:beef::5' }],
		['mapped peer', { remote: '::ffff:10.0.0.1', xff: '203.0.113.5', trusted: proxies }, { ip: '203.0.113.5' }],
		['ports stripped', { remote: '10.0.0.1', xff: '203.0.113.5:4711, [2001:db8::9]:443', trusted: proxies }, { ip: '2001:db8::9' }],
		['garbage hop reached: invalid', { remote: '10.0.0.1', xff: '203.0.113.5, unknown', trusted: proxies }, { ip: 'unknown', valid: false }],
		['garbage left of the client: ignored', { remote: '10.0.0.1', xff: 'evil, 203.0.113.5', trusted: proxies }, { ip: '203.0.113.5', valid: true }],
		['inet_aton hop refused', { remote: '10.0.0.1', xff: '0x7f.1', trusted: proxies }, { ip: '0x7f.1', valid: false }],
	];
	it.each(cases)('%s', (_name, input, expected) => {
		const r = resolveClientIp({ remoteAddress: input.remote, forwardedFor: input.xff, trustedProxies: input.trusted });
		expect(r.ip).toBe(expected.ip);
		expect(r.valid).toBe(expected.valid ?? true);
		if (expected.fromForwardedFor !== undefined) expect(r.fromForwardedFor).toBe(expected.fromForwardedFor);
	});
});

describe('normaliseForLivePerson', () => {
	it('merges, sorts, gives CIDR and ranges, reports IPv6 as not accepted', () => {
		const out = normaliseForLivePerson('192.168.1.0/25, 10.0.0.5, 192.168.1.128-192.168.1.255, 10.0.0.6, 2001:db8::1, 10.0.0.4-10.0.0.7');
		expect(out.ranges).toEqual([
			{ from: '10.0.0.4', to: '10.0.0.7' },
			{ from: '192.168.1.0', to: '192.168.1.255' },
		]);
		expect(out.cidrs).toEqual(['10.0.0.4/30', '192.168.1.0/24']);
		expect(out.rangeText).toEqual(['10.0.0.4-10.0.0.7', '192.168.1.0-192.168.1.255']);
		expect(out.notAccepted).toEqual([{ position: 5, entry: '2001:db8::1', reason: expect.stringContaining('IPv4 only') }]);
		expect(out.addressCount).toBe(4 + 256);
	});

	it('an odd range becomes the fewest CIDR blocks; adjacent ranges merge; singles stay single', () => {
		const out = normaliseForLivePerson('1.2.3.1-1.2.3.6, 1.2.3.7, 9.9.9.9');
		expect(out.cidrs).toEqual(['1.2.3.1/32', '1.2.3.2/31', '1.2.3.4/30', '9.9.9.9/32']);
		expect(out.rangeText).toEqual(['1.2.3.1-1.2.3.7', '9.9.9.9']);
	});

	it('0.0.0.0/0 stays one block', () => {
		expect(normaliseForLivePerson('0.0.0.0/0, 8.8.8.8').cidrs).toEqual(['0.0.0.0/0']);
	});

	it('property: the CIDR output covers exactly the same addresses as the input', () => {
		fc.assert(
			fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 4095 }), fc.integer({ min: 0, max: 300 })), { minLength: 1, maxLength: 8 }), (pairs) => {
				const base = 10 << 24;
				const toIp = (n: number) => [24, 16, 8, 0].map((s) => ((n >>> s) & 255).toString()).join('.');
				const entries = pairs.map(([start, len]) => `${toIp(base + start)}-${toIp(base + start + len)}`);
				const out = normaliseForLivePerson(entries.join(','));
				const fromCidr = IpList.parse(out.cidrs);
				const original = IpList.parse(entries);
				for (let n = base; n <= base + 4095 + 301; n += 7) expect(fromCidr.matches(toIp(n))).toBe(original.matches(toIp(n)));
				expect(out.addressCount).toBe(fromCidr.intervals.reduce((s, iv) => s + Number(iv.last - iv.first + 1n), 0));
			}),
			{ numRuns: 60 },
		);
	});
});

describe('OutboundPolicy.classify', () => {
	const policy = new OutboundPolicy();
	const cases: Array<[string, string | undefined]> = [
		['127.0.0.1', 'loopback'],
		['127.255.255.254', 'loopback'],
		['10.0.0.1', 'private'],
		['172.16.0.1', 'private'],
		['172.31.255.255', 'private'],
		['172.32.0.1', undefined],
		['192.168.0.1', 'private'],
		['169.254.169.254', 'linkLocal'],
		['100.64.0.1', 'carrierGradeNat'],
		['100.127.255.255', 'carrierGradeNat'],
		['100.128.0.1', undefined],
		['0.0.0.0', 'unspecified'],
		['224.0.0.251', 'multicast'],
		['255.255.255.255', 'reserved'],
		['240.0.0.1', 'reserved'],
		['192.0.2.1', 'reserved'],
		['8.8.8.8', undefined],
		['::1', 'loopback'],
		['::', 'unspecified'],
		['fc00::1', 'uniqueLocal'],
		['fd12:3456::1', 'uniqueLocal'],
		['fe80::1', 'linkLocal'],
		['fe80::1%eth0', 'linkLocal'],
		['ff02::1', 'multicast'],
		['::ffff:127.0.0.1', 'loopback'],
		['::ffff:169.254.169.254', 'linkLocal'],
		['::ffff:8.8.8.8', undefined],
		['::127.0.0.1', 'loopback'],
		['64:ff9b::7f00:1', 'loopback'],
		['64:ff9b::a9fe:a9fe', 'linkLocal'],
		['64:ff9b::808:808', undefined],
		['64:ff9b:1::a00:1', 'private'],
		['2002:7f00:1::1', 'loopback'],
		['2002:c0a8:101::1', 'private'],
		['2002:808:808::1', undefined],
		['2606:4700:4700::1111', undefined],
		['2001:db8::1', 'reserved'],
		['0x7f.1', 'loopback'], // a socket never reports this, but classify reads it as the OS would
	];
	it.each(cases)('%s -> %s', (ip, expected) => {
		expect(policy.classify(ip)).toBe(expected);
	});

	it('allow by class or by CIDR (mapped forms follow the IPv4 allow)', () => {
		const p = new OutboundPolicy({ allow: ['loopback', '10.0.0.0/8', 'fd00::/8'] });
		expect(p.classify('127.0.0.1')).toBeUndefined();
		expect(p.classify('::1')).toBeUndefined();
		expect(p.classify('10.1.1.1')).toBeUndefined();
		expect(p.classify('::ffff:10.1.1.1')).toBeUndefined();
		expect(p.classify('2002:a01:101::1')).toBeUndefined();
		expect(p.classify('fd00::1')).toBeUndefined();
		expect(p.classify('fc00::1')).toBe('uniqueLocal');
		expect(p.classify('192.168.1.1')).toBe('private');
		expect(p.classify('169.254.169.254')).toBe('linkLocal');
	});

	it('checkAddress names the class and the option', () => {
		expect(() => policy.checkAddress('169.254.169.254', 'metadata.internal')).toThrow(/metadata\.internal \(169\.254\.169\.254\).*"linkLocal".*"Allowed Internal Networks"/);
	});

	it.each([
		['http://0x7f.1/', 'loopback'],
		['http://2130706433/', 'loopback'],
		['http://0177.0.0.1/', 'loopback'],
		['http://127.1/', 'loopback'],
		['http://[::ffff:7f00:1]/', 'loopback'],
		['http://[64:ff9b::a9fe:a9fe]/', 'linkLocal'],
		['https://[fe80::1%25eth0]/', 'linkLocal'],
		['http://10.0.0.1:8080/', 'private'],
	])('checkUrl(%s) refuses (%s)', (url, cls) => {
		let parsed: URL;
		try {
			parsed = new URL(url);
		} catch {
			return; // zone ids in URLs are not accepted by WHATWG URL: nothing to send
		}
		expect(() => policy.checkUrl(parsed)).toThrow(new RegExp(`"${cls}"`));
	});

	it.each(['ftp://example.com/', 'file:///etc/passwd', 'gopher://x/'])('checkUrl(%s) refuses the scheme', (url) => {
		expect(() => policy.checkUrl(new URL(url))).toThrow(/only http and https/);
	});

	it('checkUrl lets public literals and names through (names are checked at lookup)', () => {
		expect(() => policy.checkUrl(new URL('https://8.8.8.8/'))).not.toThrow();
		expect(() => policy.checkUrl(new URL('https://va.sentinel.liveperson.net/x'))).not.toThrow();
	});

	it('lookup refuses when any answer is blocked, answers all:true and single forms otherwise', async () => {
		const p = new OutboundPolicy({ resolver: async (h) => (h === 'mixed' ? [{ address: '8.8.8.8', family: 4 }, { address: '::1', family: 6 }] : [{ address: '8.8.4.4', family: 4 }, { address: '2001:4860:4860::8888', family: 6 }]) });
		const call = (host: string, options: object) => new Promise<unknown[]>((resolve) => p.lookup(host, options, (...args: unknown[]) => resolve(args)));
		const [err] = await call('mixed', { all: true });
		expect((err as LpError).kind).toBe('blocked');
		expect(await call('public', { all: true })).toEqual([null, [{ address: '8.8.4.4', family: 4 }, { address: '2001:4860:4860::8888', family: 6 }]]);
		expect(await call('public', { family: 6 })).toEqual([null, '2001:4860:4860::8888', 6]);
		expect(await call('public', {})).toEqual([null, '8.8.4.4', 4]);
	});

	it('the allow option itself is validated with positions', () => {
		expect(() => new OutboundPolicy({ allow: ['loopback', '10.0.0.0/33'] })).toThrow(/Entry 1 .*10\.0\.0\.0\/33/);
	});
});

describe('property: the parser never throws anything but LpError', () => {
	const alphabet = fc.constantFrom(...'0123456789abcdefxX.:/%-, \n[]ffff'.split(''));
	it('random strings', () => {
		fc.assert(
			fc.property(fc.oneof(fc.string(), fc.string({ unit: alphabet, maxLength: 60 })), (text) => {
				try {
					const list = IpList.parse(text);
					for (const e of list.entries) expect(e.first <= e.last).toBe(true);
				} catch (error) {
					expect(error).toBeInstanceOf(LpError);
				}
			}),
			{ numRuns: 2000 },
		);
	});

	it('random addresses round-trip and match themselves', () => {
		fc.assert(
			fc.property(fc.oneof(fc.ipV4(), fc.ipV6(), fc.ipV4Extended()), (ip) => {
				try {
					const list = IpList.parse(ip);
					expect(list.matches(list.entries[0].display)).toBe(true);
				} catch (error) {
					expect(error).toBeInstanceOf(LpError); // inet_aton forms from ipV4Extended
				}
			}),
			{ numRuns: 1000 },
		);
	});

	it('matches() never throws anything but LpError', () => {
		const list = IpList.parse('10.0.0.0/8, 2001:db8::/32');
		fc.assert(
			fc.property(fc.oneof(fc.string(), fc.ipV4Extended(), fc.ipV6()), (text) => {
				try {
					list.matches(text);
				} catch (error) {
					expect(error).toBeInstanceOf(LpError);
				}
			}),
			{ numRuns: 1000 },
		);
	});
});
