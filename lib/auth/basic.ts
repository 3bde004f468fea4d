/**
 * HTTP Basic authentication (RFC 7617) and OAuth client_secret_basic (RFC 6749 §2.3.1).
 */
import { inputError } from '../errors';

const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * `Basic base64(user ":" password)` with charset UTF-8 (RFC 7617 §2.1): both parts are
 * normalised to NFC, then UTF-8 encoded. A user-id containing ":" cannot be represented and is
 * refused, as are control characters. Field names in errors: "user", "password" (override with
 * `fields` to name the caller's own parameters). Values never appear in messages.
 */
export function basicAuthorization(user: string, password: string, fields: { user?: string; password?: string } = {}): string {
	const userField = fields.user ?? 'user';
	const passwordField = fields.password ?? 'password';
	if (typeof user !== 'string') throw inputError(userField, `"${userField}" must be text`);
	if (typeof password !== 'string') throw inputError(passwordField, `"${passwordField}" must be text`);
	const u = user.normalize('NFC');
	const p = password.normalize('NFC');
	if (u.includes(':')) {
		throw inputError(userField, `"${userField}" must not contain a colon (":")`, 'RFC 7617 Basic authentication cannot carry a user name with a colon.', 'BASIC_USER_COLON');
	}
	if (CONTROL.test(u)) throw inputError(userField, `"${userField}" must not contain control characters`, undefined, 'BASIC_CONTROL_CHAR');
	if (CONTROL.test(p)) throw inputError(passwordField, `"${passwordField}" must not contain control characters`, undefined, 'BASIC_CONTROL_CHAR');
	return `Basic ${Buffer.from(`${u}:${p}`, 'utf8').toString('base64')}`;
}

/** application/x-www-form-urlencoded encoding of one value (WHATWG URL: space becomes "+"). */
export function formUrlEncode(value: string): string {
	return new URLSearchParams([['', value]]).toString().slice(1);
}

/**
 * client_secret_basic (RFC 6749 §2.3.1): client id and secret are form-urlencoded first, then
 * Basic-encoded; a ":" in the client id is therefore allowed (it becomes %3A).
 */
export function clientSecretBasic(clientId: string, clientSecret: string): string {
	if (typeof clientId !== 'string' || !clientId) throw inputError('clientId', 'Client ID is required');
	if (typeof clientSecret !== 'string') throw inputError('clientSecret', 'Client Secret must be text');
	return `Basic ${Buffer.from(`${formUrlEncode(clientId)}:${formUrlEncode(clientSecret)}`, 'utf8').toString('base64')}`;
}
