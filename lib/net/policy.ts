/**
 * Outbound network policy (SSRF guard) for requests to user-supplied URLs.
 *
 * Three checkpoints, because each one alone can be bypassed:
 * 1. `checkUrl()` before sending: scheme, and IP-literal hosts (a `lookup` hook is never called for
 *    literals). WHATWG URL has already turned inet_aton forms (`http://0x7f.1/`) into dotted decimal.
 * 2. `lookup` (dns.lookup-compatible) at connect time: every A and AAAA answer is checked, and the
 *    connection is refused when ANY answer is blocked (a name with one public and one internal
 *    address is refused rather than raced).
 * 3. `guardConnector()` after connect: `socket.remoteAddress` is checked, which catches DNS
 *    rebinding between the check and the connect, and connectors built without the lookup hook.
 *
 * Blocked by default: loopback, private (10/8, 172.16/12, 192.168/16), link-local (incl. the cloud
 * metadata address 169.254.169.254), carrier-grade NAT 100.64/10, unique-local fc00::/7,
 * multicast, unspecified, reserved/broadcast, and IPv6 forms embedding a blocked IPv4 address
 * (IPv4-mapped ::ffff:0:0/96, IPv4-compatible ::/96, IPv4-translated ::ffff:0:0:0/96, NAT64
 * 64:ff9b::/96 and 64:ff9b:1::/48 in every RFC 6052 layout (/32 to /96), 6to4 2002::/16, Teredo 2001::/32).
 */
import { createHash } from 'node:crypto';
import dns from 'node:dns';
import net from 'node:net';
import ipaddr from 'ipaddr.js';
import { Agent, buildConnector } from 'undici';
import { LpError, safeUrl } from '../errors';
import { sharedDispatcher } from '../http/dispatchers';
import { IpList, splitList } from './ip-list';
import { AdminRules, hostMatches, processSsrfRules } from './n8n-ssrf';

export const BLOCKED_CLASSES = [
	'loopback',
	'private',
	'linkLocal',
	'carrierGradeNat',
	'uniqueLocal',
	'multicast',
	'unspecified',
	'reserved',
] as const;
export type BlockedClass = (typeof BLOCKED_CLASSES)[number];

/** The n8n option name users change to allow a destination; quoted in every refusal. */
export const ALLOW_OPTION_NAME = 'Allowed Internal Networks';
const ALLOW_FIELD = 'allowedInternalNetworks';

export interface ResolvedAddress {
	address: string;
	family: number;
}

