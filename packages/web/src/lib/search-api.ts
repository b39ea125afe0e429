// Message search over HTTP (Version 1.1, "Search"; issue 18), without any UI: `GET api/search` a
// page at a time, newest first, with the cursor the server hands back. At most one request is in
// flight: a new search (or the next page) aborts the one before it, so a slow answer to what the
// user typed three keys ago can never replace the answer to what is typed now. Credentials are those
// of `api/me/rooms`: the session cookie (same-origin), or a guest's token as a bearer.
import { MAX_SEARCH_QUERY_CHARS, type ChatMessage } from '@chat/protocol';

/** Results per page (the server's default; it allows 1 to 100). */
export const SEARCH_PAGE_SIZE = 20;
/** The longest `q` the server takes, in characters (code points); the field stops there too. */
export const MAX_QUERY_CHARS = MAX_SEARCH_QUERY_CHARS;

/** `q` cut to what the server takes, never in the middle of a character. */
const cut = (q: string) => [...q].slice(0, MAX_QUERY_CHARS).join('');

/** One found message and the room it is in. */
export interface SearchHit {
  room: string;
  message: ChatMessage;
}

export interface SearchPage {
  results: SearchHit[];
  /** The cursor of the next page; null on the last one. */
  next: string | null;
}

/** Why a page did not come. `aborted`: a newer request replaced it (nothing to show). */
export type SearchFailure =
  | { kind: 'invalid' } // 400: an empty or unusable query
  | { kind: 'unauthorized' } // 401: the session or guest token is gone
  | { kind: 'throttled'; seconds: number } // 429: too many searches
  | { kind: 'network' } // no answer at all
  | { kind: 'server'; status: number } // anything else, or a body that is not a page
  | { kind: 'aborted' };

export type SearchResult = { ok: true; value: SearchPage } | { ok: false; failure: SearchFailure };

export interface SearchRequest {
  q: string;
  /** Only this room (`room=`). */
  room?: string;
  limit?: number;
  cursor?: string | null;
}

/** The part of `fetch` this uses. */
export type SearchFetch = (
  url: string,
  init: { headers: Record<string, string>; signal: AbortSignal; credentials: 'same-origin'; cache: 'no-store' },
) => Promise<{ ok: boolean; status: number; headers: { get(name: string): string | null }; json(): Promise<unknown> }>;

export interface SearchApiOptions {
  /** A page-relative URL for `path` (lib/urls.ts httpUrl), so a proxy prefix survives. */
  url(path: string): string;
  fetch: SearchFetch;
  /** A guest's token, sent as a bearer; null for an account (its session cookie goes along). */
  guestToken(): string | null;
}

/** The page-relative path of one search page. */
export function searchPath(request: SearchRequest): string {
  const params = new URLSearchParams({ q: cut(request.q) });
  if (request.room !== undefined) params.set('room', request.room);
  if (request.limit !== undefined) params.set('limit', String(Math.min(100, Math.max(1, Math.floor(request.limit)))));
  if (request.cursor) params.set('cursor', request.cursor);
  return `api/search?${params.toString()}`;
}

/**
 * A page from the server's JSON; null when it is not one. Rows that are not a readable message are
 * left out, and so is a deleted message, whatever the server sent: the list never shows one.
 */
export function parseSearchPage(body: unknown): SearchPage | null {
  const { results, next } = (body ?? {}) as { results?: unknown; next?: unknown };
  if (!Array.isArray(results)) return null;
  const hits: SearchHit[] = [];
  for (const row of results as Array<{ room?: unknown; message?: Partial<ChatMessage> } | null>) {
    const m = row?.message;
    if (typeof row?.room !== 'string' || !m || m.deleted) continue;
    if (typeof m.seq !== 'number' || typeof m.text !== 'string' || typeof m.ts !== 'number') continue;
    if (typeof m.from?.id !== 'string' || typeof m.from.nick !== 'string') continue;
    hits.push({ room: row.room, message: m as ChatMessage });
  }
  return { results: hits, next: typeof next === 'string' && next !== '' ? next : null };
}

export class SearchApi {
  private inFlight: AbortController | null = null;

  constructor(private readonly options: SearchApiOptions) {}

