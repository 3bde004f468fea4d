/**
 * Third-Party Bots Custom Endpoint: who may call the bot.
 *
 * Every call carries `Authorization: Bearer <JWT>` that Third-Party Bots got from Sentinel with the
 * app installation's client id and secret (LivePerson's reference service, SecurityMiddleware and
 * AuthorizationChecker): RS256 only, issuer "Sentinel", audience = the account id, scope
 * "thirdpartybots.customendpoint.bot" (older installations: "ihub.tpb.customendpoint"), `exp`
 * required (a small clock tolerance). Sentinel's keys differ per zone: the key set is the account's
 * Sentinel host from CSDS + "/sentinel/well-known/jwks" (unless a JWKS URL is configured), fetched
 * through the package's pipeline by lib/jwt/verify.ts (cached, refetched once on an unknown kid), or
 * the zone's Sentinel public key pasted as PEM (LivePerson's reference service uses that "v1" key by
 * default; its FAQ: the key differs per zone).
 *
 * The account is taken from the token's `aud` only to pick which configured account's key set to
 * use: an audience that is not configured is refused before anything is fetched, and the signature,
 * issuer and audience are then verified for that account.
 */
import { createHash } from 'node:crypto';
import * as jose from 'jose';
import { importStaticKey, verifyJwt, type InvalidReason, type JwksCache, type KeySource } from '../../jwt/verify';
import { OutboundPolicy } from '../../net/policy';
import { LpError } from '../../errors';
import { resolveServiceBase } from '../../liveperson/csds';

export const SENTINEL_ISSUER = 'Sentinel';
export const TPB_SCOPE = 'thirdpartybots.customendpoint.bot';
export const TPB_LEGACY_SCOPE = 'ihub.tpb.customendpoint';
export const TPB_ALGORITHMS = ['RS256'];

export interface TpbAuthConfig {
	/** Accounts allowed to call this bot (the token's `aud`). */
	accountIds: string[];
	/** A fixed JWKS URL (e.g. the emulator); empty: the account's Sentinel from CSDS. */
	jwksUrl?: string;
	/**
	 * Sentinel's public key as PEM (the "Sentinel v1" key LivePerson publishes per zone, which its
	 * reference service verifies with by default); when set it is used instead of any key set.
	 */
	publicKeyPem?: string;
	/** CSDS host (default api.liveperson.net) when the key set comes from CSDS. */
	csdsHost?: string;
	policy?: OutboundPolicy;
	cache?: JwksCache;
	clockToleranceSec?: number;
	currentDate?: Date;
	/** Tokens already verified (default: the process-wide one, `sharedTpbVerdicts()`); false: verify every call. */
	verdicts?: TpbVerdictCache | false;
}

/**
 * Tokens already verified. Third-Party Bots reuses one Sentinel token for its calls until it expires,
 * so the RS256 signature (most of this package's own work per call) is checked once per token and key
 * source instead of on every call. Only accepted tokens are kept; an entry lives at most `maxAgeMs`
 * (default 10 min, the key set cache's max age: a key taken out of the key set stops counting within
 * the same time) and never past the token's `exp` + tolerance; `exp`/`nbf` are compared again on every
 * call and the scope is checked again. Keyed by a SHA-256 of the token, the key source, the account
 * and the tolerance; at most `maxEntries` (oldest dropped first).
 */
export class TpbVerdictCache {
	private readonly entries = new Map<string, { claims: jose.JWTPayload; until: number }>();
	readonly maxAgeMs: number;
	readonly maxEntries: number;

	constructor(options: { maxAgeMs?: number; maxEntries?: number } = {}) {
		this.maxAgeMs = options.maxAgeMs ?? 10 * 60_000;
		this.maxEntries = options.maxEntries ?? 1000;
	}

	get size(): number {
		return this.entries.size;
	}

	get(key: string, nowMs: number): jose.JWTPayload | undefined {
		const hit = this.entries.get(key);
		if (!hit) return undefined;
		if (nowMs >= hit.until) {
			this.entries.delete(key);
			return undefined;
		}
		return hit.claims;
	}

	set(key: string, claims: jose.JWTPayload, until: number): void {
		this.entries.delete(key);
		if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
		this.entries.set(key, { claims, until });
	}
}

let sharedVerdicts: TpbVerdictCache | undefined;
/** The process-wide cache of verified Custom Endpoint tokens. */
export function sharedTpbVerdicts(): TpbVerdictCache {
	if (!sharedVerdicts) sharedVerdicts = new TpbVerdictCache();
	return sharedVerdicts;
}

/** A cached verdict still holds at `nowSec`: exp (required) and nbf compared again with the tolerance. */
function stillValid(claims: jose.JWTPayload, nowSec: number, toleranceSec: number): boolean {
	if (typeof claims.exp !== 'number' || nowSec - toleranceSec >= claims.exp) return false;
	if (typeof claims.nbf === 'number' && nowSec + toleranceSec < claims.nbf) return false;
	return true;
}

export type TpbAuthResult =
	| { ok: true; accountId: string; claims: jose.JWTPayload; legacyScope: boolean }
	| { ok: false; reason: InvalidReason | 'missing' | 'wrong_scope'; message: string };

