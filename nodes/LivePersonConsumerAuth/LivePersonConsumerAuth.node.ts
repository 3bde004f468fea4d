import { NodeConnectionTypes } from 'n8n-workflow';
import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { completeConsumerAuth, DEFAULT_STATE_LIFETIME_MS, startConsumerAuth } from '../../lib/auth/consumer-auth';
import { consumerAuthConfig, CREDENTIAL_TYPES } from '../shared/credentialConfig';
import { credentialTests } from '../shared/credentialTests';
import { mapItems } from '../shared/execute';

/**
 * LivePerson Consumer Authentication: Conversation Builder's consumer authentication as two
 * operations. *Start* (in the bot's workflow) builds the authorization URL for one conversation
 * and keeps the state and PKCE verifier server-side; *Complete* (in the workflow of the webhook
 * that is the redirect URI) checks the state once and exchanges the code (lib/auth/consumer-auth.ts).
 */
export class LivePersonConsumerAuth implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'LivePerson Consumer Authentication',
		name: 'livePersonConsumerAuth',
		icon: { light: 'file:livePersonConsumerAuth.svg', dark: 'file:livePersonConsumerAuth.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{ $parameter["operation"] === "start" ? "Start" : "Complete" }}',
		description: "Let the consumer authorize the bot during a conversation (OAuth 2.0 authorization code with PKCE), then use the consumer's token",
		defaults: { name: 'LivePerson Consumer Authentication' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'livePersonConsumerAuthApi', required: true, testedBy: 'livePersonConsumerAuthApiTest' }],
		properties: [
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				default: 'start',
				options: [
					{ name: 'Start', value: 'start', action: 'Start consumer authentication', description: 'Build the authorization URL to send to the consumer' },
					{ name: 'Complete', value: 'complete', action: 'Complete consumer authentication', description: 'Check the state and exchange the code from the redirect' },
				],
			},
			{
				displayName: 'Conversation ID',
				name: 'conversationId',
				type: 'string',
				default: '={{ $json.conversationId }}',
				required: true,
				displayOptions: { show: { operation: ['start'] } },
				description: 'The conversation the authentication is bound to (returned by Complete)',
			},
			{
				displayName: 'Redirect URI',
				name: 'redirectUri',
				type: 'string',
				default: '',
				required: true,
				placeholder: 'https://n8n.example.com/webhook/consumer-auth/callback',
				displayOptions: { show: { operation: ['start'] } },
				description: 'The production URL of the Webhook node that runs Complete (or its path, e.g. /webhook/consumer-auth/callback, on this n8n\'s URL); register the full URL at the identity provider',
			},
			{
				displayName: 'State',
				name: 'state',
				type: 'string',
				default: '={{ $json.query.state }}',
				required: true,
				displayOptions: { show: { operation: ['complete'] } },
			},
			{
				displayName: 'Code',
				name: 'code',
				type: 'string',
				typeOptions: { password: true },
				default: '={{ $json.query.code }}',
				displayOptions: { show: { operation: ['complete'] } },
			},
			{
				displayName: 'Error',
				name: 'error',
				type: 'string',
				default: '={{ $json.query.error }}',
				displayOptions: { show: { operation: ['complete'] } },
				description: 'The "error" parameter of the redirect (e.g. access_denied), if any',
			},
			{
				displayName: 'Options',
				name: 'options',
				type: 'collection',
				placeholder: 'Add option',
				default: {},
				options: [
					{
						displayName: 'Allowed Redirect Origins',
						name: 'allowedRedirectOrigins',
						type: 'string',
						default: '',
						placeholder: 'https://webhooks.example.com',
						displayOptions: { show: { '/operation': ['start'] } },
						description: "Other origins the Redirect URI may be on, comma-separated (e.g. a proxy in front of n8n). By default only the origin of this n8n instance's webhook URLs (WEBHOOK_URL) is accepted.",
					},
					{
						displayName: 'Bind State to This Workflow',
						name: 'bindToWorkflow',
						type: 'boolean',
						default: false,
						displayOptions: { show: { '/operation': ['start'] } },
						description: 'Whether only a Complete in this same workflow may use the state. Off: Complete may run in another workflow (e.g. the one of the redirect webhook), always with this same credential.',
					},
					{
						displayName: 'Output Access Token',
						name: 'outputAccessToken',
						type: 'boolean',
						default: false,
						displayOptions: { show: { '/operation': ['complete'] } },
						description: "Whether to put the consumer's access token in the output (to map it into API Integration's Consumer Token). Off: token metadata only.",
					},
					{
						displayName: 'Scope',
						name: 'scope',
						type: 'string',
						default: '',
						displayOptions: { show: { '/operation': ['start'] } },
						description: "Overrides the credential's scope for this authorization",
					},
					{
						displayName: 'State Lifetime (Minutes)',
						name: 'stateLifetime',
						type: 'number',
						typeOptions: { minValue: 1, maxValue: 60 },
						default: 10,
						displayOptions: { show: { '/operation': ['start'] } },
						description: 'How long the consumer has to complete the authentication (1 to 60 minutes)',
					},
				],
			},
		],
	};

	methods = { credentialTest: credentialTests };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const cfg = consumerAuthConfig(await this.getCredentials(CREDENTIAL_TYPES.consumerAuth));
		// The state is bound to this very credential (its id and every field, the secret included, hashed).
		cfg.credentialId = this.getNode().credentials?.[CREDENTIAL_TYPES.consumerAuth]?.id ?? undefined;
		const workflowId = this.getWorkflow?.()?.id ?? undefined;
		const instanceBase = typeof this.getInstanceBaseUrl === 'function' ? this.getInstanceBaseUrl() : undefined;
		const operation = this.getNodeParameter('operation', 0) as string;
		const out = await mapItems(this, async (i) => {
			const options = this.getNodeParameter('options', i, {}) as { outputAccessToken?: boolean; scope?: string; stateLifetime?: number; allowedRedirectOrigins?: string; bindToWorkflow?: boolean };
			if (operation === 'start') {
				const started = await startConsumerAuth(cfg, {
					conversationId: this.getNodeParameter('conversationId', i, '') as string,
					redirectUri: this.getNodeParameter('redirectUri', i, '') as string,
					redirectBase: instanceBase,
					scope: options.scope,
					lifetimeMs: Math.round((options.stateLifetime ?? DEFAULT_STATE_LIFETIME_MS / 60_000) * 60_000),
					allowedRedirectOrigins: [
						...(instanceBase ? [instanceBase] : []),
						...String(options.allowedRedirectOrigins ?? '')
							.split(',')
							.map((o) => o.trim())
							.filter(Boolean),
					],
					workflowId: options.bindToWorkflow ? workflowId : undefined,
				});
				return started as unknown as IDataObject;
			}
			const done = await completeConsumerAuth(cfg, {
				state: this.getNodeParameter('state', i, '') as string,
				code: this.getNodeParameter('code', i, '') as string,
				error: this.getNodeParameter('error', i, '') as string,
				workflowId,
			});
			const t = done.token;
			return {
				conversationId: done.conversationId,
				authenticated: true,
				tokenType: t.tokenType ?? 'Bearer',
				expiresAt: Number.isFinite(t.expiresAt) ? new Date(t.expiresAt).toISOString() : null,
				scope: (t.extra?.scope as string | undefined) ?? null,
				hasRefreshToken: typeof t.extra?.refreshToken === 'string',
				...(options.outputAccessToken ? { accessToken: t.value } : {}),
			};
		});
		return [out];
	}
}
