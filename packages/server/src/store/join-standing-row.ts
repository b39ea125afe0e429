// RoomStore.joinStanding's statement, which both stores share (rows.ts says how their values
// differ): the room by its unique name, and each of the user's rows in it by a primary key or
// unique index lookup — a scalar subquery each, so a user without a role, ban, mute or list entry
// still gets the room's row (test/store/join-standing-sql.test.ts checks the plans).
import type { JoinStanding, RoomRole } from './room-store.js';
import { ROOM_INFO_COLUMNS, toRoomInfo, type RoomInfoRow } from './rows.js';

type Int = number | string;

/** `room` and `user` are the placeholders of the room's name and the user's id. */
export const joinStandingQuery = (room: string, user: string): string => `SELECT ${ROOM_INFO_COLUMNS},
  EXISTS (SELECT 1 FROM room_bans b WHERE b.room_id = r.id AND b.user_id = ${user}) AS banned,
  (SELECT rr.role FROM room_roles rr WHERE rr.room_id = r.id AND rr.user_id = ${user}) AS role,
  (SELECT mu.until FROM room_mutes mu WHERE mu.room_id = r.id AND mu.user_id = ${user}) AS muted_until,
  (SELECT ur.read_seq FROM user_rooms ur WHERE ur.user_id = ${user} AND ur.room_id = r.id) AS read_seq
FROM rooms r WHERE r.name = ${room}`;

export interface JoinStandingRow extends RoomInfoRow {
  banned: number | boolean;
  role: RoomRole | null;
  muted_until: Int | null;
  read_seq: Int | null;
}

/** `now`: ms since the epoch, as the store's mutedUntil compares a mute's end with. */
export function toJoinStanding(row: JoinStandingRow, now: number): JoinStanding {
  const until = row.muted_until === null ? 0 : Number(row.muted_until);
  return {
    info: toRoomInfo(row),
    banned: Boolean(row.banned),
    role: row.role,
    mutedUntil: until > now ? until : 0,
    readSeq: row.read_seq === null ? null : Number(row.read_seq),
  };
}
