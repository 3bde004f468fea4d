/**
 * CLI: `npm run emulator [-- --config file] [--port N] [--https] [--google-service-account file]
 * [--n8n-url URL]` (or LP_EMULATOR_PORT, LP_EMULATOR_GOOGLE_SA_FILE, LP_EMULATOR_N8N_URL). Default port
 * 8090, default config sandbox/emulator/config.json, default n8n http://127.0.0.1:5678 (the start page's
 * webhook calls). Prints the URL and the account identifiers (secrets stay in the config file). Stops
 * cleanly on SIGINT, SIGTERM and SIGHUP, and when the process that started it goes away.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadConfigFile } from './config';
import { startEmulator } from './index';

function arg(name: string): string | undefined {
	const i = process.argv.indexOf(`--${name}`);
	if (i >= 0) return process.argv[i + 1];
	const eq = process.argv.find((a) => a.startsWith(`--${name}=`));
	return eq ? eq.slice(name.length + 3) : undefined;
}

async function main(): Promise<void> {
	const configFile = path.resolve(arg('config') ?? path.join(__dirname, 'config.json'));
	const portText = arg('port') ?? process.env.LP_EMULATOR_PORT ?? '8090';
	const port = Number(portText);
	if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port: expected 0-65535, got "${portText}"`);
	const config = loadConfigFile(configFile);
	// The Google service account whose assertions /google/token accepts (the sandbox keeps one in its folder).
	const saFile = arg('google-service-account') ?? process.env.LP_EMULATOR_GOOGLE_SA_FILE;
	const googleServiceAccountJson = saFile ? fs.readFileSync(path.resolve(saFile), 'utf8') : undefined;
	const n8nUrl = arg('n8n-url') ?? process.env.LP_EMULATOR_N8N_URL;
	const emu = await startEmulator({ port, config, https: process.argv.includes('--https'), googleServiceAccountJson, startPage: { n8nUrl } });
	const c = emu.config;
	const out = [
		`LivePerson emulator listening on ${emu.url} (config ${configFile})`,
		`  samples (start page): ${emu.url}/`,
		`  account ${c.accountId}: CSDS ${emu.url}/api/account/${c.accountId}/service/baseURI.json?version=1.0`,
		`  Login Service user: ${c.user.username}`,
		`  OAuth1 app key: ${c.oauth1.appKey}`,
		`  Sentinel / OAuth2 client id: ${c.oauth2Client.clientId}`,
		`  Google service account: ${emu.googleClientEmail} (token URL ${emu.url}/google/token)`,
		`  Conversation Orchestrator v2 user: ${c.orchestrator.v2.userId}`,
		`  sample mTLS target: ${emu.mtlsTarget.url}/echo (CA: ${emu.url}/__emulator/ca.pem)`,
		`  admin: ${emu.url}/__emulator/health | counts | faults | reset`,
		`  (passwords and secrets: see the config file)`,
	];
	process.stdout.write(out.join('\n') + '\n');
	let stopping = false;
	const stop = (signal: string) => {
		if (stopping) return;
		stopping = true;
		process.stdout.write(`${signal}: stopping the emulator\n`);
		emu.close().then(
			() => process.exit(0),
			() => process.exit(1),
		);
	};
	for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => stop(sig));
	// Started by a wrapper that went away without passing a signal on (a shell killed with SIGKILL): stop too.
	const parent = process.ppid;
	setInterval(() => {
		if (process.ppid !== parent) stop('parent process gone');
	}, 1000).unref();
}

main().catch((e: unknown) => {
	process.stderr.write(`emulator failed to start: ${(e as Error).message}\n`);
	process.exit(1);
});
