// PostgreSQL's side of the room log's changes (change-store.ts), as sqlite-changes.ts does them:
// each edit, redaction or reaction is checked against its target and applied inside the append's
// transaction (pg-messages.ts), under the lock on the room's row that transaction holds, so the
// change row, the target's new state and the room's seq commit together. The target's row is
// also locked (FOR UPDATE): retention's delete skips it then, and a target it deleted first is
// not_found. Also the mentions of texts, resolved to the room's members, for messages and edits
// alike.
import type { ClientBase } from 'pg';
import { changedEntry, judgeEdit, judgeReaction, judgeRedaction, NOT_FOUND, reactionsAfter, type ChangeTarget, type ReactionRow, type Verdict } from '../change-rules.js';
import type { ChangeResult, EntryRefusal, NewChange, NewEdit, NewReaction } from '../change-store.js';
import type { FileSigner } from '../file-store.js';
import { indexText } from '../../search/search-text.js';
import { SEARCH_VECTOR } from './pg-search.js';
import { FILE_GONE, MESSAGE_COLUMNS, MESSAGE_FROM, reactionSummary, toMessage, type MessageRow } from '../rows.js';
import type { Int8 } from './pg-database.js';

/** A text's `@names` in a room, and (once resolved) the room's members they name. */
export interface MentionsOf {
  roomId: Int8;
  /** The lowercased names (NewMessage.mentionNames). */
  names: readonly string[];
}

/**
 * The room's members (its stored lists) each text names, by nick or username, case-insensitively
 * (lower() folds beyond ASCII under a UTF-8 LC_CTYPE or an ICU collation), ids in byte order as
 * SQLite sorts them; one query for all the texts of a batch. [] for a text that names nobody.
 */
export async function resolveMentions(client: ClientBase, texts: readonly MentionsOf[]): Promise<string[][]> {
  const ids = texts.map((): string[] => []);
  const asked = texts.flatMap((t, i) => (t.names.length > 0 ? [i] : []));
  if (asked.length === 0) return ids;
  const { rows } = await client.query<{ ord: number; id: string }>(
    `SELECT DISTINCT k.ord, u.id COLLATE "C" AS id
     FROM unnest($1::int[], $2::bigint[], $3::text[]) AS k(ord, room_id, names)
     JOIN user_rooms ur ON ur.room_id = k.room_id
     JOIN users u ON u.id = ur.user_id
     WHERE lower(u.nick) IN (SELECT json_array_elements_text(k.names::json)) OR u.username IN (SELECT json_array_elements_text(k.names::json))
     ORDER BY 1, 2`,
    [asked, asked.map((i) => texts[i]?.roomId), asked.map((i) => JSON.stringify(texts[i]?.names))],
  );
  for (const row of rows) ids[row.ord]?.push(row.id);
  return ids;
}

/** MESSAGE.mentions' JSON for the members a text names (the author included), null when none. */
export const mentionsJson = (ids: readonly string[]): string | null => (ids.length > 0 ? JSON.stringify(ids) : null);

/** The mention rows of the members a text names: the author is not told of their own mentions. */
export const mentionRows = (ids: readonly string[], authorId: string): string[] => ids.filter((id) => id !== authorId);

export class PgChanges {
  constructor(
    private readonly client: ClientBase,
    private readonly sign: FileSigner,
  ) {}

