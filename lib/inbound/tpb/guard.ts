/**
 * The last line before LivePerson: whatever the host (n8n) finally writes as the answer to a
 * conversation event passes through here. An answer that is not a valid Custom Endpoint reply (a
 * workflow error page, an empty body because no reply node ran, a reply with a wrong shape, a non-2xx
 * status) is replaced by the configured fallback, and when nothing has been written after
 * `timeoutMs` the fallback is sent then (LivePerson gives up after 60 s): the conversation never hangs.
 *
 * It wraps `end` (every body ends there, whatever framework wrote it) and, once it has answered,
 * ignores later header writes and bodies. Plain Node http types only.
 */
import type { ServerResponse } from 'node:http';
import { checkBotReply, type BotReply } from './reply';

export interface ReplyGuardOptions {
	fallback: BotReply;
	timeoutMs: number;
	/** Called once with what was sent; `replaced` with the reason when the fallback went out. */
	onSent?: (reply: BotReply, replaced: string | undefined) => void;
}

function bodyText(chunk: unknown, encoding: unknown): string {
	if (chunk === undefined || chunk === null || typeof chunk === 'function') return '';
	if (Buffer.isBuffer(chunk)) return chunk.toString('utf8');
	if (chunk instanceof Uint8Array) return Buffer.from(chunk).toString('utf8');
	return Buffer.from(String(chunk), typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8').toString('utf8');
}

/** Installs the guard on `res`. Returns a function that removes the timer (e.g. when the request is refused). */
export function guardBotReply(res: ServerResponse, options: ReplyGuardOptions): () => void {
	const originalEnd = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
	const originalSetHeader = res.setHeader.bind(res);
	let done = false;

	const sendFallback = (reason: string) => {
		const text = JSON.stringify(options.fallback);
		res.statusCode = 200;
		for (const h of res.getHeaderNames()) if (h !== 'connection') res.removeHeader(h);
		originalSetHeader('content-type', 'application/json; charset=utf-8');
		originalSetHeader('content-length', Buffer.byteLength(text));
		originalEnd(text);
		options.onSent?.(options.fallback, reason);
	};

	const timer = setTimeout(() => {
		if (done || res.headersSent || res.writableEnded) return;
		done = true;
		sendFallback(`no reply within ${Math.round(options.timeoutMs / 1000)} s`);
	}, options.timeoutMs);
	timer.unref?.();

	res.setHeader = ((nameArg: string, value: number | string | readonly string[]) => {
		if (done) return res;
		return originalSetHeader(nameArg, value);
	}) as typeof res.setHeader;

	res.end = ((...args: unknown[]) => {
		if (done) {
			const cb = args.find((a) => typeof a === 'function') as (() => void) | undefined;
			cb?.();
			return res;
		}
		done = true;
		clearTimeout(timer);
		if (res.headersSent) return originalEnd(...args); // already streaming: nothing can be replaced
		const [chunk, encoding] = args;
		let reason: string | undefined;
		let reply: BotReply | undefined;
		if (res.statusCode < 200 || res.statusCode > 299) reason = `the workflow answered HTTP ${res.statusCode}`;
		else {
			const text = bodyText(chunk, encoding);
			if (!text.trim()) reason = 'the workflow answered nothing (no LivePerson Bot Reply node ran)';
			else {
				try {
					reply = checkBotReply(JSON.parse(text));
				} catch (error) {
					reason = `the workflow's answer is not a valid bot reply (${(error as Error).message.slice(0, 200)})`;
				}
			}
		}
		if (reason || !reply) {
			sendFallback(reason ?? 'invalid reply');
			return res;
		}
		const out = originalEnd(...args);
		options.onSent?.(reply, undefined);
		return out;
	}) as typeof res.end;

	return () => clearTimeout(timer);
}
