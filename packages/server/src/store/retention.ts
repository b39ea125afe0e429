// RETENTION_DAYS: old messages are deleted at start-up and then every hour. Numbering is kept by the
// store (rooms remember their last seq), so clients never see a seq reused.
import type { MessageStore } from './message-store.js';

export interface RetentionOptions {
  store: MessageStore;
  days: number;
  log: { info(obj: object, msg: string): void; error(obj: object, msg: string): void };
  now?: () => number;
  everyMs?: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

export class Retention {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(private readonly options: RetentionOptions) {}

  start(): void {
    if (this.options.days <= 0 || this.timer) return;
    void this.prune();
    this.timer = setInterval(() => void this.prune(), this.options.everyMs ?? 60 * 60 * 1000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** Deletes what is older than the retention period; resolves with how many messages went. */
  prune(): Promise<void> {
    const cutoff = (this.options.now ?? Date.now)() - this.options.days * DAY_MS;
    this.running = this.options.store.pruneMessagesBefore(cutoff).then(
      (deleted) => {
        if (deleted > 0) this.options.log.info({ event: 'retention', deleted, days: this.options.days }, 'old messages deleted');
      },
      (err: unknown) => this.options.log.error({ err }, 'retention pruning failed'),
    );
    return this.running;
  }
}
