import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { credentialTests } from '../shared/credentialTests';
import { router } from './actions/router';
import { versionDescription } from './actions/versionDescription';
import { loadOptions } from './methods';

/**
 * LivePerson Conversation Orchestrator: v2 login, Conversation Context Service (v1 and v2) and Next
 * Actions (v1 and v2). Layout as in n8n's Airtable v2 node (actions/ with a router and one module per
 * resource, methods/ for load options).
 */
export class ConversationOrchestrator implements INodeType {
	description: INodeTypeDescription = versionDescription;

	methods = { loadOptions, credentialTest: credentialTests };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return router.call(this);
	}
}
