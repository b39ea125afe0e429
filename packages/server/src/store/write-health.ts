// Whether a store's writes are failing for a reason outside any request (the disk is full, an I/O
// error, a read-only database). An outage is logged twice, when it starts and when it ends (with
// how many writes failed meanwhile), never once per write: on a full disk every message would log
// a line, and the log is often on that disk. While it lasts, ping() rejects, so /healthz answers
// 503, and probes with a small write of its own at most once a second: the outage ends when space
// comes back even if nobody sends anything (a load balancer that took the node out sends nobody).
import { StoreWriteError, type StoreLog } from './store.js';

export interface WriteHealthOptions {
  log?: StoreLog;
  /** The error's code when it is a write failure of this kind; null when it is the request's own. */
  classify(err: unknown): string | null;
  /** A small real write, for ping() during an outage; throws while writes still fail. */
  probe(): Promise<unknown>;
  /**
   * Gives back what failed writes hold on to (SQLite: checkpoints the WAL and truncates it). Called
   * when an outage starts, before each probe and when it ends; must not throw.
   */
  relieve?(): void;
}

/** Probes (and reliefs) during an outage at most this often: /healthz is public. */
const PROBE_EVERY_MS = 1000;

interface Outage {
  error: StoreWriteError;
  since: number;
  /** Writes refused, the probes' not counted. */
  failures: number;
  probedAt: number;
}

export class WriteHealth {
  private outage: Outage | null = null;

  constructor(private readonly options: WriteHealthOptions) {}

  /** Runs a synchronous write (SQLite): a write failure is thrown as a StoreWriteError. */
  writeSync<T>(work: () => T): T {
    let result: T;
    try {
      result = work();
    } catch (err) {
      throw this.failed(err, true);
    }
    if (this.outage) this.end();
    return result;
  }

  /** Runs an asynchronous write (PostgreSQL): a write failure rejects as a StoreWriteError. */
  async write<T>(work: () => Promise<T>): Promise<T> {
    let result: T;
    try {
      result = await work();
    } catch (err) {
      throw this.failed(err, true);
    }
    if (this.outage) this.end();
    return result;
  }

  /** For ping(): resolves unless writes are failing; during an outage it probes, at most once a second. */
  async check(): Promise<void> {
    const outage = this.outage;
    if (!outage) return;
    const now = Date.now();
    if (now - outage.probedAt < PROBE_EVERY_MS) throw outage.error;
    outage.probedAt = now;
    this.options.relieve?.();
    try {
      await this.options.probe();
    } catch (err) {
      throw this.failed(err, false);
    }
    if (this.outage) this.end();
  }

  private failed(err: unknown, counted: boolean): unknown {
    const code = this.options.classify(err);
    if (code === null) return err;
    const error = new StoreWriteError(code, { cause: err });
    if (this.outage) {
      this.outage.error = error;
    } else {
      const now = Date.now();
      this.outage = { error, since: now, failures: 0, probedAt: now };
      // The database's own message ("database or disk is full"), never what was being written.
      this.options.log?.error({ code, err: (err as Error).message }, `store writes failing (${code}): new messages are refused until writes work again`);
      this.options.relieve?.();
    }
    if (counted) this.outage.failures++;
    return error;
  }

  private end(): void {
    const { since, failures } = this.outage as Outage;
    this.outage = null;
    this.options.relieve?.();
    // warn, like the start is error: whoever filters the log to see the one sees the other.
    this.options.log?.warn({ failed: failures, seconds: Math.round((Date.now() - since) / 1000) }, 'store writes work again');
  }
}
