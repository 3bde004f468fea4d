import { closeAllDispatchers } from '../lib/http';

// Keep-alive sockets of the package's agents would keep Jest alive: close them after each file.
afterAll(async () => {
	await closeAllDispatchers();
});
