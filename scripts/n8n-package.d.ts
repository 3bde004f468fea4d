/** Types for scripts/n8n-package.js. */
export const REPO: string;
/** n8n's `npm install` arguments for a community package (without --registry). */
export const NPM_INSTALL_ARGS: string[];
/** https://registry.npmjs.org, n8n's default registry. */
export const DEFAULT_REGISTRY: string;
/** The "prepack" script: removes dist/ and runs `npm run build`. */
export function build(repoDir?: string): void;
/**
 * gitRef (or env LP_PACK_REF): build from that commit's files instead of the working tree. Env
 * LP_PACKED_TGZ (set by `npm test` for its children): a copy of that tarball instead of packing this
 * working tree again.
 */
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
/** Install or update name@version from a registry with the npm commands n8n's installer runs. */
export function installFromRegistry(
	userFolder: string,
	name: string,
	opts?: { version?: string; registry?: string; env?: NodeJS.ProcessEnv },
): Promise<{ name: string; version: string; dir: string; commands: string[][] }>;
