/**
 * Third-Party Bots Custom Endpoint: what the bot keeps between calls, in the package's shared store
 * (lib/auth/store: in memory, or encrypted on n8n's Redis in queue mode so every process agrees).
 *
 * - The conversation (SDES and context from PUT …/conversations/{convId}; LivePerson sends them once,
 *   at the start) for `conversationTtlMs`.
 * - Retried events: a lease per (bot, environment, conversation, lpEvent.sequence), taken with SET NX
 *   PX semantics (`acquireLease`), so a retried event never starts the workflow a second time; the
 *   answer sent for it is kept beside it so the retry gets the same answer.
 *
 * A record is a store entry whose value is the JSON text (the store seals it); names include the
 * purpose so records of this feature never collide with cached tokens.
 */
import type { TokenStore } from '../../auth/store/types';
import type { ConversationState } from './request';
import type { BotReply } from './reply';

export interface BotStoreOptions {
	/** How long a conversation's SDES/context are kept. Default 24 h. */
	conversationTtlMs?: number;
	/** How long a handled event (and its answer) is remembered. Default 10 min. */
	eventTtlMs?: number;
	now?: () => number;
}

export interface ConversationKey {
	botId: string;
	environment: string;
	conversationId: string;
}

const name = (purpose: string, k: ConversationKey, extra = '') =>
	`tpb:${purpose}\0${k.botId}\0${k.environment}\0${k.conversationId}${extra ? `\0${extra}` : ''}`;

export class BotConversationStore {
	readonly conversationTtlMs: number;
	readonly eventTtlMs: number;
	private readonly now: () => number;

	constructor(
		readonly store: TokenStore,
		options: BotStoreOptions = {},
	) {
		this.conversationTtlMs = options.conversationTtlMs ?? 24 * 3600_000;
		this.eventTtlMs = options.eventTtlMs ?? 10 * 60_000;
		this.now = options.now ?? Date.now;
	}

	private async put(key: string, value: unknown, ttlMs: number): Promise<void> {
		const now = this.now();
		await this.store.write(key, { token: { value: JSON.stringify(value), expiresAt: now + ttlMs }, storedAt: now }, ttlMs);
	}

	private async get<T>(key: string): Promise<T | undefined> {
		const hit = await this.store.read(key);
		if (!hit) return undefined;
		try {
			return JSON.parse(hit.token.value) as T;
		} catch {
			return undefined;
		}
	}

	saveConversation(k: ConversationKey, state: ConversationState): Promise<void> {
		return this.put(name('conv', k), state, this.conversationTtlMs);
	}

	loadConversation(k: ConversationKey): Promise<ConversationState | undefined> {
		return this.get<ConversationState>(name('conv', k));
	}

	/** True when this call is the first for the event (it runs the workflow); false for a retry. */
	async claimEvent(k: ConversationKey, sequence: number): Promise<boolean> {
		return (await this.store.acquireLease(name('event', k, String(sequence)), this.eventTtlMs)) !== undefined;
	}

	saveReply(k: ConversationKey, sequence: number, reply: BotReply): Promise<void> {
		return this.put(name('reply', k, String(sequence)), reply, this.eventTtlMs);
	}

	loadReply(k: ConversationKey, sequence: number): Promise<BotReply | undefined> {
		return this.get<BotReply>(name('reply', k, String(sequence)));
	}
}
