// PostgreSQL's MessageStore. Several nodes append at once, so each room's seq is assigned inside
// the storing transaction under a lock on the room's row, and rooms are locked in name order so
// two batches touching the same rooms never deadlock.
import type { ChatMessage } from '@chat/protocol';
import type { AppendResult, MessagePage, MessageStore, NewMessage } from '../message-store.js';
import { MESSAGE_COLUMNS, MESSAGE_FROM, toMessage, toPage, type MessageRow } from '../rows.js';
import type { EntryPage, EntryResult, NewEntry } from '../message-store.js';
import type { WriteHealth } from '../write-health.js';
import type { Int8, PgDatabase } from './pg-database.js';
import { storable } from './pg-text.js';

export class PgMessages implements MessageStore {
  constructor(
    private readonly db: PgDatabase,
    private readonly writes: WriteHealth,
  ) {}

  async appendMessages(input: NewMessage[]): Promise<AppendResult[]> {
    if (input.length === 0) return [];
    const batch = input.map(storable);
    return this.writes.write(() => this.db.transaction(async (client) => {
      const ts = Date.now();
      // 1. Create the missing rooms and lock every room of the batch, in name order (the insert
      //    follows the array's order), so concurrent batches over the same rooms queue up instead
      //    of deadlocking. DO UPDATE … WHERE false locks an existing row without writing it.
      const names = [...new Set(batch.map((m) => m.room))].sort();
      await client.query(
        `INSERT INTO rooms (name, created_at)
         SELECT name, $2 FROM unnest($1::text[]) WITH ORDINALITY AS r(name, ord) ORDER BY ord
         ON CONFLICT (name) DO UPDATE SET last_seq = rooms.last_seq WHERE false`,
        [names, ts],
      );

      // 2. Now that we hold the locks, read each room's last seq and the messages already stored
      //    under the batch's keys. This statement's snapshot is newer than any commit we waited
      //    for, so a concurrent appender's message with the same key is seen here.
      const keys = new Map<string, NewMessage>();
      for (const m of batch) keys.set(JSON.stringify([m.room, m.from.id, m.clientId]), m);
      const keyed = [...keys.values()];
      const { rows } = await client.query<Partial<MessageRow> & { room_id: Int8; room: string; last_seq: Int8 }>(
        `SELECT r.id AS room_id, r.name AS room, r.last_seq, ${MESSAGE_COLUMNS}
         FROM rooms r
         LEFT JOIN LATERAL (
           SELECT m.* FROM unnest($2::text[], $3::text[], $4::text[]) AS k(room, user_id, client_id)
           JOIN messages m ON m.room_id = r.id AND m.user_id = k.user_id AND m.client_id = k.client_id
           WHERE k.room = r.name
         ) m ON true
         LEFT JOIN messages t ON t.room_id = m.room_id AND t.seq = m.reply_seq
         WHERE r.name = ANY($1::text[])`,
        [names, keyed.map((m) => m.room), keyed.map((m) => m.from.id), keyed.map((m) => m.clientId)],
      );
      const rooms = new Map<string, { id: Int8; lastSeq: number }>();
      const stored = new Map<string, ChatMessage>();
      for (const row of rows) {
        rooms.set(row.room, { id: row.room_id, lastSeq: Number(row.last_seq) });
        if (row.id != null) stored.set(JSON.stringify([row.room, row.user_id, row.client_id]), toMessage(row.room, row as MessageRow));
      }

      // 3. Number the new messages; a repeat of a key (stored, or earlier in this batch) is a duplicate.
      const results: Array<AppendResult | { fresh: NewMessage; seq: number; roomId: Int8 }> = [];
      const fresh = new Map<string, { fresh: NewMessage; seq: number; roomId: Int8 }>();
      for (const m of batch) {
        const key = JSON.stringify([m.room, m.from.id, m.clientId]);
        const original = stored.get(key);
        if (original) {
          results.push({ message: original, duplicate: true });
          continue;
        }
        const earlier = fresh.get(key);
        if (earlier) {
          results.push(earlier);
          continue;
        }
        const room = rooms.get(m.room);
        if (!room) throw new Error('room vanished while locked'); // cannot happen: we hold its lock
        const entry = { fresh: m, seq: ++room.lastSeq, roomId: room.id };
        fresh.set(key, entry);
        results.push(entry);
      }

      // 4. Store them, advance the rooms' last seq and raise each sender's read marker in the
      //    room (if it is in their list) to their last new message there, in one statement. One
      //    row per (room, sender): an UPDATE … FROM must not match a row twice. Those user_rooms
      //    rows belong to rooms we hold locked, so no other batch is waiting for them.
      const ids = new Map<string, Int8>();
      if (fresh.size > 0) {
        const news = [...fresh.values()];
        const bumped = [...rooms.values()];
        const read = new Map<string, { roomId: Int8; userId: string; seq: number }>();
        for (const n of news) read.set(`${n.roomId}:${n.fresh.from.id}`, { roomId: n.roomId, userId: n.fresh.from.id, seq: n.seq });
        const marks = [...read.values()];
        const inserted = await client.query<{ room_id: Int8; seq: Int8; id: Int8 }>(
          `WITH inserted AS (
             INSERT INTO messages (room_id, seq, user_id, nick, client_id, text, ts)
             SELECT room_id, seq, user_id, nick, client_id, text, $7
             FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[])
               AS k(room_id, seq, user_id, nick, client_id, text)
             RETURNING room_id, seq, id
           ), bumped AS (
             UPDATE rooms SET last_seq = v.last_seq
             FROM unnest($8::bigint[], $9::bigint[]) AS v(id, last_seq)
             WHERE rooms.id = v.id AND rooms.last_seq <> v.last_seq
           ), raised AS (
             UPDATE user_rooms SET read_seq = v.seq
             FROM unnest($10::bigint[], $11::text[], $12::bigint[]) AS v(room_id, user_id, seq)
             WHERE user_rooms.room_id = v.room_id AND user_rooms.user_id = v.user_id AND user_rooms.read_seq < v.seq
           )
           SELECT room_id, seq, id FROM inserted`,
          [
            news.map((n) => n.roomId),
            news.map((n) => n.seq),
            news.map((n) => n.fresh.from.id),
            news.map((n) => n.fresh.from.nick),
            news.map((n) => n.fresh.clientId),
            news.map((n) => n.fresh.text),
            ts,
            bumped.map((r) => r.id),
            bumped.map((r) => r.lastSeq),
            marks.map((r) => r.roomId),
            marks.map((r) => r.userId),
            marks.map((r) => r.seq),
          ],
        );
        for (const row of inserted.rows) ids.set(`${row.room_id}:${row.seq}`, row.id);
      }

      const firsts = new Set<unknown>();
      return results.map((r): AppendResult => {
        if ('message' in r) return r;
        const { fresh: m, seq, roomId } = r;
        const id = ids.get(`${roomId}:${seq}`);
        if (id === undefined) throw new Error('inserted message not returned');
        const duplicate = firsts.has(r);
        firsts.add(r);
        return { message: { type: 'message', room: m.room, seq, id, clientId: m.clientId, from: m.from, text: m.text, ts }, duplicate };
      });
    }));
  }