export interface OutboundPolicyOptions {
	/** Default true. When false every destination is allowed. */
	enabled?: boolean;
	/** CIDR blocks, ranges, single IPs, or class names (see BLOCKED_CLASSES) that are allowed. */
	allow?: string[];
	/**
	 * Name resolution used by `lookup` (A and AAAA). Default: `dns.lookup(host, { all: true })`.
	 * Tests inject a resolver here.
	 */
	resolver?: (hostname: string) => Promise<ResolvedAddress[]>;
	/** n8n's SSRF settings (lib/net/n8n-ssrf.ts). Default: read from this process's environment. */
	admin?: AdminRules | null;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void;

const CLASS_LABEL: Record<BlockedClass, string> = {
	loopback: 'loopback',
	private: 'private network',
	linkLocal: 'link-local',
	carrierGradeNat: 'carrier-grade NAT',
	uniqueLocal: 'unique-local',
	multicast: 'multicast',
	unspecified: 'unspecified',
	reserved: 'reserved',
};

const V4_CLASS: Record<string, BlockedClass | undefined> = {
	unspecified: 'unspecified',
	broadcast: 'reserved',
	multicast: 'multicast',
	linkLocal: 'linkLocal',
	loopback: 'loopback',
	carrierGradeNat: 'carrierGradeNat',
	private: 'private',
	reserved: 'reserved',
};

const V6_CLASS: Record<string, BlockedClass | undefined> = {
	unspecified: 'unspecified',
	linkLocal: 'linkLocal',
	multicast: 'multicast',
	loopback: 'loopback',
	uniqueLocal: 'uniqueLocal',
	deprecatedSiteLocal: 'uniqueLocal',
	discard: 'reserved',
	benchmarking: 'reserved',
	reserved: 'reserved',
	deprecatedOrchid: 'reserved',
	orchid2: 'reserved',
	segmentRouting: 'reserved',
	droneRemoteIdProtocolEntityTags: 'reserved',
};

const resolverIds = new WeakMap<object, number>();
let nextResolverId = 1;

function defaultResolver(hostname: string): Promise<ResolvedAddress[]> {
	return new Promise((resolve, reject) => {
		dns.lookup(hostname, { all: true, family: 0 }, (err, addresses) => (err ? reject(err) : resolve(addresses)));
	});
}

/** Lenient parse of an address as the OS would read it (sockets and DNS give canonical forms). */
function parseLoose(ip: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
	let text = ip.trim();
	if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
	const pct = text.indexOf('%');
	if (pct >= 0 && text.includes(':')) text = text.slice(0, pct);
	if (!ipaddr.isValid(text)) return undefined;
	return ipaddr.parse(text);
}

function v4FromBits(v6: ipaddr.IPv6, byteOffset: number, xor = false): ipaddr.IPv4 {
	const b = v6.toByteArray().slice(byteOffset, byteOffset + 4);
	return new ipaddr.IPv4(xor ? b.map((x) => x ^ 0xff) : b);
}

/**
 * RFC 6052 §2.2: the bytes holding the IPv4 address in an IPv4-embedded IPv6 address, per NAT64
 * prefix length. Bits 64-71 (byte 8, the "u" octet) never hold IPv4 bits, so the /40-/64 layouts
 * skip it.
 */
const NAT64_LAYOUTS: ReadonlyArray<readonly [prefix: number, bytes: readonly number[]]> = [
	[32, [4, 5, 6, 7]],
	[40, [5, 6, 7, 9]],
	[48, [6, 7, 9, 10]],
	[56, [7, 9, 10, 11]],
	[64, [9, 10, 11, 12]],
	[96, [12, 13, 14, 15]],
];

/**
 * The IPv4 addresses a NAT64 translator could read from an address under 64:ff9b::/32, which holds
 * the well-known prefix 64:ff9b::/96 (RFC 6052) and the local-use prefix 64:ff9b:1::/48 (RFC 8215).
 * The prefix length a translator uses is its operator's choice and cannot be seen in the address,
 * so every layout is decoded (the "u" octet is skipped, not required to be zero: a translator
 * ignores it). Candidates in 0.0.0.0/8 are dropped: "this network" is never a destination, and
 * every other layout of an ordinary /96 address decodes into it (64:ff9b::8.8.8.8 as /32 is
 * 0.0.0.0). When none is left the address embeds nothing usable and is refused as reserved.
 * A blocked candidate blocks the address; an intended destination whose other layouts look
 * internal can be allowed by its IPv6 range in "Allowed Internal Networks".
 */
function nat64Candidates(v6: ipaddr.IPv6): ipaddr.IPv4[] {
	const bytes = v6.toByteArray();
	const seen = new Set<string>();
	const out: ipaddr.IPv4[] = [];
	for (const [, at] of NAT64_LAYOUTS) {
		const v4 = new ipaddr.IPv4(at.map((i) => bytes[i]));
		if (v4.octets[0] === 0) continue;
		const key = v4.toString();
		if (seen.has(key)) continue;
		seen.add(key);
		out.push(v4);
	}
	return out;
}

/** IPv4 addresses embedded in an IPv6 address by the transition mechanisms, if any. */
export function embeddedIpv4(v6: ipaddr.IPv6): ipaddr.IPv4[] {
	const p = v6.parts;
	if (v6.isIPv4MappedAddress()) return [v6.toIPv4Address()];
	// IPv4-compatible ::a.b.c.d (deprecated), but not :: and ::1.
	if (p.slice(0, 6).every((x) => x === 0) && (p[6] !== 0 || p[7] > 1)) return [v4FromBits(v6, 12)];
	// IPv4-translated ::ffff:0:a.b.c.d (RFC 6145/2765).
	if (p.slice(0, 4).every((x) => x === 0) && p[4] === 0xffff && p[5] === 0) return [v4FromBits(v6, 12)];
	// NAT64: well-known prefix 64:ff9b::/96 and local-use 64:ff9b:1::/48, every RFC 6052 layout.
	if (p[0] === 0x64 && p[1] === 0xff9b) return nat64Candidates(v6);
	// 6to4 2002:AABB:CCDD::/48.
	if (p[0] === 0x2002) return [v4FromBits(v6, 2)];
	// Teredo 2001:0::/32: server at bits 32-63, client obfuscated (xor) in the last 32 bits.
	if (p[0] === 0x2001 && p[1] === 0) return [v4FromBits(v6, 4), v4FromBits(v6, 12, true)];
	return [];
}

function classOf(addr: ipaddr.IPv4 | ipaddr.IPv6): BlockedClass | undefined {
	if (addr.kind() === 'ipv4') return V4_CLASS[addr.range()];
	const v6 = addr as ipaddr.IPv6;
	const named = V6_CLASS[v6.range()];
	if (named) return named;
	// Outside global unicast 2000::/3 and not one of the named ranges: not routable on the Internet.
	if ((v6.parts[0] & 0xe000) !== 0x2000 && embeddedIpv4(v6).length === 0) return 'reserved';
	return undefined;
}

export class OutboundPolicy {
	readonly enabled: boolean;
	readonly fingerprint: string;
	private readonly allowedClasses = new Set<BlockedClass>();
	private readonly allowedNetworks: IpList;
	private readonly resolver: (hostname: string) => Promise<ResolvedAddress[]>;
	private readonly admin: AdminRules | undefined;

