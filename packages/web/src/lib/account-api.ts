// The HTTP side of accounts (docs/protocol.md, "Accounts, private rooms and moderation"), without
// any UI: register, sign in and out, who am I, bearer tokens, the room list. Every URL is relative
// to the page (so a proxy prefix such as /wsline/ works), and every request is same-origin, so the
// browser sends the HttpOnly `session` cookie and the Origin header the server's CSRF rule wants.
import { MIN_PASSWORD_CHARS, USERNAME, type User } from '@chat/protocol';
import type { ListedRoom, NotifyLevel, RoomSummary } from './chat-state.js';
import { directoryPath, parseDirectoryPage, type DirectoryPage } from './room-directory.js';

/** Rooms per `api/rooms` page (the server's most), and pages read at most: 5000 private rooms. */
const ROOM_PAGE_SIZE = 500;
const MAX_ROOM_PAGES = 10;

/** The part of `fetch` this uses (tests pass a fake). */
export type FetchLike = (url: string, init?: { method?: string; headers?: Record<string, string>; body?: string; cache?: 'no-store'; credentials?: 'same-origin' }) => Promise<{
  ok: boolean;
  status: number;
  headers: { get(name: string): string | null };
  json(): Promise<unknown>;
}>;

export interface ServerInfo {
  protocol: number;
  allowGuests: boolean;
  /** Version 1.1: what the server has ("edit", "files", …); [] from an older server. */
  features: string[];
  /** With "files": the largest upload in bytes (null: not said), and whether guests may upload. */
  maxUploadBytes: number | null;
  guestUploads: boolean;
}

/**
 * `GET api/nicks/check`'s answer: whether a new guest may take a name (docs/protocol.md, "Checking
 * a guest name"). `reason` is `invalid`, `account` or `guests_disabled`, or one a newer server adds.
 */
export type NickVerdict = { available: true; nick: string } | { available: false; reason: string };

export interface AccessToken {
  id: string;
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
}

export interface NewAccessToken {
  id: string;
  name: string;
  /** Shown once: the server keeps only its hash. */
  token: string;
}

/** Why a request failed, in terms the UI can put into words. */
export type ApiFailure =
  | { kind: 'taken' } // 409
  | { kind: 'invalid'; message: string } // 400
  | { kind: 'common' } // 400: one of the most common passwords (the server's list)
  | { kind: 'wrong' } // 401
  | { kind: 'throttled'; seconds: number } // 429 + Retry-After
  | { kind: 'busy' } // 503
  | { kind: 'forbidden' } // 403 (e.g. not same-origin)
  | { kind: 'not_found' } // 404 (e.g. a server without accounts)
  | { kind: 'network' } // no answer at all
  | { kind: 'server'; status: number };

export type ApiResult<T> = { ok: true; value: T } | { ok: false; failure: ApiFailure };

export type AuthMode = 'signin' | 'register';

/** Client-side checks before a request; the server checks the same rules again. */
export function credentialProblem(mode: AuthMode, username: string, password: string): 'username' | 'password' | null {
  if (mode === 'register') {
    if (!USERNAME.test(username)) return 'username';
    if ([...password].length < MIN_PASSWORD_CHARS) return 'password';
    return null;
  }
  if (username.length === 0) return 'username';
  if (password.length === 0) return 'password';
  return null;
}

/** Usernames are lower case; people type them however they like. */
export function normalizeUsername(raw: string): string {
  return raw.trim().toLowerCase();
}

export class AccountApi {
  /** `url(path)` makes a page-relative URL (src/lib/urls.ts httpUrl). */
  constructor(
    private readonly url: (path: string) => string,
    private readonly fetchFn: FetchLike,
  ) {}

  /** `GET api/info`. Throws when the server cannot be reached. */
  async info(): Promise<ServerInfo> {
    const res = await this.fetchFn(this.url('api/info'), { cache: 'no-store' });
    if (!res.ok) throw new Error(`api/info: ${res.status}`);
    const body = (await res.json()) as Partial<Record<keyof ServerInfo, unknown>>;
    const features = Array.isArray(body.features) ? body.features.filter((f): f is string => typeof f === 'string') : [];
    const max = body.maxUploadBytes;
    return {
      protocol: Number(body.protocol ?? 1),
      allowGuests: body.allowGuests !== false,
      features,
      maxUploadBytes: typeof max === 'number' && max > 0 ? max : null,
      guestUploads: body.guestUploads === true,
    };
  }

