// The WebSocket side of the server, attached to Fastify's HTTP server so one port serves both:
// upgrade (path, Origin, identity), connections, heartbeat, and closing them all on shutdown.
import type { IncomingMessage, Server } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type Server as WsServer } from 'ws';
import { ipKey, WindowCounter } from '../auth/window-counter.js';
import type { NickCheck } from '../auth/nick-policy.js';
import { lastHeaderValue } from '../net/forwarded.js';
import { HOST_REFUSAL_MESSAGE, MISDIRECTED, type HostPolicy } from '../net/host-policy.js';
import { isOriginAllowed } from '../net/origin.js';
import type { Hub } from '../hub/hub.js';
import { OutageLog } from '../log/outage-log.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Store } from '../store/store.js';
import { chooseProtocol } from '../auth/credentials.js';
import { ChatSocket, Connection, type ConnectionContext, type ConnectionLogger } from './connection.js';
import { resolveIdentity, type Identity } from './identity.js';

export interface GatewayOptions {
  server: Server;
  hub: Hub;
  store: Store;
  maxFrameBytes: number;
  maxMessageChars: number;
  heartbeatMs: number;
  allowedOrigins: readonly string[];
  trustProxy: boolean;
  /** Host names we answer to (DNS rebinding); checked before anything else. */
  hosts: HostPolicy;
  allowGuests: boolean;
  /** Nicks a guest may not take. */
  nicks: NickCheck;
  /** Open connections per client IP (0 = unlimited). */
  maxConnectionsPerIp: number;
  /** New guests per client address (IPv4, IPv6 /64) per hour (0 = unlimited). */
  maxGuestsPerIpPerHour: number;
  log: ConnectionLogger;
  metrics?: Metrics;
}

export const WS_PATH = '/ws';
/**
 * Unsent data per connection (what the kernel has not taken) above which it is a slow consumer
 * (1 MiB by default), closed with 4008 once it has stayed above for the grace (a reader on a slow
 * line may take a few seconds to drain a burst), or at once at 8 times the limit.
 */
export const SLOW_CONSUMER_BYTES = 1024 * 1024;
export const SLOW_CONSUMER_GRACE_MS = 5000;
/** How long shutdown waits for clients to answer the close handshake. */
const SHUTDOWN_GRACE_MS = 2000;
const GUEST_WINDOW_MS = 60 * 60 * 1000;

export class Gateway {
  private readonly wss: WsServer<typeof ChatSocket>;
  private readonly connections = new Set<Connection>();
  private readonly connectionContext: ConnectionContext;
  private readonly perIp = new Map<string, number>();
  /** New guests per address in the last hour: each is a stored user and token. */
  private readonly newGuests: WindowCounter;
  private readonly heartbeat: NodeJS.Timeout;
  private nextId = 1;
  private closing = false;
  /** Resolves close() once the last connection is gone. */
  private onLastClosed: (() => void) | undefined;
  /** hub.disconnect() of closed connections still under way (presence updates, `left` events). */
  private readonly disconnecting = new Set<Promise<void>>();
  /**
   * While the store or a cluster's Redis is down, every new connection and every closing one
   * fails: one line when that starts and one with the count when it ends, not one per socket.
   */
  private readonly setupOutage: OutageLog;
  private readonly disconnectOutage: OutageLog;
  private readonly setupDone = () => this.setupOutage.recovered();
  private readonly disconnectDone = () => this.disconnectOutage.recovered();
  private readonly disconnectFailed = (err: unknown) => this.disconnectOutage.failed(err);