	constructor(options: OutboundPolicyOptions = {}) {
		this.enabled = options.enabled !== false;
		this.admin = options.admin === undefined ? processSsrfRules() : (options.admin ?? undefined);
		const networks: string[] = [];
		for (const item of splitList(options.allow ?? [])) {
			const asClass = BLOCKED_CLASSES.find((c) => c.toLowerCase() === item.toLowerCase());
			if (asClass) this.allowedClasses.add(asClass);
			else networks.push(item);
		}
		this.allowedNetworks = IpList.parse(networks, ALLOW_FIELD);
		this.resolver = options.resolver ?? defaultResolver;
		let resolverId = 0;
		if (options.resolver) {
			resolverId = resolverIds.get(options.resolver) ?? nextResolverId++;
			resolverIds.set(options.resolver, resolverId);
		}
		const canonical = JSON.stringify({
			enabled: this.enabled,
			classes: [...this.allowedClasses].sort(),
			networks: this.allowedNetworks.intervals.map((iv) => `${iv.family}:${iv.first}-${iv.last}`),
			resolver: resolverId,
			admin: this.admin?.key ?? '',
		});
		this.fingerprint = createHash('sha256').update(canonical).digest('hex').slice(0, 32);
	}

	private isAllowed(addr: ipaddr.IPv4 | ipaddr.IPv6, cls: BlockedClass): boolean {
		if (this.allowedClasses.has(cls)) return true;
		return this.allowedNetworks.matches(addr.toString());
	}

	/** The blocked class name of an address, or undefined when it may be contacted. */
	classify(ip: string): string | undefined {
		return this.explain(ip)?.cls;
	}

	/** Verdicts per address string (the policy is immutable): the same host is checked for every item. */
	private readonly verdicts = new Map<string, { cls: BlockedClass; via?: string; admin?: boolean } | null>();

