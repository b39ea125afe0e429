// Group commit: items that arrive while a commit is in flight wait and share the next one. With
// a synchronous store (SQLite) the event loop is blocked during the fsync, so everything the
// sockets delivered meanwhile is queued by the time the next flush runs.

export class CommitQueue<T> {
  private pending: T[] = [];
  private inFlight: Promise<void> | null = null;
  private scheduled = false;

  /**
   * @param commit stores one batch and reports the outcome to its items; it must not reject
   *   (a rejection is treated as a bug and logged by the caller's unhandled-rejection handler).
   */
  constructor(
    private readonly commit: (batch: T[]) => Promise<void>,
    private readonly maxBatch = 1000,
  ) {}

  get size(): number {
    return this.pending.length;
  }

  push(item: T): void {
    this.pending.push(item);
    this.schedule();
  }

  /** Resolves once every item pushed so far has been committed (or failed). */
  async drain(): Promise<void> {
    while (this.inFlight || this.pending.length > 0) {
      if (this.inFlight) await this.inFlight;
      else this.flush();
    }
  }

  private schedule(): void {
    if (this.inFlight || this.scheduled) return;
    this.scheduled = true;
    // setImmediate, not a microtask: let this I/O phase's other frames join the batch.
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    if (this.inFlight || this.pending.length === 0) return;
    const batch = this.pending.length <= this.maxBatch ? this.pending : this.pending.slice(0, this.maxBatch);
    this.pending = batch === this.pending ? [] : this.pending.slice(this.maxBatch);
    this.inFlight = this.commit(batch).finally(() => {
      this.inFlight = null;
      if (this.pending.length > 0) this.schedule();
    });
  }
}
