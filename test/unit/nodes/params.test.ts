/**
 * parameterReader (nodes/shared/params.ts): how often a parameter is resolved, observable only through a
 * counting getNodeParameter (a minimal context, pure logic). That per-item expressions give each item its
 * own value in n8n's engine of both pinned versions: test/engine/guard-nodes.engine.test.ts and
 * test/engine/run-node.engine.test.ts ("per item: …", allowList from {{ $json.list }}).
 */
import type { IExecuteFunctions } from 'n8n-workflow';
import { hasExpression, parameterReader } from '../../../nodes/shared/params';

function ctx(stored: Record<string, unknown>, resolve: (name: string, i: number) => unknown) {
	const calls: string[] = [];
	const fake = {
		getNode: () => ({ parameters: stored }),
		getNodeParameter: (name: string, i: number, fallback?: unknown) => {
			calls.push(`${name}#${i}`);
			const v = resolve(name, i);
			return v === undefined ? fallback : v;
		},
	} as unknown as IExecuteFunctions;
	return { fake, calls };
}

describe('parameterReader', () => {
	it('resolves a parameter without expressions once, one with an expression per item', () => {
		const stored = { method: 'GET', url: '=https://api.example.com/{{ $json.id }}', options: { timeout: 20, nested: ['a', { b: 1 }] } };
		const { fake, calls } = ctx(stored, (name, i) => (name === 'url' ? `https://api.example.com/${i}` : (stored as Record<string, unknown>)[name]));
		const param = parameterReader(fake);
		const urls = [0, 1, 2].map((i) => param<string>('url', i));
		const methods = [0, 1, 2].map((i) => param<string>('method', i));
		[0, 1, 2].forEach((i) => param('options', i, {}));
		expect(urls).toEqual(['https://api.example.com/0', 'https://api.example.com/1', 'https://api.example.com/2']);
		expect(methods).toEqual(['GET', 'GET', 'GET']);
		expect(calls.filter((c) => c.startsWith('url#'))).toHaveLength(3);
		expect(calls.filter((c) => c.startsWith('method#'))).toEqual(['method#0']);
		expect(calls.filter((c) => c.startsWith('options#'))).toEqual(['options#0']);
	});

	it('an expression nested in a collection makes the whole parameter per item; absent parameters too', () => {
		const stored = { options: { timeout: '={{ $json.t }}' } };
		const { fake, calls } = ctx(stored, (name, i) => (name === 'options' ? { timeout: i } : undefined));
		const param = parameterReader(fake);
		expect([0, 1].map((i) => param<{ timeout: number }>('options', i).timeout)).toEqual([0, 1]);
		expect([0, 1].map((i) => param('hidden', i, 'fallback'))).toEqual(['fallback', 'fallback']);
		expect(calls).toEqual(['options#0', 'options#1', 'hidden#0', 'hidden#1']);
	});

	it('hasExpression looks into arrays and objects', () => {
		expect(hasExpression('plain')).toBe(false);
		expect(hasExpression('={{1}}')).toBe(true);
		expect(hasExpression({ a: [{ b: '=x' }] })).toBe(true);
		expect(hasExpression({ a: [1, null, { b: 'x' }] })).toBe(false);
	});
});
