/**
 * Shared emulator state: configuration, issued tokens (Login Service sessions/bearers, Sentinel and CO
 * v2 JWTs) and the authentication checks the service modules share.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import type { EmulatorConfig } from './config';
import type { EmulatorGoogleAccount } from './services/third-party';
import { emulatorPki } from './pki';
import { basicCredentials, bearerToken, oauth1ConsumerKey } from './http';

export interface LoginSession {
	sessionId: string;
	csrf: string;
	bearer: string;
	subject: string;
	expiresAt: number;
}

export interface IssuedJwt {
	kind: 'sentinel' | 'co';
	subject: string;
	expiresAt: number;
}

export type AuthResult =
	| { ok: true; authType: 'bearer' | 'basic' | 'oauth1'; tokenKind?: 'login' | 'sentinel' | 'co'; subject: string }
	| { ok: false; reason: 'missing' | 'invalid' | 'expired' };

export class EmulatorState {
	/** Set when the HTTP server is listening. */
	url = '';
	hostPort = '';
	mtlsTargetUrl = '';
	/** The service account the emulated Google token endpoint accepts (set by startEmulator). */
	googleAccount!: EmulatorGoogleAccount;
	sessions = new Map<string, LoginSession>();
	bearers = new Map<string, LoginSession>();
	jwts = new Map<string, IssuedJwt>();
	/**
	 * Every secret value this emulator handed out (bearers, Session_id cookies, csrf tokens, JWTs), in
	 * order; NOT cleared by reset(), so a test can scan a whole run's output for them afterwards.
	 */
	readonly issued: string[] = [];

	constructor(public config: EmulatorConfig) {}

	resetTokens(): void {
		this.sessions.clear();
		this.bearers.clear();
		this.jwts.clear();
	}

	knownAccount(acc: string): boolean {
		return acc === this.config.accountId;
	}

	issuer(kind: 'sentinel' | 'co'): string {
		return kind === 'sentinel' ? `${this.url}/sentinel` : `${this.url}/co`;
	}

	// ---- Login Service -------------------------------------------------------------------------
	createSession(subject: string): LoginSession {
		const s: LoginSession = {
			sessionId: randomBytes(16).toString('hex'),
			csrf: randomBytes(16).toString('hex'),
			bearer: randomBytes(32).toString('hex'),
			subject,
			expiresAt: Date.now() + this.sessionTtlMs(),
		};
		this.sessions.set(s.sessionId, s);
		this.bearers.set(s.bearer, s);
		this.issued.push(s.bearer, s.sessionId, s.csrf);
		return s;
	}

	sessionTtlMs(): number {
		const n = Number(this.config.lifetimes.sessionTTl);
		return Number.isFinite(n) && n > 0 ? n : 28_800_000;
	}

	endSession(s: LoginSession): void {
		this.sessions.delete(s.sessionId);
		this.bearers.delete(s.bearer);
	}

	// ---- JWTs (Sentinel, CO v2) ----------------------------------------------------------------
	async issueJwt(kind: 'sentinel' | 'co', subject: string, lifetimeSeconds: number, extra: Record<string, unknown> = {}): Promise<string> {
		const { jwt } = emulatorPki();
		const now = Date.now();
		const expiresAt = now + lifetimeSeconds * 1000;
		const jti = randomUUID();
		const token = await new SignJWT({ ...extra })
			.setProtectedHeader({ alg: 'RS256', kid: jwt.kid, typ: 'JWT' })
			.setIssuer(this.issuer(kind))
			.setAudience(this.config.accountId)
			.setSubject(subject)
			.setIssuedAt(Math.floor(now / 1000))
			// Rounded up so that the JWT never claims an earlier expiry than the emulator enforces.
			.setExpirationTime(Math.ceil(expiresAt / 1000))
			.setJti(jti)
			.sign(jwt.privateKey);
		this.jwts.set(jti, { kind, subject, expiresAt });
		this.issued.push(token);
		return token;
	}

	/** Verifies signature and issuer, then the emulator's own record (precise expiry, reset()). */
	async checkJwt(token: string, kinds: Array<'sentinel' | 'co'>): Promise<AuthResult> {
		if (token.split('.').length !== 3) return { ok: false, reason: 'invalid' };
		try {
			const { payload } = await jwtVerify(token, emulatorPki().jwt.publicKey, {
				algorithms: ['RS256'],
				// exp is checked below against the precise record, not jose's second resolution.
				clockTolerance: 5,
			});
			const rec = typeof payload.jti === 'string' ? this.jwts.get(payload.jti) : undefined;
			if (!rec || !kinds.includes(rec.kind)) return { ok: false, reason: 'invalid' };
			if (Date.now() >= rec.expiresAt) return { ok: false, reason: 'expired' };
			return { ok: true, authType: 'bearer', tokenKind: rec.kind, subject: rec.subject };
		} catch (e) {
			const code = (e as { code?: string }).code;
			return { ok: false, reason: code === 'ERR_JWT_EXPIRED' ? 'expired' : 'invalid' };
		}
	}

	/** Login bearer (until logout/expiry) or, by default, also a Sentinel token (until exp). */
	async checkBearer(token: string | undefined, kinds: Array<'login' | 'sentinel' | 'co'> = ['login', 'sentinel']): Promise<AuthResult> {
		if (!token) return { ok: false, reason: 'missing' };
		if (kinds.includes('login')) {
			const s = this.bearers.get(token);
			if (s) {
				if (Date.now() >= s.expiresAt) return { ok: false, reason: 'expired' };
				return { ok: true, authType: 'bearer', tokenKind: 'login', subject: s.subject };
			}
		}
		const jwtKinds = kinds.filter((k): k is 'sentinel' | 'co' => k !== 'login');
		if (jwtKinds.length === 0) return { ok: false, reason: 'invalid' };
		return this.checkJwt(token, jwtKinds);
	}

	/**
	 * Authorization for LivePerson admin-style APIs (mTLS gateway, C2M): a Bearer from the Login
	 * Service or Sentinel, or an OAuth1 header whose oauth_consumer_key is the configured app key.
	 * The OAuth1 signature is NOT verified (see oauth1ConsumerKey).
	 */
	async checkLpAuth(authorization: string | undefined, opts: { oauth1?: boolean } = {}): Promise<AuthResult> {
		if (!authorization) return { ok: false, reason: 'missing' };
		const key = oauth1ConsumerKey(authorization);
		if (key !== undefined) {
			if (opts.oauth1 !== false && key === this.config.oauth1.appKey) return { ok: true, authType: 'oauth1', subject: key };
			return { ok: false, reason: 'invalid' };
		}
		return this.checkBearer(bearerToken(authorization));
	}

	/** Any token this emulator issued, Basic with the Login Service user, or OAuth1 (app key). */
	async checkAnyCredential(authorization: string | undefined): Promise<AuthResult> {
		if (!authorization) return { ok: false, reason: 'missing' };
		const basic = basicCredentials(authorization);
		if (/^Basic\s/i.test(authorization)) {
			if (basic && basic.user === this.config.user.username && basic.password === this.config.user.password) {
				return { ok: true, authType: 'basic', subject: basic.user };
			}
			return { ok: false, reason: 'invalid' };
		}
		if (/^OAuth\s/i.test(authorization)) return this.checkLpAuth(authorization);
		return this.checkBearer(bearerToken(authorization), ['login', 'sentinel', 'co']);
	}
}
