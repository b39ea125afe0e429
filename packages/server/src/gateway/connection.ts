// One WebSocket: turns frames into validated ClientFrames for the hub, one at a time and in order,
// and guards the server against the client (bad frames, slow reading, silence).
import { isUtf8 } from 'node:buffer';
import { WebSocket } from 'ws';
import { CLOSE_CODES, parseClientFrame, type FrameLimits } from '@chat/protocol';
import type { Hub } from '../hub/hub.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Peer, Session } from '../hub/session.js';
import { SharedFrame } from '../hub/shared-frame.js';
import { encodeTextFrame, encodeTextFrameOf } from './ws-frame.js';

export interface ConnectionLogger {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** What every connection of a gateway shares: one object for all of them, not one each. */
export interface ConnectionContext {
  hub: Hub;
  limits: FrameLimits;
  /**
   * Bytes the kernel has not taken (written in earlier ticks) above which the connection is a slow
   * consumer: closed when it stays above for slowConsumerGraceMs, or at once above 8 times this.
   */
  slowConsumerBytes: number;
  slowConsumerGraceMs: number;
  log: ConnectionLogger;
  metrics?: Metrics;
  /** The socket closed (by either side): the gateway forgets the connection. */
  onClosed(connection: Connection, code: number, reason: Buffer): void;
}

interface CorkableSocket {
  cork(): void;
  uncork(): void;
  write(data: Buffer): boolean;
  readonly writableCorked: number;
  /** Bytes written and not yet taken by the kernel (our frames are Buffers: bytes, not UTF-16 units). */
  readonly writableLength: number;
}

/**
 * The socket class the gateway's WebSocketServer makes (ws's `WebSocket` option). It hands the
 * four events a connection needs straight to its Connection, without listeners: each listener
 * grows the socket's event table (four of them: about 100 bytes per connection), and finding the
 * Connection from a shared listener took a WeakMap entry per connection besides.
 */
export class ChatSocket extends WebSocket {
  connection: Connection | undefined;

  // Rest parameters because EventEmitter's signature has them; other events keep ws's own path.
  override emit(event: string | symbol, ...args: any[]): boolean {
    const connection = this.connection;
    if (connection === undefined) return super.emit(event, ...args);
    switch (event) {
      case 'message':
        connection.onFrame(args[0] as Buffer, args[1] as boolean);
        return true;
      case 'pong':
        connection.missedPongs = 0;
        return true;
      case 'error':
        // 'close' follows: ws has already failed the connection (e.g. a frame over maxPayload -> 1009).
        connection.closeCause ??= (args[0] as { code?: string }).code ?? 'socket error';
        return true;
      case 'close':
        connection.closed(args[0] as number, args[1] as Buffer);
        return true;
      default:
        return super.emit(event, ...args);
    }
  }
}

/** Connections corked during this tick, uncorked together when it ends (one callback, not one each). */
const corked: Connection[] = [];

function uncorkAll(): void {
  for (const connection of corked.splice(0)) connection.uncork();
}

/** Frames waiting behind an unfinished async handler; beyond this the client is flooding. */
const MAX_QUEUED_FRAMES = 1000;
/**
 * Frames handled in a row before the connection lets the event loop serve others: after an async
 * handler (one that waited for the store), and after this many quick ones. Without it a queue of
 * 1,000 `history` requests ran as one chain of microtasks and froze every other connection.
 */
const FRAMES_PER_TURN = 32;
/** Unsent bytes that close a connection at once, as a multiple of slowConsumerBytes. */
const SLOW_CONSUMER_HARD_FACTOR = 8;
/** How long a closing connection may take to say goodbye before it is cut. */
const CLOSE_GRACE_MS = 5000;

export class Connection implements Peer {
  session: Session | null = null;
  /** Pings sent since the last pong; two unanswered and the connection is dropped. */
  missedPongs = 0;
  private readonly ws: WebSocket;
  /** Frames not yet handed to the hub; made when one has to wait (most of an idle connection's life it is not there). */
  private queue: string[] | undefined;
  private busy = false;
  private closing = false;
  /** The socket is corked until the end of this tick (see send). */
  private corked = false;
  /** Shutdown in progress: frames are no longer read (unacked sends are resent after reconnect). */
  private draining = false;
  /** Why the server ended the connection, for the close log line (the close code alone can hide it). */
  closeCause: string | undefined;
  /** Set while the unsent backlog is over the limit: checks again when the grace runs out. */
  private slowCheck: NodeJS.Timeout | undefined;

