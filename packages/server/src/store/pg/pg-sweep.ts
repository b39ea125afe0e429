// PostgreSQL's SweepStore: safe while other nodes sweep at the same moment (SKIP LOCKED), and
// never deleting a room an appender is about to use (the append locks the room's row first).
import type { AbandonedRoomScan, SweepStore, TokenSweep } from '../sweep-store.js';
import { abandonedRoom } from '../rows.js';
import type { Int8, PgDatabase } from './pg-database.js';

const ABANDONED = abandonedRoom('$1');

export class PgSweep implements SweepStore {
  constructor(private readonly db: PgDatabase) {}

  async sweepExpiredTokens(now: number, limit: number): Promise<TokenSweep> {
    return this.db.transaction(async (client) => {
      // SKIP LOCKED: nodes sweeping at the same moment take different tokens instead of queueing.
      const gone = await client.query<{ user_id: string }>(
        `DELETE FROM tokens WHERE hash IN (
           SELECT hash FROM tokens WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED
         ) RETURNING user_id`,
        [now, limit],
      );
      if (gone.rows.length === 0) return { tokens: 0, guests: 0 };
      // A separate statement: it must see the deletions above (one statement has one snapshot).
      const guests = await client.query(
        `DELETE FROM users u WHERE u.id = ANY($1::text[]) AND u.kind = 'guest'
           AND NOT EXISTS (SELECT 1 FROM tokens t WHERE t.user_id = u.id)`,
        [[...new Set(gone.rows.map((r) => r.user_id))]],
      );
      return { tokens: gone.rows.length, guests: guests.rowCount ?? 0 };
    });
  }

  async abandonedRooms(createdBefore: number, after: string | null, scan: number): Promise<AbandonedRoomScan> {
    const rows = await this.db.rows<{ name: string; abandoned: boolean }>(
      `SELECT r.name, (${ABANDONED}) AS abandoned FROM rooms r WHERE r.name > $2 ORDER BY r.name LIMIT $3`,
      [createdBefore, after ?? '', scan],
    );
    return {
      rooms: rows.filter((r) => r.abandoned).map((r) => r.name),
      next: rows.length === scan ? (rows[rows.length - 1]?.name ?? null) : null,
    };
  }

  async deleteAbandonedRooms(rooms: string[], createdBefore: number): Promise<string[]> {
    if (rooms.length === 0) return [];
    return this.db.transaction(async (client) => {
      // 1. Lock the rooms that are still abandoned. An appender locks a room's row before it
      //    numbers a message, and a new role, ban or mute locks it too (its foreign key): a room
      //    busy with either is skipped; one locked here makes them wait until it is gone (an
      //    appender then creates the room anew). Another node's sweep is skipped as well.
      const locked = await client.query<{ id: Int8 }>(
        `SELECT r.id FROM rooms r WHERE r.name = ANY($2::text[]) AND ${ABANDONED} ORDER BY r.name FOR UPDATE SKIP LOCKED`,
        [createdBefore, rooms],
      );
      if (locked.rows.length === 0) return [];
      // 2. Check again with a fresh snapshot (READ COMMITTED: a new one per statement), which sees
      //    whatever committed before we held the locks.
      const deleted = await client.query<{ name: string }>(
        `DELETE FROM rooms r WHERE r.id = ANY($2::bigint[]) AND ${ABANDONED} RETURNING r.name`,
        [createdBefore, locked.rows.map((r) => r.id)],
      );
      return deleted.rows.map((r) => r.name);
    });
  }
}
