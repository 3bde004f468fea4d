#!/usr/bin/env node
'use strict';
/**
 * `npm start` (after `npm ci`): a local n8n with this package installed as a community package, the
 * LivePerson emulator, sample credentials and the example workflows.
 *
 *   build + pack → ensure n8n (default 2.8.4, cached outside the repo) → persistent user folder under
 *   .sandbox/ → install the .tgz into <userFolder>/.n8n/nodes (skipped when unchanged) → emulator
 *   (port 8090 or the next free one) → import sandbox/samples/credentials.json + examples/*.json
 *   (skipped when unchanged; fixed ids, so re-imports overwrite) → `n8n start` on 127.0.0.1:5678 →
 *   /healthz → owner account → prints the editor URL and the sandbox login. Ctrl-C stops everything.
 *
 * Environment: LP_SANDBOX_PORT (5678), LP_EMULATOR_PORT (8090; the next free port is used if taken),
 * LP_SANDBOX_DIR (<repo>/.sandbox), LP_N8N_VERSION (2.8.4), LP_N8N_CACHE (see n8n-install.js).
 * Exported: start(options) → handle { editorUrl, emulatorUrl, email, password, pids, timings, stop() }.
 */
const { spawn } = require('child_process');
const crypto = require('crypto');
const fs = require('fs');
const net = require('net');
const path = require('path');

const { ensureN8n, instanceEnv, DEFAULT_VERSION } = require('./n8n-install');
const { buildAndPack, installCommunityPackage, REPO } = require('./n8n-package');

const SANDBOX_EMAIL = 'sandbox@example.com';
/** Sandbox-only login of a loopback n8n; printed on purpose so people can log in. */
const SANDBOX_PASSWORD = 'Sandbox-Passw0rd1';
const HOST = '127.0.0.1';

function say(msg) {
	process.stdout.write(`[sandbox] ${msg}\n`);
}

function portFree(port) {
	return new Promise((resolve) => {
		const srv = net.createServer();
		srv.once('error', () => resolve(false));
		srv.listen(port, HOST, () => srv.close(() => resolve(true)));
	});
}

async function firstFreePort(from, tries = 50) {
	for (let p = from; p < from + tries; p++) if (await portFree(p)) return p;
	throw new Error(`no free port on ${HOST} in ${from}-${from + tries - 1}`);
}

function sleep(ms) {
	return new Promise((r) => setTimeout(r, ms));
}

/**
 * Every process group this script started and that is still running (services and n8n CLI imports):
 * a signal that arrives while the sandbox is still starting stops them too.
 */
const running = new Set();

function killGroup(pid, sig) {
	try {
		process.kill(-pid, sig);
	} catch {
		/* group gone */
	}
}

