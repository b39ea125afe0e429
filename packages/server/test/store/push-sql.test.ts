// What the push conformance cases cannot see through the Store API: working out who hears of a
// message costs the room's few candidates (members on `all`, a DM's two, the mentioned), never a
// walk of a big room's members, on both stores.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { pushTargetsQuery } from '../../src/store/rows.js';
import { PgStore } from '../../src/store/pg/pg-store.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { tempDir } from '../helpers.js';
import { createSchema, servicesAvailable } from '../services.js';

const pgAvailable = await servicesAvailable(['postgres']);

describe('push targets in SQLite', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('finds members on all by the partial index and the mentioned by their key, never scanning user_rooms', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const store = await new SqliteStore({ dir }).open();
    const db = new Database(join(dir, 'chat.db'));
    try {
      const plan = (dm: boolean) => {
        const sql = pushTargetsQuery(':room', ':sender', 'ur.user_id IN (SELECT value FROM json_each(:mentioned))', dm);
        return (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all({ room: 1, sender: 'u', mentioned: '[]' }) as Array<{ detail: string }>).map((r) => r.detail).join('\n');
      };
      const room = plan(false);
      expect(room).toMatch(/SEARCH ur USING INDEX user_rooms_notify_all \(room_id=\?\)/);
      expect(room).toMatch(/SEARCH ur USING INDEX sqlite_autoindex_user_rooms_1 \(user_id=\? AND room_id=\?\)/);
      expect(room).not.toMatch(/SCAN (ur|s)\b/);
      // A DM's two members by the room's index.
      expect(plan(true)).toMatch(/SEARCH ur USING (COVERING )?INDEX user_rooms_room \(room_id=\?\)/);
      expect(plan(true)).not.toMatch(/SCAN (ur|s)\b/);
    } finally {
      db.close();
      await store.close();
    }
  });
});

describe.skipIf(!pgAvailable)('push targets in PostgreSQL', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('in a room of 20,000 members, takes the candidates by index', async () => {
    const { url, drop } = await createSchema();
    cleanups.push(drop);
    const store = await new PgStore({ connectionString: url }).open();
    cleanups.push(() => store.close());
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    cleanups.push(() => client.end());
    await store.ensureRoom('big');
    await client.query(`INSERT INTO users (id, nick, kind, created_at) SELECT 'u' || i, 'n' || i, 'account', 1 FROM generate_series(1, 20000) AS i`);
    await client.query(`INSERT INTO user_rooms (user_id, room_id, read_seq) SELECT 'u' || i, r.id, 0 FROM rooms r, generate_series(1, 20000) AS i WHERE r.name = 'big'`);
    await client.query(`UPDATE user_rooms SET notify = 'all' WHERE user_id IN ('u1', 'u2')`);
    await client.query(`INSERT INTO push_subscriptions (endpoint, user_id, p256dh, auth, created_at) SELECT 'https://p/' || i, 'u' || i, 'k', 'a', 1 FROM generate_series(1, 20000, 7) AS i`);
    await client.query('ANALYZE');
    const sql = pushTargetsQuery('$1', '$2', 'ur.user_id = ANY($3::text[])', false);
    const [{ id }] = (await client.query<{ id: string }>("SELECT id FROM rooms WHERE name = 'big'")).rows as [{ id: string }];
    const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, [id, 'u3', ['u8']]);
    const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
    expect(plan).toMatch(/user_rooms_notify_all/);
    expect(plan).not.toMatch(/Seq Scan on user_rooms/);
    expect((await store.pushTargets('big', 'u3', ['u8'])).map((t) => [t.userId, t.mention]).sort()).toEqual([
      ['u1', false],
      ['u8', true],
    ]);
  });
});
