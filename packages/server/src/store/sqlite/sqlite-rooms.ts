// SQLite's RoomStore: rooms, roles, bans, mutes and the room directory.
import type Database from 'better-sqlite3';
import { joinStandingQuery, toJoinStanding, type JoinStandingRow } from '../join-standing-row.js';
import type { JoinStanding, RoomInfo, RoomKind, RoomListQuery, RoomPage, RoomRole, RoomStore } from '../room-store.js';
import { ROOM_INFO_COLUMNS, toRoomInfo, type RoomInfoRow } from '../rows.js';
import type { SqliteSearch } from './sqlite-search.js';
import type { SqliteUploads } from './sqlite-uploads.js';
import { writeTransaction } from './sqlite-transaction.js';

function prepare(db: Database.Database) {
  return {
    room: db.prepare<[string], { id: number }>('SELECT id FROM rooms WHERE name = ?'),
    roomInfo: db.prepare<[string], RoomInfoRow>(`SELECT ${ROOM_INFO_COLUMNS} FROM rooms r WHERE r.name = ?`),
    joinStanding: db.prepare<[{ room: string; user: string }], JoinStandingRow>(joinStandingQuery(':room', ':user')),
    createRoomOfKind: db.prepare<[string, RoomKind, number, string | null, number]>(
      'INSERT INTO rooms (name, kind, private, owner_id, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING',
    ),
    roleOf: db.prepare<[string, string], { role: RoomRole }>(
      'SELECT rr.role FROM room_roles rr JOIN rooms r ON r.id = rr.room_id WHERE r.name = ? AND rr.user_id = ?',
    ),
    setRole: db.prepare<[string, RoomRole, string]>(
      `INSERT INTO room_roles (room_id, user_id, role) SELECT id, ?, ? FROM rooms WHERE name = ?
       ON CONFLICT (room_id, user_id) DO UPDATE SET role = excluded.role`,
    ),
    ban: db.prepare<[string, number, string]>(
      'INSERT INTO room_bans (room_id, user_id, created_at) SELECT id, ?, ? FROM rooms WHERE name = ? ON CONFLICT DO NOTHING',
    ),
    dropRole: db.prepare<[string, string]>('DELETE FROM room_roles WHERE room_id = (SELECT id FROM rooms WHERE name = ?) AND user_id = ?'),
    dropNonOwnerRole: db.prepare<[string, string]>(
      "DELETE FROM room_roles WHERE room_id = (SELECT id FROM rooms WHERE name = ?) AND user_id = ? AND role <> 'owner'",
    ),
    dropUserRoom: db.prepare<[string, string]>('DELETE FROM user_rooms WHERE room_id = (SELECT id FROM rooms WHERE name = ?) AND user_id = ?'),
    bannedUsers: db.prepare<[string, number], { user_id: string }>(
      'SELECT user_id FROM room_bans WHERE room_id = (SELECT id FROM rooms WHERE name = ?) ORDER BY created_at, user_id LIMIT ?',
    ),
    setTopic: db.prepare<[string | null, string]>('UPDATE rooms SET topic = ? WHERE name = ?'),
    unban: db.prepare<[string, string]>('DELETE FROM room_bans WHERE room_id = (SELECT id FROM rooms WHERE name = ?) AND user_id = ?'),
    isBanned: db.prepare<[string, string], { one: number }>(
      'SELECT 1 AS one FROM room_bans WHERE room_id = (SELECT id FROM rooms WHERE name = ?) AND user_id = ?',
    ),
    mute: db.prepare<[string, number, string]>(
      `INSERT INTO room_mutes (room_id, user_id, until) SELECT id, ?, ? FROM rooms WHERE name = ?
       ON CONFLICT (room_id, user_id) DO UPDATE SET until = excluded.until`,
    ),
    mutedUntil: db.prepare<[string, string], { until: number }>(
      'SELECT until FROM room_mutes WHERE room_id = (SELECT id FROM rooms WHERE name = ?) AND user_id = ?',
    ),
    deleteMessagesOf: db.prepare<[number]>('DELETE FROM messages WHERE room_id = ?'),
    deleteRoom: db.prepare<[number]>('DELETE FROM rooms WHERE id = ?'),
    // Walks the name index from `after` and stops at limit + 1 rooms seen. Named parameters:
    // user, after, contains (null: any name), limit.
    listRooms: db.prepare<[{ user: string; after: string; contains: string | null; limit: number }], RoomInfoRow>(
      `SELECT ${ROOM_INFO_COLUMNS} FROM rooms r
       WHERE r.name > :after
         AND (:contains IS NULL OR instr(lower(r.name), :contains) > 0)
         AND (r.kind = 'public' OR EXISTS (SELECT 1 FROM room_roles rr WHERE rr.room_id = r.id AND rr.user_id = :user))
         AND NOT EXISTS (SELECT 1 FROM room_bans b WHERE b.room_id = r.id AND b.user_id = :user)
       ORDER BY r.name LIMIT :limit`,
    ),
    listPublicRooms: db.prepare<[{ user: string; after: string; contains: string | null; limit: number }], RoomInfoRow>(
      `SELECT ${ROOM_INFO_COLUMNS} FROM rooms r
       WHERE r.name > :after AND r.kind = 'public'
         AND (:contains IS NULL OR instr(lower(r.name), :contains) > 0)
         AND NOT EXISTS (SELECT 1 FROM room_bans b WHERE b.room_id = r.id AND b.user_id = :user)
       ORDER BY r.name LIMIT :limit`,
    ),
    // From the user's roles (an index on user_id), not a walk over every public room.
    listPrivateRooms: db.prepare<[{ user: string; after: string; contains: string | null; limit: number }], RoomInfoRow>(
      `SELECT ${ROOM_INFO_COLUMNS} FROM room_roles rr JOIN rooms r ON r.id = rr.room_id
       WHERE rr.user_id = :user AND r.kind <> 'public' AND r.name > :after
         AND (:contains IS NULL OR instr(lower(r.name), :contains) > 0)
         AND NOT EXISTS (SELECT 1 FROM room_bans b WHERE b.room_id = r.id AND b.user_id = :user)
       ORDER BY r.name LIMIT :limit`,
    ),
  };
}

