/** nodes/shared/tokenStore.ts: n8n's queue-mode environment → plain Redis store settings. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { randomBytes } from 'crypto';
import { tokenStoreSettingsFromEnv } from '../../../nodes/shared/tokenStore';

const KEY = randomBytes(24).toString('hex');

describe('tokenStoreSettingsFromEnv', () => {
	test('not in queue mode: no store', () => {
		expect(tokenStoreSettingsFromEnv({ N8N_ENCRYPTION_KEY: KEY })).toEqual({ reason: 'not in queue mode' });
		expect(tokenStoreSettingsFromEnv({ EXECUTIONS_MODE: 'regular', N8N_ENCRYPTION_KEY: KEY }).settings).toBeUndefined();
	});

	test('queue mode: n8n QUEUE_BULL_REDIS_* settings', () => {
		const { settings } = tokenStoreSettingsFromEnv({
			EXECUTIONS_MODE: 'queue',
			N8N_ENCRYPTION_KEY: KEY,
			QUEUE_BULL_REDIS_HOST: 'redis.internal',
			QUEUE_BULL_REDIS_PORT: '6380',
			QUEUE_BULL_REDIS_DB: '2',
			QUEUE_BULL_REDIS_USERNAME: 'n8n',
			QUEUE_BULL_REDIS_PASSWORD: 'pw',
			QUEUE_BULL_REDIS_TLS: 'true',
		});
		expect(settings).toEqual({
			host: 'redis.internal',
			port: 6380,
			db: 2,
			username: 'n8n',
			password: 'pw',
			tls: true,
			clusterNodes: undefined,
			encryptionKey: KEY,
		});
	});

	test('defaults, cluster nodes, LP_TOKEN_STORE switches', () => {
		const { settings } = tokenStoreSettingsFromEnv({
			EXECUTIONS_MODE: 'queue',
			N8N_ENCRYPTION_KEY: KEY,
			QUEUE_BULL_REDIS_CLUSTER_NODES: 'a:7000, b:7001,c',
			QUEUE_BULL_REDIS_PORT: 'not-a-port',
		});
		expect(settings).toMatchObject({ host: 'localhost', port: 6379, db: 0, tls: false });
		expect(settings?.clusterNodes).toEqual([
			{ host: 'a', port: 7000 },
			{ host: 'b', port: 7001 },
			{ host: 'c', port: 6379 },
		]);
		expect(tokenStoreSettingsFromEnv({ EXECUTIONS_MODE: 'queue', N8N_ENCRYPTION_KEY: KEY, LP_TOKEN_STORE: 'memory' }).settings).toBeUndefined();
		expect(tokenStoreSettingsFromEnv({ LP_TOKEN_STORE: 'redis', N8N_ENCRYPTION_KEY: KEY }).settings).toBeDefined();
	});

	test('secrets from _FILE, the key from n8n\'s config file, none at all', () => {
		const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lp-env-'));
		try {
			fs.writeFileSync(path.join(dir, 'pw'), 'from-file\n');
			fs.mkdirSync(path.join(dir, '.n8n'));
			fs.writeFileSync(path.join(dir, '.n8n', 'config'), JSON.stringify({ encryptionKey: KEY }));
			const { settings } = tokenStoreSettingsFromEnv({ EXECUTIONS_MODE: 'queue', N8N_USER_FOLDER: dir, QUEUE_BULL_REDIS_PASSWORD_FILE: path.join(dir, 'pw') });
			expect(settings).toMatchObject({ password: 'from-file', encryptionKey: KEY });
			expect(tokenStoreSettingsFromEnv({ EXECUTIONS_MODE: 'queue', N8N_USER_FOLDER: path.join(dir, 'nothing') })).toEqual({ reason: 'no N8N_ENCRYPTION_KEY' });
		} finally {
			fs.rmSync(dir, { recursive: true, force: true });
		}
	});
});
