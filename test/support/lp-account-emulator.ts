/**
 * The LivePerson emulator on 127.0.0.1 for one test file, with the account credentials it accepts
 * (user/password and Sentinel client credentials) and a check that no secret or issued token leaks.
 */
import { startEmulator, type Emulator } from '../../sandbox/emulator/index';
import type { LivePersonAccountCredentials } from '../../lib/liveperson/account-auth';

export const ACC = '12345678';
const SECRETS = ['Sandbox-Passw0rd!', 'sandbox-client-secret'];

export interface AccountEmulator {
	emu(): Emulator;
	user(): LivePersonAccountCredentials;
	sentinel(): LivePersonAccountCredentials;
	noSecret(value: unknown): void;
}

/** Starts the emulator before the file's tests (stops it after); `reset` runs before each test. */
export function useAccountEmulator(reset: () => void = () => undefined): AccountEmulator {
	let emu: Emulator | undefined;
	// Starting the emulator can take more than Jest's 5 s hook default on a loaded 2-core machine.
	beforeAll(async () => {
		emu = await startEmulator({ port: 0 });
	}, 60_000);
	afterAll(async () => {
		await emu?.close();
	});
	beforeEach(() => {
		emu!.reset();
		reset();
	});
	const get = () => {
		if (!emu) throw new Error('the emulator is not started yet');
		return emu;
	};
	const base = () => ({ accountId: ACC, csdsHost: get().url, allowedInternalNetworks: 'loopback' });
	return {
		emu: get,
		user: () => ({ ...base(), authMethod: 'userPassword', username: 'sandbox-agent', password: 'Sandbox-Passw0rd!' }),
		sentinel: () => ({ ...base(), authMethod: 'clientCredentials', clientId: 'sandbox-client', clientSecret: 'sandbox-client-secret' }),
		noSecret(value) {
			const text = JSON.stringify(value);
			for (const s of [...SECRETS, ...get().issuedTokens()]) expect(text).not.toContain(s);
		},
	};
}
