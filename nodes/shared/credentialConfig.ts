/**
 * The ONLY code that knows n8n credential type names and form field names. Decrypted credential
 * data → a typed lib config (and, from it, the auth strategy or mutual TLS connection), once per
 * credential object: a node reads its credentials once per execution and gets one strategy, whose
 * token cache key was fixed when it was built. lib/ never sees n8n field names.
 */
import type { ICredentialDataDecryptedObject } from 'n8n-workflow';
import { basicStrategy, accessTokenStrategy, clientCredentialsStrategy, type ClientCredentialsConfig } from '../../lib/auth/strategies';
import type { ClientAuth } from '../../lib/auth/oauth2';
import type { AuthStrategy } from '../../lib/http/types';
import type { ConsumerAuthConfig } from '../../lib/auth/consumer-auth';
import { nluStrategy, type NluConfig, type NluProvider } from '../../lib/auth/nlu';
import { accountStrategy, type LivePersonAccountCredentials } from '../../lib/liveperson/account-auth';
import { c2mStrategy, type TransferToMessagingCredentials } from '../../lib/liveperson/c2m-auth';
import { orchestratorStrategy, type ConversationOrchestratorCredentials, type TokenPlacement } from '../../lib/liveperson/orchestrator-auth';
import { inputError } from '../../lib/errors';
import { checkKeyStoreFormat, checkServerName, protocolVersions, type MutualTlsSettings, type TrustFormat } from '../../lib/tls/credential';
import { fieldText } from '../../lib/text';
import type { WebhookVerifyConfig } from '../../lib/inbound/webhooks/signature';

export const CREDENTIAL_TYPES = {
	account: 'livePersonAccountApi',
	basic: 'livePersonBasicAuthApi',
	accessToken: 'livePersonAccessTokenApi',
	clientCredentials: 'livePersonOAuth2ClientCredentialsApi',
	// eslint-disable-next-line @n8n/community-nodes/no-hardcoded-secrets -- a credential type name, not a secret
	oauth2AuthCode: 'livePersonOAuth2AuthCodeApi',
	mutualTls: 'livePersonMutualTlsApi',
	orchestrator: 'conversationOrchestratorApi',
	transferToMessaging: 'livePersonTransferToMessagingApi',
	nlu: 'livePersonNluApi',
	consumerAuth: 'livePersonConsumerAuthApi',
	appInstallation: 'livePersonAppInstallationApi',
	bot: 'livePersonBotApi',
} as const;

export type CredentialData = ICredentialDataDecryptedObject | Record<string, unknown>;

/** The field every credential has: internal networks its requests may reach. */
export const ALLOWED_INTERNAL_NETWORKS_FIELD = 'allowedInternalNetworks';

const text = (data: CredentialData, field: string) => fieldText(data[field]);

export function allowTextOf(data: CredentialData): string {
	return text(data, ALLOWED_INTERNAL_NETWORKS_FIELD).trim();
}

export function basicConfig(data: CredentialData) {
	return { user: text(data, 'user'), password: text(data, 'password') };
}

export function accessTokenConfig(data: CredentialData) {
	return { token: text(data, 'accessToken'), tokenType: text(data, 'tokenType') };
}

export function clientCredentialsConfig(data: CredentialData): ClientCredentialsConfig {
	const raw = Number(data.tokenExpiredStatusCode ?? 401);
	if (raw !== 401 && raw !== 403) throw inputError('tokenExpiredStatusCode', 'Token Expired Status must be 401 or 403');
	return {
		tokenUrl: text(data, 'accessTokenUrl'),
		clientId: text(data, 'clientId'),
		clientSecret: text(data, 'clientSecret'),
		scope: text(data, 'scope'),
		clientAuth: (text(data, 'authentication') || 'header') as ClientAuth,
		expiredStatus: raw,
		allowedInternalNetworks: allowTextOf(data),
	};
}

export function accountConfig(data: CredentialData): LivePersonAccountCredentials {
	return {
		accountId: text(data, 'accountId'),
		csdsHost: text(data, 'csdsHost') || undefined,
		authMethod: text(data, 'authMethod') || undefined,
		username: text(data, 'username'),
		password: text(data, 'password'),
		clientId: text(data, 'clientId'),
		clientSecret: text(data, 'clientSecret'),
		clientCredentialsFlow: text(data, 'clientCredentialsFlow') || undefined,
		appKey: text(data, 'appKey'),
		appSecret: text(data, 'appSecret'),
		accessToken: text(data, 'accessToken'),
		accessTokenSecret: text(data, 'accessTokenSecret'),
		allowedInternalNetworks: allowTextOf(data),
	};
}

export function orchestratorConfig(data: CredentialData): ConversationOrchestratorCredentials {
	return {
		region: text(data, 'region') || undefined,
		customHost: text(data, 'customHost') || undefined,
		loginHost: text(data, 'loginHost').trim() || undefined,
		apiHost: text(data, 'apiHost').trim() || undefined,
		apiVersion: text(data, 'apiVersion') || undefined,
		apiKey: text(data, 'apiKey'),
		userId: text(data, 'userId'),
		password: text(data, 'password'),
		accountId: text(data, 'accountId') || undefined,
		allowedInternalNetworks: allowTextOf(data),
	};
}

export function transferToMessagingConfig(data: CredentialData): TransferToMessagingCredentials {
	return {
		accountId: text(data, 'accountId'),
		csdsHost: text(data, 'csdsHost') || undefined,
		clientId: text(data, 'clientId'),
		clientSecret: text(data, 'clientSecret'),
		allowedInternalNetworks: allowTextOf(data),
	};
}

