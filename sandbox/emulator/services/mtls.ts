/**
 * LivePerson mTLS service (reference §3): certificate list/upload, mapping create/list, the mapping
 * checks (v1/v2 and serviceUrlMappings) and the forward proxy, which makes a REAL mutual-TLS request
 * to the target with the mapped certificate.
 *
 * Auth on every route: a Bearer from the Login Service or Sentinel, or an OAuth1 header whose
 * oauth_consumer_key is the configured app key (the OAuth1 signature is not verified).
 */
import https from 'node:https';
import { rootCertificates } from 'node:tls';
import { randomInt } from 'node:crypto';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { Ctx, Route, ServiceModule } from '../http';
import { isObject, jsonBody, sendJson } from '../http';
import type { Identity } from '../pki';
import { emulatorPki, identityFromP12 } from '../pki';
import type { EmulatorState } from '../state';

/**
 * How the forward refuses when LP-stop-if-certificate-not-found is true and no certificate is mapped.
 * The forward pages list only "500 Internal Server Error"; LivePerson's own FaaS client
 * (lpMtlsClient.checkIfProcessErrorOccurred) reads a **400** as "no MTLS Configuration setup for the given
 * forward URL". Default 500 (documented); `setMtlsNoCertificateStatus(emu.hostPort, 400)` switches to the
 * client's reading until reset().
 */
const noCertificateStatus = new Map<string, 400 | 500>();
export function setMtlsNoCertificateStatus(hostPort: string, status: 400 | 500 | null): void {
	if (status === null) noCertificateStatus.delete(hostPort);
	else noCertificateStatus.set(hostPort, status);
}

/** Documented ids: TEST_SERVICE 0, IDP 1, WEBHOOKS 2. "3" appears in newer examples; the faas client
 * sends LP-service-name FAAS, so the emulator maps 3 to FAAS (a guess, nothing documents it). */
export const MTLS_SERVICE_IDS: Record<string, string> = { '0': 'TEST_SERVICE', '1': 'IDP', '2': 'WEBHOOKS', '3': 'FAAS' };
const SERVICE_ID_BY_NAME = Object.fromEntries(Object.entries(MTLS_SERVICE_IDS).map(([id, name]) => [name, id]));

interface StoredCertificate {
	id: number;
	deleted: boolean;
	name: string;
	displayName: string;
	siteId: string;
	status: 'Available' | 'UnAvailable' | 'expired';
	expirationDate: string | null;
	identity: Identity;
}

interface StoredMapping {
	id: number;
	certificationId: string;
	serviceId: string;
	enable: boolean;
	url: string;
	siteId: string;
	name: string;
	deleted: boolean;
}

const HOP_BY_HOP = new Set([
	'connection',
	'keep-alive',
	'proxy-connection',
	'proxy-authenticate',
	'proxy-authorization',
	'te',
	'trailer',
	'trailers',
	'transfer-encoding',
	'upgrade',
	'content-length',
	'host',
]);

function publicCert(c: StoredCertificate) {
	return { id: c.id, deleted: c.deleted, name: c.name, displayName: c.displayName, siteId: c.siteId, status: c.status, expirationDate: c.expirationDate };
}

function unauthorized(ctx: Ctx, reason: string) {
	sendJson(ctx, 401, { message: reason === 'expired' ? 'Token expired' : 'Unauthorized' }, { 'www-authenticate': 'Bearer realm="mtls"' });
}

/** One header value safe to send (no CR/LF, printable ASCII, bounded). */
function headerSafe(text: string): string {
	return text.replace(/[^\x20-\x7e]+/g, ' ').slice(0, 500);
}

export interface MultipartPart {
	name: string;
	filename?: string;
	contentType?: string;
	data: Buffer;
}

