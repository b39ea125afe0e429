// PostgreSQL's RoomStore: rooms, roles, bans, mutes and the room directory. What must change
// together is one statement (a data-modifying CTE), so it commits together.
import { joinStandingQuery, toJoinStanding, type JoinStandingRow } from '../join-standing-row.js';
import type { JoinStanding, RoomInfo, RoomKind, RoomListQuery, RoomPage, RoomRole, RoomStore } from '../room-store.js';
import { FILE_GONE, ROOM_INFO_COLUMNS, toRoomInfo, type RoomInfoRow } from '../rows.js';
import type { Int8, PgDatabase } from './pg-database.js';
import { pgText } from './pg-text.js';

const JOIN_STANDING = joinStandingQuery('$1', '$2');

export class PgRooms implements RoomStore {
  constructor(private readonly db: PgDatabase) {}

  async roomInfo(room: string): Promise<RoomInfo | null> {
    const [row] = await this.db.rows<RoomInfoRow>(`SELECT ${ROOM_INFO_COLUMNS} FROM rooms r WHERE r.name = $1`, [room]);
    return row ? toRoomInfo(row) : null;
  }

  async joinStanding(room: string, userId: string): Promise<JoinStanding | null> {
    const [row] = await this.db.rows<JoinStandingRow>(JOIN_STANDING, [room, userId]);
    return row ? toJoinStanding(row, Date.now()) : null;
  }

  async createRoom(room: string, kind: RoomKind, ownerId: string | null): Promise<boolean> {
    // One statement: the room and its owner's role are stored together or not at all.
    const [row] = await this.db.rows<{ created: number }>(
      `WITH r AS (
         INSERT INTO rooms (name, kind, owner_id, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (name) DO NOTHING RETURNING id
       ), owner AS (
         INSERT INTO room_roles (room_id, user_id, role) SELECT id, $3, 'owner' FROM r WHERE $3::text IS NOT NULL
       )
       SELECT count(*)::int AS created FROM r`,
      [room, kind, ownerId, Date.now()],
    );
    return row?.created === 1;
  }

  async roleOf(room: string, userId: string): Promise<RoomRole | null> {
    const [row] = await this.db.rows<{ role: RoomRole }>(
      'SELECT rr.role FROM room_roles rr JOIN rooms r ON r.id = rr.room_id WHERE r.name = $1 AND rr.user_id = $2',
      [room, userId],
    );
    return row?.role ?? null;
  }

  async setRole(room: string, userId: string, role: RoomRole): Promise<void> {
    await this.db.query(
      `INSERT INTO room_roles (room_id, user_id, role) SELECT id, $1, $2 FROM rooms WHERE name = $3
       ON CONFLICT (room_id, user_id) DO UPDATE SET role = excluded.role`,
      [userId, role, room],
    );
  }

  async ban(room: string, userId: string): Promise<void> {
    // One statement, so neither the role nor the list entry can outlive the ban (a data-modifying
    // CTE runs with it).
    await this.db.query(
      `WITH r AS (SELECT id FROM rooms WHERE name = $3),
            dropped AS (DELETE FROM room_roles WHERE room_id = (SELECT id FROM r) AND user_id = $1),
            unlisted AS (DELETE FROM user_rooms WHERE room_id = (SELECT id FROM r) AND user_id = $1)
       INSERT INTO room_bans (room_id, user_id, created_at) SELECT id, $1, $2 FROM r ON CONFLICT DO NOTHING`,
      [userId, Date.now(), room],
    );
  }

  async revokeRole(room: string, userId: string): Promise<void> {
    // One statement: the role and the list entry go together. An owner keeps both (the entry goes
    // only where a non-owner's role was found: a user without any role loses the entry too).
    await this.db.query(
      `WITH r AS (SELECT id FROM rooms WHERE name = $1),
            owner AS (SELECT 1 FROM room_roles WHERE room_id = (SELECT id FROM r) AND user_id = $2 AND role = 'owner'),
            dropped AS (DELETE FROM room_roles WHERE room_id = (SELECT id FROM r) AND user_id = $2 AND role <> 'owner')
       DELETE FROM user_rooms WHERE room_id = (SELECT id FROM r) AND user_id = $2 AND NOT EXISTS (SELECT 1 FROM owner)`,
      [room, userId],
    );
  }

