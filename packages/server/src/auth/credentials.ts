// How a request says who is signing in: the `session` cookie of a signed-in browser, or an
// `Authorization: Bearer` token of a bot or CLI client (docs/protocol.md, "Accounts, private rooms
// and moderation"). The cookie is HttpOnly (no script reads it), SameSite=Lax (not sent on cross-site
// POSTs), and Secure when the page came over TLS. Hand-written rather than a cookie plugin: the
// gateway reads the same credentials on raw upgrade requests, outside Fastify.
import type { IncomingHttpHeaders } from 'node:http';
import { WS_PROTOCOL, WS_TOKEN_PROTOCOL_PREFIX } from '@chat/protocol';

export const SESSION_COOKIE = 'session';
/** The browser keeps the cookie this long; the store slides the session's own expiry (30 days). */
export const SESSION_MAX_AGE_S = 30 * 24 * 60 * 60;

/** Our tokens are base64url; anything else in the cookie is not one of ours. */
const TOKEN = /^[A-Za-z0-9_-]{16,256}$/;

/**
 * The session token from a request's Cookie header, or null. With several `session` cookies
 * (e.g. one set by a sibling site on a parent domain), the first that looks like a token wins:
 * browsers send the most specific path first.
 */
export function readSessionCookie(headers: IncomingHttpHeaders): string | null {
  const raw = headers.cookie;
  if (raw === undefined) return null;
  for (const pair of raw.split(';')) {
    const eq = pair.indexOf('=');
    if (eq < 0 || pair.slice(0, eq).trim() !== SESSION_COOKIE) continue;
    let value = pair.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    if (TOKEN.test(value)) return value;
  }
  return null;
}

/**
 * The token of an `Authorization: Bearer <token>` header, or null when there is no such header.
 * A request that carries one is authenticated by it alone, never by the cookie beside it.
 */
export function bearerToken(headers: IncomingHttpHeaders): string | null {
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(headers.authorization ?? '');
  return m ? m[1]! : null;
}

/**
 * The token a WebSocket upgrade offers as the subprotocol `token.<TOKEN>` (beside `chat`), or null.
 * Browsers cannot set Authorization on a WebSocket, and a query string ends up in access logs.
 */
export function protocolToken(headers: IncomingHttpHeaders): string | null {
  const raw = headers['sec-websocket-protocol'];
  if (raw === undefined) return null;
  for (const entry of raw.split(',')) {
    const value = entry.trim();
    if (value.startsWith(WS_TOKEN_PROTOCOL_PREFIX)) return value.slice(WS_TOKEN_PROTOCOL_PREFIX.length);
  }
  return null;
}

/**
 * The subprotocol the server answers (ws's handleProtocols): `chat` when offered, else none. Never
 * the token's entry, which would echo the credential in the response.
 */
export function chooseProtocol(offered: Set<string>): string | false {
  return offered.has(WS_PROTOCOL) ? WS_PROTOCOL : false;
}

/** The Set-Cookie value that stores `token` as the session. */
export function sessionCookie(token: string, secure: boolean): string {
  if (!TOKEN.test(token)) throw new Error('not a token');
  return attributes(`${SESSION_COOKIE}=${token}`, SESSION_MAX_AGE_S, secure);
}

/** The Set-Cookie value that deletes the session cookie. */
export function clearedSessionCookie(secure: boolean): string {
  return attributes(`${SESSION_COOKIE}=`, 0, secure);
}

function attributes(pair: string, maxAgeS: number, secure: boolean): string {
  const parts = [pair, 'Path=/', `Max-Age=${maxAgeS}`, 'HttpOnly', 'SameSite=Lax'];
  if (maxAgeS === 0) parts.push('Expires=Thu, 01 Jan 1970 00:00:00 GMT');
  if (secure) parts.push('Secure');
  return parts.join('; ');
}
