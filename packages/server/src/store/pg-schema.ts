// Moved to store/pg/pg-schema.ts; this path stays for importers outside the store.
export { MIGRATIONS } from './pg/pg-schema.js';
