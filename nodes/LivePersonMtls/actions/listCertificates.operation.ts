import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import type { MtlsClient } from '../../../lib/liveperson/mtls-gateway';

export const description: INodeProperties[] = [];

export async function execute(this: IExecuteFunctions, _i: number, client: MtlsClient): Promise<IDataObject[]> {
	const list = await client.listCertificates();
	return list.map((c) => ({ ...c }) as IDataObject);
}