  /**
   * Checks and applies one change inside the caller's transaction. `nextSeq` is the seq the change
   * takes if it changes anything; the caller advances the room only when a change was returned.
   */
  async apply(roomId: Int8, change: NewChange, nextSeq: number, ts: number): Promise<ChangeResult | EntryRefusal> {
    const { rows } = await this.client.query<ChangeTarget>(
      'SELECT user_id, text, deleted FROM messages WHERE room_id = $1 AND seq = $2 FOR UPDATE',
      [roomId, change.seq],
    );
    const target = rows[0];
    if (!target) return NOT_FOUND;
    let verdict: Verdict;
    if (change.action === 'edit') {
      verdict = judgeEdit(target, change);
      if (verdict === 'apply') await this.edit(roomId, change, target, ts);
    } else if (change.action === 'redact') {
      verdict = judgeRedaction(target, change);
      if (verdict === 'apply') await this.redact(roomId, change.seq);
    } else {
      const { rows: reactions } = await this.client.query<ReactionRow>(
        'SELECT emoji, user_id FROM reactions WHERE room_id = $1 AND seq = $2 ORDER BY id',
        [roomId, change.seq],
      );
      verdict = judgeReaction(target, change, reactions);
      if (verdict === 'apply') await this.react(roomId, change, reactions);
    }
    if (verdict !== 'apply') return verdict;
    // The change row, and the target as it now is (this statement sees the updates before it).
    const { rows: after } = await this.client.query<MessageRow>(
      `WITH stored AS (
         INSERT INTO changes (room_id, seq, target_seq, action, user_id, nick, ts) VALUES ($1, $2, $3, $4, $5, $6, $7)
       )
       SELECT ${MESSAGE_COLUMNS} FROM ${MESSAGE_FROM} WHERE m.room_id = $1 AND m.seq = $3`,
      [roomId, nextSeq, change.seq, change.action, change.by.id, change.by.nick, ts],
    );
    return { change: changedEntry(change, nextSeq, ts, toMessage(change.room, after[0] as MessageRow, this.sign)) };
  }

  private async edit(roomId: Int8, change: NewEdit, target: ChangeTarget, ts: number): Promise<void> {
    const [ids = []] = await resolveMentions(this.client, [{ roomId, names: change.mentionNames ?? [] }]);
    await this.client.query('DELETE FROM mentions WHERE room_id = $1 AND seq = $2', [roomId, change.seq]);
    await this.client.query(
      `WITH mentioned AS (
         INSERT INTO mentions (user_id, room_id, seq) SELECT unnest($6::text[]), $1, $2 ON CONFLICT DO NOTHING
       )
       UPDATE messages SET text = $3, edited = $4, mentions = $5, search = ${SEARCH_VECTOR('$7')} WHERE room_id = $1 AND seq = $2`,
      [roomId, change.seq, change.text, ts, mentionsJson(ids), mentionRows(ids, target.user_id), indexText(change.text)],
    );
  }

  /**
   * Erases the text, reply, reactions, mentions and files (gone: the sweeper removes their bytes). Unlike SQLite's secure_delete this is not at
   * once physical: the old row version keeps the text until VACUUM reclaims it, and the WAL (and
   * any archive or replica) holds it as written.
   */
  private async redact(roomId: Int8, seq: number): Promise<void> {
    await this.client.query(
      `WITH reactions_gone AS (DELETE FROM reactions WHERE room_id = $1 AND seq = $2),
            mentions_gone AS (DELETE FROM mentions WHERE room_id = $1 AND seq = $2),
            files_gone AS (UPDATE files SET ${FILE_GONE} WHERE room_id = $1 AND seq = $2 AND state = 'sent')
       UPDATE messages SET text = '', deleted = true, edited = NULL, reply_seq = NULL, mentions = NULL, reactions = NULL, files = NULL, search = NULL
       WHERE room_id = $1 AND seq = $2`,
      [roomId, seq],
    );
  }

  /** The reaction row added or taken out, and the summary from the rows as they now are (read once, in order). */
  private async react(roomId: Int8, change: NewReaction, rows: ReactionRow[]): Promise<void> {
    const { seq, emoji, by } = change;
    await this.client.query(
      `WITH changed AS (${
        change.on
          ? 'INSERT INTO reactions (room_id, seq, emoji, user_id) VALUES ($1, $2, $3, $4)'
          : 'DELETE FROM reactions WHERE room_id = $1 AND seq = $2 AND emoji = $3 AND user_id = $4'
      })
       UPDATE messages SET reactions = $5 WHERE room_id = $1 AND seq = $2`,
      [roomId, seq, emoji, by.id, reactionSummary(reactionsAfter(rows, change))],
    );
  }
}
