/**
 * Docker build-context rules without a Docker engine: which files a .dockerignore lets into the context
 * (Docker's rules: patterns relative to the context root, `*` and `?` within one path segment, `**` any
 * number of segments, `!` re-includes, the last matching line wins, a pattern matching a folder covers
 * everything under it).
 */
import * as fs from 'node:fs';

function toRegExp(pattern: string): RegExp {
	let re = '';
	const p = pattern.replace(/^\/+/, '').replace(/\/+$/, '');
	for (let i = 0; i < p.length; i++) {
		const c = p[i];
		if (c === '*' && p[i + 1] === '*') {
			re += p[i + 2] === '/' ? '(?:.*/)?' : '.*';
			i += p[i + 2] === '/' ? 2 : 1;
		} else if (c === '*') re += '[^/]*';
		else if (c === '?') re += '[^/]';
		else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
	}
	return new RegExp(`^${re}$`);
}

export function parseDockerignore(file: string): Array<{ negate: boolean; re: RegExp }> {
	return fs
		.readFileSync(file, 'utf8')
		.split('\n')
		.map((l) => l.trim())
		.filter((l) => l && !l.startsWith('#'))
		.map((l) => ({ negate: l.startsWith('!'), re: toRegExp(l.replace(/^!/, '')) }));
}

/** True when `rel` (a path relative to the context root, '/'-separated) is left out of the context. */
export function dockerIgnored(rel: string, rules: Array<{ negate: boolean; re: RegExp }>): boolean {
	const parts = rel.split('/');
	const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
	let ignored = false;
	for (const rule of rules) {
		if (prefixes.some((p) => rule.re.test(p))) ignored = !rule.negate;
	}
	return ignored;
}

/** The files of the context root matching a Dockerfile COPY source with one `*` (e.g. name-*.tgz). */
export function copySources(contextDir: string, glob: string, rules: Array<{ negate: boolean; re: RegExp }>): string[] {
	const re = toRegExp(glob);
	return fs
		.readdirSync(contextDir)
		.filter((f) => re.test(f) && !dockerIgnored(f, rules))
		.sort();
}
