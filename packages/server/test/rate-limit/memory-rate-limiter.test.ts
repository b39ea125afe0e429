import { describe, expect, it } from 'vitest';
import { MemoryRateLimiter } from '../../src/rate-limit/memory-rate-limiter.js';
import { describeRateLimit } from './rate-limit-conformance.js';

describeRateLimit('memory', () => ({
  open: async (options) => new MemoryRateLimiter(options),
  cleanup: async () => {},
}));

describe('MemoryRateLimiter', () => {
  it('allows a burst of 2x the rate, then refills at the rate', () => {
    let now = 0;
    const limiter = new MemoryRateLimiter({ rate: 10, now: () => now });
    for (let i = 0; i < 20; i++) expect(limiter.take('u')).toBe(0);
    const wait = limiter.take('u');
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(100);
    now += wait;
    expect(limiter.take('u')).toBe(0);
    expect(limiter.take('u')).toBeGreaterThan(0);
  });

  it('keeps separate buckets per key', () => {
    const limiter = new MemoryRateLimiter({ rate: 1, now: () => 0 });
    expect(limiter.take('a')).toBe(0);
    expect(limiter.take('a')).toBe(0);
    expect(limiter.take('a')).toBeGreaterThan(0);
    expect(limiter.take('b')).toBe(0);
  });

  it('never refills above the burst', () => {
    let now = 0;
    const limiter = new MemoryRateLimiter({ rate: 5, now: () => now });
    now = 60_000;
    let allowed = 0;
    while (limiter.take('u') === 0) allowed++;
    expect(allowed).toBe(10);
  });

  it('is off at rate 0', () => {
    const limiter = new MemoryRateLimiter({ rate: 0 });
    for (let i = 0; i < 1000; i++) expect(limiter.take('u')).toBe(0);
  });

  it('forgets buckets once they have refilled, least recently used first, so one-off users do not pile up', () => {
    let now = 0;
    const limiter = new MemoryRateLimiter({ rate: 10, now: () => now });
    for (let i = 0; i < 1000; i++) limiter.take(`one-off-${i}`);
    expect(limiter.size).toBe(1000);
    now += 1000; // every bucket has refilled
    for (let i = 0; i < 600; i++) limiter.take('busy');
    expect(limiter.size).toBeLessThanOrEqual(1);
    // A bucket that has not refilled is kept, with its state.
    expect(limiter.take('busy')).toBeGreaterThan(0);
  });
});