  /** When the connection opened (for the close log line). */
  readonly openedAt = Date.now();

  constructor(
    readonly id: number,
    /** The public id of the token that authenticated this connection (to close it on revocation). */
    readonly tokenId: string,
    /** Who connected and from where: an id and an address, not the objects, for the close log line. */
    readonly userId: string,
    /** The client's address as per-address limits key it (ipKey). */
    readonly address: string,
    ws: ChatSocket,
    private readonly options: ConnectionContext,
  ) {
    this.ws = ws;
    ws.connection = this;
    // The gateway corked the socket for the upgrade: this tick's end releases it (see send).
    if ((this.socket?.writableCorked ?? 0) > 0) this.corkedUntilTickEnd();
  }

  /** The socket closed (either side): the gateway forgets the connection. */
  closed(code: number, reason: Buffer): void {
    this.options.onClosed(this, code, reason);
  }

  /** Starts dispatching once the hub has sent `welcome` (frames that came earlier were queued). */
  attach(session: Session): void {
    this.session = session;
    this.pump();
  }

  send(data: string | Buffer | SharedFrame): void {
    if (this.closing || this.ws.readyState !== WebSocket.OPEN) return;
    const socket = this.socket;
    if (!socket) return;
    // The first frame of a tick looks at what earlier ticks left unsent: that tells whether the
    // client reads. This tick's own bytes do not count: a group commit of 1,000 messages, or a
    // page of history, is queued at once even for a reader that takes it all in a moment.
    if (!this.corked && !this.keepsUp(socket)) return;
    // Everything sent to this connection in one tick (a group commit's messages, an ack, presence)
    // leaves in one write: the socket is corked now and uncorked when the tick ends. A frame
    // marked writeNow, with nothing sent before it this tick, goes at once (a later frame corks).
    const writeNow = data instanceof SharedFrame && data.writeNow && !this.corked;
    if (!this.corked && !writeNow) {
      socket.cork();
      this.corkedUntilTickEnd();
    }
    // Whole frames written to ws's socket, as its Sender does itself when neither compression nor
    // Blob data is in play (we use neither), so its framing state stays consistent. Our own
    // encoding lets a fan-out write one frame to many sockets, and makes the socket count bytes
    // (ws hands a string to the socket, which then counts UTF-16 units: a third of Chinese text).
    socket.write(data instanceof SharedFrame ? (data.wire ??= encodeTextFrame(data.json)) : encodeTextFrameOf(data));
  }

  /**
   * False when the connection was just closed as a slow consumer: what the kernel has not taken is
   * over the limit and was already over it SLOW_CONSUMER_GRACE_MS ago, or is far over it. It will
   * catch up later with `join … since`; meanwhile its backlog must not grow our memory.
   */
  private keepsUp(socket: CorkableSocket): boolean {
    const limit = this.options.slowConsumerBytes;
    const unsent = socket.writableLength;
    if (unsent <= limit) {
      if (this.slowCheck) this.slowCheck = void clearTimeout(this.slowCheck);
      return true;
    }
    if (unsent > limit * SLOW_CONSUMER_HARD_FACTOR) {
      this.closeSlowConsumer();
      return false;
    }
    this.slowCheck ??= setTimeout(Connection.checkSlow, this.options.slowConsumerGraceMs, this).unref();
    return true;
  }

  private static checkSlow(connection: Connection): void {
    connection.slowCheck = undefined;
    const socket = connection.socket;
    if (socket && socket.writableLength > connection.options.slowConsumerBytes) connection.closeSlowConsumer();
  }

  private closeSlowConsumer(): void {
    this.options.metrics?.slowConsumerDisconnects.inc();
    this.close(CLOSE_CODES.slowConsumer, 'slow consumer: too much unread data');
  }

  /** ws's underlying socket: ws has no public API to cork it or to write a pre-encoded frame. */
  private get socket(): CorkableSocket | undefined {
    return (this.ws as unknown as { _socket?: CorkableSocket })._socket;
  }

  private corkedUntilTickEnd(): void {
    this.corked = true;
    if (corked.push(this) === 1) process.nextTick(uncorkAll);
  }

