// How long tokens live, the same for every store: guest restore tokens and sessions expire after a
// while unused (sliding), bearer tokens never, but record when they were last used.
import { hashToken, newId, newToken } from './ids.js';

export const DAY_MS = 24 * 60 * 60 * 1000;
/** Guest restore tokens expire after this long unused, unless the store's options say otherwise. */
export const DEFAULT_TOKEN_TTL_MS = 90 * DAY_MS;
/** Account sessions expire after this long unused, unless the store's options say otherwise. */
export const DEFAULT_SESSION_TTL_MS = 30 * DAY_MS;
/** The expiry of a token that never expires (bearer tokens). */
export const NEVER = Number.MAX_SAFE_INTEGER;
/** Bearer tokens record their last use at most this often (a write per connection is an fsync). */
const LAST_USED_EVERY_MS = 60 * 60 * 1000;

export interface TokenLifetimes {
  /** Guest restore tokens expire after this long unused (sliding). Default 90 days. */
  tokenTtlMs: number;
  /** Account sessions expire after this long unused (sliding). Default 30 days. */
  sessionTtlMs: number;
}

/** A token as identityByToken found it. */
export interface FoundToken {
  kind: string;
  expiresAt: number;
  lastUsedAt: number | null;
}

/**
 * What a successful lookup writes back, if anything: a guest or session token's new expiry, or a
 * bearer token's last use. Slide the expiry, but write at most about once a day per token (or once
 * per tenth of a short lifetime): a reconnect storm should not cost one write per connection.
 */
export function touchAfterLookup(
  token: FoundToken,
  now: number,
  lifetimes: TokenLifetimes,
): { expiresAt: number } | { lastUsedAt: number } | null {
  if (token.expiresAt !== NEVER) {
    const ttl = token.kind === 'session' ? lifetimes.sessionTtlMs : lifetimes.tokenTtlMs;
    return token.expiresAt - now < ttl - Math.min(DAY_MS, ttl / 10) ? { expiresAt: now + ttl } : null;
  }
  if (token.lastUsedAt === null || now - token.lastUsedAt > LAST_USED_EVERY_MS) return { lastUsedAt: now };
  return null;
}

/** A session or bearer token about to be stored: its value (shown once), public id, hash and times. */
export interface NewAccountToken {
  token: string;
  id: string;
  hash: Buffer;
  createdAt: number;
  /** A session's first expiry; NEVER for a bearer token. */
  expiresAt: number;
}

export function newAccountToken(kind: 'session' | 'bearer', lifetimes: TokenLifetimes): NewAccountToken {
  const token = newToken();
  const createdAt = Date.now();
  const expiresAt = kind === 'bearer' ? NEVER : createdAt + lifetimes.sessionTtlMs;
  return { token, id: newId(), hash: hashToken(token), createdAt, expiresAt };
}
