/**
 * The documentation a user reaches stays reachable:
 * - every credential's `documentationUrl` and every node's codex documentation link (the editor's "Docs"
 *   links) points at a page of this package's docs/ on GitHub (the repository named in package.json) that
 *   exists, and at a heading of it that exists when the link has an anchor;
 * - every relative link and image in README.md and docs/**.md resolves to a file or folder of the repository,
 *   and its #anchor to a heading (or an explicit id) of the target page;
 * - every screenshot in docs/screenshots is shown on some page.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
const rel = (p: string) => path.relative(ROOT, p).split(path.sep).join('/');

function markdownFiles(): string[] {
	const out = [path.join(ROOT, 'README.md')];
	const walk = (dir: string) => {
		for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
			const p = path.join(dir, e.name);
			if (e.isDirectory()) walk(p);
			else if (e.name.endsWith('.md')) out.push(p);
		}
	};
	walk(path.join(ROOT, 'docs'));
	return out;
}

/** The text of a markdown file without fenced code blocks. */
function withoutFences(text: string): string {
	return text.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
}

/** ... and without inline code spans (links there are examples). */
function proseOf(text: string): string {
	return withoutFences(text).replace(/`[^`\n]*`/g, '');
}

/** GitHub's heading anchors: rendered text, lower case, punctuation dropped, spaces to hyphens, -1/-2 for repeats. */
export function headingAnchors(text: string): Set<string> {
	const anchors = new Set<string>();
	const seen = new Map<string, number>();
	for (const line of withoutFences(text).split('\n')) {
		const m = /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(line);
		if (m) {
			const rendered = m[1]
				.replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
				.replace(/<[^>]+>/g, '')
				.replace(/[*_~`]/g, (c) => (c === '_' ? '_' : ''));
			const base = rendered
				.toLowerCase()
				.replace(/[^\p{L}\p{N}\s_-]/gu, '')
				.replace(/\s/g, '-');
			const n = seen.get(base) ?? 0;
			seen.set(base, n + 1);
			anchors.add(n ? `${base}-${n}` : base);
		}
	}
	for (const m of text.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(m[1]);
	return anchors;
}

