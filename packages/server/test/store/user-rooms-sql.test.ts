// What the user-rooms conformance cases cannot reach through the Store API, for both stores: the
// user's own messages after their marker (their sends raise it, so only a marker set by hand lies
// below one) are not unread, and the queries walk indexes (userRooms counts unread from the
// marker on the (room_id, seq) index; an append raises a marker by one probe of user_rooms).
import { describe, expect, it } from 'vitest';
import { userRoomsQuery } from '../../src/store/rows.js';
import type { NewMessage, Store } from '../../src/store/store.js';
import { servicesAvailable } from '../services.js';
import { pgPlan, sqlitePlan, storesForExplain } from './query-plans.js';

const pgAvailable = await servicesAvailable(['postgres']);

const say = (room: string, from: { id: string; nick: string }, clientId: string): NewMessage => ({ room, from, clientId, text: 'hi' });

/** alice's and bob's messages after alice's marker, which is set back below her own: unread counts bob's only. */
async function ownMessagesAreNotUnread(store: Store, lowerMarkers: () => Promise<void>): Promise<void> {
  const alice = (await store.createAccount('alice', 'h'))!;
  const bob = (await store.createAccount('bob', 'h'))!;
  await store.ensureRoom('r');
  await store.addUserRoom(alice.id, 'r');
  await store.appendMessages([say('r', bob, 'b1'), say('r', alice, 'a1'), say('r', alice, 'a2'), say('r', bob, 'b2'), say('r', alice, 'a3')]);
  expect((await store.userRooms(alice.id))[0]).toMatchObject({ lastSeq: 5, readSeq: 5, unread: 0 });
  await lowerMarkers();
  expect((await store.userRooms(alice.id))[0]).toMatchObject({ lastSeq: 5, readSeq: 0, unread: 2 });
}

describe('user rooms in SQLite', () => {
  const open = storesForExplain();

  it('unread leaves out the user\'s own messages', async () => {
    const { store, db } = await open.sqlite();
    await ownMessagesAreNotUnread(store, async () => void db.prepare('UPDATE user_rooms SET read_seq = 0').run());
  });

  it('userRooms counts unread on the (room_id, seq) index, and an append raises a marker by its key', async () => {
    const { db } = await open.sqlite();
    const list = sqlitePlan(db, userRoomsQuery(':user', '0'), { user: 'u' });
    expect(list).toMatch(/SEARCH m USING INDEX sqlite_autoindex_messages_1 \(room_id=\? AND seq>\?\)/);
    expect(list).toMatch(/SEARCH ur USING INDEX sqlite_autoindex_user_rooms_1 \(user_id=\?\)/);
    // Unread mentions walk mentions' primary key from the marker too (issue 16).
    expect(list).toMatch(/SEARCH x USING PRIMARY KEY \(user_id=\? AND room_id=\? AND seq>\?\)/);
    expect(list).not.toMatch(/SCAN (m|ur|r|p|rr|x)\b/);
    // The statement sqlite-messages.ts runs per (room, sender) of a batch.
    expect(sqlitePlan(db, 'UPDATE user_rooms SET read_seq = ? WHERE user_id = ? AND room_id = ? AND read_seq < ?', 1, 'u', 1, 1)).toMatch(
      /SEARCH user_rooms USING INDEX sqlite_autoindex_user_rooms_1 \(user_id=\? AND room_id=\?\)/,
    );
  });
});

describe.skipIf(!pgAvailable)('user rooms in PostgreSQL', () => {
  const open = storesForExplain();

  it('unread leaves out the user\'s own messages', async () => {
    const { store, client } = await open.pg();
    await ownMessagesAreNotUnread(store, async () => void (await client.query('UPDATE user_rooms SET read_seq = 0')));
  });

  it('userRooms counts unread on the (room_id, seq) index and mentions from the marker on an index, not by reading the room', async () => {
    const { store, client } = await open.pg();
    const alice = (await store.createAccount('alice', 'h'))!;
    for (const room of ['r1', 'r2']) {
      await store.ensureRoom(room);
      await store.addUserRoom(alice.id, room);
    }
    // Rooms large enough for the planner's choice to matter, the marker near their end.
    await client.query(
      `INSERT INTO messages (room_id, seq, user_id, nick, client_id, text, ts)
       SELECT r.id, s, 'u-bob', 'bob', 'c' || s, 'hi', 1 FROM rooms r, generate_series(1, 20000) AS s WHERE r.name IN ('r1', 'r2')`,
    );
    await client.query("UPDATE rooms SET last_seq = 20000 WHERE name IN ('r1', 'r2')");
    // Every message mentions alice, and every other one a user who is not in the list (issue 16).
    await client.query(
      `INSERT INTO mentions (user_id, room_id, seq)
       SELECT u, r.id, s FROM rooms r, generate_series(1, 20000) AS s, unnest(ARRAY[$1, 'u-other']) AS u
       WHERE r.name IN ('r1', 'r2') AND (u = $1 OR s % 2 = 0)`,
      [alice.id],
    );
    await client.query('UPDATE user_rooms SET read_seq = 19990');
    await client.query('ANALYZE');
    const plan = await pgPlan(client, userRoomsQuery('$1', 'false'), [alice.id]);
    expect(plan).toMatch(/Index (Only )?Scan using messages_room_id_seq_key on messages m/);
    expect(plan).not.toMatch(/Seq Scan on messages/);
    // Unread mentions walk an index from the marker: mentions' primary key (user_id, room_id, seq),
    // or (room_id, seq) with the user as a filter. The planner picks either, by ANALYZE's random
    // sample (CI saw both); both start at the marker rather than read the room.
    expect(plan).toMatch(
      /Index (Only )?Scan using mentions_(pkey|room) on mentions x.*\n\s+Index Cond: \((\(user_id = [^)]+\) AND )?\(room_id = ur\.room_id\) AND \(seq > ur\.read_seq\)\)/,
    );
    expect(plan).not.toMatch(/Seq Scan on mentions/);
    expect((await store.userRooms(alice.id)).map((r) => [r.unread, r.mentions])).toEqual([
      [10, 10],
      [10, 10],
    ]);
    // A backlog of 20,000 counts up to the cap.
    await client.query('UPDATE user_rooms SET read_seq = 0');
    expect((await store.userRooms(alice.id)).map((r) => [r.unread, r.mentions])).toEqual([
      [100, 100],
      [100, 100],
    ]);
  });
});
