// New guests' credentials come from a pool of random bytes: each byte is used once, across refills.
import { describe, expect, it } from 'vitest';
import { newGuestCredentials } from '../../src/store/ids.js';

describe('newGuestCredentials', () => {
  it('gives every guest its own id, token and token id, across several refills of the pool', () => {
    const made = Array.from({ length: 500 }, newGuestCredentials);
    const all = made.flatMap((c) => [c.userId, c.token, c.tokenId]);
    expect(new Set(all).size).toBe(all.length);
    for (const c of made) {
      expect(c.userId).toMatch(/^[\w-]{16}$/);
      expect(c.token).toMatch(/^[\w-]{43}$/);
      expect(c.tokenId).toMatch(/^[\w-]{12}$/);
    }
  });
});
