// SQLite's FileStore (file-store.ts), and the steps of a file's life that happen inside the
// message log's transactions (sqlite-messages.ts, sqlite-changes.ts, sqlite-rooms.ts): claimed by
// the message that sends it, gone with the message's redaction, pruning or its room's deletion.
import type Database from 'better-sqlite3';
import type { FileRecord, FileStore, NewFile, StoredFile } from '../file-store.js';
import { FILE_COLUMNS, FILE_GONE, toFileRecord, toStoredFile, type FileRow } from '../rows.js';

function prepare(db: Database.Database) {
  return {
    add: db.prepare<[string, string, string, number, string, number | null, number | null, number, number, string]>(
      `INSERT INTO files (id, room_id, user_id, name, size, type, width, height, thumb, created_at)
       SELECT ?, r.id, ?, ?, ?, ?, ?, ?, ?, ? FROM rooms r WHERE r.name = ?`,
    ),
    byId: db.prepare<[string], FileRow>(
      `SELECT ${FILE_COLUMNS} FROM files f JOIN rooms r ON r.id = f.room_id WHERE f.id = ? AND f.state IN ('unsent', 'sent')`,
    ),
    bytesSince: db.prepare<[string, number], { bytes: number }>('SELECT coalesce(sum(size), 0) AS bytes FROM files WHERE user_id = ? AND created_at >= ?'),
    expireUnsent: db.prepare<[number]>(`UPDATE files SET ${FILE_GONE} WHERE state = 'unsent' AND created_at < ?`),
    gone: db.prepare<[number], { id: string }>("SELECT id FROM files WHERE state = 'gone' LIMIT ?"),
    removed: db.prepare<[string]>("UPDATE files SET state = 'removed' WHERE state = 'gone' AND id IN (SELECT value FROM json_each(?))"),
    purge: db.prepare<[number]>("DELETE FROM files WHERE state = 'removed' AND created_at < ?"),
    claimable: db.prepare<[string, number, string], FileRow>(
      `SELECT f.id, f.user_id, f.name, f.size, f.type, f.width, f.height, f.thumb, f.created_at, f.state FROM files f
       WHERE f.id IN (SELECT value FROM json_each(?)) AND f.room_id = ? AND f.user_id = ? AND f.state = 'unsent'`,
    ),
    sent: db.prepare<[number, string]>("UPDATE files SET state = 'sent', seq = ? WHERE id IN (SELECT value FROM json_each(?))"),
    goneWithMessage: db.prepare<[number, number]>(`UPDATE files SET ${FILE_GONE} WHERE room_id = ? AND seq = ? AND state = 'sent'`),
    goneWithPruned: db.prepare(
      `UPDATE files SET ${FILE_GONE} WHERE state = 'sent' AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.room_id = files.room_id AND m.seq = files.seq)`,
    ),
    goneWithRoom: db.prepare<[number]>(`UPDATE files SET ${FILE_GONE} WHERE room_id = ? AND state IN ('unsent', 'sent')`),
  };
}

export class SqliteUploads implements FileStore {
  private readonly statements: ReturnType<typeof prepare>;

  constructor(db: Database.Database) {
    this.statements = prepare(db);
  }

  async addFile(f: NewFile): Promise<void> {
    const { changes } = this.statements.add.run(f.id, f.userId, f.name, f.size, f.type, f.width ?? null, f.height ?? null, f.thumb ? 1 : 0, f.createdAt, f.room);
    if (changes === 0) throw new Error('addFile: no such room');
  }

  async fileById(id: string): Promise<FileRecord | null> {
    const row = this.statements.byId.get(id);
    return row ? toFileRecord(row) : null;
  }

  async uploadedBytesSince(userId: string, since: number): Promise<number> {
    return (this.statements.bytesSince.get(userId, since) as { bytes: number }).bytes;
  }

  async expireUnsentFiles(before: number): Promise<number> {
    return this.statements.expireUnsent.run(before).changes;
  }

  async goneFiles(limit: number): Promise<string[]> {
    return this.statements.gone.all(limit).map((r) => r.id);
  }

  async bytesRemoved(ids: string[]): Promise<void> {
    if (ids.length > 0) this.statements.removed.run(JSON.stringify(ids));
  }

  async purgeFiles(before: number): Promise<number> {
    return this.statements.purge.run(before).changes;
  }

  // In the caller's transaction:

  /** The files `ids` if every one is this user's unsent upload to this room (in `ids` order), else null. */
  claimable(roomId: number, userId: string, ids: readonly string[]): StoredFile[] | null {
    const rows = new Map(this.statements.claimable.all(JSON.stringify(ids), roomId, userId).map((r) => [r.id, r]));
    if (rows.size !== ids.length) return null;
    return ids.map((id) => toStoredFile(rows.get(id) as FileRow));
  }

  /** The files are sent with the message at (room, seq). */
  markSent(seq: number, ids: readonly string[]): void {
    this.statements.sent.run(seq, JSON.stringify(ids));
  }

  /** The message at (room, seq) was redacted: its files are gone. */
  goneWithMessage(roomId: number, seq: number): void {
    this.statements.goneWithMessage.run(roomId, seq);
  }

  /** Retention pruned messages: their files are gone. */
  goneWithPrunedMessages(): void {
    this.statements.goneWithPruned.run();
  }

  /** The room is being deleted: all its files are gone. */
  goneWithRoom(roomId: number): void {
    this.statements.goneWithRoom.run(roomId);
  }
}
