/**
 * A throwaway PostgreSQL (Debian's postgresql 15: initdb + postgres) on a free 127.0.0.1 port in a
 * temp folder, trust authentication on loopback only, durability off (tests), removed on stop().
 * PostgreSQL refuses to run as root: when this process is root, the server runs as the "postgres"
 * system user (runuser), and the temp folder is handed to that user.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from './redis-server';

export const PG_BIN = process.env.LP_PG_BIN || '/usr/lib/postgresql/15/bin';

export interface PostgresServer {
	host: string;
	port: number;
	user: string;
	database: string;
	/** psql -Atc <sql>: rows as text lines, columns separated by '|'. */
	query(sql: string): string;
	stop(): Promise<void>;
}

export function postgresAvailable(): boolean {
	return fs.existsSync(path.join(PG_BIN, 'initdb')) && fs.existsSync(path.join(PG_BIN, 'postgres'));
}

export async function startPostgres(opts: { database?: string } = {}): Promise<PostgresServer> {
	const database = opts.database ?? 'n8n';
	const asRoot = process.getuid?.() === 0;
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lp-pg-'));
	const data = path.join(dir, 'data');
	const runAs = (bin: string, args: string[]): [string, string[]] =>
		asRoot ? ['runuser', ['-u', 'postgres', '--', path.join(PG_BIN, bin), ...args]] : [path.join(PG_BIN, bin), args];
	try {
		if (asRoot) execFileSync('chown', ['postgres:', dir]);
		const [initCmd, initArgs] = runAs('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
		execFileSync(initCmd, initArgs, { stdio: 'pipe' });
	} catch (error) {
		fs.rmSync(dir, { recursive: true, force: true });
		throw error;
	}
	const port = await freePort();
	const [cmd, args] = runAs('postgres', [
		'-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1',
		'-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=200',
	]);
	let log = '';
	const child: ChildProcess = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
	child.stdout?.on('data', (d) => (log = (log + d).slice(-4000)));
	child.stderr?.on('data', (d) => (log = (log + d).slice(-4000)));
	const psql = (db: string, sql: string) =>
		execFileSync(path.join(PG_BIN, 'psql'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', db, '-v', 'ON_ERROR_STOP=1', '-Atc', sql], {
			encoding: 'utf8',
			stdio: ['ignore', 'pipe', 'pipe'],
		}).trim();
	const t0 = Date.now();
	for (;;) {
		try {
			psql('postgres', 'select 1');
			break;
		} catch {
			if (child.exitCode !== null || Date.now() - t0 > 30_000) {
				child.kill('SIGKILL');
				fs.rmSync(dir, { recursive: true, force: true });
				throw new Error(`postgres did not start:\n${log}`);
			}
			await new Promise((r) => setTimeout(r, 200));
		}
	}
	psql('postgres', `create database ${database}`);
	return {
		host: '127.0.0.1',
		port,
		user: 'postgres',
		database,
		query: (sql) => psql(database, sql),
		stop: async () => {
			// Signal the postmaster itself (runuser does not pass signals on): SIGINT = fast shutdown.
			let pid = NaN;
			try {
				pid = Number(fs.readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
			} catch {
				/* not running */
			}
			const alive = (p: number) => {
				try {
					process.kill(p, 0);
					return true;
				} catch {
					return false;
				}
			};
			if (Number.isInteger(pid) && pid > 0 && alive(pid)) {
				process.kill(pid, 'SIGINT');
				const t0 = Date.now();
				while (alive(pid) && Date.now() - t0 < 15_000) await new Promise((r) => setTimeout(r, 100));
				if (alive(pid)) process.kill(pid, 'SIGKILL');
			}
			if (child.exitCode === null && child.signalCode === null) {
				const exited = new Promise((r) => child.once('exit', r));
				const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
				await exited;
				clearTimeout(timer);
			}
			child.stdout?.destroy();
			child.stderr?.destroy();
			fs.rmSync(dir, { recursive: true, force: true });
		},
	};
}
