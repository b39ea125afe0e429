// SQLite's side of the room log's changes (change-store.ts): each edit, redaction or reaction is
// checked against its target and applied inside the append's transaction (sqlite-messages.ts), so
// the change row, the target's new state and the room's seq commit together. Also the mentions
// of a text, resolved to the room's members, for messages and edits alike.
import type Database from 'better-sqlite3';
import { MAX_REACTIONS_PER_MESSAGE } from '@chat/protocol';
import type { ChangeResult, EntryRefusal, NewChange, NewEdit, NewReaction, NewRedaction } from '../change-store.js';
import { MESSAGE_COLUMNS, MESSAGE_FROM, reactionSummary, toChanged, toMessage, type MessageRow } from '../rows.js';

/** The target's columns a change is checked against. */
interface TargetRow {
  user_id: string;
  text: string;
  deleted: number;
}

/** SQLite's rows of MESSAGE_COLUMNS: integers as numbers, flags 0 or 1. */
export type SqliteMessageRow = MessageRow & { id: number; seq: number; ts: number; account: number; deleted: number };

const notFound: EntryRefusal = { refused: 'not_found', reason: 'no message with that seq in this room' };

function prepare(db: Database.Database) {
  // Case-insensitive beyond ASCII (SQLite's lower() folds A-Z only): `@Émile` mentions émile.
  db.function('unicode_lower', { deterministic: true }, (text: unknown) => (typeof text === 'string' ? text.toLowerCase() : text));
  return {
    target: db.prepare<[number, number], TargetRow>('SELECT user_id, text, deleted FROM messages WHERE room_id = ? AND seq = ?'),
    message: db.prepare<[number, number], SqliteMessageRow>(`SELECT ${MESSAGE_COLUMNS} FROM ${MESSAGE_FROM} WHERE m.room_id = ? AND m.seq = ?`),
    insertChange: db.prepare<[number, number, number, string, string, string, number]>(
      'INSERT INTO changes (room_id, seq, target_seq, action, user_id, nick, ts) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    edit: db.prepare<[string, number, string | null, number, number]>('UPDATE messages SET text = ?, edited = ?, mentions = ? WHERE room_id = ? AND seq = ?'),
    redact: db.prepare<[number, number]>(
      "UPDATE messages SET text = '', deleted = 1, edited = NULL, reply_seq = NULL, mentions = NULL, reactions = NULL WHERE room_id = ? AND seq = ?",
    ),
    setReactions: db.prepare<[string | null, number, number]>('UPDATE messages SET reactions = ? WHERE room_id = ? AND seq = ?'),
    reactionRows: db.prepare<[number, number], { emoji: string; user_id: string }>(
      'SELECT emoji, user_id FROM reactions WHERE room_id = ? AND seq = ? ORDER BY id',
    ),
    hasReaction: db.prepare<[number, number, string, string], { one: number }>(
      'SELECT 1 AS one FROM reactions WHERE room_id = ? AND seq = ? AND emoji = ? AND user_id = ?',
    ),
    emojis: db.prepare<[string, number, number], { n: number; known: number }>(
      'SELECT count(DISTINCT emoji) AS n, coalesce(max(emoji = ?), 0) AS known FROM reactions WHERE room_id = ? AND seq = ?',
    ),
    addReaction: db.prepare<[number, number, string, string]>('INSERT INTO reactions (room_id, seq, emoji, user_id) VALUES (?, ?, ?, ?)'),
    removeReaction: db.prepare<[number, number, string, string]>('DELETE FROM reactions WHERE room_id = ? AND seq = ? AND emoji = ? AND user_id = ?'),
    removeReactions: db.prepare<[number, number]>('DELETE FROM reactions WHERE room_id = ? AND seq = ?'),
    // The room's members (its stored lists) named by the text: by nick or username, case-insensitively.
    members: db.prepare<[number, string, string], { id: string }>(
      `SELECT DISTINCT u.id FROM user_rooms ur JOIN users u ON u.id = ur.user_id
       WHERE ur.room_id = ? AND (unicode_lower(u.nick) IN (SELECT value FROM json_each(?)) OR u.username IN (SELECT value FROM json_each(?)))
       ORDER BY u.id`,
    ),
    addMention: db.prepare<[string, number, number]>('INSERT OR IGNORE INTO mentions (user_id, room_id, seq) VALUES (?, ?, ?)'),
    removeMentions: db.prepare<[number, number]>('DELETE FROM mentions WHERE room_id = ? AND seq = ?'),
  };
}

export class SqliteChanges {
  private readonly statements: ReturnType<typeof prepare>;

  constructor(db: Database.Database) {
    this.statements = prepare(db);
  }

  /**
   * Stores the mentions of a message at (room, seq) by `authorId`, and resolves with the JSON of
   * MESSAGE.mentions (null when none). Runs inside the caller's transaction.
   */
  storeMentions(roomId: number, seq: number, authorId: string, names: readonly string[] | undefined): string | null {
    if (!names || names.length === 0) return null;
    const json = JSON.stringify(names);
    const ids = this.statements.members.all(roomId, json, json).map((r) => r.id);
    for (const id of ids) if (id !== authorId) this.statements.addMention.run(id, roomId, seq);
    return ids.length > 0 ? JSON.stringify(ids) : null;
  }

  /** Whether (room, seq) is a message: a reply may only answer one. */
  isMessage(roomId: number, seq: number): boolean {
    return this.statements.target.get(roomId, seq) !== undefined;
  }

  /**
   * Checks and applies one change inside the caller's transaction. `nextSeq` is the seq the change
   * takes if it changes anything; the caller advances the room only when a change was returned.
   */
  apply(roomId: number, change: NewChange, nextSeq: number, ts: number): ChangeResult | EntryRefusal {
    const target = this.statements.target.get(roomId, change.seq);
    if (!target) return notFound;
    const outcome =
      change.action === 'edit'
        ? this.edit(roomId, change, target, ts)
        : change.action === 'redact'
          ? this.redact(roomId, change, target)
          : this.react(roomId, change, target);
    if (outcome !== 'changed') return outcome;
    this.statements.insertChange.run(roomId, nextSeq, change.seq, change.action, change.by.id, change.by.nick, ts);
    const message = toMessage(change.room, this.statements.message.get(roomId, change.seq) as SqliteMessageRow);
    const row = { seq: nextSeq, target_seq: change.seq, action: change.action, user_id: change.by.id, nick: change.by.nick, ts, account: 0 };
    return { change: { ...toChanged(change.room, row, message), by: { ...change.by } } };
  }

  private edit(roomId: number, change: NewEdit, target: TargetRow, ts: number): 'changed' | ChangeResult | EntryRefusal {
    if (target.user_id !== change.by.id) return { refused: 'forbidden', reason: 'only its author may edit a message' };
    if (target.deleted) return { refused: 'forbidden', reason: 'the message was deleted' };
    if (target.text === change.text) return { unchanged: true };
    this.statements.removeMentions.run(roomId, change.seq);
    const mentions = this.storeMentions(roomId, change.seq, target.user_id, change.mentionNames);
    this.statements.edit.run(change.text, ts, mentions, roomId, change.seq);
    return 'changed';
  }

  /** Erases the text (overwritten in place: secure_delete zeroes what it held), reactions and mentions. */
  private redact(roomId: number, change: NewRedaction, target: TargetRow): 'changed' | ChangeResult | EntryRefusal {
    if (target.deleted) return { unchanged: true };
    if (target.user_id !== change.by.id && !change.moderator) {
      return { refused: 'forbidden', reason: "only its author or the room's moderators may delete a message" };
    }
    this.statements.redact.run(roomId, change.seq);
    this.statements.removeReactions.run(roomId, change.seq);
    this.statements.removeMentions.run(roomId, change.seq);
    return 'changed';
  }

  private react(roomId: number, change: NewReaction, target: TargetRow): 'changed' | ChangeResult | EntryRefusal {
    if (target.deleted) return { refused: 'forbidden', reason: 'the message was deleted' };
    const { seq, emoji, by } = change;
    const has = this.statements.hasReaction.get(roomId, seq, emoji, by.id) !== undefined;
    if (has === change.on) return { unchanged: true };
    if (change.on) {
      const emojis = this.statements.emojis.get(emoji, roomId, seq) as { n: number; known: number };
      if (!emojis.known && emojis.n >= MAX_REACTIONS_PER_MESSAGE) {
        return { refused: 'forbidden', reason: `a message holds at most ${MAX_REACTIONS_PER_MESSAGE} different reactions` };
      }
      this.statements.addReaction.run(roomId, seq, emoji, by.id);
    } else {
      this.statements.removeReaction.run(roomId, seq, emoji, by.id);
    }
    this.statements.setReactions.run(reactionSummary(this.statements.reactionRows.all(roomId, seq)), roomId, seq);
    return 'changed';
  }
}