/** Relative link targets of a markdown file: [text](target) and ![alt](target), outside code. */
export function relativeLinks(text: string): string[] {
	const targets: string[] = [];
	for (const m of proseOf(text).matchAll(/!?\[(?:[^\]\[]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
		const t = m[1];
		if (!/^[a-z][a-z0-9+.-]*:/i.test(t)) targets.push(t);
	}
	return targets;
}

const anchorCache = new Map<string, Set<string>>();
function anchorsOf(file: string): Set<string> {
	let a = anchorCache.get(file);
	if (!a) {
		a = headingAnchors(fs.readFileSync(file, 'utf8'));
		anchorCache.set(file, a);
	}
	return a;
}

/** Problems of one link target seen from `fromFile` (empty when it resolves). */
function checkTarget(fromFile: string, target: string): string[] {
	const [rawPath, anchor] = target.split('#', 2) as [string, string | undefined];
	const file = rawPath ? path.resolve(path.dirname(fromFile), decodeURIComponent(rawPath)) : fromFile;
	if (!file.startsWith(ROOT + path.sep) && file !== ROOT) return [`${target}: leaves the repository`];
	if (!fs.existsSync(file)) return [`${target}: ${rel(file)} does not exist`];
	if (anchor !== undefined) {
		if (!file.endsWith('.md')) return [`${target}: an anchor into a file that is not markdown`];
		if (!anchorsOf(file).has(anchor)) return [`${target}: no heading or id "${anchor}" in ${rel(file)}`];
	}
	return [];
}

describe('links in README.md and docs/', () => {
	const files = markdownFiles();

	test('the link reader finds links and anchors the way GitHub renders them', () => {
		const sample = [
			'# n8n\'s SSRF settings',
			'## Tested: 500 executions on main + 2 workers',
			'## LivePerson OAuth2 Authorization Code API',
			'## LivePerson OAuth2 Authorization Code API',
			'## The e2e files (`npm test` runs them all)',
			'<a id="csds"></a>',
			'See [a](docs/x.md#y), ![b](../screenshots/p.png), [c](https://example.com), `[d](not/a/link.md)`.',
			'```bash',
			'[e](in/code.md)',
			'```',
		].join('\n');
		expect([...headingAnchors(sample)]).toEqual([
			'n8ns-ssrf-settings',
			'tested-500-executions-on-main--2-workers',
			'liveperson-oauth2-authorization-code-api',
			'liveperson-oauth2-authorization-code-api-1',
			'the-e2e-files-npm-test-runs-them-all',
			'csds',
		]);
		expect(relativeLinks(sample)).toEqual(['docs/x.md#y', '../screenshots/p.png']);
	});

	test('README.md and the docs pages exist, and README stays short (at most 300 lines)', () => {
		expect(files.length).toBeGreaterThan(10);
		const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
		expect(readme.split('\n').length).toBeLessThanOrEqual(300);
	});

	test.each(markdownFiles().map((f) => [rel(f), f]))('every relative link in %s resolves', (_name, file) => {
		const problems = relativeLinks(fs.readFileSync(file, 'utf8')).flatMap((t) => checkTarget(file, t));
		expect(problems).toEqual([]);
	});

	test('every screenshot in docs/screenshots is shown on some page', () => {
		const shown = new Set(
			files.flatMap((f) => relativeLinks(fs.readFileSync(f, 'utf8')).map((t) => rel(path.resolve(path.dirname(f), t.split('#')[0])))),
		);
		const screenshots = fs.readdirSync(path.join(ROOT, 'docs', 'screenshots')).map((n) => `docs/screenshots/${n}`);
		expect(screenshots.length).toBeGreaterThan(0);
		expect(screenshots.filter((s) => !shown.has(s))).toEqual([]);
	});
});

describe('the editor\'s Docs links point at this package\'s docs', () => {
	const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
		repository: { url: string };
		n8n: { credentials: string[]; nodes: string[] };
	};
	const repoUrl = pkg.repository.url.replace(/^git\+/, '').replace(/\.git$/, '');
	const docsBase = `${repoUrl}/blob/main/`;

	function checkUrl(url: string): string[] {
		if (!url.startsWith(`${docsBase}docs/`)) return [`${url}: not under ${docsBase}docs/`];
		const target = url.slice(docsBase.length);
		if (!target.split('#')[0].endsWith('.md')) return [`${url}: not a markdown page`];
		return checkTarget(path.join(ROOT, 'index.md'), target);
	}

	const credentialFiles = pkg.n8n.credentials.map((d) => d.replace(/^dist\//, '').replace(/\.js$/, '.ts'));
	test.each(credentialFiles)('%s: documentationUrl', (file) => {
		const source = fs.readFileSync(path.join(ROOT, file), 'utf8');
		const urls = [...source.matchAll(/documentationUrl\s*=\s*'([^']+)'/g)].map((m) => m[1]);
		expect(urls).toHaveLength(1);
		expect(checkUrl(urls[0])).toEqual([]);
	});

	const codexFiles = pkg.n8n.nodes.map((d) => d.replace(/^dist\//, '').replace(/\.js$/, '.json'));
	test.each(codexFiles)('%s: primary and credential documentation', (file) => {
		const codex = JSON.parse(fs.readFileSync(path.join(ROOT, file), 'utf8')) as {
			resources?: { primaryDocumentation?: { url: string }[]; credentialDocumentation?: { url: string }[] };
		};
		const primary = codex.resources?.primaryDocumentation ?? [];
		expect(primary.length).toBeGreaterThan(0);
		const urls = [...primary, ...(codex.resources?.credentialDocumentation ?? [])].map((r) => r.url);
		expect(urls.flatMap(checkUrl)).toEqual([]);
	});

	test('a link elsewhere, to a missing page or to a missing heading is reported', () => {
		expect(checkUrl('https://developers.liveperson.com/login-service-api-overview.html')).toHaveLength(1);
		expect(checkUrl(`${docsBase}docs/no-such-page.md`)).toHaveLength(1);
		expect(checkUrl(`${docsBase}docs/glossary.md#no-such-term`)).toHaveLength(1);
		expect(checkUrl(`${docsBase}docs/glossary.md#csds`)).toEqual([]);
	});
});
