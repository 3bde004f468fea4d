/**
 * A server that refuses the client certificate refuses it on every attempt: the pipeline must not
 * retry it (issue: 4 handshakes per request, 32 per run, ~4 s). Counted at a real Node TLS server
 * that requires a client certificate, on TLS 1.2 (reset during the handshake) and TLS 1.3 (the
 * client's handshake is done; the server closes before answering). The control: a reset of a
 * reused keep-alive connection (an answer was read on it before) is still retried.
 */
import { isRetryableError, send } from '../../lib/http';
import { LpError } from '../../lib/errors';
import { policyForAllowText } from '../../lib/net/policy';
import { closeAllAgents } from '../../lib/tls/agent-pool';
import { mutualTlsConnection, MutualTlsSettings } from '../../lib/tls/credential';
import { clearKeyStoreCache } from '../../lib/tls/keystore';
import { makeTestPki, STORE_PASSWORD, type TestPki } from '../helpers/pki';
import { startNodeMtlsServer } from '../helpers/tls-servers';

const RETRY = { retries: 3, baseDelayMs: 1, sleep: async () => undefined };
const policy = policyForAllowText('loopback');

let pki: TestPki;
beforeAll(() => {
	pki = makeTestPki();
});
afterEach(async () => {
	await closeAllAgents();
	clearKeyStoreCache();
});

const settings = (data: string, version: 'TLSv1.2' | 'TLSv1.3'): MutualTlsSettings => ({
	input: { format: 'pkcs12', data, password: STORE_PASSWORD, trust: { data: pki.caPem } },
	minVersion: version,
	maxVersion: version,
});

describe.each(['TLSv1.2', 'TLSv1.3'] as const)('a refused client certificate over %s', (version) => {
	test('one connection, no retry, a TLS error that says the certificate was refused', async () => {
		const server = await startNodeMtlsServer(pki);
		try {
			const retries: unknown[] = [];
			const error = await send({
				url: new URL(`${server.url}/refused`),
				connection: mutualTlsConnection(settings(pki.p12Untrusted, version)),
				policy,
				retry: RETRY,
				onRetry: (r) => retries.push(r),
			}).then(
				() => undefined,
				(e: unknown) => e,
			);
			expect(error).toBeInstanceOf(LpError);
			const lp = error as LpError;
			expect({ kind: lp.kind, code: lp.code, retryable: isRetryableError(lp) }).toEqual({ kind: 'tls', code: 'CLIENT_CERT_REFUSED', retryable: false });
			expect(lp.message).toMatch(/refused the client certificate/);
			expect(retries).toEqual([]);
			expect(server.connections()).toBe(1);
			expect(server.handshakes()).toBe(0);
		} finally {
			await server.close();
		}
	});

	test('the accepted certificate still connects (same server, same settings otherwise)', async () => {
		const server = await startNodeMtlsServer(pki);
		try {
			const res = await send({ url: new URL(`${server.url}/ok`), connection: mutualTlsConnection(settings(pki.p12Modern, version)), policy, retry: RETRY });
			expect(res.status).toBe(200);
			expect(server.connections()).toBe(1);
		} finally {
			await server.close();
		}
	});
});

test('control: a reset of a reused keep-alive connection (answers were read on it) is retried on a new one', async () => {
	const perSocket = new WeakMap<object, number>();
	let dropped = 0;
	const server = await startNodeMtlsServer(pki, {
		handler: (req, res) => {
			const n = (perSocket.get(req.socket) ?? 0) + 1;
			perSocket.set(req.socket, n);
			// The second request on a connection: the server drops that connection without answering.
			if (n === 2) {
				dropped++;
				req.socket.destroy();
				return true;
			}
			res.end('{}');
			return true;
		},
	});
	try {
		const connection = mutualTlsConnection(settings(pki.p12Modern, 'TLSv1.3'));
		const retries: Array<{ reason: string }> = [];
		const first = await send({ url: new URL(`${server.url}/a`), connection, policy, retry: RETRY });
		expect(first.status).toBe(200);
		// Let undici put the connection back in its pool, so the next request reuses it.
		await new Promise((resolve) => setTimeout(resolve, 20));
		const second = await send({ url: new URL(`${server.url}/b`), connection, policy, retry: RETRY, onRetry: (r) => retries.push(r) });
		expect(second.status).toBe(200);
		expect(dropped).toBe(1);
		expect(retries.map((r) => r.reason)).toEqual([expect.stringMatching(/UND_ERR_SOCKET|ECONNRESET|EPIPE/)]);
		expect(server.connections()).toBe(2);
	} finally {
		await server.close();
	}
});

test('isRetryableError: TLS, blocked and input errors never; network resets and timeouts yes', () => {
	const kinds = ['tls', 'blocked', 'input', 'network', 'timeout'] as const;
	expect(kinds.map((k) => [k, isRetryableError(new LpError(k, 'x'))])).toEqual([
		['tls', false],
		['blocked', false],
		['input', false],
		['network', true],
		['timeout', true],
	]);
});
