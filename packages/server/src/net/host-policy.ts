// Which host names this server answers to (the host check): the defence against DNS rebinding.
// A page on attacker.test whose DNS name is re-pointed at a LAN-only server is same-origin with
// it for the browser: it can read its answers and open its WebSocket with a matching Origin. The
// browser still names attacker.test in Host, so every request and upgrade must name one of ours:
//   - always loopback (localhost, 127.0.0.1, [::1]): no attacker can point those names elsewhere,
//     and local tools use them (health checks, Docker's HEALTHCHECK, curl on the machine);
//   - PUBLIC_URL's host and ALLOWED_HOSTS when either is set;
//   - otherwise the machine's own names and addresses, read once at start.
// docs/security.md ("Host names") says why each default is there.
import type { IncomingMessage } from 'node:http';
import { hostname, networkInterfaces } from 'node:os';
import { lastHeaderValue } from './forwarded.js';

export interface HostPolicyOptions {
  /** ALLOWED_HOSTS: `name` (any port) or `name:port`, as config.ts validated them. */
  allowedHosts: readonly string[];
  /** PUBLIC_URL: its host is answered (on any port) and its origin is the server's own. */
  publicUrl: string | null;
  /** Read the host from the last X-Forwarded-Host (set by our one trusted proxy), else Host. */
  trustProxy: boolean;
  /** The machine's names and addresses, for the default; machineHosts() unless a test says otherwise. */
  machine?: () => string[];
  /** Told about the first refused host only: a proxy that forwards the wrong host shows up, a flood does not. */
  log?: { warn(obj: object, msg: string): void };
}

/** The status and body of a refusal, the same for HTTP requests and WebSocket upgrades. */
export const MISDIRECTED = 421;
export const HOST_REFUSAL_MESSAGE = 'this server does not answer to that host name (see ALLOWED_HOSTS or PUBLIC_URL)';

const LOOPBACK = ['localhost', '127.0.0.1', '[::1]'];

/** A DNS label as browsers send it (underscores included), or a decimal IPv4 part. */
const LABEL = '[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?';
/** `name[:port]` or `[ipv6][:port]`, lower-case; the port without leading zeros. */
const HOST = new RegExp(`^(${LABEL}(?:\\.${LABEL})*|\\[[0-9a-f:.]+\\])(?::([1-9][0-9]{0,4}))?$`);

export interface HostParts {
  name: string;
  /** Null when the value names no port. */
  port: number | null;
}

/**
 * Splits a Host header value (or an ALLOWED_HOSTS entry) into lower-cased name and port, or null
 * when it is not of that shape. No normalization beyond case: a value written another way than
 * browsers write it (`127.1`, `[0:0::1]`) matches no entry, and a request naming it is refused.
 */
export function parseHost(value: string): HostParts | null {
  const m = HOST.exec(value.toLowerCase());
  if (!m) return null;
  const port = m[2] === undefined ? null : Number(m[2]);
  if (port !== null && port > 65535) return null;
  return { name: m[1] as string, port };
}

/** The machine's host name (and its mDNS `.local` name) and its interface addresses, as Host writes them. */
export function machineHosts(): string[] {
  const hosts: string[] = [];
  const own = hostname().toLowerCase();
  if (parseHost(own)?.port === null) {
    hosts.push(own);
    // A bare host name is what mDNS (Avahi, Bonjour) answers for as NAME.local on the LAN.
    if (!own.includes('.')) hosts.push(`${own}.local`);
  }
  for (const addresses of Object.values(networkInterfaces())) {
    for (const a of addresses ?? []) hosts.push(a.family === 'IPv6' ? `[${a.address}]` : a.address);
  }
  return hosts;
}

export class HostPolicy {
  /** Names answered on any port. */
  private readonly anyPort = new Set<string>();
  /** name -> the ports it is answered on, for entries that name one. */
  private readonly ports = new Map<string, Set<number>>();
  private readonly trustProxy: boolean;
  private log: HostPolicyOptions['log'];
  /** The server's own origin when PUBLIC_URL says it; else it is scheme://<requested host>. */
  readonly publicOrigin: string | null;

  constructor(options: HostPolicyOptions) {
    this.trustProxy = options.trustProxy;
    this.log = options.log;
    const configured = options.allowedHosts.length > 0 || options.publicUrl !== null;
    const entries = [...LOOPBACK, ...options.allowedHosts, ...(configured ? [] : (options.machine ?? machineHosts)())];
    if (options.publicUrl !== null) entries.push(new URL(options.publicUrl).hostname);
    for (const entry of entries) {
      const parts = parseHost(entry);
      if (parts === null) continue; // a machine name that no Host header can carry
      if (parts.port === null) this.anyPort.add(parts.name);
      else {
        let ports = this.ports.get(parts.name);
        if (!ports) this.ports.set(parts.name, (ports = new Set()));
        ports.add(parts.port);
      }
    }
    this.publicOrigin = options.publicUrl === null ? null : new URL(options.publicUrl).origin;
  }

  /**
   * The host the client asked for: with TRUST_PROXY the last X-Forwarded-Host (our proxy sets it;
   * earlier values are the client's), else Host. Undefined when the request names none.
   */
  requestedHost(req: IncomingMessage): string | undefined {
    if (this.trustProxy) {
      const forwarded = lastHeaderValue(req, 'x-forwarded-host');
      if (forwarded !== undefined) return forwarded;
    }
    return req.headers.host;
  }

  /**
   * True when this server answers the request. A request naming no host at all (HTTP/1.0; Node
   * refuses an HTTP/1.1 request without Host) passes: every browser request carries Host, so it
   * cannot be a rebinding page, and HTTP/1.0 health checkers (HAProxy's default) send none.
   */
  allows(req: IncomingMessage): boolean {
    const host = this.requestedHost(req);
    if (host === undefined || this.answers(host)) return true;
    if (this.log) {
      this.log.warn({ host: host.slice(0, 100) }, 'refused a request for an unknown host name (421); later ones are not logged. Behind a proxy, set PUBLIC_URL');
      this.log = undefined;
    }
    return false;
  }

  private answers(host: string): boolean {
    const parts = parseHost(host);
    if (parts === null) return false;
    if (this.anyPort.has(parts.name)) return true;
    return parts.port !== null && (this.ports.get(parts.name)?.has(parts.port) ?? false);
  }
}
