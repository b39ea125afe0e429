// Rows to protocol objects, and the SQL both stores share (their schemas have the same columns).
// SQLite returns integers as numbers and booleans as 0/1; pg returns bigint columns as strings
// (they may exceed 2^53: ours are ms, seqs and row ids, well inside Number's exact range, except
// message ids, which stay strings as the protocol wants) and booleans as booleans.
import type { ChatMessage, User } from '@chat/protocol';
import { LOBBY } from '@chat/protocol';
import type { MessagePage } from './message-store.js';
import type { TokenInfo } from './account-store.js';
import type { RoomInfo, RoomKind } from './room-store.js';
import type { NotifyLevel, UserRoom } from './user-room-store.js';

type Int = number | string;
type Flag = number | boolean;

/** A user as the protocol shows it: `account: true` for accounts, nothing for guests. */
export const toUser = (id: string, nick: string, account: boolean): User => (account ? { id, nick, account: true } : { id, nick });

/**
 * A message's columns, with whether its sender is an account (USER.account) read from users: a
 * subquery by primary key, which leaves the (room_id, seq) plan alone.
 */
export const MESSAGE_COLUMNS =
  "m.id, m.seq, m.user_id, m.nick, m.client_id, m.text, m.ts, EXISTS (SELECT 1 FROM users u WHERE u.id = m.user_id AND u.kind = 'account') AS account";

/** A row of MESSAGE_COLUMNS. */
export interface MessageRow {
  id: Int;
  seq: Int;
  user_id: string;
  nick: string;
  client_id: string;
  text: string;
  ts: Int;
  /** The sender is an account. */
  account: Flag;
}

export function toMessage(room: string, row: MessageRow): ChatMessage {
  return {
    type: 'message',
    room,
    seq: Number(row.seq),
    id: String(row.id),
    clientId: row.client_id,
    from: toUser(row.user_id, row.nick, row.account === true || row.account === 1),
    text: row.text,
    ts: Number(row.ts),
  };
}

/**
 * A page of `limit` from rows fetched with LIMIT limit + 1 (the extra row only says there is more),
 * ascending by seq; `newestFirst` when the query walked backwards (ORDER BY seq DESC).
 */
export function toPage(room: string, rows: MessageRow[], limit: number, newestFirst: boolean): MessagePage {
  const hasMore = rows.length > limit;
  if (hasMore) rows.pop();
  if (newestFirst) rows.reverse();
  return { messages: rows.map((r) => toMessage(room, r)), hasMore };
}

export interface RoomInfoRow {
  name: string;
  kind: RoomKind;
  owner_id: string | null;
  last_seq: Int;
  topic: string | null;
}

/** The columns of a RoomInfoRow, of `rooms r`. */
export const ROOM_INFO_COLUMNS = 'r.name, r.kind, r.owner_id, r.last_seq, r.topic';

export const toRoomInfo = (row: RoomInfoRow): RoomInfo => ({
  name: row.name,
  kind: row.kind,
  ownerId: row.owner_id,
  lastSeq: Number(row.last_seq),
  ...(row.topic ? { topic: row.topic } : {}),
});

export interface TokenInfoRow {
  id: string;
  name: string | null;
  created_at: Int;
  last_used_at: Int | null;
}

export const toTokenInfo = (r: TokenInfoRow): TokenInfo => ({
  id: r.id,
  name: r.name ?? '',
  createdAt: Number(r.created_at),
  lastUsedAt: r.last_used_at === null ? null : Number(r.last_used_at),
});

/**
 * SweepStore.abandonedRooms' test of a room `r`: a public room that never had a message, made
 * before `cutoff` (the SQL parameter holding createdBefore), holding nothing; never the lobby.
 */
export const abandonedRoom = (cutoff: string): string => `r.kind = 'public' AND r.last_seq = 0 AND r.created_at < ${cutoff} AND r.name <> '${LOBBY}'
  AND NOT EXISTS (SELECT 1 FROM room_roles x WHERE x.room_id = r.id)
  AND NOT EXISTS (SELECT 1 FROM room_bans x WHERE x.room_id = r.id)
  AND NOT EXISTS (SELECT 1 FROM room_mutes x WHERE x.room_id = r.id)`;

/** The most unread messages userRooms counts in a room (UserRoom.unread is "at most 1000"). */
export const UNREAD_CAP = 1000;

/**
 * UserRoomStore.userRooms as one query, `user` being the SQL parameter holding the user's id.
 * unread walks the (room_id, seq) index from the marker and stops at UNREAD_CAP rows, so a huge
 * backlog costs no more than that; the user's own messages after the marker are few (their sends
 * raise it). ORDER BY seq keeps PostgreSQL on that index: without it, LIMIT makes a sequential
 * scan of messages look cheaper. A DM's peer is the other user holding a role in it.
 */
export const userRoomsQuery = (user: string): string => `SELECT r.name, r.kind, r.last_seq, ur.read_seq, ur.notify,
    (SELECT count(*) FROM (
       SELECT 1 FROM messages m WHERE m.room_id = ur.room_id AND m.seq > ur.read_seq AND m.user_id <> ${user}
       ORDER BY m.seq LIMIT ${UNREAD_CAP}
     ) AS after_marker) AS unread,
    p.id AS peer_id, p.nick AS peer_nick, p.kind AS peer_kind
  FROM user_rooms ur JOIN rooms r ON r.id = ur.room_id
  LEFT JOIN users p ON r.kind = 'dm'
    AND p.id = (SELECT rr.user_id FROM room_roles rr WHERE rr.room_id = r.id AND rr.user_id <> ${user} ORDER BY rr.user_id LIMIT 1)
  WHERE ur.user_id = ${user}
  ORDER BY ur.id`;

/** A row of userRoomsQuery. */
export interface UserRoomRow {
  name: string;
  kind: RoomKind;
  last_seq: Int;
  read_seq: Int;
  notify: NotifyLevel | null;
  unread: Int;
  peer_id: string | null;
  peer_nick: string | null;
  peer_kind: 'guest' | 'account' | null;
}

/** A DM notifies of every message by default, other rooms of mentions only. */
export const defaultNotify = (kind: RoomKind): NotifyLevel => (kind === 'dm' ? 'all' : 'mentions');

export function toUserRoom(row: UserRoomRow): UserRoom {
  const room: UserRoom = {
    name: row.name,
    kind: row.kind,
    lastSeq: Number(row.last_seq),
    readSeq: Number(row.read_seq),
    unread: Number(row.unread),
    mentions: 0, // mentions are not stored yet
    notify: row.notify ?? defaultNotify(row.kind),
  };
  if (row.peer_id !== null && row.peer_nick !== null) room.peer = toUser(row.peer_id, row.peer_nick, row.peer_kind === 'account');
  return room;
}
