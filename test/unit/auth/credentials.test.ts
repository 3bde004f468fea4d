import { LivePersonBasicAuthApi } from '../../../credentials/LivePersonBasicAuthApi.credentials';
import { LivePersonAccessTokenApi } from '../../../credentials/LivePersonAccessTokenApi.credentials';
import { LivePersonClientCredentialsOAuth2Api } from '../../../credentials/LivePersonClientCredentialsOAuth2Api.credentials';
import { LivePersonAuthCodeOAuth2Api } from '../../../credentials/LivePersonAuthCodeOAuth2Api.credentials';
import { clientSecretBasic } from '../../../lib/auth/basic';
import pkg from '../../../package.json';

test('Basic: RFC 7617 header; ":" in the user refused naming "user"', async () => {
	const c = new LivePersonBasicAuthApi();
	const out = await c.authenticate({ user: 'test', password: '123£' }, { url: 'https://x', headers: { a: '1' } });
	expect(out.headers).toEqual({ a: '1', Authorization: 'Basic dGVzdDoxMjPCow==' });
	await expect(c.authenticate({ user: 'a:b', password: 'p' }, { url: 'https://x' })).rejects.toMatchObject({ field: 'user' });
	expect(c.properties.map((p) => p.displayName)).toEqual(['User Name', 'User Password', 'Test URL', 'Allowed Internal Networks']);
});

test('Access Token: "<type> <token>", default Bearer', async () => {
	const c = new LivePersonAccessTokenApi();
	expect((await c.authenticate({ accessToken: 'tok', tokenType: 'Basic' }, { url: 'https://x' })).headers).toEqual({ Authorization: 'Basic tok' });
	expect((await c.authenticate({ accessToken: 'tok', tokenType: '' }, { url: 'https://x' })).headers).toEqual({ Authorization: 'Bearer tok' });
	expect(c.properties.map((p) => p.displayName)).toEqual(['Access Token', 'Token Type', 'Test URL', 'Allowed Internal Networks']);
});

test('Client credentials: the test request to the Token URL becomes the client-authenticated token request', async () => {
	const c = new LivePersonClientCredentialsOAuth2Api();
	const creds = { clientId: 'id', clientSecret: 'sec', scope: 'a b', accessTokenUrl: 'https://auth.example/token', authentication: 'header', tokenExpiredStatusCode: 401 };
	const out = await c.authenticate(creds, { url: 'https://auth.example/token', method: 'POST' });
	expect(out.headers?.authorization).toBe(clientSecretBasic('id', 'sec'));
	expect(new URLSearchParams(out.body as string).get('grant_type')).toBe('client_credentials');
	// No n8n test request (n8n would send it outside the outbound policy): the node's testedBy function tests it.
	expect('test' in c).toBe(false);
	expect(c.properties.map((p) => p.name)).toEqual(['clientId', 'clientSecret', 'scope', 'accessTokenUrl', 'authentication', 'tokenExpiredStatusCode', 'allowedInternalNetworks']);
});

test('Authorization code: extends oAuth2Api, visible grant type with n8n values, seed order, redeclared expiry status', () => {
	const c = new LivePersonAuthCodeOAuth2Api();
	expect(c.extends).toEqual(['oAuth2Api']);
	const grant = c.properties.find((p) => p.name === 'grantType')!;
	expect(grant.type).toBe('options');
	expect(grant.options!.map((o) => (o as { value: string }).value)).toEqual(['authorizationCode', 'pkce']);
	const visible = c.properties.filter((p) => p.type !== 'hidden').map((p) => p.displayName);
	expect(visible).toEqual(['Grant Type', 'Client ID', 'Client Secret', 'Scope', 'Auth URL', 'Token URL', 'Auth URI Query Parameters', 'Authentication', 'Token Expired Status', 'Allowed Internal Networks']);
	const hidden = Object.fromEntries(c.properties.filter((p) => p.type === 'hidden').map((p) => [p.name, p.default]));
	expect(hidden).toMatchObject({ scope: '={{$self["userScope"]}}', authUrl: '={{$self["userAuthUrl"]}}', accessTokenUrl: '={{$self["userTokenUrl"]}}', authentication: '={{$self["clientAuthentication"]}}', authQueryParameters: '={{$self["userAuthQueryParameters"]}}' });
	expect(c.properties.find((p) => p.name === 'tokenExpiredStatusCode')!.default).toBe(401);
});

test('all four are registered in package.json', () => {
	for (const n of ['LivePersonAuthCodeOAuth2Api', 'LivePersonClientCredentialsOAuth2Api', 'LivePersonBasicAuthApi', 'LivePersonAccessTokenApi']) {
		expect(pkg.n8n.credentials).toContain(`dist/credentials/${n}.credentials.js`);
	}
});

test('n8n can load every credential: the file names its class (n8n loader), the type names stored credentials use are unchanged', async () => {
	// n8n-core's DirectoryLoader: className = the file name up to the first ".", then `new (require(file)[className])()`.
	for (const entry of pkg.n8n.credentials as string[]) {
		const className = entry.split('/').pop()!.split('.')[0];
		const mod = (await import(`../../../credentials/${className}.credentials`)) as Record<string, new () => { name: string }>;
		expect({ entry, exported: typeof mod[className] }).toEqual({ entry, exported: 'function' });
	}
	// Stored credentials and workflows reference the type name (`name`), not the class name.
	expect(new LivePersonAuthCodeOAuth2Api().name).toBe('livePersonOAuth2AuthCodeApi');
	expect(new LivePersonClientCredentialsOAuth2Api().name).toBe('livePersonOAuth2ClientCredentialsApi');
});

test('every credential has a Test: a node names it with a testedBy of credentialTests (none defines an n8n test request)', async () => {
	const { credentialTests } = await import('../../../nodes/shared/credentialTests');
	const testedBy = new Map<string, Set<string>>();
	for (const entry of pkg.n8n.nodes as string[]) {
		const name = entry.split('/').pop()!.split('.')[0];
		const dir = entry.split('/').slice(1, -1).join('/');
		const mod = (await import(`../../../${dir}/${name}.node`)) as Record<string, new () => { description: { credentials?: Array<{ name: string; testedBy?: unknown }> } }>;
		for (const c of new mod[name]().description.credentials ?? []) {
			if (typeof c.testedBy !== 'string') continue;
			expect({ node: name, testedBy: c.testedBy, defined: c.testedBy in credentialTests }).toEqual({ node: name, testedBy: c.testedBy, defined: true });
			testedBy.set(c.name, (testedBy.get(c.name) ?? new Set()).add(c.testedBy));
		}
	}
	for (const entry of pkg.n8n.credentials as string[]) {
		const className = entry.split('/').pop()!.split('.')[0];
		const mod = (await import(`../../../credentials/${className}.credentials`)) as Record<string, new () => { name: string; test?: unknown; extends?: string[] }>;
		const cred = new mod[className]();
		expect({ cred: cred.name, test: cred.test }).toEqual({ cred: cred.name, test: undefined });
		// n8n's own OAuth2 flow (Connect) checks an oAuth2Api credential.
		if (cred.extends?.includes('oAuth2Api')) continue;
		expect({ cred: cred.name, testedBy: [...(testedBy.get(cred.name) ?? [])] }).toEqual({ cred: cred.name, testedBy: [`${cred.name}Test`] });
	}
});
