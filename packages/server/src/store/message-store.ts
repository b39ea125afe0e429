// The messages of a room: the group-committed append with its seq numbering and duplicate
// detection, the history pages the hub serves (docs/protocol.md, `history` → `history`), and retention's delete.
// Changes to messages (edits, redactions, reactions) are entries of the same log, appended in the
// same group commit: their types are in change-store.ts. A later table about messages (search)
// gets its own interface file beside this one, and its methods there.
import type { ChatMessage, LogEntry, User } from '@chat/protocol';
import type { ChangeResult, EntryRefusal, NewChange } from './change-store.js';

/** A message on its way into the store. */
export interface NewMessage {
  room: string;
  from: User;
  /** The sender's idempotency key; (room, from.id, clientId) identifies a message for ever. */
  clientId: string;
  /** Already validated and trimmed. */
  text: string;
  /** The seq of the message of this room it answers (else the store refuses it: not_found). */
  replyTo?: number;
  /** Lowercased `@names` of the text (hub/mentions.ts); the store resolves them to room members. */
  mentionNames?: string[];
  /**
   * Ids of files this sender uploaded to this room and has not sent (file-store.ts); the store
   * claims them with the message, or refuses it (not_found) if any is not claimable.
   */
  files?: string[];
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

/** A message or a change (change-store.ts) on its way into the store. */
export type NewEntry = NewMessage | NewChange;

export const isChange = (entry: NewEntry): entry is NewChange => 'action' in entry;

/** The outcome of one entry of appendEntries, in batch order. */
export type EntryResult = AppendResult | ChangeResult | EntryRefusal;

export const isRefusal = (result: EntryResult): result is EntryRefusal => 'refused' in result;

export interface MessagePage {
  /** Ascending by seq. */
  messages: ChatMessage[];
  /** See each query for what "more" means. */
  hasMore: boolean;
}

/** A forward page of the log: messages and changes (`changed`, their message as it is now). */
export interface EntryPage {
  /** Ascending by seq. */
  messages: LogEntry[];
  hasMore: boolean;
}

export interface MessageStore {
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

  /**
   * appendMessages for a batch of messages and changes, in ONE durable transaction: each stored
   * entry takes its room's next seq in batch order, and a change updates its target in the same
   * transaction (change-store.ts says what each does and refuses). An entry the store turns down
   * (a reply to a seq that is not a message of the room, a change without the right) takes no seq
   * and does not fail the others.
   */
  appendEntries(batch: NewEntry[]): Promise<EntryResult[]>;

  /** Creates the public room if it does not exist; resolves with its last seq (0 when empty). */
  ensureRoom(room: string): Promise<number>;

  /** The room's last seq (0 when empty), or null if the room does not exist. */
  lastSeq(room: string): Promise<number | null>;

  /**
   * The newest `limit` messages with seq < `before` (all seqs when before is undefined), ascending.
   * hasMore: a message older than the first returned exists.
   */
  messagesBefore(room: string, before: number | undefined, limit: number): Promise<MessagePage>;

  /**
   * The oldest `limit` entries with seq > `after`, ascending: messages, and changes with their
   * target as it is now (a change whose target is gone, pruned by retention, is left out).
   * hasMore: a newer entry exists.
   */
  messagesAfter(room: string, after: number, limit: number): Promise<EntryPage>;

  /**
   * Deletes messages and changes stored before `ts` (ms since the epoch), with the reactions and
   * mentions of the messages deleted; resolves with how many messages. Rooms keep
   * their last seq, so numbering continues and no seq is ever reused; `hasMore` then speaks of the
   * messages that remain.
   */
  pruneMessagesBefore(ts: number): Promise<number>;
}
