// The hourly sweep: without it, everything anonymous clients create stays for ever.
// It deletes expired tokens and sessions, the guests they leave without a token (unused for the
// guest token lifetime: they can never come back), and public rooms that never had a message,
// are over a day old and hold no roles, bans or mutes. Rooms someone is in right now stay (the
// presence knows, cluster-wide). A join racing the sweep can still land in a room being deleted:
// its next send or join simply creates the room again, numbered from 1 as it would have been.
//
// Work goes in small batches with a turn of the event loop between them, so a big sweep never
// holds the (synchronous) SQLite store for long. Every node of a cluster runs it; the store makes
// concurrent sweeps safe.
import type { SweepStore } from './sweep-store.js';

export interface SweeperOptions {
  store: SweepStore;
  /** Whether anyone is in the room now (any node); a room in use is never deleted. */
  inUse: (room: string) => Promise<boolean>;
  log: { info(obj: object, msg: string): void; error(obj: object, msg: string): void };
  /** Clock, for tests. */
  now?: () => number;
  /** Default: hourly. */
  everyMs?: number;
  /** Tokens per delete, and rooms per scan step. Default 500. */
  batchSize?: number;
}

/** How long a room may stay empty (never a message) before it is swept. */
export const EMPTY_ROOM_AGE_MS = 24 * 60 * 60 * 1000;
const HOUR_MS = 60 * 60 * 1000;

export interface SweepCounts {
  tokens: number;
  guests: number;
  rooms: number;
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export class Sweeper {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopping = false;

  constructor(private readonly options: SweeperOptions) {}

  /** Sweeps now, then every `everyMs`; the timer does not keep the process alive. */
  start(): void {
    if (this.timer) return;
    this.stopping = false;
    void this.sweep();
    this.timer = setInterval(() => void this.sweep(), this.options.everyMs ?? HOUR_MS);
    this.timer.unref();
  }

  /** Stops the timer; a sweep under way ends after its current batch. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One sweep (none starts while another runs); failures are logged, never thrown. */
  sweep(): Promise<void> {
    this.running ??= this.run().finally(() => (this.running = null));
    return this.running;
  }

  private async run(): Promise<void> {
    const started = Date.now();
    const now = (this.options.now ?? Date.now)();
    const counts: SweepCounts = { tokens: 0, guests: 0, rooms: 0 };
    try {
      await this.sweepTokens(now, counts);
      await this.sweepRooms(now - EMPTY_ROOM_AGE_MS, counts);
      this.options.log.info({ event: 'sweep', ...counts, ms: Date.now() - started }, 'expired tokens, unused guests and empty rooms removed');
    } catch (err) {
      this.options.log.error({ err, event: 'sweep', ...counts }, 'sweep failed');
    }
  }

  private async sweepTokens(now: number, counts: SweepCounts): Promise<void> {
    const batch = this.options.batchSize ?? 500;
    for (;;) {
      const step = await this.options.store.sweepExpiredTokens(now, batch);
      counts.tokens += step.tokens;
      counts.guests += step.guests;
      if (step.tokens < batch || this.stopping) return;
      await nextTurn();
    }
  }

  private async sweepRooms(createdBefore: number, counts: SweepCounts): Promise<void> {
    const { store, inUse } = this.options;
    const batch = this.options.batchSize ?? 500;
    let after: string | null = null;
    do {
      const step = await store.abandonedRooms(createdBefore, after, batch);
      const idle: string[] = [];
      for (const room of step.rooms) if (!(await inUse(room))) idle.push(room);
      counts.rooms += (await store.deleteAbandonedRooms(idle, createdBefore)).length;
      after = step.next;
      await nextTurn();
    } while (after !== null && !this.stopping);
  }
}
