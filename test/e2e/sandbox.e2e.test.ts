/**
 * `npm start` (npm → scripts/start.js) as a user runs it, on other ports and a temp sandbox folder: n8n
 * answers, the owner can log in, the package's node and credential types are loaded, the sample
 * credentials and example workflows are imported, the emulator's start page (printed as "samples:")
 * triggers a webhook sample in n8n; SIGINT to the npm process alone stops every process; a second
 * start reuses everything (no rebuild, no reinstall, no re-import), and SIGTERM to the npm process
 * alone (what a process manager or an IDE sends) stops every process and frees the ports.
 * The n8n version: LP_N8N_VERSION (default 2.8.4).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

import { freePort, INSTALL_TIMEOUT_MS, processesLeft, REPO_DIR } from './harness';
import { fetchNluToken, resolveNluConfig } from '../../lib/auth/nlu';

const { SANDBOX_EMAIL, SANDBOX_PASSWORD } = require('../../scripts/start.js') as {
	SANDBOX_EMAIL: string;
	SANDBOX_PASSWORD: string;
};

interface Ready {
	editorUrl: string;
	emulatorUrl: string;
	pids: { start: number; n8n: number; emulator: number };
	timings: Record<string, number>;
}

interface Started {
	child: ChildProcess;
	ready: Ready;
	output: () => string;
	exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startSandbox(env: Record<string, string>, timeoutMs: number): Promise<Started> {
	return new Promise((resolve, reject) => {
		// `npm start` in its own process group, as in a terminal; signals below go to the npm pid only.
		const child = spawn('npm', ['start'], {
			cwd: REPO_DIR,
			env: { ...process.env, ...env },
			stdio: ['ignore', 'pipe', 'pipe'],
			detached: true,
		});
		let out = '';
		const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
			child.on('exit', (code, signal) => r({ code, signal })),
		);
		const timer = setTimeout(() => {
			child.kill('SIGINT');
			reject(new Error(`sandbox not ready after ${timeoutMs / 1000}s:\n${out.slice(-5000)}`));
		}, timeoutMs);
		const onData = (b: Buffer) => {
			out += b.toString('utf8');
			const m = /\[sandbox\] READY (\{.*\})\n/.exec(out);
			if (m) {
				clearTimeout(timer);
				resolve({ child, ready: JSON.parse(m[1]) as Ready, output: () => out, exited });
			}
		};
		child.stdout.on('data', onData);
		child.stderr.on('data', onData);
		void exited.then(({ code, signal }) => {
			clearTimeout(timer);
			reject(new Error(`start.js exited (${signal ?? code}) before READY:\n${out.slice(-5000)}`));
		});
	});
}

/** Sends `signal` to the npm process only; its exit, or "still running" after 60 s (then Ctrl-C to the group). */
async function stopSandbox(
	s: Started,
	signal: NodeJS.Signals = 'SIGINT',
): Promise<{ code: number | null; signal: NodeJS.Signals | null } | 'still running after 60 s'> {
	s.child.kill(signal);
	let timer: NodeJS.Timeout | undefined;
	const result = await Promise.race([s.exited, new Promise<'still running after 60 s'>((r) => (timer = setTimeout(() => r('still running after 60 s'), 60_000)))]);
	clearTimeout(timer);
	if (result === 'still running after 60 s') {
		// What a terminal's Ctrl-C does (the whole group): nothing is left behind by a failed test.
		process.kill(-(s.child.pid as number), 'SIGINT');
		await s.exited;
	}
	return result;
}

function portFree(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const srv = net.createServer();
		srv.once('error', () => resolve(false));
		srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
	});
}

/** Processes whose command line mentions dir (n8n, its task runners, the emulator of this sandbox). */
function processesUsing(dir: string): string[] {
	const out: string[] = [];
	for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
		try {
			const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
			const env = fs.readFileSync(`/proc/${pid}/environ`, 'utf8');
			if (cmd.includes(dir) || env.includes(dir)) out.push(`${pid} ${cmd.trim()}`);
		} catch {
			/* gone or not ours */
		}
	}
	return out;
}

/** Type names declared by the built package (package.json n8n block → dist files → description.name / name). */
function declaredTypes(): { nodes: string[]; credentials: string[] } {
	const pkg = JSON.parse(fs.readFileSync(path.join(REPO_DIR, 'package.json'), 'utf8')) as {
		name: string;
		n8n: { nodes: string[]; credentials: string[] };
	};
	const instances = (files: string[]) =>
		files.map((f) => {
			const mod = require(path.join(REPO_DIR, f)) as Record<string, new () => unknown>;
			const cls = mod[path.basename(f).split('.')[0]];
			return new cls() as { name?: string; description?: { name: string } };
		});
	return {
		nodes: instances(pkg.n8n.nodes).map((n) => `${pkg.name}.${n.description?.name}`),
		credentials: instances(pkg.n8n.credentials).map((c) => String(c.name)),
	};
}

