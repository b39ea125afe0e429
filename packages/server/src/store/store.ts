// The persistence contract. The store is the source of truth for users, rooms and messages; the hub
// and the gateway only ever talk to this interface. Implementations: SqliteStore (the default),
// and later a PostgreSQL store for cluster mode (issue 7), which must pass the same conformance
// suite (test/store/store-conformance.ts).
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

/** A guest or (issue 5) account identity, with the bearer token that restores it. */
export interface IssuedIdentity {
  user: User;
  /** Shown to the client once; the store keeps only its hash. */
  token: string;
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
   * The user a token restores, or null when the token is unknown or expired. A successful lookup
   * extends the token's life (sliding expiry).
   */
  userByToken(token: string): Promise<User | null>;

  /** Changes a user's nick for future messages and sessions. */
  renameUser(userId: string, nick: string): Promise<void>;

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