  // TEMPORARY (issue 16, being built): messages only; replies, mentions and changes come next.
  async appendEntries(batch: NewEntry[]): Promise<EntryResult[]> {
    if (batch.some((e) => 'action' in e)) throw new Error('changes are not stored on PostgreSQL yet');
    return this.appendMessages(batch as NewMessage[]);
  }

  async ensureRoom(room: string): Promise<number> {
    // Usually the room exists; creating it must cope with another node creating it at the same
    // moment (our insert then does nothing, and a fresh statement sees theirs).
    for (;;) {
      const existing = await this.lastSeq(room);
      if (existing !== null) return existing;
      const [created] = await this.db.rows<{ last_seq: Int8 }>(
        'INSERT INTO rooms (name, created_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING RETURNING last_seq',
        [room, Date.now()],
      );
      if (created) return Number(created.last_seq);
    }
  }

  async lastSeq(room: string): Promise<number | null> {
    const [row] = await this.db.rows<{ last_seq: Int8 }>('SELECT last_seq FROM rooms WHERE name = $1', [room]);
    return row ? Number(row.last_seq) : null;
  }

  // The room id is a scalar subquery rather than a join, so the planner knows it is one room and
  // walks the (room_id, seq) index for `limit` rows instead of sorting the whole room.
  async messagesBefore(room: string, before: number | undefined, limit: number): Promise<MessagePage> {
    if (limit < 0) return { messages: [], hasMore: false };
    const rows = await this.db.rows<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM ${MESSAGE_FROM}
       WHERE m.room_id = (SELECT id FROM rooms WHERE name = $1) AND m.seq < $2 ORDER BY m.seq DESC LIMIT $3`,
      [room, before ?? Number.MAX_SAFE_INTEGER, limit + 1],
    );
    return toPage(room, rows, limit, true);
  }

  // TEMPORARY (issue 16, being built): changes are not read back yet on PostgreSQL.
  async messagesAfter(room: string, after: number, limit: number): Promise<EntryPage> {
    if (limit < 0) return { messages: [], hasMore: false };
    const rows = await this.db.rows<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM ${MESSAGE_FROM}
       WHERE m.room_id = (SELECT id FROM rooms WHERE name = $1) AND m.seq > $2 ORDER BY m.seq ASC LIMIT $3`,
      [room, after, limit + 1],
    );
    return toPage(room, rows, limit, false);
  }

  async pruneMessagesBefore(ts: number): Promise<number> {
    const result = await this.db.query('DELETE FROM messages WHERE ts < $1', [ts], this.db.queryTimeoutMs * 10);
    return result.rowCount ?? 0;
  }
}
