// PostgreSQL's FileStore (file-store.ts), and the claim of a batch's files inside the append's
// transaction (pg-messages.ts). The batch holds its rooms locked, and a file can only be claimed
// in its own room, so two nodes never claim one file; FOR UPDATE also orders the claim against
// the sweeper expiring unsent files.
import type { PoolClient } from 'pg';
import type { FileRecord, FileStore, NewFile, StoredFile } from '../file-store.js';
import type { NewMessage } from '../message-store.js';
import { FILE_COLUMNS, FILE_GONE, toFileRecord, toStoredFile, type FileRow } from '../rows.js';
import type { Int8, PgDatabase } from './pg-database.js';

/** An unsent file a batch may claim: its room and uploader. */
interface Claimable {
  roomId: string;
  userId: string;
  file: StoredFile;
}

/** The unsent files a batch's messages name, locked. */
export async function claimableFiles(client: PoolClient, messages: NewMessage[]): Promise<Map<string, Claimable>> {
  const ids = [...new Set(messages.flatMap((m) => m.files ?? []))];
  const found = new Map<string, Claimable>();
  if (ids.length === 0) return found;
  const { rows } = await client.query<FileRow & { room_id: Int8 }>(
    `SELECT f.id, f.room_id, f.user_id, f.name, f.size, f.type, f.width, f.height, f.thumb, f.created_at, f.state
     FROM files f WHERE f.id = ANY($1::text[]) AND f.state = 'unsent' FOR UPDATE`,
    [ids],
  );
  for (const row of rows) found.set(row.id, { roomId: String(row.room_id), userId: row.user_id, file: toStoredFile(row) });
  return found;
}

/** Hands out a batch's claimable files, each once. */
export class FileClaims {
  constructor(private readonly claimable: Map<string, Claimable>) {}

  /** The files, if every one is this user's unsent upload to this room; else undefined (none is taken). */
  claim(roomId: Int8, userId: string, ids: readonly string[]): StoredFile[] | undefined {
    const files: StoredFile[] = [];
    for (const id of ids) {
      const c = this.claimable.get(id);
      if (!c || c.roomId !== String(roomId) || c.userId !== userId) return undefined;
      files.push(c.file);
    }
    for (const id of ids) this.claimable.delete(id);
    return files;
  }
}

export class PgUploads implements FileStore {
  constructor(private readonly db: PgDatabase) {}

  async addFile(f: NewFile): Promise<void> {
    const result = await this.db.query(
      `INSERT INTO files (id, room_id, user_id, name, size, type, width, height, thumb, created_at)
       SELECT $1, r.id, $2, $3, $4, $5, $6, $7, $8, $9 FROM rooms r WHERE r.name = $10`,
      [f.id, f.userId, f.name, f.size, f.type, f.width ?? null, f.height ?? null, f.thumb === true, f.createdAt, f.room],
    );
    if (result.rowCount !== 1) throw new Error('addFile: no such room');
  }

  async fileById(id: string): Promise<FileRecord | null> {
    const [row] = await this.db.rows<FileRow>(
      `SELECT ${FILE_COLUMNS} FROM files f JOIN rooms r ON r.id = f.room_id WHERE f.id = $1 AND f.state IN ('unsent', 'sent')`,
      [id],
    );
    return row ? toFileRecord(row) : null;
  }

  async uploadedBytesSince(userId: string, since: number): Promise<number> {
    const [row] = await this.db.rows<{ bytes: Int8 }>('SELECT coalesce(sum(size), 0) AS bytes FROM files WHERE user_id = $1 AND created_at >= $2', [userId, since]);
    return Number(row?.bytes ?? 0);
  }

  async expireUnsentFiles(before: number): Promise<number> {
    return (await this.db.query(`UPDATE files SET ${FILE_GONE} WHERE state = 'unsent' AND created_at < $1`, [before])).rowCount ?? 0;
  }

  async goneFiles(limit: number): Promise<string[]> {
    return (await this.db.rows<{ id: string }>("SELECT id FROM files WHERE state = 'gone' LIMIT $1", [limit])).map((r) => r.id);
  }

  async bytesRemoved(ids: string[]): Promise<void> {
    if (ids.length > 0) await this.db.query("UPDATE files SET state = 'removed' WHERE state = 'gone' AND id = ANY($1::text[])", [ids]);
  }

  async purgeFiles(before: number): Promise<number> {
    return (await this.db.query("DELETE FROM files WHERE state = 'removed' AND created_at < $1", [before])).rowCount ?? 0;
  }
}
