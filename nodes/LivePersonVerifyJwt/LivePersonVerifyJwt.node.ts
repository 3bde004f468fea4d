import { NodeConnectionTypes } from 'n8n-workflow';
import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { DEFAULT_CLOCK_TOLERANCE_SEC, KeySource, SUPPORTED_ALGORITHMS, verifyJwt } from '../../lib/jwt/verify';
import { policyForAllowText } from '../../lib/net/policy';
import { mapItems } from '../shared/execute';
import { allowedInternalNetworksOption, clockToleranceField } from '../shared/properties';

const SENTINEL_JWKS = 'https://va.sentinel.liveperson.net/sentinel/well-known/jwks';

function list(value: string | undefined): string | string[] | undefined {
	const parts = String(value ?? '')
		.split(/[\s,]+/)
		.filter(Boolean);
	if (!parts.length) return undefined;
	return parts.length === 1 ? parts[0] : parts;
}

// Not offered as an AI tool (no usableAsTool; the type allows no `false`): the agent would have to pass the
// bearer token through the language model, a check the model may skip gates nothing, and n8n gives an
// agent only the first output ("Valid"), so an invalid token would come back as an empty answer.
// eslint-disable-next-line @n8n/community-nodes/node-usable-as-tool -- a guard, not a tool (above)
export class LivePersonVerifyJwt implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'LivePerson Verify JWT',
		name: 'livePersonVerifyJwt',
		icon: { light: 'file:verifyJwt.svg', dark: 'file:verifyJwt.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{ $parameter["keySource"] === "jwks" ? "JWKS" : "Public key" }}',
		description: 'Verify a bearer token (JWT) against a JWKS URL or a public key; route to Valid or Invalid.',
		defaults: { name: 'LivePerson Verify JWT' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main],
		outputNames: ['Valid', 'Invalid'],
		properties: [
			{
				displayName: 'Token',
				name: 'token',
				type: 'string',
				typeOptions: { password: true },
				default: '={{ $json.headers.authorization }}',
				required: true,
				description: 'The JWT, with or without the "Bearer " prefix. It is never copied to the output.',
			},
			{
				displayName: 'Key Source',
				name: 'keySource',
				type: 'options',
				default: 'jwks',
				options: [
					{ name: 'JWKS URL', value: 'jwks', description: "The issuer's published key set (keys are cached and refreshed on rotation)" },
					{ name: 'Public Key (PEM)', value: 'pem', description: 'A pasted SPKI public key or certificate' },
					{ name: 'JWK', value: 'jwk', description: 'A pasted public JWK (JSON)' },
				],
			},
			{
				displayName: 'JWKS URL',
				name: 'jwksUrl',
				type: 'string',
				default: SENTINEL_JWKS,
				required: true,
				displayOptions: { show: { keySource: ['jwks'] } },
				description: "The issuer's key set, e.g. LivePerson Sentinel's",
			},
			{
				displayName: 'Public Key',
				name: 'publicKey',
				type: 'string',
				typeOptions: { rows: 6 },
				default: '',
				required: true,
				placeholder: '-----BEGIN PUBLIC KEY-----',
				displayOptions: { show: { keySource: ['pem'] } },
			},
			{
				displayName: 'JWK',
				name: 'jwk',
				type: 'json',
				default: '{}',
				required: true,
				displayOptions: { show: { keySource: ['jwk'] } },
				description:
					'A public JWK, e.g. {"kty":"EC","crv":"P-256","x":"…","y":"…"}, or for HS256/HS384/HS512 the shared secret as {"kty":"oct","k":"…"} (base64url, at least 32/48/64 bytes)',
			},
			{
				displayName: 'Algorithms',
				name: 'algorithms',
				type: 'multiOptions',
				default: ['RS256'],
				required: true,
				options: SUPPORTED_ALGORITHMS.map((alg) => ({ name: alg, value: alg })),
				description: 'The signature algorithms accepted (pin what the issuer uses; "none" is never accepted)',
			},
			{
				displayName: 'Issuer',
				name: 'issuer',
				type: 'string',
				default: '',
				description: 'Expected "iss" (several separated by commas). Leave empty to not check.',
			},
			{
				displayName: 'Audience',
				name: 'audience',
				type: 'string',
				default: '',
				description: 'Expected "aud" (several separated by commas). Leave empty to not check.',
			},
			{
				displayName: 'Options',
				name: 'options',
				type: 'collection',
				placeholder: 'Add option',
				default: {},
				options: [
					allowedInternalNetworksOption('the JWKS URL'),
					clockToleranceField('clockTolerance'),
					{
						displayName: 'Require Expiration',
						name: 'requireExpiration',
						type: 'boolean',
						default: true,
						description:
							'Whether a token without an "exp" claim is routed to Invalid (reason "missing_expiration"). On unless this option is added and turned off: a token that never expires stays usable forever if it leaks.',
					},
				],
			},
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const valid = new Set<number>();
		const out = await mapItems(this, async (i) => {
			const keySource = this.getNodeParameter('keySource', i) as string;
			const options = this.getNodeParameter('options', i, {}) as { allowedInternalNetworks?: string; clockTolerance?: unknown; requireExpiration?: boolean };
			let key: KeySource;
			if (keySource === 'pem') key = { type: 'pem', pem: this.getNodeParameter('publicKey', i) as string };
			else if (keySource === 'jwk') key = { type: 'jwk', jwk: this.getNodeParameter('jwk', i) as string };
			else {
				const policy = policyForAllowText(options.allowedInternalNetworks);
				key = { type: 'jwks', url: (this.getNodeParameter('jwksUrl', i) as string).trim(), policy };
			}
			const token = this.getNodeParameter('token', i, '') as unknown;
			const result = await verifyJwt(typeof token === 'string' ? token : '', {
				key,
				algorithms: this.getNodeParameter('algorithms', i) as string[],
				issuer: list(this.getNodeParameter('issuer', i, '') as string),
				audience: list(this.getNodeParameter('audience', i, '') as string),
				// Checked in lib (finite, 0-600 s): an expression can give anything.
				clockToleranceSec: (options.clockTolerance ?? DEFAULT_CLOCK_TOLERANCE_SEC) as number,
				requireExpiration: options.requireExpiration !== false,
			});
			if (result.valid) {
				valid.add(i);
				return { valid: true, claims: result.claims as IDataObject, header: result.header as IDataObject };
			}
			return { valid: false, reason: result.reason, message: result.message };
		});
		const yes: INodeExecutionData[] = [];
		const no: INodeExecutionData[] = [];
		for (const item of out) {
			const paired = item.pairedItem;
			const index = typeof paired === 'number' ? paired : Array.isArray(paired) ? paired[0]?.item : paired?.item;
			(index !== undefined && valid.has(index) ? yes : no).push(item);
		}
		return [yes, no];
	}
}
