/**
 * Emulator configuration: the type, the defaults (the same values as `config.json`; emulator-only
 * demo secrets, never real ones) and a deep merge for `startEmulator({ config })` overrides.
 */
import { readFileSync } from 'node:fs';

export interface MtlsCertificateConfig {
	id: number;
	/** Unique per account. `sandbox-client-cert` is the client certificate the emulator generates. */
	name: string;
}

export interface MtlsMappingConfig {
	name: string;
	/** TEST_SERVICE | IDP | WEBHOOKS | FAAS */
	serviceName: string;
	/** `{mtlsTarget}` is replaced by the sample mTLS target's URL (https://127.0.0.1:PORT). */
	url: string;
	certificateName: string;
}

export interface EmulatorConfig {
	accountId: string;
	/** Login Service user login (and Basic auth on /protected/echo). */
	user: { username: string; password: string; userId: string };
	/** OAuth1 app key: Login Service application login, and OAuth1 headers (consumer key only). */
	oauth1: { appKey: string; secret: string; accessToken: string; accessTokenSecret: string };
	/** Sentinel client_credentials client; also accepted by application login with "dummy" tokens. */
	oauth2Client: { clientId: string; clientSecret: string };
	orchestrator: {
		/** CO v1 `maven-api-key`. */
		apiKey: string;
		/** CO v2 `/v2/authenticate/login` Basic credentials. */
		v2: { userId: string; password: string };
	};
	lifetimes: {
		/** Login Service `sessionTTl`: milliseconds, as a string (as documented). */
		sessionTTl: string;
		/** Sentinel `expires_in`, seconds. */
		sentinelExpiresIn: number;
		/** CO v2 token lifetime, seconds (the documented example token has 24 h). */
		coTokenLifetime: number;
	};
	mtls: {
		certificates: MtlsCertificateConfig[];
		mappings: MtlsMappingConfig[];
		/** Time limit of a forwarded request to the target. */
		forwardTimeoutMs: number;
	};
	c2m: {
		handoffIds: string[];
		skills: string[];
		availableChannels: string[];
		recommendedChannelName: string;
	};
	nextActions: {
		v1: Record<string, unknown>;
		v2: unknown[];
	};
}

export const DEFAULT_CONFIG: EmulatorConfig = {
	accountId: '12345678',
	user: { username: 'sandbox-agent', password: 'Sandbox-Passw0rd!', userId: '3705342610' },
	oauth1: {
		appKey: 'sandbox-app-key',
		secret: 'sandbox-app-secret',
		accessToken: 'sandbox-access-token',
		accessTokenSecret: 'sandbox-access-token-secret',
	},
	oauth2Client: { clientId: 'sandbox-client', clientSecret: 'sandbox-client-secret' },
	orchestrator: {
		apiKey: 'sandbox-maven-api-key',
		v2: { userId: 'sandbox-co-user', password: 'Sandbox-CO-Passw0rd!' },
	},
	lifetimes: { sessionTTl: '28800000', sentinelExpiresIn: 3600, coTokenLifetime: 86400 },
	mtls: {
		certificates: [
			{ id: 2628739923, name: 'sandbox-client-cert' },
			{ id: 2628739924, name: 'sandbox-self-service-cert' },
		],
		mappings: [
			{ name: 'sandbox-webhooks', serviceName: 'WEBHOOKS', url: '{mtlsTarget}/echo', certificateName: 'sandbox-client-cert' },
			{ name: 'sandbox-idp', serviceName: 'IDP', url: '{mtlsTarget}/echo', certificateName: 'sandbox-client-cert' },
		],
		forwardTimeoutMs: 10_000,
	},
	c2m: {
		handoffIds: ['H123456789'],
		skills: ['support', 'sales'],
		availableChannels: ['sms', 'wa'],
		recommendedChannelName: 'sms',
	},
	nextActions: {
		v1: {
			nextActionId: 'sandbox-next-action',
			rule: {
				id: 'sandbox-rule',
				name: 'Sandbox rule',
				actions: [
					{ type: 'TRANSFER_TO_AGENT', payload: { agentId: '3705342610', fallbackSkillId: '1234' } },
					{ type: 'SEND_MESSAGE', payload: { text: 'Transferring you to an agent' } },
				],
			},
		},
		v2: [{ type: 'SEND_MESSAGE', payload: { message: 'Hello from the sandbox policy' } }],
	},
};

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends unknown[] ? T[K] : T[K] extends object ? DeepPartial<T[K]> : T[K] };

function isPlain(v: unknown): v is Record<string, unknown> {
	return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep merge of plain objects; arrays and scalars in `override` replace. Returns a fresh copy. */
export function mergeConfig<T>(base: T, override: unknown): T {
	const copy = JSON.parse(JSON.stringify(base)) as T;
	if (!isPlain(override)) return copy;
	const walk = (target: Record<string, unknown>, src: Record<string, unknown>) => {
		for (const [k, v] of Object.entries(src)) {
			if (v === undefined) continue;
			if (isPlain(v) && isPlain(target[k])) walk(target[k] as Record<string, unknown>, v);
			else target[k] = JSON.parse(JSON.stringify(v));
		}
	};
	walk(copy as unknown as Record<string, unknown>, override);
	return copy;
}

export function loadConfigFile(file: string): Partial<EmulatorConfig> {
	return JSON.parse(readFileSync(file, 'utf8')) as Partial<EmulatorConfig>;
}
