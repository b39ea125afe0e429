// PostgreSQL's UserRoomStore: the rooms each user keeps, their read markers and notification
// levels. Appends raise the sender's marker in pg-messages.ts; bans, revoked roles and deleted
// rooms remove entries in pg-rooms.ts (and by ON DELETE CASCADE).
import { toUserRoom, userRoomsQuery, type UserRoomRow } from '../rows.js';
import type { NotifyLevel, UserRoom, UserRoomStore } from '../user-room-store.js';
import type { Int8, PgDatabase } from './pg-database.js';

const READ_SEQ = 'SELECT read_seq FROM user_rooms WHERE user_id = $1 AND room_id = (SELECT id FROM rooms WHERE name = $2)';

export class PgUserRooms implements UserRoomStore {
  constructor(private readonly db: PgDatabase) {}

  async addUserRoom(userId: string, room: string): Promise<number> {
    // The first add starts the marker at the room's last seq. DO UPDATE rather than DO NOTHING so
    // that an entry added by a concurrent call is returned too (it leaves the marker as it is).
    const [added] = await this.db.rows<{ read_seq: Int8 }>(
      `INSERT INTO user_rooms (user_id, room_id, read_seq) SELECT $1, id, last_seq FROM rooms WHERE name = $2
       ON CONFLICT (user_id, room_id) DO UPDATE SET read_seq = user_rooms.read_seq RETURNING read_seq`,
      [userId, room],
    );
    if (!added) throw new Error(`no room ${JSON.stringify(room)}`);
    return Number(added.read_seq);
  }

  async removeUserRoom(userId: string, room: string): Promise<void> {
    await this.db.query('DELETE FROM user_rooms WHERE user_id = $1 AND room_id = (SELECT id FROM rooms WHERE name = $2)', [userId, room]);
  }

  async userRooms(userId: string): Promise<UserRoom[]> {
    return (await this.db.rows<UserRoomRow>(userRoomsQuery('$1', 'false'), [userId])).map(toUserRoom);
  }

  async raiseReadSeq(userId: string, room: string, seq: number): Promise<number | null> {
    // Writes only when the marker goes up (never past the room's last seq); otherwise a fresh
    // read (a new snapshot) says where it stands.
    const [raised] = await this.db.rows<{ read_seq: Int8 }>(
      `UPDATE user_rooms ur SET read_seq = least($3::bigint, r.last_seq) FROM rooms r
       WHERE r.name = $2 AND ur.room_id = r.id AND ur.user_id = $1 AND ur.read_seq < least($3::bigint, r.last_seq)
       RETURNING ur.read_seq`,
      [userId, room, seq],
    );
    const row = raised ?? (await this.db.rows<{ read_seq: Int8 }>(READ_SEQ, [userId, room]))[0];
    return row ? Number(row.read_seq) : null;
  }

  async setNotify(userId: string, room: string, level: NotifyLevel): Promise<boolean> {
    const result = await this.db.query(
      'UPDATE user_rooms SET notify = $3 WHERE user_id = $1 AND room_id = (SELECT id FROM rooms WHERE name = $2)',
      [userId, room, level],
    );
    return result.rowCount === 1;
  }
}
