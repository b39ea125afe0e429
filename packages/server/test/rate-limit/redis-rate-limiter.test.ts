import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { RedisRateLimiter, type RedisRateLimiterOptions } from '../../src/rate-limit/redis-rate-limiter.js';
import { perTestRedisPrefix, redisPrefix, servicesAvailable, TEST_REDIS_URL } from '../services.js';
import { startTcpProxy } from '../tcp-proxy.js';
import { describeRateLimit, sleep, takeMany } from './rate-limit-conformance.js';

const redisUp = await servicesAvailable(['redis']);

describeRateLimit(
  'redis',
  () => {
    const prefix = redisPrefix();
    const open: RedisRateLimiter[] = [];
    return {
      open: async (options) => {
        const limiter = new RedisRateLimiter({ url: TEST_REDIS_URL, keyPrefix: prefix.prefix, ...options });
        open.push(limiter);
        return limiter.open();
      },
      cleanup: async () => {
        await Promise.all(open.map((limiter) => limiter.close()));
        await prefix.drop();
      },
    };
  },
  { skip: !redisUp },
);

describe.skipIf(!redisUp)('RedisRateLimiter specifics', () => {
  const prefix = perTestRedisPrefix();
  const closers = prefix.closers;

  const limiter = (options: Partial<RedisRateLimiterOptions> & { rate: number }): RedisRateLimiter => {
    const l = new RedisRateLimiter({ url: TEST_REDIS_URL, keyPrefix: prefix.prefix, ...options });
    closers.push(() => l.close());
    return l;
  };

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
    await expect(local.ping()).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(3000);
    proxy.restore();
  });
});
