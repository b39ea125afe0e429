// Parsers of setting values: each takes the raw string and the name the operator used (env
// variable or flag) and returns the value or throws a one-line ConfigError naming that setting.
import { parseHost } from '../net/host-policy.js';
import { ConfigError } from './config-error.js';
import { LOG_LEVELS, ROOM_CREATION, type LogLevel, type RoomCreation } from './config-types.js';

export function integer(min: number, max: number) {
  return (raw: string, name: string): number => {
    const n = Number(raw);
    if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
    }
    return n;
  };
}

export function boolean(raw: string, name: string): boolean {
  const v = raw.trim().toLowerCase();
  if (['true', '1', 'yes'].includes(v)) return true;
  if (['false', '0', 'no'].includes(v)) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

export function nonEmpty(raw: string, name: string): string {
  if (raw.trim() === '') throw new ConfigError(`${name} must not be empty`);
  return raw.trim();
}

/** Parses a comma-separated list of origins; each must be exactly scheme://host[:port]. */
export function parseOrigins(raw: string, name: string): string[] {
  const origins: string[] = [];
  for (const part of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
    if (part.includes('*')) throw new ConfigError(`${name}: "${part}": wildcards are not allowed; list each origin exactly`);
    let url: URL;
    try {
      url = new URL(part);
    } catch {
      throw new ConfigError(`${name}: "${part}" is not an origin like https://chat.example.org`);
    }
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== part.replace(/\/$/, '').toLowerCase()) {
      throw new ConfigError(`${name}: "${part}" is not an origin like https://chat.example.org (no path, no wildcard)`);
    }
    origins.push(url.origin);
  }
  return origins;
}

/** An http(s) URL without credentials, query or fragment (a path is fine), normalized by URL. */
export function publicUrl(raw: string, name: string): string {
  const value = raw.trim();
  const example = `${name} must be the URL people open, like https://chat.example.org/ or https://example.org/chat/`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${example}, got "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`${example} (http or https), got "${raw}"`);
  if (url.username || url.password || url.search || url.hash || value.includes('#')) {
    throw new ConfigError(`${example} (no user, password, query or fragment)`);
  }
  if (parseHost(url.hostname) === null) throw new ConfigError(`${example}, got "${raw}"`);
  return url.href;
}

/**
 * Comma-separated host names, each `name` (any port) or `name:port`: DNS names, IPv4 addresses as
 * a.b.c.d, IPv6 addresses in brackets. Each must be written as browsers write it in Host (checked
 * by URL's own serialization), or it could never match. No wildcards: a suffix rule is exactly
 * what a rebinding attacker needs a mistake in (*.example.org also covers names nobody vetted).
 */
export function hostList(raw: string, name: string): string[] {
  const hosts: string[] = [];
  for (const part of raw.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean)) {
    if (part.includes('*')) throw new ConfigError(`${name}: "${part}": wildcards are not allowed; list each host name`);
    const parts = parseHost(part);
    let canonical: string | null = null;
    try {
      canonical = new URL(`http://${parts?.name ?? ''}/`).hostname;
    } catch {
      // not a host name URL accepts
    }
    if (parts === null || canonical !== parts.name) {
      throw new ConfigError(`${name}: "${part}" is not a host name like chat.example.org, chat.example.org:8443, 192.168.1.20 or [2001:db8::1]`);
    }
    hosts.push(part);
  }
  return hosts;
}

export function path(raw: string, name: string): string | null {
  return nonEmpty(raw, name);
}

/** Comma-separated usernames (3-32 of a-z 0-9 _ -). */
export function usernames(raw: string, name: string): string[] {
  const list = raw.split(',').map((s) => s.trim()).filter(Boolean);
  for (const u of list) {
    if (!/^[a-z0-9_-]{3,32}$/.test(u)) throw new ConfigError(`${name}: "${u}" is not a username (3-32 of a-z, 0-9, _ and -)`);
  }
  return list;
}

/** A URL with one of these schemes; the value is never echoed back (it may hold a password). */
export function urlWithScheme(schemes: string[]) {
  return (raw: string, name: string): string => {
    let url: URL;
    try {
      url = new URL(raw.trim());
    } catch {
      throw new ConfigError(`${name} is not a URL (expected ${schemes.map((s) => `${s}//…`).join(' or ')})`);
    }
    if (!schemes.includes(url.protocol)) throw new ConfigError(`${name} must start with ${schemes.map((s) => `${s}//`).join(' or ')}`);
    return raw.trim();
  };
}

export function keyPrefix(raw: string, name: string): string {
  if (!/^[A-Za-z0-9_:.-]{1,64}$/.test(raw)) throw new ConfigError(`${name} must be 1-64 of A-Z a-z 0-9 _ : . -, got "${raw}"`);
  return raw;
}

export function roomCreation(raw: string, name: string): RoomCreation {
  const v = raw.trim().toLowerCase();
  if (!(ROOM_CREATION as readonly string[]).includes(v)) throw new ConfigError(`${name} must be one of ${ROOM_CREATION.join(', ')}, got "${raw}"`);
  return v as RoomCreation;
}

export function logLevel(raw: string, name: string): LogLevel {
  const v = raw.trim().toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(v)) {
    throw new ConfigError(`${name} must be one of ${LOG_LEVELS.join(', ')}, got "${raw}"`);
  }
  return v as LogLevel;
}

/** A VAPID key: base64url of `bytes` bytes (65: an uncompressed P-256 point; 32: its private scalar). The value is never echoed. */
export function vapidKey(bytes: number) {
  return (raw: string, name: string): string => {
    const key = raw.trim();
    const decoded = /^[A-Za-z0-9_-]+$/.test(key) ? Buffer.from(key, 'base64url') : null;
    if (decoded === null || decoded.length !== bytes || (bytes === 65 && decoded[0] !== 4)) {
      throw new ConfigError(`${name} must be a base64url ${bytes === 65 ? 'uncompressed P-256 public key (65 bytes)' : 'P-256 private key (32 bytes)'}`);
    }
    return key;
  };
}
