// Indexes the history stored before search existed (SearchStore.indexBacklog), in the background:
// small batches, newest first, with a pause between them, so that a big backlog never holds the
// store (SQLite is synchronous) long enough for chat to notice. Starts with the server, stops with
// it, and picks up where it left off after a restart (the store keeps the marker). Every node of a
// cluster may run it; batches are idempotent.
import type { SearchStore } from './search-store.js';

export interface SearchBacklogOptions {
  store: SearchStore;
  log: { info(obj: object, msg: string): void; error(obj: object, msg: string): void };
  /** Messages per batch. Default 500. */
  batch?: number;
  /** Pause between batches, in ms. Default 20. */
  pauseMs?: number;
}

/** After a failure (the store away), the next try comes this much later. */
const RETRY_MS = 60_000;

export class SearchBacklog {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;
  private indexed = 0;

  constructor(private readonly options: SearchBacklogOptions) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = this.step().finally(() => (this.running = null));
    }, ms);
    this.timer.unref();
  }

  private async step(): Promise<void> {
    const { store, log } = this.options;
    try {
      const done = await store.indexBacklog(this.options.batch ?? 500);
      if (done > 0) {
        if (this.indexed === 0) log.info({ event: 'search_backlog' }, 'indexing older messages for search');
        this.indexed += done;
        return this.schedule(this.options.pauseMs ?? 20);
      }
      if (this.indexed > 0) log.info({ event: 'search_backlog', indexed: this.indexed }, 'older messages indexed for search');
    } catch (err) {
      log.error({ err, event: 'search_backlog' }, 'indexing older messages for search failed; trying again later');
      this.schedule(RETRY_MS);
    }
  }
}
