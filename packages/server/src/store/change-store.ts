// Changes to messages: the room log's entries besides messages (docs/protocol.md, "The room
// log"). An edit, a redaction or a reaction takes the room's next seq, exactly as a message does,
// and is stored with its target's new state in the same transaction, in the same group commit as
// the messages around it (MessageStore.appendEntries). Nothing here is a copy of a text: an edit
// overwrites the message's text, a change row holds who did what when, reply excerpts are read
// from the answered message when served, so a redaction has one place to erase.
import type { ChangedFrame, ChangeAction, User } from '@chat/protocol';

interface ChangeOf<A extends ChangeAction> {
  action: A;
  room: string;
  /** The target message's seq. */
  seq: number;
  by: User;
}

/** The author replaces the text (the store refuses anyone else, and a redacted message). */
export interface NewEdit extends ChangeOf<'edit'> {
  /** Already validated and trimmed. */
  text: string;
  /** Lowercased `@names` of the new text (mentions.ts); the store resolves them to room members. */
  mentionNames?: string[];
}

/** Erases the message: its author may, and anyone the hub found to moderate the room (`moderator`). */
export interface NewRedaction extends ChangeOf<'redact'> {
  /** The caller owns or moderates the room, or is an admin: they may redact anyone's message. */
  moderator: boolean;
}

/** Adds (on) or takes back (off) `by`'s reaction. */
export interface NewReaction extends ChangeOf<'react'> {
  emoji: string;
  on: boolean;
}

export type NewChange = NewEdit | NewRedaction | NewReaction;

/** A request the store turned down, with the protocol's error code for it. */
export interface EntryRefusal {
  refused: 'not_found' | 'forbidden';
  /** Says why, in words fit for the `error` frame's message. */
  reason: string;
}

/**
 * The outcome of a change: stored (`change` is the log entry, its message the target after it),
 * or `unchanged` (the same text, a reaction already there or not there, a second redaction:
 * nothing stored, no seq taken).
 */
export type ChangeResult = { change: ChangedFrame } | { unchanged: true };
