// Version 1.1: the room log's changes to messages (PROTOCOL.md, "The room log"): edits,
// redactions and reactions, each an entry with its own seq, and the message state they leave.
import type { ChatMessage, User } from './message.js';

interface Ref {
  /** Echoed into the reply to this frame, or into the error it causes. At most 64 characters. */
  ref?: string;
}

/** Version 1.1: what a change entry did to its message. */
export type ChangeAction = 'edit' | 'redact' | 'react';

/**
 * Version 1.1: a change to a message, an entry of the room's log with its own seq. `message` is
 * the target's state after it (read back from the store: its current state); applying one
 * replaces the local copy whose seq is `message.seq`.
 */
export interface ChangedFrame {
  type: 'changed';
  room: string;
  seq: number;
  action: ChangeAction;
  by: User;
  ts: number;
  message: ChatMessage;
}

/** An entry of a room's log: a message, or a change to one. Forward reads and `since` return both. */
export type LogEntry = ChatMessage | ChangedFrame;

export const isMessage = (entry: LogEntry): entry is ChatMessage => entry.type === 'message';

// ---- client → server

/** Version 1.1: the author replaces their message's text (send's rules). */
export interface EditFrame extends Ref {
  type: 'edit';
  room: string;
  seq: number;
  text: string;
}
/** Version 1.1: erases a message (its author, the room's owner and moderators, admins). */
export interface RedactFrame extends Ref {
  type: 'redact';
  room: string;
  seq: number;
}
/** Version 1.1: adds (on) or takes back (off) this user's reaction to a message. */
export interface ReactFrame extends Ref {
  type: 'react';
  room: string;
  seq: number;
  /** 1..MAX_EMOJI_CHARS code points, no white space or control characters. */
  emoji: string;
  on: boolean;
}

// ---- server → client

/**
 * Version 1.1: the reply to edit, redact and react. `seq` is the change's place in the log; absent
 * when the change changed nothing (the same text, a reaction already there, a second redaction).
 */
export interface UpdatedFrame extends Ref {
  type: 'updated';
  room: string;
  target: number;
  seq?: number;
}
