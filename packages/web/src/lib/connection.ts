// The one WebSocket: open it, reconnect after the backoff delay, keep it alive, send frames on it.
// It knows nothing of rooms or messages: it hands each parsed frame on, and says when the socket
// is gone. docs/protocol.md, "Closing, heartbeat".
//
// A socket is gone when it closes, or when the client decides it is dead: no pong in time, or the
// browser says the network is lost. A browser delivers a dead socket's `close` only when the
// network returns (Chromium: the next time it can talk to the server), so the client does not wait
// for it: it abandons the socket, ignores whatever that socket does later, and starts reconnecting.
import type { ClientFrame, ServerFrame } from '@chat/protocol';
import type { Backoff } from './backoff.js';
import type { Credentials, Identity } from './identity.js';

/** The part of the browser's WebSocket that the client uses. */
export interface SocketLike {
  readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

export interface ConnectionOptions {
  /** Opens a socket to the server with these query parameters, offering these subprotocols. */
  openSocket: (query: Record<string, string>, protocols: string[]) => SocketLike;
  backoff: Backoff;
  /** Ping after this long without a frame. */
  keepaliveMs: number;
  /** Who to connect as; asked before every socket. */
  credentials(): Credentials;
  /** A socket is being opened, or will be after the backoff delay (a dead one was abandoned). */
  onConnecting(): void;
  onFrame(frame: ServerFrame): void;
  /** The socket is gone (closed, or replaced by one for another identity): nothing is joined now. */
  onGone(): void;
  /**
   * The socket closed while the client wanted it open; `welcomed` says whether the server had said
   * welcome on it. Call `reconnect()` to try again.
   */
  onLost(identity: Identity, welcomed: boolean): void;
}

/** Without an answer to a ping for this long, the connection is dead (a half-open TCP socket). */
const PONG_TIMEOUT_MS = 10_000;

export class Connection {
  private socket: SocketLike | null = null;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private keepaliveTimer: ReturnType<typeof setTimeout> | null = null;
  private pongTimer: ReturnType<typeof setTimeout> | null = null;
  /** A socket is wanted: between `start` (or `restart`) and `stop`. */
  private running = false;
  /** The current socket's server said welcome. */
  private saidWelcome = false;

  constructor(private readonly options: ConnectionOptions) {}

  /** Stopped: no socket is wanted (before `start`, after `stop`). */
  get stopped(): boolean {
    return !this.running;
  }

  /** A socket exists, open or still opening. */
  get open(): boolean {
    return this.socket !== null;
  }

  start(): void {
    this.running = true;
    this.connect();
  }

  /**
   * Connect now instead of after the backoff delay (the tab became visible, the network came back).
   * A socket already opening or open is left alone.
   */
  wake(): void {
    if (!this.running || this.socket) return;
    this.options.backoff.reset();
    this.connect();
  }

  stop(): void {
    this.running = false;
    this.clearTimers();
    this.socket?.close(1000, 'bye');
    this.socket = null;
  }

  /** Drops the socket, if any, and connects again at once (with the credentials of now). */
  restart(reason: string): void {
    if (this.socket || this.reconnectTimer) {
      if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
      this.reconnectTimer = null;
      const socket = this.socket;
      this.socket = null;
      socket?.close(1000, reason);
      this.gone();
    }
    this.running = true;
    this.options.backoff.reset();
    this.connect();
  }

  /**
   * The browser says the network is lost (its `offline` event): the socket cannot work, whatever
   * its readyState says, so give up on it now and start the reconnect schedule. While offline the
   * attempts fail at once; the browser's `online` event then wakes the client.
   */
  networkLost(): void {
    this.abandon('offline');
  }

  /** The server said welcome: this identity works, and the backoff starts over. */
  welcomed(): void {
    this.saidWelcome = true;
    this.options.backoff.reset();
  }

  /** Connects again after the backoff delay, unless stopped or already waiting to. */
  reconnect(): void {
    if (!this.running || this.reconnectTimer) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (this.running) this.connect();
    }, this.options.backoff.next());
  }

  /** Sends a frame if the socket is open; otherwise it is lost (callers resend what matters). */
  transmit(frame: ClientFrame): void {
    if (this.socket && this.socket.readyState === 1) this.socket.send(JSON.stringify(frame));
  }

  private connect(): void {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    const { query, protocols, identity } = this.options.credentials();
    this.options.onConnecting();
    this.saidWelcome = false;
    const socket = this.options.openSocket(query, protocols);
    this.socket = socket;
    socket.onopen = () => {
      // A socket that opens but never says welcome is caught by the keepalive too.
      if (this.socket === socket) this.armKeepalive();
    };
    socket.onmessage = (ev) => {
      if (this.socket !== socket) return;
      let frame: ServerFrame;
      try {
        frame = JSON.parse(String(ev.data)) as ServerFrame;
      } catch {
        return;
      }
      this.armKeepalive();
      this.options.onFrame(frame);
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      const welcomed = this.saidWelcome;
      this.socket = null;
      this.gone();
      if (this.running) this.options.onLost(identity, welcomed);
    };
    socket.onerror = () => {};
  }

  /**
   * Gives up on the current socket without waiting for its close event: closes it (its late events
   * find `this.socket` replaced and are ignored, so they can neither mark a newer socket gone nor
   * schedule a second reconnect), says it is gone, and reconnects after the backoff delay, showing
   * "connecting" meanwhile. Messages unacknowledged on it are resent after the next `joined`.
   */
  private abandon(reason: string): void {
    const socket = this.socket;
    if (!socket || !this.running) return;
    this.socket = null;
    socket.close(4000, reason);
    this.gone();
    this.options.onConnecting();
    this.reconnect();
  }

  private gone(): void {
    this.clearTimers();
    this.options.onGone();
  }

  private clearTimers(): void {
    for (const timer of [this.keepaliveTimer, this.pongTimer]) if (timer) clearTimeout(timer);
    this.keepaliveTimer = this.pongTimer = null;
  }

  /** Any frame proves the connection alive; after a quiet spell, ask for a pong. */
  private armKeepalive(): void {
    if (this.pongTimer) clearTimeout(this.pongTimer);
    this.pongTimer = null;
    if (this.keepaliveTimer) clearTimeout(this.keepaliveTimer);
    this.keepaliveTimer = setTimeout(() => {
      this.transmit({ type: 'ping' });
      this.pongTimer = setTimeout(() => this.abandon('no pong'), PONG_TIMEOUT_MS);
    }, this.options.keepaliveMs);
  }
}
