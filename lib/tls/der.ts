/**
 * A minimal BER/DER reader: enough to walk PKCS#12 / PKCS#8 structures and read the PBE/MAC
 * parameters (iteration counts) BEFORE any key derivation runs. Accepts indefinite lengths and
 * constructed OCTET STRINGs (BER, as written by some Windows/Java tools). Throws `DerError` on
 * anything truncated or malformed; never reads outside the buffer.
 */
export class DerError extends Error {}

export interface Tlv {
	/** Tag class: 0 universal, 1 application, 2 context, 3 private. */
	cls: number;
	constructed: boolean;
	/** Tag number (low-tag form only, < 31; high tags are rejected as not used by these formats). */
	tag: number;
	/** Offset of the first header byte in `buf`. */
	offset: number;
	/** Offset of the value (contents) in `buf`. */
	start: number;
	/** Offset just after the value (for indefinite length: before the end-of-contents octets). */
	end: number;
	/** Offset just after the whole element (including end-of-contents octets). */
	next: number;
	buf: Buffer;
}

export const TAG = { INTEGER: 2, BIT_STRING: 3, OCTET_STRING: 4, NULL: 5, OID: 6, SEQUENCE: 16, SET: 17 } as const;

const MAX_DEPTH = 32;

export function readTlv(buf: Buffer, offset = 0, limit = buf.length, depth = 0): Tlv {
	if (depth > MAX_DEPTH) throw new DerError('nesting too deep');
	if (offset + 2 > limit) throw new DerError('truncated');
	const first = buf[offset];
	const cls = first >> 6;
	const constructed = (first & 0x20) !== 0;
	const tag = first & 0x1f;
	if (tag === 0x1f) throw new DerError('high tag numbers are not supported');
	let pos = offset + 1;
	const lenByte = buf[pos++];
	if (lenByte === 0x80) {
		if (!constructed) throw new DerError('indefinite length on a primitive element');
		// Walk children until the end-of-contents octets (00 00).
		let child = pos;
		for (;;) {
			if (child + 2 > limit) throw new DerError('truncated');
			if (buf[child] === 0 && buf[child + 1] === 0) break;
			child = readTlv(buf, child, limit, depth + 1).next;
		}
		return { cls, constructed, tag, offset, start: pos, end: child, next: child + 2, buf };
	}
	let length = lenByte;
	if (lenByte & 0x80) {
		const count = lenByte & 0x7f;
		if (count > 4) throw new DerError('length too large');
		if (pos + count > limit) throw new DerError('truncated');
		length = 0;
		for (let i = 0; i < count; i++) length = length * 256 + buf[pos++];
	}
	const end = pos + length;
	if (end > limit) throw new DerError('truncated');
	return { cls, constructed, tag, offset, start: pos, end, next: end, buf };
}

/** Children of a constructed element. */
export function children(node: Tlv, depth = 0): Tlv[] {
	if (!node.constructed) throw new DerError('not a constructed element');
	const out: Tlv[] = [];
	let pos = node.start;
	while (pos < node.end) {
		const child = readTlv(node.buf, pos, node.end, depth + 1);
		out.push(child);
		pos = child.next;
		if (out.length > 100_000) throw new DerError('too many elements');
	}
	return out;
}

export function expect(node: Tlv | undefined, tag: number, cls = 0, what = 'element'): Tlv {
	if (!node || node.tag !== tag || node.cls !== cls) throw new DerError(`unexpected ${what}`);
	return node;
}

/** The whole element (header + value). */
export function whole(node: Tlv): Buffer {
	return node.buf.subarray(node.offset, node.next);
}

export function value(node: Tlv): Buffer {
	return node.buf.subarray(node.start, node.end);
}

/** The bytes of an OCTET STRING, joining the pieces of a constructed (BER) one. */
export function octets(node: Tlv): Buffer {
	if (!node.constructed) return value(node);
	return Buffer.concat(children(node).map(octets));
}

/** An unsigned INTEGER as a number; values above 2^48 come back as Infinity (callers cap them). */
export function integer(node: Tlv): number {
	const bytes = value(node);
	if (bytes.length === 0) throw new DerError('empty integer');
	if (bytes[0] & 0x80) return -1;
	let n = 0;
	for (const b of bytes) {
		n = n * 256 + b;
		if (n > 2 ** 48) return Infinity;
	}
	return n;
}

export function oid(node: Tlv): string {
	const bytes = value(node);
	if (bytes.length === 0) throw new DerError('empty OID');
	const parts: number[] = [];
	let acc = 0;
	for (const b of bytes) {
		acc = acc * 128 + (b & 0x7f);
		if (!(b & 0x80)) {
			parts.push(acc);
			acc = 0;
		}
	}
	const first = parts.shift() ?? 0;
	const head = first < 80 ? [Math.floor(first / 40), first % 40] : [2, first - 80];
	return [...head, ...parts].join('.');
}

/** Reads a buffer that must hold exactly one element (trailing bytes are refused). */
export function readRoot(buf: Buffer): Tlv {
	const root = readTlv(buf, 0);
	if (root.next !== buf.length) throw new DerError('trailing data');
	return root;
}
