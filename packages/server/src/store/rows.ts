// Rows to protocol objects, and the SQL both stores share (their schemas have the same columns).
// SQLite returns integers as numbers and booleans as 0/1; pg returns bigint columns as strings
// (they may exceed 2^53: ours are ms, seqs and row ids, well inside Number's exact range, except
// message ids, which stay strings as the protocol wants) and booleans as booleans.
import type { ChangeAction, ChangedFrame, ChatMessage, LogEntry, Reaction, User } from '@chat/protocol';
import { defaultNotifyLevel, LOBBY, MAX_REACTION_USERS, replyExcerpt } from '@chat/protocol';
import type { FileRecord, FileSigner, StoredFile } from './file-store.js';
import type { EntryPage, MessagePage } from './message-store.js';
import type { SearchPage } from './search-store.js';
import type { TokenInfo } from './account-store.js';
import type { RoomInfo, RoomKind } from './room-store.js';
import type { NotifyLevel, UserRoom } from './user-room-store.js';
import type { PushTarget } from './push-store.js';

type Int = number | string;
type Flag = number | boolean;

/** A user as the protocol shows it: `account: true` for accounts, nothing for guests. */
export const toUser = (id: string, nick: string, account: boolean): User => (account ? { id, nick, account: true } : { id, nick });

const isAccount = (userColumn: string): string => `EXISTS (SELECT 1 FROM users u WHERE u.id = ${userColumn} AND u.kind = 'account')`;

/**
 * A message's columns (of MESSAGE_FROM), with whether its sender is an account (USER.account) read
 * from users, and the message it answers as it is now: subqueries and a join by primary key or
 * unique (room_id, seq), which leave the (room_id, seq) plan alone.
 */
export const MESSAGE_COLUMNS = `m.id, m.seq, m.user_id, m.nick, m.client_id, m.text, m.ts, ${isAccount('m.user_id')} AS account,
  m.edited, m.deleted, m.reply_seq, m.mentions, m.reactions, m.files,
  t.user_id AS reply_user_id, t.nick AS reply_nick, t.text AS reply_text, ${isAccount('t.user_id')} AS reply_account`;

/** What MESSAGE_COLUMNS read from: the message `m` and the one it answers, `t`. */
export const MESSAGE_FROM = 'messages m LEFT JOIN messages t ON t.room_id = m.room_id AND t.seq = m.reply_seq';

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
  edited: Int | null;
  deleted: Flag;
  reply_seq: Int | null;
  /** JSON: the ids the text mentions. */
  mentions: string | null;
  /** JSON: Reaction[] (reactionSummary). */
  reactions: string | null;
  /** JSON: StoredFile[], in the order sent. */
  files: string | null;
  reply_user_id: string | null;
  reply_nick: string | null;
  reply_text: string | null;
  reply_account: Flag | null;
}

const truthy = (flag: Flag | null): boolean => flag === true || flag === 1;

/** A message in its current state: the optional fields only when they say something; its files' URLs signed with `sign`. */
export function toMessage(room: string, row: MessageRow, sign: FileSigner): ChatMessage {
  const message: ChatMessage = {
    type: 'message',
    room,
    seq: Number(row.seq),
    id: String(row.id),
    clientId: row.client_id,
    from: toUser(row.user_id, row.nick, truthy(row.account)),
    text: row.text,
    ts: Number(row.ts),
  };
  if (row.edited !== null) message.edited = Number(row.edited);
  if (truthy(row.deleted)) {
    message.deleted = true;
    return message;
  }
  if (row.reactions !== null) message.reactions = JSON.parse(row.reactions) as Reaction[];
  if (row.mentions !== null) message.mentions = JSON.parse(row.mentions) as string[];
  if (row.files !== null) message.files = (JSON.parse(row.files) as StoredFile[]).map(sign);
  // A reply whose target retention pruned shows no excerpt.
  if (row.reply_seq !== null && row.reply_user_id !== null && row.reply_nick !== null) {
    message.replyTo = {
      seq: Number(row.reply_seq),
      from: toUser(row.reply_user_id, row.reply_nick, truthy(row.reply_account)),
      text: replyExcerpt(row.reply_text ?? ''),
    };
  }
  return message;
}

/**
 * A page of `limit` from rows fetched with LIMIT limit + 1 (the extra row only says there is more),
 * ascending by seq; `newestFirst` when the query walked backwards (ORDER BY seq DESC).
 */
export function toPage(room: string, rows: MessageRow[], limit: number, newestFirst: boolean, sign: FileSigner): MessagePage {
  const hasMore = rows.length > limit;
  if (hasMore) rows.pop();
  if (newestFirst) rows.reverse();
  return { messages: rows.map((r) => toMessage(room, r, sign)), hasMore };
}

/** A change entry's columns, of `changes c`. */
export const CHANGE_COLUMNS = `c.seq, c.target_seq, c.action, c.user_id, c.nick, c.ts, ${isAccount('c.user_id')} AS account`;

