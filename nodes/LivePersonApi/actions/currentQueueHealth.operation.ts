import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { buildCurrentQueueHealthCall, processCurrentQueueHealthBody } from '../../../lib/liveperson/messaging-operations';
import type { LpApiCaller } from '../transport';

const show = { show: { resource: ['messagingOperations'], operation: ['currentQueueHealth'] } };

export const description: INodeProperties[] = [
	{
		displayName: 'Skill IDs',
		name: 'queueSkillIds',
		type: 'string',
		default: '',
		displayOptions: show,
		placeholder: '12,13',
		description: 'Comma-separated skill IDs; empty for all skills. Metrics without data are -1, as documented.',
	},
	{
		displayName: 'Split by Skill',
		name: 'splitBySkill',
		type: 'boolean',
		default: false,
		displayOptions: show,
		description: 'Whether to return one item per skill (with skillId) instead of one item with skillsMetrics and metricsTotal',
	},
];

export async function execute(this: IExecuteFunctions, i: number, api: LpApiCaller): Promise<IDataObject | IDataObject[]> {
	const result = await api(buildCurrentQueueHealthCall(this.getNodeParameter('queueSkillIds', i, '')));
	const health = processCurrentQueueHealthBody(result.body);
	if (!this.getNodeParameter('splitBySkill', i, false)) return health as unknown as IDataObject;
	return Object.entries(health.skillsMetrics).map(([skillId, metrics]) => ({ skillId, ...metrics }) as IDataObject);
}
