// The RateLimit contract (src/rate-limit/rate-limit.ts), as one suite run against every
// implementation: the in-process limiter (one node) and the Redis one (a cluster's shared buckets).
// Time is real here (a Redis bucket reads Redis's clock), so waits are short.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RateLimit } from '../../src/rate-limit/rate-limit.js';

export interface RateLimitFixture {
  /** A new limiter, ready: `rate` tokens per second, holding at most `burst` (2 × rate by default). */
  open(options: { rate: number; burst?: number }): Promise<RateLimit>;
  /** Closes every limiter still open and removes what the fixture created. */
  cleanup(): Promise<void>;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function takeMany(limiter: RateLimit, key: string, n: number): Promise<number[]> {
  const waits: number[] = [];
  for (let i = 0; i < n; i++) waits.push(await limiter.take(key));
  return waits;
}

export function describeRateLimit(name: string, makeFixture: () => RateLimitFixture, options: { skip?: boolean } = {}): void {
  describe.skipIf(options.skip ?? false)(`RateLimit conformance: ${name}`, () => {
    let fixture: RateLimitFixture;

    beforeEach(() => {
      fixture = makeFixture();
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    it('allows a burst, then refuses with a positive wait of at most one token', async () => {
      const l = await fixture.open({ rate: 2, burst: 3 });
      expect(await takeMany(l, 'u', 3)).toEqual([0, 0, 0]);
      const wait = await l.take('u');
      expect(wait).toBeGreaterThan(0);
      expect(wait).toBeLessThanOrEqual(500); // 1000 ms / rate
      expect(await l.take('u')).toBeGreaterThan(0);
    });

    it('bursts 2 × rate by default', async () => {
      const l = await fixture.open({ rate: 2 });
      expect(await takeMany(l, 'u', 4)).toEqual([0, 0, 0, 0]);
      expect(await l.take('u')).toBeGreaterThan(0);
    });

    it('refills over time, never above the burst', async () => {
      const l = await fixture.open({ rate: 20, burst: 2 });
      expect(await takeMany(l, 'u', 2)).toEqual([0, 0]);
      expect(await l.take('u')).toBeGreaterThan(0);
      await sleep(400); // 8 tokens' worth of time, capped at 2
      expect(await takeMany(l, 'u', 2)).toEqual([0, 0]);
      expect(await l.take('u')).toBeGreaterThan(0);
    });

    it('a refusal says how long until a token: after that wait, a take is allowed', async () => {
      const l = await fixture.open({ rate: 10, burst: 1 });
      expect(await l.take('u')).toBe(0);
      const wait = await l.take('u');
      expect(wait).toBeGreaterThan(0);
      expect(wait).toBeLessThanOrEqual(100);
      await sleep(wait + 20);
      expect(await l.take('u')).toBe(0);
    });

    it('keeps one bucket per key', async () => {
      const l = await fixture.open({ rate: 1, burst: 1 });
      expect(await l.take('a')).toBe(0);
      expect(await l.take('a')).toBeGreaterThan(0);
      expect(await l.take('b')).toBe(0);
    });

    it('is off at rate 0', async () => {
      const l = await fixture.open({ rate: 0 });
      expect(await takeMany(l, 'u', 50)).toEqual(Array(50).fill(0));
    });

    it('answers ping while it can count, and closes', async () => {
      const l = await fixture.open({ rate: 1 });
      await expect(l.ping()).resolves.toBeUndefined();
      await expect(l.close()).resolves.toBeUndefined();
    });
  });
}
