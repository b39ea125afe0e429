// The persistence contract. The store is the source of truth for users, rooms and messages; the hub
// and the gateway only ever talk to this interface. It is the sum of one interface per aggregate,
// each in its own file with its contract:
//
//   message-store.ts   MessageStore   append (group commit, seq, duplicates), history pages, retention
//   change-store.ts    (types)        edits, redactions, reactions: log entries MessageStore appends
//   account-store.ts   AccountStore   guests, accounts, passwords, tokens and sessions
//   room-store.ts      RoomStore      rooms, roles, bans, mutes, the room directory
//   sweep-store.ts     SweepStore     the periodic sweep: expired tokens, abandoned rooms
//   user-room-store.ts UserRoomStore  each user's stored room list, read markers, notify levels
//   file-store.ts      FileStore      uploaded files: who sent what where, their state, the quota
//   search-store.ts    SearchStore    full-text search of messages, and indexing the history before it
//   push-store.ts      PushStore      the VAPID key pair and each account's Web Push subscriptions
//   store.ts           Store          all of them plus health (ping) and close; StoreWriteError
//
// A new table gets a new interface file beside these, named after its aggregate, and joins Store
// below: message edits and their change log, reactions and replies beside message-store.ts (e.g.
// change-store.ts, reaction-store.ts); uploaded files in file-store.ts (read markers live in
// user-room-store.ts, with the user's room list). An ability only some stores have (full-text search) is its own interface with
// a type guard, like MaintainableStore below (e.g. `SearchableStore extends MessageStore`). Its
// implementations go in sqlite/ and pg/ (sqlite-reactions.ts, pg-reactions.ts), its calls in
// composed-store.ts, its cases in test/store/conformance/, its tables in both schema files.
//
// Implementations are split the same way: sqlite/ (SqliteStore, the default) and pg/ (PgStore,
// DATABASE_URL, cluster mode), each one object per aggregate that composed-store.ts hands the
// calls to. What both share is written once: ids and token hashing (ids.ts), token lifetimes
// (token-life.ts), row mapping and common SQL (rows.ts), write-outage bookkeeping
// (write-health.ts). Both pass one conformance suite (test/store/conformance/, one file per
// aggregate).
import type { AccountStore } from './account-store.js';
import type { MessageStore } from './message-store.js';
import type { RoomStore } from './room-store.js';
import type { SweepStore } from './sweep-store.js';
import type { UserRoomStore } from './user-room-store.js';
import type { FileStore } from './file-store.js';
import type { SearchStore } from './search-store.js';
import type { PushStore } from './push-store.js';

export type { AppendResult, EntryPage, EntryResult, MessagePage, NewEntry, NewMessage, MessageStore } from './message-store.js';
export { isChange, isRefusal } from './message-store.js';
export type { ChangeResult, EntryRefusal, NewChange, NewEdit, NewReaction, NewRedaction } from './change-store.js';
export type { AccountRecord, AccountStore, IssuedIdentity, TokenIdentity, TokenInfo, TokenKind } from './account-store.js';
export type { JoinStanding, RoomInfo, RoomKind, RoomListQuery, RoomPage, RoomRole, RoomStore } from './room-store.js';
export type { AbandonedRoomScan, SweepStore, TokenSweep } from './sweep-store.js';
export type { NotifyLevel, UserRoom, UserRoomStore } from './user-room-store.js';
export { NOTIFY_LEVELS } from './user-room-store.js';
export type { FileRecord, FileSigner, FileStore, NewFile, StoredFile } from './file-store.js';
export { UNSENT_FILE_MS, unsignedFiles } from './file-store.js';
export type { SearchHit, SearchPage, SearchQuery, SearchStore } from './search-store.js';
export type { PushAsk, PushStore, PushSubscriptionKeys, PushTarget, VapidKeyPair } from './push-store.js';
export { MAX_PUSH_SUBSCRIPTIONS_PER_USER } from './push-store.js';

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

/** Every aggregate's operations, and the store's health and lifecycle. */
export interface Store extends MessageStore, AccountStore, RoomStore, SweepStore, UserRoomStore, FileStore, SearchStore, PushStore {
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
