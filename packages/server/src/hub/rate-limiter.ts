// Token buckets keyed by user id: `rate` tokens per second, holding at most `burst`. Per user, not
// per connection, so ten tabs do not get ten times the rate.

/** A per-key rate limit: in process (RateLimiter) or cluster-wide (RedisRateLimiter). */
export interface RateLimit {
  /** Takes one token. 0 when allowed, else the milliseconds until a token is available. */
  take(key: string): number | Promise<number>;
}

export interface RateLimiterOptions {
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

export class RateLimiter implements RateLimit {
  private readonly buckets = new Map<string, Bucket>();
  private readonly rate: number;
  private readonly burst: number;
  private readonly now: () => number;

  constructor(options: RateLimiterOptions) {
    this.rate = options.rate;
    this.burst = options.burst ?? options.rate * 2;
    this.now = options.now ?? Date.now;
  }

  /** Takes one token. Returns 0 when allowed, else the milliseconds until a token is available. */
  take(key: string): number {
    if (this.rate <= 0) return 0;
    const now = this.now();
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= PRUNE_AT) this.prune(now);
      bucket = { tokens: this.burst, updatedAt: now };
      this.buckets.set(key, bucket);
    } else {
      bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.updatedAt) * this.rate) / 1000);
      bucket.updatedAt = now;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil(((1 - bucket.tokens) * 1000) / this.rate));
  }

  private prune(now: number): void {
    for (const [key, b] of this.buckets) {
      if (b.tokens + ((now - b.updatedAt) * this.rate) / 1000 >= this.burst) this.buckets.delete(key);
    }
  }
}
