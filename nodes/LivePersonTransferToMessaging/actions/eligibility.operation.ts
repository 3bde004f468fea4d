import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { inputError } from '../../../lib/errors';
import { C2M_LIMITS, type C2mClient } from '../../../lib/liveperson/c2m';

const show = { show: { operation: ['eligibility'] } };

export const description: INodeProperties[] = [
	{
		displayName: 'Consumer Phone Number',
		name: 'consumerPhoneNumber',
		type: 'string',
		default: '',
		required: true,
		placeholder: '+12065550100',
		displayOptions: show,
		description: `The caller's phone number in E.164 format with the leading "+" and the country code, as the docs require (at most ${C2M_LIMITS.consumerPhoneNumber} characters, the "+" included)`,
	},
	{
		displayName: 'Handoff ID',
		name: 'handoffId',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'H123456789',
		displayOptions: show,
		description: `The handoff configured in Connect-to-Messaging (at most ${C2M_LIMITS.handoffId} characters)`,
	},
	{
		displayName: 'Skill',
		name: 'skill',
		type: 'string',
		default: '',
		required: true,
		displayOptions: show,
		description: `Required by the docs: the engagement skill that receives the conversation (at most ${C2M_LIMITS.skill} characters)`,
	},
	{
		displayName: 'Additional Fields',
		name: 'additionalFields',
		type: 'collection',
		placeholder: 'Add Field',
		default: {},
		displayOptions: show,
		options: [
			{ displayName: 'Consumer ID', name: 'consumerId', type: 'string', default: '', description: 'For the in-app channel' },
			{ displayName: 'IVR Number', name: 'ivrNumber', type: 'string', default: '' },
			{ displayName: 'SDEs (JSON)', name: 'sdes', type: 'json', default: '[]', description: 'Engagement attributes as a JSON list' },
			{ displayName: 'Template Variables (JSON)', name: 'templateVariables', type: 'json', default: '{}', description: 'Values for the template placeholders, for example {"1": "Ann"}' },
		],
	},
];

function json(value: unknown, field: string): unknown {
	if (typeof value !== 'string') return value;
	if (!value.trim()) return undefined;
	try {
		return JSON.parse(value);
	} catch {
		throw inputError(field, `${field} is not valid JSON`, undefined, 'C2M_JSON');
	}
}

export async function execute(this: IExecuteFunctions, i: number, client: C2mClient): Promise<IDataObject> {
	const extra = this.getNodeParameter('additionalFields', i, {}) as IDataObject;
	const result = await client.eligibility({
		consumerPhoneNumber: this.getNodeParameter('consumerPhoneNumber', i) as string,
		handoffId: this.getNodeParameter('handoffId', i) as string,
		skill: this.getNodeParameter('skill', i) as string,
		consumerId: extra.consumerId as string | undefined,
		ivrNumber: extra.ivrNumber as string | undefined,
		sdes: json(extra.sdes, 'sdes') as unknown[] | undefined,
		templateVariables: json(extra.templateVariables, 'templateVariables') as Record<string, string> | undefined,
	});
	return result as IDataObject;
}
