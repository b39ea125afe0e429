// PostgreSQL's MessageStore. Several nodes append at once, so each room's seq is assigned inside
// the storing transaction under a lock on the room's row, and rooms are locked in name order so
// two batches touching the same rooms never deadlock. A batch of messages and changes is one
// transaction taken in batch order: each run of messages between two changes is one insert (a
// batch of messages only, the usual one, is one run), each change is checked and applied by
// pg-changes.ts in between.
import type { PoolClient } from 'pg';
import type { ChatMessage } from '@chat/protocol';
import type { EntryRefusal } from '../change-store.js';
import { isChange, type AppendResult, type EntryPage, type EntryResult, type MessagePage, type MessageStore, type NewEntry, type NewMessage } from '../message-store.js';
import { CHANGE_COLUMNS, FILE_GONE, MESSAGE_COLUMNS, MESSAGE_FROM, toEntryPage, toMessage, toPage, type ChangeRow, type MessageRow } from '../rows.js';
import type { WriteHealth } from '../write-health.js';
import { mentionRows, mentionsJson, PgChanges, resolveMentions } from './pg-changes.js';
import type { Int8, PgDatabase } from './pg-database.js';
import { storableEntry } from './pg-text.js';
import { claimableFiles, FileClaims } from './pg-uploads.js';
import { SEARCH_VECTOR } from './pg-search.js';
import { indexText } from '../../search/search-text.js';
import type { FileSigner, StoredFile } from '../file-store.js';

/** A locked room of the batch: its id, the last seq given out so far, and the one stored before. */
interface BatchRoom {
  id: Int8;
  lastSeq: number;
  storedSeq: number;
}

/** Where an entry's message lands once its run is stored (or read back). */
interface Slot {
  message?: ChatMessage;
}

/** A new message of the batch, numbered. */
interface Fresh {
  m: NewMessage;
  seq: number;
  roomId: Int8;
  slot: Slot;
  /** The files it sends, claimed. */
  files: StoredFile[] | null;
}

/** The messages between two changes, and the duplicates among them to read again (see appendInTransaction). */
interface Run {
  fresh: Fresh[];
  reread: Array<{ room: string; roomId: Int8; seq: number; slot: Slot }>;
}

const noReplyTarget: EntryRefusal = { refused: 'not_found', reason: 'no message with that seq in this room to reply to' };
const noFiles: EntryRefusal = { refused: 'not_found', reason: 'a file is not an upload of yours to this room that is still to be sent' };

const seqKey = (roomId: Int8, seq: number): string => `${roomId}:${seq}`;

export class PgMessages implements MessageStore {
  constructor(
    private readonly db: PgDatabase,
    private readonly writes: WriteHealth,
    private readonly sign: FileSigner,
  ) {}

  async appendMessages(batch: NewMessage[]): Promise<AppendResult[]> {
    return (await this.appendEntries(batch)) as AppendResult[];
  }

  async appendEntries(input: NewEntry[]): Promise<EntryResult[]> {
    if (input.length === 0) return [];
    const batch = input.map(storableEntry);
    return this.writes.write(() => this.db.transaction((client) => this.appendInTransaction(client, batch)));
  }

