/**
 * IP address lists: single addresses, ranges `a-b` and CIDR blocks, IPv4 and IPv6.
 *
 * - IPv4 is strict: only four-part decimal (`isValidFourPartDecimal`). The inet_aton forms that
 *   `ipaddr.IPv4.parse` and many C libraries accept (`0x7f.1`, `017.0.0.1` = 15.0.0.1,
 *   `2130706433`, `127.1`) are refused with a message saying why: they are a classic way to sneak a
 *   different address past a reviewer.
 * - IPv4-mapped IPv6 (`::ffff:10.0.0.1`) is normalised to IPv4 (also `::ffff:0:0/96`-contained
 *   CIDR blocks with a prefix of 96 or more).
 * - Zone ids (`fe80::1%eth0`) are kept for display and ignored for matching.
 * - Every failure is an LpError (kind 'input') quoting the entry and its 1-based position.
 */
import ipaddr from 'ipaddr.js';
import { LpError } from '../errors';

export type IpFamily = 'ipv4' | 'ipv6';

export interface ParsedAddress {
	family: IpFamily;
	/** The address as a number (32 or 128 bits). */
	value: bigint;
	/** Canonical text without zone id (IPv4 dotted, IPv6 RFC 5952). */
	address: string;
	/** Zone id, when the input had one (`%eth0`). */
	zoneId?: string;
	/** True when the input was an IPv4-mapped IPv6 address normalised to IPv4. */
	mapped?: boolean;
}

export interface IpListEntry {
	/** 1-based position in the list. */
	position: number;
	/** The entry as written. */
	input: string;
	kind: 'single' | 'range' | 'cidr';
	family: IpFamily;
	first: bigint;
	last: bigint;
	/** Canonical display form: `a`, `a-b` or `net/prefix` (zone id kept). */
	display: string;
}

const BITS: Record<IpFamily, number> = { ipv4: 32, ipv6: 128 };
const MAX: Record<IpFamily, bigint> = { ipv4: (1n << 32n) - 1n, ipv6: (1n << 128n) - 1n };

/** Longest entry considered (longer input is garbage; keeps error messages short). */
const MAX_ENTRY_LENGTH = 100;

function quote(text: string): string {
	const cut = text.length > 60 ? `${text.slice(0, 60)}…` : text;
	// Printable only: control characters would garble the error message.
	return JSON.stringify(cut);
}

function bytesToBigInt(bytes: number[]): bigint {
	let v = 0n;
	for (const b of bytes) v = (v << 8n) | BigInt(b);
	return v;
}

export function bigIntToAddress(value: bigint, family: IpFamily): string {
	const count = family === 'ipv4' ? 4 : 16;
	const bytes: number[] = new Array(count);
	let v = value;
	for (let i = count - 1; i >= 0; i--) {
		bytes[i] = Number(v & 0xffn);
		v >>= 8n;
	}
	return ipaddr.fromByteArray(bytes).toString();
}

/** Why a dotted/numeric string that inet_aton would accept is not plain four-part decimal. */
function legacyIpv4Reason(text: string): string | undefined {
	if (!/^[0-9a-fA-FxX.]+$/.test(text) || !/\d/.test(text)) return undefined;
	const parts = text.split('.');
	if (parts.some((p) => /^0[xX]/.test(p))) return 'hexadecimal parts (0x…) are not accepted; write the address as four decimal numbers, e.g. 127.0.0.1';
	if (parts.length === 1 && /^\d+$/.test(text)) return 'a single integer ("dword" form) is not accepted; write the address as four decimal numbers, e.g. 127.0.0.1';
	if (parts.every((p) => /^\d+$/.test(p))) {
		if (parts.some((p) => p.length > 1 && p.startsWith('0')))
			return 'a part with a leading zero is read as octal by some systems (017 = 15); remove the leading zeros';
		if (parts.length < 4 && parts.length > 1) return `only ${parts.length} parts given; write all four parts, e.g. 127.0.0.1`;
		if (parts.length === 4) return 'each part must be a number from 0 to 255';
	}
	if (parts.length > 4) return 'an IPv4 address has exactly four parts';
	return undefined;
}

function invalid(field: string, position: number | undefined, text: string, why: string, code = 'INVALID_IP'): LpError {
	const where = position !== undefined ? `Entry ${position} (${quote(text)})` : `${quote(text)}`;
	return new LpError('input', `${where} is not valid: ${why}`, {
		field,
		code,
		hint: 'Use single addresses (203.0.113.7), ranges (203.0.113.10-203.0.113.20) or CIDR blocks (203.0.113.0/24), separated by commas or new lines.',
	});
}

class AddressProblem {
	constructor(
		readonly why: string,
		readonly code: string,
	) {}
}

