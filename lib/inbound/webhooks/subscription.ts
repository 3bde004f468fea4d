/**
 * Webhook subscriptions of a LivePerson app installation: the installation JSON's
 * `capabilities.webhooks` map, one entry per event type `{ endpoint, max_retries }` (Connector API →
 * Webhooks → Configuration, developers.liveperson.com/webhooks-configuration.html: "endpoint
 * (mandatory) - the SSL secured HTTP url", "max_retries (optional) … possible values: 0 - 5; default
 * value: 0"; the App Installation JSON, conversational-cloud-applications-installing-conversational-
 * cloud-applications.html: `capabilities` "supported values: webhooks, engagement").
 *
 * The installation is read and written through the account configuration service (CSDS name
 * `accountConfigReadWrite`): `GET|PUT /api/account/{accountId}/configuration/app-install/installations/
 * {installationId}?v=1.0` (the path LivePerson's own connector samples use; the installation id is the
 * app's client_id). Like LivePerson's other account configuration APIs (e.g. Users API appendix:
 * "If-Match: Contains data revision as known by the client"), an update carries the revision read
 * before (`ac-revision` / `ETag` answer header) in `If-Match`; a 409/412 (someone changed it in
 * between) is answered by reading again and re-planning, once.
 *
 * Planning is pure: register adds our URL for the chosen events that have no entry, keeps entries that
 * already point at our URL, and refuses (conflict) when an event is delivered elsewhere — one
 * installation has ONE endpoint per event type, and overwriting someone else's would silently break
 * their integration. Unregister removes only the entries this trigger added that still point at the
 * URL it added; anything changed by someone else since is kept.
 */
import { LpError, inputError, safeUrl } from '../../errors';
import { header } from '../../http';
import type { HttpResponse } from '../../http/types';
import { lpApiSend, processLpApiResponse, type LpApiSendOptions } from '../../liveperson/api';
import type { LivePersonAccountCredentials } from '../../liveperson/account-auth';

export const APP_INSTALL_SERVICE = 'accountConfigReadWrite';
export const APP_INSTALL_VERSION = '1.0';
export const MAX_RETRIES_LIMIT = 5;

export interface WebhookEntry {
	endpoint?: string;
	max_retries?: number;
	[k: string]: unknown;
}