  async bannedUsers(room: string, limit: number): Promise<string[]> {
    const rows = await this.db.rows<{ user_id: string }>(
      'SELECT user_id FROM room_bans WHERE room_id = (SELECT id FROM rooms WHERE name = $1) ORDER BY created_at, user_id COLLATE "C" LIMIT $2',
      [room, limit],
    );
    return rows.map((r) => r.user_id);
  }

  async setTopic(room: string, topic: string): Promise<boolean> {
    const result = await this.db.query('UPDATE rooms SET topic = $1 WHERE name = $2', [topic === '' ? null : pgText(topic), room]);
    return result.rowCount === 1;
  }

  async unban(room: string, userId: string): Promise<void> {
    await this.db.query('DELETE FROM room_bans WHERE room_id = (SELECT id FROM rooms WHERE name = $1) AND user_id = $2', [room, userId]);
  }

  async isBanned(room: string, userId: string): Promise<boolean> {
    const rows = await this.db.rows('SELECT 1 FROM room_bans WHERE room_id = (SELECT id FROM rooms WHERE name = $1) AND user_id = $2', [
      room,
      userId,
    ]);
    return rows.length > 0;
  }

  async mute(room: string, userId: string, until: number): Promise<void> {
    await this.db.query(
      `INSERT INTO room_mutes (room_id, user_id, until) SELECT id, $1, $2 FROM rooms WHERE name = $3
       ON CONFLICT (room_id, user_id) DO UPDATE SET until = excluded.until`,
      [userId, until, room],
    );
  }

  async mutedUntil(room: string, userId: string): Promise<number> {
    const [row] = await this.db.rows<{ until: Int8 }>(
      'SELECT until FROM room_mutes WHERE room_id = (SELECT id FROM rooms WHERE name = $1) AND user_id = $2',
      [room, userId],
    );
    const until = row ? Number(row.until) : 0;
    return until > Date.now() ? until : 0;
  }

  async deleteRoom(room: string): Promise<boolean> {
    // Messages, changes, reactions, mentions, roles, bans, mutes and user_rooms entries go with the
    // room (ON DELETE CASCADE, each served by an index that starts with room_id); its files are
    // gone (the sweeper removes their bytes).
    // Deleting the row waits for any appender holding its lock; an appender arriving later creates
    // a new room.
    const rows = await this.db.rows<{ id: string }>(
      `WITH deleted AS (DELETE FROM rooms WHERE name = $1 RETURNING id),
            files_gone AS (UPDATE files SET ${FILE_GONE} WHERE room_id IN (SELECT id FROM deleted) AND state IN ('unsent', 'sent'))
       SELECT id FROM deleted`,
      [room],
    );
    return rows.length === 1;
  }

  async listRooms(userId: string | null, query: RoomListQuery): Promise<RoomPage> {
    // $3: null lists both kinds, true only private rooms and DMs, false only public rooms. Names
    // compare in byte order (the column's "C" collation), as SQLite does.
    const rows = await this.db.rows<RoomInfoRow>(
      `SELECT ${ROOM_INFO_COLUMNS} FROM rooms r
       WHERE r.name > $2
         AND ($4::text IS NULL OR strpos(lower(r.name), $4) > 0)
         AND CASE WHEN $3::boolean IS NULL THEN r.kind = 'public' OR EXISTS (SELECT 1 FROM room_roles rr WHERE rr.room_id = r.id AND rr.user_id = $1)
                  WHEN $3 THEN r.kind <> 'public' AND EXISTS (SELECT 1 FROM room_roles rr WHERE rr.room_id = r.id AND rr.user_id = $1)
                  ELSE r.kind = 'public' END
         AND NOT EXISTS (SELECT 1 FROM room_bans b WHERE b.room_id = r.id AND b.user_id = $1)
       ORDER BY r.name LIMIT $5`,
      [userId, query.after ?? '', query.private ?? null, query.nameContains === undefined ? null : pgText(query.nameContains.toLowerCase()), query.limit + 1],
    );
    const hasMore = rows.length > query.limit;
    if (hasMore) rows.pop();
    return { rooms: rows.map(toRoomInfo), hasMore };
  }
}