	private explain(ip: string): { cls: BlockedClass; via?: string; admin?: boolean } | undefined {
		if (!this.enabled) return undefined;
		const known = this.verdicts.get(ip);
		if (known !== undefined) return known ?? undefined;
		const verdict = this.judge(ip);
		if (this.verdicts.size >= 1024) this.verdicts.clear();
		this.verdicts.set(ip, verdict ?? null);
		return verdict;
	}

	/**
	 * THE decision for one address. An input stands for several addresses: itself and, for IPv6,
	 * every IPv4 address a transition mechanism could deliver it to (mapped, compatible, translated,
	 * every NAT64 layout, 6to4, Teredo: `embeddedIpv4`). Every list sees every one of them:
	 *   1. the admin's block list (N8N_SSRF_BLOCKED_IP_RANGES): ANY form it names refuses the address,
	 *      unless the admin's own exceptions (N8N_SSRF_ALLOWED_IP_RANGES) name that same form;
	 *   2. the value itself in the admin's exceptions or the workflow's "Allowed Internal Networks":
	 *      allowed (the embedded forms of an IPv6 range the user named are the user's intent);
	 *   3. the package's default block list: ANY form in a blocked class refuses the address, unless
	 *      the workflow allows that form (class or range) or the admin's exceptions name it.
	 * A workflow's allowance never overrides step 1: an admin block is seen in every spelling.
	 */
	private judge(ip: string): { cls: BlockedClass; via?: string; admin?: boolean } | undefined {
		const addr = parseLoose(ip);
		if (!addr) return { cls: 'reserved', via: 'is not an IP address' };
		const embedded = addr.kind() === 'ipv6' ? embeddedIpv4(addr as ipaddr.IPv6) : [];
		const forms: Array<ipaddr.IPv4 | ipaddr.IPv6> = [addr, ...embedded];
		const via = (form: ipaddr.IPv4 | ipaddr.IPv6) => (form === addr ? undefined : `embeds IPv4 ${form.toString()}`);
		const admin = this.admin;
		const adminAllows = (form: ipaddr.IPv4 | ipaddr.IPv6) => !!admin && admin.allowedRanges.matches(form.toString());
		if (admin) {
			for (const form of forms) {
				if (admin.blockedRanges.matches(form.toString()) && !adminAllows(form)) return { cls: classOf(form) ?? 'reserved', via: via(form), admin: true };
			}
		}
		if (adminAllows(addr) || this.allowedNetworks.matches(addr.toString())) return undefined;
		for (const form of forms) {
			const cls = classOf(form);
			if (cls && !this.isAllowed(form, cls) && !adminAllows(form)) return { cls, via: via(form) };
		}
		return undefined;
	}

	/** Throws LpError('blocked') when the address may not be contacted. */
	checkAddress(ip: string, host?: string): void {
		if (host && this.adminAllowsHost(host)) return;
		const verdict = this.explain(ip);
		if (!verdict) return;
		const shown = host && host !== ip ? `${host} (${ip})` : ip;
		if (verdict.admin) {
			throw new LpError('blocked', `Blocked request to ${shown}: ${verdict.via ? `it ${verdict.via}, an address` : 'this address'} the n8n administrator blocks (N8N_SSRF_BLOCKED_IP_RANGES)`, {
				code: 'BLOCKED_BY_N8N',
				hint: 'n8n\'s SSRF settings win over a node\'s "Allowed Internal Networks": ask the administrator to add the range to N8N_SSRF_ALLOWED_IP_RANGES (or the host to N8N_SSRF_ALLOWED_HOSTNAMES).',
			});
		}
		const label = CLASS_LABEL[verdict.cls];
		throw new LpError(
			'blocked',
			`Blocked request to ${shown}: ${verdict.via ? `it ${verdict.via}, ` : ''}${label} address (class "${verdict.cls}"). ` +
				`Add "${verdict.cls}" or the address range to the "${ALLOW_OPTION_NAME}" option to allow it.`,
			{
				code: 'BLOCKED_ADDRESS',
				field: ALLOW_FIELD,
				hint: `Requests to internal networks are refused by default (SSRF protection). If this destination is intended, add "${verdict.cls}" or a CIDR block such as ${suggestedBlock(ip)} to "${ALLOW_OPTION_NAME}".`,
			},
		);
	}

