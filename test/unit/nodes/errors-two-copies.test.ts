/**
 * n8n and this package routinely load TWO copies of n8n-workflow (the package's peer dependency and
 * n8n's own). The errors n8n raises inside our nodes (a missing credential, a parameter that does not
 * validate, an expression error) come from n8n's copy; the package must show them exactly as n8n wrote
 * them, never as an unknown error of its own.
 *
 * The second copy here is a real one: n8n-workflow and @n8n/errors copied into a temp folder (the rest
 * of their dependencies linked), loaded from there. The node under test is the real API Integration
 * node (the one the Third-Party NLU sample uses), loaded normally against the repository's copy.
 * On test/support/node-ctx.ts on purpose: a test has to throw n8n's errors of a copied second n8n-workflow
 * (expression and parameter errors included) exactly where n8n would, which n8n's engine does not let a test
 * choose. The same behaviour in n8n's engine (its own copy beside the package's): the missing-credential case
 * of test/engine/run-node.engine.test.ts; behind a real server: test/e2e/n8n-errors.e2e.test.ts.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import type { INode } from 'n8n-workflow';
import { LpError } from '../../../lib/errors';
import { LivePersonApiIntegration } from '../../../nodes/LivePersonApiIntegration/LivePersonApiIntegration.node';
import { CREDENTIAL_TYPES } from '../../../nodes/shared/credentialConfig';
import { failure } from '../../../nodes/shared/credentialTests';
import { errorItem, errorJson, isN8nError, toNodeError } from '../../../nodes/shared/errors';
import { nodeCtx } from '../../support/node-ctx';

type Workflow = typeof import('n8n-workflow');

const REPO = path.resolve(__dirname, '../../..');
const NODE: INode = { id: '1', name: 'Dialogflow Detect Intent', type: 't', typeVersion: 1, position: [0, 0], parameters: {} };
const NLU = CREDENTIAL_TYPES.nlu;

let dir: string;
let second: Workflow;

/** Copies a package of the repository's node_modules into `<dir>/node_modules` (real files). */
function copyPackage(name: string): void {
	fs.cpSync(path.join(REPO, 'node_modules', name), path.join(dir, 'node_modules', name), { recursive: true });
}

beforeAll(() => {
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-second-copy-'));
	copyPackage('n8n-workflow');
	copyPackage('@n8n/errors');
	// Their other dependencies are only linked (resolved to the same files: the classes that matter are copied).
	const deps = new Set<string>([
		...Object.keys((JSON.parse(fs.readFileSync(path.join(REPO, 'node_modules/n8n-workflow/package.json'), 'utf8')) as { dependencies: object }).dependencies),
		...Object.keys((JSON.parse(fs.readFileSync(path.join(REPO, 'node_modules/@n8n/errors/package.json'), 'utf8')) as { dependencies?: object }).dependencies ?? {}),
	]);
	for (const dep of deps) {
		const target = path.join(dir, 'node_modules', dep);
		if (fs.existsSync(target)) continue;
		fs.mkdirSync(path.dirname(target), { recursive: true });
		fs.symlinkSync(path.join(REPO, 'node_modules', dep), target, 'dir');
	}
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	second = require(path.join(dir, 'node_modules', 'n8n-workflow')) as Workflow;
});

