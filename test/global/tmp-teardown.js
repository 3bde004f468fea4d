/**
 * Jest global teardown: the run's temp folder (test/global/tmp-setup.js) must be empty. Anything left
 * fails the run, named (a test that leaves files behind is a bug), and is removed either way.
 * LP_KEEP_TMP=1 keeps it for a look.
 */
'use strict';
const fs = require('node:fs');

module.exports = async function tmpTeardown() {
	const dir = process.env.LP_JEST_TMP;
	if (!dir || !fs.existsSync(dir)) return;
	const left = fs.readdirSync(dir);
	if (process.env.LP_KEEP_TMP !== '1') fs.rmSync(dir, { recursive: true, force: true });
	if (left.length) {
		throw new Error(`Tests left ${left.length} entr${left.length === 1 ? 'y' : 'ies'} in the temp folder: ${left.sort().join(', ')}. Each test must remove what it creates.`);
	}
};
