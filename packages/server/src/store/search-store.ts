// Full-text search over messages (docs/protocol.md, "Search"). Both stores index OUR tokens
// (search/search-text.ts: words, CJK characters and bigrams, emoji), not their own tokenizers',
// which make one token of a whole Chinese run: SQLite in an FTS5 table keyed by the message id,
// PostgreSQL in a tsvector column with a GIN index. A message is indexed, re-indexed on an edit
// and taken out on a redaction, retention or its room's deletion in the same transaction; history
// from before the index existed is indexed in the background, newest first (indexBacklog).
import type { ChatMessage } from '@chat/protocol';

export interface SearchQuery {
  /** parseQuery's terms (search/search-text.ts): every one must match. At least one. */
  terms: string[];
  /** The caller: found in public rooms they are not banned from, and rooms where they hold a role (members of private rooms and DMs). */
  userId: string;
  /** Only this room. */
  room?: string;
  /** Only messages sent under this nick, or by the account of this username (lower case). */
  from?: string;
  /** Only messages older than this one (a message id: the last of the previous page). */
  before?: string;
  limit: number;
}

export interface SearchHit {
  room: string;
  /** As it is now (never a redacted one). */
  message: ChatMessage;
}

export interface SearchPage {
  /** Newest first: by message id, which follows the order messages were stored (by ts; by seq within a room). */
  results: SearchHit[];
  hasMore: boolean;
}

export interface SearchStore {
  search(query: SearchQuery): Promise<SearchPage>;

  /**
   * Indexes up to `batch` messages stored before the index existed, newest first; resolves with
   * how many it indexed, 0 once the backlog is done. Safe to run on several nodes at once.
   */
  indexBacklog(batch: number): Promise<number>;
}
