// The myrooms backlog on SQLite, written in bulk on the server's own schema (after its migrations,
// with the server stopped): INSERT … SELECT over a recursive CTE, a million rows per transaction,
// the rooms interleaved as a live server stores them (row i is room i mod R), each row what
// sqlite-messages.ts writes for a plain message (room_id, seq, user_id, nick, client_id, text, ts;
// the rest NULL or 0) and each room's last_seq moved on. Through appendMessages this would take
// about an hour for 10M messages. Not written: the FTS5 index entries (message_search), which
// api/me/rooms never reads; the search backlog marker stays below them, so the server does not
// index them while it is measured. Opened with the built server's better-sqlite3, as
// search/store-size.ts does.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { BACKLOG_TEXT_SQL, senderOf, SENDERS, type MyRoomsSetup } from './my-rooms-setup.js';

interface Statement {
  run(...params: unknown[]): { changes: number };
  get(...params: unknown[]): unknown;
}
interface SqliteDb {
  pragma(sql: string): unknown;
  exec(sql: string): void;
  prepare(sql: string): Statement;
  transaction<T extends (...a: never[]) => unknown>(fn: T): T;
  close(): void;
}

function open(chatMain: string, dataDir: string): SqliteDb {
  const require = createRequire(join(dirname(chatMain), '..', 'package.json'));
  const Database = require('better-sqlite3') as new (file: string) => SqliteDb;
  const db = new Database(join(dataDir, 'chat.db'));
  db.pragma('busy_timeout = 10000');
  return db;
}

const CHUNK = 1_000_000;

/** Adds `perRoom` messages to each room after its first `from`; resolves with the seconds it took. */
export function sqliteBacklog(chatMain: string, dataDir: string, s: MyRoomsSetup, o: { from: number; perRoom: number; mentionEvery: number }, progress: (line: string) => void): number {
  const db = open(chatMain, dataDir);
  const started = process.hrtime.bigint();
  try {
    // better-sqlite3 binds a JS number as a REAL: every number the rows are made of is CAST, so
    // that seq, ts and the integer divisions are the INTEGERs the store writes.
    // Bulk loading into a stopped server's file: no WAL copy of every page, no fsync per chunk.
    // The file goes back to WAL (the server's mode) before the server starts on it.
    db.pragma('journal_mode = DELETE');
    db.pragma('synchronous = OFF');
    db.pragma('cache_size = -524288');
    db.exec('CREATE TEMP TABLE bench_rooms (k INTEGER PRIMARY KEY, id INTEGER NOT NULL, name TEXT NOT NULL)');
    db.exec('CREATE TEMP TABLE bench_senders (k INTEGER PRIMARY KEY, id TEXT NOT NULL, nick TEXT NOT NULL)');
    const addRoom = db.prepare('INSERT INTO bench_rooms SELECT ?, id, name FROM rooms WHERE name = ?');
    s.rooms.forEach((name, k) => addRoom.run(k, name));
    const addSender = db.prepare('INSERT INTO bench_senders VALUES (?, ?, ?)');
    s.senders.forEach((x, k) => addSender.run(k, x.id, x.nick));
    const R = s.rooms.length;
    const seq = `(${o.from} + n.i / ${R} + 1)`;
    // senderOf(k, seq) in SQL: the same spread as the first messages.
    const insert = db.prepare(
      `WITH RECURSIVE n(i) AS (SELECT CAST(? AS INTEGER) UNION ALL SELECT i + 1 FROM n WHERE i < ?)
       INSERT INTO messages (room_id, seq, user_id, nick, client_id, text, ts)
       SELECT r.id, ${seq}, x.id, x.nick, 'b' || ${seq}, ${BACKLOG_TEXT_SQL(seq, 'r.name', String(o.mentionEvery))}, CAST(? AS INTEGER) + n.i
       FROM n JOIN bench_rooms r ON r.k = n.i % ${R} JOIN bench_senders x ON x.k = (${seq} * 7 + n.i % ${R}) % ${SENDERS}`,
    );
    if (senderOf(3, 5) !== (5 * 7 + 3) % SENDERS) throw new Error('senderOf and its SQL differ');
    const total = R * o.perRoom;
    const ts0 = Date.now() - total;
    const chunk = db.transaction((lo: number, hi: number) => insert.run(lo, hi, ts0));
    for (let lo = 0; lo < total; lo += CHUNK) {
      chunk(lo, Math.min(lo + CHUNK, total) - 1);
      progress(`${Math.min(lo + CHUNK, total).toLocaleString('en')} of ${total.toLocaleString('en')} messages written`);
    }
    db.prepare('UPDATE rooms SET last_seq = ? WHERE id IN (SELECT id FROM bench_rooms)').run(o.from + o.perRoom);
    db.pragma('journal_mode = WAL');
    return Number(process.hrtime.bigint() - started) / 1e9;
  } finally {
    db.close();
  }
}

/**
 * While the server runs: the reader's mention rows for every backlog message naming it (seq after
 * `from`, a multiple of mentionEvery), and those messages' `mentions`. Resolves with the rows added.
 */
export function sqliteMentions(chatMain: string, dataDir: string, s: MyRoomsSetup, o: { from: number; last: number; mentionEvery: number }): number {
  const db = open(chatMain, dataDir);
  const first = (Math.floor(o.from / o.mentionEvery) + 1) * o.mentionEvery;
  try {
    return db.transaction(() => {
      const added = db
        .prepare(
          `WITH RECURSIVE k(seq) AS (SELECT CAST(? AS INTEGER) WHERE ? <= ? UNION ALL SELECT seq + ? FROM k WHERE seq + ? <= ?)
           INSERT INTO mentions (user_id, room_id, seq)
           SELECT ?, r.id, k.seq FROM k, rooms r WHERE r.name IN (SELECT value FROM json_each(?))`,
        )
        .run(first, first, o.last, o.mentionEvery, o.mentionEvery, o.last, s.readerId, JSON.stringify(s.rooms)).changes;
      db.prepare('UPDATE messages SET mentions = ? WHERE (room_id, seq) IN (SELECT room_id, seq FROM mentions WHERE user_id = ?)').run(JSON.stringify([s.readerId]), s.readerId);
      return added;
    })();
  } finally {
    db.close();
  }
}

/** While the server runs: the reader's marker in every room to the room's last seq. */
export function sqliteCatchUp(chatMain: string, dataDir: string, s: MyRoomsSetup): void {
  const db = open(chatMain, dataDir);
  try {
    db.prepare('UPDATE user_rooms SET read_seq = (SELECT last_seq FROM rooms WHERE rooms.id = user_rooms.room_id) WHERE user_id = ?').run(s.readerId);
  } finally {
    db.close();
  }
}

/** The database file's size, MiB. */
export function sqliteMiB(chatMain: string, dataDir: string): number {
  const db = open(chatMain, dataDir);
  try {
    const row = db.prepare('SELECT page_count * page_size AS bytes FROM pragma_page_count(), pragma_page_size()').get() as { bytes: number };
    return Math.round((row.bytes / 1024 / 1024) * 10) / 10;
  } finally {
    db.close();
  }
}
