// SQLite's MessageStore: a batch of messages and changes is one transaction (synchronous, so
// nothing interleaves), each room's seq read once and written back once per batch, and each
// sender's read marker in a room raised once to their last new message there (own messages count
// as read). Changes are checked and applied by sqlite-changes.ts inside the same transaction.
import type Database from 'better-sqlite3';
import type { ChatMessage } from '@chat/protocol';
import type { EntryRefusal } from '../change-store.js';
import { isChange, isRefusal, type AppendResult, type EntryPage, type EntryResult, type MessagePage, type MessageStore, type NewEntry, type NewMessage } from '../message-store.js';
import { CHANGE_COLUMNS, MESSAGE_COLUMNS, MESSAGE_FROM, toEntryPage, toMessage, toPage, type ChangeRow } from '../rows.js';
import type { WriteHealth } from '../write-health.js';
import type { FileSigner, StoredFile } from '../file-store.js';
import { SqliteChanges, type SqliteMessageRow } from './sqlite-changes.js';
import type { SqliteSearch } from './sqlite-search.js';
import type { SqliteUploads } from './sqlite-uploads.js';
import { writeTransaction } from './sqlite-transaction.js';

const NO_REPLY_TARGET: EntryRefusal = { refused: 'not_found', reason: 'no message with that seq in this room to reply to' };
const NO_FILES: EntryRefusal = { refused: 'not_found', reason: 'a file is not an upload of yours to this room that is still to be sent' };

interface RoomRow {
  id: number;
  last_seq: number;
}

