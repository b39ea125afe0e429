// A small semaphore: at most N jobs at a time, the rest wait their turn in order. Image work
// (decoding, re-encoding, thumbnails) is CPU-heavy and sharp runs it off the event loop on libuv's
// threads; left unbounded, a burst of uploads would take every core from the chat on a small
// server, so file-inspector.ts runs it through one of these.

export class JobGate {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error('JobGate limit must be a positive integer');
  }

  /** Runs `job` once a place is free; resolves or rejects as it does. */
  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    try {
      return await job();
    } finally {
      // Hand the place straight to the next in line (running stays the same), or free it.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }

  /** Jobs running and waiting (for tests and metrics). */
  get load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }
}