/** The app installation whose webhooks call the LivePerson Trigger (signature check only). */
export function appInstallationConfig(data: CredentialData): WebhookVerifyConfig {
	return { accountId: text(data, 'accountId').trim(), clientId: text(data, 'clientId').trim(), clientSecret: text(data, 'clientSecret') };
}

/** The Consumer Authentication credential: the OAuth 2.0 client the consumer authorizes. */
export function consumerAuthConfig(data: CredentialData): ConsumerAuthConfig {
	return {
		authUrl: text(data, 'authUrl'),
		tokenUrl: text(data, 'accessTokenUrl'),
		clientId: text(data, 'clientId'),
		clientSecret: text(data, 'clientSecret'),
		scope: text(data, 'scope'),
		clientAuth: (text(data, 'authentication') || 'header') as ClientAuth,
		allowedInternalNetworks: allowTextOf(data),
	};
}

/** The third-party NLU credential: provider, then the service-account JSON or the API key. */
export function nluConfig(data: CredentialData): NluConfig {
	return {
		provider: (text(data, 'provider') || 'dialogflow') as NluProvider,
		serviceAccountJson: text(data, 'serviceAccountJson'),
		scope: text(data, 'scope'),
		apiKey: text(data, 'apiKey'),
		iamUrl: text(data, 'iamUrl'),
		allowedInternalNetworks: allowTextOf(data),
	};
}

/** The LivePerson Bot (Custom Endpoint) credential: accounts allowed to call, where their keys are. */
export function botEndpointConfig(data: CredentialData) {
	const accountIds = text(data, 'accountIds')
		.split(/[\s,]+/)
		.map((s) => s.trim())
		.filter(Boolean);
	if (!accountIds.length) throw inputError('accountIds', 'Enter at least one LivePerson account ID', 'The account(s) whose Third-Party Bots call this bot.');
	return {
		accountIds,
		csdsHost: text(data, 'csdsHost').trim() || undefined,
		jwksUrl: text(data, 'jwksUrl').trim() || undefined,
		publicKeyPem: text(data, 'sentinelPem').trim() || undefined,
		allowedInternalNetworks: allowTextOf(data),
	};
}

/** The Mutual TLS credential's fields → key store input, TLS versions, server name (frozen). */
export function mutualTlsConfig(data: CredentialData): MutualTlsSettings {
	const format = checkKeyStoreFormat(text(data, 'keyStoreFormat'));
	const [minVersion, maxVersion] = protocolVersions(text(data, 'protocols'));
	const trustData = text(data, 'trustCertificate').trim();
	const trust = trustData
		? Object.freeze({ data: trustData, format: (text(data, 'trustFormat') || undefined) as TrustFormat | undefined, password: text(data, 'trustStorePassword') || undefined })
		: undefined;
	const input = Object.freeze({
		format,
		data: text(data, 'keyStore'),
		key: format === 'pem' ? text(data, 'privateKey') || undefined : undefined,
		password: text(data, 'keyStorePassword') || undefined,
		alias: format === 'pem' ? undefined : text(data, 'keyAlias').trim() || undefined,
		trust,
	});
	return Object.freeze({ input, minVersion, maxVersion, servername: checkServerName(text(data, 'serverName')), allowedInternalNetworks: allowTextOf(data) });
}

const configs = new WeakMap<object, MutualTlsSettings>();

/** `mutualTlsConfig(data)`, once per credential object (the key store input keeps its identity). */
export function mutualTlsConfigOnce(data: CredentialData): MutualTlsSettings {
	let cfg = configs.get(data);
	if (!cfg) configs.set(data, (cfg = mutualTlsConfig(data)));
	return cfg;
}

export interface StrategyOptions {
	/** Conversation Orchestrator v2: where the token goes. */
	tokenPlacement?: TokenPlacement;
}

const strategies = new WeakMap<object, Map<string, AuthStrategy>>();

/**
 * The auth strategy of a credential of this package, built once per credential object (and
 * options): config read, fields validated, token cache key fixed.
 */
export function strategyFor(type: string, data: CredentialData, options: StrategyOptions = {}): AuthStrategy {
	const memoKey = `${type}|${options.tokenPlacement ?? ''}`;
	let byType = strategies.get(data);
	const known = byType?.get(memoKey);
	if (known) return known;
	const strategy = buildStrategy(type, data, options);
	if (!byType) strategies.set(data, (byType = new Map()));
	byType.set(memoKey, strategy);
	return strategy;
}

function buildStrategy(type: string, data: CredentialData, options: StrategyOptions): AuthStrategy {
	switch (type) {
		case CREDENTIAL_TYPES.basic:
			return basicStrategy(basicConfig(data));
		case CREDENTIAL_TYPES.accessToken:
			return accessTokenStrategy(accessTokenConfig(data));
		case CREDENTIAL_TYPES.clientCredentials:
			return clientCredentialsStrategy(clientCredentialsConfig(data));
		case CREDENTIAL_TYPES.account:
			return accountStrategy(accountConfig(data));
		case CREDENTIAL_TYPES.orchestrator:
			return orchestratorStrategy(orchestratorConfig(data), options.tokenPlacement);
		case CREDENTIAL_TYPES.transferToMessaging:
			return c2mStrategy(transferToMessagingConfig(data));
		case CREDENTIAL_TYPES.nlu:
			return nluStrategy(nluConfig(data));
		default:
			throw inputError('authentication', `Credential type "${type}" has no auth strategy in this package`, undefined, 'UNKNOWN_CREDENTIAL_TYPE');
	}
}

/** The secrets of n8n's OAuth2 credential data (token, refresh token, client secret), for redaction. */
export function oauth2Secrets(data: CredentialData): string[] {
	const token = (data.oauthTokenData ?? {}) as Record<string, unknown>;
	return [token.access_token, token.refresh_token, token.id_token, data.clientSecret].map(fieldText).filter((s) => s.length > 0);
}
