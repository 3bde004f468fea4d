import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { inputError } from '../../../lib/errors';
import { mapItems } from '../../shared/execute';
import { concurrencyOf } from '../../shared/properties';
import { CONCURRENCY } from './common';
import type { MtlsClient } from '../../../lib/liveperson/mtls-gateway';
import { mtlsClient, type MtlsNodeOptions } from '../transport';
import * as checkMapping from './checkMapping.operation';
import * as createMapping from './createMapping.operation';
import * as deleteCertificate from './deleteCertificate.operation';
import * as forward from './forward.operation';
import * as listCertificates from './listCertificates.operation';
import * as listMappings from './listMappings.operation';
import * as uploadCertificate from './uploadCertificate.operation';

export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const operation = this.getNodeParameter('operation', 0) as string;
	const options = this.getNodeParameter('options', 0, {}) as MtlsNodeOptions & { allowedInternalNetworks?: string; fullResponse?: boolean; neverError?: boolean };
	// Made on first use inside the item loop, so that a setting the credential cannot satisfy is an
	// item error (Continue On Fail, NodeOperationError) rather than a raw exception.
	let made: Promise<MtlsClient> | undefined;
	const concurrency = concurrencyOf(options, CONCURRENCY);
	const out = await mapItems(
		this,
		async (i) => {
			const client = await (made ??= mtlsClient.call(this, options));
			switch (operation) {
				case 'checkMapping':
					return checkMapping.execute.call(this, i, client);
				case 'forward':
					return forward.execute.call(this, i, client, this.getNodeParameter('options', i, {}) as typeof options);
				case 'listCertificates':
					return listCertificates.execute.call(this, i, client);
				case 'uploadCertificate':
					return uploadCertificate.execute.call(this, i, client);
				case 'createMapping':
					return createMapping.execute.call(this, i, client);
				case 'listMappings':
					return listMappings.execute.call(this, i, client);
				case 'deleteCertificate':
					return deleteCertificate.execute.call(this, i, client);
				default:
					throw inputError('operation', `Operation "${operation}" is not supported`);
			}
		},
		{ concurrency },
	);
	return [out];
}
