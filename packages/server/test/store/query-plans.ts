// For the store tests that read query plans (*-sql.test.ts): a fresh store of each kind beside a
// connection of the test's own (for filling tables in bulk, faster than the Store API, and for
// EXPLAIN), and each database's plan as text to match.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterEach } from 'vitest';
import { PgStore } from '../../src/store/pg/pg-store.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { tempDir } from '../helpers.js';
import { createSchema } from '../services.js';

export interface StoresForExplain {
  /** A fresh SqliteStore in a temporary directory, and a second connection to its file. */
  sqlite(): Promise<{ store: SqliteStore; db: Database.Database }>;
  /** A fresh schema with a PgStore on it (migrated), and a client of the test's own. */
  pg(): Promise<{ store: PgStore; client: pg.Client }>;
  /** Something more to undo after the test, before the stores close (a server on the store). */
  later(cleanup: () => Promise<void> | void): void;
}

/** Call inside a describe: what its tests open is closed and removed after each, the last first. */
export function storesForExplain(): StoresForExplain {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  return {
    async sqlite() {
      const dir = tempDir();
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      const store = await new SqliteStore({ dir }).open();
      cleanups.push(() => store.close());
      const db = new Database(join(dir, 'chat.db'));
      cleanups.push(() => void db.close());
      return { store, db };
    },
    async pg() {
      const { url, drop } = await createSchema();
      cleanups.push(drop);
      const store = await new PgStore({ connectionString: url }).open();
      cleanups.push(() => store.close());
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      cleanups.push(() => client.end());
      return { store, client };
    },
    later(cleanup) {
      cleanups.push(cleanup);
    },
  };
}

/** SQLite's EXPLAIN QUERY PLAN of `sql`: each step's detail, one a line. */
export function sqlitePlan(db: Database.Database, sql: string, ...params: unknown[]): string {
  return (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as Array<{ detail: string }>).map((r) => r.detail).join('\n');
}

/** PostgreSQL's EXPLAIN of `sql`, one line a node or condition. */
export async function pgPlan(client: pg.Client, sql: string, params: unknown[] = []): Promise<string> {
  const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, params);
  return rows.map((r) => r['QUERY PLAN']).join('\n');
}

/** Accounts u1 … u`count` (nicks n1 …), written in one statement: enough rows for the planner's choice to matter. */
export async function pgAccounts(client: pg.Client, count: number): Promise<void> {
  await client.query(`INSERT INTO users (id, nick, kind, created_at) SELECT 'u' || i, 'n' || i, 'account', 1 FROM generate_series(1, $1::int) AS i`, [count]);
}
