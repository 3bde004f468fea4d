import type { INodeProperties } from 'n8n-workflow';

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
