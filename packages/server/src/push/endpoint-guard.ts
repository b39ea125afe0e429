// What a push endpoint may be (docs/security.md, Push): an https: URL of a host on the public
// internet. A subscription is a URL the server will POST to on its own, so without this guard a
// user could make the server probe its own network (SSRF). The name is resolved and every
// address checked when a subscription is made (400 there), and again at each send, through the
// lookup the sending agent connects with, so a name re-pointed at 10.0.0.1 later (DNS rebinding)
// gets nothing. PUSH_ALLOW_PRIVATE_ENDPOINTS=true lifts the address check (tests, a push service
// inside the network); https: stays required.
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from 'node:dns';
import { lookup as lookupAll } from 'node:dns/promises';
import { Agent } from 'node:https';
import { BlockList, isIP } from 'node:net';

/** Longer endpoints are refused (browsers' are a few hundred characters). */
export const MAX_ENDPOINT_CHARS = 2048;

/** Addresses no push service lives at: loopback, private, link-local, shared, reserved, multicast. */
const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24],
  ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) blocked.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8], ['2001:db8::', 32], ['100::', 64],
] as const) blocked.addSubnet(net, prefix, 'ipv6');

/** An IPv4 address written as IPv6 (::ffff:a.b.c.d, ::a.b.c.d, 64:ff9b::/96 NAT64): its IPv4 part, else null. */
function embeddedIpv4(address: string): string | null {
  const m = /^(?:::ffff:|::|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (m) return m[1] as string;
  // The same in hex groups: ::ffff:7f00:1.
  const h = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (!h) return null;
  const hi = parseInt(h[1] as string, 16);
  const lo = parseInt(h[2] as string, 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/** True for an address a push may not be sent to without PUSH_ALLOW_PRIVATE_ENDPOINTS. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family !== 6) return true; // not an address at all: refuse
  const v4 = embeddedIpv4(address.toLowerCase());
  return v4 !== null ? blocked.check(v4, 'ipv4') : blocked.check(address, 'ipv6');
}

export class EndpointRefused extends Error {
  override name = 'EndpointRefused';
}

/** The endpoint's URL when it has the form of one (https:, no credentials), else EndpointRefused. */
export function parseEndpoint(raw: unknown): URL {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_ENDPOINT_CHARS) throw new EndpointRefused(`"endpoint" must be a URL of at most ${MAX_ENDPOINT_CHARS} characters`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new EndpointRefused('"endpoint" is not a URL');
  }
  if (url.protocol !== 'https:') throw new EndpointRefused('push endpoints must be https: URLs');
  if (url.username !== '' || url.password !== '') throw new EndpointRefused('push endpoints may not carry credentials');
  return url;
}

/** The URL's host as lookup and isIP take it (no IPv6 brackets). */
const hostOf = (url: URL): string => url.hostname.replace(/^\[(.*)\]$/, '$1');

export class EndpointGuard {
  /** The agent pushes are sent through: it connects only to addresses the guard allows. */
  readonly agent: Agent;

  constructor(private readonly allowPrivate: boolean) {
    this.agent = new Agent({ keepAlive: true, maxSockets: 16, lookup: allowPrivate ? undefined : guardedLookup });
  }

  /**
   * Checks a new subscription's endpoint, resolving its name: EndpointRefused when it may not be
   * used. Returns it as the browser wrote it (its unsubscribe names it so).
   */
  async check(raw: unknown): Promise<string> {
    const url = parseEndpoint(raw);
    const endpoint = raw as string;
    if (this.allowPrivate) return endpoint;
    const host = hostOf(url);
    let addresses: string[];
    if (isIP(host) !== 0) addresses = [host];
    else {
      try {
        addresses = (await lookupAll(host, { all: true })).map((a) => a.address);
      } catch {
        throw new EndpointRefused('the push endpoint\'s host name does not resolve');
      }
    }
    if (addresses.length === 0 || addresses.some(isPrivateAddress)) throw new EndpointRefused('push endpoints on loopback or private addresses are refused');
    return endpoint;
  }

  /**
   * At send time, for an address written in the URL itself (the agent's lookup is not consulted
   * for one): EndpointRefused when it is private. Names are checked by the agent's lookup.
   */
  checkLiteral(endpoint: string): void {
    if (this.allowPrivate) return;
    const host = hostOf(new URL(endpoint));
    if (isIP(host) !== 0 && isPrivateAddress(host)) throw new EndpointRefused('push endpoints on loopback or private addresses are refused');
  }

  close(): void {
    this.agent.destroy();
  }
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** dns.lookup for the agent, failing when any address of the name is private. */
function guardedLookup(hostname: string, options: LookupAllOptions | object, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, []);
    if (addresses.length === 0 || addresses.some((a) => isPrivateAddress(a.address))) {
      const refused: NodeJS.ErrnoException = new EndpointRefused(`${hostname} resolves to a loopback or private address`);
      refused.code = 'EPUSHPRIVATE';
      return callback(refused, []);
    }
    if ((options as { all?: boolean }).all) return callback(null, addresses);
    const first = addresses[0] as LookupAddress;
    callback(null, first.address, first.family);
  });
}
