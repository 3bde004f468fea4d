import { NodeConnectionTypes } from 'n8n-workflow';
import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { credentialTests } from '../shared/credentialTests';
import { router } from './actions/router';
import { properties } from './actions/properties';

/**
 * LivePerson Transfer to Messaging (Connect-to-Messaging API): check whether a caller can be moved
 * from voice to a messaging channel, then invite them. Layout as in n8n's Airtable v2 node; the
 * node-level description (icon, inputs, credentials with `testedBy`) here, where n8n's lint rules read it.
 */
export class LivePersonTransferToMessaging implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'LivePerson Transfer to Messaging',
		name: 'livePersonTransferToMessaging',
		icon: { light: 'file:livePersonTransferToMessaging.svg', dark: 'file:livePersonTransferToMessaging.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: '={{ $parameter["operation"] === "invite" ? "Invite" : "Check Eligibility" }}',
		description: 'Move a voice caller to a LivePerson messaging channel (SMS, WhatsApp, …) with the Connect-to-Messaging API.',
		defaults: { name: 'Transfer to Messaging' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'livePersonTransferToMessagingApi', required: true, testedBy: 'livePersonTransferToMessagingApiTest' }],
		properties,
	};

	methods = { credentialTest: credentialTests };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return router.call(this);
	}
}
