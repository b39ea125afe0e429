// The room log on PostgreSQL, beyond the conformance suite: what only a shared database has to get
// right with changes (several nodes changing one message at once, forward reads racing appends),
// and the rows retention and deleteRoom must leave behind, read straight from the schema.
import { isMessage } from '@chat/protocol';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { PgStore } from '../../src/store/pg/pg-store.js';
import type { NewEntry, Store } from '../../src/store/store.js';
import { createSchema, servicesAvailable } from '../services.js';

const available = await servicesAvailable(['postgres']);

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const user = (n: number | string) => ({ id: `u-${n}`, nick: `n${n}` });

describe.skipIf(!available)('the room log on PostgreSQL', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  const setUp = async (nodes = 1): Promise<{ stores: Store[]; url: string; count: (table: string) => Promise<number> }> => {
    const { url, drop } = await createSchema();
    cleanups.push(drop);
    const stores = await Promise.all(range(1, nodes).map(() => new PgStore({ connectionString: url, poolMax: 4 }).open()));
    cleanups.push(async () => void (await Promise.all(stores.map((s) => s.close()))));
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    cleanups.push(() => client.end());
    const count = async (table: string) => Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]?.n);
    return { stores, url, count };
  };

  it('three nodes reacting to one message at once: seqs gap-free, every reaction counted once, no deadlock', async () => {
    const { stores } = await setUp(3);
    await stores[0]!.appendMessages([{ room: 'busy', from: user('a'), clientId: 'm', text: 'react to me' }]);
    const USERS = 60;
    // Each node sends every user's reaction, in batches of 5 with a message each, in its own order.
    const results = await Promise.all(
      stores.map(async (store, n) => {
        const order = n === 1 ? range(1, USERS).reverse() : range(1, USERS);
        const batches = range(0, USERS / 5 - 1).map((b) =>
          store.appendEntries([
            ...order.slice(b * 5, b * 5 + 5).map((u): NewEntry => ({ action: 'react', room: 'busy', seq: 1, by: user(u), emoji: '👍', on: true })),
            { room: 'busy', from: user(`node${n}`), clientId: `${b}`, text: `node ${n} batch ${b}` },
          ]),
        );
        return (await Promise.all(batches)).flat();
      }),
    );
    const all = results.flat();
    expect(all.filter((r) => 'change' in r)).toHaveLength(USERS);
    expect(all.filter((r) => 'unchanged' in r)).toHaveLength(USERS * 2);
    const last = 1 + USERS + 3 * (USERS / 5);
    expect(await stores[2]!.lastSeq('busy')).toBe(last);
    const page = await stores[1]!.messagesAfter('busy', 0, 1000);
    expect(page.messages.map((e) => e.seq)).toEqual(range(1, last));
    const target = page.messages.find((e) => isMessage(e) && e.seq === 1);
    expect(target && isMessage(target) ? target.reactions?.[0]?.count : null).toBe(USERS);
  });

  it('a forward read racing appends of messages and changes never skips an entry', async () => {
    const { stores } = await setUp(2);
    const [writer, reader] = stores as [Store, Store];
    const BATCHES = 40;
    let writing = true;
    const writes = (async () => {
      for (const b of range(1, BATCHES)) {
        const [m] = await writer.appendEntries([{ room: 'r', from: user('w'), clientId: `${b}`, text: `m${b}` }]);
        const seq = m && 'message' in m ? m.message.seq : 0;
        await writer.appendEntries([
          { room: 'r', from: user('w'), clientId: `${b}b`, text: `m${b}b` },
          { action: 'edit', room: 'r', seq, by: user('w'), text: `m${b} edited` },
        ]);
      }
      writing = false;
    })();
    let after = 0;
    while (writing || after < BATCHES * 3) {
      const page = await reader.messagesAfter('r', after, 1000);
      // Each page continues exactly where the last one ended: no entry is left behind.
      expect(page.messages.map((e) => e.seq)).toEqual(range(after + 1, after + page.messages.length));
      after += page.messages.length;
    }
    await writes;
    expect(after).toBe(BATCHES * 3);
  });

  it('retention and deleteRoom leave no changes, reactions or mentions of what they deleted', async () => {
    const { stores, count } = await setUp();
    const store = stores[0]!;
    const ann = (await store.createAccount('ann', 'h'))!;
    for (const room of ['old', 'gone']) {
      await store.ensureRoom(room);
      await store.addUserRoom(ann.id, room);
      await store.appendEntries([
        { room, from: user('b'), clientId: '1', text: '@ann', mentionNames: ['ann'] },
        { action: 'react', room, seq: 1, by: ann, emoji: '👍', on: true },
        { action: 'edit', room, seq: 1, by: user('b'), text: '@ann hi', mentionNames: ['ann'] },
      ]);
    }
    expect([await count('changes'), await count('reactions'), await count('mentions')]).toEqual([4, 2, 2]);
    expect(await store.deleteRoom('gone')).toBe(true);
    expect([await count('changes'), await count('reactions'), await count('mentions')]).toEqual([2, 1, 1]);
    const cutoff = Date.now() + 1;
    await new Promise((r) => setTimeout(r, 5));
    await store.appendEntries([{ action: 'react', room: 'old', seq: 1, by: user('c'), emoji: '🎉', on: true }]);
    expect(await store.pruneMessagesBefore(cutoff)).toBe(1);
    // The reaction made after the cutoff goes with its message; its change row stays (ts is newer) but is never served.
    expect([await count('messages'), await count('changes'), await count('reactions'), await count('mentions')]).toEqual([0, 1, 0, 0]);
    expect(await store.messagesAfter('old', 0, 10)).toEqual({ messages: [], hasMore: false });
  });

  it('retention skips a message a change holds locked (waiting could deadlock) and takes it next time', async () => {
    const { stores, url } = await setUp();
    const store = stores[0]!;
    await store.appendMessages([1, 2, 3].map((i) => ({ room: 'r', from: user('a'), clientId: `${i}`, text: `m${i}` })));
    const cutoff = Date.now() + 1;
    await new Promise((r) => setTimeout(r, 5));
    // A change under way holds message 2's row, as pg-changes.ts does.
    const change = new pg.Client({ connectionString: url });
    await change.connect();
    cleanups.push(() => change.end());
    await change.query('BEGIN');
    await change.query("SELECT 1 FROM messages WHERE seq = 2 AND room_id = (SELECT id FROM rooms WHERE name = 'r') FOR UPDATE");
    expect(await store.pruneMessagesBefore(cutoff)).toBe(2);
    await change.query('COMMIT');
    expect(await store.pruneMessagesBefore(cutoff)).toBe(1);
  });

  it('stores what PostgreSQL text cannot hold in an edit, a nick or an emoji as U+FFFD', async () => {
    const { stores } = await setUp();
    const store = stores[0]!;
    await store.appendMessages([{ room: 'odd', from: user('a'), clientId: '1', text: 'fine' }]);
    const [edited, reacted] = await store.appendEntries([
      { action: 'edit', room: 'odd', seq: 1, by: user('a'), text: 'a\u0000b' },
      { action: 'react', room: 'odd', seq: 1, by: { id: 'u-b', nick: 'b\ud800' }, emoji: '\udc00', on: true },
    ]);
    expect(edited && 'change' in edited && edited.change.message.text).toBe('a\ufffdb');
    expect(reacted && 'change' in reacted && [reacted.change.by.nick, reacted.change.message.reactions]).toEqual([
      'b\ufffd',
      [{ emoji: '\ufffd', count: 1, users: ['u-b'] }],
    ]);
    // The same edit again is unchanged: what was stored is what it is compared with.
    expect(await store.appendEntries([{ action: 'edit', room: 'odd', seq: 1, by: user('a'), text: 'a\u0000b' }])).toEqual([{ unchanged: true }]);
  });
});
