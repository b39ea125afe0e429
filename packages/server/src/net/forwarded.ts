// Reading request headers a proxy may have set, shared by the HTTP routes and the WebSocket
// upgrade. TRUST_PROXY means exactly one trusted proxy in front: the value it added is the LAST
// of a comma-separated header; earlier values are whatever the client sent.
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

/** The last comma-separated value of a header: the one our own (single, trusted) proxy added. */
export function lastHeaderValue(req: IncomingMessage, name: string): string | undefined {
  const raw = req.headers[name];
  const joined = Array.isArray(raw) ? raw.join(',') : raw;
  const last = joined?.split(',').at(-1)?.trim();
  return last || undefined;
}

/** A header's value; the first one when it came more than once. */
export function headerValue(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The scheme the client used: TLS on our socket, or X-Forwarded-Proto from a trusted proxy. */
export function requestScheme(req: IncomingMessage, trustProxy: boolean): 'http' | 'https' {
  if ((req.socket as TLSSocket).encrypted) return 'https';
  if (trustProxy) {
    const forwarded = lastHeaderValue(req, 'x-forwarded-proto')?.toLowerCase();
    if (forwarded === 'https' || forwarded === 'http') return forwarded;
  }
  return 'http';
}
