import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { router } from './actions/router';
import { versionDescription } from './actions/versionDescription';
import { credentialTests } from '../shared/credentialTests';

/**
 * LivePerson API Integration: the Conversation Builder "API integration" as an n8n node — a
 * request to any API with this package's bot-account credentials and/or mutual TLS. Layout as in
 * n8n's Airtable v2 node: description in actions/, a router, one operation module, transport/.
 */
export class LivePersonApiIntegration implements INodeType {
	description: INodeTypeDescription = versionDescription;

	methods = { credentialTest: credentialTests };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return router.call(this);
	}
}
