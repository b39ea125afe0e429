// Helpers for the accounts API tests: JSON requests over real HTTP (fetch) as the site's own page
// would send them, and sign-up / sign-in shortcuts that return the session cookie.
import type { User } from '@chat/protocol';
import type { TestServer } from '../helpers.js';

export interface ApiResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON body, or null for an empty one. */
  body: any;
  text: string;
  /** Every Set-Cookie header. */
  setCookies: string[];
}

export interface ApiOptions {
  body?: unknown;
  /** `session=…` as sent in a Cookie header. */
  cookie?: string;
  bearer?: string;
  /** The Origin header; defaults to the server's own origin. null: send none. */
  origin?: string | null;
  headers?: Record<string, string>;
}

export async function api(server: TestServer | string, method: string, path: string, options: ApiOptions = {}): Promise<ApiResponse> {
  const base = typeof server === 'string' ? server : server.httpUrl;
  const headers: Record<string, string> = { ...options.headers };
  const origin = options.origin === undefined ? base : options.origin;
  if (origin !== null) headers.origin = origin;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.cookie !== undefined) headers.cookie = options.cookie;
  if (options.bearer !== undefined) headers.authorization = `Bearer ${options.bearer}`;
  const res = await fetch(`${base}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await res.text();
  let body: unknown = null;
  if (text !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  return { status: res.status, headers: res.headers, body, text, setCookies: res.headers.getSetCookie() };
}

/** The `session=…` pair of a response's Set-Cookie, ready for a Cookie header. */
export function sessionPair(res: ApiResponse): string {
  const set = res.setCookies.find((c) => c.startsWith('session='));
  if (set === undefined) throw new Error(`no session cookie in ${JSON.stringify(res.setCookies)} (status ${res.status}: ${res.text})`);
  return set.split(';')[0]!;
}

/** The attributes of a Set-Cookie header, lower-cased names; `Secure` and friends map to true. */
export function cookieAttributes(setCookie: string): Record<string, string | true> {
  const [, ...attrs] = setCookie.split(';').map((s) => s.trim());
  const out: Record<string, string | true> = {};
  for (const a of attrs) {
    const eq = a.indexOf('=');
    if (eq < 0) out[a.toLowerCase()] = true;
    else out[a.slice(0, eq).toLowerCase()] = a.slice(eq + 1);
  }
  return out;
}

export const PASSWORD = 'correct horse battery staple';

export interface Account {
  user: User;
  cookie: string;
}

/** Registers an account (expects 201) and returns it with its session cookie. */
export async function register(server: TestServer, username: string, password = PASSWORD, options: ApiOptions = {}): Promise<Account> {
  const res = await api(server, 'POST', '/api/auth/register', { ...options, body: { username, password } });
  if (res.status !== 201) throw new Error(`register ${username}: ${res.status} ${res.text}`);
  return { user: (res.body as { user: User }).user, cookie: sessionPair(res) };
}

/** Signs in (expects 200) and returns the session cookie. */
export async function login(server: TestServer, username: string, password = PASSWORD, options: ApiOptions = {}): Promise<Account> {
  const res = await api(server, 'POST', '/api/auth/login', { ...options, body: { username, password } });
  if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${res.text}`);
  return { user: (res.body as { user: User }).user, cookie: sessionPair(res) };
}