/** A row of CHANGE_COLUMNS. */
export interface ChangeRow {
  seq: Int;
  target_seq: Int;
  action: ChangeAction;
  user_id: string;
  nick: string;
  ts: Int;
  account: Flag;
}

export const toChanged = (room: string, row: ChangeRow, message: ChatMessage): ChangedFrame => ({
  type: 'changed',
  room,
  seq: Number(row.seq),
  action: row.action,
  by: toUser(row.user_id, row.nick, truthy(row.account)),
  ts: Number(row.ts),
  message,
});

/**
 * A forward page from the first limit + 1 messages and the first limit + 1 changes after the same
 * seq (both ascending): merged by seq and cut to `limit`. `targets` holds the messages the
 * changes name, by seq (a missing one, pruned, drops its change). hasMore: an entry beyond the page
 * exists, or an entry was read and dropped at the page's end.
 */
export function toEntryPage(
  room: string,
  messages: MessageRow[],
  changes: ChangeRow[],
  targets: ReadonlyMap<number, ChatMessage>,
  limit: number,
  sign: FileSigner,
): EntryPage {
  const merged: Array<{ seq: number; entry: () => LogEntry | null }> = [
    ...messages.map((row) => ({ seq: Number(row.seq), entry: () => toMessage(room, row, sign) })),
    ...changes.map((row) => ({
      seq: Number(row.seq),
      entry: () => {
        const target = targets.get(Number(row.target_seq));
        return target ? toChanged(room, row, target) : null;
      },
    })),
  ].sort((a, b) => a.seq - b.seq);
  const hasMore = merged.length > limit;
  const entries: LogEntry[] = [];
  for (const item of merged.slice(0, limit)) {
    const entry = item.entry();
    if (entry) entries.push(entry);
  }
  return { messages: entries, hasMore };
}

/**
 * A message's reactions as MESSAGE carries them, from its reaction rows in the order they were
 * made: emojis in order of first use, each with its exact count and at most MAX_REACTION_USERS ids.
 * JSON for the message row's `reactions` column, or null when there are none.
 */