/** Minimal multipart/form-data parser (the upload is small and comes from tests or tools). */
export function parseMultipart(body: Buffer, contentType: string | undefined): MultipartPart[] {
	const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType ?? '');
	if (!m || !/^multipart\/form-data/i.test(contentType ?? '')) throw new Error('Content-Type must be multipart/form-data with a boundary');
	const boundary = Buffer.from(`--${(m[1] ?? m[2]).trim()}`);
	const parts: MultipartPart[] = [];
	let pos = body.indexOf(boundary);
	if (pos < 0) throw new Error('multipart boundary not found in the body');
	while (pos >= 0) {
		let start = pos + boundary.length;
		if (body.subarray(start, start + 2).toString() === '--') break; // closing boundary
		if (body.subarray(start, start + 2).toString() === '\r\n') start += 2;
		const next = body.indexOf(boundary, start);
		if (next < 0) throw new Error('multipart body is not terminated');
		let end = next;
		if (body.subarray(end - 2, end).toString() === '\r\n') end -= 2;
		const part = body.subarray(start, end);
		const sep = part.indexOf('\r\n\r\n');
		if (sep < 0) throw new Error('multipart part without headers');
		const head = part.subarray(0, sep).toString('utf8');
		const data = part.subarray(sep + 4);
		const disp = /content-disposition:[^\r\n]*/i.exec(head)?.[0] ?? '';
		const name = /\bname="([^"]*)"/i.exec(disp)?.[1];
		if (name === undefined) throw new Error('multipart part without a name');
		const filename = /\bfilename="([^"]*)"/i.exec(disp)?.[1];
		const type = /content-type:\s*([^\r\n]+)/i.exec(head)?.[1];
		parts.push({ name, filename, contentType: type, data: Buffer.from(data) });
		pos = next;
	}
	return parts;
}

