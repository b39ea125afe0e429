// SQLite's UserRoomStore: the rooms each user keeps, their read markers and notification levels.
// Appends raise the sender's marker in sqlite-messages.ts; bans, revoked roles and deleted rooms
// remove entries in sqlite-rooms.ts (and by ON DELETE CASCADE).
import type Database from 'better-sqlite3';
import { toUserRoom, userRoomsQuery, type UserRoomRow } from '../rows.js';
import type { NotifyLevel, UserRoom, UserRoomStore } from '../user-room-store.js';
import { unsyncedWriteTransaction } from './sqlite-transaction.js';
import { TickBatch } from './tick-batch.js';

function prepare(db: Database.Database) {
  return {
    // The first add starts the marker at the room's last seq; a repeat leaves the entry alone.
    add: db.prepare<[string, string]>(
      `INSERT INTO user_rooms (user_id, room_id, read_seq) SELECT ?, id, last_seq FROM rooms WHERE name = ?
       ON CONFLICT (user_id, room_id) DO NOTHING`,
    ),
    readSeq: db.prepare<[string, string], { read_seq: number }>(
      'SELECT read_seq FROM user_rooms WHERE user_id = ? AND room_id = (SELECT id FROM rooms WHERE name = ?)',
    ),
    remove: db.prepare<[string, string]>('DELETE FROM user_rooms WHERE user_id = ? AND room_id = (SELECT id FROM rooms WHERE name = ?)'),
    list: db.prepare<[{ user: string }], UserRoomRow>(userRoomsQuery(':user', '0')),
    // Writes only when the marker goes up (never past the room's last seq).
    raise: db.prepare<[{ user: string; room: string; seq: number }], { read_seq: number }>(
      `UPDATE user_rooms AS ur SET read_seq = min(:seq, r.last_seq) FROM rooms r
       WHERE r.name = :room AND ur.room_id = r.id AND ur.user_id = :user AND ur.read_seq < min(:seq, r.last_seq)
       RETURNING read_seq`,
    ),
    setNotify: db.prepare<[NotifyLevel, string, string]>(
      'UPDATE user_rooms SET notify = ? WHERE user_id = ? AND room_id = (SELECT id FROM rooms WHERE name = ?)',
    ),
  };
}

export class SqliteUserRooms implements UserRoomStore {
  private readonly statements: ReturnType<typeof prepare>;
  /** Rooms joining users' lists in the same moment, one transaction (every new guest's first join). */
  private readonly adds: TickBatch<{ userId: string; room: string }, number>;
  private readonly raiseTx: (userId: string, room: string, seq: number) => { read_seq: number } | undefined;

  constructor(db: Database.Database) {
    this.statements = prepare(db);
    const add = ({ userId, room }: { userId: string; room: string }): number => {
      this.statements.add.run(userId, room);
      const row = this.statements.readSeq.get(userId, room);
      if (!row) throw new Error(`no room ${JSON.stringify(room)}`);
      return row.read_seq;
    };
    // Without their own fsync: a power loss may drop a room from a list (the join still stands,
    // and the next join adds it again); every new guest's first join would otherwise pay one.
    this.adds = new TickBatch(
      unsyncedWriteTransaction(db, (entries: Array<{ userId: string; room: string }>) => entries.map(add)),
      unsyncedWriteTransaction(db, add),
    );
    // A read marker lost to a power loss only shows a few read messages as unread again.
    this.raiseTx = unsyncedWriteTransaction(db, (user: string, room: string, seq: number) => this.statements.raise.get({ user, room, seq }));
  }

  async addUserRoom(userId: string, room: string): Promise<number> {
    return this.adds.add({ userId, room });
  }

  async removeUserRoom(userId: string, room: string): Promise<void> {
    this.statements.remove.run(userId, room);
  }

  async userRooms(userId: string): Promise<UserRoom[]> {
    return this.statements.list.all({ user: userId }).map(toUserRoom);
  }

  async raiseReadSeq(userId: string, room: string, seq: number): Promise<number | null> {
    const raised = this.raiseTx(userId, room, seq);
    return raised?.read_seq ?? this.statements.readSeq.get(userId, room)?.read_seq ?? null;
  }

  async setNotify(userId: string, room: string, level: NotifyLevel): Promise<boolean> {
    return this.statements.setNotify.run(level, userId, room).changes === 1;
  }
}
