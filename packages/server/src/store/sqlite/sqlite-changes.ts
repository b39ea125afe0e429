// SQLite's side of the room log's changes (change-store.ts): each edit, redaction or reaction is
// checked against its target and applied inside the append's transaction (sqlite-messages.ts), so
// the change row, the target's new state and the room's seq commit together. Also the mentions
// of a text, resolved to the room's members, for messages and edits alike.
import type Database from 'better-sqlite3';
import type { ChatMessage } from '@chat/protocol';
import { changedEntry, judgeEdit, judgeReaction, judgeRedaction, NOT_FOUND, reactionsAfter, type ChangeTarget, type ReactionRow, type Verdict } from '../change-rules.js';
import type { ChangeResult, EntryRefusal, NewChange, NewEdit, NewReaction } from '../change-store.js';
import type { FileSigner } from '../file-store.js';
import { MESSAGE_COLUMNS, MESSAGE_FROM, reactionSummary, toMessage, type MessageRow } from '../rows.js';
import type { SqliteSearch } from './sqlite-search.js';
import type { SqliteUploads } from './sqlite-uploads.js';

/** SQLite's rows of MESSAGE_COLUMNS: integers as numbers, flags 0 or 1. */
export type SqliteMessageRow = MessageRow & { id: number; seq: number; ts: number; account: number; deleted: number };

function prepare(db: Database.Database) {
  return {
    target: db.prepare<[number, number], ChangeTarget>('SELECT user_id, text, deleted FROM messages WHERE room_id = ? AND seq = ?'),
    message: db.prepare<[number, number], SqliteMessageRow>(`SELECT ${MESSAGE_COLUMNS} FROM ${MESSAGE_FROM} WHERE m.room_id = ? AND m.seq = ?`),
    insertChange: db.prepare<[number, number, number, string, string, string, number]>(
      'INSERT INTO changes (room_id, seq, target_seq, action, user_id, nick, ts) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    edit: db.prepare<[string, number, string | null, number, number]>('UPDATE messages SET text = ?, edited = ?, mentions = ? WHERE room_id = ? AND seq = ?'),
    redact: db.prepare<[number, number]>(
      "UPDATE messages SET text = '', deleted = 1, edited = NULL, reply_seq = NULL, mentions = NULL, reactions = NULL, files = NULL WHERE room_id = ? AND seq = ?",
    ),
    setReactions: db.prepare<[string | null, number, number]>('UPDATE messages SET reactions = ? WHERE room_id = ? AND seq = ?'),
    reactionRows: db.prepare<[number, number], ReactionRow>('SELECT emoji, user_id FROM reactions WHERE room_id = ? AND seq = ? ORDER BY id'),
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

  constructor(
    db: Database.Database,
    private readonly uploads: SqliteUploads,
    private readonly search: SqliteSearch,
    private readonly sign: FileSigner,
  ) {
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

  /** The message at (room, seq) in its current state, or null. */
  messageAt(room: string, roomId: number, seq: number): ChatMessage | null {
    const row = this.statements.message.get(roomId, seq);
    return row ? toMessage(room, row, this.sign) : null;
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
    if (!target) return NOT_FOUND;
    let verdict: Verdict;
    if (change.action === 'edit') {
      verdict = judgeEdit(target, change);
      if (verdict === 'apply') this.edit(roomId, change, target, ts);
    } else if (change.action === 'redact') {
      verdict = judgeRedaction(target, change);
      if (verdict === 'apply') this.redact(roomId, change.seq);
    } else {
      const rows = this.statements.reactionRows.all(roomId, change.seq);
      verdict = judgeReaction(target, change, rows);
      if (verdict === 'apply') this.react(roomId, change, rows);
    }
    if (verdict !== 'apply') return verdict;
    this.statements.insertChange.run(roomId, nextSeq, change.seq, change.action, change.by.id, change.by.nick, ts);
    return { change: changedEntry(change, nextSeq, ts, this.messageAt(change.room, roomId, change.seq) as ChatMessage) };
  }

  private edit(roomId: number, change: NewEdit, target: ChangeTarget, ts: number): void {
    this.statements.removeMentions.run(roomId, change.seq);
    const mentions = this.storeMentions(roomId, change.seq, target.user_id, change.mentionNames);
    this.statements.edit.run(change.text, ts, mentions, roomId, change.seq);
    this.search.reindexAt(roomId, change.seq, change.text);
  }

  /** Erases the text (overwritten in place: secure_delete zeroes what it held), reactions, mentions and files (their bytes go with the sweeper). */
  private redact(roomId: number, seq: number): void {
    this.search.unindexAt(roomId, seq);
    this.statements.redact.run(roomId, seq);
    this.uploads.goneWithMessage(roomId, seq);
    this.statements.removeReactions.run(roomId, seq);
    this.statements.removeMentions.run(roomId, seq);
  }

  /** The reaction row added or taken out, and the summary from the rows as they now are. */
  private react(roomId: number, change: NewReaction, rows: ReactionRow[]): void {
    const { seq, emoji, by } = change;
    if (change.on) this.statements.addReaction.run(roomId, seq, emoji, by.id);
    else this.statements.removeReaction.run(roomId, seq, emoji, by.id);
    this.statements.setReactions.run(reactionSummary(reactionsAfter(rows, change)), roomId, seq);
  }
}