/** The key set URL for an account: the configured one, or its zone's Sentinel (CSDS "sentinel"). */
export async function sentinelJwksUrl(cfg: TpbAuthConfig, accountId: string): Promise<string> {
	if (cfg.jwksUrl) return cfg.jwksUrl;
	const base = await resolveServiceBase(cfg.csdsHost || undefined, accountId, 'sentinel', { policy: cfg.policy });
	return `${base}/sentinel/well-known/jwks`;
}

/** The scopes of a token (`scope` as a space-separated string or an array). */
export function scopesOf(claims: jose.JWTPayload): string[] {
	const s = claims.scope;
	if (typeof s === 'string') return s.split(/\s+/).filter(Boolean);
	if (Array.isArray(s)) return s.filter((x): x is string => typeof x === 'string');
	return [];
}

/**
 * Verifies the Authorization header of a Custom Endpoint call. Never throws for a bad token (a
 * verdict instead); throws LpError for configuration problems and key set fetch failures.
 */
export async function verifyTpbAuthorization(header: string | string[] | undefined, cfg: TpbAuthConfig): Promise<TpbAuthResult> {
	const value = Array.isArray(header) ? header[0] : header;
	const m = /^\s*bearer\s+(\S+)\s*$/i.exec(value ?? '');
	if (!m) return { ok: false, reason: 'missing', message: 'A bearer token is required (Authorization: Bearer <Sentinel JWT>)' };
	const token = m[1];
	let unverified: jose.JWTPayload;
	try {
		unverified = jose.decodeJwt(token);
	} catch {
		return { ok: false, reason: 'malformed', message: 'The token is not a well-formed JWT' };
	}
	const auds = typeof unverified.aud === 'string' ? [unverified.aud] : Array.isArray(unverified.aud) ? unverified.aud : [];
	const accountId = cfg.accountIds.find((a) => auds.includes(a));
	if (!accountId) return { ok: false, reason: 'wrong_audience', message: 'The token is for another account ("aud" is not a configured account)' };
	const key: KeySource = cfg.publicKeyPem
		? { type: 'pem', pem: cfg.publicKeyPem }
		: { type: 'jwks', url: await sentinelJwksUrl(cfg, accountId), policy: cfg.policy, cache: cfg.cache };
	const toleranceSec = cfg.clockToleranceSec ?? 30;
	const nowMs = cfg.currentDate?.getTime() ?? Date.now();
	const verdicts = cfg.verdicts === false ? undefined : (cfg.verdicts ?? sharedTpbVerdicts());
	const source = key.type === 'pem' ? `pem:${createHash('sha256').update(key.pem).digest('hex')}` : `jwks:${key.url}\0${cfg.policy?.fingerprint ?? ''}`;
	const verdictKey = `${createHash('sha256').update(token).digest('hex')}\0${source}\0${accountId}\0${toleranceSec}`;
	let claims = verdicts?.get(verdictKey, nowMs);
	if (claims && !stillValid(claims, Math.floor(nowMs / 1000), toleranceSec)) claims = undefined;
	if (!claims) {
		const verdict = await verifyJwt(token, {
			key,
			algorithms: TPB_ALGORITHMS,
			issuer: SENTINEL_ISSUER,
			audience: accountId,
			clockToleranceSec: toleranceSec,
			requireExpiration: true,
			currentDate: cfg.currentDate,
		});
		if (!verdict.valid) return { ok: false, reason: verdict.reason, message: verdict.message };
		claims = verdict.claims;
		const exp = typeof claims.exp === 'number' ? (claims.exp + toleranceSec) * 1000 : nowMs;
		verdicts?.set(verdictKey, claims, Math.min(nowMs + verdicts.maxAgeMs, exp));
	}
	const scopes = scopesOf(claims);
	const current = scopes.includes(TPB_SCOPE);
	if (!current && !scopes.includes(TPB_LEGACY_SCOPE)) {
		return { ok: false, reason: 'wrong_scope', message: `The token lacks the scope "${TPB_SCOPE}"` };
	}
	return { ok: true, accountId, claims, legacyScope: !current };
}

/** Credential test: each account's key set can be fetched and has keys. One line per account. */
export async function checkBotKeySets(cfg: TpbAuthConfig, cache: JwksCache): Promise<string[]> {
	if (cfg.publicKeyPem) {
		await importStaticKey({ type: 'pem', pem: cfg.publicKeyPem }, TPB_ALGORITHMS);
		return [`public key (PEM) for account(s) ${cfg.accountIds.join(', ')}`];
	}
	const lines: string[] = [];
	for (const accountId of cfg.accountIds) {
		const url = await sentinelJwksUrl(cfg, accountId);
		const entry = await cache.get(url, cfg.policy ?? new OutboundPolicy());
		if (!entry.jwks.keys.length) throw new LpError('response', `The Sentinel key set of account ${accountId} has no keys`, { code: 'EMPTY_JWKS' });
		lines.push(`account ${accountId}: ${entry.jwks.keys.length} key(s)`);
	}
	return lines;
}
