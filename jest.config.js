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
/** ES-module-only packages under n8n's core nodes (see the engine project). */
const ESM_ONLY = '(htmlparser2|domelementtype|domhandler|domutils|dom-serializer|entities)';
module.exports = {
	// A temp folder per run, checked empty at the end: no test leaves files behind.
	globalSetup: '<rootDir>/test/global/tmp-setup.js',
	globalTeardown: '<rootDir>/test/global/tmp-teardown.js',
	projects: [
		{ ...base, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
		{ ...base, displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.test.ts'] },
		{
			...base,
			displayName: 'engine',
			testMatch: ['<rootDir>/test/engine/**/*.test.ts'],
			// n8n 2.41's Wait node loads sanitize-html, which requires htmlparser2 12 and its parser packages:
			// ES modules only. n8n (Node 24) requires them natively; Jest's module registry cannot, so they are
			// compiled to CommonJS on load.
			transform: { ...base.transform, [`/node_modules/${ESM_ONLY}/.+\\.js$`]: ['ts-jest', { diagnostics: false, tsconfig: { allowJs: true, module: 'commonjs' } }] },
			transformIgnorePatterns: [`/node_modules/(?!(\\.pnpm/)?${ESM_ONLY}[@/])`],
		},
		{ ...base, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.test.ts'] },
	],
};
