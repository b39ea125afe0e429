// What the joinStanding conformance cases cannot see through the Store API: its one statement
// finds the room by its unique name and each of the user's rows in it (ban, role, mute, list
// entry) by a key lookup, never a scan, on both stores: every join of a restart storm runs it.
// And a rejoin costs PostgreSQL that one statement before history (it cost six single reads), and
// history one more when the missed entries are all messages.
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { joinStandingQuery } from '../../src/store/join-standing-row.js';
import { startServer, TestClient } from '../helpers.js';
import { servicesAvailable } from '../services.js';
import { pgAccounts, pgPlan, sqlitePlan, storesForExplain } from './query-plans.js';

const pgAvailable = await servicesAvailable(['postgres']);

describe('joinStanding in SQLite', () => {
  const open = storesForExplain();

  it('finds the room by name and the ban, role, mute and list entry by their keys', async () => {
    const { db } = await open.sqlite();
    const plan = sqlitePlan(db, joinStandingQuery(':room', ':user'), { room: 'r', user: 'u' });
    expect(plan).toMatch(/SEARCH r USING INDEX sqlite_autoindex_rooms_1 \(name=\?\)/);
    for (const table of ['b', 'rr', 'mu']) expect(plan).toMatch(new RegExp(`SEARCH ${table} USING (COVERING INDEX \\S+|PRIMARY KEY) \\(room_id=\\? AND user_id=\\?\\)`));
    expect(plan).toMatch(/SEARCH ur USING INDEX sqlite_autoindex_user_rooms_1 \(user_id=\? AND room_id=\?\)/);
    expect(plan).not.toMatch(/\bSCAN\b/);
  });
});

describe.skipIf(!pgAvailable)('joinStanding in PostgreSQL', () => {
  const open = storesForExplain();

  it('with 5,000 rooms of 10 users each banned, muted, with a role and a list entry, looks each up by its key', async () => {
    const { store, client } = await open.pg();
    // Tables large enough for the planner's choice to matter (a hashed subplan would read a table).
    await pgAccounts(client, 10);
    await client.query(`INSERT INTO rooms (name, created_at) SELECT 'room' || j, 1 FROM generate_series(1, 5000) AS j`);
    const everyone = `SELECT r.id, 'u' || i FROM rooms r, generate_series(1, 10) AS i`;
    await client.query(`INSERT INTO room_roles (room_id, user_id, role) SELECT id, u, 'member' FROM (${everyone}) AS x(id, u)`);
    await client.query(`INSERT INTO room_bans (room_id, user_id, created_at) SELECT id, u, 1 FROM (${everyone}) AS x(id, u)`);
    await client.query(`INSERT INTO room_mutes (room_id, user_id, until) SELECT id, u, 1 FROM (${everyone}) AS x(id, u)`);
    await client.query(`INSERT INTO user_rooms (user_id, room_id, read_seq) SELECT u, id, 0 FROM (${everyone}) AS x(id, u)`);
    await client.query('ANALYZE');
    const plan = await pgPlan(client, joinStandingQuery('$1', '$2'), ['room7', 'u4']);
    expect(plan).toMatch(/Index Scan using rooms_name_key on rooms r/);
    for (const index of ['room_bans_pkey', 'room_roles_pkey', 'room_mutes_pkey', 'user_rooms_user_id_room_id_key']) {
      expect(plan).toMatch(new RegExp(`Index (Only )?Scan using ${index}`));
    }
    expect(plan).not.toMatch(/Seq Scan|hashed SubPlan/);
    expect(await store.joinStanding('room7', 'u4')).toMatchObject({ banned: true, role: 'member', mutedUntil: 0, readSeq: 0 });
  });

  it('a rejoin of a room in the list reads the store once before history, and messagesAfter only when the client missed some; a first join inserts the list entry unread', async () => {
    const { store } = await open.pg();
    const server = await startServer({}, { store });
    open.later(() => server.close());
    // Every statement the store sends while `counting` (the pool's connections are pg.Clients).
    const sent: string[] = [];
    let counting = false;
    const query = pg.Client.prototype.query;
    open.later(() => void (pg.Client.prototype.query = query));
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      const q = args[0] as string | { text: string };
      if (counting) sent.push(typeof q === 'string' ? q : q.text);
      return (query as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof query;
    const first = await TestClient.connect(server);
    await first.request({ type: 'join', room: 'lobby' });
    await first.request({ type: 'send', room: 'lobby', text: 'hi', id: 'c1' });
    await first.close();
    // A reconnection (a restart storm's), counting from its join to `joined`.
    const rejoin = async (since: number, seq: number, history: object[]): Promise<string[]> => {
      const again = await TestClient.connect(server, { query: { token: first.welcome.token as string } });
      sent.length = 0;
      counting = true;
      const joined = await again.request({ type: 'join', room: 'lobby', since });
      counting = false;
      await again.close();
      expect(joined).toMatchObject({ type: 'joined', seq, readSeq: 1, history }); // an edit is not a send: the marker stays
      return sent.map((text) => text.replace(/\s+/g, ' '));
    };
    const standing = joinStandingQuery('$1', '$2').replace(/\s+/g, ' ');
    expect(await rejoin(1, 1, [])).toEqual([standing]);
    // Then the history read (messagesAfter): one statement while the missed entries are all
    // messages, and nothing else of the room.
    const missed = await rejoin(0, 1, [{ seq: 1 }]);
    expect(missed).toHaveLength(2);
    expect(missed[0]).toBe(standing);
    expect(missed[1]).toMatch(/FROM rooms r LEFT JOIN LATERAL/);
    // A change among them (an edit) is read from the changes as well.
    const author = await TestClient.connect(server, { query: { token: first.welcome.token as string } });
    await author.request({ type: 'join', room: 'lobby' });
    await author.request({ type: 'edit', room: 'lobby', seq: 1, text: 'hi!' });
    await author.close();
    const edited = await rejoin(0, 2, [{ seq: 1 }, { type: 'changed', seq: 2, action: 'edit' }]);
    expect(edited[0]).toBe(standing);
    expect(edited.filter((text) => /FROM changes c/.test(text))).toHaveLength(1);
    expect(edited.filter((text) => /room_bans|room_roles|room_mutes|user_rooms|SELECT last_seq FROM rooms/.test(text))).toEqual([standing]);
    // A newcomer's first join: the standing found no list entry, so the entry is inserted (which
    // returns its marker) without being read first.
    const newcomer = await TestClient.connect(server);
    sent.length = 0;
    counting = true;
    await newcomer.request({ type: 'join', room: 'lobby' });
    counting = false;
    await newcomer.close();
    const firstJoin = sent.map((text) => text.replace(/\s+/g, ' '));
    expect(firstJoin[0]).toBe(standing);
    expect(firstJoin.filter((text) => text !== standing && /user_rooms/.test(text))).toEqual([expect.stringMatching(/^INSERT INTO user_rooms/)]);
  });
});