	/** Checks the scheme and, for IP-literal hosts, the address. Host names are checked at lookup. */
	checkUrl(url: URL): void {
		if (url.protocol !== 'http:' && url.protocol !== 'https:') {
			throw new LpError('blocked', `Blocked request to ${safeUrl(url)}: only http and https URLs are allowed (got "${url.protocol.replace(/:$/, '')}")`, {
				code: 'BLOCKED_SCHEME',
				field: 'url',
			});
		}
		if (!this.enabled) return;
		this.checkHostName(url.hostname);
		const literal = hostLiteral(url.hostname);
		if (literal) this.checkAddress(literal, url.hostname);
	}

	/** True when n8n's N8N_SSRF_ALLOWED_HOSTNAMES names this host: its addresses are not checked. */
	private adminAllowsHost(hostname: string): boolean {
		return !!this.admin && !hostLiteral(hostname) && hostMatches(hostname, this.admin.allowedHostnames) && !hostMatches(hostname, this.admin.blockedHostnames);
	}

	/** Refuses a host name the n8n administrator blocked (N8N_SSRF_BLOCKED_HOSTNAMES). */
	checkHostName(hostname: string): void {
		if (!this.enabled || !this.admin || !hostMatches(hostname, this.admin.blockedHostnames)) return;
		throw new LpError('blocked', `Blocked request to ${hostname}: the n8n administrator blocks this host name (N8N_SSRF_BLOCKED_HOSTNAMES)`, {
			code: 'BLOCKED_BY_N8N',
			hint: 'Ask the n8n administrator, or use another host.',
		});
	}

	/** Resolves A and AAAA and checks every answer; throws LpError('blocked') if any is blocked. */
	async resolve(hostname: string): Promise<ResolvedAddress[]> {
		this.checkHostName(hostname);
		const literal = hostLiteral(hostname);
		if (literal) {
			this.checkAddress(literal, hostname);
			return [{ address: literal, family: net.isIPv6(literal) ? 6 : 4 }];
		}
		const answers = await this.resolver(hostname);
		if (!answers.length) {
			const err = new Error(`getaddrinfo ENOTFOUND ${hostname}`) as NodeJS.ErrnoException;
			err.code = 'ENOTFOUND';
			throw err;
		}
		for (const a of answers) this.checkAddress(a.address, hostname);
		return answers;
	}

