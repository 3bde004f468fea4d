import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import type { OrchestratorClient } from '../../../lib/liveperson/orchestrator';

const show = { show: { resource: ['login'] } };

export const description: INodeProperties[] = [
	{
		displayName: 'Include Token',
		name: 'includeToken',
		type: 'boolean',
		default: false,
		displayOptions: show,
		description: 'Whether to put the access token itself in the output (by default only its expiry, region and version are returned)',
	},
	{
		displayName:
			'The token will be stored in the execution data and shown to everyone who can see this workflow\'s executions. Only turn this on when a later step cannot use this node\'s operations, and never log or forward the output.',
		name: 'tokenNotice',
		type: 'notice',
		default: '',
		displayOptions: { show: { resource: ['login'], includeToken: [true] } },
	},
];

export async function execute(this: IExecuteFunctions, i: number, client: OrchestratorClient): Promise<IDataObject> {
	const includeToken = this.getNodeParameter('includeToken', i, false) as boolean;
	return { ...(await client.login(includeToken)) } as IDataObject;
}
