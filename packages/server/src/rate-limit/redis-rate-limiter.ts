// Cluster-wide token buckets: the RateLimit contract (rate-limit.ts) as MemoryRateLimiter keeps
// it, but the bucket lives in Redis, so a user's rate holds across every node. One Lua script per take: it refills
// the bucket by the time elapsed, takes a token or says how long until one, and stores the
// bucket in a hash `${keyPrefix}rate:${key}` {tokens, ts} that expires once it would have
// refilled completely (an idle key vanishes; a fresh bucket is full anyway).
//
// Time comes from Redis (TIME inside the script), not from the calling node: the nodes of a
// cluster share a bucket, and their clocks may disagree by more than a token's worth — a node
// whose clock runs ahead would refill the bucket early for everyone, one behind would not refill
// it at all. Redis's clock is one clock for all. (Scripts calling TIME need Redis 5 or later,
// which replicate scripts by their effects.)
//
// While Redis is unreachable, take() does not fail: it falls back to an in-process bucket with
// the same rate (each node then limits on its own, so a user spread over n nodes gets up to n×
// the rate for the length of the outage), unless `fallback: false`, where it rejects.
import type { Redis } from 'ioredis';
import { OutageLog } from '../log/outage-log.js';
import { closeRedis, firstReady, LuaScript, openRedis, whenReady, withTimeout, type RedisLogger } from '../redis/redis-connection.js';
import { MemoryRateLimiter } from './memory-rate-limiter.js';
import type { RateLimit } from './rate-limit.js';

export interface RedisRateLimiterOptions {
  /** Redis to connect to; or `redis`, an existing connection (left open by close()). */
  url?: string;
  redis?: Redis;
  keyPrefix: string;
  /** Tokens per second; 0 disables limiting. */
  rate: number;
  /** Bucket size; defaults to 2 × rate. */
  burst?: number;
  /** Use an in-process bucket while Redis is unreachable (default); false: take() rejects. */
  fallback?: boolean;
  /** Longest wait for Redis before falling back (or rejecting). */
  timeoutMs?: number;
  logger?: RedisLogger;
}

const TAKE = new LuaScript(`
if redis.replicate_commands then redis.replicate_commands() end
local rate, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local bucket = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens, ts = tonumber(bucket[1]), tonumber(bucket[2])
if tokens == nil or ts == nil then
  tokens, ts = burst, now
elseif now > ts then
  tokens = math.min(burst, tokens + (now - ts) * rate / 1000)
  ts = now
end
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = math.max(1, math.ceil((1 - tokens) * 1000 / rate))
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', ts)
redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + 1000)
return wait`);

/** Longest wait for Redis to answer a ping (for /healthz-style checks). */
const PING_TIMEOUT_MS = 2000;

export class RedisRateLimiter implements RateLimit {
  private readonly redis: Redis;
  private readonly ownsConnection: boolean;
  private readonly prefix: string;
  private readonly rate: number;
  private readonly burst: number;
  private readonly local: MemoryRateLimiter | null;
  private readonly timeoutMs: number;
  private readonly started: () => Promise<void> | null;
  /** Redis failures while limiting: one line when they start, one with the count when they stop. */
  private readonly outage: OutageLog;

  constructor(options: RedisRateLimiterOptions) {
    if (options.redis) {
      this.redis = options.redis;
      this.ownsConnection = false;
    } else if (options.url !== undefined) {
      this.redis = openRedis(options.url, { name: 'rate limiter', logger: options.logger });
      this.ownsConnection = true;
    } else {
      throw new Error('RedisRateLimiter needs a url or a redis connection');
    }
    this.prefix = `${options.keyPrefix}rate:`;
    this.rate = options.rate;
    this.burst = options.burst ?? options.rate * 2;
    this.local = options.fallback === false ? null : new MemoryRateLimiter({ rate: this.rate, burst: this.burst });
    this.timeoutMs = options.timeoutMs ?? 1000;
    this.outage = new OutageLog({
      log: options.logger ?? { error: () => {} },
      component: 'cluster rate limiter',
      effect: options.fallback === false ? 'sends are refused' : 'limiting per node',
    });
    this.started = firstReady(this.redis, this.timeoutMs);
  }

  /** Resolves once connected (take() also waits for the first connection, up to timeoutMs). */
  async open(timeoutMs = 10_000): Promise<this> {
    await whenReady(this.redis, timeoutMs);
    return this;
  }

  /** Takes one token. Resolves 0 when allowed, else the milliseconds until a token is available. */
  async take(key: string): Promise<number> {
    if (this.rate <= 0) return 0;
    try {
      const starting = this.started();
      if (starting) await starting;
      const wait = await withTimeout(TAKE.run(this.redis, [this.prefix + key], [this.rate, this.burst]), this.timeoutMs, 'redis rate limiter');
      this.outage.recovered();
      return Number(wait);
    } catch (err) {
      this.outage.failed(err);
      if (!this.local) throw err;
      return this.local.take(key);
    }
  }

  /** Resolves when Redis answers; rejects while it is unreachable (take() then falls back or rejects). */
  async ping(): Promise<void> {
    await withTimeout(this.redis.ping(), PING_TIMEOUT_MS, 'redis ping');
  }

  /** Closes the connection if this limiter opened it. */
  async close(): Promise<void> {
    if (this.ownsConnection) await closeRedis(this.redis);
  }
}
