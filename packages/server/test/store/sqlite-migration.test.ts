// Upgrading a database made by an older release: built from the frozen schema, opened by today's
// store, which must migrate it to the latest version and keep every row working.
import { isMessage } from '@chat/protocol';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/store/sqlite/sqlite-schema.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { tempDir } from '../helpers.js';
import { expectBacklogIndexed, expectFilesArrive, expectOldLogWorks } from './old-log.js';

describe('SQLite migrations', () => {
  it.each([1, 2, 3, 6, 8])('upgrades a version %i database with its data intact', async (version) => {
    const dir = tempDir();
    const old = new Database(join(dir, 'chat.db'));
    old.exec(readFileSync(new URL(`./frozen/sqlite-v${version}.sql`, import.meta.url), 'utf8'));
    old.prepare("INSERT INTO rooms (name, created_at, last_seq) VALUES ('lobby', 1, 2)").run();
    old.prepare("INSERT INTO users (id, nick, kind, created_at) VALUES ('u1', 'old-timer', 'guest', 1)").run();
    const insert = old.prepare("INSERT INTO messages (room_id, seq, user_id, nick, client_id, text, ts) VALUES (1, ?, 'u1', 'old-timer', ?, ?, ?)");
    insert.run(1, 'c1', 'from the old days', 1000);
    insert.run(2, 'c2', 'still here', 2000);
    old.close();

    const store = await new SqliteStore({ dir }).open();
    expect(store.schemaVersion()).toBe(MIGRATIONS.length);
    const page = await store.messagesAfter('lobby', 0, 10);
    expect(page.messages.filter(isMessage).map((m) => [m.seq, m.text, m.from.nick])).toEqual([
      [1, 'from the old days', 'old-timer'],
      [2, 'still here', 'old-timer'],
    ]);
    // Old idempotency keys still dedupe, numbering continues, and the new index serves retention.
    const [dup, next] = await store.appendMessages([
      { room: 'lobby', from: { id: 'u1', nick: 'old-timer' }, clientId: 'c2', text: 'x' },
      { room: 'lobby', from: { id: 'u1', nick: 'old-timer' }, clientId: 'c3', text: 'new' },
    ]);
    expect(dup?.duplicate).toBe(true);
    expect(next?.message.seq).toBe(3);
    expect(await store.pruneMessagesBefore(1500)).toBe(1);
    // Old rooms have no topic (migration 8) and take one.
    expect(await store.roomInfo('lobby')).not.toHaveProperty('topic');
    expect(await store.setTopic('lobby', 'old room, new topic')).toBe(true);
    expect((await store.roomInfo('lobby'))?.topic).toBe('old room, new topic');
    await store.close();
    const db = new Database(join(dir, 'chat.db'), { readonly: true });
    expect(db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'messages_ts'").get()).toBeDefined();
    expect(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'room_roles'").get()).toBeDefined();
    expect(db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'tokens_expires'").get()).toBeDefined();
    expect(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'user_rooms'").get()).toBeDefined();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('upgrades a version 6 database: it gains the users\' room lists, which work with its rooms, roles and messages', async () => {
    const dir = tempDir();
    const old = new Database(join(dir, 'chat.db'));
    old.exec(readFileSync(new URL('./frozen/sqlite-v6.sql', import.meta.url), 'utf8'));
    expect(old.prepare("SELECT name FROM sqlite_master WHERE name = 'user_rooms'").get()).toBeUndefined();
    old.prepare("INSERT INTO rooms (id, name, created_at) VALUES (1, 'lobby', 1)").run();
    old.prepare("INSERT INTO rooms (id, name, kind, created_at, last_seq) VALUES (2, 'dm-ab', 'dm', 1, 2)").run();
    const account = old.prepare("INSERT INTO users (id, nick, username, password_hash, kind, created_at) VALUES (?, ?, ?, 'h', 'account', 1)");
    account.run('a', 'ann', 'ann');
    account.run('b', 'ben', 'ben');
    old.prepare("INSERT INTO room_roles (room_id, user_id, role) VALUES (2, 'a', 'member'), (2, 'b', 'member')").run();
    const insert = old.prepare("INSERT INTO messages (room_id, seq, user_id, nick, client_id, text, ts) VALUES (2, ?, 'b', 'ben', ?, 'hi', 1)");
    insert.run(1, 'c1');
    insert.run(2, 'c2');
    old.close();

    const store = await new SqliteStore({ dir }).open();
    expect(store.schemaVersion()).toBe(MIGRATIONS.length);
    expect(await store.userRooms('a')).toEqual([]);
    expect(await store.addUserRoom('a', 'dm-ab')).toBe(2);
    await store.appendMessages([{ room: 'dm-ab', from: { id: 'b', nick: 'ben' }, clientId: 'c3', text: 'again' }]);
    expect(await store.userRooms('a')).toEqual([
      { name: 'dm-ab', kind: 'dm', lastSeq: 3, readSeq: 2, unread: 1, mentions: 0, notify: 'all', peer: { id: 'b', nick: 'ben', account: true } },
    ]);
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('upgrades a version 8 database: its messages keep their seqs and take edits, reactions and replies (the room log)', async () => {
    const dir = tempDir();
    const old = new Database(join(dir, 'chat.db'));
    old.exec(readFileSync(new URL('./frozen/sqlite-v8.sql', import.meta.url), 'utf8'));
    expect(old.prepare("SELECT name FROM sqlite_master WHERE name = 'changes'").get()).toBeUndefined();
    old.prepare("INSERT INTO rooms (id, name, created_at, last_seq) VALUES (1, 'lobby', 1, 7)").run();
    const insert = old.prepare("INSERT INTO messages (room_id, seq, user_id, nick, client_id, text, ts) VALUES (1, ?, 'u1', 'old-timer', ?, ?, 1000)");
    insert.run(5, 'c5', 'pruned before me');
    insert.run(7, 'c7', 'the old text');
    old.close();

    const store = await new SqliteStore({ dir }).open();
    expect(store.schemaVersion()).toBe(MIGRATIONS.length);
    await expectOldLogWorks(store);
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('upgrades a version 9 database: its messages keep their reactions, and files can be sent', async () => {
    const dir = tempDir();
    const old = new Database(join(dir, 'chat.db'));
    old.exec(readFileSync(new URL('./frozen/sqlite-v9.sql', import.meta.url), 'utf8'));
    expect(old.prepare("SELECT name FROM sqlite_master WHERE name = 'files'").get()).toBeUndefined();
    old.prepare("INSERT INTO rooms (id, name, created_at, last_seq) VALUES (1, 'lobby', 1, 7)").run();
    const insert = old.prepare("INSERT INTO messages (room_id, seq, user_id, nick, client_id, text, ts, reactions) VALUES (1, ?, 'u1', 'old-timer', ?, ?, 1000, ?)");
    insert.run(5, 'c5', 'pruned before me', null);
    insert.run(7, 'c7', 'the old text', JSON.stringify([{ emoji: '👍', count: 1, users: ['u2'] }]));
    old.prepare("INSERT INTO reactions (room_id, seq, emoji, user_id) VALUES (1, 7, '👍', 'u2')").run();
    old.close();

    const store = await new SqliteStore({ dir }).open();
    expect(store.schemaVersion()).toBe(MIGRATIONS.length);
    await expectFilesArrive(store);
    await expectBacklogIndexed(store);
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('upgrades a version 3 database: its accounts keep their password and sessions, and none is an operator-made admin', async () => {
    const dir = tempDir();
    const old = new Database(join(dir, 'chat.db'));
    old.exec(readFileSync(new URL('./frozen/sqlite-v3.sql', import.meta.url), 'utf8'));
    old.prepare("INSERT INTO rooms (name, created_at) VALUES ('lobby', 1)").run();
    // "root" was registered by whoever came first, as anyone could before the operator had to make admins.
    old.prepare("INSERT INTO users (id, nick, kind, created_at, username, password_hash) VALUES ('u-root', 'root', 'account', 1, 'root', 'scrypt$old')").run();
    old
      .prepare("INSERT INTO tokens (hash, user_id, kind, created_at, expires_at, id) VALUES (?, 'u-root', 'session', 1, ?, 't-root')")
      .run(createHash('sha256').update('an-old-session-token-of-root-0123456789').digest(), Date.now() + 24 * 3600_000);
    old.close();

    const store = await new SqliteStore({ dir }).open();
    expect(store.schemaVersion()).toBe(MIGRATIONS.length);
    expect(await store.accountByUsername('root')).toEqual({ user: { id: 'u-root', nick: 'root', account: true }, passwordHash: 'scrypt$old', operatorAdmin: false });
    expect(await store.identityByToken('an-old-session-token-of-root-0123456789')).toMatchObject({ user: { id: 'u-root' }, kind: 'session' });
    expect(await store.resetAccount('u-root', { passwordHash: 'scrypt$new', operatorAdmin: true })).toBe(1);
    expect((await store.accountByUsername('root'))?.operatorAdmin).toBe(true);
    await store.close();
  });

  it('gives accounts made before version 4 their skeleton, so lookalike nicks find them', async () => {
    const dir = tempDir();
    const old = new Database(join(dir, 'chat.db'));
    old.exec(readFileSync(new URL('./frozen/sqlite-v3.sql', import.meta.url), 'utf8'));
    old.prepare("INSERT INTO users (id, nick, username, password_hash, kind, created_at) VALUES ('a1', 'alice', 'alice', 'h', 'account', 1)").run();
    old.prepare("INSERT INTO users (id, nick, kind, created_at) VALUES ('g1', 'mary', 'guest', 1)").run();
    old.close();

    const store = await new SqliteStore({ dir }).open();
    expect((await store.lookalikeAccount('\u0430lice'))?.id).toBe('a1');
    expect((await store.lookalikeAccount('a1ice'))?.id).toBe('a1');
    expect(await store.lookalikeAccount('rnary')).toBeNull(); // a guest's nick reserves nothing
    await store.close();
    const db = new Database(join(dir, 'chat.db'), { readonly: true });
    expect(db.prepare("SELECT id, skeleton FROM users ORDER BY id").all()).toEqual([
      { id: 'a1', skeleton: 'alice' },
      { id: 'g1', skeleton: null },
    ]);
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('opening a current database again changes nothing', async () => {
    const dir = tempDir();
    const first = await new SqliteStore({ dir }).open();
    await first.appendMessages([{ room: 'lobby', from: { id: 'u', nick: 'u' }, clientId: '1', text: 'hi' }]);
    await first.close();
    const again = await new SqliteStore({ dir }).open();
    expect(again.schemaVersion()).toBe(MIGRATIONS.length);
    expect(await again.lastSeq('lobby')).toBe(1);
    await again.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
