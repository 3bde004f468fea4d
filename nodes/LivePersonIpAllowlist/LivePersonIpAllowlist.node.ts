import { NodeConnectionTypes } from 'n8n-workflow';
import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { inputError } from '../../lib/errors';
import { IpList, normaliseForLivePerson, resolveClientIp } from '../../lib/net/ip-list';
import { mapItems } from '../shared/execute';

/** Items routed per input index (fail closed: error items go to "Denied"). */
function splitByRoute(items: INodeExecutionData[], allowed: Set<number>): INodeExecutionData[][] {
	const yes: INodeExecutionData[] = [];
	const no: INodeExecutionData[] = [];
	for (const item of items) {
		const paired = item.pairedItem;
		const index = typeof paired === 'number' ? paired : Array.isArray(paired) ? paired[0]?.item : paired?.item;
		(index !== undefined && allowed.has(index) ? yes : no).push(item);
	}
	return [yes, no];
}

export class LivePersonIpAllowlist implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'LivePerson IP Allowlist',
		name: 'livePersonIpAllowlist',
		icon: { light: 'file:ipAllowlist.svg', dark: 'file:ipAllowlist.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{ $parameter["operation"] === "normalize" ? "Normalize List for LivePerson" : "Check IP" }}',
		description: 'Check a caller IP against an allowlist (with X-Forwarded-For behind trusted proxies), or prepare a list for LivePerson IP Restriction.',
		defaults: { name: 'LivePerson IP Allowlist' },
		// Both operations are lookups an agent can use (is this address allowed? this list as CIDR blocks).
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: `={{ $parameter["operation"] !== "normalize" && $parameter["outputMode"] !== "field" ? [{ "type": "main", "displayName": "Allowed" }, { "type": "main", "displayName": "Denied" }] : ["main"] }}`,
		properties: [
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				default: 'check',
				options: [
					{ name: 'Check IP', value: 'check', action: 'Check an IP against the allowlist', description: 'Decide whether the caller address is in the list' },
					{
						name: 'Normalize List for LivePerson',
						value: 'normalize',
						// eslint-disable-next-line n8n-nodes-base/node-param-operation-option-action-miscased
						action: 'Normalize an IP list for LivePerson',
						description: "Merge and sort a list into CIDR blocks and ranges for LivePerson's IP Restriction (IPv4)",
					},
				],
			},
			{
				displayName: 'IP Address',
				name: 'ipAddress',
				type: 'string',
				default: '',
				required: true,
				placeholder: '={{ $json.headers["x-real-ip"] }}',
				displayOptions: { show: { operation: ['check'] } },
				description:
					'The address of the peer that connected (with X-Forwarded-For: the closest proxy). Strict forms only: four-part decimal IPv4 or IPv6. Every spelling of an IPv6 address gets the same answer; IPv4-mapped (::ffff:203.0.113.7) is the IPv4 address, the deprecated IPv4-compatible form (::203.0.113.7) is IPv6 and never matches an IPv4 entry.',
			},
			{
				displayName: 'Allowed IPs',
				name: 'allowList',
				type: 'string',
				typeOptions: { rows: 4 },
				default: '',
				required: true,
				placeholder: '203.0.113.0/24, 198.51.100.10-198.51.100.20, 2001:db8::/32',
				description: 'Single IPs, ranges (a-b) and CIDR blocks, IPv4 or IPv6, separated by commas, spaces or new lines',
			},
			{
				displayName: 'Use X-Forwarded-For',
				name: 'useForwardedFor',
				type: 'boolean',
				default: false,
				displayOptions: { show: { operation: ['check'] } },
				description: 'Whether the caller is behind proxies you trust: the client is the right-most X-Forwarded-For address that is not a trusted proxy',
			},
			{
				displayName: 'X-Forwarded-For',
				name: 'forwardedFor',
				type: 'string',
				default: '={{ $json.headers["x-forwarded-for"] }}',
				displayOptions: { show: { operation: ['check'], useForwardedFor: [true] } },
				description: 'The X-Forwarded-For header value',
			},
			{
				displayName: 'Trusted Proxies',
				name: 'trustedProxies',
				type: 'string',
				typeOptions: { rows: 2 },
				default: '',
				placeholder: '10.0.0.0/8',
				displayOptions: { show: { operation: ['check'], useForwardedFor: [true] } },
				description: 'Addresses of your own proxies and load balancers (IPs, ranges, CIDR). Only hops added by these are believed.',
			},
			{
				displayName: 'Output Mode',
				name: 'outputMode',
				type: 'options',
				default: 'route',
				displayOptions: { show: { operation: ['check'] } },
				options: [
					{ name: 'Route to Allowed / Denied', value: 'route', description: 'Send each item to the "Allowed" or the "Denied" output' },
					{ name: 'Add a Field', value: 'field', description: 'Keep one output and add a true/false field to each item' },
				],
			},
			{
				displayName: 'Field Name',
				name: 'fieldName',
				type: 'string',
				default: 'ipAllowed',
				displayOptions: { show: { operation: ['check'], outputMode: ['field'] } },
				description: 'The field that receives true or false',
			},
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const operation = this.getNodeParameter('operation', 0) as string;
		if (operation === 'normalize') {
			const out = await mapItems(this, async (i) => {
				const result = normaliseForLivePerson(this.getNodeParameter('allowList', i) as string, 'allowList');
				return { ...result } as unknown as IDataObject;
			});
			return [out];
		}

		const outputMode = this.getNodeParameter('outputMode', 0) as string;
		const allowed = new Set<number>();
		// Keyed by field, then by the text itself: V8 keeps a string's hash, so looking up the same
		// (possibly megabytes long) list text per item is O(1); a concatenated key was hashed anew
		// for every item (seconds for 2000 items against a 100k-entry list).
		const lists = new Map<string, Map<string, IpList>>();
		const parseList = (text: string, field: string) => {
			let byText = lists.get(field);
			if (!byText) lists.set(field, (byText = new Map()));
			const key = String(text ?? '');
			let list = byText.get(key);
			if (!list) {
				list = IpList.parse(text, field);
				// An empty list would deny everything without saying why: a configuration mistake.
				if (field === 'allowList' && list.entries.length === 0) {
					throw inputError(
						field,
						'The Allow List is empty: every address would be denied',
						'Add single IPs, ranges (a-b) or CIDR blocks, separated by commas or new lines.',
						'ALLOW_LIST_EMPTY',
					);
				}
				byText.set(key, list);
			}
			return list;
		};

		const out = await mapItems(this, async (i) => {
			const item = this.getInputData()[i];
			const allowList = parseList(this.getNodeParameter('allowList', i) as string, 'allowList');
			const peer = String(this.getNodeParameter('ipAddress', i, '') ?? '');
			const useForwardedFor = this.getNodeParameter('useForwardedFor', i, false) as boolean;
			let forwardedFor: string | undefined;
			let trusted: IpList | undefined;
			if (useForwardedFor) {
				const raw = this.getNodeParameter('forwardedFor', i, '') as unknown;
				forwardedFor = Array.isArray(raw) ? raw.map(String).join(',') : raw == null ? '' : String(raw);
				trusted = parseList(this.getNodeParameter('trustedProxies', i, '') as string, 'trustedProxies');
			}
			const resolved = resolveClientIp({ remoteAddress: peer, forwardedFor, trustedProxies: trusted });
			const entry = resolved.valid ? allowList.matchingEntry(resolved.ip) : undefined;
			const isAllowed = entry !== undefined;
			if (isAllowed) allowed.add(i);
			const verdict: IDataObject = {
				allowed: isAllowed,
				clientIp: resolved.valid ? resolved.ip : null,
				...(resolved.valid ? {} : { reason: resolved.reason ?? 'no valid address' }),
				...(entry ? { matchedEntry: entry.display, matchedPosition: entry.position } : {}),
				...(useForwardedFor ? { fromForwardedFor: resolved.fromForwardedFor } : {}),
			};
			if (outputMode === 'field') {
				const fieldName = (this.getNodeParameter('fieldName', i, 'ipAllowed') as string) || 'ipAllowed';
				return { json: { ...item.json, [fieldName]: isAllowed, [`${fieldName}Details`]: verdict }, binary: item.binary, pairedItem: { item: i } };
			}
			return { json: { ...item.json, ipCheck: verdict }, binary: item.binary, pairedItem: { item: i } };
		});
		// As an AI tool (node type "…Tool") n8n hands the agent only the first output: every item goes
		// there, each with its verdict (`ipCheck.allowed`), so a denied address is not an empty answer.
		if (outputMode === 'field' || this.getNode().type.endsWith('Tool')) return [out];
		return splitByRoute(out, allowed);
	}
}
