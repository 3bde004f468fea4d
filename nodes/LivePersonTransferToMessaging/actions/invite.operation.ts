import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { C2M_LIMITS, type C2mClient } from '../../../lib/liveperson/c2m';

const show = { show: { operation: ['invite'] } };

export const description: INodeProperties[] = [
	{
		displayName: 'Call ID',
		name: 'callId',
		type: 'string',
		default: '={{ $json.callId }}',
		required: true,
		displayOptions: show,
		description: 'The callId returned by Check Eligibility',
	},
	{
		displayName: 'Additional Fields',
		name: 'inviteFields',
		type: 'collection',
		placeholder: 'Add Field',
		default: {},
		displayOptions: show,
		options: [
			{ displayName: 'Override Channel', name: 'overrideChannel', type: 'string', default: '', placeholder: 'sms', description: 'Use this channel instead of the recommended one: one of the availableChannels (sms and twilio are the same); otherwise error 1900' },
			{
				displayName: 'Override Message',
				name: 'overrideMessage',
				type: 'string',
				typeOptions: { rows: 3 },
				default: '',
				description: `Text of the invitation (at most ${C2M_LIMITS.overrideMessage} characters)`,
			},
			{ displayName: 'Override Skill', name: 'overrideSkill', type: 'string', default: '', description: `Route to this skill instead (at most ${C2M_LIMITS.skill} characters); it needs an engagement in the handoff, otherwise error 1901` },
		],
	},
];

export async function execute(this: IExecuteFunctions, i: number, client: C2mClient): Promise<IDataObject> {
	const extra = this.getNodeParameter('inviteFields', i, {}) as { overrideChannel?: string; overrideMessage?: string; overrideSkill?: string };
	return (await client.invite({ callId: this.getNodeParameter('callId', i) as string, ...extra })) as IDataObject;
}