function readAddress(text: string): ParsedAddress | AddressProblem {
	const raw = typeof text === 'string' ? text.trim() : String(text);
	if (!raw) return new AddressProblem('empty address', 'INVALID_IP');
	if (raw.length > MAX_ENTRY_LENGTH) return new AddressProblem('too long to be an IP address', 'INVALID_IP');
	if (raw.includes(':')) {
		// IPv6 (possibly with a zone id). Brackets are tolerated: [::1].
		let body = raw.startsWith('[') && raw.endsWith(']') ? raw.slice(1, -1) : raw;
		let zoneId: string | undefined;
		const pct = body.indexOf('%');
		if (pct >= 0) {
			zoneId = body.slice(pct + 1);
			body = body.slice(0, pct);
			if (!/^[A-Za-z0-9_.~-]{1,64}$/.test(zoneId)) return new AddressProblem('the zone id after "%" must be an interface name or number', 'INVALID_IP');
		}
		// An embedded dotted IPv4 tail must itself be strict four-part decimal.
		const tail = /:([^:]*\.[^:]*)$/.exec(body);
		if (tail && !ipaddr.IPv4.isValidFourPartDecimal(tail[1]))
			return new AddressProblem(`the embedded IPv4 part ${quote(tail[1])} must be four decimal numbers from 0 to 255`, 'INVALID_IP');
		if (!ipaddr.IPv6.isValid(body)) return new AddressProblem('not a valid IPv6 address', 'INVALID_IP');
		const v6 = ipaddr.IPv6.parse(body);
		if (v6.isIPv4MappedAddress()) {
			const v4 = v6.toIPv4Address();
			return { family: 'ipv4', value: bytesToBigInt(v4.toByteArray()), address: v4.toString(), mapped: true, zoneId };
		}
		return { family: 'ipv6', value: bytesToBigInt(v6.toByteArray()), address: v6.toString(), zoneId };
	}
	if (ipaddr.IPv4.isValidFourPartDecimal(raw)) {
		const v4 = ipaddr.IPv4.parse(raw);
		return { family: 'ipv4', value: bytesToBigInt(v4.toByteArray()), address: v4.toString() };
	}
	const legacy = legacyIpv4Reason(raw);
	return new AddressProblem(legacy ?? 'not an IPv4 or IPv6 address', legacy ? 'NON_DECIMAL_IPV4' : 'INVALID_IP');
}

/**
 * Parses one address strictly. Throws LpError('input') naming `field` (and the position, when
 * given) on anything else.
 */
export function parseAddress(text: string, field = 'ip', position?: number): ParsedAddress {
	const result = readAddress(text);
	if (result instanceof AddressProblem) throw invalid(field, position, String(text ?? '').trim(), result.why, result.code);
	return result;
}

/** One side of a range or the host of a CIDR block; errors quote the whole entry and the part. */
function parsePart(part: string, entry: string, field: string, position: number): ParsedAddress {
	const result = readAddress(part);
	if (result instanceof AddressProblem) {
		const shown = part.trim() ? `${quote(part.trim())}: ${result.why}` : result.why === 'empty address' ? 'one side is empty' : result.why;
		throw invalid(field, position, entry, shown, result.code);
	}
	return result;
}

/** Like parseAddress but returns undefined instead of throwing. */
export function tryParseAddress(text: string): ParsedAddress | undefined {
	try {
		return parseAddress(text);
	} catch {
		return undefined;
	}
}

function withZone(address: string, zoneId?: string): string {
	return zoneId ? `${address}%${zoneId}` : address;
}

