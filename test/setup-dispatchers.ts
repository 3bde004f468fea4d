import { closeAllDispatchers } from '../lib/net/transport';

// Keep-alive sockets of the package's agents would keep Jest alive: close them after each file.
afterAll(async () => {
	await closeAllDispatchers();
});
