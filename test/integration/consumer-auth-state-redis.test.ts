/**
 * Consumer Authentication state in n8n queue mode: Start on one worker, Complete on others, with
 * the token cache's Redis store (a real redis-server on 127.0.0.1, one connection per "worker").
 * 40 concurrent Completes of one state spread over two workers → exactly one exchanges the code
 * (one token request); the 39 others are "unknown or already used". The record is sealed in Redis
 * (no conversation ID or verifier in clear).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { completeConsumerAuth, startConsumerAuth, tokenStoreStateStore, type ConsumerAuthConfig } from '../../lib/auth/consumer-auth';
import { RedisTokenStore } from '../../lib/auth/store/redis';
import { LpError } from '../../lib/errors';
import { closeAllDispatchers } from '../../lib/http';
import { startRedis, type RedisServer } from '../support/redis-server';

jest.setTimeout(60_000);

let redis: RedisServer;
let idp: http.Server;
let tokenUrl = '';
let tokenRequests = 0;
const verifiersSeen: string[] = [];
const encryptionKey = randomBytes(24).toString('base64');
const stores: RedisTokenStore[] = [];

beforeAll(async () => {
	redis = await startRedis();
	idp = http.createServer(async (req, res) => {
		const chunks: Buffer[] = [];
		for await (const c of req) chunks.push(c as Buffer);
		tokenRequests++;
		const verifier = new URLSearchParams(Buffer.concat(chunks).toString()).get('code_verifier');
		if (verifier) verifiersSeen.push(verifier);
		res.writeHead(200, { 'content-type': 'application/json' });
		res.end(JSON.stringify({ access_token: `consumer-tok-${tokenRequests}`, expires_in: 600, token_type: 'Bearer' }));
	});
	await new Promise<void>((r) => idp.listen(0, '127.0.0.1', () => r()));
	tokenUrl = `http://127.0.0.1:${(idp.address() as AddressInfo).port}/token`;
}, 30_000);
afterAll(async () => {
	for (const s of stores) await s.close();
	idp?.closeAllConnections();
	await new Promise<void>((r) => idp.close(() => r()));
	await redis?.stop();
	await closeAllDispatchers();
});

function worker() {
	const store = new RedisTokenStore({ host: redis.host, port: redis.port, encryptionKey, commandTimeoutMs: 1000, connectTimeoutMs: 2000 });
	stores.push(store);
	return tokenStoreStateStore(store);
}

const cfg = (): ConsumerAuthConfig => ({ authUrl: 'https://idp.example.test/auth', tokenUrl, clientId: 'bot', clientSecret: 'redis-test-secret', allowedInternalNetworks: 'loopback' });

test('Start on worker A, 40 concurrent Completes on A and B: one wins, one token request', async () => {
	const [a, b] = [worker(), worker()];
	const started = await startConsumerAuth(cfg(), { conversationId: 'conv-queue-7', redirectUri: 'https://n8n.example.test/webhook/cb' }, { store: a });
	const state = new URL(started.authorizationUrl).searchParams.get('state')!;

	// Sealed at rest: nothing readable of the record in Redis.
	const keys = (await redis.cli('KEYS', '*')).split('\n').filter(Boolean);
	expect(keys.length).toBeGreaterThan(0);
	for (const k of keys) {
		const raw = await redis.cli('GET', k).catch(() => '');
		expect(raw).not.toContain('conv-queue-7');
		expect(raw).not.toContain('codeVerifier');
	}

	const outcomes = await Promise.allSettled(Array.from({ length: 40 }, (_, i) => completeConsumerAuth(cfg(), { state, code: 'the-code' }, { store: i % 2 ? a : b, io: { retry: { retries: 0 } } })));
	const won = outcomes.filter((o) => o.status === 'fulfilled');
	const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
	expect(won).toHaveLength(1);
	expect((won[0] as PromiseFulfilledResult<{ conversationId: string }>).value.conversationId).toBe('conv-queue-7');
	expect(lost.every((o) => o.reason instanceof LpError && o.reason.code === 'CONSUMER_AUTH_STATE_UNKNOWN')).toBe(true);
	expect(tokenRequests).toBe(1);
	// The verifier sent is the one whose S256 challenge was in the URL.
	const { codeChallengeS256 } = await import('../../lib/auth/pkce');
	expect(codeChallengeS256(verifiersSeen[0])).toBe(new URL(started.authorizationUrl).searchParams.get('code_challenge'));
});
