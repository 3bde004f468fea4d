/**
 * Small HTTP helpers shared by the emulator's service modules: a request context with the raw body
 * read once, JSON/empty/text answers, and the route table type. Node's `http` only, no framework.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Largest request body the emulator reads (certificate uploads are the biggest, and they are small). */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;

export interface Ctx {
	req: IncomingMessage;
	res: ServerResponse;
	method: string;
	url: URL;
	path: string;
	/** Path segments, URL-decoded. */
	segments: string[];
	query: URLSearchParams;
	body: Buffer;
	/** Regex groups of the matched route pattern, URL-decoded. */
	params: string[];
	header(name: string): string | undefined;
}

export type Handler = (ctx: Ctx) => void | Promise<void>;

export interface Route {
	id: string;
	methods: string[] | '*';
	pattern: RegExp;
	handler: Handler;
}

/** A route module; modules that keep in-memory data clear it in reset(). */
export interface ServiceModule {
	routes: Route[];
	reset?(): void;
	close?(): void;
}

export class BodyTooLarge extends Error {}

export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		let size = 0;
		req.on('data', (chunk: Buffer) => {
			size += chunk.length;
			if (size > limit) {
				reject(new BodyTooLarge(`request body larger than ${limit} bytes`));
				req.destroy();
				return;
			}
			chunks.push(chunk);
		});
		req.on('end', () => resolve(Buffer.concat(chunks)));
		req.on('error', reject);
	});
}

export function sendJson(
	ctx: Pick<Ctx, 'res'>,
	status: number,
	body: unknown,
	headers: Record<string, string | string[]> = {},
): void {
	const text = JSON.stringify(body);
	ctx.res.writeHead(status, {
		'content-type': 'application/json; charset=utf-8',
		'content-length': Buffer.byteLength(text),
		...headers,
	});
	ctx.res.end(text);
}

/** Status with no body at all (204, and the Login Service's empty 200 on refresh/logout). */
export function sendEmpty(ctx: Pick<Ctx, 'res'>, status: number, headers: Record<string, string | string[]> = {}): void {
	ctx.res.writeHead(status, { 'content-length': 0, ...headers });
	ctx.res.end();
}

export function sendText(ctx: Pick<Ctx, 'res'>, status: number, text: string, contentType = 'text/plain; charset=utf-8'): void {
	ctx.res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
	ctx.res.end(text);
}

export class BadJson extends Error {}

/** Parses the body as JSON; an empty body gives `undefined`. Throws BadJson on malformed input. */
export function jsonBody(ctx: Ctx): unknown {
	if (ctx.body.length === 0) return undefined;
	try {
		return JSON.parse(ctx.body.toString('utf8'));
	} catch {
		throw new BadJson('request body is not valid JSON');
	}
}

export function isObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `Authorization: Basic` user and password, or undefined. */
export function basicCredentials(header: string | undefined): { user: string; password: string } | undefined {
	if (!header) return undefined;
	const m = /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header);
	if (!m) return undefined;
	const decoded = Buffer.from(m[1], 'base64').toString('utf8');
	const i = decoded.indexOf(':');
	if (i < 0) return undefined;
	return { user: decoded.slice(0, i), password: decoded.slice(i + 1) };
}

export function bearerToken(header: string | undefined): string | undefined {
	if (!header) return undefined;
	const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
	return m ? m[1] : undefined;
}

/**
 * The `oauth_consumer_key` of an `Authorization: OAuth ...` header. The emulator does NOT verify the
 * OAuth 1.0a signature (it would need the exact URL the client signed, including the public host);
 * it only checks that the consumer key is the configured app key.
 */
export function oauth1ConsumerKey(header: string | undefined): string | undefined {
	if (!header || !/^OAuth\s/i.test(header)) return undefined;
	const m = /oauth_consumer_key="([^"]*)"/.exec(header);
	return m ? decodeURIComponent(m[1]) : undefined;
}

export function parseCookies(header: string | undefined): Record<string, string> {
	const out: Record<string, string> = {};
	if (!header) return out;
	for (const part of header.split(';')) {
		const i = part.indexOf('=');
		if (i < 0) continue;
		out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
	}
	return out;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
