// Login throttling (auth/login-throttle.ts) and its sliding-window counter: every attempt counted
// per address (IPv6 by /64), failures delayed per (account, address) pair, a cap per account for
// addresses where it never signed in, Retry-After, bounded memory.
import { describe, expect, it } from 'vitest';
import { LoginThrottle, type LoginAttempt } from '../../src/auth/login-throttle.js';
import { ipKey, WindowCounter } from '../../src/auth/window-counter.js';

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

const isAttempt = (r: { retryAfterMs: number } | LoginAttempt): r is LoginAttempt => !('retryAfterMs' in r);

describe('WindowCounter', () => {
  it('allows `limit` events per sliding window and says how long until the next', () => {
    const c = clock();
    const w = new WindowCounter({ limit: 3, windowMs: 1000, now: c.now });
    for (let i = 0; i < 3; i++) {
      expect(w.retryAfterMs('k')).toBe(0);
      w.add('k');
      c.advance(100);
    }
    // Events at 0, 100, 200; now 300: the first leaves the window at 1000.
    expect(w.retryAfterMs('k')).toBe(700);
    expect(w.retryAfterMs('other')).toBe(0);
    c.advance(699);
    expect(w.retryAfterMs('k')).toBe(1);
    c.advance(1);
    expect(w.retryAfterMs('k')).toBe(0);
  });

  it('remove takes one event back; reset forgets the key; old keys are evicted past maxKeys', () => {
    const c = clock();
    const w = new WindowCounter({ limit: 1, windowMs: 1000, maxKeys: 3, now: c.now });
    w.add('a');
    expect(w.retryAfterMs('a')).toBeGreaterThan(0);
    w.remove('a');
    expect(w.retryAfterMs('a')).toBe(0);
    w.add('a');
    w.reset('a');
    expect(w.retryAfterMs('a')).toBe(0);
    for (const k of ['k1', 'k2', 'k3', 'k4']) w.add(k);
    expect(w.size).toBe(3);
    expect(w.retryAfterMs('k1')).toBe(0);
    expect(w.retryAfterMs('k4')).toBeGreaterThan(0);
  });

  it('with limit 0 has no limit and remembers nothing', () => {
    const w = new WindowCounter({ limit: 0, windowMs: 1000 });
    for (let i = 0; i < 100; i++) w.add('x');
    expect(w.retryAfterMs('x')).toBe(0);
    expect(w.size).toBe(0);
  });
});

describe('ipKey', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['2001:db8:1:2::1', '2001:db8:1:2::/64'],
    ['2001:0db8:0001:0002:ffff:ffff:ffff:ffff', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['2001:DB8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
  ])('%s -> %s', (ip, key) => {
    expect(ipKey(ip)).toBe(key);
  });
});

