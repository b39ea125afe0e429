// SQLite's SearchStore (search-store.ts): an FTS5 table of our tokens keyed by the message id.
// Contentless (it keeps no copy of the text) with FTS5's secure-delete, so that a redacted or
// edited text leaves no token behind in the index, and PRAGMA secure_delete zeroes the pages it
// held. FTS5 walks its matches by rowid, newest first, and stops at the page's end: a common word
// costs no more than a rare one. The index is written inside the message log's transactions
// (sqlite-messages.ts, sqlite-changes.ts, sqlite-rooms.ts).
import type Database from 'better-sqlite3';
import { indexText } from '../../search/search-text.js';
import { ftsMatch } from '../../search/store-match.js';
import type { FileSigner } from '../file-store.js';
import { MESSAGE_COLUMNS, searchableRoom, searchAuthor, toSearchPage, type MessageRow } from '../rows.js';
import type { SearchPage, SearchQuery, SearchStore } from '../search-store.js';
import { writeTransaction } from './sqlite-transaction.js';

interface SearchParams {
  match: string;
  user: string;
  room: string | null;
  from: string | null;
  before: number | null;
  limit: number;
}

function prepare(db: Database.Database) {
  return {
    index: db.prepare<[number, string]>('INSERT OR REPLACE INTO message_search (rowid, terms) VALUES (?, ?)'),
    unindex: db.prepare<[number]>('DELETE FROM message_search WHERE rowid = ?'),
    unindexAt: db.prepare<[number, number]>('DELETE FROM message_search WHERE rowid = (SELECT id FROM messages WHERE room_id = ? AND seq = ?)'),
    unindexBefore: db.prepare<[number]>('DELETE FROM message_search WHERE rowid IN (SELECT id FROM messages WHERE ts < ?)'),
    unindexRoom: db.prepare<[number]>('DELETE FROM message_search WHERE rowid IN (SELECT id FROM messages WHERE room_id = ?)'),
    idAt: db.prepare<[number, number], { id: number }>('SELECT id FROM messages WHERE room_id = ? AND seq = ?'),
    search: db.prepare<[SearchParams], MessageRow & { room: string }>(
      `SELECT r.name AS room, ${MESSAGE_COLUMNS}
       FROM message_search s JOIN messages m ON m.id = s.rowid JOIN rooms r ON r.id = m.room_id
       LEFT JOIN messages t ON t.room_id = m.room_id AND t.seq = m.reply_seq
       WHERE message_search MATCH :match AND m.deleted = 0 AND ${searchableRoom(':user')}
         AND (:room IS NULL OR r.name = :room)
         AND ${searchAuthor(':from', 'unicode_lower')}
         AND (:before IS NULL OR s.rowid < :before)
       ORDER BY s.rowid DESC LIMIT :limit`,
    ),
    // One room: walked from the room's newest message back, each tested against the set of the
    // terms' matches, so that the cost follows the room, not the word's matches in every room.
    searchRoom: db.prepare<[SearchParams], MessageRow & { room: string }>(
      `SELECT r.name AS room, ${MESSAGE_COLUMNS}
       FROM rooms r JOIN messages m ON m.room_id = r.id
       LEFT JOIN messages t ON t.room_id = m.room_id AND t.seq = m.reply_seq
       WHERE r.name = :room AND m.id IN (SELECT rowid FROM message_search WHERE message_search MATCH :match)
         AND m.deleted = 0 AND ${searchableRoom(':user')}
         AND ${searchAuthor(':from', 'unicode_lower')}
         AND (:before IS NULL OR m.id < :before)
       ORDER BY m.seq DESC LIMIT :limit`,
    ),
    optimize: db.prepare("INSERT INTO message_search (message_search) VALUES ('optimize')"),
    backlogBelow: db.prepare<[], { below: number }>('SELECT below FROM search_backlog'),
    backlog: db.prepare<[number, number], { id: number; text: string }>('SELECT id, text FROM messages WHERE id < ? AND deleted = 0 ORDER BY id DESC LIMIT ?'),
    setBacklog: db.prepare<[number]>('UPDATE search_backlog SET below = ?'),
  };
}

export class SqliteSearch implements SearchStore {
  private readonly statements: ReturnType<typeof prepare>;
  private readonly backlogTx: (batch: number) => number;
  /** Entries were deleted or replaced since the index was last rewritten (eraseLeftovers). */
  private erased = false;

  constructor(
    db: Database.Database,
    private readonly sign: FileSigner,
  ) {
    this.statements = prepare(db);
    this.backlogTx = writeTransaction(db, (batch: number) => this.indexBacklogInTransaction(batch));
  }

  async search(q: SearchQuery): Promise<SearchPage> {
    const before = q.before === undefined ? null : Number(q.before);
    const statement = q.room === undefined ? this.statements.search : this.statements.searchRoom;
    const rows = statement.all({
      match: ftsMatch(q.terms),
      user: q.userId,
      room: q.room ?? null,
      from: q.from ?? null,
      before: before !== null && Number.isSafeInteger(before) ? before : null,
      limit: q.limit + 1,
    });
    return toSearchPage(rows, q.limit, this.sign);
  }

  async indexBacklog(batch: number): Promise<number> {
    return this.backlogTx(batch);
  }

  private indexBacklogInTransaction(batch: number): number {
    const below = this.statements.backlogBelow.get()?.below ?? 0;
    if (below <= 1) return 0;
    const rows = this.statements.backlog.all(below, batch);
    for (const row of rows) this.index(row.id, row.text);
    this.statements.setBacklog.run(rows.length < batch ? 0 : (rows.at(-1) as { id: number }).id);
    return rows.length;
  }

  /**
   * Rewrites the index if entries were deleted or replaced since it was opened. FTS5's
   * secure-delete takes a deleted entry out of the segments it is found in, but small segments
   * not yet merged can keep a deleted text's tokens (seen here with a few messages); a rewrite
   * ('optimize': about 0.2 s for 300,000 messages here) leaves none, and PRAGMA secure_delete
   * zeroes the pages they were on. Called when the store closes, so that a redacted or edited
   * text has left the index at the latest after a clean shutdown.
   */
  eraseLeftovers(): void {
    if (!this.erased) return;
    this.statements.optimize.run();
    this.erased = false;
  }

  // In the caller's transaction:

  /** Indexes a message's current text (replacing what the index held for it). */
  index(messageId: number, text: string): void {
    const terms = indexText(text);
    if (terms === '') this.statements.unindex.run(messageId);
    else this.statements.index.run(messageId, terms);
  }

  /** Re-indexes the message at (room, seq) after an edit. */
  reindexAt(roomId: number, seq: number, text: string): void {
    const row = this.statements.idAt.get(roomId, seq);
    if (row) this.index(row.id, text);
    this.erased = true;
  }

  /** Takes the message at (room, seq) out of the index (a redaction). */
  unindexAt(roomId: number, seq: number): void {
    this.statements.unindexAt.run(roomId, seq);
    this.erased = true;
  }

  /** Takes out the messages retention is about to prune. */
  unindexBefore(ts: number): void {
    if (this.statements.unindexBefore.run(ts).changes > 0) this.erased = true;
  }

  /** Takes out the messages of a room about to be deleted. */
  unindexRoom(roomId: number): void {
    if (this.statements.unindexRoom.run(roomId).changes > 0) this.erased = true;
  }
}
