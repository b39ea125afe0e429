// Token buckets in this process (the RateLimit contract, rate-limit.ts): one node's count, with
// nothing to open or close. Also the fallback of RedisRateLimiter while Redis is unreachable.
import type { RateLimit } from './rate-limit.js';

export interface MemoryRateLimiterOptions {
  /** Tokens per second; 0 disables limiting. */
  rate: number;
  /** Bucket size; defaults to 2 × rate. */
  burst?: number;
  now?: () => number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/** Above this many tracked keys, buckets that have refilled completely are forgotten. */
const PRUNE_AT = 10_000;
/** Least recently used buckets looked at (and forgotten once full) on each take. */
const FORGET_PER_TAKE = 2;

export class MemoryRateLimiter implements RateLimit {
  /** Least recently used first: each take moves its key to the end. */
  private readonly buckets = new Map<string, Bucket>();
  private readonly rate: number;
  private readonly burst: number;
  private readonly now: () => number;

  /** Keys with a bucket that has not refilled yet (for tests). */
  get size(): number {
    return this.buckets.size;
  }

  constructor(options: MemoryRateLimiterOptions) {
    this.rate = options.rate;
    this.burst = options.burst ?? options.rate * 2;
    this.now = options.now ?? Date.now;
  }

  /** Takes one token. Returns 0 when allowed, else the milliseconds until a token is available. */
  take(key: string): number {
    if (this.rate <= 0) return 0;
    const now = this.now();
    // Before this key's own bucket is read: forgetting a full one changes nothing (it comes back full).
    this.forgetFull(now);
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= PRUNE_AT) this.prune(now);
      bucket = { tokens: this.burst, updatedAt: now };
      this.buckets.set(key, bucket);
    } else {
      bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.updatedAt) * this.rate) / 1000);
      bucket.updatedAt = now;
      this.buckets.delete(key);
      this.buckets.set(key, bucket);
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil(((1 - bucket.tokens) * 1000) / this.rate));
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}

  /**
   * Forgets the least recently used buckets that have refilled completely (a new key gets a full
   * bucket anyway): every user who made one request would otherwise keep a bucket for as long as
   * the process runs (5,000 guests joining once: 5,000 buckets).
   */
  private forgetFull(now: number): void {
    for (let i = 0; i < FORGET_PER_TAKE; i++) {
      const oldest = this.buckets.entries().next().value;
      if (oldest === undefined) return;
      const [key, b] = oldest;
      if (b.tokens + ((now - b.updatedAt) * this.rate) / 1000 < this.burst) return;
      this.buckets.delete(key);
    }
  }

  private prune(now: number): void {
    for (const [key, b] of this.buckets) {
      if (b.tokens + ((now - b.updatedAt) * this.rate) / 1000 >= this.burst) this.buckets.delete(key);
    }
  }
}
