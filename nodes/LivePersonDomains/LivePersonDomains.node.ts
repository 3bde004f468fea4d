import { NodeConnectionTypes } from 'n8n-workflow';
import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { credentialTests } from '../shared/credentialTests';
import { router } from './actions/router';
import { properties } from './actions/properties';
import { loadOptions } from './methods';

/**
 * LivePerson Domains: the host of each LivePerson service for an account (CSDS Domain API). Layout
 * as every routed node of the package: parameters and one file per operation in actions/, a
 * router, and transport/ as the only reader of the credential; the node-level description (icon,
 * inputs, credentials with `testedBy`) here, where n8n's lint rules read it.
 */
export class LivePersonDomains implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'LivePerson Domains',
		name: 'livePersonDomains',
		icon: { light: 'file:liveperson.svg', dark: 'file:liveperson.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{ $parameter["operation"] === "get" ? "Get " + $parameter["service"] : "Get Many Service Domains" }}',
		description: 'Find the host of each LivePerson service for an account (CSDS Domain API).',
		defaults: { name: 'LivePerson Domains' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'livePersonAccountApi', required: true, testedBy: 'livePersonAccountApiTest' }],
		properties,
	};

	methods = { credentialTest: credentialTests, loadOptions };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return router.call(this);
	}
}
