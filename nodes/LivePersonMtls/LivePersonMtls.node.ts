import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { credentialTests } from '../shared/credentialTests';
import { router } from './actions/router';
import { versionDescription } from './actions/versionDescription';

/**
 * LivePerson mTLS: the runtime gateway (check mapping, forward) and the certificate / mapping
 * configuration of LivePerson's mutual TLS service. Layout as in n8n's Airtable v2 node: the
 * description in actions/, a router, one module per operation, transport/ for the client.
 */
export class LivePersonMtls implements INodeType {
	description: INodeTypeDescription = versionDescription;

	methods = { credentialTest: credentialTests };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return router.call(this);
	}
}
