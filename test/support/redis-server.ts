/**
 * A real redis-server (Debian's /usr/bin/redis-server, or REDIS_SERVER) on a free 127.0.0.1 port in a
 * temp folder: no persistence, no protected-mode surprises, removed on stop(). `kill()` SIGKILLs it
 * (a Redis that dies mid-run); `restart()` starts it again on the same port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export interface RedisServer {
	host: string;
	port: number;
	pid(): number | undefined;
	/** Runs redis-cli with these arguments, returns its stdout (trimmed). */
	cli(...args: string[]): Promise<string>;
	kill(): Promise<void>;
	restart(): Promise<void>;
	stop(): Promise<void>;
}

export function redisServerBin(): string {
	return process.env.REDIS_SERVER || '/usr/bin/redis-server';
}

export function redisAvailable(): boolean {
	return fs.existsSync(redisServerBin());
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const srv = net.createServer();
		srv.on('error', reject);
		srv.listen(0, '127.0.0.1', () => {
			const addr = srv.address() as net.AddressInfo;
			srv.close(() => resolve(addr.port));
		});
	});
}

function ping(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const s = net.connect(port, '127.0.0.1');
		let buf = '';
		s.setTimeout(500, () => {
			s.destroy();
			resolve(false);
		});
		s.on('connect', () => s.write('PING\r\n'));
		s.on('data', (d) => {
			buf += d.toString();
			if (buf.includes('\r\n')) {
				s.destroy();
				resolve(buf.startsWith('+PONG'));
			}
		});
		s.on('error', () => resolve(false));
	});
}

export async function startRedis(opts: { port?: number } = {}): Promise<RedisServer> {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lp-redis-'));
	const port = opts.port ?? (await freePort());
	let child: ChildProcess | undefined;
	let log = '';

	const launch = async () => {
		child = spawn(
			redisServerBin(),
			['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--protected-mode', 'yes', '--daemonize', 'no'],
			{ cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
		);
		child.stdout?.on('data', (d) => (log = (log + d).slice(-4000)));
		child.stderr?.on('data', (d) => (log = (log + d).slice(-4000)));
		const t0 = Date.now();
		while (!(await ping(port))) {
			if (child.exitCode !== null || Date.now() - t0 > 10_000) throw new Error(`redis-server did not start on ${port}:\n${log}`);
			await new Promise((r) => setTimeout(r, 50));
		}
	};
	const killNow = async (signal: NodeJS.Signals) => {
		const c = child;
		if (!c || c.exitCode !== null || c.signalCode !== null) return;
		const exited = new Promise((r) => c.once('exit', r));
		c.kill(signal);
		await exited;
		c.stdout?.destroy();
		c.stderr?.destroy();
	};
	await launch();
	return {
		host: '127.0.0.1',
		port,
		pid: () => child?.pid,
		cli: (...args: string[]) =>
			new Promise((resolve, reject) => {
				const p = spawn('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
				let out = '';
				p.stdout.on('data', (d) => (out += d));
				p.on('error', reject);
				p.on('close', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`redis-cli ${args[0]} exit ${code}`))));
			}),
		kill: () => killNow('SIGKILL'),
		restart: async () => {
			await killNow('SIGKILL');
			await launch();
		},
		stop: async () => {
			await killNow('SIGTERM');
			fs.rmSync(dir, { recursive: true, force: true });
		},
	};
}
