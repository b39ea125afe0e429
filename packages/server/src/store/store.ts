// The persistence contract. The store is the source of truth for users, rooms and messages; the hub
// and the gateway only ever talk to this interface. Implementations: SqliteStore (the default)
// and PgStore (DATABASE_URL, cluster mode); both pass one conformance suite
// (test/store/store-conformance.ts).
import type { ChatMessage, User } from '@chat/protocol';

/** Where a store tells the operator what they must know (never message text, tokens or passwords). */
export interface StoreLog {
  error(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/**
 * A write the store could not make for a reason outside the request: the disk is full, an I/O
 * error, a read-only database. Nothing of that write was stored. The store logs such an outage
 * once when it starts and once when it ends (store/write-health.ts), so callers need not log each
 * failure; ping() rejects with one until writes work again.
 */
export class StoreWriteError extends Error {
  override name = 'StoreWriteError';
  /** The database's own code for it, e.g. SQLITE_FULL or 53100. */
  readonly code: string;
  constructor(code: string, options?: { cause?: unknown }) {
    super(`store writes are failing (${code})`, options);
    this.code = code;
  }
}

/** A message on its way into the store. */
export interface NewMessage {
  room: string;
  from: User;
  /** The sender's idempotency key; (room, from.id, clientId) identifies a message for ever. */
  clientId: string;
  /** Already validated and trimmed. */
  text: string;
}

/**
 * The outcome of one NewMessage in a batch. `duplicate` is true when (room, user, clientId) was
 * stored before: `message` is then the original, unchanged (its text, seq and ts), and nothing new
 * was stored.
 */
export interface AppendResult {
  message: ChatMessage;
  duplicate: boolean;
}

export interface MessagePage {
  /** Ascending by seq. */
  messages: ChatMessage[];
  /** See each query for what "more" means. */
  hasMore: boolean;
}

/** A guest or account identity, with the bearer token that restores it. */
export interface IssuedIdentity {
  user: User;
  /** Shown to the client once; the store keeps only its hash. */
  token: string;
}

/** guest: restores a guest; session: a signed-in browser (cookie); bearer: a bot or CLI client. */
export type TokenKind = 'guest' | 'session' | 'bearer';

/** Who a token belongs to. */
export interface TokenIdentity {
  user: User;
  /** A registered account (its nick is its username), as opposed to a guest. */
  account: boolean;
  kind: TokenKind;
  /** Public id of the token (for listing and revoking), never the token itself. */
  tokenId: string;
}

export interface AccountRecord {
  user: User;
  /** Self-describing hash (auth/password.ts); never the password. */
  passwordHash: string;
  /**
   * The operator made this account an admin (`chat-server admin create`, ADMIN_PASSWORD_FILE).
   * Admin rights need this AND the username in ADMIN_USERS (auth/admins.ts): an account that
   * anyone registered under a listed name is never an admin.
   */
  operatorAdmin: boolean;
}

export interface TokenInfo {
  id: string;
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
}

/** public: anyone may join; private: owner, moderators and invited members; dm: its two users. */
export type RoomKind = 'public' | 'private' | 'dm';
/** member: may join a private room; moderator, owner: may moderate (kick, ban, mute; owner: op). */
export type RoomRole = 'owner' | 'moderator' | 'member';

export interface RoomInfo {
  name: string;
  kind: RoomKind;
  ownerId: string | null;
  lastSeq: number;
}

/** Which rooms listRooms returns: a page of them, in name order. */
export interface RoomListQuery {
  /** Most rooms in the page (at least 1). */
  limit: number;
  /** Only rooms whose name sorts after this (keyset paging: the last name of the previous page). */
  after?: string;
  /** Only rooms whose name contains this, ignoring case; a plain string, not a pattern. */
  nameContains?: string;
  /** true: only private rooms and DMs; false: only public rooms; absent: both. */
  private?: boolean;
}

export interface RoomPage {
  /** Ascending by name, in byte order. */
  rooms: RoomInfo[];
  /** More rooms of the query follow the last one returned. */
  hasMore: boolean;
}

/** What one sweepExpiredTokens call deleted. */
export interface TokenSweep {
  tokens: number;
  guests: number;
}

/** One step of the abandoned-room scan. */
export interface AbandonedRoomScan {
  /** The abandoned rooms among those examined, in name order. */
  rooms: string[];
  /** Where the next step starts (pass it as `after`); null when the scan reached the last room. */
  next: string | null;
}

export interface Store {
  /**
   * Stores a batch of messages in ONE durable transaction (group commit) and resolves only once it
   * is on disk: a resolved message survives kill -9 and power loss. Each room's seq continues from
   * its last stored seq, +1 per new message in batch order, with no gaps and never reused, even
   * after a crash or after old messages are deleted. Rooms are created as needed. Results are in
   * batch order. A duplicate of an earlier message in the same batch is reported as a duplicate.
   * If it rejects, nothing of the batch was stored; with a StoreWriteError when the store cannot
   * write at all for now (disk full, I/O error, read-only).
   */
  appendMessages(batch: NewMessage[]): Promise<AppendResult[]>;

  /** Creates the public room if it does not exist; resolves with its last seq (0 when empty). */
  ensureRoom(room: string): Promise<number>;

  /** The room's last seq (0 when empty), or null if the room does not exist. */
  lastSeq(room: string): Promise<number | null>;

  /**
   * The newest `limit` messages with seq < `before` (all seqs when before is undefined), ascending.
   * hasMore: a message older than the first returned exists.
   */
  messagesBefore(room: string, before: number | undefined, limit: number): Promise<MessagePage>;

  /** The oldest `limit` messages with seq > `after`, ascending. hasMore: a newer one exists. */
  messagesAfter(room: string, after: number, limit: number): Promise<MessagePage>;

  /** Creates a guest user with this nick and a new restore token. */
  createGuest(nick: string): Promise<IssuedIdentity>;

  /**
   * Who a token (of any kind) belongs to, or null when it is unknown, revoked or expired. A
   * successful lookup extends a guest or session token's life (sliding expiry); bearer tokens do
   * not expire.
   */
  identityByToken(token: string): Promise<TokenIdentity | null>;

  /** Changes a user's nick for future messages and sessions. */
  renameUser(userId: string, nick: string): Promise<void>;

  // ---- accounts (issue 5) ----------------------------------------------------------------------

  /**
   * Creates an account whose nick is its username; null when the username is taken (nothing
   * changes then, whatever `operatorAdmin` asked for). `operatorAdmin` defaults to false.
   */
  createAccount(username: string, passwordHash: string, options?: { operatorAdmin?: boolean }): Promise<User | null>;

  /** The account with this username (exact, usernames are lower case), or null. */
  accountByUsername(username: string): Promise<AccountRecord | null>;

  /**
   * An account whose username this nick passes for (issue 13), or null: the same skeleton once
   * both are reduced by auth/nick-skeleton.ts (NFKC, case, Unicode TR39 confusables, accents), so
   * `alice`, `ALICE`, `аlice` (Cyrillic а) and `a1ice` all find the account alice; `rnary` finds
   * mary. Guests are never found. With several such accounts, any one of them.
   */
  lookalikeAccount(nick: string): Promise<User | null>;

  /** Replaces an account's password hash (e.g. a rehash with stronger parameters). */
  setPasswordHash(userId: string, passwordHash: string): Promise<void>;

  /**
   * The operator takes an account over (`chat-server admin create NAME --reset`): sets its password
   * hash and its operatorAdmin flag and revokes every token of the account (sessions and bearer
   * tokens), all in one transaction. Resolves with how many tokens were revoked. A user id that is
   * no account (a guest, an unknown id) changes nothing and resolves 0.
   */
  resetAccount(userId: string, changes: { passwordHash: string; operatorAdmin: boolean }): Promise<number>;

  userById(userId: string): Promise<User | null>;

  /**
   * Issues a session token (expires after the store's session lifetime unused, sliding; 30 days by
   * default) or a bearer token (named, no expiry) for an account. The token is returned once; the
   * store keeps its hash.
   */
  issueToken(userId: string, kind: 'session' | 'bearer', options?: { name?: string }): Promise<{ token: string; id: string }>;

  /** Revokes a token by its value (logout). Unknown tokens are ignored. */
  revokeToken(token: string): Promise<void>;

  /** Revokes one of the user's bearer tokens by id; false when it is not theirs or unknown. */
  revokeTokenById(userId: string, tokenId: string): Promise<boolean>;

  /** The user's bearer tokens, oldest first (same-millisecond ties in any order), never their values. */
  listTokens(userId: string): Promise<TokenInfo[]>;

  // ---- rooms and their rules (issue 5) ---------------------------------------------------------

  /** The room, or null if it does not exist. */
  roomInfo(room: string): Promise<RoomInfo | null>;

  /**
   * Creates a room of this kind; with an owner, that user gets the owner role. False when the room
   * already exists (nothing changes then).
   */
  createRoom(room: string, kind: RoomKind, ownerId: string | null): Promise<boolean>;

  /** The user's role in the room, or null. */
  roleOf(room: string, userId: string): Promise<RoomRole | null>;

  /** Gives the user a role in the room (replacing any other). */
  setRole(room: string, userId: string, role: RoomRole): Promise<void>;

  /**
   * Bans the user from the room (idempotent), and in the same transaction takes away their role
   * there (owner, moderator, or the invitation of a member): an unban restores none of them.
   */
  ban(room: string, userId: string): Promise<void>;

  /** Lifts a ban (idempotent). */
  unban(room: string, userId: string): Promise<void>;

  isBanned(room: string, userId: string): Promise<boolean>;

  /** Mutes the user in the room until `until` (ms since the epoch); a later call replaces it. */
  mute(room: string, userId: string, until: number): Promise<void>;

  /** Until when the user is muted in the room (0 when not muted). */
  mutedUntil(room: string, userId: string): Promise<number>;

  /**
   * Deletes the room with its messages, roles, bans and mutes; false when it does not exist. A room
   * created later under the same name is a new room (its seq starts again at 1).
   */
  deleteRoom(room: string): Promise<boolean>;

  /**
   * One page of the rooms this user may see: public rooms, plus the private and DM rooms in which
   * it has a role; none it is banned from. A null user sees the public rooms.
   */
  listRooms(userId: string | null, query: RoomListQuery): Promise<RoomPage>;

  /**
   * Deletes messages stored before `ts` (ms since the epoch); resolves with how many. Rooms keep
   * their last seq, so numbering continues and no seq is ever reused; `hasMore` then speaks of the
   * messages that remain.
   */
  pruneMessagesBefore(ts: number): Promise<number>;

  // ---- the periodic sweep (store/sweeper.ts, issue 13) -------------------------------------------
  // Each call is one short batch, so a big sweep never holds the store (or SQLite's event loop)
  // for long, and every call is safe while other nodes run the same sweep.

  /**
   * Deletes up to `limit` tokens expired at `now` (ms since the epoch): guest restore tokens and
   * sessions (bearer tokens never expire), and the guest users they leave without a token, in one
   * transaction. Using a token slides its expiry, so a guest without a live token has gone unused
   * for about the token lifetime and can never be restored. Accounts are never deleted, and
   * messages never: a deleted guest's messages keep its id and nick. Fewer than `limit` tokens
   * deleted means none expired are left (or other nodes are deleting them at the same moment).
   */
  sweepExpiredTokens(now: number, limit: number): Promise<TokenSweep>;

  /**
   * Examines up to `scan` rooms in name order after `after` (null: from the first) and returns the
   * abandoned ones among them: public rooms that never had a message (last seq 0), created before
   * `createdBefore`, with no roles, bans or mutes; never the lobby. Private rooms and DMs are never
   * abandoned.
   */
  abandonedRooms(createdBefore: number, after: string | null, scan: number): Promise<AbandonedRoomScan>;

  /**
   * Deletes those of `rooms` that are still abandoned (as abandonedRooms says), each checked again
   * under the lock that appending a message to it takes, so a room that got a message, a role, a
   * ban or a mute since it was found stays. Resolves with the names deleted. A message appended
   * at the same moment is never lost: it lands in the old room, or in one created anew.
   */
  deleteAbandonedRooms(rooms: string[], createdBefore: number): Promise<string[]>;

  /**
   * Resolves when the store can answer queries and write; rejects otherwise (used by /healthz).
   * After a write failed with a StoreWriteError it rejects with one until a write succeeds again;
   * meanwhile it tries a small write of its own (at most once a second), so that the store
   * recovers when space comes back even if nobody writes.
   */
  ping(): Promise<void>;

  /** Closes the store; in-flight appends finish first. */
  close(): Promise<void>;
}

/** Operations for `chat-server backup` and `chat-server migrate` (the embedded SQLite store). */
export interface MaintainableStore extends Store {
  /**
   * Writes a consistent copy of the whole store to `file`, readable by its owner only (0600), and
   * finishes however busy the store is. Nothing may be at `file`, not even a symbolic link: it is
   * refused, never followed or replaced. `file` appears only once the copy is complete; a
   * temporary file beside it (`file.partial-PID`) holds the copy until then, and one left by a
   * killed backup is removed by the next backup to the same file.
   */
  backup(file: string): Promise<void>;
  /** The schema version the store is at (after migrating on open). */
  schemaVersion(): number;
}

export function isMaintainableStore(store: Store): store is MaintainableStore {
  return typeof (store as Partial<MaintainableStore>).backup === 'function';
}