  constructor(private readonly options: GatewayOptions) {
    this.setupOutage = new OutageLog({ log: options.log, component: 'connection setup', effect: 'new connections are refused or closed with 1011' });
    this.disconnectOutage = new OutageLog({ log: options.log, component: 'disconnect', effect: 'presence catches up when the backend is back' });
    this.newGuests = new WindowCounter({ limit: options.maxGuestsPerIpPerHour, windowMs: GUEST_WINDOW_MS });
    this.connectionContext = {
      hub: options.hub,
      limits: { maxMessageChars: options.maxMessageChars },
      slowConsumerBytes: SLOW_CONSUMER_BYTES,
      slowConsumerGraceMs: SLOW_CONSUMER_GRACE_MS,
      log: options.log,
      ...(options.metrics ? { metrics: options.metrics } : {}),
      onClosed: (connection, code, reason) => this.onClosed(connection, code, reason),
    };
    this.wss = new WebSocketServer({
      noServer: true,
      // ws defaults to 100 MiB; RFC 6455 §7.4.1: a bigger frame closes the connection with 1009.
      maxPayload: options.maxFrameBytes,
      // Off: compression costs CPU and memory per connection, and mixes secrets with attacker text.
      perMessageDeflate: false,
      clientTracking: false,
      WebSocket: ChatSocket,
      // The protocol answers bad input with an error and keeps the connection open; ws would close
      // with 1007 on invalid UTF-8, so the connection validates text frames itself.
      skipUTF8Validation: true,
      // `chat` when offered; ws would otherwise answer the first offer, which may be `token.<TOKEN>`.
      handleProtocols: chooseProtocol,
    });
    options.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      this.onUpgrade(req, socket, head).catch((err: unknown) => {
        this.setupOutage.failed(err);
        reject(socket, 503, 'the server cannot accept connections right now');
      });
    });
    this.heartbeat = setInterval(() => {
      for (const connection of this.connections) connection.heartbeat();
    }, options.heartbeatMs);
    this.heartbeat.unref();
  }

  get size(): number {
    return this.connections.size;
  }

  /** Closes the connections opened with this token (it was revoked: logout, deleted bearer token). */
  closeToken(tokenId: string): void {
    for (const connection of this.connections) {
      if (connection.tokenId === tokenId) connection.close(4001, 'session ended');
    }
  }

  /** First step of shutdown: refuse new upgrades and stop reading frames from open connections. */
  stopAccepting(): void {
    this.closing = true;
    for (const connection of this.connections) connection.drain();
  }

  /** Closes every connection with 1001 (clients reconnect and resume), cutting laggards. */
  async close(): Promise<void> {
    this.stopAccepting();
    clearInterval(this.heartbeat);
    const all = [...this.connections];
    for (const connection of all) connection.close(1001, 'server shutting down');
    const timer = setTimeout(() => all.forEach((c) => c.terminate()), SHUTDOWN_GRACE_MS);
    if (this.connections.size > 0) await new Promise<void>((resolve) => (this.onLastClosed = resolve));
    clearTimeout(timer);
    // Their users' presence must be updated (and `left` published to the other nodes) before the
    // app closes the bus and presence under them.
    await Promise.allSettled([...this.disconnecting]);
    this.wss.close();
  }

  private async onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', destroySocket);
    if (!this.options.hosts.allows(req)) return reject(socket, MISDIRECTED, HOST_REFUSAL_MESSAGE);
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== WS_PATH) return reject(socket, 404, 'not found');
    if (this.closing) return reject(socket, 503, 'server shutting down');
    if (!isOriginAllowed(req, this.options)) return reject(socket, 403, 'origin not allowed');
    const ip = clientIp(req, this.options.trustProxy) ?? 'unknown';
    // Every per-address limit keys an IPv6 client by its /64: one line gets a whole /64.
    const address = ipKey(ip);
    const max = this.options.maxConnectionsPerIp;
    if (max > 0 && (this.perIp.get(address) ?? 0) >= max) return reject(socket, 429, `at most ${max} connections per address`);
    // Hold the slot from here, so concurrent upgrades cannot all pass the check while the
    // identity lookup awaits the store; it is given back if the upgrade does not complete.
    this.perIp.set(address, (this.perIp.get(address) ?? 0) + 1);
    let handedOver = false;
    try {
      const identity = await resolveIdentity(this.options.store, req, url.searchParams, {
        allowGuests: this.options.allowGuests,
        nicks: this.options.nicks,
        newGuestWait: () => this.takeNewGuest(address),
      });
      if (!identity.ok) return reject(socket, identity.status, identity.message, 'retryAfterMs' in identity ? identity.retryAfterMs : undefined);
      if (socket.destroyed) return;
      handedOver = true;
      // ws refuses a bad handshake by closing the socket without calling back: release then.
      const releaseOnRefusal = () => this.releaseIp(address);
      socket.once('close', releaseOnRefusal);
      // Corked so that the 101 response and `welcome` leave in one write: the Connection takes
      // the cork over and releases it when the tick ends (a refused handshake's end() releases it).
      socket.cork();
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        socket.off('close', releaseOnRefusal); // from here the connection's own close releases it
        this.accept(ws, ip, address, identity).then(this.setupDone, (err: unknown) => {
          this.setupOutage.failed(err);
          ws.close(1011, 'server error');
        });
      });
    } finally {
      if (!handedOver) this.releaseIp(address);
    }
  }

  /** A connection's socket closed: forget it, give its address's slot back, and leave the hub. */
  private onClosed(connection: Connection, code: number, reason: Buffer): void {
    const { hub, log } = this.options;
    this.connections.delete(connection);
    if (this.connections.size === 0) this.onLastClosed?.();
    this.releaseIp(connection.address);
    log.info(
      {
        event: 'ws_close',
        conn: connection.id,
        user: connection.userId,
        code,
        reason: connection.closeCause ?? (reason.toString() || 'closed by client'),
        ms: Date.now() - connection.openedAt,
      },
      'connection closed',
    );
    const session = connection.session;
    if (session) {
      const disconnecting = hub.disconnect(session).then(this.disconnectDone, this.disconnectFailed);
      this.disconnecting.add(disconnecting);
      void disconnecting.finally(() => this.disconnecting.delete(disconnecting));
    }
  }

  /** 0 and counted when the address may have another new guest; else ms until it may. */
  private takeNewGuest(key: string): number {
    const wait = this.newGuests.retryAfterMs(key);
    if (wait === 0) this.newGuests.add(key);
    return wait;
  }

  private releaseIp(ip: string): void {
    const left = (this.perIp.get(ip) ?? 1) - 1;
    if (left > 0) this.perIp.set(ip, left);
    else this.perIp.delete(ip);
  }

  private async accept(ws: ChatSocket, ip: string, address: string, identity: Extract<Identity, { ok: true }>): Promise<void> {
    const { hub, log } = this.options;
    const connection = new Connection(this.nextId++, identity.tokenId, identity.user.id, address, ws, this.connectionContext);
    this.connections.add(connection);
    log.info({ event: 'ws_open', conn: connection.id, user: connection.userId, ip }, 'connection opened');
    const session = await hub.connect(connection, identity.user, { token: identity.guestToken, account: identity.account, address });
    if (ws.readyState !== ws.OPEN) {
      await hub.disconnect(session);
      return;
    }
    connection.attach(session);
  }
}

/**
 * The client's address. TRUST_PROXY means exactly one trusted proxy in front: it appended the
 * address it saw as the LAST X-Forwarded-For entry; earlier entries are whatever the client sent.
 */
export function clientIp(req: IncomingMessage, trustProxy: boolean): string | undefined {
  if (trustProxy) {
    const last = lastHeaderValue(req, 'x-forwarded-for');
    if (last) return last;
  }
  return req.socket.remoteAddress;
}

/**
 * A socket error during the upgrade ends the socket. A plain function, not a closure: the listener
 * stays on the socket for its whole life and would keep the upgrade's variables alive with it.
 */
function destroySocket(this: Duplex): void {
  this.destroy();
}

/** Refuses an upgrade with a plain HTTP response and a JSON message (and Retry-After, in whole seconds). */
function reject(socket: Duplex, status: number, message: string, retryAfterMs?: number): void {
  if (socket.destroyed) return;
  const body = JSON.stringify({ error: STATUS_CODES[status], message });
  const retryAfter = retryAfterMs === undefined ? '' : `Retry-After: ${Math.max(1, Math.ceil(retryAfterMs / 1000))}\r\n`;
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${retryAfter}Connection: close\r\n\r\n${body}`,
  );
}