  /**
   * `GET api/nicks/check?nick=`: what the server would say to a new guest of this name; null when
   * it cannot tell (unreachable, throttled, a server without the check): then the guest goes on.
   */
  async checkNick(nick: string): Promise<NickVerdict | null> {
    const result = await this.call('GET', `api/nicks/check?nick=${encodeURIComponent(nick)}`);
    if (!result.ok) return null;
    const body = (result.value ?? {}) as { available?: unknown; nick?: unknown; reason?: unknown };
    if (body.available === true && typeof body.nick === 'string') return { available: true, nick: body.nick };
    if (body.available === false) return { available: false, reason: typeof body.reason === 'string' ? body.reason : 'unknown' };
    return null;
  }

  /** `GET api/me`: the signed-in user, or null (401). Throws when the answer says nothing. */
  async me(): Promise<User | null> {
    const res = await this.fetchFn(this.url('api/me'), { cache: 'no-store', credentials: 'same-origin' });
    if (res.status === 401) return null;
    if (!res.ok) throw new Error(`api/me: ${res.status}`);
    return ((await res.json()) as { user: User }).user;
  }

  register(username: string, password: string): Promise<ApiResult<User>> {
    return this.authenticate('api/auth/register', username, password);
  }

  signIn(username: string, password: string): Promise<ApiResult<User>> {
    return this.authenticate('api/auth/login', username, password);
  }

  /** `POST api/auth/logout`: the server revokes the session and clears the cookie. */
  async signOut(): Promise<ApiResult<null>> {
    const result = await this.call('POST', 'api/auth/logout');
    return result.ok ? { ok: true, value: null } : result;
  }

  async listTokens(): Promise<ApiResult<AccessToken[]>> {
    const result = await this.call('GET', 'api/auth/tokens');
    if (!result.ok) return result;
    return { ok: true, value: ((result.value as { tokens?: AccessToken[] }).tokens ?? []).slice() };
  }

  async createToken(name: string): Promise<ApiResult<NewAccessToken>> {
    const result = await this.call('POST', 'api/auth/tokens', { name });
    if (!result.ok) return result;
    const body = result.value as Partial<NewAccessToken>;
    return { ok: true, value: { id: String(body.id ?? ''), name: String(body.name ?? name), token: String(body.token ?? '') } };
  }

  async deleteToken(id: string): Promise<ApiResult<null>> {
    const result = await this.call('DELETE', `api/auth/tokens/${encodeURIComponent(id)}`);
    return result.ok ? { ok: true, value: null } : result;
  }

  /** `GET api/rooms/R/bans` (Version 1.1, issue 15): who is banned from the room; for its owner, moderators and admins. */
  async bans(room: string): Promise<ApiResult<User[]>> {
    const result = await this.call('GET', `api/rooms/${encodeURIComponent(room)}/bans`);
    if (!result.ok) return result;
    const bans = (result.value as { bans?: unknown }).bans;
    return { ok: true, value: Array.isArray(bans) ? (bans as User[]).filter((u) => typeof u?.id === 'string' && typeof u?.nick === 'string') : [] };
  }

