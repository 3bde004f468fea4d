/**
 * API Integration's "Consumer Pre-Authentication": the consumer's token from the item, optionally
 * verified (lib/jwt/verify.ts, the Verify JWT node's logic) before any request, then sent as a
 * bearer by a per-item strategy (lib/auth/consumer.ts). No credential: the token belongs to the
 * consumer, not to the workflow.
 */
import type { INodeProperties } from 'n8n-workflow';
import { consumerAudience, consumerTokenStrategy, checkConsumerToken, verifyConsumerToken } from '../../../lib/auth/consumer';
import { inputError } from '../../../lib/errors';
import type { AuthStrategy } from '../../../lib/http/types';
import { checkClockTolerance, DEFAULT_CLOCK_TOLERANCE_SEC, SUPPORTED_ALGORITHMS, type KeySource } from '../../../lib/jwt/verify';
import { policyForAllowText } from '../../../lib/net/policy';
import type { ParameterReader } from '../../shared/params';
import { clockToleranceField } from '../../shared/properties';

const show = (extra: Record<string, unknown[]> = {}) => ({ show: { authentication: ['consumerPreAuth'], ...extra } });

export function consumerPreAuthFields(): INodeProperties[] {
	return [
		{
			displayName: 'Consumer Token',
			name: 'consumerToken',
			type: 'string',
			typeOptions: { password: true },
			default: '={{ $json.consumerToken }}',
			required: true,
			displayOptions: show(),
			description:
				"The consumer's token issued by your identity provider, with or without \"Bearer \" (e.g. from the conversation's authenticated data). Sent as Authorization: Bearer; never copied into the output.",
		},
		{
			// LivePerson checks the id_token; access tokens may be opaque (docs/liveperson-docs-disagreements.md).
			displayName: 'Token Type',
			name: 'consumerTokenType',
			type: 'options',
			default: 'jwt',
			displayOptions: show(),
			options: [
				{ name: 'JWT', value: 'jwt', description: 'The access token is a signed JWT: it is verified (when Verify Consumer Token is on)' },
				{ name: 'Opaque, Verify the ID Token', value: 'idToken', description: "The access token is opaque: the id_token of the same sign-in is verified instead (its audience is your app's client ID), as LivePerson does" },
				{ name: 'Opaque, Not Verified', value: 'opaque', description: 'The access token is opaque and sent as is: only the API can judge it (the verification settings are ignored)' },
			],
		},
		{
			displayName: 'ID Token',
			name: 'consumerIdToken',
			type: 'string',
			typeOptions: { password: true },
			default: '={{ $json.idToken }}',
			required: true,
			displayOptions: show({ consumerTokenType: ['idToken'] }),
			description: "The consumer's id_token from the same sign-in; verified, never sent",
		},
		{
			displayName: 'Verify Consumer Token',
			name: 'verifyConsumerToken',
			type: 'boolean',
			default: true,
			displayOptions: show(),
			description: 'Whether to verify the token (signature, expiry, issuer, audience) before the request; a refused token fails the item and nothing is sent',
		},
		{
			displayName: 'Key Source',
			name: 'consumerKeySource',
			type: 'options',
			default: 'jwks',
			displayOptions: show({ verifyConsumerToken: [true] }),
			options: [
				{ name: 'JWKS URL', value: 'jwks', description: "The identity provider's published key set" },
				{ name: 'Public Key (PEM)', value: 'pem' },
				{ name: 'JWK', value: 'jwk' },
			],
		},
		{
			displayName: 'JWKS URL',
			name: 'consumerJwksUrl',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'https://idp.example.com/.well-known/jwks.json',
			displayOptions: show({ verifyConsumerToken: [true], consumerKeySource: ['jwks'] }),
		},
		{
			displayName: 'JWKS Allowed Internal Networks',
			name: 'consumerJwksAllowedInternalNetworks',
			type: 'string',
			default: '',
			placeholder: 'e.g. 10.20.0.0/16, loopback',
			displayOptions: show({ verifyConsumerToken: [true], consumerKeySource: ['jwks'] }),
			description:
				"Internal networks the JWKS URL may be on (CIDR blocks or class names such as private, loopback). Separate from the request's own Allowed Internal Networks: allowing the API's host does not allow the identity provider's. Empty: internal addresses refused.",
		},
		{
			displayName: 'Public Key',
			name: 'consumerPublicKey',
			type: 'string',
			typeOptions: { rows: 6 },
			default: '',
			required: true,
			placeholder: '-----BEGIN PUBLIC KEY-----',
			displayOptions: show({ verifyConsumerToken: [true], consumerKeySource: ['pem'] }),
		},
		{
			displayName: 'JWK',
			name: 'consumerJwk',
			type: 'json',
			default: '{}',
			required: true,
			displayOptions: show({ verifyConsumerToken: [true], consumerKeySource: ['jwk'] }),
		},
		{
			displayName: 'Algorithms',
			name: 'consumerAlgorithms',
			type: 'multiOptions',
			default: ['RS256'],
			options: SUPPORTED_ALGORITHMS.map((alg) => ({ name: alg, value: alg })),
			displayOptions: show({ verifyConsumerToken: [true] }),
			description: 'The signature algorithms accepted ("none" never is)',
		},
		{
			displayName: 'Issuer',
			name: 'consumerIssuer',
			type: 'string',
			default: '',
			displayOptions: show({ verifyConsumerToken: [true] }),
			description: 'Expected "iss" (several separated by commas). Leave empty to not check.',
		},
		{
			displayName: 'Audience',
			name: 'consumerAudience',
			type: 'string',
			default: '',
			displayOptions: show({ verifyConsumerToken: [true] }),
			description: 'Expected "aud" (several separated by commas): the API this token is meant for. Required unless Accept Any Audience is on.',
		},
		{
			displayName: 'Accept Any Audience',
			name: 'consumerAcceptAnyAudience',
			type: 'boolean',
			default: false,
			displayOptions: show({ verifyConsumerToken: [true] }),
			description: 'Whether to accept a token whatever its "aud" (only for an identity provider that issues no audience): a token meant for another API of the same provider is then accepted too',
		},
		clockToleranceField('consumerClockTolerance', show({ verifyConsumerToken: [true] })),
	];
}