  /** Ends this tick's cork: what was sent leaves in one write. */
  uncork(): void {
    this.corked = false;
    this.socket?.uncork();
  }

  /** Stops reading frames; replies to frames already taken still go out. */
  drain(): void {
    this.draining = true;
    this.queue = undefined;
  }

  /** Sends a ping, or drops the connection when two pings went unanswered. */
  heartbeat(): void {
    if (this.missedPongs >= 2) {
      this.closeCause ??= 'heartbeat timeout';
      this.options.metrics?.heartbeatDisconnects.inc();
      this.terminate();
      return;
    }
    this.missedPongs++;
    if (this.ws.readyState === WebSocket.OPEN) this.ws.ping();
  }

  close(code: number, reason: string): void {
    if (this.closing) return;
    this.closing = true;
    if (this.slowCheck) this.slowCheck = void clearTimeout(this.slowCheck);
    this.closeCause ??= reason;
    this.ws.close(code, reason);
    setTimeout(() => this.terminate(), CLOSE_GRACE_MS).unref();
  }

  terminate(): void {
    this.closing = true;
    if (this.slowCheck) this.slowCheck = void clearTimeout(this.slowCheck);
    this.ws.terminate();
  }

  /** A frame from the client (ChatSocket); queued, then handed to the hub in order. */
  onFrame(data: Buffer, isBinary: boolean): void {
    if (this.draining) return;
    if (isBinary) {
      this.replyError('unsupported', 'binary frames are not supported; send JSON text frames');
      return;
    }
    if (!isUtf8(data)) {
      this.replyError('bad_request', 'frame is not valid UTF-8');
      return;
    }
    const raw = data.toString('utf8');
    if ((this.queue?.length ?? 0) >= MAX_QUEUED_FRAMES) {
      // Flood guard, independent of RATE_LIMIT: the frame is refused, with its ref when it has one.
      const parsed = parseClientFrame(raw, this.options.limits);
      const ref = parsed.ok ? parsed.frame.ref : parsed.ref;
      this.replyError('rate_limited', 'too many frames in flight; slow down', ref, 1000);
      return;
    }
    (this.queue ??= []).push(raw);
    this.pump();
  }

  private replyError(code: 'unsupported' | 'rate_limited' | 'bad_request', message: string, ref?: string, retryAfterMs?: number): void {
    this.options.metrics?.error(code);
    this.send(JSON.stringify({ type: 'error', code, message, ...(ref === undefined ? {} : { ref }), ...(retryAfterMs ? { retryAfterMs } : {}) }));
  }

  /**
   * Hands queued frames to the hub in order; an async handler holds the rest until it is done. It
   * yields to the event loop (setImmediate) after an async handler and after FRAMES_PER_TURN quick
   * ones, so every connection's frames, pings and upgrades get their turn.
   */
  private pump(): void {
    const session = this.session;
    if (!session || this.busy) return;
    let turn = FRAMES_PER_TURN;
    let queue: string[] | undefined;
    while ((queue = this.queue) !== undefined && !session.closed) {
      if (turn-- === 0) return this.yieldTurn();
      const raw = queue.shift() as string;
      // A drained queue keeps its grown storage; an idle connection should not keep any.
      if (queue.length === 0) this.queue = undefined;
      const parsed = parseClientFrame(raw, this.options.limits);
      if (!parsed.ok) {
        session.error(parsed.code, parsed.message, parsed.ref);
        continue;
      }
      const frame = parsed.frame;
      let result: void | Promise<void>;
      try {
        result = this.options.hub.handle(session, frame);
      } catch (err) {
        this.failed(session, err, frame.type, frame.ref);
        continue;
      }
      if (result instanceof Promise) {
        this.busy = true;
        result.catch((err: unknown) => this.failed(session, err, frame.type, frame.ref)).finally(() => this.yieldTurn());
        return;
      }
    }
  }

  /** Goes on with the queue after other connections' I/O (busy until then: frames keep queueing). */
  private yieldTurn(): void {
    this.busy = true;
    setImmediate(Connection.resume, this);
  }

  private static resume(connection: Connection): void {
    connection.busy = false;
    connection.pump();
  }

  private failed(session: Session, err: unknown, type: string, ref: string | undefined): void {
    this.options.log.error({ err, conn: this.id, frame: type }, 'frame handler failed');
    session.error('internal', 'the server failed; retry the request', ref);
  }
}
