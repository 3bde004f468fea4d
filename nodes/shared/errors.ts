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

/**
 * Turns anything thrown below the node layer into an n8n error with a short message and a
 * description saying what to check. Unknown errors are NOT passed through verbatim: their
 * message could quote a secret, so only their class name is shown.
 */
export function toNodeError(node: INode, error: unknown, itemIndex?: number): NodeApiError | NodeOperationError {
	if (error instanceof NodeApiError || error instanceof NodeOperationError) return error;
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
	const name = error instanceof Error ? error.constructor.name : typeof error;
	return new NodeOperationError(node, `Unexpected internal error (${name})`, {
		description: 'This is a bug in n8n-nodes-liveperson: please report it with the node settings (not the credentials).',
		itemIndex,
	});
}

/** The JSON of an error item for "Continue On Fail": message, description, and the typed fields. */
export function errorJson(error: unknown): IDataObject {
	if (isLpError(error)) return { error: error.message, ...(describe(error) ? { description: describe(error) } : {}), details: error.toJSON() as IDataObject };
	if (error instanceof NodeApiError || error instanceof NodeOperationError) {
		return { error: error.message, ...(error.description ? { description: error.description } : {}) };
	}
	return { error: `Unexpected internal error (${error instanceof Error ? error.constructor.name : typeof error})` };
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
