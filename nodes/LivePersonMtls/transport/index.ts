import type { IExecuteFunctions } from 'n8n-workflow';
import { DEFAULT_CSDS_TTL_MS } from '../../../lib/liveperson/csds';
import { MtlsClient, mtlsClientForAccount } from '../../../lib/liveperson/mtls-gateway';
import { accountConfig, CREDENTIAL_TYPES } from '../../shared/credentialConfig';

export interface MtlsNodeOptions {
	concurrency?: number;
	timeout?: number;
	gatewayHost?: string;
	configHost?: string;
	cacheMinutes?: number;
	maxResponseSizeMb?: number;
	gatewayAuthentication?: string;
	/** For target URLs (Forward, Check Mapping, Create Mapping): one rule in lib `checkTargetUrl`. */
	allowedInternalNetworks?: string;
}

/** The credential is read once per execution; the client resolves hosts (CSDS, cached) and logs in lazily. */
export async function mtlsClient(this: IExecuteFunctions, options: MtlsNodeOptions): Promise<MtlsClient> {
	const creds = accountConfig(await this.getCredentials(CREDENTIAL_TYPES.account));
	return mtlsClientForAccount(creds, {
		gatewayHost: options.gatewayHost?.trim() || undefined,
		configHost: options.configHost?.trim() || undefined,
		gatewayAuth: options.gatewayAuthentication || 'documented',
		csdsTtlMs: options.cacheMinutes === undefined ? DEFAULT_CSDS_TTL_MS : Math.max(1, options.cacheMinutes * 60_000),
		timeoutMs: options.timeout ? options.timeout * 1000 : undefined,
		maxResponseBytes: options.maxResponseSizeMb ? Math.floor(options.maxResponseSizeMb * 1024 * 1024) : undefined,
		targetAllowedInternalNetworks: options.allowedInternalNetworks,
	});
}