/** Parses one list entry: address, `a-b` range or CIDR block. */
export function parseEntry(text: string, position: number, field = 'ipList'): IpListEntry {
	const input = text.trim();
	if (input.length > MAX_ENTRY_LENGTH * 2 + 1) throw invalid(field, position, input, 'too long to be an IP address, range or CIDR block');
	const slash = input.indexOf('/');
	if (slash >= 0) {
		const host = input.slice(0, slash);
		const prefixText = input.slice(slash + 1);
		if (!/^\d{1,3}$/.test(prefixText)) throw invalid(field, position, input, 'the prefix length after "/" must be a whole number', 'INVALID_CIDR');
		const addr = parsePart(host, input, field, position);
		let prefix = Number(prefixText);
		if (addr.mapped) {
			if (prefix < 96 || prefix > 128)
				throw invalid(field, position, input, 'an IPv4-mapped block needs a prefix from 96 to 128', 'INVALID_CIDR');
			prefix -= 96;
		}
		const bits = BITS[addr.family];
		if (prefix > bits) throw invalid(field, position, input, `the prefix length must be from 0 to ${bits} for ${addr.family === 'ipv4' ? 'IPv4' : 'IPv6'}`, 'INVALID_CIDR');
		const size = 1n << BigInt(bits - prefix);
		const first = (addr.value / size) * size;
		const last = first + size - 1n;
		return { position, input, kind: 'cidr', family: addr.family, first, last, display: `${withZone(bigIntToAddress(first, addr.family), addr.zoneId)}/${prefix}` };
	}
	const dash = input.indexOf('-');
	if (dash >= 0) {
		const a = parsePart(input.slice(0, dash), input, field, position);
		const b = parsePart(input.slice(dash + 1), input, field, position);
		if (a.family !== b.family)
			throw invalid(field, position, input, `a range cannot mix IPv4 and IPv6 (${a.address} is ${a.family === 'ipv4' ? 'IPv4' : 'IPv6'}, ${b.address} is ${b.family === 'ipv4' ? 'IPv4' : 'IPv6'})`, 'MIXED_RANGE');
		if (a.value > b.value)
			throw invalid(field, position, input, `the range is reversed (${a.address} comes after ${b.address}); write the lower address first`, 'REVERSED_RANGE');
		return {
			position,
			input,
			kind: 'range',
			family: a.family,
			first: a.value,
			last: b.value,
			display: `${withZone(a.address, a.zoneId)}-${withZone(b.address, b.zoneId)}`,
		};
	}
	const addr = parsePart(input, input, field, position);
	return { position, input, kind: 'single', family: addr.family, first: addr.value, last: addr.value, display: withZone(addr.address, addr.zoneId) };
}

/** Splits list text into entries: commas, semicolons, new lines and spaces separate; `a - b` is one range. */
export function splitList(text: string | string[]): string[] {
	const joined = Array.isArray(text) ? text.join('\n') : text;
	if (typeof joined !== 'string') return [];
	return joined
		.replace(/\s*[-\u2013]\s*/g, '-')
		.split(/[\s,;]+/)
		.filter((part) => part.length > 0);
}

export interface Interval {
	family: IpFamily;
	first: bigint;
	last: bigint;
}

/** Sorted, merged (overlapping and adjacent joined) intervals per family. */
export function mergeIntervals(intervals: Interval[]): Interval[] {
	const sorted = [...intervals].sort((x, y) =>
		x.family !== y.family ? (x.family === 'ipv4' ? -1 : 1) : x.first < y.first ? -1 : x.first > y.first ? 1 : 0,
	);
	const out: Interval[] = [];
	for (const iv of sorted) {
		const prev = out[out.length - 1];
		if (prev && prev.family === iv.family && iv.first <= prev.last + 1n) {
			if (iv.last > prev.last) prev.last = iv.last;
		} else {
			out.push({ ...iv });
		}
	}
	return out;
}

/** The fewest CIDR blocks that exactly cover [first, last]. */
export function intervalToCidrs(iv: Interval): string[] {
	const bits = BITS[iv.family];
	const out: string[] = [];
	let start = iv.first;
	while (start <= iv.last) {
		let size = start === 0n ? 1n << BigInt(bits) : start & -start; // largest aligned block
		while (start + size - 1n > iv.last) size >>= 1n;
		let prefix = bits;
		for (let s = size; s > 1n; s >>= 1n) prefix--;
		out.push(`${bigIntToAddress(start, iv.family)}/${prefix}`);
		start += size;
		if (start > MAX[iv.family]) break;
	}
	return out;
}

export class IpList {
	readonly entries: readonly IpListEntry[];
	private readonly merged: Interval[];

	constructor(entries: IpListEntry[]) {
		this.entries = entries;
		this.merged = mergeIntervals(entries.map((e) => ({ family: e.family, first: e.first, last: e.last })));
	}

	/** Parses a list; throws LpError('input') on the first malformed entry (quoted, with its position). */
	static parse(text: string | string[], field = 'ipList'): IpList {
		const parts = splitList(text);
		return new IpList(parts.map((part, i) => parseEntry(part, i + 1, field)));
	}

	get size(): number {
		return this.entries.length;
	}

	/** Merged intervals (sorted, IPv4 first). */
	get intervals(): readonly Interval[] {
		return this.merged;
	}

	/** True when the address (strictly parsed; mapped IPv6 as IPv4; zone id ignored) is in the list. */
	matches(ip: string | ParsedAddress): boolean {
		const addr = typeof ip === 'string' ? parseAddress(ip) : ip;
		return this.containsValue(addr.family, addr.value);
	}

	/** The first entry (in list order) containing the address, for explanations. */
	matchingEntry(ip: string | ParsedAddress): IpListEntry | undefined {
		const addr = typeof ip === 'string' ? parseAddress(ip) : ip;
		return this.entries.find((e) => e.family === addr.family && e.first <= addr.value && addr.value <= e.last);
	}

