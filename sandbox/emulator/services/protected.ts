/**
 * A protected test API for credential tests: `ANY /protected/echo`. Accepts a Bearer issued by this
 * emulator (Login Service, Sentinel, CO v2), Basic with the Login Service user, or an OAuth1 header
 * with the configured app key (signature not verified). Never echoes the Authorization value.
 */
import type { Route } from '../http';
import { sendJson } from '../http';
import type { EmulatorState } from '../state';

export function protectedRoutes(state: EmulatorState): Route[] {
	return [
		{
			id: 'protected.echo',
			methods: '*',
			pattern: /^\/protected\/echo$/,
			handler: async (ctx) => {
				const r = await state.checkAnyCredential(ctx.header('authorization'));
				if (!r.ok) {
					return sendJson(
						ctx,
						401,
						{ ok: false, error: r.reason === 'expired' ? 'token expired' : r.reason === 'missing' ? 'authorization required' : 'invalid credentials' },
						{ 'www-authenticate': 'Bearer realm="emulator", Basic realm="emulator"' },
					);
				}
				const text = ctx.body.toString('utf8');
				let body: unknown = text.length ? text : null;
				if ((ctx.header('content-type') ?? '').includes('json') && text.length) {
					try {
						body = JSON.parse(text);
					} catch {
						body = text;
					}
				}
				sendJson(ctx, 200, {
					ok: true,
					authType: r.authType,
					...(r.tokenKind ? { tokenKind: r.tokenKind } : {}),
					subject: r.subject,
					method: ctx.method,
					query: Object.fromEntries(ctx.query),
					body,
				});
			},
		},
	];
}
