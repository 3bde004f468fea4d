/**
 * Issue 22 item 5: a user path never leaves the prefix it was built under. The LivePerson API node
 * refused "../" but not "%2e%2e", ".%2e", "%2E.": the URL parser normalises them. Every spelling of a
 * dot segment the URL parser or the server could resolve is refused, in the one place paths are
 * joined (lib/net/url-path.ts), for the LivePerson API path and the Conversation Orchestrator's
 * session ID / property segments alike; and whatever path is accepted keeps its segments.
 */
import fc from 'fast-check';
import { buildLpApiRequest, validateApiPath } from '../../../lib/liveperson/api';
import { buildCcsV1Request, buildCcsV2Request } from '../../../lib/liveperson/orchestrator';
import { hasDotSegment } from '../../../lib/net/url-path';
import { codeOf } from '../../support/error-code';

const ACC = '12345678';
const BASE = 'https://va.msghist.liveperson.net';

/** "." spelled as the server could decode it. */
const dot = fc.constantFrom('.', '%2e', '%2E', '%252e', '%252E', '%25252e');
const dotSegment = fc.oneof(
	dot,
	fc.tuple(dot, dot).map(([a, b]) => a + b),
	fc.tuple(dot, dot).map(([a, b]) => `${a}\t${b}`),
);
const separator = fc.constantFrom('/', '%2f', '%2F', '%5c', '%5C', '%252f');
const word = fc.stringMatching(/^[A-Za-z0-9_-]{1,8}$/);

describe('dot segments in every spelling are refused', () => {
	test('LivePerson API path: /prefix/<dots>/rest', () => {
		fc.assert(
			fc.property(fc.array(word, { minLength: 1, maxLength: 3 }), dotSegment, separator, fc.array(word, { maxLength: 2 }), fc.boolean(), (prefix, dots, sep, rest, query) => {
				const path = `/${prefix.join('/')}${sep}${dots}${rest.length ? `${sep}${rest.join('/')}` : ''}${query ? '?a=1' : ''}`;
				const code = codeOf(() => validateApiPath(path, ACC));
				expect([path, code]).toEqual([path, 'LP_API_PATH_INVALID']);
			}),
			{ numRuns: 500 },
		);
	});

	test('the issue\'s spellings', () => {
		for (const path of ['/a/%2e%2e/b', '/a/.%2e/b', '/a/%2E./b', '/a/%2e/b', '/a/..%2fb', '/a/%252e%252e/b', '/a/b/%2e%2e']) {
			expect([path, codeOf(() => buildLpApiRequest(BASE, ACC, { service: 'msgHist', method: 'GET', path }))]).toEqual([path, 'LP_API_PATH_INVALID']);
			expect(() => validateApiPath(path, ACC)).toThrow(/must not contain "\." or "\.\." segments, also not percent-encoded/);
		}
	});

	test('Conversation Orchestrator session ID and property segments (v1 and v2)', () => {
		fc.assert(
			fc.property(dotSegment.filter((d) => !d.includes('\t')), (dots) => {
				expect(codeOf(() => buildCcsV1Request('https://z1.context.liveperson.net', ACC, { op: 'getProperties', namespace: 'ns1', sessionId: dots }))).toBe('PATH_DOT_SEGMENT');
				expect(codeOf(() => buildCcsV1Request('https://z1.context.liveperson.net', ACC, { op: 'setProperty', namespace: 'ns1', property: dots, value: 1 }))).toBe('PATH_DOT_SEGMENT');
				expect(codeOf(() => buildCcsV2Request('https://z1.context.liveperson.net', { op: 'get', accountId: ACC, namespace: 'ns1', sessionId: dots } as never))).toBe('PATH_DOT_SEGMENT');
			}),
			{ numRuns: 100 },
		);
	});
});

describe('an accepted path is the path the server sees', () => {
	test('WHATWG parsing keeps every segment of an accepted path (nothing resolved away)', () => {
		const piece = fc.oneof(word, fc.constantFrom('.', '..', '%2e', '%2E', '%25', '%2f', '.x', 'x.', '...', 'a%2e', '{accountId}'));
		fc.assert(
			fc.property(fc.array(piece, { minLength: 1, maxLength: 6 }), (segments) => {
				const path = `/${segments.join('/')}`;
				let built: string;
				try {
					built = buildLpApiRequest(BASE, ACC, { service: 'msgHist', method: 'GET', path }).url;
				} catch {
					expect(hasDotSegment(path.replace(/\{accountId\}/g, ACC))).toBe(true);
					return;
				}
				const seen = new URL(built).pathname.split('/');
				expect(seen.length).toBe(path.split('/').length);
			}),
			{ numRuns: 500 },
		);
	});

	test('ordinary paths still pass (dots inside names, versions, file names)', () => {
		for (const path of ['/api/account/{accountId}/v1.0/x.json', '/a/...b/c', '/a/b.c/d', '/a/%2ex']) expect(codeOf(() => validateApiPath(path, ACC))).toBe('accepted');
	});
});
