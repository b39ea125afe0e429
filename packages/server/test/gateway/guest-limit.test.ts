// MAX_GUESTS_PER_IP_PER_HOUR: an upgrade that would create a new guest counts against
// its address (IPv4, or the IPv6 /64); over the limit it gets 429 with Retry-After and a JSON
// message. A returning guest (its token), an account and a refused upgrade do not count.
import { describe, expect, it } from 'vitest';
import { register } from '../http/http-helpers.js';
import { rawUpgrade, trackResources } from '../helpers.js';

const { server, connect } = trackResources();

const upgrade = rawUpgrade;

const from = (ip: string) => ({ 'X-Forwarded-For': ip });

describe('MAX_GUESTS_PER_IP_PER_HOUR', () => {
  it('refuses the new guest over the limit with 429, Retry-After and a JSON message', async () => {
    const s = await server({ maxGuestsPerIpPerHour: 3 });
    for (let i = 0; i < 3; i++) expect((await upgrade(s, '/ws')).status, `guest ${i + 1}`).toBe(101);
    const refused = await upgrade(s, '/ws?nick=one-more');
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers['retry-after']);
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    expect(refused.headers['content-type']).toBe('application/json');
    expect(JSON.parse(refused.body)).toEqual({ error: 'Too Many Requests', message: expect.stringMatching(/guests/) });
  });

  it('does not count returning guests (their token), accounts, or upgrades refused for a bad nick', async () => {
    const s = await server({ maxGuestsPerIpPerHour: 2 });
    const first = await connect(s, { nick: 'first' });
    const token = first.welcome.token as string;
    await first.close();
    // A bad nick is refused before a guest is made: it does not use up the allowance.
    expect((await upgrade(s, '/ws?nick=%01')).status).toBe(400);
    expect((await upgrade(s, '/ws?nick=second')).status).toBe(101);
    expect((await upgrade(s, '/ws?nick=third')).status).toBe(429);
    // The first guest comes back with its token, as often as it likes.
    for (let i = 0; i < 3; i++) {
      const back = await upgrade(s, `/ws?token=${encodeURIComponent(token)}`);
      expect(back.status, `return ${i + 1}`).toBe(101);
    }
    const again = await connect(s, { token });
    expect(again.welcome.user).toEqual(first.welcome.user);
    // An account signs in whatever the guests of its address did.
    const alice = await register(s, 'alice');
    expect((await upgrade(s, '/ws', { Cookie: alice.cookie })).status).toBe(101);
  });

  it('counts per address: IPv4 addresses apart, an IPv6 /64 as one (behind TRUST_PROXY)', async () => {
    const s = await server({ maxGuestsPerIpPerHour: 1, trustProxy: true });
    expect((await upgrade(s, '/ws', from('198.51.100.1'))).status).toBe(101);
    expect((await upgrade(s, '/ws', from('198.51.100.1'))).status).toBe(429);
    expect((await upgrade(s, '/ws', from('198.51.100.2'))).status).toBe(101);
    expect((await upgrade(s, '/ws', from('2001:db8:1:2::1'))).status).toBe(101);
    // Another address of the same /64: the same allowance, already used.
    expect((await upgrade(s, '/ws', from('2001:db8:1:2:ffff::9'))).status).toBe(429);
    expect((await upgrade(s, '/ws', from('2001:db8:1:3::1'))).status).toBe(101);
  });

  it('0 means unlimited', async () => {
    const s = await server({ maxGuestsPerIpPerHour: 0 });
    for (let i = 0; i < 12; i++) expect((await upgrade(s, '/ws')).status, `guest ${i + 1}`).toBe(101);
  });
});
