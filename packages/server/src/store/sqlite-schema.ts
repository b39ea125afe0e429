// Moved to store/sqlite/sqlite-schema.ts; this path stays for importers outside the store.
export { MIGRATIONS } from './sqlite/sqlite-schema.js';