afterAll(() => {
	if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** n8n-core's getCredentials when the node has no credential of that type (its exact words). */
const missingCredential = (w: Workflow) => new w.NodeOperationError(NODE, `Node does not have any credentials set for "${NLU}"`, { level: 'warning' });
/** n8n-core's parameter validation (validateValueAgainstSchema) for a value of the wrong type. */
const badParameter = (w: Workflow) =>
	new w.ExpressionError("Invalid input for 'URL' [item 0]", { description: "'URL' expects a string but we got an object", runIndex: 0, itemIndex: 0, nodeCause: NODE.name });

function nluCtx(opts: { getCredentials?: () => Promise<never>; badParam?: string; continueOnFail?: boolean; items?: number }) {
	const ctx = nodeCtx({
		items: opts.items ?? 2,
		continueOnFail: opts.continueOnFail,
		params: (name, i) => {
			if (name === opts.badParam) throw badParameter(second);
			// A bad-parameter run needs no credential: its first failure is the parameter.
			return ({ authentication: opts.badParam ? 'none' : 'thirdPartyNlu', method: 'POST', url: `https://dialogflow.googleapis.com/v2/x:detectIntent?i=${i}` } as Record<string, unknown>)[name];
		},
		credentials: opts.getCredentials ? {} : { [NLU]: {} },
	});
	if (opts.getCredentials) ctx.getCredentials = opts.getCredentials as never;
	return ctx;
}

test('the second copy is a different n8n-workflow (its errors fail instanceof against ours)', () => {
	expect(second.NodeOperationError).not.toBe(NodeOperationError);
	expect(missingCredential(second)).not.toBeInstanceOf(NodeOperationError);
	expect(new second.NodeApiError(NODE, { message: 'x' })).not.toBeInstanceOf(NodeApiError);
	expect(require.resolve(path.join(dir, 'node_modules', 'n8n-workflow'))).not.toBe(require.resolve('n8n-workflow'));
});

describe("n8n's missing-credential error, thrown by n8n's copy inside the real node", () => {
	test('fails the node with n8n\'s own error, unchanged (same object, message, level)', async () => {
		const thrown = missingCredential(second);
		const run = new LivePersonApiIntegration().execute.call(
			nluCtx({ getCredentials: () => Promise.reject(thrown) }),
		);
		const error = (await run.then(
			() => undefined,
			(e: unknown) => e,
		)) as Error & { description?: unknown; level?: unknown };
		expect(error).toBe(thrown);
		expect(error.message).toBe(`Node does not have any credentials set for "${NLU}"`);
		expect(error.level).toBe('warning');
		expect(error.message).not.toMatch(/unexpected|bug in n8n-nodes-liveperson/i);
	});

	test('Continue On Fail: one error item per input item with n8n\'s message, the n8n error on the item', async () => {
		const thrown = missingCredential(second);
		const [out] = await new LivePersonApiIntegration().execute.call(
			nluCtx({ getCredentials: () => Promise.reject(thrown), continueOnFail: true, items: 3 }),
		);
		expect(out).toHaveLength(3);
		out.forEach((item, i) => {
			expect(item.json).toEqual({ error: `Node does not have any credentials set for "${NLU}"` });
			expect(item.pairedItem).toEqual({ item: i });
			expect(item.error).toBe(thrown);
		});
	});
});

describe("n8n's bad-parameter error, thrown by n8n's copy while the node reads a parameter", () => {
	test('fails the node with n8n\'s message and description as n8n wrote them', async () => {
		const run = new LivePersonApiIntegration().execute.call(nluCtx({ badParam: 'url' }));
		const error = (await run.then(
			() => undefined,
			(e: unknown) => e,
		)) as Error & { description?: unknown; constructor: { name: string } };
		expect(error).toBeInstanceOf(second.ExpressionError);
		expect(error.message).toBe("Invalid input for 'URL' [item 0]");
		expect(error.description).toBe("'URL' expects a string but we got an object");
	});

	test('Continue On Fail: the error item carries the same message and description', async () => {
		const [out] = await new LivePersonApiIntegration().execute.call(nluCtx({ badParam: 'url', continueOnFail: true, items: 1 }));
		expect(out[0].json).toEqual({ error: "Invalid input for 'URL' [item 0]", description: "'URL' expects a string but we got an object" });
	});
});

describe('every family of n8n error from the second copy passes through toNodeError / errorItem', () => {
	const cases: Array<[string, () => Error]> = [
		['NodeOperationError', () => new second.NodeOperationError(NODE, 'Credentials not found', { description: 'Pick one' })],
		['NodeApiError', () => new second.NodeApiError(NODE, { message: 'boom' }, { message: 'The service said no', description: 'Try later', httpCode: '503' })],
		['ExpressionError', () => badParameter(second)],
		['ApplicationError ("Could not get parameter")', () => new second.ApplicationError('Could not get parameter', { extra: { parameterName: 'url' } })],
		['UserError', () => new second.UserError('Credential could not be decrypted', { description: 'Check N8N_ENCRYPTION_KEY' })],
		['NodeSslError', () => new second.NodeSslError(new Error('self-signed certificate'))],
	];
	test.each(cases)('%s', (_name, make) => {
		const error = make() as Error & { description?: string | null };
		expect(isN8nError(error)).toBe(true);
		expect(toNodeError(NODE, error, 0)).toBe(error);
		const item = errorItem(error, 4, NODE);
		expect(item.json).toEqual({ error: error.message, ...(error.description ? { description: error.description } : {}) });
		expect(item.pairedItem).toEqual({ item: 4 });
		expect(item.error).toBe(error);
		expect(errorJson(error)).toEqual(item.json);
		// A credential test that meets it shows n8n's words too.
		expect(failure(error).message).toBe(error.description ? `${error.message}. ${error.description}` : error.message);
	});
});

describe('the package loaded against the second copy, n8n throwing from the first', () => {
	test('toNodeError keeps the first copy\'s error and builds its own with the second copy', () => {
		let shared!: typeof import('../../../nodes/shared/errors');
		let lib!: typeof import('../../../lib/errors');
		jest.isolateModules(() => {
			jest.doMock('n8n-workflow', () => second);
			/* eslint-disable @typescript-eslint/no-require-imports */
			shared = require('../../../nodes/shared/errors');
			lib = require('../../../lib/errors');
			/* eslint-enable @typescript-eslint/no-require-imports */
		});
		const n8nError = missingCredential({ NodeOperationError } as Workflow);
		expect(shared.toNodeError(NODE, n8nError)).toBe(n8nError);
		const ours = shared.toNodeError(NODE, new lib.LpError('input', 'The URL is not valid', { field: 'url' }));
		expect(ours).toBeInstanceOf(second.NodeOperationError);
		expect(ours.message).toBe('The URL is not valid');
	});
});

describe('what is not n8n\'s', () => {
	test('an LpError is still turned into a node error with its hint (not passed through)', () => {
		const lp = new LpError('http', 'The server answered 500', { status: 500, hint: 'Try later.' });
		expect(isN8nError(lp)).toBe(false);
		const e = toNodeError(NODE, lp);
		expect(e).toBeInstanceOf(NodeApiError);
		expect(e.message).toBe('The server answered 500');
	});

	test.each([
		['a TypeError', Object.assign(new TypeError('secret-value-123 is not a function'), {})],
		['a client error with a code', Object.assign(new Error('connect refused secret-value-123'), { code: 'ECONNREFUSED' })],
		['an Error with look-alike fields of the wrong type', Object.assign(new Error('secret-value-123'), { level: 'loud', tags: {} })],
		['a string', 'secret-value-123'],
	])('%s: named without its text and never called a bug of the package', (_name, thrown) => {
		expect(isN8nError(thrown)).toBe(false);
		const e = toNodeError(NODE, thrown);
		const json = errorJson(thrown);
		for (const text of [e.message, String(e.description), JSON.stringify(json)]) {
			expect(text).not.toContain('secret-value-123');
			expect(text).not.toMatch(/bug in n8n-nodes-liveperson/);
		}
		expect(e.message).toMatch(/^The node stopped on an unexpected error \((TypeError|Error|string)\)$/);
		if ((thrown as { code?: string }).code) expect(e.description).toMatch(/^Its code is ECONNREFUSED; /);
		expect(json.error).toBe(e.message);
	});
});
