/**
 * Four projects: unit (pure lib logic), integration (real local servers), engine (workflows in n8n's own
 * engine, n8n-core, in-process), e2e (real n8n servers).
 */
const base = {
	preset: 'ts-jest',
	testEnvironment: 'node',
	transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
	setupFilesAfterEnv: ['<rootDir>/test/setup-dispatchers.ts'],
	// bench/ imports node files as '….node.js' (tsx would read a bare '.node' path as a native addon).
	moduleNameMapper: { '^\\.\\./nodes/(.*)\\.node\\.js$': '<rootDir>/nodes/$1.node.ts' },
};
module.exports = {
	// A temp folder per run, checked empty at the end: no test leaves files behind.
	globalSetup: '<rootDir>/test/global/tmp-setup.js',
	globalTeardown: '<rootDir>/test/global/tmp-teardown.js',
	projects: [
		{ ...base, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
		{ ...base, displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.test.ts'] },
		{ ...base, displayName: 'engine', testMatch: ['<rootDir>/test/engine/**/*.test.ts'] },
		{ ...base, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.test.ts'] },
	],
};
