// Rows to protocol objects, and the SQL both stores share (their schemas have the same columns).
// SQLite returns integers as numbers and booleans as 0/1; pg returns bigint columns as strings
// (they may exceed 2^53: ours are ms, seqs and row ids, well inside Number's exact range, except
// message ids, which stay strings as the protocol wants) and booleans as booleans.
import type { ChatMessage, User } from '@chat/protocol';
import { LOBBY } from '@chat/protocol';
import type { MessagePage } from './message-store.js';
import type { TokenInfo } from './account-store.js';
import type { RoomInfo, RoomKind } from './room-store.js';

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
}

export const toRoomInfo = (row: RoomInfoRow): RoomInfo => ({ name: row.name, kind: row.kind, ownerId: row.owner_id, lastSeq: Number(row.last_seq) });

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