function prepare(db: Database.Database) {
  return {
    room: db.prepare<[string], RoomRow>('SELECT id, last_seq FROM rooms WHERE name = ?'),
    createRoom: db.prepare<[string, number], RoomRow>('INSERT INTO rooms (name, created_at) VALUES (?, ?) RETURNING id, last_seq'),
    setLastSeq: db.prepare<[number, number]>('UPDATE rooms SET last_seq = ? WHERE id = ?'),
    byClientId: db.prepare<[number, string, string], SqliteMessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM ${MESSAGE_FROM} WHERE m.room_id = ? AND m.user_id = ? AND m.client_id = ?`,
    ),
    // A duplicate (room, user, client id) inserts nothing (changes = 0): one index probe, not a
    // lookup before every insert.
    insert: db.prepare<[number, number, string, string, string, string, number, number | null, string | null]>(
      `INSERT INTO messages (room_id, seq, user_id, nick, client_id, text, ts, reply_seq, files) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (room_id, user_id, client_id) DO NOTHING`,
    ),
    setMentions: db.prepare<[string, number]>('UPDATE messages SET mentions = ? WHERE id = ?'),
    before: db.prepare<[number, number, number], SqliteMessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM ${MESSAGE_FROM} WHERE m.room_id = ? AND m.seq < ? ORDER BY m.seq DESC LIMIT ?`,
    ),
    after: db.prepare<[number, number, number], SqliteMessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM ${MESSAGE_FROM} WHERE m.room_id = ? AND m.seq > ? ORDER BY m.seq ASC LIMIT ?`,
    ),
    changesAfter: db.prepare<[number, number, number], ChangeRow>(
      `SELECT ${CHANGE_COLUMNS} FROM changes c WHERE c.room_id = ? AND c.seq > ? ORDER BY c.seq ASC LIMIT ?`,
    ),
    prune: db.prepare<[number]>('DELETE FROM messages WHERE ts < ?'),
    pruneChanges: db.prepare<[number]>('DELETE FROM changes WHERE ts < ?'),
    // What belonged to pruned messages (rare and hourly at most: a scan is fine).
    pruneReactions: db.prepare('DELETE FROM reactions WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.room_id = reactions.room_id AND m.seq = reactions.seq)'),
    pruneMentions: db.prepare('DELETE FROM mentions WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.room_id = mentions.room_id AND m.seq = mentions.seq)'),
    // The sender has read what they sent: one probe of user_rooms' (user_id, room_id) index,
    // writing only when the marker goes up; nothing when the room is not in their list.
    raiseReadSeq: db.prepare<[number, string, number, number]>(
      'UPDATE user_rooms SET read_seq = ? WHERE user_id = ? AND room_id = ? AND read_seq < ?',
    ),
  };
}

export class SqliteMessages implements MessageStore {
  private readonly statements: ReturnType<typeof prepare>;
  private readonly changes: SqliteChanges;
  private readonly appendTx: (batch: NewEntry[]) => EntryResult[];
  private readonly pruneTx: (ts: number) => number;

  constructor(
    db: Database.Database,
    private readonly writes: WriteHealth,
    private readonly uploads: SqliteUploads,
    private readonly search: SqliteSearch,
    private readonly sign: FileSigner,
  ) {
    this.statements = prepare(db);
    this.changes = new SqliteChanges(db, uploads, search, sign);
    this.appendTx = writeTransaction(db, (batch: NewEntry[]) => this.appendInTransaction(batch));
    this.pruneTx = writeTransaction(db, (ts: number) => this.pruneInTransaction(ts));
  }

  private appendInTransaction(batch: NewEntry[]): EntryResult[] {
    const { room: roomRow, setLastSeq, createRoom, raiseReadSeq } = this.statements;
    const rooms = new Map<string, RoomRow>();
    /** Each sender's last new message per room: [room id, user id, seq]. */
    const read = new Map<string, [number, string, number]>();
    const ts = Date.now();
    const results: EntryResult[] = [];
    for (const entry of batch) {
      let room = rooms.get(entry.room);
      if (!room) {
        room = roomRow.get(entry.room) ?? (createRoom.get(entry.room, ts) as RoomRow);
        room = { ...room };
        rooms.set(entry.room, room);
      }
      const seq = room.last_seq + 1;
      if (isChange(entry)) {
        const result = this.changes.apply(room.id, entry, seq, ts);
        if ('change' in result) room.last_seq = seq;
        results.push(result);
        continue;
      }
      const result = this.appendMessage(room.id, entry, seq, ts);
      if (!isRefusal(result) && !result.duplicate) {
        room.last_seq = seq;
        read.set(`${room.id}:${entry.from.id}`, [room.id, entry.from.id, seq]);
      }
      results.push(result);
    }
    for (const room of rooms.values()) setLastSeq.run(room.last_seq, room.id);
    for (const [roomId, userId, seq] of read.values()) raiseReadSeq.run(seq, userId, roomId, seq);
    return results;
  }

  private appendMessage(roomId: number, m: NewMessage, seq: number, ts: number): AppendResult | EntryRefusal {
    const { byClientId, insert, setMentions } = this.statements;
    // A resend of a stored message answers with the original even if its reply target is gone
    // since, or its files are no longer claimable (they were claimed by that original).
    const refuse = (refusal: EntryRefusal): AppendResult | EntryRefusal => {
      const existing = byClientId.get(roomId, m.from.id, m.clientId);
      return existing ? { message: toMessage(m.room, existing, this.sign), duplicate: true } : refusal;
    };
    if (m.replyTo !== undefined && !this.changes.isMessage(roomId, m.replyTo)) return refuse(NO_REPLY_TARGET);
    let files: StoredFile[] | null = null;
    if (m.files !== undefined && (files = this.uploads.claimable(roomId, m.from.id, m.files)) === null) return refuse(NO_FILES);
    const filesJson = files === null ? null : JSON.stringify(files);
    const { changes, lastInsertRowid } = insert.run(roomId, seq, m.from.id, m.from.nick, m.clientId, m.text, ts, m.replyTo ?? null, filesJson);
    if (changes === 0) return { message: toMessage(m.room, byClientId.get(roomId, m.from.id, m.clientId) as SqliteMessageRow, this.sign), duplicate: true };
    if (m.files !== undefined) this.uploads.markSent(seq, m.files);
    this.search.index(Number(lastInsertRowid), m.text);
    const mentions = this.changes.storeMentions(roomId, seq, m.from.id, m.mentionNames);
    if (mentions !== null) setMentions.run(mentions, Number(lastInsertRowid));
    // Plain messages (most of them) are built here; a reply or a mention is read back for its
    // excerpt and ids as every reader will see them.
    if (m.replyTo === undefined && mentions === null) {
      const message: ChatMessage = { type: 'message', room: m.room, seq, id: String(lastInsertRowid), clientId: m.clientId, from: m.from, text: m.text, ts };
      if (files !== null) message.files = files.map(this.sign);
      return { message, duplicate: false };
    }
    return { message: this.changes.messageAt(m.room, roomId, seq) as ChatMessage, duplicate: false };
  }

  async appendEntries(batch: NewEntry[]): Promise<EntryResult[]> {
    if (batch.length === 0) return [];
    return this.writes.writeSync(() => this.appendTx(batch));
  }

  async appendMessages(batch: NewMessage[]): Promise<AppendResult[]> {
    return (await this.appendEntries(batch)) as AppendResult[];
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
    return toPage(room, this.statements.before.all(row.id, before ?? Number.MAX_SAFE_INTEGER, limit + 1), limit, true, this.sign);
  }

  async messagesAfter(room: string, after: number, limit: number): Promise<EntryPage> {
    const row = this.statements.room.get(room);
    if (!row || limit < 0) return { messages: [], hasMore: false };
    const messages = this.statements.after.all(row.id, after, limit + 1);
    const changes = this.statements.changesAfter.all(row.id, after, limit + 1);
    const targets = new Map<number, ChatMessage>();
    for (const change of changes) {
      const seq = Number(change.target_seq);
      if (targets.has(seq)) continue;
      const target = this.changes.messageAt(room, row.id, seq);
      if (target) targets.set(seq, target);
    }
    return toEntryPage(room, messages, changes, targets, limit, this.sign);
  }

  private pruneInTransaction(ts: number): number {
    this.search.unindexBefore(ts);
    const pruned = this.statements.prune.run(ts).changes;
    this.statements.pruneChanges.run(ts);
    if (pruned > 0) {
      this.statements.pruneReactions.run();
      this.statements.pruneMentions.run();
      this.uploads.goneWithPrunedMessages();
    }
    return pruned;
  }

  async pruneMessagesBefore(ts: number): Promise<number> {
    return this.pruneTx(ts);
  }
}
