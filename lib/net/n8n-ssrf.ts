/**
 * n8n's own SSRF settings (n8n ≥ 2.12, `@n8n/config` ssrf-protection), read so that an admin who set
 * them finds this package following them. Pure: the environment is passed in.
 *
 *   N8N_SSRF_BLOCKED_IP_RANGES    comma list of CIDRs; "default" expands to n8n's default list
 *   N8N_SSRF_ALLOWED_IP_RANGES    comma list of CIDRs: exceptions to every block list
 *   N8N_SSRF_ALLOWED_HOSTNAMES    host names (or "*.example.com") whose addresses are not checked
 *   N8N_SSRF_BLOCKED_HOSTNAMES    host names (or "*.example.com") always refused
 *   N8N_SSRF_PROTECTION_ENABLED   n8n's switch for ITS checks; this package's checks stay on either way
 *
 * Precedence (documented in the README): an admin-blocked host name is refused first; an
 * admin-allowed host name or IP range is then allowed; an admin-blocked IP range is refused even
 * when a node's or credential's "Allowed Internal Networks" names it; then the package's own
 * default block list minus "Allowed Internal Networks" decides. The admin's settings are set with
 * environment variables a workflow author cannot change, so they win over a workflow's options.
 */
import { inputError } from '../errors';
import { IpList } from './ip-list';

/** n8n's default N8N_SSRF_BLOCKED_IP_RANGES ("default"), as in @n8n/config 2.39. */
export const N8N_DEFAULT_BLOCKED_IP_RANGES = [
	'10.0.0.0/8',
	'172.16.0.0/12',
	'192.168.0.0/16',
	'127.0.0.0/8',
	'::1/128',
	'169.254.0.0/16',
	'fe80::/10',
	'fc00::/7',
	'fd00::/8',
	'0.0.0.0/8',
	'192.0.0.0/24',
	'192.0.2.0/24',
	'198.18.0.0/15',
	'198.51.100.0/24',
	'203.0.113.0/24',
];

export interface AdminRules {
	blockedRanges: IpList;
	allowedRanges: IpList;
	allowedHostnames: string[];
	blockedHostnames: string[];
	/** Stable text of the rules (part of the policy fingerprint). */
	key: string;
}

const list = (value: string | undefined) =>
	(value ?? '')
		.split(',')
		.map((v) => v.trim())
		.filter(Boolean);

const hostList = (value: string | undefined, name: string) =>
	list(value).map((h) => {
		const host = h.toLowerCase().replace(/\.$/, '');
		if (!/^(\*\.)?[a-z0-9_.-]+$/.test(host)) throw inputError(name, `${name}: "${h.slice(0, 60)}" is not a host name or *.domain pattern`, undefined, 'N8N_SSRF_SETTING');
		return host;
	});

/** The admin rules in `env`, or undefined when none of the settings is set. */
export function n8nSsrfRules(env: Record<string, string | undefined>): AdminRules | undefined {
	const blocked = list(env.N8N_SSRF_BLOCKED_IP_RANGES).flatMap((v) => (v.toLowerCase() === 'default' ? N8N_DEFAULT_BLOCKED_IP_RANGES : [v]));
	const allowed = list(env.N8N_SSRF_ALLOWED_IP_RANGES);
	const allowedHostnames = hostList(env.N8N_SSRF_ALLOWED_HOSTNAMES, 'N8N_SSRF_ALLOWED_HOSTNAMES');
	const blockedHostnames = hostList(env.N8N_SSRF_BLOCKED_HOSTNAMES, 'N8N_SSRF_BLOCKED_HOSTNAMES');
	if (!blocked.length && !allowed.length && !allowedHostnames.length && !blockedHostnames.length) return undefined;
	return {
		blockedRanges: IpList.parse(blocked, 'N8N_SSRF_BLOCKED_IP_RANGES'),
		allowedRanges: IpList.parse(allowed, 'N8N_SSRF_ALLOWED_IP_RANGES'),
		allowedHostnames,
		blockedHostnames,
		key: JSON.stringify([blocked, allowed, allowedHostnames, blockedHostnames]),
	};
}

/** True when `hostname` matches one of the patterns (exact, or "*.suffix" for any sub-domain). */
export function hostMatches(hostname: string, patterns: string[]): boolean {
	const host = hostname.toLowerCase().replace(/\.$/, '').replace(/^\[|\]$/g, '');
	return patterns.some((p) => (p.startsWith('*.') ? host.endsWith(p.slice(1)) && host.length > p.length - 1 : host === p));
}

let memo: { key: string; rules: AdminRules | undefined } | undefined;

/** The rules of this process's environment (re-read when the variables change, e.g. in tests). */
export function processSsrfRules(): AdminRules | undefined {
	const env = process.env;
	const key = [env.N8N_SSRF_BLOCKED_IP_RANGES, env.N8N_SSRF_ALLOWED_IP_RANGES, env.N8N_SSRF_ALLOWED_HOSTNAMES, env.N8N_SSRF_BLOCKED_HOSTNAMES].join('\u0000');
	if (memo?.key !== key) memo = { key, rules: n8nSsrfRules(env) };
	return memo.rules;
}