  private async appendInTransaction(client: PoolClient, batch: NewEntry[]): Promise<EntryResult[]> {
    const ts = Date.now();
    const messages = batch.filter((e): e is NewMessage => !isChange(e));
    const { rooms, stored } = await lockRooms(client, batch, messages, ts, this.sign);
    const replyable = await replyTargets(client, rooms, messages);
    const files = new FileClaims(await claimableFiles(client, messages));

    // 3. Take the batch in order. A repeat of a key (stored, or earlier in this batch) is a
    //    duplicate answered with the original as it is at that point of the batch: as stored or
    //    first numbered, unless a change of this batch changed it since (then read again).
    const changes = new PgChanges(client, this.sign);
    const results: Array<() => EntryResult> = [];
    const fresh = new Map<string, Fresh>();
    const touched = new Set<string>();
    /** Each sender's last new message per room. */
    const read = new Map<string, { roomId: Int8; userId: string; seq: number }>();
    let run: Run = { fresh: [], reread: [] };
    for (const entry of batch) {
      const room = rooms.get(entry.room);
      if (!room) throw new Error('room vanished while locked'); // cannot happen: we hold its lock
      if (isChange(entry)) {
        await storeRun(client, run, ts, this.sign);
        run = { fresh: [], reread: [] };
        const result = await changes.apply(room.id, entry, room.lastSeq + 1, ts);
        if ('change' in result) {
          room.lastSeq++;
          touched.add(seqKey(room.id, entry.seq));
        }
        results.push(() => result);
        continue;
      }
      const m = entry;
      const key = JSON.stringify([m.room, m.from.id, m.clientId]);
      const original = stored.get(key);
      const earlier = fresh.get(key);
      if (original || earlier) {
        const seq = original ? original.seq : (earlier as Fresh).seq;
        let slot: Slot = earlier ? earlier.slot : { message: original };
        if (touched.has(seqKey(room.id, seq))) run.reread.push({ room: m.room, roomId: room.id, seq, slot: (slot = {}) });
        results.push(() => ({ message: slot.message as ChatMessage, duplicate: true }));
        continue;
      }
      if (m.replyTo !== undefined && !replyable.has(seqKey(room.id, m.replyTo))) {
        results.push(() => noReplyTarget);
        continue;
      }
      const claimed = m.files === undefined ? null : files.claim(room.id, m.from.id, m.files);
      if (claimed === undefined) {
        results.push(() => noFiles);
        continue;
      }
      const item: Fresh = { m, seq: ++room.lastSeq, roomId: room.id, slot: {}, files: claimed };
      fresh.set(key, item);
      replyable.add(seqKey(room.id, item.seq));
      read.set(`${room.id}:${m.from.id}`, { roomId: room.id, userId: m.from.id, seq: item.seq });
      run.fresh.push(item);
      results.push(() => ({ message: item.slot.message as ChatMessage, duplicate: false }));
    }
    await storeRun(client, run, ts, this.sign, { rooms: [...rooms.values()], marks: [...read.values()] });
    return results.map((result) => result());
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
    return toPage(room, rows, limit, true, this.sign);
  }

  // Three statements outside a transaction, each its own snapshot: the first reads the messages
  // and, in the same snapshot, the room's last seq, and the changes are cut there, so that a batch
  // committed in between (a message and a change after it) cannot show the change without the
  // message. A room's entries become visible in seq order (a batch releases the room's lock after
  // its commit is visible), so the first statement saw every entry up to that seq. Its room id
  // keeps out a room deleted and made again in between. Targets are read as they are now.
  async messagesAfter(room: string, after: number, limit: number): Promise<EntryPage> {
    if (limit < 0) return { messages: [], hasMore: false };
    const rows = await this.db.rows<Partial<MessageRow> & { room_id: Int8; room_last_seq: Int8 }>(
      `SELECT r.id AS room_id, r.last_seq AS room_last_seq, x.* FROM rooms r
       LEFT JOIN LATERAL (
         SELECT ${MESSAGE_COLUMNS} FROM ${MESSAGE_FROM} WHERE m.room_id = r.id AND m.seq > $2 ORDER BY m.seq ASC LIMIT $3
       ) x ON true
       WHERE r.name = $1`,
      [room, after, limit + 1],
    );
    const roomRow = rows[0];
    if (!roomRow) return { messages: [], hasMore: false };
    const messages = rows.filter((r): r is MessageRow & typeof roomRow => r.id != null);
    // Messages and changes share the room's seqs: when the messages alone fill every seq up to the
    // last, there is no change to read (the usual resume: a few messages missed, nothing edited),
    // and a restart storm's rejoins skip a round trip each.
    const changes =
      messages.length === Number(roomRow.room_last_seq) - after
        ? []
        : await this.db.rows<ChangeRow>(
            `SELECT ${CHANGE_COLUMNS} FROM changes c WHERE c.room_id = $1 AND c.seq > $2 AND c.seq <= $3 ORDER BY c.seq ASC LIMIT $4`,
            [roomRow.room_id, after, roomRow.room_last_seq, limit + 1],
          );
    const targets = new Map<number, ChatMessage>();
    if (changes.length > 0) {
      const seqs = [...new Set(changes.map((c) => Number(c.target_seq)))];
      const found = await this.db.rows<MessageRow>(
        `SELECT ${MESSAGE_COLUMNS} FROM ${MESSAGE_FROM} WHERE m.room_id = $1 AND m.seq = ANY($2::bigint[])`,
        [roomRow.room_id, seqs],
      );
      for (const row of found) targets.set(Number(row.seq), toMessage(room, row, this.sign));
    }
    return toEntryPage(room, messages, changes, targets, limit, this.sign);
  }

