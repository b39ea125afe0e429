// One client of the restart storm (scenarios/storm.ts), in a load-generator worker. It joins its
// room on our server and stays there as the web client does (packages/web/src/lib/connection.ts):
// when its socket closes it waits the backoff delay, reconnects with its guest token and joins
// again with `since` = the last seq it received, paging on with `history after` when the resume
// is capped; a failed attempt waits longer and moves on to the next server, as a load balancer
// would. A sender keeps what it wrote in an outbox until acknowledged and sends it again, with
// the same id, after each rejoin (docs/protocol.md: a resend with the same id gets the first ack
// and stores nothing). Every message received is noted by seq, to find lost and doubled ones.
import type { ChatMessage, HistoryFrame, JoinFrame, LogEntry, SendFrame, ServerFrame } from '@chat/protocol';
import WebSocket from 'ws';
import { Histogram } from './histogram.js';
import { encodePayload, nowUs, parsePayloadString, type Payload } from './payload.js';
import type { StormSpec } from './storm-protocol.js';

/**
 * The web client's reconnect delay, copied from packages/web/src/lib/backoff.ts (the bench does not
 * depend on the web package): "full jitter", random in [base/2, min(max, base·2^n)] before attempt
 * n (from 0), base 500 ms, max 15 s; n goes back to 0 at a `welcome`.
 */
export function backoffDelay(attempt: number, random: () => number = Math.random, baseMs = 500, maxMs = 15_000): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** attempt);
  return Math.round(baseMs / 2 + random() * Math.max(0, ceiling - baseMs / 2));
}

const WS_OPTIONS = { perMessageDeflate: false } as const;
/** A forward page after a capped resume (the most `history` returns). */
const PAGE = 200;

export interface StormClientOptions {
  /** One reconnect attempt's limit, from the upgrade to the rejoin's last history page. */
  connectTimeoutMs: number;
  /** A failed attempt or a refused request, by kind. */
  onError(kind: string): void;
  /** A reconnect attempt starts (`attempt`) or ends joined again (`rejoin`): for the timeline. */
  onEvent(kind: 'attempt' | 'rejoin'): void;
}

/** A connect attempt that failed; `welcomed`: the server had let it in (it failed later). */
class AttemptError extends Error {
  constructor(
    message: string,
    readonly welcomed: boolean,
  ) {
    super(message);
  }
}

/** What check() finds for one client (StormVerdict sums them). */
export interface ClientCheck {
  lost: number;
  beyond: number;
  /** µs from t0 until caught up, or null: not joined, or something lost. */
  catchUpUs: number | null;
}

export class StormClient {
  private ws: WebSocket | null = null;
  private portAt = 0;
  private token: string | undefined;
  private attempt = 0;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  /** The attempt in progress: settled at the rejoin (history applied) or at its failure. */
  private joining: { welcomed: boolean; done(): void; fail(why: string): void } | null = null;
  /** Joined on the current socket, the resume's history applied. */
  joined = false;
  /** joined.seq of the first join: every later seq of the room is due to this client. */
  firstSeq: number | null = null;
  /** Highest seq received: the next join's `since`. */
  private lastSeq = 0;
  private readonly seen = new Set<number>();
  /** Per message received (first copies only): when it was written (its payload) and received, µs. */
  private readonly writtenUs: number[] = [];
  private readonly receivedUs: number[] = [];
  doubled = 0;
  outOfOrder = 0;
  /** Its connection closed at least once after the first join. */
  dropped = false;
  lastJoinUs = 0;
  /** Reconnect attempts (after the first join). */
  attempts = 0;
  /** Sender: messages written, those not acknowledged yet (id → text, in order), and the acks. */
  written = 0;
  readonly outbox = new Map<string, string>();
  private readonly acks = new Map<string, number>();
  storedTwice = 0;
  ackMax = 0;
  private readonly scratch: Payload = { epoch: 0, sender: 0, seq: 0, sentAtUs: 0 };

  constructor(
    readonly spec: StormSpec,
    private readonly options: StormClientOptions,
  ) {}

  /** On another server than its first (cluster: moved off the restarted node). */
  get moved(): boolean {
    return this.portAt !== 0;
  }

  get acked(): number {
    return this.acks.size;
  }

  /** The first connect and join; from then on the client reconnects by itself until stop(). */
  start(timeoutMs: number): Promise<void> {
    return this.open(timeoutMs);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const ws = this.ws;
    this.ws = null;
    this.joined = false;
    ws?.terminate();
  }

  /** Sender: writes the next message; sent now if joined, else when joined again. */
  write(textBytes: number): void {
    const n = ++this.written;
    const id = `${this.spec.index}-${n}`;
    const text = encodePayload(0, this.spec.index, n, nowUs(), textBytes);
    this.outbox.set(id, text);
    if (this.joined) this.sendFrame(id, text);
  }

  /**
   * Lost and beyond against the room's last acknowledged seq; the catch-up moment (scenarios/storm.ts
   * defines it); the delay of each message written from t0 on, into `delays`.
   */
  check(last: number, t0Us: number, delays: Histogram): ClientCheck {
    const from = this.firstSeq ?? last;
    let lost = 0;
    for (let s = from + 1; s <= last; s++) if (!this.seen.has(s)) lost++;
    let beyond = 0;
    for (const s of this.seen) if (s > last) beyond++;
    const joinUs = this.dropped ? this.lastJoinUs : t0Us;
    let at = joinUs;
    for (let i = 0; i < this.writtenUs.length; i++) {
      const written = this.writtenUs[i] as number;
      const received = this.receivedUs[i] as number;
      if (written < joinUs && received > at) at = received;
      if (written >= t0Us) delays.record(received - written);
    }
    const caughtUp = this.joined && lost === 0 && this.firstSeq !== null;
    return { lost, beyond, catchUpUs: caughtUp ? Math.max(0, at - t0Us) : null };
  }

