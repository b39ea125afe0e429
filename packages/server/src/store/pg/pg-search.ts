// PostgreSQL's SearchStore (search-store.ts): our tokens (search/search-text.ts) as a tsvector on
// the message row, under the `english` configuration (English words stemmed as SQLite's porter
// does; CJK tokens and encoded emoji pass as they are), with a GIN index. It is written by the
// statements that store, edit and redact messages (pg-messages.ts, pg-changes.ts); a redacted
// message's is NULL, and rows pruned or deleted take theirs with them.
import { indexText } from '../../search/search-text.js';
import { tsQuery } from '../../search/store-match.js';
import type { FileSigner } from '../file-store.js';
import { MESSAGE_COLUMNS, MESSAGE_FROM, searchableRoom, searchAuthor, toSearchPage, type MessageRow } from '../rows.js';
import type { SearchPage, SearchQuery, SearchStore } from '../search-store.js';
import type { Int8, PgDatabase } from './pg-database.js';

/** The tsvector of a text's tokens (SQL, `terms` an expression holding indexText's output); NULL when there are none. */
export const SEARCH_VECTOR = (terms: string): string => `CASE WHEN ${terms} = '' THEN NULL ELSE to_tsvector('english', ${terms}) END`;

export class PgSearch implements SearchStore {
  constructor(
    private readonly db: PgDatabase,
    private readonly sign: FileSigner,
  ) {}

  async search(q: SearchQuery): Promise<SearchPage> {
    const before = q.before === undefined ? null : Number(q.before);
    const rows = await this.db.rows<MessageRow & { room: string }>(
      `SELECT r.name AS room, ${MESSAGE_COLUMNS}
       FROM ${MESSAGE_FROM} JOIN rooms r ON r.id = m.room_id
       WHERE m.search @@ to_tsquery('english', $1) AND NOT m.deleted AND ${searchableRoom('$2')}
         AND ($3::text IS NULL OR m.room_id = (SELECT id FROM rooms WHERE name = $3))
         AND ${searchAuthor('$4::text', 'lower')}
         AND ($5::bigint IS NULL OR m.id < $5)
       ORDER BY m.id DESC LIMIT $6`,
      [tsQuery(q.terms), q.userId, q.room ?? null, q.from ?? null, before !== null && Number.isSafeInteger(before) ? before : null, q.limit + 1],
    );
    return toSearchPage(rows, q.limit, this.sign);
  }

  /**
   * One batch of the backlog: the newest messages below the marker, their tokens made here and
   * written only where the text is still the one read (an edit meanwhile wrote its own).
   */
  async indexBacklog(batch: number): Promise<number> {
    const [marker] = await this.db.rows<{ below: Int8 }>('SELECT below FROM search_backlog');
    const below = Number(marker?.below ?? 0);
    if (below <= 1) return 0;
    const rows = await this.db.rows<{ id: Int8; text: string }>('SELECT id, text FROM messages WHERE id < $1 AND NOT deleted ORDER BY id DESC LIMIT $2', [below, batch]);
    await this.db.query(
      `WITH indexed AS (
         UPDATE messages m SET search = ${SEARCH_VECTOR('v.terms')}
         FROM unnest($1::bigint[], $2::text[], $3::text[]) AS v(id, text, terms)
         WHERE m.id = v.id AND m.text = v.text AND NOT m.deleted
       )
       UPDATE search_backlog SET below = least(below, $4)`,
      [rows.map((r) => r.id), rows.map((r) => r.text), rows.map((r) => indexText(r.text)), rows.length < batch ? 0 : Number(rows.at(-1)?.id)],
    );
    return rows.length;
  }
}
