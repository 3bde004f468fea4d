/**
 * Jest global setup: every run gets its own temp folder (TMPDIR, inherited by the test workers and
 * every process they start: n8n, nginx, Redis, PostgreSQL, Chromium), so that the teardown can prove
 * that no test leaves a file behind. Plain JS: it runs before any transform.
 */
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

module.exports = async function tmpSetup() {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lp-jest-run-'));
	// Like /tmp (world-writable, sticky): servers the tests start as their own users (PostgreSQL runs as
	// "postgres") make their folders in it too.
	fs.chmodSync(dir, 0o1777);
	process.env.LP_JEST_TMP = dir;
	process.env.TMPDIR = dir;
	// tsx (the emulator's and the bench child's TypeScript hook) keeps a compile cache in TMPDIR: not
	// within a test run.
	process.env.TSX_DISABLE_CACHE = '1';
};
