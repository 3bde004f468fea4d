/**
 * CSDS / Domain API (reference §1). No authentication. Every service resolves to the emulator's own
 * host:port (a bare host without a scheme, as documented).
 */
import type { Route } from '../http';
import { sendJson } from '../http';
import type { EmulatorState } from '../state';

/** Every service name the reference mentions (case sensitive, as in CSDS). */
export const CSDS_SERVICES = [
	'agentVep',
	'sentinel',
	'mtlsGateway',
	'accountConfigReadWrite',
	'accountConfigReadOnly',
	'connectToMessagingDomain',
	'asyncMessagingEnt',
	'asyncMessaging',
	'msgHist',
	'engHistDomain',
	'leDataReporting',
	'smt',
	'rtbf',
	'auditLog',
	'pusher',
	'msgEwtAPI',
	'msdkgw',
	'swift',
	'faaSGW',
	'facadeMsg',
	'messagingRestApiDomain',
	'idp',
	'IDP',
	'appKeyManagement',
	'liveEngageUI',
	'visitorFeed',
	'etool',
];

export function baseUris(state: EmulatorState, acc: string) {
	return CSDS_SERVICES.map((service) => ({ service, account: acc, baseURI: state.hostPort }));
}

/** Documented 401 "Bad Authentication (invalid site or agent)"; the body shape is the Login Service's. */
export function badAuthentication(message = 'Bad Authentication (invalid site or agent)') {
	return { error: { time: new Date().toISOString(), message, responseStatus: 'UNAUTHORIZED' } };
}

function versionOk(q: URLSearchParams): boolean {
	const v = q.get('version');
	return v === null || v === '1.0';
}

export function csdsRoutes(state: EmulatorState): Route[] {
	return [
		{
			id: 'csds.all',
			methods: ['GET'],
			pattern: /^\/api\/account\/([^/]+)\/service\/baseURI\.json$/,
			handler: (ctx) => {
				const [acc] = ctx.params;
				if (!versionOk(ctx.query)) return sendJson(ctx, 400, { message: 'Unsupported version; use version=1.0' });
				if (!state.knownAccount(acc)) return sendJson(ctx, 401, badAuthentication());
				sendJson(ctx, 200, { baseURIs: baseUris(state, acc) });
			},
		},
		{
			id: 'csds.one',
			methods: ['GET'],
			pattern: /^\/api\/account\/([^/]+)\/service\/([^/]+)\/baseURI\.json$/,
			handler: (ctx) => {
				const [acc, service] = ctx.params;
				if (!versionOk(ctx.query)) return sendJson(ctx, 400, { message: 'Unsupported version; use version=1.0' });
				if (!state.knownAccount(acc)) return sendJson(ctx, 401, badAuthentication());
				// The docs do not say what an unknown service name gives. The emulator answers 404 with a
				// JSON message (never an empty 200 or a made-up host), so clients must treat "no such
				// service" as an error. Names are case sensitive, as documented.
				if (!CSDS_SERVICES.includes(service)) {
					return sendJson(ctx, 404, { message: `Service "${service}" could not be found for account ${acc}` });
				}
				sendJson(ctx, 200, { service, account: acc, baseURI: state.hostPort });
			},
		},
	];
}