/** Spawns a child in its own process group; its output goes to logFile (and to the terminal when echo). */
function spawnService(name, cmd, args, { env, cwd, logFile, echo = false }) {
	const log = fs.createWriteStream(logFile, { flags: 'a' });
	log.write(`\n--- ${new Date().toISOString()} ${name} starting\n`);
	const child = spawn(cmd, args, { env, cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
	running.add(child.pid);
	let recent = '';
	const onData = (chunk) => {
		const text = String(chunk);
		log.write(text);
		recent = (recent + text).slice(-6000);
		if (echo) for (const line of text.split(/\r?\n/)) if (line.trim()) process.stdout.write(`[${name}] ${line}\n`);
	};
	child.stdout.on('data', onData);
	child.stderr.on('data', onData);
	let exited = false;
	const exitPromise = new Promise((resolve) => {
		child.on('exit', (code, signal) => {
			exited = true;
			resolve({ code, signal });
		});
	});
	child.on('close', () => {
		log.end();
		// The group may still hold grandchildren (task runners): kill it before forgetting it.
		killGroup(child.pid, 'SIGKILL');
		running.delete(child.pid);
	});
	return {
		name,
		child,
		pid: child.pid,
		recent: () => recent,
		exited: () => exited,
		exitPromise,
		async stop(graceMs = 10000) {
			const kill = (sig) => killGroup(child.pid, sig);
			kill('SIGTERM');
			// A clearable timer: a pending 10 s sleep would keep the caller's event loop (and Jest) alive.
			let graceTimer;
			const timer = new Promise((r) => (graceTimer = setTimeout(() => r('timeout'), graceMs)));
			const first = await Promise.race([exitPromise, timer]);
			clearTimeout(graceTimer);
			if (first === 'timeout') kill('SIGKILL');
			await exitPromise;
			// Grandchildren (task runners) in the same group.
			await sleep(200);
			kill('SIGKILL');
		},
	};
}

/** Runs an n8n CLI command to completion; returns its output, throws on failure. */
function n8nCli(n8n, env, args, cwd) {
	return new Promise((resolve, reject) => {
		const child = spawn(n8n.nodeBin, [n8n.bin, ...args], { env, cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
		running.add(child.pid);
		let out = '';
		child.stdout.on('data', (b) => (out += b));
		child.stderr.on('data', (b) => (out += b));
		child.on('error', reject);
		child.on('close', (code) => {
			killGroup(child.pid, 'SIGKILL');
			running.delete(child.pid);
			if (code === 0) resolve(out);
			else reject(new Error(`n8n ${args[0]} failed (exit ${code}):\n${out.slice(-4000)}`));
		});
	});
}

async function waitFor(what, fn, { timeoutMs, service }) {
	const t0 = Date.now();
	for (;;) {
		try {
			if (await fn()) return;
		} catch {
			/* not yet */
		}
		if (service && service.exited()) throw new Error(`${service.name} exited while waiting for ${what}:\n${service.recent()}`);
		if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
		await sleep(300);
	}
}

/** Files that make up the packed package: a change to any of them triggers a rebuild. */
const SOURCE_DIRS = ['credentials', 'nodes', 'lib'];
const SOURCE_FILES = ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'gulpfile.js', 'index.js', 'README.md', 'LICENSE', 'CHANGELOG.md'];

/** Content hash of the package's sources (or, with LP_PACK_REF, of the commit that is packed). */
function sourceHash() {
	const h = crypto.createHash('sha256');
	if (process.env.LP_PACK_REF) {
		const { execFileSync } = require('child_process');
		h.update('ref\0' + execFileSync('git', ['rev-parse', process.env.LP_PACK_REF], { cwd: REPO }).toString().trim());
		return h.digest('hex');
	}
	const walk = (rel) => {
		const abs = path.join(REPO, rel);
		if (!fs.existsSync(abs)) return;
		const st = fs.statSync(abs);
		if (st.isDirectory()) {
			for (const e of fs.readdirSync(abs).sort()) if (e !== 'node_modules') walk(path.join(rel, e));
		} else if (st.isFile()) {
			h.update(rel + '\0');
			h.update(fs.readFileSync(abs));
			h.update('\0');
		}
	};
	for (const f of [...SOURCE_FILES, ...SOURCE_DIRS]) walk(f);
	return h.digest('hex');
}

/**
 * The sandbox's Google service account (the sample Dialogflow credential signs its token requests with
 * it; the emulator's /google/token checks them): made once, kept in the sandbox folder (0600), so the
 * imported credential stays valid across starts. A test key for the emulator only, never a Google one.
 */
function sandboxGoogleServiceAccount(sandboxDir) {
	const file = path.join(sandboxDir, 'google-service-account.json');
	if (!fs.existsSync(file)) {
		const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
		const keyFile = {
			type: 'service_account',
			project_id: 'lp-sandbox',
			private_key_id: crypto.randomBytes(20).toString('hex'),
			private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }),
			client_email: 'sandbox-nlu@lp-sandbox.iam.gserviceaccount.com',
			client_id: '100000000000000000001',
		};
		fs.writeFileSync(file, JSON.stringify(keyFile, null, 2) + '\n', { mode: 0o600 });
	}
	return { file, keyFile: loadJson(file) };
}

/** The path of `request` as installed under `dir`, or undefined when it is not installed. */
function resolveFrom(dir, request) {
	try {
		return require.resolve(request, { paths: [dir] });
	} catch {
		return undefined;
	}
}

function loadJson(file) {
	return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/** Replaces {{EMULATOR_URL}}, {{EMULATOR_HOSTPORT}}, {{GOOGLE_SERVICE_ACCOUNT_JSON}} and {{config:a.b}} (emulator config). */
function template(value, vars, config) {
	if (typeof value === 'string') {
		return value.replace(/\{\{\s*([A-Za-z_:.0-9]+)\s*\}\}/g, (m, key) => {
			if (key.startsWith('config:')) {
				const v = key
					.slice(7)
					.split('.')
					.reduce((o, k) => (o && typeof o === 'object' ? o[k] : undefined), config);
				if (v === undefined) throw new Error(`sandbox/samples/credentials.json: unknown ${m}`);
				return String(v);
			}
			if (!(key in vars)) throw new Error(`sandbox/samples/credentials.json: unknown ${m}`);
			return vars[key];
		});
	}
	if (Array.isArray(value)) return value.map((v) => template(v, vars, config));
	if (value && typeof value === 'object') {
		return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, template(v, vars, config)]));
	}
	return value;
}

