import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { credentialTests } from '../shared/credentialTests';
import { router } from './actions/router';
import { versionDescription } from './actions/versionDescription';

/**
 * LivePerson Transfer to Messaging (Connect-to-Messaging API): check whether a caller can be moved
 * from voice to a messaging channel, then invite them. Layout as in n8n's Airtable v2 node.
 */
export class LivePersonTransferToMessaging implements INodeType {
	description: INodeTypeDescription = versionDescription;

	methods = { credentialTest: credentialTests };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return router.call(this);
	}
}
