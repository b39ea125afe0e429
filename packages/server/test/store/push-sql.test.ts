// What the push conformance cases cannot see through the Store API: working out who hears of a
// message costs the room's few candidates (members on `all`, a DM's two, the mentioned), never a
// walk of a big room's members, on both stores.
import { describe, expect, it } from 'vitest';
import { pushTargetsQuery } from '../../src/store/rows.js';
import { servicesAvailable } from '../services.js';
import { pgAccounts, pgPlan, sqlitePlan, storesForExplain } from './query-plans.js';

const pgAvailable = await servicesAvailable(['postgres']);

describe('push targets in SQLite', () => {
  const open = storesForExplain();

  it('finds members on all by the partial index and the mentioned by their key, never scanning user_rooms', async () => {
    const { db } = await open.sqlite();
    const plan = (dm: boolean) =>
      sqlitePlan(db, pushTargetsQuery(':room', ':sender', 'ur.user_id IN (SELECT value FROM json_each(:mentioned))', dm), { room: 1, sender: 'u', mentioned: '[]' });
    const room = plan(false);
    expect(room).toMatch(/SEARCH ur USING INDEX user_rooms_notify_all \(room_id=\?\)/);
    expect(room).toMatch(/SEARCH ur USING INDEX sqlite_autoindex_user_rooms_1 \(user_id=\? AND room_id=\?\)/);
    expect(room).not.toMatch(/SCAN (ur|s)\b/);
    // A DM's two members by the room's index.
    expect(plan(true)).toMatch(/SEARCH ur USING (COVERING )?INDEX user_rooms_room \(room_id=\?\)/);
    expect(plan(true)).not.toMatch(/SCAN (ur|s)\b/);
  });
});

describe.skipIf(!pgAvailable)('push targets in PostgreSQL', () => {
  const open = storesForExplain();

  it('in a room of 20,000 members, takes the candidates by index', async () => {
    const { store, client } = await open.pg();
    await store.ensureRoom('big');
    await pgAccounts(client, 20000);
    await client.query(`INSERT INTO user_rooms (user_id, room_id, read_seq) SELECT 'u' || i, r.id, 0 FROM rooms r, generate_series(1, 20000) AS i WHERE r.name = 'big'`);
    await client.query(`UPDATE user_rooms SET notify = 'all' WHERE user_id IN ('u1', 'u2')`);
    await client.query(`INSERT INTO push_subscriptions (endpoint, user_id, p256dh, auth, created_at) SELECT 'https://p/' || i, 'u' || i, 'k', 'a', 1 FROM generate_series(1, 20000, 7) AS i`);
    await client.query('ANALYZE');
    const sql = pushTargetsQuery('$1', '$2', 'ur.user_id = ANY($3::text[])', false);
    const [{ id }] = (await client.query<{ id: string }>("SELECT id FROM rooms WHERE name = 'big'")).rows as [{ id: string }];
    const plan = await pgPlan(client, sql, [id, 'u3', ['u8']]);
    expect(plan).toMatch(/user_rooms_notify_all/);
    expect(plan).not.toMatch(/Seq Scan on user_rooms/);
    expect((await store.pushTargets([{ room: 'big', senderId: 'u3', mentioned: ['u8'] }]))[0]!.map((t) => [t.userId, t.mention]).sort()).toEqual([
      ['u1', false],
      ['u8', true],
    ]);
  });
});
