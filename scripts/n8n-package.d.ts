/** Types for scripts/n8n-package.js. */
export const REPO: string;
export const NPM_INSTALL_ARGS: string[];
export function buildAndPack(opts?: { repoDir?: string; outDir?: string; quiet?: boolean }): Promise<string>;
export function installCommunityPackage(
	userFolder: string,
	tgz: string,
	opts?: { env?: NodeJS.ProcessEnv; force?: boolean },
): Promise<{ name: string; version: string; dir: string; skipped: boolean }>;
