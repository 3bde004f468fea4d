import type { INodeProperties } from 'n8n-workflow';
import { DEFAULT_CLOCK_TOLERANCE_SEC, MAX_CLOCK_TOLERANCE_SEC } from '../../lib/jwt/verify';
import { ALLOW_OPTION_NAME, BLOCKED_CLASSES } from '../../lib/net/policy';

/**
 * A repeatable list of name/value pairs (query parameters, headers, form fields), stored as
 * `{ parameters: [{ name, value }] }` like n8n's HTTP Request node.
 */
export function nameValueList(options: {
	displayName: string;
	name: string;
	itemName: string;
	placeholder: string;
	displayOptions: INodeProperties['displayOptions'];
	startWithOne?: boolean;
}): INodeProperties {
	return {
		displayName: options.displayName,
		name: options.name,
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		placeholder: options.placeholder,
		default: { parameters: options.startWithOne ? [{ name: '', value: '' }] : [] },
		displayOptions: options.displayOptions,
		options: [
			{
				name: 'parameters',
				displayName: options.itemName,
				values: [
					{ displayName: 'Name', name: 'name', type: 'string', default: '' },
					{ displayName: 'Value', name: 'value', type: 'string', default: '' },
				],
			},
		],
	};
}

/**
 * The "Allowed Internal Networks" option of a node that sends to a user-supplied URL (read with
 * `policyForAllowText`); the class names listed are the outbound policy's own.
 */
export function allowedInternalNetworksOption(what: string): INodeProperties {
	return {
		displayName: ALLOW_OPTION_NAME,
		name: 'allowedInternalNetworks',
		type: 'string',
		default: '',
		placeholder: '10.0.0.0/8, loopback',
		description: `Internal destinations ${what} may resolve to (CIDR, ranges, IPs, or ${BLOCKED_CLASSES.join(', ')}). Internal addresses are refused by default.`,
	};
}

/**
 * The "Allowed Internal Networks" field of every credential of the package: the internal networks
 * its requests (logins, token endpoints, CSDS and the hosts it names, Test URLs) may reach.
 */
export function allowedInternalNetworksCredentialField(what = 'this credential\'s hosts'): INodeProperties {
	return {
		displayName: ALLOW_OPTION_NAME,
		name: 'allowedInternalNetworks',
		type: 'string',
		default: '',
		placeholder: 'loopback, 10.0.0.0/8',
		description: `Internal networks ${what} may resolve to (CIDR, ranges, IPs, or ${BLOCKED_CLASSES.join(', ')}). Empty: internal addresses (loopback, private, link-local, cloud metadata…) are refused, for a host name and an IP literal alike. Set "loopback" for the LivePerson emulator on this machine.`,
	};
}

/** "Clock Tolerance (Seconds)" of a JWT check (Verify JWT, Consumer Pre-Authentication); checked in lib too. */
export function clockToleranceField(name: string, displayOptions?: INodeProperties['displayOptions']): INodeProperties {
	return {
		displayName: 'Clock Tolerance (Seconds)',
		name,
		type: 'number',
		typeOptions: { minValue: 0, maxValue: MAX_CLOCK_TOLERANCE_SEC },
		default: DEFAULT_CLOCK_TOLERANCE_SEC,
		...(displayOptions ? { displayOptions } : {}),
		description: `Leeway for "exp" and "nbf", from 0 to ${MAX_CLOCK_TOLERANCE_SEC} seconds (for clocks that differ a little)`,
	};
}

/** How many items a node sends at the same time: its default and limit, for the form and the run alike. */
export interface ConcurrencySpec {
	default: number;
	max: number;
	displayName?: string;
	/** Why the limit, shown after the description. */
	why?: string;
}

/** The "Concurrency" option of a node's Options (read back with `concurrencyOf` and the same spec). */
export function concurrencyOption(spec: ConcurrencySpec): INodeProperties {
	const initial = spec.default;
	return {
		displayName: spec.displayName ?? 'Concurrency',
		name: 'concurrency',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: spec.max },
		default: initial,
		description: `How many items are sent at the same time${spec.why ? ` (${spec.why})` : ''}`,
	};
}

/** The concurrency an execution uses: the option (an expression can give anything) within 1 and the spec's max. */
export function concurrencyOf(options: { concurrency?: number }, spec: ConcurrencySpec): number {
	return Math.max(1, Math.min(options.concurrency ?? spec.default, spec.max));
}

/** The pairs of a `nameValueList` parameter value: names trimmed, values as text. */
export function nameValuePairs(value: unknown): Array<{ name: string; value: string }> {
	const list = (value as { parameters?: Array<{ name?: unknown; value?: unknown }> } | undefined)?.parameters ?? [];
	return list.map((p) => ({ name: String(p.name ?? '').trim(), value: p.value === undefined || p.value === null ? '' : String(p.value) }));
}
