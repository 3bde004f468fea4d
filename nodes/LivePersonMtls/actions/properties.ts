import type { INodeProperties } from 'n8n-workflow';
import * as checkMapping from './checkMapping.operation';
import * as createMapping from './createMapping.operation';
import * as deleteCertificate from './deleteCertificate.operation';
import * as forward from './forward.operation';
import * as uploadCertificate from './uploadCertificate.operation';
import { commonOptions } from './common';

/** The node's parameters; the node class (../LivePersonMtls.node.ts) holds the rest of its description. */
export const properties: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		default: 'forward',
		options: [
			{ name: 'Check Mapping', value: 'checkMapping', action: 'Check certificate mappings', description: 'Ask whether a certificate is mapped for service name / URL pairs' },
			{ name: 'Create Mapping', value: 'createMapping', action: 'Create a certificate mapping', description: 'Map a certificate to a service and URL' },
			{ name: 'Delete Certificate', value: 'deleteCertificate', action: 'Delete a certificate', description: 'Delete a certificate of the account (its mappings stop working)' },
			{ name: 'Forward', value: 'forward', action: 'Forward a request with mutual TLS', description: 'Send a request to a target through the gateway, which presents the mapped client certificate' },
			{ name: 'List Certificates', value: 'listCertificates', action: 'List certificates', description: 'List the certificates of the account' },
			{ name: 'List Mappings', value: 'listMappings', action: 'List certificate mappings', description: 'List the certificate mappings of the account (ac-common configuration)' },
			{ name: 'Upload Certificate', value: 'uploadCertificate', action: 'Upload a certificate', description: 'Upload a PKCS#12 (.p12 / .pfx) client certificate' },
		],
	},
	...checkMapping.description,
	...forward.description,
	...uploadCertificate.description,
	...createMapping.description,
	...deleteCertificate.description,
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		options: [...commonOptions, ...forward.forwardOptions].sort((a, b) => a.displayName.localeCompare(b.displayName)),
	},
];
