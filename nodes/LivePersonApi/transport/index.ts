import type { IExecuteFunctions } from 'n8n-workflow';
import { accountStrategy } from '../../../lib/liveperson/account-auth';
import { lpApiSend, processLpApiResponse, type LpApiCall, type LpApiResult } from '../../../lib/liveperson/api';
import { DEFAULT_CSDS_TTL_MS } from '../../../lib/liveperson/csds';
import { accountConfig, CREDENTIAL_TYPES } from '../../shared/credentialConfig';

export interface LpApiNodeOptions {
	accountId?: string;
	cacheMinutes?: number;
	concurrency?: number;
	hostOverride?: string;
	maxResponseSizeMb?: number;
	retry?: boolean;
	timeout?: number;
}

/** Sends one LivePerson API call for the node: the only place the node touches the credential. */
export type LpApiCaller = (call: LpApiCall, opts?: { neverError?: boolean }) => Promise<LpApiResult>;

/** The credential is read once per execution; CSDS, login and retries happen in lib/liveperson/api.ts. */
export async function lpApiCaller(this: IExecuteFunctions, options: LpApiNodeOptions): Promise<LpApiCaller> {
	const creds = accountConfig(await this.getCredentials(CREDENTIAL_TYPES.account));
	const sendOptions = {
		// Built once per execution: the token cache key is hashed once, not per item.
		strategy: accountStrategy(creds),
		accountId: options.accountId?.trim() || undefined,
		hostOverride: options.hostOverride?.trim() || undefined,
		csdsTtlMs: options.cacheMinutes === undefined ? DEFAULT_CSDS_TTL_MS : Math.max(1, options.cacheMinutes * 60_000),
		timeoutMs: options.timeout ? options.timeout * 1000 : undefined,
		maxResponseBytes: options.maxResponseSizeMb ? Math.floor(options.maxResponseSizeMb * 1024 * 1024) : undefined,
		retryDelaysMs: options.retry === false ? (false as const) : undefined,
	};
	return async (call, opts = {}) => {
		const sent = await lpApiSend(creds, call, sendOptions);
		return processLpApiResponse(sent.res, { service: call.service, authLabel: sent.authLabel, neverError: opts.neverError, secrets: sent.secrets });
	};
}
