/**
 * Debian's Chromium driven by playwright-core, headless, for the browser tests (the editor test and
 * the consumer's sign-in). One place for the binary, the flags this machine needs and the clear error
 * when Chromium is missing.
 */
import * as fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.LP_CHROMIUM ?? '/usr/bin/chromium';

/** The flags the machines here need (docs: .library/env/machines/node.md). */
export const CHROMIUM_ARGS = [
	'--headless',
	'--no-sandbox',
	'--disable-gpu',
	'--disable-quic',
	'--no-first-run',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync',
];

/** Fails with how to install Chromium when it is missing (before any sandbox is started). */
export function assertChromium(): void {
	if (!fs.existsSync(CHROMIUM)) {
		throw new Error(`${CHROMIUM} not found: install Debian's Chromium (apt-get install -y chromium; npm test does this as root) or set LP_CHROMIUM`);
	}
}

export function launchChromium(): Promise<Browser> {
	assertChromium();
	return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}
