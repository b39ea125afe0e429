// Reconnect delays: exponential with "full jitter" (AWS architecture blog), so a server restart does
// not get every client back in the same millisecond.

export interface BackoffOptions {
  baseMs?: number;
  maxMs?: number;
  random?: () => number;
}

export class Backoff {
  private attempt = 0;
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly random: () => number;

  constructor(options: BackoffOptions = {}) {
    this.baseMs = options.baseMs ?? 500;
    this.maxMs = options.maxMs ?? 15_000;
    this.random = options.random ?? Math.random;
  }

  /** The delay before the next attempt: random in [base/2, min(max, base·2^n)]. */
  next(): number {
    const ceiling = Math.min(this.maxMs, this.baseMs * 2 ** this.attempt);
    this.attempt++;
    return Math.round(this.baseMs / 2 + this.random() * Math.max(0, ceiling - this.baseMs / 2));
  }

  reset(): void {
    this.attempt = 0;
  }
}
