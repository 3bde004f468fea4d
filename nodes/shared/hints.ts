/**
 * Warnings where the user looks: n8n's execution hints (shown above the node's output) on versions
 * that have them; elsewhere a `warnings` field on the first output item. Never only a log line.
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

export function showWarnings(ctx: IExecuteFunctions, out: INodeExecutionData[], warnings: string[]): INodeExecutionData[] {
	if (!warnings.length) return out;
	const add = (ctx as { addExecutionHints?: IExecuteFunctions['addExecutionHints'] }).addExecutionHints;
	if (typeof add === 'function') {
		add.call(ctx, ...warnings.map((message) => ({ message, type: 'warning' as const, location: 'outputPane' as const })));
		return out;
	}
	if (!out.length) return out;
	const [first, ...rest] = out;
	return [{ ...first, json: { ...first.json, warnings: warnings as unknown as IDataObject[] } }, ...rest];
}
