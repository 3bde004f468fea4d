/**
 * An injectable clock for tests that wait for a token to expire: only `Date` is faked (timers, I/O
 * and undici keep running in real time), and the in-process emulator, the token cache and JWT
 * expiry all read `Date.now()`, so moving the clock expires tokens on both sides at once — no sleep.
 */
export function fakeDateOnly(): void {
	jest.useFakeTimers({
		now: Date.now(),
		doNotFake: ['hrtime', 'nextTick', 'performance', 'queueMicrotask', 'requestAnimationFrame', 'cancelAnimationFrame', 'requestIdleCallback', 'cancelIdleCallback', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'],
	});
}

/** Moves the faked `Date` forward by `ms`. */
export function advanceClock(ms: number): void {
	jest.setSystemTime(Date.now() + ms);
}

export function realClock(): void {
	jest.useRealTimers();
}