async function rest(base, method, p, { body, cookie } = {}) {
	const res = await fetch(base + p, {
		method,
		headers: {
			'content-type': 'application/json',
			'browser-id': 'lp-sandbox',
			...(cookie ? { cookie } : {}),
		},
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	const text = await res.text();
	let json;
	try {
		json = JSON.parse(text);
	} catch {
		json = undefined;
	}
	const setCookie = res.headers.getSetCookie ? res.headers.getSetCookie() : [];
	const auth = setCookie.map((c) => c.split(';')[0]).find((c) => c.startsWith('n8n-auth='));
	return { status: res.status, json, text, cookie: auth };
}

/** Logs in as the sandbox owner (creating it on a fresh instance); returns the session cookie. */
async function ensureOwner(base, email = SANDBOX_EMAIL, password = SANDBOX_PASSWORD) {
	let login = await rest(base, 'POST', '/rest/login', { body: { emailOrLdapLoginId: email, password } });
	if (login.status === 200 && login.cookie) return { cookie: login.cookie, created: false };
	const setup = await rest(base, 'POST', '/rest/owner/setup', {
		body: { email, firstName: 'Sandbox', lastName: 'Owner', password },
	});
	if (setup.status !== 200) {
		throw new Error(
			`could not log in as ${email} (HTTP ${login.status}) nor create the owner (HTTP ${setup.status}: ${setup.text.slice(0, 300)}). ` +
				'If the owner was changed, delete the sandbox folder to start over.',
		);
	}
	login = await rest(base, 'POST', '/rest/login', { body: { emailOrLdapLoginId: email, password } });
	if (login.status !== 200 || !login.cookie) throw new Error(`login after owner setup failed: HTTP ${login.status}`);
	return { cookie: login.cookie, created: true };
}

/**
 * The sample bot (examples/liveperson-bot.json, a LivePerson Bot Trigger workflow): published so its
 * webhooks answer, and the emulator's chat page (Third-Party Bots played by the emulator) pointed at
 * it. Returns the chat URL.
 */
async function prepareSampleBot(editorUrl, emulatorUrl, cookie, workflows) {
	const isTrigger = (n) => /\.livePersonBotTrigger$/.test(n.type);
	const wf = workflows.find((w) => (w.nodes || []).some(isTrigger));
	if (!wf) return undefined;
	const trigger = wf.nodes.find(isTrigger);
	const current = await rest(editorUrl, 'GET', `/rest/workflows/${wf.id}`, { cookie });
	if (current.status !== 200) throw new Error(`GET workflow ${wf.id}: HTTP ${current.status}`);
	const data = current.json.data;
	if (!data.active) {
		const act = await rest(editorUrl, 'POST', `/rest/workflows/${wf.id}/activate`, { cookie, body: { versionId: data.versionId } });
		if (act.status !== 200) throw new Error(`activate ${wf.id}: HTTP ${act.status} ${act.text.slice(0, 200)}`);
	}
	const settings = { botUrl: `${editorUrl}/webhook/${trigger.webhookId}`, botId: trigger.parameters.botId, environment: 'draft' };
	const res = await fetch(`${emulatorUrl}/thirdpartybots/settings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(settings) });
	if (!res.ok) throw new Error(`emulator settings: HTTP ${res.status}`);
	return `${emulatorUrl}/chat`;
}

/**
 * Starts the sandbox. Resolves once n8n answers and the owner exists.
 * `imports: false` skips the sample credentials and example workflows (a caller that makes its own, such as
 * the browser test: each n8n CLI import starts n8n once, several seconds).
 * @param {{ port?: number, emulatorPort?: number, sandboxDir?: string, version?: string, echo?: boolean, imports?: boolean }} [opts]
 */
async function start(opts = {}) {
	const t0 = Date.now();
	const timings = {};
	const mark = (k, since) => (timings[k] = Math.round((Date.now() - since) / 100) / 10);
	const port = Number(opts.port ?? process.env.LP_SANDBOX_PORT ?? 5678);
	const emulatorPortWanted = Number(opts.emulatorPort ?? process.env.LP_EMULATOR_PORT ?? 8090);
	const sandboxDir = path.resolve(opts.sandboxDir ?? process.env.LP_SANDBOX_DIR ?? path.join(REPO, '.sandbox'));
	const version = opts.version ?? process.env.LP_N8N_VERSION ?? DEFAULT_VERSION;
	const echo = opts.echo ?? process.env.LP_SANDBOX_VERBOSE === '1';
	fs.mkdirSync(sandboxDir, { recursive: true });
	if (!(await portFree(port))) throw new Error(`port ${HOST}:${port} is taken (set LP_SANDBOX_PORT)`);

	let t = Date.now();
	const packDir = path.join(sandboxDir, 'pack');
	const stampFile = path.join(packDir, 'stamp.json');
	const srcHash = sourceHash();
	let stamp;
	try {
		stamp = loadJson(stampFile);
	} catch {
		stamp = undefined;
	}
	let tgz;
	if (stamp && stamp.hash === srcHash && typeof stamp.tgz === 'string' && fs.existsSync(stamp.tgz)) {
		tgz = stamp.tgz;
		say('sources unchanged since the last start: not rebuilt');
	} else {
		fs.rmSync(packDir, { recursive: true, force: true });
		say('building and packing the package');
		tgz = await buildAndPack({ outDir: packDir, quiet: !echo });
		fs.writeFileSync(stampFile, JSON.stringify({ hash: srcHash, tgz, builtAt: new Date().toISOString() }, null, 2));
	}
	mark('buildAndPack', t);

	t = Date.now();
	const n8n = await ensureN8n(version);
	mark('ensureN8n', t);

	const userFolder = path.join(sandboxDir, `n8n-${version}`);
	fs.mkdirSync(userFolder, { recursive: true });
	const env = {
		...instanceEnv(n8n, userFolder),
		DB_TYPE: 'sqlite',
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		// No fetch of n8n's verified community-node list from api.n8n.io (it fails offline and logs an error).
		N8N_VERIFIED_PACKAGES_ENABLED: 'false',
		// The sandbox installs this package itself; n8n need not reinstall "missing" packages from npm.
		N8N_REINSTALL_MISSING_PACKAGES: 'false',
		// n8n v3 loads unverified community packages only with this set (harmless before v3).
		N8N_UNVERIFIED_PACKAGES_ENABLED: 'true',
		npm_config_update_notifier: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_LISTEN_ADDRESS: HOST,
		N8N_HOST: HOST,
		N8N_PORT: String(port),
		N8N_PROTOCOL: 'http',
		N8N_EDITOR_BASE_URL: `http://${HOST}:${port}`,
		N8N_SECURE_COOKIE: 'false',
		N8N_RUNNERS_BROKER_LISTEN_ADDRESS: HOST,
		N8N_LOG_LEVEL: process.env.LP_N8N_LOG_LEVEL || 'info',
		N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'true',
		NODE_ENV: 'production',
	};

	t = Date.now();
	const installed = await installCommunityPackage(userFolder, tgz, { env });
	say(`${installed.name}@${installed.version} ${installed.skipped ? 'already installed' : 'installed'} in ${path.join(userFolder, '.n8n', 'nodes')}`);
	mark('installPackage', t);

	const services = [];
	const stop = async () => {
		for (const s of services.reverse()) await s.stop();
		services.length = 0;
	};
	try {
		t = Date.now();
		const emulatorPort = await firstFreePort(emulatorPortWanted);
		// The emulator runs in one Node process with tsx's CommonJS hook (tsx's CLI would add a second
		// process and an IPC folder in the temp directory).
		const emuArgs = ['sandbox/emulator/main.ts', '--port', String(emulatorPort)];
		const tsxHook = resolveFrom(REPO, 'tsx/cjs');
		const emuCmd = tsxHook ? [process.execPath, ['--require', tsxHook, ...emuArgs]] : ['npx', ['tsx', ...emuArgs]];
		const google = sandboxGoogleServiceAccount(sandboxDir);
		const emulator = spawnService('emulator', emuCmd[0], emuCmd[1], {
			// LP_EMULATOR_N8N_URL: the start page's webhook buttons call this n8n.
			env: { ...process.env, LP_EMULATOR_PORT: String(emulatorPort), LP_EMULATOR_GOOGLE_SA_FILE: google.file, LP_EMULATOR_N8N_URL: `http://${HOST}:${port}` },
			cwd: REPO,
			logFile: path.join(sandboxDir, 'emulator.log'),
			echo,
		});
		services.push(emulator);
		const emulatorUrl = `http://${HOST}:${emulatorPort}`;
		// The emulator starts while n8n imports and starts; its health is awaited below.
		const tEmulator = t;
		const emulatorUp = waitFor('the emulator', async () => (await fetch(`${emulatorUrl}/__emulator/health`)).ok, {
			timeoutMs: 60000,
			service: emulator,
		}).then(() => mark('emulator', tEmulator));
		emulatorUp.catch(() => undefined);

		// Imports: only when the templated credentials or the example workflows changed.
		t = Date.now();
		const emulatorConfig = loadJson(path.join(REPO, 'sandbox', 'emulator', 'config.json'));
		const vars = {
			EMULATOR_URL: emulatorUrl,
			EMULATOR_HOSTPORT: `${HOST}:${emulatorPort}`,
			GOOGLE_SERVICE_ACCOUNT_JSON: JSON.stringify({ ...google.keyFile, token_uri: `${emulatorUrl}/google/token` }),
		};
		const credsFile = path.join(REPO, 'sandbox', 'samples', 'credentials.json');
		const imports = opts.imports !== false;
		const credentials = imports && fs.existsSync(credsFile) ? template(loadJson(credsFile), vars, emulatorConfig) : [];
		const examplesDir = path.join(REPO, 'examples');
		const workflows = imports && fs.existsSync(examplesDir)
			? fs
					.readdirSync(examplesDir)
					.filter((f) => f.endsWith('.json'))
					.sort()
					.flatMap((f) => {
						const w = loadJson(path.join(examplesDir, f));
						return Array.isArray(w) ? w : [w];
					})
			: [];
		for (const w of workflows) {
			if (!w.id) throw new Error(`examples: workflow "${w.name}" needs a fixed "id" (16 letters/digits)`);
		}
		const importHash = crypto
			.createHash('sha256')
			.update(JSON.stringify({ credentials, workflows, version }))
			.digest('hex');
		const hashFile = path.join(userFolder, '.lp-imported.sha256');
		const previous = fs.existsSync(hashFile) ? fs.readFileSync(hashFile, 'utf8').trim() : '';
		if (previous !== importHash) {
			const tmp = fs.mkdtempSync(path.join(sandboxDir, 'import-'));
			try {
				if (credentials.length) {
					const f = path.join(tmp, 'credentials.json');
					fs.writeFileSync(f, JSON.stringify(credentials), { mode: 0o600 });
					say(`importing ${credentials.length} sample credentials`);
					await n8nCli(n8n, env, ['import:credentials', `--input=${f}`], userFolder);
				}
				if (workflows.length) {
					const f = path.join(tmp, 'workflows.json');
					fs.writeFileSync(f, JSON.stringify(workflows));
					say(`importing ${workflows.length} example workflows`);
					await n8nCli(n8n, env, ['import:workflow', `--input=${f}`], userFolder);
				}
			} finally {
				fs.rmSync(tmp, { recursive: true, force: true });
			}
			fs.writeFileSync(hashFile, importHash + '\n');
		} else {
			say('sample credentials and example workflows unchanged: not re-imported');
		}
		mark('imports', t);

		await emulatorUp;
		t = Date.now();
		// Next to the editor port (n8n's own default is 5679), not a kernel-chosen ephemeral port: those
		// are handed out again to our own outgoing health checks and n8n then finds its port taken.
		const brokerPort = await firstFreePort(port + 1);
		const n8nProc = spawnService('n8n', n8n.nodeBin, [n8n.bin, 'start'], {
			env: { ...env, N8N_RUNNERS_BROKER_PORT: String(brokerPort) },
			cwd: userFolder,
			logFile: path.join(sandboxDir, 'n8n.log'),
			echo,
		});
		services.push(n8nProc);
		const editorUrl = `http://${HOST}:${port}`;
		await waitFor('n8n /healthz', async () => (await fetch(`${editorUrl}/healthz`)).ok, {
			timeoutMs: 180000,
			service: n8nProc,
		});
		// /healthz answers before the REST API is mounted: wait for what the editor asks first.
		// While starting, n8n answers every path with 200 "n8n is starting up. Please wait": wait for JSON.
		await waitFor('the n8n REST API', async () => {
			const res = await fetch(`${editorUrl}/rest/settings`);
			return res.status === 200 && (await res.json()).data !== undefined;
		}, {
			timeoutMs: 180000,
			service: n8nProc,
		});
		mark('n8nStart', t);
		t = Date.now();
		const owner = await ensureOwner(editorUrl);
		mark('owner', t);
		let chatUrl;
		try {
			chatUrl = await prepareSampleBot(editorUrl, emulatorUrl, owner.cookie, workflows);
		} catch (e) {
			say(`the sample bot is not ready (${e && e.message ? e.message : e}); activate it in the editor`);
		}
		timings.total = Math.round((Date.now() - t0) / 100) / 10;

		return {
			version,
			editorUrl,
			emulatorUrl,
			chatUrl,
			email: SANDBOX_EMAIL,
			password: SANDBOX_PASSWORD,
			ownerCreated: owner.created,
			userFolder,
			sandboxDir,
			pids: { start: process.pid, n8n: n8nProc.pid, emulator: emulator.pid },
			logs: { n8n: path.join(sandboxDir, 'n8n.log'), emulator: path.join(sandboxDir, 'emulator.log') },
			timings,
			services,
			stop,
		};
	} catch (e) {
		await stop();
		throw e;
	}
}

module.exports = { start, ensureOwner, template, SANDBOX_EMAIL, SANDBOX_PASSWORD };

/** `--n8n <version>` / `--n8n=<version>` from the command line (npm start -- --n8n 2.41.3). */
function versionArg(argv) {
	for (let i = 0; i < argv.length; i++) {
		if (argv[i] === '--n8n' && argv[i + 1]) return argv[i + 1];
		if (argv[i].startsWith('--n8n=')) return argv[i].slice(6);
	}
	return undefined;
}

if (require.main === module) {
	let handle;
	let stopping = false;
	const shutdown = async (reason, code = 0) => {
		if (stopping) return;
		stopping = true;
		say(`${reason}: stopping n8n and the emulator`);
		try {
			if (handle) await handle.stop();
			// Anything started before the sandbox was ready (emulator, n8n, an import).
			for (const pid of [...running].reverse()) killGroup(pid, 'SIGTERM');
			const t0 = Date.now();
			while (running.size && Date.now() - t0 < 10000) await sleep(200);
			for (const pid of running) killGroup(pid, 'SIGKILL');
		} finally {
			say('stopped');
			process.exit(code);
		}
	};
	// SIGINT (Ctrl-C), SIGTERM (process managers, IDEs, `kill <pid>`), SIGHUP (terminal closed).
	for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => void shutdown(sig));
	// If whoever started us goes away without a signal reaching us (e.g. a shell killed with SIGKILL),
	// do not leave n8n running on its own.
	const parent = process.ppid;
	setInterval(() => {
		if (process.ppid !== parent) void shutdown('parent process gone');
	}, 1000).unref();
	const version = versionArg(process.argv.slice(2));
	start(version ? { version } : {})
		.then((h) => {
			handle = h;
			if (stopping) return h.stop();
			const account = loadJson(path.join(REPO, 'sandbox', 'emulator', 'config.json')).accountId;
			const lines = [
				'',
				`n8n ${h.version} is ready in ${h.timings.total}s`,
				`  editor:   ${h.editorUrl}`,
				`  login:    ${h.email} / ${h.password}`,
				`  emulator: ${h.emulatorUrl} (LivePerson account ${account})`,
				`  samples:  ${h.emulatorUrl}/ (every sample workflow; buttons and curl commands for the webhook ones)`,
				...(h.chatUrl ? [`  bot chat: ${h.chatUrl} (the sample bot, examples/liveperson-bot.json)`] : []),
				`  data:     ${h.userFolder}`,
				`  logs:     ${h.logs.n8n}, ${h.logs.emulator}`,
				`  pids:     start=${h.pids.start} n8n=${h.pids.n8n} emulator=${h.pids.emulator}`,
				`Stop: Ctrl-C, or kill ${h.pids.start} (SIGTERM or SIGINT).`,
				'',
			];
			process.stdout.write(lines.join('\n'));
			say(`READY ${JSON.stringify({ editorUrl: h.editorUrl, emulatorUrl: h.emulatorUrl, pids: h.pids, timings: h.timings })}`);
			// If a service dies on its own, stop the rest and exit non-zero.
			for (const s of h.services) {
				s.exitPromise.then(({ code, signal }) => {
					if (stopping) return;
					say(`${s.name} exited (${signal || code}); see ${h.logs[s.name] || 'its log'}`);
					void shutdown(`${s.name} exited`, 1);
				});
			}
		})
		.catch((e) => {
			process.stderr.write(`[sandbox] failed: ${e && e.message ? e.message : e}\n`);
			if (stopping) return;
			void shutdown('start failed', 1);
		});
}
