import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import type { IDataObject, INode, INodeExecutionData, JsonObject } from 'n8n-workflow';
import { isLpError, LpError } from '../../lib/errors';

/** Kinds that come from talking to a server (NodeApiError); the rest are configuration problems. */
const API_KINDS = new Set(['http', 'network', 'timeout', 'response', 'auth', 'tls']);

function describe(error: LpError): string | undefined {
	const parts = [error.hint, error.responseSnippet ? `Server answer: ${error.responseSnippet}` : undefined];
	const text = parts.filter(Boolean).join(' ');
	return text || undefined;
}

/** Sentry's levels, which n8n's errors carry in `level`. */
const N8N_LEVELS = new Set(['fatal', 'error', 'warning', 'log', 'info', 'debug']);

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** An error n8n raised (or a node raised with n8n's classes), from any copy of n8n-workflow. */
export type N8nError = Error & { description?: string | null; level: string };

/**
 * Whether `error` is one of n8n's own errors, recognised by its fields and not by `instanceof`: n8n
 * and this package often load two copies of n8n-workflow (the package's peer dependency and n8n's
 * own), and a class of one copy never matches an object of the other. Recognised are
 * - n8n-workflow's ExecutionBaseError family (NodeOperationError, NodeApiError, ExpressionError,
 *   NodeSslError, WorkflowOperationError, …): `level`, `context` (object), `timestamp` (number),
 *   `functionality` (string);
 * - @n8n/errors' ApplicationError and n8n-workflow's BaseError family (UserError, OperationalError,
 *   UnexpectedError; "Could not get parameter"): `level` (a Sentry level) and `tags` (object).
 * LpError has none of these fields.
 */
export function isN8nError(error: unknown): error is N8nError {
	if (!(error instanceof Error) || isLpError(error)) return false;
	const e = error as unknown as Record<string, unknown>;
	if (typeof e.level !== 'string' || !N8N_LEVELS.has(e.level)) return false;
	const executionError = isRecord(e.context) && typeof e.timestamp === 'number' && typeof e.functionality === 'string';
	return executionError || isRecord(e.tags);
}

/** A Node.js / client error code that is an identifier (ECONNREFUSED, ERR_…, WRONGTYPE): never a secret. */
function codeOf(error: unknown): string | undefined {
	const code = isRecord(error) ? error.code : undefined;
	return typeof code === 'string' && /^[A-Z][A-Z0-9_]{1,39}$/.test(code) ? code : undefined;
}

function unexpected(error: unknown): { message: string; description: string } {
	const name = error instanceof Error ? error.constructor.name : typeof error;
	const code = codeOf(error);
	return {
		// The code goes in the description: n8n swaps a message that contains one (ECONNREFUSED…) for a generic text.
		message: `The node stopped on an unexpected error (${name})`,
		description:
			`${code ? `Its code is ${code}; its` : 'Its'} text is not shown because it could quote a credential. Check the node's input items and parameters, the credential, ` +
			'and the shared token store (Redis) when n8n runs in queue mode. If all of them are right, please report it at ' +
			'https://github.com/n8n-nodes-liveperson/n8n-nodes-liveperson/issues with the node settings (not the credentials).',
	};
}

/**
 * Turns anything thrown below the node layer into an n8n error with a short message and a
 * description saying what to check. n8n's own errors (missing credential, bad parameter,
 * expression errors) pass through unchanged, as n8n wrote them. Other unknown errors are NOT
 * passed through verbatim: their message could quote a secret, so only their class name (and an
 * identifier code) is shown.
 */
export function toNodeError(node: INode, error: unknown, itemIndex?: number): NodeApiError | NodeOperationError {
	// Unchanged: n8n shows it as it shows the same error from its own nodes (the type is the package's copy's).
	if (isN8nError(error)) return error as unknown as NodeOperationError;
	if (isLpError(error)) {
		const description = describe(error);
		if (API_KINDS.has(error.kind)) {
			// NodeApiError swaps the message for a generic one ("The service refused the connection -
			// perhaps it is offline") when the response object has a Node error `code` such as
			// ECONNREFUSED (read from `code`, `errorCode`, `status`…): ours names the service and host, so the code travels as `lpErrorCode`.
			const { code, ...details } = error.toJSON();
			return new NodeApiError(node, { ...details, lpErrorCode: code } as JsonObject, {
				message: error.message,
				description,
				httpCode: error.status !== undefined ? String(error.status) : undefined,
				itemIndex,
			});
		}
		return new NodeOperationError(node, error.message, { description, itemIndex });
	}
	const { message, description } = unexpected(error);
	return new NodeOperationError(node, message, { description, itemIndex });
}

/** The JSON of an error item for "Continue On Fail": message, description, and the typed fields. */
export function errorJson(error: unknown): IDataObject {
	if (isLpError(error)) return { error: error.message, ...(describe(error) ? { description: describe(error) } : {}), details: error.toJSON() as IDataObject };
	if (isN8nError(error)) return { error: error.message, ...(error.description ? { description: error.description } : {}) };
	const { message, description } = unexpected(error);
	return { error: message, description };
}

/**
 * The Continue-On-Fail item of a failed input item. With the node, the n8n error is set on the item
 * too: n8n sends an item to the node's error output ("On Error: Continue (using error output)") only
 * when `item.error` is set or its JSON is exactly `{error}`, and ours carries a description as well.
 */
export function errorItem(error: unknown, itemIndex: number, node?: INode): INodeExecutionData {
	const item: INodeExecutionData = { json: errorJson(error), pairedItem: { item: itemIndex } };
	if (node) item.error = toNodeError(node, error, itemIndex);
	return item;
}
