// Moved to store/sqlite/sqlite-store.ts; this path stays for importers outside the store.
export { SqliteStore, type SqliteStoreOptions } from './sqlite/sqlite-store.js';
