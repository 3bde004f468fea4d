import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import type { MtlsClient } from '../../../lib/liveperson/mtls-gateway';

/** GET the ac-common mTLS configuration (the onboarding page: "a Rest Api, support all CRUD operations"). */
export const description: INodeProperties[] = [];

export async function execute(this: IExecuteFunctions, _i: number, client: MtlsClient): Promise<IDataObject[]> {
	const list = await client.listMappings();
	return list.map((m) => ({ ...m }) as IDataObject);
}
