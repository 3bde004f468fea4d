/* eslint-disable n8n-nodes-base/node-filename-against-convention */
import type { INodeTypeDescription } from 'n8n-workflow';
import * as request from './request.operation';

export const versionDescription: INodeTypeDescription = {
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
	inputs: ['main'],
	outputs: ['main'],
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
