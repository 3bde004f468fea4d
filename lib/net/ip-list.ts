/**
 * IP address lists: single addresses, ranges `a-b` and CIDR blocks, IPv4 and IPv6.
 *
 * - IPv4 is strict: only four-part decimal (`isValidFourPartDecimal`). The inet_aton forms that
 *   `ipaddr.IPv4.parse` and many C libraries accept (`0x7f.1`, `017.0.0.1` = 15.0.0.1,
 *   `2130706433`, `127.1`) are refused with a message saying why: they are a classic way to sneak a
 *   different address past a reviewer.
 * - One rule for every IPv6 spelling: an IPv6 address is its 128-bit value, however it is written
 *   (compressed or zero-padded groups, upper or lower case, a dotted or a hex IPv4 tail). On top of
 *   that, IPv4-mapped addresses (::ffff:0:0/96: `::ffff:10.0.0.1`, `::ffff:a00:1`,
 *   `0000:0000::ffff:10.0.0.1`) ARE the IPv4 host (dual-stack sockets report IPv4 clients that way)
 *   and are normalised to IPv4, also in CIDR blocks with a prefix of 96 or more.
 *   Every other form embedding an IPv4 address is NOT that IPv4 host: the deprecated
 *   IPv4-compatible form (`::10.0.0.1` = `0::10.0.0.1` = `::a00:1`, RFC 4291 §2.5.5.1), NAT64,
 *   6to4 and `::ffff:0:a.b.c.d` match only IPv6 entries that contain them, never an IPv4 entry.
 *   For an allow list that is the safe side (a spelling cannot borrow an IPv4 entry's permission),
 *   and no socket reports a client in those forms. (ipaddr.js reads exactly `::a.b.c.d` as
 *   IPv4-mapped; the dotted tail is converted to hex groups before parsing to avoid that.)
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
	if (family === 'ipv4') return ipv4Text(Number(value));
	const count = 16;
	const bytes: number[] = new Array(count);
	let v = value;
	for (let i = count - 1; i >= 0; i--) {
		bytes[i] = Number(v & 0xffn);
		v >>= 8n;
	}
	return ipaddr.fromByteArray(bytes).toString();
}

const PLAIN_V4 = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})$/;

/**
 * Plain four-part decimal IPv4 without leading zeros (the canonical text) as a number, else
 * undefined. The fast path for large lists: no ipaddr.js objects, one BigInt per address.
 */
function plainIpv4(text: string): number | undefined {
	const m = PLAIN_V4.exec(text);
	if (!m) return undefined;
	const a = +m[1];
	const b = +m[2];
	const c = +m[3];
	const d = +m[4];
	if (a > 255 || b > 255 || c > 255 || d > 255) return undefined;
	return a * 16777216 + b * 65536 + c * 256 + d;
}

