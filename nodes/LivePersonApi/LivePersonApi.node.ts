import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { credentialTests } from '../shared/credentialTests';
import { router } from './actions/router';
import { versionDescription } from './actions/versionDescription';

/**
 * LivePerson API: any LivePerson REST API by CSDS service name and path with the LivePerson Account
 * credential (Login Service bearer, Sentinel app token, or an OAuth 1.0 signature), plus typed
 * operations for Messaging Interactions and Messaging Operations. Layout: router → one module per
 * operation → transport/ (the only reader of the credential) → lib/liveperson/api.ts (`lpApiSend`).
 */
export class LivePersonApi implements INodeType {
	description: INodeTypeDescription = versionDescription;

	methods = { credentialTest: credentialTests };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return router.call(this);
	}
}