  // One transaction, as on SQLite. A message a change holds locked right now (pg-changes.ts) is
  // skipped, left for the next run: waiting for it could deadlock with a batch changing two old
  // messages in the other order. What belonged to the pruned messages is then found by a scan
  // (hourly at most).
  async pruneMessagesBefore(ts: number): Promise<number> {
    const timeout = this.db.queryTimeoutMs * 10;
    return this.db.transaction(async (client) => {
      // query_timeout is pg's (the pool's, raised for this long delete), not in its QueryConfig type.
      const run = async (text: string, values: unknown[] = []) => {
        const config = { text, values, query_timeout: timeout };
        return (await client.query(config)).rowCount ?? 0;
      };
      const pruned = await run('DELETE FROM messages WHERE id IN (SELECT id FROM messages WHERE ts < $1 FOR UPDATE SKIP LOCKED)', [ts]);
      await run('DELETE FROM changes WHERE ts < $1', [ts]);
      if (pruned > 0) {
        for (const table of ['reactions', 'mentions']) {
          await run(`DELETE FROM ${table} x WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.room_id = x.room_id AND m.seq = x.seq)`);
        }
        await run(`UPDATE files x SET ${FILE_GONE} WHERE x.state = 'sent' AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.room_id = x.room_id AND m.seq = x.seq)`);
      }
      return pruned;
    });
  }
}

/**
 * 1. Creates the batch's missing rooms and locks them all, in name order (the insert follows the
 *    array's order), so concurrent batches over the same rooms queue up instead of deadlocking.
 *    DO UPDATE … WHERE false locks an existing row without writing it.
 * 2. Then reads each room's last seq and the messages already stored under the batch's keys. This
 *    statement's snapshot is newer than any commit we waited for, so a concurrent appender's
 *    message with the same key is seen here.
 */
async function lockRooms(client: PoolClient, batch: NewEntry[], messages: NewMessage[], ts: number, sign: FileSigner) {
  const names = [...new Set(batch.map((m) => m.room))].sort();
  await client.query(
    `INSERT INTO rooms (name, created_at)
     SELECT name, $2 FROM unnest($1::text[]) WITH ORDINALITY AS r(name, ord) ORDER BY ord
     ON CONFLICT (name) DO UPDATE SET last_seq = rooms.last_seq WHERE false`,
    [names, ts],
  );
  const keys = new Map<string, NewMessage>();
  for (const m of messages) keys.set(JSON.stringify([m.room, m.from.id, m.clientId]), m);
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
  const rooms = new Map<string, BatchRoom>();
  const stored = new Map<string, ChatMessage>();
  for (const row of rows) {
    rooms.set(row.room, { id: row.room_id, lastSeq: Number(row.last_seq), storedSeq: Number(row.last_seq) });
    if (row.id != null) stored.set(JSON.stringify([row.room, row.user_id, row.client_id]), toMessage(row.room, row as MessageRow, sign));
  }
  return { rooms, stored };
}

/**
 * The stored messages the batch's replies answer (seqKey), to which the batch adds its own new
 * messages as it numbers them: a reply may answer only a message of its room. Nothing deletes
 * messages under the rooms' locks but retention, whose loss of a target is a pruned reply's.
 */
async function replyTargets(client: PoolClient, rooms: ReadonlyMap<string, BatchRoom>, messages: NewMessage[]): Promise<Set<string>> {
  const asked = messages.flatMap((m) => (m.replyTo === undefined ? [] : [{ roomId: rooms.get(m.room)?.id, seq: m.replyTo }]));
  if (asked.length === 0) return new Set();
  const { rows } = await client.query<{ room_id: Int8; seq: Int8 }>(
    `SELECT m.room_id, m.seq FROM unnest($1::bigint[], $2::bigint[]) AS k(room_id, seq)
     JOIN messages m ON m.room_id = k.room_id AND m.seq = k.seq`,
    [asked.map((a) => a.roomId), asked.map((a) => a.seq)],
  );
  return new Set(rows.map((r) => seqKey(r.room_id, Number(r.seq))));
}

/**
 * 4. Stores a run's messages with their mentions, in one statement; at the batch's end (`end`) the
 *    same statement advances the rooms' last seq and raises each sender's read marker in the room
 *    (if it is in their list) to their last new message there. One row per (room, sender): an
 *    UPDATE … FROM must not match a row twice. Those user_rooms rows belong to rooms we hold
 *    locked, so no other batch is waiting for them. Plain messages are built here; a reply or a
 *    mention, and a duplicate to read again, is read back as every reader will see it.
 */
