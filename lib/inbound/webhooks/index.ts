/** LivePerson calls n8n: webhook notifications of an app installation (verify, parse, dedup, subscribe). */
export * from './signature';
export * from './events';
export * from './dedup';
export * from './subscription';
