/** Moved to lib/http (the one request pipeline); kept as an alias for older imports. */
export * from '../http';
