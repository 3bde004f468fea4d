import { NodeConnectionTypes } from 'n8n-workflow';
import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { credentialTests } from '../shared/credentialTests';
import { router } from './actions/router';
import { properties } from './actions/properties';

/**
 * LivePerson API: any LivePerson REST API by CSDS service name and path with the LivePerson Account
 * credential (Login Service bearer, Sentinel app token, or an OAuth 1.0 signature), plus typed
 * operations for Messaging Interactions and Messaging Operations. Layout: router → one module per
 * operation → transport/ (the only reader of the credential) → lib/liveperson/api.ts (`lpApiSend`);
 * the node-level description (icon, inputs, credentials with `testedBy`) here, where n8n's lint rules read it.
 */
export class LivePersonApi implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'LivePerson API',
		name: 'livePersonApi',
		icon: { light: 'file:livePersonApi.svg', dark: 'file:livePersonApi.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{ $parameter["resource"] === "api" ? $parameter["method"] + " " + $parameter["service"] : String($parameter["operation"]).replace(/([a-z0-9])([A-Z])/g, "$1 $2") }}',
		description: 'Call any LivePerson REST API with the LivePerson Account credential: host through CSDS, login, retries and paging handled',
		defaults: { name: 'LivePerson API' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'livePersonAccountApi', required: true, testedBy: 'livePersonAccountApiTest' }],
		properties,
	};

	methods = { credentialTest: credentialTests };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return router.call(this);
	}
}
