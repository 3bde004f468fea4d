/** IPv6 spellings of an IPv4 address, for the IP Allowlist tests (unit and engine). */

/** Every spelling of one address (the IPv4 part given as dotted decimal a.b.c.d). */
export function mappedSpellings(v4: string): string[] {
	const [a, b, c, d] = v4.split('.').map(Number);
	const hi = ((a << 8) | b).toString(16);
	const lo = ((c << 8) | d).toString(16);
	return [
		`::ffff:${v4}`,
		`::FFFF:${v4}`,
		`0::ffff:${v4}`,
		`0:0:0:0:0:ffff:${v4}`,
		`0000:0000:0000:0000:0000:ffff:${v4}`,
		`0000:0000::ffff:${v4}`,
		`::ffff:${hi}:${lo}`,
		`::ffff:${hi.padStart(4, '0')}:${lo.padStart(4, '0')}`,
		`0:0:0:0:0:FFFF:${hi.toUpperCase()}:${lo}`,
		`[::ffff:${v4}]`,
	];
}

export function compatibleSpellings(v4: string): string[] {
	const [a, b, c, d] = v4.split('.').map(Number);
	const hi = ((a << 8) | b).toString(16);
	const lo = ((c << 8) | d).toString(16);
	return [
		`::${v4}`,
		`0::${v4}`,
		`::0:${v4}`,
		`0:0:0:0:0:0:${v4}`,
		`0000:0000:0000:0000:0000:0000:${v4}`,
		`0000::${v4}`,
		`::${hi}:${lo}`,
		`0::${hi}:${lo}`,
		`0:0:0:0:0:0:${hi.padStart(4, '0')}:${lo.padStart(4, '0')}`,
		`[::${v4}]`,
	];
}