  private open(timeoutMs: number): Promise<void> {
    const port = this.spec.ports[this.portAt] as number;
    const query = this.token !== undefined ? `token=${encodeURIComponent(this.token)}` : `nick=s${this.spec.index}`;
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?${query}`, WS_OPTIONS);
    this.ws = ws;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => fail('timeout'), timeoutMs);
      const settle = (): void => {
        clearTimeout(timer);
        this.joining = null;
      };
      const fail = (why: string): void => {
        if (this.joining !== attempt) return;
        settle();
        if (this.ws === ws) this.ws = null;
        ws.terminate();
        reject(new AttemptError(why, attempt.welcomed));
      };
      const attempt = {
        welcomed: false,
        done: () => {
          settle();
          this.joined = true;
          this.lastJoinUs = nowUs();
          for (const [id, text] of this.outbox) this.sendFrame(id, text);
          resolve();
        },
        fail,
      };
      this.joining = attempt;
      ws.on('error', (err: NodeJS.ErrnoException) => fail(err.code ?? err.message));
      ws.on('close', (code) => {
        if (this.joining === attempt) return fail(`closed ${code} before joined`);
        if (this.ws === ws) this.closed();
      });
      ws.on('open', () => {
        // As the adapter's join: sent at once, the server holds it until its welcome.
        const join: JoinFrame = { type: 'join', room: this.spec.room, ref: 'join' };
        if (this.firstSeq !== null) join.since = this.lastSeq;
        ws.send(JSON.stringify(join));
      });
      ws.on('message', (data: Buffer) => this.frame(data));
    });
  }

  /** The live socket closed (the server stopped, or cut it): wait, then come back. */
  private closed(): void {
    this.ws = null;
    this.joined = false;
    this.dropped = true;
    this.reconnectLater();
  }

  private reconnectLater(): void {
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.stopped) return;
      this.attempts++;
      this.options.onEvent('attempt');
      this.open(this.options.connectTimeoutMs).then(() => this.options.onEvent('rejoin')).catch((err: AttemptError) => {
        this.options.onError(err.message);
        // Never let in (refused, 503 while stopping, no answer): try the next server.
        if (!err.welcomed) this.portAt = (this.portAt + 1) % this.spec.ports.length;
        this.reconnectLater();
      });
    }, backoffDelay(this.attempt++));
  }

  private frame(data: Buffer): void {
    // Presence and typing are most of what arrives while a room fills up: not parsed.
    const head = data.subarray(0, 20).toString('latin1');
    if (head.startsWith('{"type":"presence"') || head.startsWith('{"type":"typing"')) return;
    const f = JSON.parse(data.toString()) as ServerFrame;
    switch (f.type) {
      case 'welcome':
        if (this.joining) this.joining.welcomed = true;
        this.attempt = 0;
        if (f.token !== undefined) this.token = f.token;
        break;
      case 'joined':
        if (f.room !== this.spec.room) break;
        if (this.firstSeq === null) {
          this.firstSeq = f.seq;
          this.lastSeq = f.seq;
          this.joining?.done();
        } else this.page(f.history, f.hasMore);
        break;
      case 'history':
        if (f.room === this.spec.room) this.page(f.messages, f.hasMore);
        break;
      case 'message':
        if (f.room === this.spec.room) this.message(f);
        break;
      case 'ack':
        this.ack(f.id, f.seq);
        break;
      case 'error':
        if (f.ref === 'join' || f.ref === 'history') this.joining?.fail(`${f.ref}: ${f.code}`);
        else this.options.onError(`send: ${f.code}`);
        break;
      default:
        break;
    }
  }

  /** A resume's history, or a page after it: applied, then the next page or done. */
  private page(entries: LogEntry[], hasMore: boolean): void {
    for (const e of entries) if (e.type === 'message') this.message(e);
    if (!hasMore) return this.joining?.done();
    const next: HistoryFrame = { type: 'history', room: this.spec.room, after: this.lastSeq, limit: PAGE, ref: 'history' };
    this.ws?.send(JSON.stringify(next));
  }

  private message(m: ChatMessage): void {
    const seq = m.seq;
    if (this.seen.has(seq)) {
      this.doubled++;
      return;
    }
    if (seq < this.lastSeq) this.outOfOrder++;
    this.seen.add(seq);
    if (seq > this.lastSeq) this.lastSeq = seq;
    this.writtenUs.push(parsePayloadString(m.text, this.scratch) ? this.scratch.sentAtUs : 0);
    this.receivedUs.push(nowUs());
  }

  private ack(id: string, seq: number): void {
    const before = this.acks.get(id);
    if (before !== undefined && before !== seq) this.storedTwice++;
    this.acks.set(id, seq);
    this.outbox.delete(id);
    if (seq > this.ackMax) this.ackMax = seq;
  }

  private sendFrame(id: string, text: string): void {
    const frame: SendFrame = { type: 'send', room: this.spec.room, text, id, ref: id };
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(frame));
  }
}
