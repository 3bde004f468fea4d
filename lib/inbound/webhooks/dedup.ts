/**
 * "Has this event already started the workflow?" across processes: each event's key is taken as a
 * lease of the package's shared store (lib/auth/store: the process's memory, or Redis in n8n queue
 * mode, where several main/webhook processes receive calls). `acquireLease(key, ttl)` succeeds for
 * exactly one caller until the lease expires, so the first delivery of an event wins and a redelivery
 * within the window (LivePerson retries a failed delivery up to `max_retries` times, Webhooks →
 * Configuration) is answered without starting anything. The lease is never released: it expires.
 *
 * When the shared store fails (Redis down), the process's own store decides (at-least-once across
 * processes for that moment, exactly once within the process) and the caller is told so it can warn.
 */
import { createHash } from 'crypto';
import type { WebhookEvent } from './events';

/** The one store method deduplication needs (TokenStore has it). */
export interface LeaseStore {
	acquireLease(key: string, ttlMs: number): Promise<string | undefined>;
}

export const DEFAULT_DEDUP_WINDOW_MS = 60 * 60 * 1000;

export interface DedupResult {
	fresh: WebhookEvent[];
	duplicates: WebhookEvent[];
	/** The shared store failed; `fallback` decided. */
	storeFailed: boolean;
}

/**
 * The key of one event for one receiver (`scope`: account, client, workflow and node), hashed so a
 * store's key never carries a message id in clear.
 */
export function dedupLeaseKey(scope: string, event: Pick<WebhookEvent, 'dedupKey'>): string {
	return `lp-webhook-dedup:${createHash('sha256').update(`${scope}\n${event.dedupKey}`).digest('base64url')}`;
}

export async function firstDeliveries(events: WebhookEvent[], opts: { store: LeaseStore; fallback?: LeaseStore; scope: string; windowMs?: number }): Promise<DedupResult> {
	const ttl = opts.windowMs && opts.windowMs > 0 ? opts.windowMs : DEFAULT_DEDUP_WINDOW_MS;
	const result: DedupResult = { fresh: [], duplicates: [], storeFailed: false };
	for (const event of events) {
		const key = dedupLeaseKey(opts.scope, event);
		let owner: string | undefined;
		try {
			owner = await opts.store.acquireLease(key, ttl);
		} catch (error) {
			if (!opts.fallback) throw error;
			result.storeFailed = true;
			owner = await opts.fallback.acquireLease(key, ttl);
		}
		(owner === undefined ? result.duplicates : result.fresh).push(event);
	}
	return result;
}
