// The persistence contract. The store is the source of truth for users, rooms and messages; the hub
// and the gateway only ever talk to this interface. Implementations: SqliteStore (the default)
// and PgStore (DATABASE_URL, cluster mode); both pass one conformance suite
// (test/store/store-conformance.ts).
import type { ChatMessage, User } from '@chat/protocol';

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

export interface Store {
  /**
   * Stores a batch of messages in ONE durable transaction (group commit) and resolves only once it
   * is on disk: a resolved message survives kill -9 and power loss. Each room's seq continues from
   * its last stored seq, +1 per new message in batch order, with no gaps and never reused, even
   * after a crash or after old messages are deleted. Rooms are created as needed. Results are in
   * batch order. A duplicate of an earlier message in the same batch is reported as a duplicate.
   * If it rejects, nothing of the batch was stored.
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

  /** Creates an account whose nick is its username; null when the username is taken. */
  createAccount(username: string, passwordHash: string): Promise<User | null>;

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

  /** Bans the user from the room (idempotent). */
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

  /** Public rooms, plus the private and DM rooms in which this user has a role; none it is banned from. */
  listRooms(userId: string | null): Promise<RoomInfo[]>;

  /**
   * Deletes messages stored before `ts` (ms since the epoch); resolves with how many. Rooms keep
   * their last seq, so numbering continues and no seq is ever reused; `hasMore` then speaks of the
   * messages that remain.
   */
  pruneMessagesBefore(ts: number): Promise<number>;

  /** Resolves when the store can answer queries; rejects otherwise (used by /healthz). */
  ping(): Promise<void>;

  /** Closes the store; in-flight appends finish first. */
  close(): Promise<void>;
}

/** Operations for `chat-server backup` and `chat-server migrate` (the embedded SQLite store). */
export interface MaintainableStore extends Store {
  /** Writes a consistent copy of the whole store to `file` (which must not exist). */
  backup(file: string): Promise<void>;
  /** The schema version the store is at (after migrating on open). */
  schemaVersion(): number;
}

export function isMaintainableStore(store: Store): store is MaintainableStore {
  return typeof (store as Partial<MaintainableStore>).backup === 'function';
}
