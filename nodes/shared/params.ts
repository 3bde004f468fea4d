import type { IExecuteFunctions, NodeParameterValueType } from 'n8n-workflow';

/** True when a raw parameter value holds an n8n expression anywhere ("=…" strings, also nested). */
export function hasExpression(value: unknown): boolean {
	if (typeof value === 'string') return value.startsWith('=');
	if (Array.isArray(value)) return value.some(hasExpression);
	if (value !== null && typeof value === 'object') return Object.values(value).some(hasExpression);
	return false;
}

export type ParameterReader = <T = unknown>(name: string, itemIndex: number, fallback?: T) => T;

/**
 * `getNodeParameter` for per-item loops: a top-level parameter whose stored value has no expression
 * is the same for every item, so it is resolved once per execution and reused (n8n copies and
 * resolves the parameter on every call, which the benchmark's profile showed per item). Parameters
 * with an expression, or absent from the stored node (hidden by display options), are read per item
 * as before. Callers must not mutate what they get.
 */
export function parameterReader(ctx: IExecuteFunctions): ParameterReader {
	const stored = (ctx.getNode().parameters ?? {}) as Record<string, unknown>;
	const constants = new Map<string, unknown>();
	return <T>(name: string, itemIndex: number, fallback?: T): T => {
		if (constants.has(name)) return constants.get(name) as T;
		const value = ctx.getNodeParameter(name, itemIndex, fallback as NodeParameterValueType) as T;
		if (name in stored && !hasExpression(stored[name])) constants.set(name, value);
		return value;
	};
}
