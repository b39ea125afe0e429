// Login throttling (auth/login-throttle.ts) and its sliding-window counter: limits per account and
// per IP (IPv6 by /64), Retry-After until the oldest failure leaves the window, success clearing
// the account but not the IP, bounded memory.
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
  it('refuses an account after 5 failures in 15 minutes, whatever the IP, until the oldest ages out', () => {
    const c = clock();
    const t = new LoginThrottle({ now: c.now });
    for (let i = 0; i < 5; i++) {
      expect(isAttempt(t.begin('alice', `10.0.0.${i}`))).toBe(true);
      c.advance(1000);
    }
    const refused = t.begin('alice', '10.0.0.99');
    expect(refused).toEqual({ retryAfterMs: 15 * 60 * 1000 - 5000 });
    expect(isAttempt(t.begin('bob', '10.0.0.99'))).toBe(true);
    c.advance(15 * 60 * 1000 - 5000);
    expect(isAttempt(t.begin('alice', '10.0.0.99'))).toBe(true);
  });

  it('refuses an IP after 20 failures across accounts; an IPv6 /64 counts as one IP', () => {
    const t = new LoginThrottle({ now: clock().now });
    for (let i = 0; i < 20; i++) expect(isAttempt(t.begin(`user${i}`, `2001:db8:5:6::${i.toString(16)}`))).toBe(true);
    expect('retryAfterMs' in t.begin('fresh', '2001:db8:5:6:ffff::1')).toBe(true);
    expect(isAttempt(t.begin('fresh', '2001:db8:5:7::1'))).toBe(true);
  });

  it('a success clears the account but only takes its own attempt off the IP', () => {
    const t = new LoginThrottle({ perAccount: 2, perIp: 3, now: clock().now });
    t.begin('alice', '1.2.3.4');
    const ok = t.begin('alice', '1.2.3.4');
    if (!isAttempt(ok)) throw new Error('refused');
    ok.succeeded();
    // alice's two failures are gone...
    expect(isAttempt(t.begin('alice', '5.6.7.8'))).toBe(true);
    expect(isAttempt(t.begin('alice', '5.6.7.8'))).toBe(true);
    // ...but 1.2.3.4 still has its first failure: two more reach perIp=3.
    t.begin('x', '1.2.3.4');
    t.begin('y', '1.2.3.4');
    expect('retryAfterMs' in t.begin('z', '1.2.3.4')).toBe(true);
  });

  it('an abandoned attempt (server busy) counts for nothing', () => {
    const t = new LoginThrottle({ perAccount: 1, perIp: 1, now: clock().now });
    for (let i = 0; i < 3; i++) {
      const a = t.begin('alice', '1.2.3.4');
      if (!isAttempt(a)) throw new Error('refused');
      a.abandoned();
    }
    expect(isAttempt(t.begin('alice', '1.2.3.4'))).toBe(true);
    expect('retryAfterMs' in t.begin('alice', '1.2.3.4')).toBe(true);
  });
});
