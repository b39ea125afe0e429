// Moved to store/pg/pg-store.ts; this path stays for importers outside the store.
export { PgStore, type PgStoreOptions } from './pg/pg-store.js';
