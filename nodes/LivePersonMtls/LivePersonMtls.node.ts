import { NodeConnectionTypes } from 'n8n-workflow';
import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { credentialTests } from '../shared/credentialTests';
import { router } from './actions/router';
import { properties } from './actions/properties';

/**
 * LivePerson mTLS: the runtime gateway (check mapping, forward) and the certificate / mapping
 * configuration of LivePerson's mutual TLS service. Layout as in n8n's Airtable v2 node: the
 * parameters in actions/, a router, one module per operation, transport/ for the client; the
 * node-level description (icon, inputs, credentials with `testedBy`) here, where n8n's lint rules read it.
 */
export class LivePersonMtls implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'LivePerson mTLS',
		name: 'livePersonMtls',
		icon: { light: 'file:livePersonMtls.svg', dark: 'file:livePersonMtls.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: '={{ {checkMapping: "Check Mapping", forward: "Forward " + $parameter["method"], listCertificates: "List Certificates", uploadCertificate: "Upload Certificate", createMapping: "Create Mapping", listMappings: "List Mappings", deleteCertificate: "Delete Certificate"}[$parameter["operation"]] }}',
		description: 'Call an API with a client certificate through the LivePerson mTLS gateway, and manage the certificates and mappings.',
		defaults: { name: 'LivePerson mTLS' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'livePersonAccountApi', required: true, testedBy: 'livePersonAccountApiTest' }],
		properties,
	};

	methods = { credentialTest: credentialTests };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return router.call(this);
	}
}
