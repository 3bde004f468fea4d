/** The shared keep-alive Agent and the registry of pools closed by `closeAllDispatchers()`. */
import { Agent } from 'undici';

let sharedAgent: Agent | undefined;

/** The package's shared keep-alive Agent for requests whose policy is switched off. */
export function sharedDispatcher(): Agent {
	if (!sharedAgent) {
		sharedAgent = new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 120_000, connections: 128 });
	}
	return sharedAgent;
}

const closers = new Set<() => Promise<void> | void>();

/** Registers a cleanup (e.g. an agent pool's close) run by `closeAllDispatchers()`. */
export function registerCloser(fn: () => Promise<void> | void): void {
	closers.add(fn);
}

/** Closes the shared Agent and every registered pool (tests, benchmarks, shutdown). */
export async function closeAllDispatchers(): Promise<void> {
	const agent = sharedAgent;
	sharedAgent = undefined;
	await Promise.allSettled([agent?.close(), ...[...closers].map(async (fn) => fn())]);
}
