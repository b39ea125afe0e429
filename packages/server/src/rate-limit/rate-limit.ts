// A per-key rate limit: token buckets of `rate` tokens per second holding at most `burst`, keyed
// by user id (per user, not per connection, so ten tabs do not get ten times the rate) or by
// client address. In process (MemoryRateLimiter: one node) or cluster-wide (RedisRateLimiter: the
// nodes sharing one Redis share each bucket). docs/protocol.md, Limits.

export interface RateLimit {
  /**
   * Takes one token from the key's bucket: 0 when allowed, else the milliseconds until a token is
   * available (at least 1, at most 1000 / rate). A key never seen, or idle long enough to refill,
   * has a full bucket. Rate 0 turns limiting off: every take is 0. Keys are independent.
   *
   * The in-process limiter answers synchronously, so the hub checks a flood without an await; a
   * cluster-wide one answers with a promise (the connection holds its next frames until then).
   */
  take(key: string): number | Promise<number>;
  /** Resolves when the limiter can count; rejects otherwise (a cluster limiter's Redis is down). */
  ping(): Promise<void>;
  /** Releases what the limiter opened; takes after close are not expected. */
  close(): Promise<void>;
}
