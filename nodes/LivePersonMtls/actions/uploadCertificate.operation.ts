import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { inputError } from '../../../lib/errors';
import { inspectP12, type MtlsClient } from '../../../lib/liveperson/mtls-gateway';

const show = { show: { operation: ['uploadCertificate'] } };

export const description: INodeProperties[] = [
	{
		displayName: 'Certificate Source',
		name: 'certificateSource',
		type: 'options',
		default: 'binary',
		displayOptions: show,
		options: [
			{ name: 'Binary Property', value: 'binary', description: 'A .p12 / .pfx file from the input item' },
			{ name: 'Base64 Text', value: 'base64', description: 'The PKCS#12 file as base64' },
		],
		description: 'Where the PKCS#12 file (client certificate with its private key) comes from',
	},
	{
		displayName: 'Input Binary Field',
		name: 'binaryPropertyName',
		type: 'string',
		default: 'data',
		required: true,
		displayOptions: { show: { operation: ['uploadCertificate'], certificateSource: ['binary'] } },
		description: 'The name of the binary property holding the .p12 file',
	},
	{
		displayName: 'Certificate (Base64)',
		name: 'certificateBase64',
		type: 'string',
		typeOptions: { password: true },
		default: '',
		required: true,
		displayOptions: { show: { operation: ['uploadCertificate'], certificateSource: ['base64'] } },
		description: 'The PKCS#12 file encoded as base64',
	},
	{
		displayName: 'Certificate Name',
		name: 'certificateName',
		type: 'string',
		default: '',
		required: true,
		displayOptions: show,
		description: 'A name that is unique in the account',
	},
	{
		displayName: 'Certificate Password',
		name: 'certificatePassword',
		type: 'string',
		typeOptions: { password: true },
		default: '',
		displayOptions: show,
		description: 'The password of the PKCS#12 file',
	},
	{
		displayName: 'Check File Before Upload',
		name: 'verifyBeforeUpload',
		type: 'boolean',
		default: true,
		displayOptions: show,
		description: 'Whether to open the file locally first (password, private key and certificate present) to get a clear error before anything is sent',
	},
];

export async function execute(this: IExecuteFunctions, i: number, client: MtlsClient): Promise<IDataObject> {
	const source = this.getNodeParameter('certificateSource', i, 'binary') as string;
	let p12: Buffer;
	let fileName: string | undefined;
	if (source === 'base64') {
		const text = (this.getNodeParameter('certificateBase64', i, '') as string).replace(/\s+/g, '');
		if (!text || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) {
			throw inputError('certificateBase64', 'Certificate (Base64) is empty or not base64', 'Paste the .p12 file encoded as base64, or use a binary property.', 'P12_BASE64');
		}
		p12 = Buffer.from(text, 'base64');
	} else {
		const property = this.getNodeParameter('binaryPropertyName', i, 'data') as string;
		const meta = this.helpers.assertBinaryData(i, property);
		fileName = meta.fileName;
		p12 = await this.helpers.getBinaryDataBuffer(i, property);
	}
	const name = this.getNodeParameter('certificateName', i, '') as string;
	const password = this.getNodeParameter('certificatePassword', i, '') as string;
	const verify = this.getNodeParameter('verifyBeforeUpload', i, true) as boolean;
	const local = verify ? inspectP12(p12, password, 'certificatePassword') : undefined;
	const result = await client.uploadCertificate({ p12, fileName, name, password });
	return { ...result.saved[0], saved: result.saved, failed: result.failed, ...(local ? { localCheck: { ...local } } : {}) } as IDataObject;
}