export function mtlsModule(state: EmulatorState): ServiceModule {
	let certificates: StoredCertificate[] = [];
	let mappings: StoredMapping[] = [];
	let nextMappingId = 1000;
	const agents = new Map<string, https.Agent>();

	const trust = () => [...rootCertificates, emulatorPki().caPem];

	const load = () => {
		for (const a of agents.values()) a.destroy();
		agents.clear();
		const acc = state.config.accountId;
		// Every configured certificate uses the client identity the emulator generated ("sandbox-client-cert").
		certificates = state.config.mtls.certificates.map((c) => ({
			id: c.id,
			deleted: false,
			name: c.name,
			displayName: c.name,
			siteId: acc,
			status: 'Available',
			expirationDate: null,
			identity: emulatorPki().client,
		}));
		mappings = state.config.mtls.mappings.map((m) => {
			const cert = certificates.find((c) => c.name === m.certificateName);
			const serviceId = SERVICE_ID_BY_NAME[m.serviceName];
			if (!cert) throw new Error(`mtls.mappings "${m.name}": no configured certificate named "${m.certificateName}"`);
			if (!serviceId) throw new Error(`mtls.mappings "${m.name}": serviceName must be one of ${Object.keys(SERVICE_ID_BY_NAME).join(', ')}`);
			return {
				id: nextMappingId++,
				certificationId: String(cert.id),
				serviceId,
				enable: true,
				url: m.url.replace('{mtlsTarget}', state.mtlsTargetUrl),
				siteId: acc,
				name: m.name,
				deleted: false,
			};
		});
	};
	load();

	const findMapping = (acc: string, serviceName: string | undefined, url: string) =>
		mappings.find(
			(m) =>
				!m.deleted &&
				m.enable &&
				m.siteId === acc &&
				m.url === url &&
				(serviceName === undefined || MTLS_SERVICE_IDS[m.serviceId] === serviceName) &&
				certificates.some((c) => String(c.id) === m.certificationId && !c.deleted && c.status === 'Available'),
		);

	const auth = async (ctx: Ctx, acc?: string): Promise<boolean> => {
		const r = await state.checkLpAuth(ctx.header('authorization'));
		if (!r.ok) {
			unauthorized(ctx, r.reason);
			return false;
		}
		if (acc !== undefined && !state.knownAccount(acc)) {
			unauthorized(ctx, 'invalid');
			return false;
		}
		return true;
	};

	const agentFor = (cert: StoredCertificate | undefined): https.Agent => {
		const key = cert ? `cert:${cert.id}` : 'plain';
		let agent = agents.get(key);
		if (!agent) {
			agent = new https.Agent({
				keepAlive: true,
				ca: trust(),
				...(cert ? { cert: cert.identity.certPem, key: cert.identity.keyPem } : {}),
			});
			agents.set(key, agent);
		}
		return agent;
	};

	type Answer = { status: number; headers: IncomingHttpHeaders; body: Buffer };
	/** One request to the target, with the certificate when given (a REAL mutual-TLS handshake). */
	const requestTarget = (target: URL, method: string, headers: OutgoingHttpHeaders, body: Buffer, cert: StoredCertificate | undefined): Promise<Answer> => {
		const timeoutMs = state.config.mtls.forwardTimeoutMs;
		return new Promise<Answer>((resolve, reject) => {
			const req = https.request(
				{
					protocol: 'https:',
					hostname: target.hostname.replace(/^\[|\]$/g, ''),
					port: target.port || 443,
					path: `${target.pathname}${target.search}`,
					method,
					headers,
					agent: agentFor(cert),
					timeout: timeoutMs,
				},
				(res) => {
					const chunks: Buffer[] = [];
					res.on('data', (c: Buffer) => chunks.push(c));
					res.on('end', () => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }));
					res.on('error', reject);
				},
			);
			req.on('timeout', () => req.destroy(Object.assign(new Error(`target did not answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
			req.on('error', reject);
			req.end(body);
		});
	};

	/** Documented: 424 when the client's server fails; the reason is in these two headers. */
	const transportFailed = (ctx: Ctx, e: unknown, message = 'The request to the forward URL failed') => {
		const err = e as NodeJS.ErrnoException;
		const text = headerSafe(err.message || 'transport error');
		const code = headerSafe(err.code ?? err.name ?? 'Error');
		sendJson(ctx, 424, { message, error: code }, { 'LP-message-from-transport': text, 'LP-error-from-transport': code });
	};

	const forward = async (ctx: Ctx) => {
		const [acc] = ctx.params;
		if (!(await auth(ctx, acc))) return;
		const forwardUrl = ctx.header('lp-forward-url');
		if (!forwardUrl) return sendJson(ctx, 400, { message: 'LP-forward-url header is required' });
		let target: URL;
		try {
			target = new URL(forwardUrl);
		} catch {
			return sendJson(ctx, 400, { message: 'LP-forward-url is not a valid URL' });
		}
		if (target.protocol !== 'https:') return sendJson(ctx, 400, { message: 'LP-forward-url must be an https:// URL' });
		const serviceName = ctx.header('lp-service-name') || undefined;
		const stop = (ctx.header('lp-stop-if-certificate-not-found') ?? '').toLowerCase() === 'true';
		const mapping = findMapping(acc, serviceName, forwardUrl);
		const cert = mapping ? certificates.find((c) => String(c.id) === mapping.certificationId) : undefined;
		if (!cert && stop) {
			if (noCertificateStatus.get(state.hostPort) === 400) {
				// The FaaS client's reading (see setMtlsNoCertificateStatus); the body is not documented.
				return sendJson(ctx, 400, { message: 'No certificate mapping found for the account, service name and URL', error: 'BAD_REQUEST' });
			}
			// Documented: with LP-stop-if-certificate-not-found: true and no certificate, INTERNAL_SERVER_ERROR.
			return sendJson(ctx, 500, {
				message: 'No certificate mapping found for the account, service name and URL',
				error: 'INTERNAL_SERVER_ERROR',
			});
		}
		const headers: OutgoingHttpHeaders = {};
		for (const [k, v] of Object.entries(ctx.req.headers)) {
			if (v === undefined || HOP_BY_HOP.has(k) || k === 'authorization' || k === 'cookie' || k.startsWith('lp-')) continue;
			headers[k] = v;
		}
		const override = ctx.header('lp-authorization-override');
		if (override) headers.authorization = override;
		const typeOverride = ctx.header('lp-content-type-override');
		if (typeOverride) headers['content-type'] = typeOverride;
		const method = (ctx.header('lp-method-override') || ctx.method).toUpperCase();
		if (ctx.body.length > 0 || ['POST', 'PUT', 'PATCH'].includes(method)) headers['content-length'] = String(ctx.body.length);

		let answer: Answer;
		try {
			answer = await requestTarget(target, method, headers, ctx.body, cert);
		} catch (e) {
			return transportFailed(ctx, e);
		}
		const out: Record<string, string | string[]> = {};
		for (const [k, v] of Object.entries(answer.headers)) {
			if (v === undefined || HOP_BY_HOP.has(k)) continue;
			out[k] = v;
		}
		out['content-length'] = String(answer.body.length);
		ctx.res.writeHead(answer.status, out);
		ctx.res.end(answer.body);
	};

	const routes: Route[] = [
		{
			id: 'mtls.mapping',
			methods: ['POST'],
			pattern: /^\/mtls\/mapping$/,
			handler: async (ctx) => {
				if (!(await auth(ctx))) return;
				const v = ctx.query.get('v') ?? '1'; // the docs always send v; a missing v is read as v=1
				if (v !== '1' && v !== '2') return sendJson(ctx, 400, { message: 'Unsupported version; use v=1 or v=2' });
				const body = jsonBody(ctx);
				if (!Array.isArray(body) || !body.every((i) => isObject(i) && typeof i.url === 'string' && typeof i.accountId === 'string' && typeof i.serviceName === 'string')) {
					return sendJson(ctx, 400, { message: 'Body must be an array of {serviceName, accountId, url}' });
				}
				const items = body as Array<{ serviceName: string; accountId: string; url: string }>;
				if (v === '2') {
					return sendJson(
						ctx,
						200,
						items.map((i) => ({ serviceName: i.serviceName, accountId: i.accountId, url: i.url, doExist: !!findMapping(i.accountId, i.serviceName, i.url) })),
					);
				}
				const out: Record<string, boolean> = {};
				for (const i of items) {
					out[`CertificateMappingParamters{serviceName='${i.serviceName}', accountId='${i.accountId}', url='${i.url}'}`] = !!findMapping(
						i.accountId,
						i.serviceName,
						i.url,
					);
				}
				sendJson(ctx, 200, out);
			},
		},
		{
			id: 'mtls.checkMappings',
			methods: ['POST'],
			pattern: /^\/api\/account\/([^/]+)\/checks\/serviceUrlMappings$/,
			handler: async (ctx) => {
				const [acc] = ctx.params;
				if (!(await auth(ctx, acc))) return;
				const body = jsonBody(ctx);
				if (!Array.isArray(body) || !body.every((i) => isObject(i) && typeof i.url === 'string' && typeof i.serviceName === 'string')) {
					return sendJson(ctx, 400, { message: 'Body must be an array of {serviceName, url}' });
				}
				sendJson(
					ctx,
					200,
					(body as Array<{ serviceName: string; url: string }>).map((i) => ({ serviceName: i.serviceName, url: i.url, exist: !!findMapping(acc, i.serviceName, i.url) })),
				);
			},
		},
		{
			id: 'mtls.certificates.list',
			methods: ['GET'],
			pattern: /^\/mtls\/account\/([^/]+)\/certificates$/,
			handler: async (ctx) => {
				const [acc] = ctx.params;
				if (!(await auth(ctx, acc))) return;
				sendJson(ctx, 200, certificates.filter((c) => c.siteId === acc).map(publicCert));
			},
		},
		{
			id: 'mtls.certificates.upload',
			methods: ['POST'],
			pattern: /^\/mtls\/account\/([^/]+)\/certificates\/by-file$/,
			handler: async (ctx) => {
				const [acc] = ctx.params;
				if (!(await auth(ctx, acc))) return;
				let parts: MultipartPart[];
				try {
					parts = parseMultipart(ctx.body, ctx.header('content-type'));
				} catch (e) {
					return sendJson(ctx, 400, { message: (e as Error).message });
				}
				const file = parts.find((p) => p.name === 'file');
				const certPart = parts.find((p) => p.name === 'certificate');
				if (!file || file.data.length === 0) return sendJson(ctx, 400, { message: 'form field "file" (the .p12) is required' });
				let meta: unknown;
				try {
					meta = certPart ? JSON.parse(certPart.data.toString('utf8')) : undefined;
				} catch {
					meta = undefined;
				}
				if (!isObject(meta) || typeof meta.name !== 'string' || !meta.name.trim()) {
					return sendJson(ctx, 400, { message: 'form field "certificate" must be JSON {"name": "...", "password": "..."}' });
				}
				const name = meta.name.trim();
				const password = typeof meta.password === 'string' ? meta.password : '';
				if (certificates.some((c) => c.siteId === acc && c.name === name && !c.deleted)) {
					return sendJson(ctx, 400, { message: `A certificate named "${name}" already exists for account ${acc}` });
				}
				let identity: Identity;
				try {
					identity = identityFromP12(file.data, password);
				} catch {
					// Never quote the password; the reason is either the file or the password.
					return sendJson(ctx, 400, { message: 'The PKCS#12 file could not be read: wrong password or not a PKCS#12 file' });
				}
				const cert: StoredCertificate = {
					id: randomInt(1_000_000_000, 2_147_483_647),
					deleted: false,
					name,
					displayName: name,
					siteId: acc,
					status: 'Available',
					expirationDate: null,
					identity,
				};
				certificates.push(cert);
				sendJson(ctx, 201, { successfulySavedCertificates: [publicCert(cert)], failedSaveToVaultCertificates: [] });
			},
		},
		{
			// DevC delete-certificate-by-id: DELETE /mtls/account/{accountId}/certificates/{certificateId} → 200.
			id: 'mtls.certificates.delete',
			methods: ['DELETE'],
			pattern: /^\/mtls\/account\/([^/]+)\/certificates\/(\d+)$/,
			handler: async (ctx) => {
				const [acc, id] = ctx.params;
				if (!(await auth(ctx, acc))) return;
				const cert = certificates.find((c) => c.siteId === acc && String(c.id) === id && !c.deleted);
				if (!cert) return sendJson(ctx, 404, { message: `Certificate ${id} not found for account ${acc}` });
				cert.deleted = true;
				// Mappings of a deleted certificate stop working (findMapping needs a live certificate).
				sendJson(ctx, 200, publicCert(cert));
			},
		},
		{
			// The self-service "activate": maps a certificate to service name + URL on the gateway. The
			// page says "OAuth 2 only": the emulator accepts a Sentinel app token only (403 otherwise).
			// With isValidateUrlEnabled=true it first calls the URL with the certificate (424 on failure).
			id: 'mtls.certificates.activate',
			methods: ['POST'],
			pattern: /^\/mtls\/account\/([^/]+)\/certificates\/activate\/(\d+)$/,
			handler: async (ctx) => {
				const [acc, id] = ctx.params;
				const r = await state.checkLpAuth(ctx.header('authorization'), { oauth1: false });
				if (!r.ok) return unauthorized(ctx, r.reason);
				if (!state.knownAccount(acc)) return unauthorized(ctx, 'invalid');
				if (r.tokenKind !== 'sentinel') {
					return sendJson(ctx, 403, { message: 'This API supports OAuth 2 (client credentials) only' }, { 'www-authenticate': 'Bearer realm="mtls", error="insufficient_scope"' });
				}
				const body = jsonBody(ctx);
				if (!isObject(body) || typeof body.serviceName !== 'string' || typeof body.url !== 'string') {
					return sendJson(ctx, 400, { message: 'Body must be {"serviceName": "...", "url": "https://..."}' });
				}
				const serviceId = SERVICE_ID_BY_NAME[body.serviceName];
				if (!serviceId) return sendJson(ctx, 400, { message: `serviceName must be one of ${Object.keys(SERVICE_ID_BY_NAME).join(', ')}` });
				let target: URL;
				try {
					target = new URL(body.url);
					if (target.protocol !== 'https:') throw new Error('not https');
				} catch {
					return sendJson(ctx, 400, { message: 'url must be an https:// URL' });
				}
				const cert = certificates.find((c) => c.siteId === acc && String(c.id) === id && !c.deleted);
				if (!cert) return sendJson(ctx, 404, { message: `Certificate ${id} not found for account ${acc}` });
				if (mappings.some((m) => !m.deleted && m.siteId === acc && m.serviceId === serviceId && m.url === body.url)) {
					return sendJson(ctx, 409, { message: `A mapping for account ${acc}, service ${body.serviceName} and this URL already exists` });
				}
				if (ctx.query.get('isValidateUrlEnabled') === 'true') {
					try {
						await requestTarget(target, 'GET', {}, Buffer.alloc(0), cert);
					} catch (e) {
						return transportFailed(ctx, e, 'The test call to the URL with the certificate failed');
					}
				}
				const mapping: StoredMapping = { id: nextMappingId++, certificationId: String(cert.id), serviceId, enable: true, url: body.url, siteId: acc, name: `${body.serviceName}-${cert.name}-${nextMappingId}`, deleted: false };
				mappings.push(mapping);
				sendJson(ctx, 201, mapping);
			},
		},
		{
			id: 'mtls.mapping.create',
			methods: ['POST'],
			pattern: /^\/api\/account\/([^/]+)\/configuration\/ac-common\/mtls$/,
			handler: async (ctx) => {
				const [acc] = ctx.params;
				if (!(await auth(ctx, acc))) return;
				const raw = jsonBody(ctx);
				const list = Array.isArray(raw) ? raw : isObject(raw) ? [raw] : undefined;
				if (!list || list.length === 0) return sendJson(ctx, 400, { message: 'Body must be an array of mappings' });
				const created: StoredMapping[] = [];
				for (const [i, item] of list.entries()) {
					const where = `mapping [${i}]`;
					if (!isObject(item)) return sendJson(ctx, 400, { message: `${where}: must be an object` });
					const certificationId = item.certificationId === undefined ? '' : String(item.certificationId);
					const serviceId = item.serviceId === undefined ? '' : String(item.serviceId);
					const url = typeof item.url === 'string' ? item.url : '';
					const name = typeof item.name === 'string' ? item.name.trim() : '';
					if (!certificates.some((c) => String(c.id) === certificationId && c.siteId === acc && !c.deleted)) {
						return sendJson(ctx, 400, { message: `${where}: certificationId "${certificationId}" is not a certificate of account ${acc}` });
					}
					if (!MTLS_SERVICE_IDS[serviceId]) return sendJson(ctx, 400, { message: `${where}: serviceId must be one of ${Object.keys(MTLS_SERVICE_IDS).join(', ')}` });
					try {
						if (new URL(url).protocol !== 'https:') throw new Error('not https');
					} catch {
						return sendJson(ctx, 400, { message: `${where}: url must be an https:// URL` });
					}
					if (!name) return sendJson(ctx, 400, { message: `${where}: name is required (unique per account)` });
					if (item.siteId !== undefined && String(item.siteId) !== acc) return sendJson(ctx, 400, { message: `${where}: siteId must be ${acc}` });
					const all = [...mappings, ...created].filter((m) => !m.deleted && m.siteId === acc);
					if (all.some((m) => m.name === name)) return sendJson(ctx, 400, { message: `${where}: a mapping named "${name}" already exists` });
					if (all.some((m) => m.serviceId === serviceId && m.url === url)) {
						return sendJson(ctx, 400, { message: `${where}: a mapping for account ${acc}, service ${MTLS_SERVICE_IDS[serviceId]} and this URL already exists` });
					}
					created.push({ id: nextMappingId++, certificationId, serviceId, enable: item.enable !== false, url, siteId: acc, name, deleted: false });
				}
				mappings.push(...created);
				// The response of this Account Config call is not documented; the emulator returns the
				// created mappings with their ids (as the newer "activate" method does).
				sendJson(ctx, 201, created);
			},
		},
		{
			id: 'mtls.mapping.list',
			methods: ['GET'],
			pattern: /^\/api\/account\/([^/]+)\/configuration\/ac-common\/mtls$/,
			handler: async (ctx) => {
				const [acc] = ctx.params;
				if (!(await auth(ctx, acc))) return;
				sendJson(ctx, 200, mappings.filter((m) => m.siteId === acc && !m.deleted));
			},
		},
		{
			id: 'mtls.forward',
			methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
			pattern: /^\/mtls\/account\/([^/]+)$/,
			handler: forward,
		},
	];

	return {
		routes,
		reset: () => {
			load();
			setMtlsNoCertificateStatus(state.hostPort, null);
		},
		close: () => {
			for (const a of agents.values()) a.destroy();
			agents.clear();
		},
	};
}
