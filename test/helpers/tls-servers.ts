/**
 * TLS servers that REQUIRE a client certificate, for the mutual TLS tests: Node `https`
 * (`requestCert` + `rejectUnauthorized`, counting full handshakes) and Debian's nginx
 * (`ssl_verify_client on`) started from a temp config on 127.0.0.1.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import type { TestPki } from './pki';

export interface NodeTlsServer {
	url: string;
	port: number;
	/** Full TLS handshakes accepted (secureConnection events). */
	handshakes(): number;
	/** TCP connections accepted: every handshake attempt, refused ones included. */
	connections(): number;
	close(): Promise<void>;
}

export async function startNodeMtlsServer(
	pki: TestPki,
	opts: {
		minVersion?: 'TLSv1.2' | 'TLSv1.3';
		maxVersion?: 'TLSv1.2' | 'TLSv1.3';
		/** Answers a request itself when it returns true (after the body was read). */
		handler?: (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse, body: Buffer) => boolean;
		/** CA (PEM) the server trusts for client certificates. Default: the test CA. */
		clientCa?: string;
	} = {},
): Promise<NodeTlsServer> {
	let handshakes = 0;
	let connections = 0;
	const server = https.createServer(
		{
			key: pki.serverKey,
			cert: pki.serverCert,
			ca: opts.clientCa ?? pki.caPem,
			requestCert: true,
			rejectUnauthorized: true,
			minVersion: opts.minVersion,
			maxVersion: opts.maxVersion,
			keepAliveTimeout: 30_000,
		},
		(req, res) => {
			const socket = req.socket as TLSSocket;
			const peer = socket.getPeerCertificate();
			const chunks: Buffer[] = [];
			req.on('data', (c: Buffer) => chunks.push(c));
			req.on('end', () => {
				const body = Buffer.concat(chunks);
				if (opts.handler?.(req, res, body)) return;
				res.setHeader('content-type', 'application/json');
				res.setHeader('x-echo', 'yes');
				res.end(
					JSON.stringify({
						client: peer?.subject?.CN ?? null,
						protocol: socket.getProtocol(),
						method: req.method,
						path: req.url,
						headers: req.headers,
						body: body.toString('utf8'),
					}),
				);
			});
		},
	);
	server.on('secureConnection', () => handshakes++);
	server.on('connection', () => connections++);
	server.on('tlsClientError', () => undefined);
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const port = (server.address() as net.AddressInfo).port;
	return {
		url: `https://127.0.0.1:${port}`,
		port,
		handshakes: () => handshakes,
		connections: () => connections,
		close: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}

function findNginx(): string | undefined {
	for (const p of ['/usr/sbin/nginx', '/usr/bin/nginx', '/usr/local/sbin/nginx']) if (existsSync(p)) return p;
	try {
		return execFileSync('sh', ['-c', 'command -v nginx'], { encoding: 'utf8' }).trim() || undefined;
	} catch {
		return undefined;
	}
}

/**
 * The nginx binary; installs Debian's nginx-light when missing (CI starts from a clean machine).
 * Throws a clear message when that is impossible (not root, no apt-get, no network).
 */
export function ensureNginx(): string {
	const found = findNginx();
	if (found) return found;
	const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
	if (!isRoot) throw new Error('nginx is not installed and the tests are not running as root: run "apt-get install -y nginx-light" first');
	try {
		const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
		execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore', env, timeout: 240_000 });
		execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'nginx-light'], { stdio: 'ignore', env, timeout: 240_000 });
	} catch (error) {
		throw new Error(`nginx is not installed and "apt-get install nginx-light" failed (${(error as Error).message.split('\n')[0]}): install nginx to run these tests`);
	}
	const installed = findNginx();
	if (!installed) throw new Error('apt-get reported success but no nginx binary was found');
	return installed;
}

async function freePort(): Promise<number> {
	const srv = net.createServer();
	await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
	const port = (srv.address() as net.AddressInfo).port;
	await new Promise<void>((resolve) => srv.close(() => resolve()));
	return port;
}

export interface NginxServer {
	url: string;
	close(): Promise<void>;
}

/**
 * nginx terminating TLS with a required, CA-verified client certificate. `location`: the body of
 * `location / { … }` (default: a JSON answer naming the client certificate), e.g. a proxy_pass.
 */
export async function startNginxMtls(pki: TestPki, opts: { location?: string } = {}): Promise<NginxServer> {
	const bin = ensureNginx();
	const dir = mkdtempSync(join(tmpdir(), 'lp-nginx-'));
	mkdirSync(join(dir, 'logs'));
	writeFileSync(join(dir, 'server.key'), pki.serverKey);
	writeFileSync(join(dir, 'server.crt'), pki.serverCert);
	writeFileSync(join(dir, 'ca.crt'), pki.caPem);
	for (let attempt = 0; attempt < 3; attempt++) {
		const port = await freePort();
		const conf = `
daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/logs/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port} ssl;
    ssl_certificate ${dir}/server.crt;
    ssl_certificate_key ${dir}/server.key;
    ssl_client_certificate ${dir}/ca.crt;
    ssl_verify_client on;
    ssl_protocols TLSv1.2 TLSv1.3;
    keepalive_requests 10000;
    location / {
      ${opts.location ?? `default_type application/json;
      return 200 '{"client":"$ssl_client_s_dn","verify":"$ssl_client_verify","protocol":"$ssl_protocol"}';`}
    }
  }
}
`;
		writeFileSync(join(dir, 'nginx.conf'), conf);
		const child: ChildProcess = spawn(bin, ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
		let exited = false;
		child.on('exit', () => (exited = true));
		// Wait until the port accepts connections (or nginx exits).
		const started = Date.now();
		let up = false;
		while (!exited && Date.now() - started < 10_000) {
			up = await new Promise<boolean>((resolve) => {
				const s = net.connect(port, '127.0.0.1', () => {
					s.destroy();
					resolve(true);
				});
				s.on('error', () => resolve(false));
			});
			if (up) break;
			await new Promise((r) => setTimeout(r, 50));
		}
		if (up && !exited) {
			return {
				url: `https://127.0.0.1:${port}`,
				close: async () => {
					if (!exited) {
						await new Promise<void>((resolve) => {
							child.once('exit', () => resolve());
							child.kill('SIGTERM');
						});
					}
					rmSync(dir, { recursive: true, force: true });
				},
			};
		}
		child.kill('SIGKILL');
		const log = existsSync(join(dir, 'logs/error.log')) ? readFileSync(join(dir, 'logs/error.log'), 'utf8') : '';
		if (!/Address already in use/.test(log)) {
			rmSync(dir, { recursive: true, force: true });
			throw new Error(`nginx did not start: ${log.slice(-500)}`);
		}
	}
	rmSync(dir, { recursive: true, force: true });
	throw new Error('nginx did not start: no free port after 3 attempts');
}