function list(value: unknown): string | string[] | undefined {
	const parts = String(value ?? '')
		.split(/[\s,]+/)
		.filter(Boolean);
	if (!parts.length) return undefined;
	return parts.length === 1 ? parts[0] : parts;
}

/**
 * This item's strategy: the token read, verified when asked. The JWKS is fetched under its OWN
 * policy (JWKS Allowed Internal Networks), never the request's: allowing the API's internal host
 * does not let the identity provider's URL reach internal networks.
 */
export async function consumerAuth(param: ParameterReader, i: number): Promise<AuthStrategy> {
	const token = checkConsumerToken(param('consumerToken', i, ''));
	const tokenType = param('consumerTokenType', i, 'jwt') as string;
	// Opaque access token: verify the id_token of the same sign-in instead (or nothing, when chosen).
	const verified = tokenType === 'idToken' ? checkConsumerToken(param('consumerIdToken', i, ''), 'consumerIdToken') : token;
	if (tokenType !== 'opaque' && param<boolean>('verifyConsumerToken', i, true) !== false) {
		const source = param('consumerKeySource', i, 'jwks') as string;
		if (source === 'jwks' && !String(param('consumerJwksUrl', i, '')).trim()) {
			throw inputError('consumerJwksUrl', 'JWKS URL is required to verify the consumer token', "Enter the identity provider's JWKS URL, or turn off Verify Consumer Token.", 'JWKS_URL_MISSING');
		}
		const key: KeySource =
			source === 'pem'
				? { type: 'pem', pem: param('consumerPublicKey', i, '') as string }
				: source === 'jwk'
					? { type: 'jwk', jwk: param('consumerJwk', i, '') as string }
					: { type: 'jwks', url: String(param('consumerJwksUrl', i, '')).trim(), policy: policyForAllowText(String(param('consumerJwksAllowedInternalNetworks', i, '') ?? '')) };
		// Checked before the JWKS is fetched: an empty Audience is refused unless explicitly accepted.
		const audience = consumerAudience(param('consumerAudience', i, ''), param<boolean>('consumerAcceptAnyAudience', i, false) === true);
		await verifyConsumerToken(verified, {
			key,
			algorithms: param('consumerAlgorithms', i, ['RS256']) as string[],
			issuer: list(param('consumerIssuer', i, '')),
			audience,
			// An expression can give anything: checked here so the error names this field.
			clockToleranceSec: checkClockTolerance(param('consumerClockTolerance', i, DEFAULT_CLOCK_TOLERANCE_SEC), 'consumerClockTolerance'),
		}, tokenType === 'idToken' ? 'consumerIdToken' : undefined);
	}
	return consumerTokenStrategy(token);
}