export type InstallationJson = Record<string, unknown>;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function installationPath(installationId: string): string {
	const id = installationId.trim();
	if (!id || /[\s/\\?#]/.test(id) || id === '.' || id === '..') {
		throw inputError('installationId', 'The app installation ID is empty or contains "/", "?", "#", "\\" or spaces', 'Use the client ID of the app installation.', 'LP_WEBHOOK_INSTALLATION_ID');
	}
	return `/api/account/{accountId}/configuration/app-install/installations/${encodeURIComponent(id)}`;
}

/** The webhooks map of an installation ({} when it has none). */
export function webhooksOf(installation: InstallationJson): Record<string, WebhookEntry> {
	const caps = isObj(installation.capabilities) ? installation.capabilities : {};
	const hooks = isObj(caps.webhooks) ? caps.webhooks : {};
	const out: Record<string, WebhookEntry> = {};
	for (const [k, v] of Object.entries(hooks)) if (isObj(v)) out[k] = v as WebhookEntry;
	return out;
}

function withWebhooks(installation: InstallationJson, hooks: Record<string, WebhookEntry>): InstallationJson {
	const caps = isObj(installation.capabilities) ? installation.capabilities : {};
	return { ...installation, capabilities: { ...caps, webhooks: hooks } };
}

/** Same endpoint: URLs compared as parsed (case of scheme/host, default port), path and query exact. */
export function sameEndpoint(a: string | undefined, b: string | undefined): boolean {
	if (!a || !b) return false;
	try {
		return new URL(a).href === new URL(b).href;
	} catch {
		return a === b;
	}
}

export interface RegisterPlan {
	/** The installation to write, or undefined when nothing changes. */
	next?: InstallationJson;
	/** Events this plan adds (to remember: only these are removed later). */
	added: string[];
	/** Events that already deliver to our URL (not ours to remove unless added before). */
	present: string[];
	/** Events delivered to another endpoint: refused. */
	conflicts: Array<{ event: string; endpoint: string }>;
}

export function planRegister(installation: InstallationJson, url: string, events: readonly string[], maxRetries?: number): RegisterPlan {
	const hooks = webhooksOf(installation);
	const plan: RegisterPlan = { added: [], present: [], conflicts: [] };
	const next = { ...hooks };
	for (const event of events) {
		const entry = hooks[event];
		if (entry && sameEndpoint(entry.endpoint, url)) plan.present.push(event);
		else if (entry && entry.endpoint) plan.conflicts.push({ event, endpoint: entry.endpoint });
		else {
			next[event] = maxRetries === undefined ? { endpoint: url } : { endpoint: url, max_retries: maxRetries };
			plan.added.push(event);
		}
	}
	if (plan.added.length && !plan.conflicts.length) plan.next = withWebhooks(installation, next);
	return plan;
}

export interface UnregisterPlan {
	next?: InstallationJson;
	removed: string[];
	/** Events we added whose entry was changed (another endpoint) or removed by someone else: kept as they are. */
	leftAlone: string[];
}

/** `added`: event → the endpoint this trigger registered. */
export function planUnregister(installation: InstallationJson, added: Record<string, string>): UnregisterPlan {
	const hooks = webhooksOf(installation);
	const next = { ...hooks };
	const plan: UnregisterPlan = { removed: [], leftAlone: [] };
	for (const [event, endpoint] of Object.entries(added)) {
		if (hooks[event] && sameEndpoint(hooks[event].endpoint, endpoint)) {
			delete next[event];
			plan.removed.push(event);
		} else plan.leftAlone.push(event);
	}
	if (plan.removed.length) plan.next = withWebhooks(installation, next);
	return plan;
}

export function checkMaxRetries(value: unknown): number {
	const n = Number(value);
	if (!Number.isInteger(n) || n < 0 || n > MAX_RETRIES_LIMIT) {
		throw inputError('maxRetries', `Max Retries must be a whole number from 0 to ${MAX_RETRIES_LIMIT}`, 'LivePerson documents 0–5 retry attempts for a failed notification (default 0).', 'LP_WEBHOOK_MAX_RETRIES');
	}
	return n;
}

// ---------------------------------------------------------------------------------------------------
// I/O: through lpApiSend (CSDS, the account credential's auth, the pipeline's send())

export interface AppInstallTarget {
	creds: LivePersonAccountCredentials;
	installationId: string;
	send?: LpApiSendOptions;
}

interface ReadInstallation {
	json: InstallationJson;
	revision?: string;
}

function revisionOf(res: HttpResponse): string | undefined {
	return header(res, 'ac-revision') ?? header(res, 'etag');
}

export async function readInstallation(target: AppInstallTarget): Promise<ReadInstallation> {
	const sent = await lpApiSend(target.creds, { service: APP_INSTALL_SERVICE, method: 'GET', path: installationPath(target.installationId), query: { v: APP_INSTALL_VERSION } }, target.send);
	const result = processLpApiResponse(sent.res, { service: APP_INSTALL_SERVICE, authLabel: sent.authLabel, secrets: sent.secrets });
	if (!isObj(result.body)) {
		throw new LpError('response', `The app installation answer of ${safeUrl(sent.url)} is not a JSON object`, { code: 'LP_WEBHOOK_INSTALLATION_SHAPE' });
	}
	return { json: result.body, revision: revisionOf(sent.res) };
}

/** Writes the installation; true when written, false when the revision was stale (409/412). */
async function writeInstallation(target: AppInstallTarget, json: InstallationJson, revision: string | undefined): Promise<boolean> {
	const sent = await lpApiSend(
		target.creds,
		{
			service: APP_INSTALL_SERVICE,
			method: 'PUT',
			path: installationPath(target.installationId),
			query: { v: APP_INSTALL_VERSION },
			headers: revision ? { 'if-match': revision } : {},
			body: JSON.stringify(json),
		},
		target.send,
	);
	if (sent.res.status === 409 || sent.res.status === 412) return false;
	processLpApiResponse(sent.res, { service: APP_INSTALL_SERVICE, authLabel: sent.authLabel, secrets: sent.secrets });
	return true;
}

/** Read → plan → write, re-read and re-planned once when the write met a newer revision. */
async function readPlanWrite<P extends { next?: InstallationJson }>(target: AppInstallTarget, plan: (json: InstallationJson) => P): Promise<P> {
	for (let attempt = 0; ; attempt++) {
		const current = await readInstallation(target);
		const p = plan(current.json);
		if (!p.next) return p;
		if (await writeInstallation(target, p.next, current.revision)) return p;
		if (attempt >= 1) {
			throw new LpError('http', 'The app installation kept changing while the webhook subscription was written (409/412 twice)', { code: 'LP_WEBHOOK_INSTALLATION_RACE', hint: 'Activate the workflow again.' });
		}
	}
}

export async function subscriptionExists(target: AppInstallTarget, url: string, events: readonly string[]): Promise<boolean> {
	const { json } = await readInstallation(target);
	const hooks = webhooksOf(json);
	return events.length > 0 && events.every((e) => sameEndpoint(hooks[e]?.endpoint, url));
}

export async function registerWebhooks(target: AppInstallTarget, url: string, events: readonly string[], maxRetries?: number): Promise<RegisterPlan> {
	if (!events.length) throw inputError('events', 'Choose at least one event', undefined, 'LP_WEBHOOK_NO_EVENTS');
	const plan = await readPlanWrite(target, (json) => planRegister(json, url, events, maxRetries));
	if (plan.conflicts.length) {
		const list = plan.conflicts.map((c) => `${c.event} → ${safeUrl(c.endpoint)}`).join('; ');
		throw new LpError('input', `The app installation already delivers these events to another endpoint: ${list}`, {
			field: 'events',
			code: 'LP_WEBHOOK_CONFLICT',
			hint: 'One app installation has one endpoint per event type. Remove that subscription in the installation, choose other events, or use another app installation.',
		});
	}
	return plan;
}

export async function unregisterWebhooks(target: AppInstallTarget, added: Record<string, string>): Promise<UnregisterPlan> {
	if (!Object.keys(added).length) return { removed: [], leftAlone: [] };
	return readPlanWrite(target, (json) => planUnregister(json, added));
}
