// The myrooms backlog on PostgreSQL, written in bulk on the server's own schema (after its
// migrations, with the server stopped): INSERT … SELECT over generate_series, a million rows per
// statement, the rooms interleaved as a live server stores them (row i is room i mod R), each row
// what pg-messages.ts writes for a plain message (room_id, seq, user_id, nick, client_id, text, ts;
// the rest NULL or false) and each room's last_seq moved on; then VACUUM ANALYZE, as autovacuum
// would soon do. Not written: the `search` tsvector (NULL, as for history not yet indexed), which
// api/me/rooms never reads; the search backlog marker stays below these ids, so the server does
// not index them while it is measured.
import pg from 'pg';
import { withPg } from '../services.js';
import { BACKLOG_TEXT_SQL, SENDERS, type MyRoomsSetup } from './my-rooms-setup.js';

/** A client for the writes and reads below: these connect without a time limit, as they always have. */
const withClient = <T>(url: string, use: (c: pg.Client) => Promise<T>): Promise<T> => withPg(url, use, 0);

const CHUNK = 1_000_000;

export interface PgFill {
  fillSeconds: number;
  /** VACUUM ANALYZE messages afterwards. */
  settleSeconds: number;
}

export async function pgBacklog(url: string, s: MyRoomsSetup, o: { from: number; perRoom: number; mentionEvery: number }, progress: (line: string) => void): Promise<PgFill> {
  return withClient(url, async (c) => {
    const started = process.hrtime.bigint();
    // Not waiting for each chunk's WAL flush: a bulk load, not the server's durability.
    await c.query('SET synchronous_commit = off');
    const { rows } = await c.query<{ id: string; name: string }>('SELECT id, name FROM rooms WHERE name = ANY($1::text[])', [s.rooms]);
    const idOf = new Map(rows.map((r) => [r.name, r.id]));
    const roomIds = s.rooms.map((name) => idOf.get(name));
    if (roomIds.some((id) => id === undefined)) throw new Error('a room of the setup is missing');
    const R = s.rooms.length;
    const seq = `(${o.from} + i / ${R} + 1)`;
    const sender = `((${seq} * 7 + i % ${R}) % ${SENDERS} + 1)`;
    const sql = `INSERT INTO messages (room_id, seq, user_id, nick, client_id, text, ts)
      SELECT ($1::bigint[])[i % ${R} + 1], ${seq}, ($2::text[])[${sender}], ($3::text[])[${sender}], 'b' || ${seq},
             ${BACKLOG_TEXT_SQL(seq, `($4::text[])[i % ${R} + 1]`, String(o.mentionEvery))}, $5::bigint + i
      FROM generate_series($6::bigint, $7::bigint) AS i`;
    const total = R * o.perRoom;
    const ts0 = Date.now() - total;
    for (let lo = 0; lo < total; lo += CHUNK) {
      const hi = Math.min(lo + CHUNK, total) - 1;
      await c.query(sql, [roomIds, s.senders.map((x) => x.id), s.senders.map((x) => x.nick), s.rooms, ts0, lo, hi]);
      progress(`${(hi + 1).toLocaleString('en')} of ${total.toLocaleString('en')} messages written`);
    }
    await c.query('UPDATE rooms SET last_seq = $1 WHERE id = ANY($2::bigint[])', [o.from + o.perRoom, roomIds]);
    const filled = process.hrtime.bigint();
    await c.query('VACUUM ANALYZE messages');
    return { fillSeconds: Number(filled - started) / 1e9, settleSeconds: Number(process.hrtime.bigint() - filled) / 1e9 };
  });
}

/** While the server runs: the reader's mention rows for the backlog messages naming it, and their `mentions`. */
export async function pgMentions(url: string, s: MyRoomsSetup, o: { from: number; last: number; mentionEvery: number }): Promise<number> {
  const first = (Math.floor(o.from / o.mentionEvery) + 1) * o.mentionEvery;
  return withClient(url, async (c) => {
    await c.query('BEGIN');
    const added = await c.query(
      `INSERT INTO mentions (user_id, room_id, seq)
       SELECT $1, r.id, k FROM rooms r, generate_series($3::bigint, $4::bigint, $5::bigint) AS k WHERE r.name = ANY($2::text[])`,
      [s.readerId, s.rooms, first, o.last, o.mentionEvery],
    );
    await c.query(
      'UPDATE messages m SET mentions = $1 FROM mentions x WHERE x.user_id = $2 AND m.room_id = x.room_id AND m.seq = x.seq',
      [JSON.stringify([s.readerId]), s.readerId],
    );
    await c.query('COMMIT');
    // The planner's view of both tables stays current, as autovacuum's would (a VACUUM of the
    // whole messages table for these rows would take as long as after the fill).
    await c.query('ANALYZE messages');
    await c.query('VACUUM ANALYZE mentions');
    return added.rowCount ?? 0;
  });
}

/** While the server runs: the reader's marker in every room to the room's last seq. */
export async function pgCatchUp(url: string, s: MyRoomsSetup): Promise<void> {
  await withClient(url, (c) =>
    c.query('UPDATE user_rooms ur SET read_seq = r.last_seq FROM rooms r WHERE r.id = ur.room_id AND ur.user_id = $1', [s.readerId]),
  );
}

/** The messages table with its indexes, MiB. */
export async function pgMessagesMiB(url: string): Promise<number> {
  return withClient(url, async (c) => {
    const { rows } = await c.query<{ bytes: string }>("SELECT pg_total_relation_size('messages') AS bytes");
    return Math.round((Number(rows[0]?.bytes ?? 0) / 1024 / 1024) * 10) / 10;
  });
}

/** Whether PostgreSQL answers at `url` (null) or why not. */
export async function pgUnavailable(url: string): Promise<string | null> {
  try {
    await withPg(url, (c) => c.query('SELECT 1'));
    return null;
  } catch (err) {
    return (err as Error).message || String((err as NodeJS.ErrnoException).code);
  }
}