  /**
   * `GET api/rooms?private=true`: the account's private rooms and DMs (the client offers only
   * those; the public list can be long), every page; null when a page fails. A server without
   * paging ignores the parameters and sends the whole list, without `next`.
   */
  async rooms(): Promise<RoomSummary[] | null> {
    const all: RoomSummary[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < MAX_ROOM_PAGES; page++) {
      const path: string = `api/rooms?private=true&limit=${ROOM_PAGE_SIZE}${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
      const result = await this.call('GET', path);
      if (!result.ok) return null;
      const { rooms, next } = result.value as { rooms?: RoomSummary[]; next?: string | null };
      if (!Array.isArray(rooms)) return null;
      all.push(...rooms);
      if (typeof next !== 'string') break;
      cursor = next;
    }
    return all;
  }

  /** `GET api/rooms?private=false`: one page of the public rooms whose name contains `query`. */
  async publicRooms(query: string, cursor: string | null): Promise<ApiResult<DirectoryPage>> {
    const result = await this.call('GET', directoryPath(query, cursor));
    if (!result.ok) return result;
    const page = parseDirectoryPage(result.value);
    return page === null ? { ok: false, failure: { kind: 'server', status: 200 } } : { ok: true, value: page };
  }

  /**
   * `GET api/me/rooms`: the rooms this user keeps, the same on every device (Version 1.1); a guest
   * sends its token as a bearer. Null when the server cannot say (unreachable, an older server).
   */
  async myRooms(guestToken: string | null): Promise<ListedRoom[] | null> {
    const result = await this.call('GET', 'api/me/rooms', undefined, guestToken === null ? {} : { authorization: `Bearer ${guestToken}` });
    if (!result.ok) return null;
    const rooms = (result.value as { rooms?: unknown }).rooms;
    return Array.isArray(rooms) ? (rooms as ListedRoom[]).filter((r) => typeof r?.name === 'string') : null;
  }

  /** `PUT api/me/rooms/R {"notify"}`: what the room notifies this user of (a guest's token as a bearer). */
  async setNotify(room: string, notify: NotifyLevel, guestToken: string | null): Promise<ApiResult<unknown>> {
    return this.call('PUT', `api/me/rooms/${encodeURIComponent(room)}`, { notify }, guestToken === null ? {} : { authorization: `Bearer ${guestToken}` });
  }

  private async authenticate(path: string, username: string, password: string): Promise<ApiResult<User>> {
    const result = await this.call('POST', path, { username, password });
    if (!result.ok) return result;
    return { ok: true, value: (result.value as { user: User }).user };
  }

  private async call(method: string, path: string, body?: object, headers: Record<string, string> = {}): Promise<ApiResult<unknown>> {
    const sent = body === undefined ? headers : { ...headers, 'content-type': 'application/json' };
    let res: Awaited<ReturnType<FetchLike>>;
    try {
      res = await this.fetchFn(this.url(path), {
        method,
        cache: 'no-store',
        credentials: 'same-origin',
        ...(Object.keys(sent).length === 0 ? {} : { headers: sent }),
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch {
      return { ok: false, failure: { kind: 'network' } };
    }
    if (res.ok) {
      if (res.status === 204) return { ok: true, value: null };
      try {
        return { ok: true, value: await res.json() };
      } catch {
        return { ok: false, failure: { kind: 'server', status: res.status } };
      }
    }
    return { ok: false, failure: await failureOf(res) };
  }
}

async function failureOf(res: Awaited<ReturnType<FetchLike>>): Promise<ApiFailure> {
  switch (res.status) {
    case 400: {
      let message = '';
      try {
        message = String(((await res.json()) as { message?: unknown }).message ?? '');
      } catch {
        // no body
      }
      // The server's wording for a password on its common-passwords list (auth/password-policy.ts).
      if (message.startsWith('password is too common')) return { kind: 'common' };
      return { kind: 'invalid', message };
    }
    case 401:
      return { kind: 'wrong' };
    case 403:
      return { kind: 'forbidden' };
    case 404:
      return { kind: 'not_found' };
    case 409:
      return { kind: 'taken' };
    case 429:
      return { kind: 'throttled', seconds: retryAfterSeconds(res.headers.get('retry-after')) };
    case 503:
      return { kind: 'busy' };
    default:
      return { kind: 'server', status: res.status };
  }
}

/** Retry-After as seconds (delta-seconds or an HTTP date); at least 1. */
export function retryAfterSeconds(header: string | null, now = Date.now()): number {
  if (header === null) return 1;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(1, Math.ceil(seconds));
  const date = Date.parse(header);
  return Number.isNaN(date) ? 1 : Math.max(1, Math.ceil((date - now) / 1000));
}