describe('LoginThrottle', () => {
  const MIN = 60_000;
  const refusal = (r: { retryAfterMs: number } | LoginAttempt): number => ('retryAfterMs' in r ? r.retryAfterMs : 0);
  /** Begins an attempt that must be let through, and judges it. */
  function attempt(t: LoginThrottle, username: string, ip: string, outcome: 'failed' | 'succeeded' | 'abandoned'): void {
    const a = t.begin(username, ip);
    if (!isAttempt(a)) throw new Error(`${username} from ${ip} refused for ${a.retryAfterMs} ms`);
    a[outcome]();
  }

  it('counts every attempt per address, successes too: 60 per 10 minutes by default', () => {
    const c = clock();
    const t = new LoginThrottle({ now: c.now });
    for (let i = 0; i < 60; i++) {
      attempt(t, 'alice', '203.0.113.5', 'succeeded');
      c.advance(1000);
    }
    expect(refusal(t.begin('alice', '203.0.113.5'))).toBe(10 * MIN - 60_000);
    expect(isAttempt(t.begin('alice', '203.0.113.6'))).toBe(true);
    c.advance(10 * MIN - 60_000);
    expect(isAttempt(t.begin('alice', '203.0.113.5'))).toBe(true);
  });

  it('delays an (account, address) pair after 3 failures: 5 s, then doubling up to 15 minutes; the right password waits too', () => {
    const c = clock();
    const t = new LoginThrottle({ now: c.now });
    for (let i = 0; i < 3; i++) attempt(t, 'alice', '10.0.0.1', 'failed');
    const waits: number[] = [];
    for (let i = 0; i < 12; i++) {
      const wait = refusal(t.begin('alice', '10.0.0.1'));
      waits.push(wait);
      c.advance(wait - 1);
      expect(refusal(t.begin('alice', '10.0.0.1'))).toBe(1);
      c.advance(1);
      attempt(t, 'alice', '10.0.0.1', 'failed');
    }
    expect(waits.map((w) => w / 1000)).toEqual([5, 10, 20, 40, 80, 160, 320, 640, 900, 900, 900, 900]);
    // Another address of the owner is not slowed, nor another account from this address.
    expect(isAttempt(t.begin('alice', '10.0.0.2'))).toBe(true);
    expect(isAttempt(t.begin('bob', '10.0.0.1'))).toBe(true);
  });

  it('a success clears the pair; an abandoned attempt counts for nothing; a pair is forgotten after a day without failures', () => {
    const c = clock();
    const t = new LoginThrottle({ now: c.now });
    for (let i = 0; i < 2; i++) attempt(t, 'alice', '10.0.0.1', 'failed');
    attempt(t, 'alice', '10.0.0.1', 'succeeded');
    for (let i = 0; i < 2; i++) attempt(t, 'alice', '10.0.0.1', 'failed');
    for (let i = 0; i < 5; i++) attempt(t, 'alice', '10.0.0.1', 'abandoned');
    attempt(t, 'alice', '10.0.0.1', 'failed');
    expect(refusal(t.begin('alice', '10.0.0.1'))).toBe(5000);
    c.advance(24 * 60 * MIN);
    for (let i = 0; i < 3; i++) attempt(t, 'alice', '10.0.0.1', 'failed');
  });

  it('counts attempts in flight as failures, so parallel guesses cannot all slip in', () => {
    const t = new LoginThrottle({ now: clock().now });
    const inFlight = [0, 1, 2].map(() => t.begin('alice', '10.0.0.1'));
    expect(inFlight.every(isAttempt)).toBe(true);
    expect(refusal(t.begin('alice', '10.0.0.1'))).toBe(5000);
  });

  it('caps failures per account from addresses where it never signed in: 20 an hour; its owner\'s known address is exempt', () => {
    const c = clock();
    const t = new LoginThrottle({ now: c.now });
    attempt(t, 'alice', '192.0.2.1', 'succeeded');
    for (let i = 0; i < 20; i++) {
      attempt(t, 'alice', `198.51.100.${i}`, 'failed');
      c.advance(1000);
    }
    expect(refusal(t.begin('alice', '203.0.113.1'))).toBe(60 * MIN - 20_000);
    // The owner's address is not affected; its own failures do not add to the cap either.
    attempt(t, 'alice', '192.0.2.1', 'failed');
    attempt(t, 'alice', '192.0.2.1', 'succeeded');
    // Other accounts are not affected.
    expect(isAttempt(t.begin('bob', '203.0.113.1'))).toBe(true);
    c.advance(60 * MIN - 20_000);
    expect(isAttempt(t.begin('alice', '203.0.113.1'))).toBe(true);
  });

  it('one address alone cannot reach the account cap: its own delays keep it under 20 an hour', () => {
    const c = clock();
    const t = new LoginThrottle({ now: c.now });
    let failures = 0;
    const end = c.now() + 60 * MIN;
    while (c.now() < end) {
      const r = t.begin('alice', '10.0.0.1');
      if (isAttempt(r)) {
        r.failed();
        failures++;
      } else c.advance(r.retryAfterMs);
    }
    expect(failures).toBeLessThan(20);
    expect(isAttempt(t.begin('alice', '10.0.0.2'))).toBe(true);
  });

  it('caps failures per address across accounts at half the attempts; an IPv6 /64 counts as one address', () => {
    const t = new LoginThrottle({ perIp: 10, now: clock().now });
    for (let i = 0; i < 5; i++) attempt(t, `user${i}`, `2001:db8:5:6::${i.toString(16)}`, 'failed');
    expect(refusal(t.begin('fresh', '2001:db8:5:6:ffff::1'))).toBeGreaterThan(0);
    expect(isAttempt(t.begin('fresh', '2001:db8:5:7::1'))).toBe(true);
  });

  it('with perIp 0 has no per-address limit', () => {
    const t = new LoginThrottle({ perIp: 0, now: clock().now });
    for (let i = 0; i < 200; i++) attempt(t, `user${i}`, '10.0.0.1', i % 2 ? 'failed' : 'succeeded');
  });
});
