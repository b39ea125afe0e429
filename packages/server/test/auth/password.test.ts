// Password hashes (auth/password.ts): scrypt N=2^17, r=8, p=1 with a 16-byte salt and a 64-byte
// key, self-describing so parameters can be raised (needsRehash). Cheap parameters appear here only
// through hashPassword's explicit test argument; one test runs the real cost.
import { describe, expect, it } from 'vitest';
import {
  hashPassword,
  needsRehash,
  PasswordHasherBusyError,
  SCRYPT_PARAMS,
  verifyAgainstDummy,
  verifyPassword,
  type ScryptParams,
} from '../../src/auth/password.js';

const CHEAP: ScryptParams = { logN: 10, r: 8, p: 1 };

describe('hashPassword / verifyPassword', () => {
  it('uses N=2^17, r=8, p=1, a 16-byte salt and a 64-byte key by default, in the self-describing format', async () => {
    expect(SCRYPT_PARAMS).toEqual({ logN: 17, r: 8, p: 1 });
    const started = performance.now();
    const hash = await hashPassword('correct horse battery staple');
    const ms = performance.now() - started;
    const m = /^scrypt\$17\$8\$1\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/.exec(hash);
    expect(m).not.toBeNull();
    expect(Buffer.from(m![1]!, 'base64')).toHaveLength(16);
    expect(Buffer.from(m![2]!, 'base64')).toHaveLength(64);
    expect(await verifyPassword('correct horse battery staple', hash)).toBe(true);
    expect(await verifyPassword('correct horse battery stapl', hash)).toBe(false);
    expect(needsRehash(hash)).toBe(false);
    // Memory-hard for real: 128 MiB of scrypt takes a noticeable time (and would throw without maxmem).
    expect(ms).toBeGreaterThan(20);
  });

  it('salts: the same password hashes differently each time, and each hash verifies', async () => {
    const a = await hashPassword('same password', CHEAP);
    const b = await hashPassword('same password', CHEAP);
    expect(a).not.toBe(b);
    expect(await verifyPassword('same password', a)).toBe(true);
    expect(await verifyPassword('same password', b)).toBe(true);
    expect(a).not.toContain('same password');
  });

  it('treats Unicode forms alike (NFC) and is case-sensitive', async () => {
    const hash = await hashPassword('caf\u00e9 au lait', CHEAP);
    expect(await verifyPassword('cafe\u0301 au lait', hash)).toBe(true);
    expect(await verifyPassword('CAF\u00c9 au lait', hash)).toBe(false);
  });

  it('verifies with the parameters stored in the hash, not today\'s', async () => {
    const old = await hashPassword('old password', { logN: 12, r: 4, p: 2 });
    expect(old).toMatch(/^scrypt\$12\$4\$2\$/);
    expect(await verifyPassword('old password', old)).toBe(true);
  });

  it('says false (never throws) for unreadable or absurd stored hashes', async () => {
    for (const stored of [
      '',
      'plaintext',
      'scrypt$17$8$1$onlyfive',
      'bcrypt$17$8$1$c2FsdHNhbHRzYWx0$a2V5a2V5a2V5a2V5a2V5a2V5',
      'scrypt$40$8$1$c2FsdHNhbHRzYWx0$a2V5a2V5a2V5a2V5a2V5a2V5', // 2^40: refused, not attempted
      'scrypt$x$8$1$c2FsdHNhbHRzYWx0$a2V5a2V5a2V5a2V5a2V5a2V5',
      'scrypt$10$8$1$$a2V5a2V5a2V5a2V5a2V5a2V5',
    ]) {
      expect(await verifyPassword('anything', stored), stored).toBe(false);
      expect(needsRehash(stored), stored).toBe(true);
    }
  });

  it('needsRehash: true for weaker (or merely different) parameters, false for today\'s', async () => {
    expect(needsRehash(await hashPassword('p', CHEAP))).toBe(true);
    expect(needsRehash(await hashPassword('p', { logN: 17, r: 8, p: 2 }))).toBe(true);
    expect(needsRehash(`scrypt$17$8$1$${Buffer.alloc(16).toString('base64')}$${Buffer.alloc(64).toString('base64')}`)).toBe(false);
    expect(needsRehash(`scrypt$17$8$1$${Buffer.alloc(16).toString('base64')}$${Buffer.alloc(32).toString('base64')}`)).toBe(true);
  });

  it('verifyAgainstDummy does a full-cost check and always says false', async () => {
    const started = performance.now();
    expect(await verifyAgainstDummy('')).toBe(false);
    expect(await verifyAgainstDummy('correct horse battery staple')).toBe(false);
    expect(performance.now() - started).toBeGreaterThan(20);
  });

  it('runs at most a few hashes at once and refuses (PasswordHasherBusyError) beyond a bounded queue', async () => {
    const results = await Promise.allSettled(Array.from({ length: 80 }, (_, i) => hashPassword(`p${i}`, { logN: 4, r: 1, p: 1 })));
    const refused = results.filter((r) => r.status === 'rejected');
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.length).toBeLessThan(20);
    for (const r of refused) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(PasswordHasherBusyError);
    // Nothing is stuck: the next hash runs.
    expect(await verifyPassword('x', await hashPassword('x', CHEAP))).toBe(true);
  });
});