/** Dotted decimal text of a 32-bit number. */
function ipv4Text(n: number): string {
	return `${Math.floor(n / 16777216) % 256}.${Math.floor(n / 65536) % 256}.${Math.floor(n / 256) % 256}.${n % 256}`;
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
		// The dotted tail as two hex groups: `::10.0.0.1` and `0::10.0.0.1` must read alike.
		if (tail) {
			const [a, b, c, d] = tail[1].split('.').map(Number);
			body = `${body.slice(0, body.length - tail[1].length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
		}
		if (!ipaddr.IPv6.isValid(body)) return new AddressProblem('not a valid IPv6 address', 'INVALID_IP');
		const v6 = ipaddr.IPv6.parse(body);
		if (v6.isIPv4MappedAddress()) {
			const v4 = v6.toIPv4Address();
			return { family: 'ipv4', value: bytesToBigInt(v4.toByteArray()), address: v4.toString(), mapped: true, zoneId };
		}
		return { family: 'ipv6', value: bytesToBigInt(v6.toByteArray()), address: v6.toString(), zoneId };
	}
	const n = plainIpv4(raw);
	if (n !== undefined) return { family: 'ipv4', value: BigInt(n), address: raw };
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

/**
 * The common IPv4 entries (plain address, `a-b`, `a/p`) computed with numbers: two BigInts per
 * entry instead of a dozen intermediate ones (allocation and GC dominated 100k-entry lists).
 * Undefined for anything else, which then takes the general path (same results, and its errors).
 */
function plainIpv4Entry(input: string, position: number): IpListEntry | undefined {
	const slash = input.indexOf('/');
	if (slash >= 0) {
		const n = plainIpv4(input.slice(0, slash));
		const prefixText = input.slice(slash + 1);
		if (n === undefined || !/^\d{1,2}$/.test(prefixText)) return undefined;
		const prefix = Number(prefixText);
		if (prefix > 32) return undefined;
		const size = 2 ** (32 - prefix);
		const first = Math.floor(n / size) * size;
		return { position, input, kind: 'cidr', family: 'ipv4', first: BigInt(first), last: BigInt(first + size - 1), display: `${ipv4Text(first)}/${prefix}` };
	}
	const dash = input.indexOf('-');
	if (dash >= 0) {
		const a = plainIpv4(input.slice(0, dash));
		const b = a === undefined ? undefined : plainIpv4(input.slice(dash + 1));
		if (a === undefined || b === undefined || a > b) return undefined;
		return { position, input, kind: 'range', family: 'ipv4', first: BigInt(a), last: BigInt(b), display: `${input.slice(0, dash)}-${input.slice(dash + 1)}` };
	}
	const n = plainIpv4(input);
	if (n === undefined) return undefined;
	const value = BigInt(n);
	return { position, input, kind: 'single', family: 'ipv4', first: value, last: value, display: input };
}

/** Parses one list entry: address, `a-b` range or CIDR block. */
export function parseEntry(text: string, position: number, field = 'ipList'): IpListEntry {
	const input = text.trim();
	if (input.length > MAX_ENTRY_LENGTH * 2 + 1) throw invalid(field, position, input, 'too long to be an IP address, range or CIDR block');
	const fast = plainIpv4Entry(input, position);
	if (fast) return fast;
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

/**
 * Indices of `values` (integers from 0 to 2^32) ordered by value, then index. Sorts a
 * Float64Array of value * 2^bits + index natively (no comparator calls) while that stays exact.
 */
function sortedByValue(values: ArrayLike<number>): Uint32Array {
	const n = values.length;
	const bits = Math.max(1, Math.ceil(Math.log2(n + 1)));
	if (bits > 20) return Uint32Array.from({ length: n }, (_, i) => i).sort((x, y) => values[x] - values[y] || x - y);
	const scale = 2 ** bits;
	const keys = new Float64Array(n);
	for (let i = 0; i < n; i++) keys[i] = values[i] * scale + i;
	keys.sort();
	const out = new Uint32Array(n);
	for (let i = 0; i < n; i++) out[i] = keys[i] % scale;
	return out;
}

/** Sorted, merged (overlapping and adjacent joined) intervals per family. */
export function mergeIntervals(intervals: Interval[]): Interval[] {
	// IPv4 is sorted and merged as plain numbers (exact below 2^53): a bigint comparator made this
	// the slowest step for a 100k-entry list.
	const v4First: number[] = [];
	const v4Last: number[] = [];
	const v6: Interval[] = [];
	for (const iv of intervals) {
		if (iv.family === 'ipv4') {
			v4First.push(Number(iv.first));
			v4Last.push(Number(iv.last));
		} else v6.push(iv);
	}
	const order = sortedByValue(v4First);
	const out: Interval[] = [];
	let curFirst = -1;
	let curLast = -2;
	const flush = () => {
		if (curFirst >= 0) out.push({ family: 'ipv4', first: BigInt(curFirst), last: BigInt(curLast) });
	};
	for (const k of order) {
		const first = v4First[k];
		const last = v4Last[k];
		if (curFirst >= 0 && first <= curLast + 1) {
			if (last > curLast) curLast = last;
		} else {
			flush();
			curFirst = first;
			curLast = last;
		}
	}
	flush();
	v6.sort((x, y) => (x.first < y.first ? -1 : x.first > y.first ? 1 : 0));
	const firstV6 = out.length;
	for (const iv of v6) {
		const prev = out.length > firstV6 ? out[out.length - 1] : undefined;
		if (prev && iv.first <= prev.last + 1n) {
			if (iv.last > prev.last) prev.last = iv.last;
		} else {
			out.push({ family: 'ipv6', first: iv.first, last: iv.last });
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

/**
 * Disjoint, sorted segments of one family, each labelled with the first entry (in list order)
 * that contains it: `matchingEntry` is one binary search instead of a scan of every entry.
 * Boundaries are numbers for IPv4 (exact: below 2^53) and bigints for IPv6.
 */
interface Segments<T extends number | bigint> {
	starts: T[];
	ends: T[];
	/** Index into `entries` (list order). */
	entry: number[];
}

/** A min-heap of entry indices (the smallest index = the first entry in list order). */
class IndexHeap {
	readonly items: number[] = [];
	get size(): number {
		return this.items.length;
	}
	get top(): number {
		return this.items[0];
	}
	push(v: number): void {
		const h = this.items;
		h.push(v);
		let k = h.length - 1;
		while (k > 0) {
			const parent = (k - 1) >> 1;
			if (h[parent] <= v) break;
			h[k] = h[parent];
			k = parent;
		}
		h[k] = v;
	}
	pop(): void {
		const h = this.items;
		const last = h.pop() as number;
		if (!h.length) return;
		let k = 0;
		for (;;) {
			let child = 2 * k + 1;
			if (child >= h.length) break;
			if (child + 1 < h.length && h[child + 1] < h[child]) child++;
			if (h[child] >= last) break;
			h[k] = h[child];
			k = child;
		}
		h[k] = last;
	}
}

/**
 * Builds the segments with a sweep over the entry boundaries and a min-heap of list positions,
 * O(n log n). `first`/`last` give the bounds of entry i (only the entries in `own` are used);
 * `one` is 1 in the value type.
 */
function sweep<T extends number | bigint>(
	own: number[],
	first: (i: number) => T,
	last: (i: number) => T,
	one: T,
	sortValues: (v: T[]) => T[],
	sortByFirst: (own: number[]) => ArrayLike<number>,
): Segments<T> {
	const byFirst = sortByFirst(own);
	const raw: T[] = [];
	for (const i of own) raw.push(first(i), ((last(i) as bigint) + (one as bigint)) as T);
	const sorted = sortValues(raw);
	const points: T[] = [];
	for (const v of sorted) if (!points.length || points[points.length - 1] !== v) points.push(v);
	const heap = new IndexHeap();
	const out: Segments<T> = { starts: [], ends: [], entry: [] };
	let next = 0;
	for (let k = 0; k < points.length - 1; k++) {
		const p = points[k];
		while (next < byFirst.length && first(byFirst[next]) <= p) heap.push(byFirst[next++]);
		while (heap.size && last(heap.top) < p) heap.pop();
		if (!heap.size) continue;
		const end = ((points[k + 1] as bigint) - (one as bigint)) as T;
		const n = out.entry.length;
		if (n && out.entry[n - 1] === heap.top && ((out.ends[n - 1] as bigint) + (one as bigint)) === p) out.ends[n - 1] = end;
		else {
			out.starts.push(p);
			out.ends.push(end);
			out.entry.push(heap.top);
		}
	}
	return out;
}

/** Index of the segment containing `value`, or -1 (binary search on the starts). */
function findSegment<T extends number | bigint>(seg: Segments<T>, value: T): number {
	let lo = 0;
	let hi = seg.starts.length - 1;
	while (lo <= hi) {
		const mid = (lo + hi) >> 1;
		if (seg.starts[mid] <= value) lo = mid + 1;
		else hi = mid - 1;
	}
	return hi >= 0 && value <= seg.ends[hi] ? hi : -1;
}

export class IpList {
	readonly entries: readonly IpListEntry[];
	private readonly merged: Interval[];
	private segments?: { ipv4: Segments<number>; ipv6: Segments<bigint> };

	constructor(entries: IpListEntry[]) {
		this.entries = entries;
		this.merged = mergeIntervals(entries); // reads first/last only; returns new objects
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

	/**
	 * The first entry (in list order) containing the address, for explanations. O(log n): a binary
	 * search over precomputed segments (built on first use, O(n log n)).
	 */
	matchingEntry(ip: string | ParsedAddress): IpListEntry | undefined {
		const addr = typeof ip === 'string' ? parseAddress(ip) : ip;
		const segments = this.segments ?? (this.segments = this.buildSegments());
		if (addr.family === 'ipv4') {
			const k = findSegment(segments.ipv4, Number(addr.value));
			return k < 0 ? undefined : this.entries[segments.ipv4.entry[k]];
		}
		const k = findSegment(segments.ipv6, addr.value);
		return k < 0 ? undefined : this.entries[segments.ipv6.entry[k]];
	}

	private buildSegments(): { ipv4: Segments<number>; ipv6: Segments<bigint> } {
		const v4: number[] = [];
		const v6: number[] = [];
		for (let i = 0; i < this.entries.length; i++) (this.entries[i].family === 'ipv4' ? v4 : v6).push(i);
		const first4 = new Float64Array(this.entries.length);
		const last4 = new Float64Array(this.entries.length);
		for (const i of v4) {
			first4[i] = Number(this.entries[i].first);
			last4[i] = Number(this.entries[i].last);
		}
		return {
			ipv4: sweep<number>(
				v4,
				(i) => first4[i],
				(i) => last4[i],
				1,
				(v) => Array.from(Float64Array.from(v).sort()),
				(own) => {
					const order = sortedByValue(own.map((i) => first4[i]));
					return Array.from(order, (k) => own[k]);
				},
			),
			ipv6: sweep<bigint>(
				v6,
				(i) => this.entries[i].first,
				(i) => this.entries[i].last,
				1n,
				(v) => v.sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)),
				(own) => [...own].sort((x, y) => (this.entries[x].first < this.entries[y].first ? -1 : this.entries[x].first > this.entries[y].first ? 1 : x - y)),
			),
		};
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
