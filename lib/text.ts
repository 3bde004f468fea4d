/** Small text helpers shared by the protocol core (no n8n imports). */

/** A credential or parameter field as text: strings as they are, null/undefined as '', others through String(). */
export function fieldText(value: unknown): string {
	return typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value);
}

/** Ends a message with a full stop unless it already ends a sentence. */
export function sentence(text: string): string {
	return /[.!?]$/.test(text) ? text : `${text}.`;
}
