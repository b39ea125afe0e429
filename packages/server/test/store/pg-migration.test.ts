// Upgrading a PostgreSQL schema made by an older release: built from the frozen SQL, filled the
// old way, then opened by today's store, which must migrate it to the latest version (once, even
// when several nodes start together) and keep every row working.
import { isMessage } from '@chat/protocol';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/store/pg/pg-schema.js';
import { PgStore } from '../../src/store/pg/pg-store.js';
import { createSchema, servicesAvailable } from '../services.js';
import { expectBacklogIndexed, expectFilesArrive, expectOldLogWorks } from './old-log.js';

const available = await servicesAvailable(['postgres']);

describe.skipIf(!available)('PostgreSQL migrations', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  const guestToken = 'an-old-guest-token-from-the-v1-days-0123456789';

  /** A schema at version 1 holding a lobby with two messages and a guest with its token. */
  async function v1Schema(): Promise<{ url: string; query: (text: string) => Promise<pg.QueryResult> }> {
    const { url, drop } = await createSchema();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    cleanups.push(drop, () => client.end());
    await client.query(readFileSync(new URL('./frozen/pg-v1.sql', import.meta.url), 'utf8'));
    await client.query("INSERT INTO rooms (name, created_at, last_seq) VALUES ('lobby', 1, 2)");
    await client.query("INSERT INTO users (id, nick, kind, created_at) VALUES ('u1', 'old-timer', 'guest', 1)");
    await client.query("INSERT INTO tokens (hash, user_id, kind, created_at, expires_at) VALUES ($1, 'u1', 'guest', 1, $2)", [
      createHash('sha256').update(guestToken).digest(),
      Date.now() + 24 * 3600_000,
    ]);
    await client.query(
      `INSERT INTO messages (room_id, seq, user_id, nick, client_id, text, ts)
       SELECT id, 1, 'u1', 'old-timer', 'c1', 'from the old days', 1000 FROM rooms WHERE name = 'lobby'`,
    );
    await client.query(
      `INSERT INTO messages (room_id, seq, user_id, nick, client_id, text, ts)
       SELECT id, 2, 'u1', 'old-timer', 'c2', 'still here', 2000 FROM rooms WHERE name = 'lobby'`,
    );
    return { url, query: (text) => client.query(text) };
  }

  const open = async (url: string): Promise<PgStore> => {
    const store = await new PgStore({ connectionString: url }).open();
    cleanups.push(() => store.close());
    return store;
  };

  it('upgrades a version 1 schema with its data intact', async () => {
    const { url, query } = await v1Schema();
    const store = await open(url);
    const versions = await query('SELECT version FROM schema_version ORDER BY version');
    expect(versions.rows.map((r: { version: number }) => r.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));

    const page = await store.messagesAfter('lobby', 0, 10);
    expect(page.messages.filter(isMessage).map((m) => [m.seq, m.text, m.from.nick, m.ts])).toEqual([
      [1, 'from the old days', 'old-timer', 1000],
      [2, 'still here', 'old-timer', 2000],
    ]);
    // Old idempotency keys still dedupe, and numbering continues.
    const [dup, next] = await store.appendMessages([
      { room: 'lobby', from: { id: 'u1', nick: 'old-timer' }, clientId: 'c2', text: 'x' },
      { room: 'lobby', from: { id: 'u1', nick: 'old-timer' }, clientId: 'c3', text: 'new' },
    ]);
    expect(dup).toMatchObject({ duplicate: true, message: { seq: 2, text: 'still here' } });
    expect(next?.message.seq).toBe(3);
    // The v1 guest token still restores its user (a v1 token has no public id).
    expect(await store.identityByToken(guestToken)).toEqual({ user: { id: 'u1', nick: 'old-timer' }, account: false, kind: 'guest', tokenId: '' });
    // Old rooms took the v2 defaults, and v2 features work on the old data.
    expect(await store.roomInfo('lobby')).toEqual({ name: 'lobby', kind: 'public', ownerId: null, lastSeq: 3 });
    // Old rooms have no topic (migration 7) and take one.
    expect(await store.setTopic('lobby', 'old room, new topic')).toBe(true);
    expect((await store.roomInfo('lobby'))?.topic).toBe('old room, new topic');
    const account = (await store.createAccount('newcomer', 'h'))!;
    expect(await store.createRoom('club', 'private', account.id)).toBe(true);
    await store.setRole('club', 'u1', 'member');
    expect((await store.listRooms('u1', { limit: 10 })).rooms.map((r) => r.name)).toEqual(['club', 'lobby']);
    await store.ban('lobby', 'u1');
    expect(await store.isBanned('lobby', 'u1')).toBe(true);
    expect(await store.pruneMessagesBefore(1500)).toBe(1);
    // The sweep finds the old guest by its token's expiry (the index of version 3).
    expect(await store.sweepExpiredTokens(Date.now(), 10)).toEqual({ tokens: 0, guests: 0 });
    expect(await store.sweepExpiredTokens(Date.now() + 100 * 24 * 3600_000, 10)).toEqual({ tokens: 1, guests: 1 });
    expect((await query("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND indexname = 'tokens_expires'")).rows).toHaveLength(1);
  });

  it('upgrades a version 2 schema: its accounts keep their password and sessions, and none is an operator-made admin', async () => {
    const { url, drop } = await createSchema();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    cleanups.push(drop, () => client.end());
    await client.query(readFileSync(new URL('./frozen/pg-v2.sql', import.meta.url), 'utf8'));
    // "root" was registered by whoever came first, as anyone could before the operator had to make admins.
    await client.query("INSERT INTO users (id, nick, kind, created_at, username, password_hash) VALUES ('u-root', 'root', 'account', 1, 'root', 'scrypt$old')");
    const session = 'an-old-session-token-of-root-0123456789';
    await client.query("INSERT INTO tokens (hash, user_id, kind, created_at, expires_at, id) VALUES ($1, 'u-root', 'session', 1, $2, 't-root')", [
      createHash('sha256').update(session).digest(),
      Date.now() + 24 * 3600_000,
    ]);
    const store = await open(url);
    const versions = await client.query<{ version: number }>('SELECT version FROM schema_version ORDER BY version');
    expect(versions.rows.map((r) => r.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    expect(await store.accountByUsername('root')).toEqual({ user: { id: 'u-root', nick: 'root', account: true }, passwordHash: 'scrypt$old', operatorAdmin: false });
    expect(await store.identityByToken(session)).toMatchObject({ user: { id: 'u-root' }, kind: 'session' });
    expect(await store.resetAccount('u-root', { passwordHash: 'scrypt$new', operatorAdmin: true })).toBe(1);
    expect((await store.accountByUsername('root'))?.operatorAdmin).toBe(true);
  });

  it('gives accounts made before version 3 (or by a node of the previous release) their skeleton', async () => {
    const { url, drop } = await createSchema();
    cleanups.push(drop);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    cleanups.push(() => client.end());
    await client.query(readFileSync(new URL('./frozen/pg-v2.sql', import.meta.url), 'utf8'));
    await client.query("INSERT INTO users (id, nick, username, password_hash, kind, created_at) VALUES ('a1', 'alice', 'alice', 'h', 'account', 1)");
    await client.query("INSERT INTO users (id, nick, kind, created_at) VALUES ('g1', 'mary', 'guest', 1)");
    const store = await open(url);
    expect((await store.lookalikeAccount('\u0430lice'))?.id).toBe('a1');
    expect(await store.lookalikeAccount('rnary')).toBeNull();
    // An account inserted the previous release's way while this node runs: found by its exact
    // name at once, by lookalikes once a node opens the store again.
    await client.query("INSERT INTO users (id, nick, username, password_hash, kind, created_at) VALUES ('a2', 'bob', 'bob', 'h', 'account', 2)");
    expect((await store.lookalikeAccount('BOB'))?.id).toBe('a2');
    expect(await store.lookalikeAccount('b0b')).toBeNull();
    const restarted = await open(url);
    expect((await restarted.lookalikeAccount('b0b'))?.id).toBe('a2');
    const { rows } = await client.query('SELECT id, skeleton FROM users ORDER BY id');
    expect(rows).toEqual([
      { id: 'a1', skeleton: 'alice' },
      { id: 'a2', skeleton: 'bob' },
      { id: 'g1', skeleton: null },
    ]);
  });

  it('upgrades a version 5 schema: it gains the users\' room lists, which work with its rooms, roles and messages', async () => {
    const { url, drop } = await createSchema();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    cleanups.push(drop, () => client.end());
    await client.query(readFileSync(new URL('./frozen/pg-v5.sql', import.meta.url), 'utf8'));
    expect((await client.query("SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'user_rooms'")).rows).toEqual([]);
    await client.query("INSERT INTO users (id, nick, username, password_hash, kind, created_at) VALUES ('a', 'ann', 'ann', 'h', 'account', 1), ('b', 'ben', 'ben', 'h', 'account', 1)");
    await client.query("INSERT INTO rooms (name, kind, created_at, last_seq) VALUES ('dm-ab', 'dm', 1, 2)");
    await client.query("INSERT INTO room_roles (room_id, user_id, role) SELECT id, u, 'member' FROM rooms, unnest(ARRAY['a', 'b']) AS u WHERE name = 'dm-ab'");
    await client.query(
      `INSERT INTO messages (room_id, seq, user_id, nick, client_id, text, ts)
       SELECT id, s, 'b', 'ben', 'c' || s, 'hi', 1 FROM rooms, generate_series(1, 2) AS s WHERE name = 'dm-ab'`,
    );
    const store = await open(url);
    const versions = await client.query<{ version: number }>('SELECT version FROM schema_version ORDER BY version');
    expect(versions.rows.map((r) => r.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    expect(await store.userRooms('a')).toEqual([]);
    expect(await store.addUserRoom('a', 'dm-ab')).toBe(2);
    await store.appendMessages([{ room: 'dm-ab', from: { id: 'b', nick: 'ben' }, clientId: 'c3', text: 'again' }]);
    expect(await store.userRooms('a')).toEqual([
      { name: 'dm-ab', kind: 'dm', lastSeq: 3, readSeq: 2, unread: 1, mentions: 0, notify: 'all', peer: { id: 'b', nick: 'ben', account: true } },
    ]);
  });

  it('upgrades a version 7 schema: its messages keep their seqs and take edits, reactions and replies (the room log)', async () => {
    const { url, drop } = await createSchema();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    cleanups.push(drop, () => client.end());
    await client.query(readFileSync(new URL('./frozen/pg-v7.sql', import.meta.url), 'utf8'));
    expect((await client.query("SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'changes'")).rows).toEqual([]);
    await client.query("INSERT INTO rooms (name, created_at, last_seq) VALUES ('lobby', 1, 7)");
    await client.query(
      `INSERT INTO messages (room_id, seq, user_id, nick, client_id, text, ts)
       SELECT id, s, 'u1', 'old-timer', 'c' || s, CASE s WHEN 5 THEN 'pruned before me' ELSE 'the old text' END, 1000
       FROM rooms, unnest(ARRAY[5, 7]) AS s WHERE name = 'lobby'`,
    );
    const store = await open(url);
    const versions = await client.query<{ version: number }>('SELECT version FROM schema_version ORDER BY version');
    expect(versions.rows.map((r) => r.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    await expectOldLogWorks(store);
  });

  it('upgrades a version 8 schema: its messages keep their reactions, and files can be sent', async () => {
    const { url, drop } = await createSchema();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    cleanups.push(drop, () => client.end());
    await client.query(readFileSync(new URL('./frozen/pg-v8.sql', import.meta.url), 'utf8'));
    expect((await client.query("SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'files'")).rows).toEqual([]);
    await client.query("INSERT INTO rooms (name, created_at, last_seq) VALUES ('lobby', 1, 7)");
    await client.query(
      `INSERT INTO messages (room_id, seq, user_id, nick, client_id, text, ts)
       SELECT id, s, 'u1', 'old-timer', 'c' || s, CASE s WHEN 5 THEN 'pruned before me' ELSE 'the old text' END, 1000
       FROM rooms, unnest(ARRAY[5, 7]) AS s WHERE name = 'lobby'`,
    );
    await client.query(`UPDATE messages SET reactions = '[{"emoji":"👍","count":1,"users":["u2"]}]' WHERE seq = 7`);
    await client.query("INSERT INTO reactions (room_id, seq, emoji, user_id) SELECT id, 7, '👍', 'u2' FROM rooms WHERE name = 'lobby'");
    const store = await open(url);
    const versions = await client.query<{ version: number }>('SELECT version FROM schema_version ORDER BY version');
    expect(versions.rows.map((r) => r.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    await expectFilesArrive(store);
    await expectBacklogIndexed(store);
  });

  it('migrates a version 1 schema once when several nodes start together', async () => {
    const { url, query } = await v1Schema();
    const stores = await Promise.all([1, 2, 3].map(() => open(url)));
    const versions = await query('SELECT version FROM schema_version ORDER BY version');
    expect(versions.rows.map((r: { version: number }) => r.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    for (const store of stores) expect(await store.lastSeq('lobby')).toBe(2);
  });

  it('opening a current schema again changes nothing', async () => {
    const { url, drop } = await createSchema();
    cleanups.push(drop);
    const first = await new PgStore({ connectionString: url }).open();
    await first.appendMessages([{ room: 'lobby', from: { id: 'u', nick: 'u' }, clientId: '1', text: 'hi' }]);
    await first.close();
    const again = await open(url);
    expect(await again.lastSeq('lobby')).toBe(1);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_version ORDER BY version');
      expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    } finally {
      await client.end();
    }
  });
});
