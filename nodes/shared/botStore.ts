/**
 * The store behind the LivePerson Bot Trigger (conversation SDES/context, retried events): the
 * package's shared store, chosen the same way as the token cache's (nodes/shared/tokenStore.ts reads
 * n8n's queue-mode settings): in queue mode the encrypted Redis store on n8n's Redis, so the process
 * that received the PUT and the one that receives the POST agree; otherwise one store in this
 * process's memory, swept of expired entries every minute. Created once per process.
 */
import { MemoryTokenStore } from '../../lib/auth/store/memory';
import type { TokenStore } from '../../lib/auth/store/types';
import { tokenStoreSettingsFromEnv } from './tokenStore';

let shared: Promise<TokenStore> | undefined;

export function sharedBotStore(env: Record<string, string | undefined> = process.env): Promise<TokenStore> {
	if (shared) return shared;
	shared = (async (): Promise<TokenStore> => {
		const { settings } = tokenStoreSettingsFromEnv(env);
		if (!settings) {
			// Event markers and answers are written once and rarely read again: sweep what expired.
			const memory = new MemoryTokenStore();
			setInterval(() => memory.sweep(), 60_000).unref();
			return memory;
		}
		const { RedisTokenStore } = await import('../../lib/auth/store/redis');
		return new RedisTokenStore(settings);
	})();
	return shared;
}