	containsValue(family: IpFamily, value: bigint): boolean {
		let lo = 0;
		let hi = this.merged.length - 1;
		while (lo <= hi) {
			const mid = (lo + hi) >> 1;
			const iv = this.merged[mid];
			const cmp = iv.family !== family ? (iv.family === 'ipv4' ? -1 : 1) : iv.last < value ? -1 : iv.first > value ? 1 : 0;
			if (cmp === 0) return true;
			if (cmp < 0) lo = mid + 1;
			else hi = mid - 1;
		}
		return false;
	}
}

export interface ClientIpResolution {
	/** The client address (canonical), or the raw text when `valid` is false. */
	ip: string;
	valid: boolean;
	/** Why the address could not be used (malformed hop). */
	reason?: string;
	/** The hops considered, left (client side) to right (closest proxy), ending with the peer address. */
	chain: string[];
	/** True when the address came from X-Forwarded-For rather than the peer address. */
	fromForwardedFor: boolean;
}

/** Strips a port from `1.2.3.4:80` and `[::1]:80`, and surrounding quotes (RFC 7239 style). */
function stripHop(hop: string): string {
	let h = hop.trim().replace(/^"(.*)"$/, '$1');
	const bracket = /^\[([^\]]+)\](?::\d+)?$/.exec(h);
	if (bracket) return bracket[1];
	const v4port = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(h);
	if (v4port) h = v4port[1];
	return h;
}

/**
 * The client address behind trusted proxies: the chain is X-Forwarded-For's hops followed by the
 * peer (`remoteAddress`); walking from the right, the first address that is NOT a trusted proxy is
 * the client. If every hop is trusted, the left-most is. A malformed hop reached in the walk makes
 * the result invalid (never guessed past: anything left of it is attacker-controlled).
 */
export function resolveClientIp(options: {
	remoteAddress: string;
	forwardedFor?: string | string[];
	trustedProxies?: IpList;
}): ClientIpResolution {
	const xff = Array.isArray(options.forwardedFor) ? options.forwardedFor.join(',') : options.forwardedFor ?? '';
	const hops = xff
		.split(',')
		.map((h) => stripHop(h))
		.filter((h) => h.length > 0);
	const chain = [...hops, stripHop(options.remoteAddress ?? '')];
	const trusted = options.trustedProxies;
	for (let i = chain.length - 1; i >= 0; i--) {
		const addr = tryParseAddress(chain[i]);
		const fromForwardedFor = i < chain.length - 1;
		if (!addr) return { ip: chain[i], valid: false, reason: `${fromForwardedFor ? 'X-Forwarded-For hop' : 'peer address'} ${quote(chain[i])} is not an IP address`, chain, fromForwardedFor };
		if (!trusted || !trusted.containsValue(addr.family, addr.value) || i === 0) {
			return { ip: addr.address, valid: true, chain, fromForwardedFor };
		}
	}
	return { ip: '', valid: false, reason: 'no address given', chain, fromForwardedFor: false };
}

export interface LivePersonNormalisedList {
	/** Merged IPv4 blocks, sorted. */
	cidrs: string[];
	/** Merged IPv4 ranges, sorted: `{ from, to }` (LivePerson's "Add Range" takes a from/to pair). */
	ranges: Array<{ from: string; to: string }>;
	/** The same ranges as `a-b` text (a single address as `a`). */
	rangeText: string[];
	/** IPv6 entries: LivePerson's IP restriction takes IPv4 only. */
	notAccepted: Array<{ position: number; entry: string; reason: string }>;
	/** Number of IPv4 addresses covered. */
	addressCount: number;
}

/** Merges and sorts a list into the shapes LivePerson's IP Restriction UI takes (IPv4 only). */
export function normaliseForLivePerson(list: IpList | string | string[], field = 'ipList'): LivePersonNormalisedList {
	const parsed = list instanceof IpList ? list : IpList.parse(list, field);
	const v4 = mergeIntervals(parsed.entries.filter((e) => e.family === 'ipv4'));
	const ranges = v4.map((iv) => ({ from: bigIntToAddress(iv.first, 'ipv4'), to: bigIntToAddress(iv.last, 'ipv4') }));
	return {
		cidrs: v4.flatMap((iv) => intervalToCidrs(iv)),
		ranges,
		rangeText: ranges.map((r) => (r.from === r.to ? r.from : `${r.from}-${r.to}`)),
		notAccepted: parsed.entries
			.filter((e) => e.family === 'ipv6')
			.map((e) => ({ position: e.position, entry: e.display, reason: "IPv6 is not accepted by LivePerson's IP restriction (IPv4 only)" })),
		addressCount: Number(v4.reduce((n, iv) => n + (iv.last - iv.first + 1n), 0n)),
	};
}
