// The room directory, without any UI: the public rooms of `GET api/rooms?private=false` a page at
// a time (docs/protocol.md, "api/rooms"), narrowed by `q`, with the name, the topic when the row
// has one, and how many are online. A search replaces the list; `more` appends the next page.
// Answers to an earlier search or page that come after a newer request are dropped.

/** Rooms per directory page (the server allows 1 to 500). */
export const DIRECTORY_PAGE_SIZE = 50;

/** `q` is at most 64 of a-z 0-9 _ - (any case): room names are made of nothing else. */
const QUERY = /^[a-z0-9_-]{0,64}$/;

export interface DirectoryRoom {
  name: string;
  online: number;
  /** Only when the server's row has one. */
  topic: string | null;
}

export interface DirectoryPage {
  rooms: DirectoryRoom[];
  /** The cursor of the next page; null on the last one. */
  next: string | null;
}

/** What went wrong loading a page (an ApiFailure's kind). */
export type DirectoryLoad = (query: string, cursor: string | null) => Promise<{ ok: true; value: DirectoryPage } | { ok: false; failure: { kind: string } }>;

/**
 * What the user typed, as a `q`: trimmed, without a leading `#`, lower case. Null when it cannot
 * match any room name (a space, other characters, too long): no request is needed to know that.
 */
export function directoryQuery(typed: string): string | null {
  const q = typed.trim().replace(/^#/, '').toLowerCase();
  return QUERY.test(q) ? q : null;
}

/** The page-relative path of one directory page. */
export function directoryPath(query: string, cursor: string | null, limit = DIRECTORY_PAGE_SIZE): string {
  const params = new URLSearchParams({ private: 'false', limit: String(limit) });
  if (query !== '') params.set('q', query);
  if (cursor !== null) params.set('cursor', cursor);
  return `api/rooms?${params.toString()}`;
}

/** A page from the server's JSON; null when it is not one. Private rows are left out. */
export function parseDirectoryPage(body: unknown): DirectoryPage | null {
  const { rooms, next } = (body ?? {}) as { rooms?: unknown; next?: unknown };
  if (!Array.isArray(rooms)) return null;
  const out: DirectoryRoom[] = [];
  for (const row of rooms as Array<Record<string, unknown> | null>) {
    if (typeof row?.name !== 'string' || row.private === true) continue;
    const topic = typeof row.topic === 'string' && row.topic.trim() !== '' ? row.topic : null;
    out.push({ name: row.name, online: typeof row.online === 'number' ? row.online : 0, topic });
  }
  return { rooms: out, next: typeof next === 'string' ? next : null };
}

export interface DirectoryState {
  /** The `q` of the rooms shown. */
  query: string;
  rooms: DirectoryRoom[];
  next: string | null;
  loading: boolean;
  /** The failure's kind when the last request failed. */
  error: string | null;
  /** A first page has been shown (so "no rooms" means none, not "not asked yet"). */
  loaded: boolean;
}

export function initialDirectoryState(): DirectoryState {
  return { query: '', rooms: [], next: null, loading: false, error: null, loaded: false };
}

export class RoomDirectory {
  /** Counts requests: only the answer to the newest one is taken. */
  private requests = 0;

  /** `state` is what the UI renders (a Vue `reactive()` on the page, a plain object in tests). */
  constructor(
    readonly state: DirectoryState,
    private readonly load: DirectoryLoad,
  ) {}

  /** Shows the first page of rooms matching what the user typed (all rooms for ''). */
  async search(typed: string): Promise<void> {
    const query = directoryQuery(typed);
    const request = ++this.requests;
    if (query === null) {
      Object.assign(this.state, { query: '', rooms: [], next: null, loading: false, error: null, loaded: true });
      return;
    }
    this.state.loading = true;
    const result = await this.load(query, null);
    if (request !== this.requests) return;
    this.state.loading = false;
    if (!result.ok) {
      this.state.error = result.failure.kind;
      return;
    }
    Object.assign(this.state, { query, rooms: result.value.rooms, next: result.value.next, error: null, loaded: true });
  }

  /** Appends the next page of the current search. */
  async more(): Promise<void> {
    const { next, query } = this.state;
    if (next === null || this.state.loading) return;
    const request = ++this.requests;
    this.state.loading = true;
    const result = await this.load(query, next);
    if (request !== this.requests) return;
    this.state.loading = false;
    if (!result.ok) {
      this.state.error = result.failure.kind;
      return;
    }
    // A room created between two pages sorts before the cursor or after it: never twice.
    const seen = new Set(this.state.rooms.map((r) => r.name));
    this.state.rooms = [...this.state.rooms, ...result.value.rooms.filter((r) => !seen.has(r.name))];
    this.state.next = result.value.next;
    this.state.error = null;
  }
}
