// SQLite's SweepStore. Each call is one transaction, which SQLite runs whole: nothing (an append,
// a role) can come in between a check and a delete.
import type Database from 'better-sqlite3';
import type { AbandonedRoomScan, SweepStore, TokenSweep } from '../sweep-store.js';
import { abandonedRoom } from '../rows.js';
import { writeTransaction } from './sqlite-transaction.js';

const ABANDONED = abandonedRoom(':cutoff');

function prepare(db: Database.Database) {
  return {
    // Oldest expiry first, through tokens_expires (migration 4).
    deleteExpiredTokens: db.prepare<[number, number], { user_id: string }>(
      'DELETE FROM tokens WHERE hash IN (SELECT hash FROM tokens WHERE expires_at <= ? ORDER BY expires_at LIMIT ?) RETURNING user_id',
    ),
    deleteTokenlessGuest: db.prepare<[string, string]>(
      "DELETE FROM users WHERE id = ? AND kind = 'guest' AND NOT EXISTS (SELECT 1 FROM tokens WHERE user_id = ?)",
    ),
    // One step of the scan: `scan` rooms from the name index, each marked abandoned or not.
    scanRooms: db.prepare<[{ after: string; scan: number; cutoff: number }], { name: string; abandoned: number }>(
      `SELECT r.name, (${ABANDONED}) AS abandoned FROM rooms r WHERE r.name > :after ORDER BY r.name LIMIT :scan`,
    ),
    deleteAbandonedRoom: db.prepare<[{ name: string; cutoff: number }]>(`DELETE FROM rooms AS r WHERE r.name = :name AND ${ABANDONED}`),
  };
}

export class SqliteSweep implements SweepStore {
  private readonly statements: ReturnType<typeof prepare>;
  private readonly sweepTokensTx: (now: number, limit: number) => TokenSweep;
  private readonly deleteAbandonedTx: (rooms: string[], cutoff: number) => string[];

  constructor(db: Database.Database) {
    this.statements = prepare(db);
    this.sweepTokensTx = writeTransaction(db, (now: number, limit: number) => {
      const owners = this.statements.deleteExpiredTokens.all(now, limit);
      let guests = 0;
      for (const userId of new Set(owners.map((o) => o.user_id))) guests += this.statements.deleteTokenlessGuest.run(userId, userId).changes;
      return { tokens: owners.length, guests };
    });
    this.deleteAbandonedTx = writeTransaction(db, (rooms: string[], cutoff: number) =>
      rooms.filter((name) => this.statements.deleteAbandonedRoom.run({ name, cutoff }).changes === 1),
    );
  }

  async sweepExpiredTokens(now: number, limit: number): Promise<TokenSweep> {
    return this.sweepTokensTx(now, limit);
  }

  async abandonedRooms(createdBefore: number, after: string | null, scan: number): Promise<AbandonedRoomScan> {
    const rows = this.statements.scanRooms.all({ after: after ?? '', scan, cutoff: createdBefore });
    return {
      rooms: rows.filter((r) => r.abandoned === 1).map((r) => r.name),
      next: rows.length === scan ? (rows[rows.length - 1]?.name ?? null) : null,
    };
  }

  async deleteAbandonedRooms(rooms: string[], createdBefore: number): Promise<string[]> {
    // Roles, bans and mutes would cascade, but there are none; users' list entries do (user_rooms).
    return rooms.length === 0 ? [] : this.deleteAbandonedTx(rooms, createdBefore);
  }
}
