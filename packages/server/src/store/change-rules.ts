// What a change may do to its target (docs/protocol.md, "The room log"), decided once for both
// stores: sqlite-changes.ts and pg-changes.ts read the target and its reactions inside the
// append's transaction, ask here, and write only on `apply`. Pure functions: no SQL.
import type { ChangedFrame, ChatMessage } from '@chat/protocol';
import { MAX_REACTIONS_PER_MESSAGE } from '@chat/protocol';
import type { ChangeResult, EntryRefusal, NewChange, NewEdit, NewReaction, NewRedaction } from './change-store.js';

/** The target's columns a change is checked against (`deleted` 0/1 on SQLite, boolean on pg). */
export interface ChangeTarget {
  user_id: string;
  text: string;
  deleted: number | boolean;
}

/** One reaction row of a message, in the order they were made. */
export interface ReactionRow {
  emoji: string;
  user_id: string;
}

/** `apply`: write the change; otherwise the answer, with nothing written. */
export type Verdict = 'apply' | ChangeResult | EntryRefusal;

export const NOT_FOUND: EntryRefusal = { refused: 'not_found', reason: 'no message with that seq in this room' };
const UNCHANGED: ChangeResult = { unchanged: true };
const DELETED: EntryRefusal = { refused: 'forbidden', reason: 'the message was deleted' };

/** Only the author edits, never a redacted message; the same text changes nothing. */
export function judgeEdit(target: ChangeTarget, change: NewEdit): Verdict {
  if (target.user_id !== change.by.id) return { refused: 'forbidden', reason: 'only its author may edit a message' };
  if (target.deleted) return DELETED;
  return target.text === change.text ? UNCHANGED : 'apply';
}

/** The author, or a caller the hub found to moderate the room; a second redaction changes nothing. */
export function judgeRedaction(target: ChangeTarget, change: NewRedaction): Verdict {
  if (target.deleted) return UNCHANGED;
  if (target.user_id !== change.by.id && !change.moderator) {
    return { refused: 'forbidden', reason: "only its author or the room's moderators may delete a message" };
  }
  return 'apply';
}

const isMine = (change: NewReaction) => (r: ReactionRow) => r.emoji === change.emoji && r.user_id === change.by.id;

/**
 * Not on a redacted message; `on` for a reaction already there or `off` for one that is not
 * changes nothing; a new emoji beyond MAX_REACTIONS_PER_MESSAGE distinct ones is refused.
 */
export function judgeReaction(target: ChangeTarget, change: NewReaction, rows: readonly ReactionRow[]): Verdict {
  if (target.deleted) return DELETED;
  if (rows.some(isMine(change)) === change.on) return UNCHANGED;
  if (change.on) {
    const emojis = new Set(rows.map((r) => r.emoji));
    if (!emojis.has(change.emoji) && emojis.size >= MAX_REACTIONS_PER_MESSAGE) {
      return { refused: 'forbidden', reason: `a message holds at most ${MAX_REACTIONS_PER_MESSAGE} different reactions` };
    }
  }
  return 'apply';
}

/** The message's reaction rows once the change is made: the new one last (it is the newest), or without it. */
export const reactionsAfter = (rows: readonly ReactionRow[], change: NewReaction): ReactionRow[] =>
  change.on ? [...rows, { emoji: change.emoji, user_id: change.by.id }] : rows.filter((r) => !isMine(change)(r));

/** The log entry of a stored change: `message` is its target as the change left it. */
export const changedEntry = (change: NewChange, seq: number, ts: number, message: ChatMessage): ChangedFrame => ({
  type: 'changed',
  room: change.room,
  seq,
  action: change.action,
  by: { ...change.by },
  ts,
  message,
});