describe(`npm start sandbox (n8n ${process.env.LP_N8N_VERSION ?? '2.8.4'})`, () => {
	const sandboxDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lp-sandbox-e2e-'));
	let env: Record<string, string>;
	let first: Started | undefined;

	beforeAll(async () => {
		env = {
			LP_SANDBOX_PORT: String(await freePort()),
			LP_EMULATOR_PORT: String(await freePort()),
			LP_SANDBOX_DIR: sandboxDir,
		};
		// Both starts must pack the same code: pin LP_PACK_REF (e.g. HEAD) to a commit.
		if (process.env.LP_PACK_REF) {
			env.LP_PACK_REF = execFileSync('git', ['rev-parse', process.env.LP_PACK_REF], { cwd: REPO_DIR })
				.toString()
				.trim();
		}
	});

	afterAll(async () => {
		if (first && first.child.exitCode === null) await stopSandbox(first);
		fs.rmSync(sandboxDir, { recursive: true, force: true });
	});

	test(
		'starts, serves the package types and the samples, and stops cleanly; a second start reuses everything',
		async () => {
			first = await startSandbox(env, INSTALL_TIMEOUT_MS);
			const { editorUrl, pids } = first.ready;
			expect(editorUrl).toBe(`http://127.0.0.1:${env.LP_SANDBOX_PORT}`);
			expect(first.ready.emulatorUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
			expect(first.output()).toContain(`${SANDBOX_EMAIL} / ${SANDBOX_PASSWORD}`);
			expect(first.output()).toContain(`samples:  ${first.ready.emulatorUrl}/ `);

			// Log in like the editor does.
			const headers = { 'content-type': 'application/json', 'browser-id': 'lp-sandbox-e2e' };
			const login = await fetch(`${editorUrl}/rest/login`, {
				method: 'POST',
				headers,
				body: JSON.stringify({ emailOrLdapLoginId: SANDBOX_EMAIL, password: SANDBOX_PASSWORD }),
			});
			expect(login.status).toBe(200);
			const cookie = login.headers
				.getSetCookie()
				.map((c) => c.split(';')[0])
				.find((c) => c.startsWith('n8n-auth='));
			expect(cookie).toBeDefined();
			const get = async (p: string) => {
				const res = await fetch(editorUrl + p, { headers: { ...headers, cookie: cookie as string } });
				expect({ path: p, status: res.status }).toEqual({ path: p, status: 200 });
				return res.json() as Promise<unknown>;
			};

			// Node and credential types of the package, as the editor loads them.
			const declared = declaredTypes();
			expect(declared.nodes).toContain('n8n-nodes-liveperson.livePersonDomains');
			const nodeTypes = (await get('/types/nodes.json')) as Array<{ name: string }>;
			const nodeNames = new Set(nodeTypes.map((n) => n.name));
			expect(nodeNames.has('n8n-nodes-base.manualTrigger')).toBe(true);
			for (const n of declared.nodes) expect(nodeNames).toContain(n);
			const credTypes = (await get('/types/credentials.json')) as Array<{ name: string }>;
			const credNames = new Set(credTypes.map((c) => c.name));
			for (const c of declared.credentials) expect(credNames).toContain(c);

			// Sample workflows and credentials were imported (fixed ids).
			const examples = fs
				.readdirSync(path.join(REPO_DIR, 'examples'))
				.filter((f) => f.endsWith('.json'))
				.flatMap((f) => {
					const w = JSON.parse(fs.readFileSync(path.join(REPO_DIR, 'examples', f), 'utf8')) as unknown;
					return (Array.isArray(w) ? w : [w]) as Array<{ id: string }>;
				});
			expect(examples.length).toBeGreaterThan(0);
			const workflows = (await get('/rest/workflows')) as { data: Array<{ id: string }> };
			const wfIds = workflows.data.map((w) => w.id);
			for (const w of examples) expect(wfIds).toContain(w.id);
			const samples = JSON.parse(
				fs.readFileSync(path.join(REPO_DIR, 'sandbox', 'samples', 'credentials.json'), 'utf8'),
			) as Array<{ id: string }>;
			const creds = (await get('/rest/credentials')) as { data: Array<{ id: string }> };
			const credIds = creds.data.map((c) => c.id);
			for (const c of samples) expect(credIds).toContain(c.id);
			// The list answer never carries the sample secrets.
			const emulatorConfig = JSON.parse(
				fs.readFileSync(path.join(REPO_DIR, 'sandbox', 'emulator', 'config.json'), 'utf8'),
			) as { user: { password: string }; oauth2Client: { clientSecret: string } };
			const credsText = JSON.stringify(creds);
			expect(credsText).not.toContain(emulatorConfig.user.password);
			expect(credsText).not.toContain(emulatorConfig.oauth2Client.clientSecret);

			// The sample Dialogflow credential's service account (kept in the sandbox folder, owner-only) is
			// the one the emulator's Google token endpoint accepts.
			const saFile = path.join(sandboxDir, 'google-service-account.json');
			expect(fs.statSync(saFile).mode & 0o077).toBe(0);
			const keyFile = JSON.parse(fs.readFileSync(saFile, 'utf8')) as Record<string, string>;
			const google = resolveNluConfig({ provider: 'dialogflow', serviceAccountJson: JSON.stringify({ ...keyFile, token_uri: `${first.ready.emulatorUrl}/google/token` }), allowedInternalNetworks: 'loopback' });
			await expect(fetchNluToken(google)).resolves.toMatchObject({ value: expect.stringMatching(/^ya29\./) });

			// The start page lists every sample; a webhook sample's button reaches n8n: before the workflow is
			// active n8n's 404 names the webhook, once it is active the Start sample answers a sign-in link.
			const startPage = await fetch(`${first.ready.emulatorUrl}/`);
			expect(startPage.status).toBe(200);
			const pageText = await startPage.text();
			for (const w of examples) expect(pageText).toContain(`${editorUrl}/workflow/${w.id}`);
			const trigger = async () => {
				const res = await fetch(`${first!.ready.emulatorUrl}/__emulator/samples/trigger`, {
					method: 'POST',
					body: JSON.stringify({ workflowId: 'lpExampleCAuthSt', node: 'Bot Asks To Authenticate', mode: 'production' }),
				});
				expect(res.status).toBe(200);
				return (await res.json()) as { url: string; status: number; body: string };
			};
			const before = await trigger();
			expect(before.url).toBe(`${editorUrl}/webhook/consumer-auth/start`);
			expect(before.status).toBe(404);
			expect(before.body).toMatch(/consumer-auth\/start.*not registered/);
			const { versionId } = ((await get('/rest/workflows/lpExampleCAuthSt')) as { data: { versionId: string } }).data;
			const activated = await fetch(`${editorUrl}/rest/workflows/lpExampleCAuthSt/activate`, {
				method: 'POST',
				headers: { ...headers, cookie: cookie as string },
				body: JSON.stringify({ versionId }),
			});
			expect(activated.status).toBe(200);
			// n8n 2.41 registers an activated webhook a moment after the REST call returns.
			let after = await trigger();
			for (let i = 0; i < 20 && after.status === 404; i++) {
				await new Promise((r) => setTimeout(r, 250));
				after = await trigger();
			}
			expect(after.status).toBe(200);
			expect(JSON.parse(after.body)).toMatchObject({
				conversationId: 'conv-1001',
				authorizationUrl: expect.stringMatching(new RegExp(`^${first.ready.emulatorUrl}/consumer-auth/authorize\\?`)),
			});

			// SIGINT to the npm process alone stops start.js, n8n, its task runner and the emulator.
			const firstExit = await stopSandbox(first);
			expect(firstExit).toEqual({ code: 0, signal: null });
			expect(await processesLeft([first.child.pid as number, pids.start, pids.n8n, pids.emulator], 15000)).toEqual([]);
			await expect(fetch(`${editorUrl}/healthz`)).rejects.toThrow();
			await expect(fetch(`${first.ready.emulatorUrl}/__emulator/health`)).rejects.toThrow();

			// Second start: no rebuild, no reinstall, no re-import.
			const second = await startSandbox(env, INSTALL_TIMEOUT_MS);
			let secondExit: Awaited<ReturnType<typeof stopSandbox>> | undefined;
			try {
				expect(second.output()).toContain('not rebuilt');
				expect(second.output()).toContain('already installed');
				expect(second.output()).toContain('not re-imported');
				expect(second.output()).toContain(`start=${second.ready.pids.start}`);
				// npm runs start.js as its child (the script execs node: npm's signals reach it).
				expect(Number(execFileSync('ps', ['-o', 'ppid=', '-p', String(second.ready.pids.start)]).toString().trim())).toBe(second.child.pid);
				// Quiet: n8n's and the emulator's own lines go to their log files, not to the terminal.
				expect(second.output()).not.toMatch(/^\[n8n\]|Python|community nodes/m);
				const again = await fetch(`${second.ready.editorUrl}/rest/login`, {
					method: 'POST',
					headers,
					body: JSON.stringify({ emailOrLdapLoginId: SANDBOX_EMAIL, password: SANDBOX_PASSWORD }),
				});
				expect(again.status).toBe(200);
				process.stderr.write(
					`sandbox start timings: first ${JSON.stringify(first.ready.timings)}, second ${JSON.stringify(second.ready.timings)}\n`,
				);
			} finally {
				// SIGTERM to the npm process alone (not its group): everything it started stops.
				secondExit = await stopSandbox(second, 'SIGTERM');
			}
			expect(secondExit).toEqual({ code: 0, signal: null });
			expect(await processesLeft([second.child.pid as number, second.ready.pids.start, second.ready.pids.n8n, second.ready.pids.emulator], 15000)).toEqual([]);
			expect(processesUsing(sandboxDir)).toEqual([]);
			const emulatorPort = Number(new URL(second.ready.emulatorUrl).port);
			expect(await portFree(Number(env.LP_SANDBOX_PORT))).toBe(true);
			expect(await portFree(emulatorPort)).toBe(true);
		},
		INSTALL_TIMEOUT_MS * 2,
	);
});
