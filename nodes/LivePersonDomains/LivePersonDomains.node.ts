import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { credentialTests } from '../shared/credentialTests';
import { router } from './actions/router';
import { versionDescription } from './actions/versionDescription';
import { loadOptions } from './methods';

/**
 * LivePerson Domains: the host of each LivePerson service for an account (CSDS Domain API). Layout
 * as every routed node of the package: description and one file per operation in actions/, a
 * router, and transport/ as the only reader of the credential.
 */
export class LivePersonDomains implements INodeType {
	description: INodeTypeDescription = versionDescription;

	methods = { credentialTest: credentialTests, loadOptions };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return router.call(this);
	}
}
