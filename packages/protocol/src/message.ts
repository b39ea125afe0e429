// A user and a stored message as every frame shows them (docs/protocol.md). Names and meanings
// never change; new optional fields may be added.

/** A user as other users see it. `id` is stable for the life of the account or guest token. */
export interface User {
  id: string;
  nick: string;
  /**
   * Version 1.1: true for a registered account, absent for a guest (the server never sends false),
   * so that clients can mark guests and offer DMs to accounts only.
   */
  account?: boolean;
}

/** One stored chat message, exactly as the `message` event carries it. */
export interface ChatMessage {
  type: 'message';
  room: string;
  /** Per-room sequence number: 1, 2, 3… with no gaps and no repeats. */
  seq: number;
  /** Server-assigned message id (a string so it survives any integer size). */
  id: string;
  /** The sender's idempotency key from `send.id`. */
  clientId: string;
  from: User;
  text: string;
  /** Milliseconds since the epoch, stamped when the message was stored. */
  ts: number;
  // Version 1.1: the message's current state (changes to it are entries of the room's log).
  /** When it was last edited (ms since the epoch). */
  edited?: number;
  /** Redacted: `text` is "" and there are no reactions, mentions or replyTo. */
  deleted?: true;
  /** In order of first use; `users` holds at most MAX_REACTION_USERS ids, `count` is exact. */
  reactions?: Reaction[];
  /** The message this one answers, as it is now (its text cut to MAX_REPLY_EXCERPT_CHARS; "" once redacted). */
  replyTo?: ReplyExcerpt;
  /** Ids of the room members its text mentions (`@name`). */
  mentions?: string[];
  /** Version 1.1: files sent with it (`send.files`), in the order sent. */
  files?: FileInfo[];
}

/**
 * Version 1.1: an uploaded file as MESSAGE and `POST api/rooms/R/files` show it. `type` is what the
 * server found in the bytes; `url` and `thumbUrl` are relative to the page and signed: they work
 * without credentials for at least an hour. Images carry `width`, `height` and `thumbUrl`.
 */
export interface FileInfo {
  id: string;
  /** The name it was uploaded with, cleaned (no path, no control characters). */
  name: string;
  /** The byte count `url` serves (images: after their metadata was stripped). */
  size: number;
  /** A MIME type, e.g. "image/png"; "application/octet-stream" when the bytes say nothing. */
  type: string;
  url: string;
  width?: number;
  height?: number;
  /** A WebP of at most 800×800. */
  thumbUrl?: string;
}

/** Version 1.1: one emoji's reactions to a message. */
export interface Reaction {
  emoji: string;
  count: number;
  users: string[];
}

/** Version 1.1: what a reply shows of the message it answers. */
export interface ReplyExcerpt {
  seq: number;
  from: User;
  text: string;
}
