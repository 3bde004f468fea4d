// ESLint 9 flat config.
//   package.json, credentials/, nodes/: n8n's current community-node rules
//     (@n8n/eslint-plugin-community-nodes, the non-Cloud configuration: this package runs on
//     self-hosted n8n) next to the older eslint-plugin-n8n-nodes-base rule sets.
//   lib/, credentials/, nodes/: typescript-eslint's recommended rules.
import tsParser from '@typescript-eslint/parser';
import n8nCommunityNodes from '@n8n/eslint-plugin-community-nodes';
import n8nNodesBase from 'eslint-plugin-n8n-nodes-base';
import tseslint from 'typescript-eslint';

const community = n8nCommunityNodes.configs.recommendedWithoutN8nCloudSupport;
const ts = { parser: tsParser, parserOptions: { sourceType: 'module', extraFileExtensions: ['.json'] } };

export default [
	{ ignores: ['**/node_modules/**', '**/dist/**', '**/*.js', '**/*.mjs'] },
	{
		files: ['package.json'],
		languageOptions: ts,
		plugins: { 'n8n-nodes-base': n8nNodesBase },
		rules: {
			...n8nNodesBase.configs.community.rules,
			'n8n-nodes-base/community-package-json-name-still-default': 'off',
		},
	},
	{
		files: ['credentials/**/*.ts'],
		languageOptions: ts,
		plugins: { 'n8n-nodes-base': n8nNodesBase },
		rules: {
			...n8nNodesBase.configs.credentials.rules,
			// "Only applicable to nodes in the main repository": community credentials link full URLs.
			'n8n-nodes-base/cred-class-field-documentation-url-miscased': 'off',
		},
	},
	{
		files: ['nodes/**/*.ts'],
		languageOptions: ts,
		plugins: { 'n8n-nodes-base': n8nNodesBase },
		rules: {
			...n8nNodesBase.configs.nodes.rules,
			// These two want the string literal 'main'; n8n's current rule (node-connection-type-literal,
			// below) wants NodeConnectionTypes.Main, which this package uses. The current rule wins.
			'n8n-nodes-base/node-class-description-inputs-wrong-regular-node': 'off',
			'n8n-nodes-base/node-class-description-outputs-wrong': 'off',
		},
	},
	{
		files: ['package.json', 'credentials/**/*.ts', 'nodes/**/*.ts'],
		languageOptions: ts,
		plugins: community.plugins,
		rules: {
			...community.rules,
			// By design (README, "Runtime dependencies and why"): undici, jose, node-forge, ipaddr.js
			// and ioredis give pooled mTLS, key-store formats n8n cannot read, JWT handling, IP matching
			// and the queue-mode token store. This keeps the package an installable, unverified community package.
			'@n8n/community-nodes/no-runtime-dependencies': 'off',
			// The package has no author e-mail address to publish, and the rule accepts no author without
			// one; package.json names the author and links the repository instead.
			'@n8n/community-nodes/valid-author': 'off',
		},
	},
	...tseslint.configs.recommended.map((c) => ({
		...c,
		files: ['lib/**/*.ts', 'credentials/**/*.ts', 'nodes/**/*.ts'],
	})),
	{
		// n8n and this package often load two copies of n8n-workflow: a class of one never matches an error
		// of the other. Recognise n8n's errors by shape (isN8nError in nodes/shared/errors.ts).
		files: ['lib/**/*.ts', 'credentials/**/*.ts', 'nodes/**/*.ts'],
		rules: {
			'no-restricted-syntax': [
				'error',
				{
					selector:
						"BinaryExpression[operator='instanceof'][right.name=/^(NodeApiError|NodeOperationError|NodeError|NodeSslError|ExpressionError|ExecutionBaseError|ApplicationError|BaseError|UserError|OperationalError|UnexpectedError|WorkflowOperationError)$/]",
					message: "No instanceof on n8n-workflow's error classes (two copies of n8n-workflow): use isN8nError() from nodes/shared/errors.ts.",
				},
			],
		},
	},
];