export function reactionSummary(rows: ReadonlyArray<{ emoji: string; user_id: string }>): string | null {
  if (rows.length === 0) return null;
  const byEmoji = new Map<string, Reaction>();
  for (const { emoji, user_id } of rows) {
    let reaction = byEmoji.get(emoji);
    if (!reaction) byEmoji.set(emoji, (reaction = { emoji, count: 0, users: [] }));
    reaction.count++;
    if (reaction.users.length < MAX_REACTION_USERS) reaction.users.push(user_id);
  }
  return JSON.stringify([...byEmoji.values()]);
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

/**
 * The most unread messages (and unread mentions) userRooms counts in a room: a client shows 99+
 * beyond 99, so counting further buys nothing, and each request walks at most this many index
 * entries and rows per room (1000 cost 55–100 ms for 100 rooms with a backlog: docs/benchmarks.md).
 */
export const UNREAD_CAP = 100;

/**
 * UserRoomStore.userRooms as one query, `user` being the SQL parameter holding the user's id.
 * unread walks the (room_id, seq) index from the marker and stops at UNREAD_CAP rows, so a huge
 * backlog costs no more than that; the user's own messages after the marker are few (their sends
 * raise it); `notDeleted` is the store's false (0, or false). mentions walks mentions' primary key
 * the same way (a redaction deletes its rows). ORDER BY seq keeps PostgreSQL on that index: without it, LIMIT makes a sequential
 * scan of messages look cheaper. A DM's peer is the other user holding a role in it.
 */
export const userRoomsQuery = (user: string, notDeleted: string): string => `SELECT r.name, r.kind, r.last_seq, ur.read_seq, ur.notify,
    (SELECT count(*) FROM (
       SELECT 1 FROM messages m WHERE m.room_id = ur.room_id AND m.seq > ur.read_seq AND m.user_id <> ${user} AND m.deleted = ${notDeleted}
       ORDER BY m.seq LIMIT ${UNREAD_CAP}
     ) AS after_marker) AS unread,
    (SELECT count(*) FROM (
       SELECT 1 FROM mentions x WHERE x.user_id = ${user} AND x.room_id = ur.room_id AND x.seq > ur.read_seq
       ORDER BY x.seq LIMIT ${UNREAD_CAP}
     ) AS mentioned) AS mentions,
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
  mentions: Int;
  peer_id: string | null;
  peer_nick: string | null;
  peer_kind: 'guest' | 'account' | null;
}

export function toUserRoom(row: UserRoomRow): UserRoom {
  const room: UserRoom = {
    name: row.name,
    kind: row.kind,
    lastSeq: Number(row.last_seq),
    readSeq: Number(row.read_seq),
    unread: Number(row.unread),
    mentions: Number(row.mentions),
    notify: row.notify ?? defaultNotifyLevel(row.kind),
  };
  if (row.peer_id !== null && row.peer_nick !== null) room.peer = toUser(row.peer_id, row.peer_nick, row.peer_kind === 'account');
  return room;
}

/** A row of `files` (file-store.ts), with its room's name where the query joined rooms. */
export interface FileRow {
  id: string;
  room?: string;
  user_id: string;
  name: string;
  size: Int;
  type: string;
  width: Int | null;
  height: Int | null;
  thumb: Flag;
  created_at: Int;
  state: 'unsent' | 'sent' | 'gone' | 'removed';
}

/** The columns of a FileRow, of `files f` joined with `rooms r`. */
export const FILE_COLUMNS = 'f.id, r.name AS room, f.user_id, f.name, f.size, f.type, f.width, f.height, f.thumb, f.created_at, f.state';

/** A file as MESSAGE.files stores it: the optional fields only when they say something. */
export function toStoredFile(row: FileRow): StoredFile {
  const file: StoredFile = { id: row.id, name: row.name, size: Number(row.size), type: row.type };
  if (row.width !== null && row.height !== null) {
    file.width = Number(row.width);
    file.height = Number(row.height);
  }
  if (truthy(row.thumb)) file.thumb = true;
  return file;
}

export const toFileRecord = (row: FileRow): FileRecord => ({
  ...toStoredFile(row),
  room: row.room ?? '',
  userId: row.user_id,
  createdAt: Number(row.created_at),
  sent: row.state === 'sent',
});

/** What a file that is gone keeps: no name (redaction erases it), its size and time for the quota. */
export const FILE_GONE = "state = 'gone', name = ''";

/**
 * SearchStore's rule for the rooms a search may look in, `r` being the room and `user` the SQL
 * parameter holding the caller's id: public rooms they are not banned from, and rooms where they
 * hold a role (members of private rooms and DMs; a ban takes the role away).
 */
export const searchableRoom = (user: string): string => `((r.kind = 'public' AND NOT EXISTS (SELECT 1 FROM room_bans b WHERE b.room_id = r.id AND b.user_id = ${user}))
  OR EXISTS (SELECT 1 FROM room_roles x WHERE x.room_id = r.id AND x.user_id = ${user}))`;

/**
 * SearchQuery.from as SQL: the message was sent under that nick (`lower` being the store's
 * Unicode lower-case function) or by the account of that username; `from` the SQL parameter
 * holding it, NULL for anyone.
 */
export const searchAuthor = (from: string, lower: string): string =>
  `(${from} IS NULL OR ${lower}(m.nick) = ${from} OR m.user_id IN (SELECT id FROM users WHERE username = ${from}))`;

/** A page of search hits from rows fetched with LIMIT limit + 1, newest first. */
export function toSearchPage(rows: Array<MessageRow & { room: string }>, limit: number, sign: FileSigner): SearchPage {
  const hasMore = rows.length > limit;
  if (hasMore) rows.pop();
  return { results: rows.map((row) => ({ room: row.room, message: toMessage(row.room, row, sign) })), hasMore };
}

/**
 * push-store.ts pushTargets, for the room `roomId` once its kind is known: the subscriptions of
 * its members but the sender whose level asks for the message. A DM has two members: both are
 * read. In another room only the few candidates are, so that a big room's messages do not walk
 * its members: those on `all` (a partial index on notify = 'all') and the mentioned on `mentions`
 * (their (user_id, room_id) key). `mentioned` is the store's test "ur.user_id is among them".
 */
export const pushTargetsQuery = (roomId: string, sender: string, mentioned: string, dm: boolean): string => {
  const select = (where: string) => `SELECT s.endpoint, s.p256dh, s.auth, s.user_id, ${dm ? "'dm'" : "'room'"} AS kind, (${mentioned}) AS mention
    FROM user_rooms ur JOIN push_subscriptions s ON s.user_id = ur.user_id
    WHERE ur.room_id = ${roomId} AND ur.user_id <> ${sender} AND ${where}`;
  if (dm) return select(`(coalesce(ur.notify, 'all') = 'all' OR (ur.notify = 'mentions' AND (${mentioned})))`);
  return `${select("ur.notify = 'all'")}
  UNION ALL
  ${select(`(${mentioned}) AND coalesce(ur.notify, 'mentions') = 'mentions'`)}`;
};

/** A row of pushTargetsQuery. */
export interface PushTargetRow {
  endpoint: string;
  p256dh: string;
  auth: string;
  user_id: string;
  kind: 'dm' | 'room';
  mention: boolean | Int;
}

export const toPushTarget = (row: PushTargetRow): PushTarget => ({
  endpoint: row.endpoint,
  p256dh: row.p256dh,
  auth: row.auth,
  userId: row.user_id,
  dm: row.kind === 'dm',
  mention: Boolean(row.mention),
});
