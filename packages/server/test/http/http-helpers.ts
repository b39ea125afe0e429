// Helpers for the accounts API tests: JSON requests as the site's own page would send them, over
// real HTTP (fetch) to a listening server or through app.inject() to an InjectServer, and sign-up /
// sign-in shortcuts that return the session cookie.
import type { User } from '@chat/protocol';
import type { InjectServer, TestServer } from '../helpers.js';

/** A listening server, an injected one, or the base URL of any HTTP server. */
export type ApiTarget = TestServer | InjectServer | string;

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

export async function api(server: ApiTarget, method: string, path: string, options: ApiOptions = {}): Promise<ApiResponse> {
  const base = typeof server === 'string' ? server : server.httpUrl;
  const headers: Record<string, string> = { ...options.headers };
  const origin = options.origin === undefined ? base : options.origin;
  if (origin !== null) headers.origin = origin;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.cookie !== undefined) headers.cookie = options.cookie;
  if (options.bearer !== undefined) headers.authorization = `Bearer ${options.bearer}`;
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  if (typeof server !== 'string' && 'inject' in server) return injected(server, method, path, headers, body);
  const res = await fetch(`${base}${path}`, { method, headers, body });
  return answer(res.status, res.headers, await res.text());
}

/** The request through app.inject(), with the Host a browser on `httpUrl` would send. */
async function injected(server: InjectServer, method: string, path: string, headers: Record<string, string>, body: string | undefined): Promise<ApiResponse> {
  const res = await server.app.inject({
    method: method as 'GET',
    url: path,
    headers: { host: new URL(server.httpUrl).host, ...headers },
    ...(body === undefined ? {} : { payload: body }),
  });
  const out = new Headers();
  for (const [name, value] of Object.entries(res.headers)) {
    for (const v of Array.isArray(value) ? value : [value]) if (v !== undefined) out.append(name, String(v));
  }
  return answer(res.statusCode, out, res.body);
}

function answer(status: number, headers: Headers, text: string): ApiResponse {
  let body: unknown = null;
  if (text !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  return { status, headers, body, text, setCookies: headers.getSetCookie() };
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
export async function register(server: ApiTarget, username: string, password = PASSWORD, options: ApiOptions = {}): Promise<Account> {
  const res = await api(server, 'POST', '/api/auth/register', { ...options, body: { username, password } });
  if (res.status !== 201) throw new Error(`register ${username}: ${res.status} ${res.text}`);
  return { user: (res.body as { user: User }).user, cookie: sessionPair(res) };
}

/** Signs in (expects 200) and returns the session cookie. */
export async function login(server: ApiTarget, username: string, password = PASSWORD, options: ApiOptions = {}): Promise<Account> {
  const res = await api(server, 'POST', '/api/auth/login', { ...options, body: { username, password } });
  if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${res.text}`);
  return { user: (res.body as { user: User }).user, cookie: sessionPair(res) };
}
