// SQLite's MessageStore: a batch is one transaction (synchronous, so nothing interleaves), each
// room's seq read once and written back once per batch, and each sender's read marker in a room
// raised once to their last new message there (own messages count as read).
import type Database from 'better-sqlite3';
import type { AppendResult, MessagePage, MessageStore, NewMessage } from '../message-store.js';
import { MESSAGE_COLUMNS, toMessage, toPage, type MessageRow } from '../rows.js';
import type { WriteHealth } from '../write-health.js';

interface RoomRow {
  id: number;
  last_seq: number;
}

/** SQLite's rows of MESSAGE_COLUMNS: integers as numbers, `account` 0 or 1. */
type SqliteMessageRow = MessageRow & { id: number; seq: number; ts: number; account: number };

function prepare(db: Database.Database) {
  return {
    room: db.prepare<[string], RoomRow>('SELECT id, last_seq FROM rooms WHERE name = ?'),
    createRoom: db.prepare<[string, number], RoomRow>('INSERT INTO rooms (name, created_at) VALUES (?, ?) RETURNING id, last_seq'),
    setLastSeq: db.prepare<[number, number]>('UPDATE rooms SET last_seq = ? WHERE id = ?'),
    byClientId: db.prepare<[number, string, string], SqliteMessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE m.room_id = ? AND m.user_id = ? AND m.client_id = ?`,
    ),
    // A duplicate (room, user, client id) inserts nothing (changes = 0): one index probe, not a
    // lookup before every insert.
    insert: db.prepare<[number, number, string, string, string, string, number]>(
      `INSERT INTO messages (room_id, seq, user_id, nick, client_id, text, ts) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (room_id, user_id, client_id) DO NOTHING`,
    ),
    before: db.prepare<[number, number, number], SqliteMessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE m.room_id = ? AND m.seq < ? ORDER BY m.seq DESC LIMIT ?`,
    ),
    after: db.prepare<[number, number, number], SqliteMessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE m.room_id = ? AND m.seq > ? ORDER BY m.seq ASC LIMIT ?`,
    ),
    prune: db.prepare<[number]>('DELETE FROM messages WHERE ts < ?'),
    // The sender has read what they sent: one probe of user_rooms' (user_id, room_id) index,
    // writing only when the marker goes up; nothing when the room is not in their list.
    raiseReadSeq: db.prepare<[number, string, number, number]>(
      'UPDATE user_rooms SET read_seq = ? WHERE user_id = ? AND room_id = ? AND read_seq < ?',
    ),
  };
}

export class SqliteMessages implements MessageStore {
  private readonly statements: ReturnType<typeof prepare>;
  private readonly appendTx: (batch: NewMessage[]) => AppendResult[];

  constructor(
    db: Database.Database,
    private readonly writes: WriteHealth,
  ) {
    this.statements = prepare(db);
    this.appendTx = db.transaction((batch: NewMessage[]) => this.appendInTransaction(batch));
  }

  private appendInTransaction(batch: NewMessage[]): AppendResult[] {
    const { room: roomRow, byClientId, insert, setLastSeq, createRoom, raiseReadSeq } = this.statements;
    const rooms = new Map<string, RoomRow>();
    /** Each sender's last new message per room: [room id, user id, seq]. */
    const read = new Map<string, [number, string, number]>();
    const ts = Date.now();
    const results: AppendResult[] = [];
    for (const m of batch) {
      let room = rooms.get(m.room);
      if (!room) {
        room = roomRow.get(m.room) ?? (createRoom.get(m.room, ts) as RoomRow);
        room = { ...room };
        rooms.set(m.room, room);
      }
      const seq = room.last_seq + 1;
      const { changes, lastInsertRowid } = insert.run(room.id, seq, m.from.id, m.from.nick, m.clientId, m.text, ts);
      if (changes === 0) {
        const existing = byClientId.get(room.id, m.from.id, m.clientId) as SqliteMessageRow;
        results.push({ message: toMessage(m.room, existing), duplicate: true });
        continue;
      }
      room.last_seq = seq;
      read.set(`${room.id}:${m.from.id}`, [room.id, m.from.id, seq]);
      results.push({
        message: { type: 'message', room: m.room, seq, id: String(lastInsertRowid), clientId: m.clientId, from: m.from, text: m.text, ts },
        duplicate: false,
      });
    }
    for (const room of rooms.values()) setLastSeq.run(room.last_seq, room.id);
    for (const [roomId, userId, seq] of read.values()) raiseReadSeq.run(seq, userId, roomId, seq);
    return results;
  }

  async appendMessages(batch: NewMessage[]): Promise<AppendResult[]> {
    if (batch.length === 0) return [];
    return this.writes.writeSync(() => this.appendTx(batch));
  }

  async ensureRoom(room: string): Promise<number> {
    const row = this.statements.room.get(room) ?? this.statements.createRoom.get(room, Date.now());
    return (row as RoomRow).last_seq;
  }

  async lastSeq(room: string): Promise<number | null> {
    return this.statements.room.get(room)?.last_seq ?? null;
  }

  async messagesBefore(room: string, before: number | undefined, limit: number): Promise<MessagePage> {
    const row = this.statements.room.get(room);
    if (!row || limit < 0) return { messages: [], hasMore: false };
    return toPage(room, this.statements.before.all(row.id, before ?? Number.MAX_SAFE_INTEGER, limit + 1), limit, true);
  }

  async messagesAfter(room: string, after: number, limit: number): Promise<MessagePage> {
    const row = this.statements.room.get(room);
    if (!row || limit < 0) return { messages: [], hasMore: false };
    return toPage(room, this.statements.after.all(row.id, after, limit + 1), limit, false);
  }

  async pruneMessagesBefore(ts: number): Promise<number> {
    return this.statements.prune.run(ts).changes;
  }
}
