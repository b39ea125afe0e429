// How much disk the search index takes, beside the messages it indexes: on SQLite the pages of
// the FTS5 table's shadow tables (message_search_*, from the dbstat table), on PostgreSQL the GIN
// index (pg_relation_size of messages_search) and the tsvector column's share of the table. Read
// by the built server's better-sqlite3 (the bench itself does not depend on it) after the fill's
// store is closed, and on PostgreSQL over the scenario's schema.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { withPg } from '../services.js';

export interface StoreSize {
  /** The index alone. */
  indexMiB: number | null;
  /** The messages table with its other indexes (not the search index). */
  messagesMiB: number | null;
}

const MIB = 1024 * 1024;
const mib = (bytes: number | string | null | undefined): number | null => (bytes === null || bytes === undefined ? null : Math.round((Number(bytes) / MIB) * 10) / 10);

interface SqliteDb {
  prepare(sql: string): { get(): unknown };
  close(): void;
}

export function sqliteSize(chatMain: string, dataDir: string): StoreSize {
  // better-sqlite3 as the server resolves it: from its package (or the workspace root above it).
  const require = createRequire(join(dirname(chatMain), '..', 'package.json'));
  const Database = require('better-sqlite3') as new (file: string, o: { readonly: boolean }) => SqliteDb;
  const db = new Database(join(dataDir, 'chat.db'), { readonly: true });
  try {
    const sum = (where: string): number | null => {
      try {
        return mib((db.prepare(`SELECT sum(pgsize) AS bytes FROM dbstat WHERE ${where}`).get() as { bytes: number | null }).bytes);
      } catch {
        return null; // a build without the dbstat table
      }
    };
    return { indexMiB: sum("name LIKE 'message_search%'"), messagesMiB: sum("name IN (SELECT name FROM sqlite_schema WHERE tbl_name = 'messages')") };
  } finally {
    db.close();
  }
}

export async function pgSize(databaseUrl: string): Promise<StoreSize> {
  const { rows } = await withPg(
    databaseUrl,
    (c) =>
      c.query<{ gin: string | null; messages: string | null }>(
        `SELECT pg_relation_size(to_regclass('messages_search')) AS gin,
                pg_total_relation_size('messages') - coalesce(pg_relation_size(to_regclass('messages_search')), 0) AS messages`,
      ),
    0,
  );
  return { indexMiB: mib(rows[0]?.gin), messagesMiB: mib(rows[0]?.messages) };
}

/**
 * VACUUM ANALYZE after the fill, as autovacuum would soon do on a live server: the planner then
 * knows the table's size and the GIN index's pending list is merged into the index proper.
 */
export async function pgSettle(databaseUrl: string): Promise<void> {
  await withPg(databaseUrl, (c) => c.query('VACUUM ANALYZE messages'), 0);
}
