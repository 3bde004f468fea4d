import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import type { MtlsClient } from '../../../lib/liveperson/mtls-gateway';

const show = { show: { operation: ['deleteCertificate'] } };

export const description: INodeProperties[] = [
	{
		displayName: 'Certificate ID',
		name: 'deleteCertificateId',
		type: 'string',
		default: '',
		required: true,
		displayOptions: show,
		description: 'The numeric ID from List Certificates. Mappings that use the certificate stop working.',
	},
];

export async function execute(this: IExecuteFunctions, i: number, client: MtlsClient): Promise<IDataObject> {
	return (await client.deleteCertificate(this.getNodeParameter('deleteCertificateId', i, '') as string)) as IDataObject;
}
