/**
 * `npx tsx bench/bot-calls.ts [n] [--no-verdicts]`: the LivePerson Bot Trigger's own per-call work, in this process,
 * step by step (the n8n part of a call is not here): the token check (CSDS + JWKS cached after the
 * first call), the body checks, the store work of one event (lease, conversation, answer) and the
 * reply check the guard does. Against the emulator's Sentinel and CSDS, keys generated at start.
 * `--no-verdicts`: every call verifies the token's signature (as before TpbVerdictCache).
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { startEmulator } from '../sandbox/emulator';
import { MemoryTokenStore } from '../lib/auth/store/memory';
import { policyForAllowText } from '../lib/net/policy';
import { verifyTpbAuthorization } from '../lib/inbound/tpb/auth';
import { parseEvent } from '../lib/inbound/tpb/request';
import { checkBotReply } from '../lib/inbound/tpb/reply';
import { BotConversationStore } from '../lib/inbound/tpb/store';
import { botEndpointConfig } from '../nodes/shared/credentialConfig';
import { closeAllDispatchers } from '../lib/http';

async function main() {
	const n = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 2000);
	const noVerdicts = process.argv.includes('--no-verdicts');
	const emu = await startEmulator();
	try {
		const token = ((await (await fetch(`${emu.url}/thirdpartybots/token`, { method: 'POST', body: '{}' })).json()) as { access_token: string }).access_token;
		const data = { accountIds: emu.config.accountId, csdsHost: emu.url, allowedInternalNetworks: 'loopback' };
		const store = new BotConversationStore(new MemoryTokenStore());
		const key = { botId: 'bench', environment: 'draft', conversationId: randomUUID() };
		await store.saveConversation(key, { sdes: {}, context: { type: 'MESSAGING', skillId: 1, engagementId: 2 } } as never);
		const reply = JSON.stringify({ response: [{ type: 'TEXT', data: { message: 'You said: hello' } }], analytics: { intents: [] } });
		const steps: Record<string, number[]> = { credential: [], token: [], body: [], store: [], reply: [] };
		for (let i = -50; i < n; i++) {
			const t0 = performance.now();
			const cfg = botEndpointConfig(data);
			const policy = policyForAllowText(cfg.allowedInternalNetworks);
			const t1 = performance.now();
			const v = await verifyTpbAuthorization(`Bearer ${token}`, { ...cfg, policy, clockToleranceSec: 30, ...(noVerdicts ? { verdicts: false as const } : {}) });
			if (!v.ok) throw new Error(v.message);
			const t2 = performance.now();
			parseEvent({ type: 'TEXT', source: 'CONSUMER', data: { message: `hello ${i}` }, context: { lpEvent: { sequence: i + 100 } } });
			const t3 = performance.now();
			if (!(await store.claimEvent(key, i + 100))) throw new Error('lease');
			await store.loadConversation(key);
			await store.saveReply(key, i + 100, JSON.parse(reply));
			const t4 = performance.now();
			checkBotReply(JSON.parse(reply));
			const t5 = performance.now();
			if (i < 0) continue;
			steps.credential.push(t1 - t0);
			steps.token.push(t2 - t1);
			steps.body.push(t3 - t2);
			steps.store.push(t4 - t3);
			steps.reply.push(t5 - t4);
		}
		const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
		let total = 0;
		for (const [k, xs] of Object.entries(steps)) {
			total += med(xs);
			process.stdout.write(`${k.padEnd(10)} median ${med(xs).toFixed(3)} ms\n`);
		}
		process.stdout.write(`total      ${total.toFixed(3)} ms per call (n = ${n})\n`);
	} finally {
		await emu.close();
		await closeAllDispatchers();
	}
}

void main();
