import { NodeConnectionTypes } from 'n8n-workflow';
import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { credentialTests } from '../shared/credentialTests';
import { router } from './actions/router';
import { properties } from './actions/properties';
import { loadOptions } from './methods';

/**
 * LivePerson Conversation Orchestrator: v2 login, Conversation Context Service (v1 and v2) and Next
 * Actions (v1 and v2). Layout as in n8n's Airtable v2 node (actions/ with a router and one module per
 * resource, methods/ for load options); the node-level description (icon, inputs, credentials with
 * `testedBy`) here, where n8n's lint rules read it.
 */
export class ConversationOrchestrator implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'LivePerson Conversation Orchestrator',
		name: 'conversationOrchestrator',
		icon: { light: 'file:conversationOrchestrator.svg', dark: 'file:conversationOrchestrator.dark.svg' },
		group: ['transform'],
		version: 1,
		// "Context Service: v1 Delete Namespace" from resource "contextService" and operation "v1DeleteNamespace".
		subtitle:
			'={{ $parameter["resource"] === "login" ? "Login" : ($parameter["resource"] === "nextActions" ? "Next Actions" : "Context Service") + ": " + String($parameter["operation"]).replace(/([a-z0-9])([A-Z])/g, "$1 $2") }}',
		description: 'Store and read conversation context (Conversation Context Service) and get next actions from LivePerson Conversation Orchestrator.',
		defaults: { name: 'Conversation Orchestrator' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'conversationOrchestratorApi', required: true, testedBy: 'conversationOrchestratorApiTest' }],
		properties,
	};

	methods = { loadOptions, credentialTest: credentialTests };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return router.call(this);
	}
}
