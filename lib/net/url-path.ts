/**
 * User values in URL paths. The server sees the path after WHATWG URL normalisation and its own
 * percent-decoding: "%2e%2e", ".%2e", "%2E.", a tab inside "..", "%252e%252e" decoded twice, or an
 * encoded slash ("..%2f") all become a ".." segment somewhere and move the request out of the
 * prefix it was built under. One rule for every place a path is joined: a path (or a segment) that
 * holds a "." or ".." segment in ANY of these spellings is refused, never repaired.
 */
import { inputError } from '../errors';

/** Percent-escapes decoded once (invalid sequences kept as they are). */
function decodeOnce(text: string): string {
	return text.replace(/(?:%[0-9A-Fa-f]{2})+/g, (seq) => {
		try {
			return decodeURIComponent(seq);
		} catch {
			return seq.replace(/%([0-9A-Fa-f]{2})/g, (_m, hex: string) => {
				const code = parseInt(hex, 16);
				return code < 0x80 ? String.fromCharCode(code) : `%${hex}`;
			});
		}
	});
}

/**
 * True when `path` (no query) holds a "." or ".." segment as the URL parser or a server could read
 * it: tabs and newlines removed (WHATWG drops them), "/" and "\" as separators, percent-decoded up
 * to three times.
 */
export function hasDotSegment(path: string): boolean {
	let text = path.replace(/[\t\n\r]/g, '');
	for (let round = 0; round < 4; round++) {
		if (text.split(/[/\\]/).some((segment) => segment === '.' || segment === '..')) return true;
		const next = decodeOnce(text).replace(/[\t\n\r]/g, '');
		if (next === text) return false;
		text = next;
	}
	return false;
}

const pathPart = (path: string) => path.split(/[?#]/, 1)[0];

/** Throws the field's input error when `path` would leave its place (see `hasDotSegment`). */
export function assertNoDotSegment(path: string, field: string, label = 'Path', code = 'PATH_DOT_SEGMENT'): void {
	if (hasDotSegment(pathPart(path))) {
		throw inputError(
			field,
			`${label} must not contain "." or ".." segments, also not percent-encoded (%2e) or with an encoded slash (%2f)`,
			'The server would read them as "go up one level" and the request would leave the API path it is meant for. Write the path without them.',
			code,
		);
	}
}

/** One path segment from a user value: percent-encoded, and "."/".." in any spelling refused. */
export function pathSegment(value: string, field: string, label: string): string {
	assertNoDotSegment(value, field, label);
	return encodeURIComponent(value);
}

/**
 * `base` + `path` as the URL the server will see. The path is checked before joining (any spelling
 * of a dot segment refused) and after (the parsed path still starts with `base`'s own path).
 */
export function joinPath(base: string, path: string, field: string, code = 'PATH_DOT_SEGMENT'): URL {
	assertNoDotSegment(path, field, 'Path', code);
	const root = base.replace(/\/+$/, '');
	const url = new URL(`${root}${path}`);
	const prefix = new URL(root).pathname.replace(/\/+$/, '');
	if (!url.pathname.startsWith(`${prefix}/`) && url.pathname !== prefix) {
		throw inputError(field, 'Path leaves the host\'s base path after URL normalisation', 'Write the path without "." or ".." segments.', code);
	}
	return url;
}
