/**
 * test/fixtures/oidc-server.mjs (oidc-provider 9) as a child process, and the consumer's browser
 * without a browser (integration tests; the e2e test drives the fixture's sign-in form in Chromium): the
 * authorization request followed through the fixture's login/consent
 * interaction (cookies kept) to the redirect URI.
 */
import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { send } from '../../lib/http';
import type { OutboundPolicy } from '../../lib/net/policy';

export interface OidcFixture {
	issuer: string;
	child: ChildProcess;
}

/** Starts the fixture with this configuration (clients, ttlSeconds, resourceStatus); resolves with its issuer. */
export async function startOidcFixture(config: Record<string, unknown>): Promise<OidcFixture> {
	const child = spawn(process.execPath, [path.join(__dirname, '..', 'fixtures', 'oidc-server.mjs')], {
		env: { ...process.env, OIDC_FIXTURE: JSON.stringify(config) },
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	let stderr = '';
	child.stderr!.on('data', (c) => (stderr += String(c)));
	const issuer = await new Promise<string>((resolve, reject) => {
		let out = '';
		const timer = setTimeout(() => reject(new Error(`oidc fixture did not start: ${stderr}`)), 15_000);
		child.stdout!.on('data', (c) => {
			out += String(c);
			const line = out.split('\n')[0];
			if (out.includes('\n')) {
				clearTimeout(timer);
				resolve((JSON.parse(line) as { issuer: string }).issuer);
			}
		});
		child.on('exit', (code) => reject(new Error(`oidc fixture exited with ${code}: ${stderr}`)));
	});
	return { issuer, child };
}

/** Follows the authorization request through the interaction to `redirectPrefix`, keeping cookies. */
export async function followAuthorization(url: string, redirectPrefix: string, policy: OutboundPolicy): Promise<URL> {
	const jar = new Map<string, string>();
	let next = url;
	for (let hop = 0; hop < 15; hop++) {
		const res = await send({ url: next, headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') }, policy });
		const setCookie = res.headers['set-cookie'];
		for (const c of Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : []) {
			const [pair] = c.split(';');
			const eq = pair.indexOf('=');
			jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1));
		}
		const location = res.headers.location;
		if (res.status < 300 || res.status >= 400 || typeof location !== 'string') {
			throw new Error(`authorization stopped at HTTP ${res.status}: ${res.body.toString().slice(0, 300)}`);
		}
		const target = new URL(location, next);
		if (target.toString().startsWith(redirectPrefix)) return target;
		next = target.toString();
	}
	throw new Error('too many redirects');
}

/** The Consumer Authentication client of the fixture ('bot', PKCE, client_secret_basic) and its redirect URI. */
export const CONSUMER_AUTH_CLIENT = { id: 'bot', secret: 'consumer-web-Secret-81c2', redirect: 'https://n8n.example.test/webhook/consumer-auth/callback' };

/** Starts the fixture with that one client before the file's tests (stops it after); returns a getter of its issuer. */
export function useConsumerAuthProvider(): () => string {
	let fixture: OidcFixture | undefined;
	beforeAll(async () => {
		fixture = await startOidcFixture({
			ttlSeconds: 300,
			clients: [
				{ client_id: CONSUMER_AUTH_CLIENT.id, client_secret: CONSUMER_AUTH_CLIENT.secret, grant_types: ['authorization_code'], response_types: ['code'], redirect_uris: [CONSUMER_AUTH_CLIENT.redirect], token_endpoint_auth_method: 'client_secret_basic' },
			],
		});
	}, 20_000);
	afterAll(() => {
		fixture?.child.kill();
	});
	return () => {
		if (!fixture) throw new Error('the oidc fixture is not started yet');
		return fixture.issuer;
	};
}