  /** One page of results. Aborts the request still in flight, which then fails as `aborted`. */
  async page(request: SearchRequest): Promise<SearchResult> {
    this.abort();
    const controller = new AbortController();
    this.inFlight = controller;
    const token = this.options.guestToken();
    const failed = (failure: SearchFailure): SearchResult => ({ ok: false, failure: controller.signal.aborted ? { kind: 'aborted' } : failure });
    try {
      let res: Awaited<ReturnType<SearchFetch>>;
      try {
        res = await this.options.fetch(this.options.url(searchPath(request)), {
          headers: token === null ? {} : { authorization: `Bearer ${token}` },
          signal: controller.signal,
          credentials: 'same-origin',
          cache: 'no-store',
        });
      } catch {
        return failed({ kind: 'network' });
      }
      if (!res.ok) return failed(failureOf(res.status, res.headers.get('retry-after')));
      let body: unknown;
      try {
        body = await res.json();
      } catch {
        // Not JSON, or a body cut short (by the abort, too).
        return failed({ kind: 'server', status: res.status });
      }
      const page = parseSearchPage(body);
      return page === null ? failed({ kind: 'server', status: res.status }) : { ok: true, value: page };
    } finally {
      if (this.inFlight === controller) this.inFlight = null;
    }
  }

  /** Drops the request in flight, if any. */
  abort(): void {
    this.inFlight?.abort();
    this.inFlight = null;
  }
}

function failureOf(status: number, retryAfter: string | null): SearchFailure {
  if (status === 400) return { kind: 'invalid' };
  if (status === 401) return { kind: 'unauthorized' };
  if (status === 429) {
    const seconds = Number(retryAfter);
    return { kind: 'throttled', seconds: Number.isFinite(seconds) && seconds > 0 ? Math.ceil(seconds) : 1 };
  }
  return { kind: 'server', status };
}

export interface SearchState {
  /** The query the results are for (trimmed); '' before any. */
  query: string;
  hits: SearchHit[];
  next: string | null;
  loading: boolean;
  /** The last request's failure (never `aborted`), until the next answer. */
  error: Exclude<SearchFailure, { kind: 'aborted' }> | null;
  /** An answer for `query` is shown (so no hits means none, not "not asked yet"). */
  loaded: boolean;
}

export function initialSearchState(): SearchState {
  return { query: '', hits: [], next: null, loading: false, error: null, loaded: false };
}

/**
 * What the search panel shows: a search replaces the results, `more` appends the next page, and a
 * failed one of the two can be retried. `state` is what the UI renders (a Vue `reactive()` on the
 * page, a plain object in tests).
 */
export class SearchSession {
  /** What failed last, for `retry`. */
  private failed: 'search' | 'more' | null = null;
  /** Counts requests: only the answer to the newest one is shown (an abort may come too late). */
  private requests = 0;

  constructor(
    readonly state: SearchState,
    private readonly api: SearchApi,
    private readonly pageSize = SEARCH_PAGE_SIZE,
  ) {}

  /** The first page for what the user typed; '' clears the results and asks nothing. */
  async search(typed: string): Promise<void> {
    const query = cut(typed.trim());
    const request = ++this.requests;
    if (query === '') {
      this.api.abort();
      this.failed = null;
      Object.assign(this.state, initialSearchState());
      return;
    }
    this.state.loading = true;
    const result = await this.api.page({ q: query, limit: this.pageSize });
    if (request !== this.requests) return; // a newer request owns the state
    this.state.loading = false;
    if (!result.ok) {
      this.fail('search', result.failure);
      Object.assign(this.state, { query, hits: [], next: null, loaded: false });
      return;
    }
    this.failed = null;
    Object.assign(this.state, { query, hits: result.value.results, next: result.value.next, error: null, loaded: true });
  }

  /** Appends the next page of the results shown. */
  async more(): Promise<void> {
    const { next, query } = this.state;
    if (next === null || this.state.loading) return;
    const request = ++this.requests;
    this.state.loading = true;
    const result = await this.api.page({ q: query, limit: this.pageSize, cursor: next });
    if (request !== this.requests) return;
    this.state.loading = false;
    if (!result.ok) return this.fail('more', result.failure);
    this.failed = null;
    // A message found again on the next page (edited between the two) is listed once.
    const seen = new Set(this.state.hits.map(hitKey));
    this.state.hits = [...this.state.hits, ...result.value.results.filter((hit) => !seen.has(hitKey(hit)))];
    this.state.next = result.value.next;
    this.state.error = null;
  }

  /** Repeats what failed last. */
  retry(): Promise<void> {
    return this.failed === 'more' ? this.more() : this.search(this.state.query);
  }

  /** Stops the request in flight (the panel closed). */
  cancel(): void {
    this.requests++;
    this.api.abort();
    this.state.loading = false;
  }

  private fail(what: 'search' | 'more', failure: SearchFailure): void {
    if (failure.kind === 'aborted') return;
    this.failed = what;
    this.state.error = failure;
  }
}

/** One message, wherever it is found. */
export const hitKey = (hit: SearchHit): string => `${hit.room}\n${hit.message.seq}`;
