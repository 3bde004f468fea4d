import { NodeConnectionTypes } from 'n8n-workflow';
import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { credentialTests } from '../shared/credentialTests';
import * as request from './actions/request.operation';
import { router } from './actions/router';

/**
 * LivePerson API Integration: the Conversation Builder "API integration" as an n8n node — a
 * request to any API with this package's bot-account credentials and/or mutual TLS. Layout as in
 * n8n's Airtable v2 node (a router, one operation module, transport/), except that the node-level
 * description (icon, inputs, credentials with `testedBy`) is written here, where n8n's lint rules read it.
 */
export class LivePersonApiIntegration implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'LivePerson API Integration',
		name: 'livePersonApiIntegration',
		icon: { light: 'file:livePersonApiIntegration.svg', dark: 'file:livePersonApiIntegration.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: '={{ $parameter["method"] + " " + $parameter["url"] }}',
		description:
			'Call an external API the way a Conversation Builder API integration does: bot-account credentials (OAuth2, Basic, Access Token), mutual TLS with PKCS#12/JKS/PEM key stores, retries and timeouts.',
		defaults: { name: 'LivePerson API Integration' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			{ name: 'livePersonOAuth2AuthCodeApi', required: true, displayOptions: { show: { authentication: ['oAuth2AuthCode'] } } },
			{ name: 'livePersonOAuth2ClientCredentialsApi', required: true, testedBy: 'livePersonOAuth2ClientCredentialsApiTest', displayOptions: { show: { authentication: ['oAuth2ClientCredentials'] } } },
			{ name: 'livePersonBasicAuthApi', required: true, testedBy: 'livePersonBasicAuthApiTest', displayOptions: { show: { authentication: ['basicAuth'] } } },
			{ name: 'livePersonAccessTokenApi', required: true, testedBy: 'livePersonAccessTokenApiTest', displayOptions: { show: { authentication: ['accessToken'] } } },
			{ name: 'livePersonNluApi', required: true, testedBy: 'livePersonNluApiTest', displayOptions: { show: { authentication: ['thirdPartyNlu'] } } },
			{ name: 'livePersonMutualTlsApi', required: true, testedBy: 'livePersonMutualTlsApiTest', displayOptions: { show: { mutualTls: [true] } } },
		],
		properties: request.description,
	};

	methods = { credentialTest: credentialTests };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return router.call(this);
	}
}
