/**
 * `npm run emulator` as a user starts it, stopped by a signal sent to the npm process ONLY (what a
 * process manager, an IDE's stop button or `kill <pid>` does; Ctrl-C in a terminal signals the whole
 * group): the emulator stops, no process of it is left and its port is free again.
 */
import { spawn } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import { processesLeft } from '../e2e/harness';

const REPO = path.resolve(__dirname, '../..');

function portFree(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const srv = net.createServer();
		srv.once('error', () => resolve(false));
		srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
	});
}

test.each(['SIGINT', 'SIGTERM'] as const)(
	'%s to the npm pid stops the emulator and frees its port',
	async (signal) => {
		// Its own process group (detached), as in a terminal: the group tells every process npm started.
		const npm = spawn('npm', ['run', 'emulator', '--', '--port', '0'], { cwd: REPO, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
		const pid = npm.pid as number;
		let out = '';
		const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => npm.on('exit', (code, sig) => r({ code, signal: sig })));
		try {
			const url = await new Promise<string>((resolve, reject) => {
				const timer = setTimeout(() => reject(new Error(`emulator not listening after 60 s:\n${out}`)), 60_000);
				const onData = (b: Buffer) => {
					out += b.toString('utf8');
					const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
					if (m) {
						clearTimeout(timer);
						resolve(m[1]);
					}
				};
				npm.stdout.on('data', onData);
				npm.stderr.on('data', onData);
				void exited.then(() => reject(new Error(`npm exited before the emulator listened:\n${out}`)));
			});
			const port = Number(new URL(url).port);
			expect((await fetch(`${url}/__emulator/health`)).ok).toBe(true);
			expect(await portFree(port)).toBe(false);

			process.kill(pid, signal);
			let timer: NodeJS.Timeout | undefined;
			const exit = await Promise.race([exited, new Promise((r) => (timer = setTimeout(() => r('still running after 20 s'), 20_000)))]);
			clearTimeout(timer);
			expect(exit).toEqual({ code: 0, signal: null });
			expect(out).toContain(`${signal}: stopping the emulator`);
			expect(await processesLeft([pid], 10_000)).toEqual([]);
			expect(await portFree(port)).toBe(true);
		} finally {
			try {
				process.kill(-pid, 'SIGKILL');
			} catch {
				/* already gone */
			}
		}
	},
	90_000,
);
