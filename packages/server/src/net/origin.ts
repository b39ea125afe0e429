// Cross-site WebSocket hijacking defence: a browser always sends Origin on a WebSocket upgrade, so
// a page on another site cannot open a socket with our users' cookies. Exact matches only: no
// substring, suffix or wildcard rules (https://app.example.com.evil.com is not app.example.com).
// Used by the CSRF check of HTTP requests (http/csrf.ts) and by the WebSocket upgrade alike.
import type { IncomingMessage } from 'node:http';
import { headerValue, requestScheme } from './forwarded.js';
import type { HostPolicy } from './host-policy.js';

export interface OriginPolicy {
  allowedOrigins: readonly string[];
  trustProxy: boolean;
  /** The host names we answer to: the own origin is PUBLIC_URL's, else scheme://<requested host>. */
  hosts: HostPolicy;
}

/** True when the upgrade may proceed: no Origin (not a browser), our own origin, or an allowed one. */
export function isOriginAllowed(req: IncomingMessage, policy: OriginPolicy): boolean {
  const origin = headerValue(req, 'origin');
  if (origin === undefined) return true;
  const normalized = normalizeOrigin(origin);
  // "null", garbage, a non-http(s) scheme, or anything but the exact serialized form browsers send.
  if (normalized === null || normalized !== origin) return false;
  const own = ownOrigin(req, policy);
  if (own !== null && own === normalized) return true;
  return policy.allowedOrigins.includes(normalized);
}

/**
 * PUBLIC_URL's origin when set; else the scheme the client used with the host it asked for (the
 * host check has already refused any host that is not ours, so a rebinding page's own origin
 * cannot pass for ours).
 */
function ownOrigin(req: IncomingMessage, policy: OriginPolicy): string | null {
  if (policy.hosts.publicOrigin !== null) return policy.hosts.publicOrigin;
  const host = policy.hosts.requestedHost(req);
  return host === undefined ? null : normalizeOrigin(`${requestScheme(req, policy.trustProxy)}://${host}`);
}

/** scheme://host[:port] lower-cased with default ports dropped, or null if it is not one. */
function normalizeOrigin(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (url.username || url.password || url.pathname !== '/' || url.search || url.hash) return null;
  return url.origin;
}