async function storeRun(client: PoolClient, run: Run, ts: number, sign: FileSigner, end?: { rooms: BatchRoom[]; marks: Array<{ roomId: Int8; userId: string; seq: number }> }) {
  const { fresh, reread } = run;
  const bumped = end?.rooms.filter((r) => r.lastSeq !== r.storedSeq) ?? [];
  const marks = end?.marks ?? [];
  const mentioned = await resolveMentions(client, fresh.map((f) => ({ roomId: f.roomId, names: f.m.mentionNames ?? [] })));
  const ids = new Map<string, Int8>();
  if (fresh.length > 0 || bumped.length > 0) {
    const mentions = fresh.flatMap((f, i) => mentionRows(mentioned[i] ?? [], f.m.from.id).map((userId) => [userId, f.roomId, f.seq] as const));
    const sentFiles = fresh.flatMap((f) => (f.files ?? []).map((file) => [file.id, f.seq] as const));
    const inserted = await client.query<{ room_id: Int8; seq: Int8; id: Int8 }>(
      `WITH inserted AS (
         INSERT INTO messages (room_id, seq, user_id, nick, client_id, text, ts, reply_seq, mentions, files, search)
         SELECT room_id, seq, user_id, nick, client_id, text, $7, reply_seq, mentions, files, ${SEARCH_VECTOR('terms')}
         FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $8::bigint[], $9::text[], $18::text[], $21::text[])
           AS k(room_id, seq, user_id, nick, client_id, text, reply_seq, mentions, files, terms)
         RETURNING room_id, seq, id
       ), sent AS (
         UPDATE files SET state = 'sent', seq = v.seq FROM unnest($19::text[], $20::bigint[]) AS v(id, seq) WHERE files.id = v.id
       ), mentioned AS (
         INSERT INTO mentions (user_id, room_id, seq) SELECT * FROM unnest($10::text[], $11::bigint[], $12::bigint[])
       ), bumped AS (
         UPDATE rooms SET last_seq = v.last_seq
         FROM unnest($13::bigint[], $14::bigint[]) AS v(id, last_seq)
         WHERE rooms.id = v.id AND rooms.last_seq <> v.last_seq
       ), raised AS (
         UPDATE user_rooms SET read_seq = v.seq
         FROM unnest($15::bigint[], $16::text[], $17::bigint[]) AS v(room_id, user_id, seq)
         WHERE user_rooms.room_id = v.room_id AND user_rooms.user_id = v.user_id AND user_rooms.read_seq < v.seq
       )
       SELECT room_id, seq, id FROM inserted`,
      [
        fresh.map((f) => f.roomId),
        fresh.map((f) => f.seq),
        fresh.map((f) => f.m.from.id),
        fresh.map((f) => f.m.from.nick),
        fresh.map((f) => f.m.clientId),
        fresh.map((f) => f.m.text),
        ts,
        fresh.map((f) => f.m.replyTo ?? null),
        fresh.map((_, i) => mentionsJson(mentioned[i] ?? [])),
        mentions.map((r) => r[0]),
        mentions.map((r) => r[1]),
        mentions.map((r) => r[2]),
        bumped.map((r) => r.id),
        bumped.map((r) => r.lastSeq),
        marks.map((r) => r.roomId),
        marks.map((r) => r.userId),
        marks.map((r) => r.seq),
        fresh.map((f) => (f.files === null ? null : JSON.stringify(f.files))),
        sentFiles.map((r) => r[0]),
        sentFiles.map((r) => r[1]),
        fresh.map((f) => indexText(f.m.text)),
      ],
    );
    for (const row of inserted.rows) ids.set(seqKey(row.room_id, Number(row.seq)), row.id);
  }
  const back = [
    ...fresh.filter((f, i) => f.m.replyTo !== undefined || (mentioned[i] ?? []).length > 0).map((f) => ({ room: f.m.room, roomId: f.roomId, seq: f.seq, slot: f.slot })),
    ...reread,
  ];
  for (const f of fresh) {
    const id = ids.get(seqKey(f.roomId, f.seq));
    if (id === undefined) throw new Error('inserted message not returned');
    const { room, from, clientId, text } = f.m;
    f.slot.message = { type: 'message', room, seq: f.seq, id, clientId, from, text, ts };
    if (f.files !== null) f.slot.message.files = f.files.map(sign);
  }
  if (back.length === 0) return;
  const { rows } = await client.query<MessageRow & { room_id: Int8 }>(
    `SELECT m.room_id, ${MESSAGE_COLUMNS} FROM unnest($1::bigint[], $2::bigint[]) AS k(room_id, seq)
     JOIN ${MESSAGE_FROM} ON m.room_id = k.room_id AND m.seq = k.seq`,
    [back.map((b) => b.roomId), back.map((b) => b.seq)],
  );
  const found = new Map(rows.map((r) => [seqKey(r.room_id, Number(r.seq)), r]));
  for (const b of back) {
    const row = found.get(seqKey(b.roomId, b.seq));
    if (row) b.slot.message = toMessage(b.room, row, sign);
  }
}
