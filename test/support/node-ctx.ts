/**
 * A minimal IExecuteFunctions stand-in for calling a node's execute() in integration tests:
 * parameters (a map or a function of name and item index), credentials by type (with ids, for
 * nodes that key agents by credential id), Continue On Fail, binary input, and n8n's OAuth2 helper
 * when a test provides one.
 */
import type { IExecuteFunctions, ILoadOptionsFunctions, INodeExecutionData } from 'n8n-workflow';

export type Params = Record<string, unknown> | ((name: string, i: number) => unknown);

export interface CtxOptions {
	items?: number | INodeExecutionData[];
	params: Params;
	credentials?: Record<string, Record<string, unknown>>;
	/** Credential ids per type (node.credentials), default `<type>-id`. */
	credentialIds?: Record<string, string>;
	continueOnFail?: boolean;
	binary?: Record<string, { data: Buffer; fileName?: string; mimeType?: string }>;
	httpRequestWithAuthentication?: (type: string, req: unknown) => Promise<unknown>;
	/** n8n's instance base URL (getInstanceBaseUrl). Default https://n8n.example.test */
	instanceBaseUrl?: string;
	/** The running workflow's id (getWorkflow().id). Default wf-1 */
	workflowId?: string;
}

export function nodeCtx(opts: CtxOptions): IExecuteFunctions & ILoadOptionsFunctions {
	const items: INodeExecutionData[] = Array.isArray(opts.items)
		? opts.items
		: Array.from({ length: opts.items ?? 1 }, (_, i) => ({ json: { i } }));
	const get = (name: string, i: number) => (typeof opts.params === 'function' ? opts.params(name, i) : opts.params[name]);
	const creds = opts.credentials ?? {};
	const nodeCredentials = Object.fromEntries(
		Object.keys(creds).map((type) => [type, { id: opts.credentialIds?.[type] ?? `${type}-id`, name: type }]),
	);
	return {
		getInputData: () => items,
		getNodeParameter: (name: string, i: number, fallback?: unknown) => {
			const v = get(name, i);
			return v === undefined ? fallback : v;
		},
		getCurrentNodeParameter: (name: string) => get(name, 0),
		getCredentials: async (type: string) => {
			const c = creds[type];
			if (!c) throw new Error(`no credential ${type}`);
			return c;
		},
		continueOnFail: () => opts.continueOnFail ?? false,
		getInstanceBaseUrl: () => opts.instanceBaseUrl ?? 'https://n8n.example.test',
		getWorkflow: () => ({ id: opts.workflowId ?? 'wf-1', name: 'Workflow', active: false }),
		getNode: () => ({ id: '1', name: 'Node', type: 't', typeVersion: 1, position: [0, 0], parameters: {}, credentials: nodeCredentials }),
		helpers: {
			assertBinaryData: (_i: number, prop: string) => {
				const b = opts.binary?.[prop];
				if (!b) throw new Error(`no binary ${prop}`);
				return { data: '', fileName: b.fileName, mimeType: b.mimeType ?? 'application/octet-stream' };
			},
			getBinaryDataBuffer: async (_i: number, prop: string) => opts.binary?.[prop]?.data as Buffer,
			prepareBinaryData: async (data: Buffer, fileName: string | undefined, mimeType: string) => ({ data: data.toString('base64'), fileName, mimeType }),
			httpRequestWithAuthentication: async function (type: string, req: unknown) {
				if (!opts.httpRequestWithAuthentication) throw new Error('httpRequestWithAuthentication not provided');
				return opts.httpRequestWithAuthentication(type, req);
			},
		},
	} as unknown as IExecuteFunctions & ILoadOptionsFunctions;
}
