import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { RedisRateLimiter, type RedisRateLimiterOptions } from '../../src/hub/redis-rate-limiter.js';
import { perTestRedisPrefix, servicesAvailable, TEST_REDIS_URL } from '../services.js';
import { startTcpProxy } from '../tcp-proxy.js';

const redisUp = await servicesAvailable(['redis']);

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(!redisUp)('RedisRateLimiter', () => {
  const prefix = perTestRedisPrefix();
  const closers = prefix.closers;

  const limiter = (options: Partial<RedisRateLimiterOptions> & { rate: number }): RedisRateLimiter => {
    const l = new RedisRateLimiter({ url: TEST_REDIS_URL, keyPrefix: prefix.prefix, ...options });
    closers.push(() => l.close());
    return l;
  };
  const takeMany = async (l: RedisRateLimiter, key: string, n: number): Promise<number[]> => {
    const waits: number[] = [];
    for (let i = 0; i < n; i++) waits.push(await l.take(key));
    return waits;
  };

  it('allows a burst, then refuses with a positive wait of at most one token', async () => {
    const l = limiter({ rate: 2, burst: 3 });
    expect(await takeMany(l, 'u', 3)).toEqual([0, 0, 0]);
    const wait = await l.take('u');
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(500); // 1000 ms / rate
    expect(await l.take('u')).toBeGreaterThan(0);
  });

  it('bursts 2 × rate by default', async () => {
    const l = limiter({ rate: 2 });
    expect(await takeMany(l, 'u', 4)).toEqual([0, 0, 0, 0]);
    expect(await l.take('u')).toBeGreaterThan(0);
  });

  it('refills over time, never above the burst', async () => {
    const l = limiter({ rate: 20, burst: 2 });
    expect(await takeMany(l, 'u', 2)).toEqual([0, 0]);
    expect(await l.take('u')).toBeGreaterThan(0);
    await sleep(400); // 8 tokens' worth of time, capped at 2
    expect(await takeMany(l, 'u', 2)).toEqual([0, 0]);
    expect(await l.take('u')).toBeGreaterThan(0);
  });

  it('keeps one bucket per key', async () => {
    const l = limiter({ rate: 1, burst: 1 });
    expect(await l.take('a')).toBe(0);
    expect(await l.take('a')).toBeGreaterThan(0);
    expect(await l.take('b')).toBe(0);
  });

  it('shares the bucket between nodes', async () => {
    const a = limiter({ rate: 1, burst: 2 });
    const b = limiter({ rate: 1, burst: 2 });
    expect(await a.take('u')).toBe(0);
    expect(await b.take('u')).toBe(0);
    expect(await a.take('u')).toBeGreaterThan(0);
    expect(await b.take('u')).toBeGreaterThan(0);
  });

  it('stores the bucket in a key that expires once it would be full again', async () => {
    const l = limiter({ rate: 2, burst: 4 });
    await l.take('u');
    const redis = new Redis(TEST_REDIS_URL);
    closers.push(async () => void redis.disconnect());
    const ttl = await redis.pttl(`${prefix.prefix}rate:u`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(2000 + 1000); // refill time (burst / rate) plus a second
  });

  it('is off at rate 0', async () => {
    const l = limiter({ rate: 0 });
    expect(await takeMany(l, 'u', 50)).toEqual(Array(50).fill(0));
  });

  it('uses an existing connection, and leaves it open', async () => {
    const redis = new Redis(TEST_REDIS_URL);
    closers.push(async () => void redis.disconnect());
    const l = new RedisRateLimiter({ redis, keyPrefix: prefix.prefix, rate: 1, burst: 1 });
    expect(await l.take('u')).toBe(0);
    expect(await l.take('u')).toBeGreaterThan(0);
    await l.close();
    expect(await redis.ping()).toBe('PONG');
  });

  it('while Redis is unreachable: limits per node by default, or rejects with fallback off', async () => {
    const proxy = await startTcpProxy(TEST_REDIS_URL, 6379);
    closers.push(() => proxy.close());
    const url = proxy.via(TEST_REDIS_URL);
    const local = limiter({ url, rate: 1, burst: 2 });
    const strict = limiter({ url, rate: 1, burst: 2, fallback: false });
    expect(await local.take('warm')).toBe(0);
    expect(await strict.take('warm')).toBe(0);
    proxy.cut();
    await sleep(50);
    const started = Date.now();
    expect(await takeMany(local, 'u', 2)).toEqual([0, 0]);
    expect(await local.take('u')).toBeGreaterThan(0);
    await expect(strict.take('u')).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(3000);
    proxy.restore();
  });
});
