/** Types for scripts/n8n-package.js. */
export const REPO: string;
export const NPM_INSTALL_ARGS: string[];
/** gitRef (or env LP_PACK_REF): build from that commit's files instead of the working tree. */
export function buildAndPack(opts?: {
	repoDir?: string;
	outDir?: string;
	quiet?: boolean;
	gitRef?: string;
}): Promise<string>;
export function installCommunityPackage(
	userFolder: string,
	tgz: string,
	opts?: { env?: NodeJS.ProcessEnv; force?: boolean },
): Promise<{ name: string; version: string; dir: string; skipped: boolean }>;