export class SqliteRooms implements RoomStore {
  private readonly statements: ReturnType<typeof prepare>;

  constructor(
    private readonly db: Database.Database,
    private readonly uploads: SqliteUploads,
    private readonly search: SqliteSearch,
  ) {
    this.statements = prepare(db);
  }

  async roomInfo(room: string): Promise<RoomInfo | null> {
    const row = this.statements.roomInfo.get(room);
    return row ? toRoomInfo(row) : null;
  }

  async joinStanding(room: string, userId: string): Promise<JoinStanding | null> {
    const row = this.statements.joinStanding.get({ room, user: userId });
    return row ? toJoinStanding(row, Date.now()) : null;
  }

  async createRoom(room: string, kind: RoomKind, ownerId: string | null): Promise<boolean> {
    return writeTransaction(this.db, () => {
      const { changes } = this.statements.createRoomOfKind.run(room, kind, kind === 'public' ? 0 : 1, ownerId, Date.now());
      if (changes === 1 && ownerId !== null) this.statements.setRole.run(ownerId, 'owner', room);
      return changes === 1;
    })();
  }

  async roleOf(room: string, userId: string): Promise<RoomRole | null> {
    return this.statements.roleOf.get(room, userId)?.role ?? null;
  }

  async setRole(room: string, userId: string, role: RoomRole): Promise<void> {
    this.statements.setRole.run(userId, role, room);
  }

  async ban(room: string, userId: string): Promise<void> {
    writeTransaction(this.db, () => {
      this.statements.ban.run(userId, Date.now(), room);
      this.statements.dropRole.run(room, userId);
      this.statements.dropUserRoom.run(room, userId);
    })();
  }

  async revokeRole(room: string, userId: string): Promise<void> {
    writeTransaction(this.db, () => {
      // An owner keeps both: there is nothing to revoke.
      if (this.statements.roleOf.get(room, userId)?.role === 'owner') return;
      this.statements.dropNonOwnerRole.run(room, userId);
      this.statements.dropUserRoom.run(room, userId);
    })();
  }

  async bannedUsers(room: string, limit: number): Promise<string[]> {
    return this.statements.bannedUsers.all(room, limit).map((r) => r.user_id);
  }

  async setTopic(room: string, topic: string): Promise<boolean> {
    return this.statements.setTopic.run(topic === '' ? null : topic, room).changes === 1;
  }

  async unban(room: string, userId: string): Promise<void> {
    this.statements.unban.run(room, userId);
  }

  async isBanned(room: string, userId: string): Promise<boolean> {
    return this.statements.isBanned.get(room, userId) !== undefined;
  }

  async mute(room: string, userId: string, until: number): Promise<void> {
    this.statements.mute.run(userId, until, room);
  }

  async mutedUntil(room: string, userId: string): Promise<number> {
    const until = this.statements.mutedUntil.get(room, userId)?.until ?? 0;
    return until > Date.now() ? until : 0;
  }

  async deleteRoom(room: string): Promise<boolean> {
    return writeTransaction(this.db, () => {
      const row = this.statements.room.get(room);
      if (!row) return false;
      // Roles, bans, mutes and user_rooms entries go with the room (ON DELETE CASCADE); messages
      // reference it plainly.
      this.uploads.goneWithRoom(row.id);
      this.search.unindexRoom(row.id);
      this.statements.deleteMessagesOf.run(row.id);
      this.statements.deleteRoom.run(row.id);
      return true;
    })();
  }

  async listRooms(userId: string | null, query: RoomListQuery): Promise<RoomPage> {
    const { listRooms, listPublicRooms, listPrivateRooms } = this.statements;
    const statement = query.private === undefined ? listRooms : query.private ? listPrivateRooms : listPublicRooms;
    // '' sorts before every name; no user has the id '' (ids are random), so null sees public rooms.
    const rows = statement.all({
      user: userId ?? '',
      after: query.after ?? '',
      contains: query.nameContains === undefined ? null : query.nameContains.toLowerCase(),
      limit: query.limit + 1,
    });
    const hasMore = rows.length > query.limit;
    if (hasMore) rows.pop();
    return { rooms: rows.map(toRoomInfo), hasMore };
  }
}