	/** dns.lookup-compatible hook for net/tls `connect` (`all: true` used by Happy Eyeballs). */
	lookup: (hostname: string, options: dns.LookupOptions | number | LookupCallback, callback?: LookupCallback) => void = (
		hostname,
		options,
		callback,
	) => {
		const cb = (typeof options === 'function' ? options : callback) as LookupCallback;
		const opts: dns.LookupOptions = typeof options === 'number' ? { family: options } : typeof options === 'object' && options ? options : {};
		this.resolve(hostname).then(
			(answers) => {
				const wanted = opts.family === 4 || opts.family === 6 ? answers.filter((a) => a.family === opts.family) : answers;
				if (!wanted.length) {
					const err = new Error(`getaddrinfo ENOTFOUND ${hostname}`) as NodeJS.ErrnoException;
					err.code = 'ENOTFOUND';
					cb(err, '', 0);
					return;
				}
				if (opts.all) cb(null, wanted.map((a) => ({ address: a.address, family: a.family })));
				else cb(null, wanted[0].address, wanted[0].family);
			},
			(err: NodeJS.ErrnoException) => cb(err, '', 0),
		);
	};
}

function suggestedBlock(ip: string): string {
	const addr = parseLoose(ip);
	if (!addr) return '127.0.0.0/8';
	if (addr.kind() === 'ipv4') return `${addr.toString()}/32`;
	const v6 = addr as ipaddr.IPv6;
	return v6.isIPv4MappedAddress() ? `${v6.toIPv4Address().toString()}/32` : `${v6.toString()}/128`;
}

/** The address when `hostname` (as in URL.hostname, IPv6 bracketed) is an IP literal. */
export function hostLiteral(hostname: string): string | undefined {
	const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
	if (net.isIP(bare)) return bare;
	const pct = bare.indexOf('%');
	if (pct > 0 && net.isIPv6(bare.slice(0, pct))) return bare.slice(0, pct);
	return undefined;
}

/** Options to pass to `buildConnector()` so that host names resolve through the policy. */
export function policyConnectOptions(policy: OutboundPolicy): { lookup: OutboundPolicy['lookup'] } {
	return { lookup: policy.lookup };
}

/**
 * Wraps a connector: IP-literal hostnames are checked before connecting; host names are checked
 * by the policy's lookup when the base connector was built with `policyConnectOptions(policy)`;
 * and in every case `socket.remoteAddress` is checked once connected (DNS rebinding, or a base
 * connector that resolves names another way). A refused socket is destroyed before any request
 * byte is written.
 */
export function guardConnector(policy: OutboundPolicy, base: buildConnector.connector): buildConnector.connector {
	if (!policy.enabled) return base;
	return (options, callback) => {
		const literal = hostLiteral(options.hostname);
		if (literal) {
			try {
				policy.checkAddress(literal, options.hostname);
			} catch (error) {
				callback(error as Error, null);
				return;
			}
		}
		base(options, (err, socket) => {
			if (err || !socket) {
				callback(err ?? new Error('connect failed'), null);
				return;
			}
			try {
				const remote = socket.remoteAddress;
				if (!remote) {
					throw new LpError('blocked', `Blocked request to ${options.hostname}: the connected address could not be read`, {
						code: 'BLOCKED_ADDRESS',
						field: ALLOW_FIELD,
					});
				}
				policy.checkAddress(remote, options.hostname);
			} catch (error) {
				socket.destroy();
				callback(error as Error, null);
				return;
			}
			callback(null, socket);
		});
	};
}

const policyMemo = new Map<string, OutboundPolicy>();

/**
 * The policy for an "Allowed Internal Networks" text (comma/space/newline separated ranges or
 * class names), built once per distinct text: nodes call this per item, and parsing the list and
 * hashing its fingerprint per item showed in the benchmark's profile. A text that does not parse
 * throws every time (nothing is memoised for it).
 */
export function policyForAllowText(allowText: string | undefined): OutboundPolicy {
	const text = (allowText ?? '').trim();
	// n8n's SSRF settings are part of the key: a changed environment gives a new policy.
	const key = `${text}\u0000${processSsrfRules()?.key ?? ''}`;
	let policy = policyMemo.get(key);
	if (!policy) {
		policy = new OutboundPolicy({ allow: text ? [text] : [] });
		if (policyMemo.size >= 64) policyMemo.delete(policyMemo.keys().next().value as string);
		policyMemo.set(key, policy);
	}
	return policy;
}

const dispatchers = new Map<string, Agent>();

/** A keep-alive Agent enforcing the policy, one per policy fingerprint (for non-mTLS requests). */
export function policyDispatcher(policy: OutboundPolicy): Agent {
	if (!policy.enabled) return sharedDispatcher();
	let agent = dispatchers.get(policy.fingerprint);
	if (!agent) {
		const base = buildConnector({ ...policyConnectOptions(policy), timeout: 10_000 } as buildConnector.BuildOptions);
		agent = new Agent({
			keepAliveTimeout: 30_000,
			keepAliveMaxTimeout: 120_000,
			connections: 64,
			connect: guardConnector(policy, base),
		});
		dispatchers.set(policy.fingerprint, agent);
	}
	return agent;
}
