// The per-address send rate: twenty fresh guests from one address could send 200 messages a
// second, and IPv6 addresses were limited one by one. RATE_LIMIT_PER_IP (default 30 a second, burst 60) is shared by
// every user of an address, and every per-address limit counts an IPv6 client by its /64.
import { describe, expect, it } from 'vitest';
import type { ServerFrame } from '@chat/protocol';
import { trackResources, type TestClient } from '../helpers.js';
import { join, world } from './world.js';

const res = trackResources();

/** Sends `count` messages at once and resolves with the replies (ack or error). */
async function burst(c: TestClient, room: string, count: number, tag: string): Promise<ServerFrame[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => c.request({ type: 'send', room, text: `${tag} ${i}`, id: `${tag}-${i}` })));
}

describe('RATE_LIMIT_PER_IP', () => {
  it('twenty guests from one address share one budget (burst twice the rate)', async () => {
    // Per user: plenty (1000/s). Per address: 5 a second, burst 10.
    const w = await world(res, { rateLimit: 1000, rateLimitPerIp: 5 });
    const guests = await Promise.all(Array.from({ length: 20 }, (_, i) => w.guest(`g${i}`)));
    for (const g of guests) await join(g, 'lobby');
    const replies = (await Promise.all(guests.map((g, i) => burst(g, 'lobby', 10, `g${i}`)))).flat();
    const acks = replies.filter((r) => r.type === 'ack').length;
    const limited = replies.filter((r) => r.type === 'error' && r.code === 'rate_limited');
    // 200 sent: the burst of 10, plus what 5 a second refilled while they were handled.
    expect(acks).toBeGreaterThanOrEqual(10);
    expect(acks).toBeLessThan(100); // without the per-address budget: all 200
    expect(limited.length).toBe(200 - acks);
    expect(limited.every((r) => r.type === 'error' && (r.retryAfterMs ?? 0) > 0)).toBe(true);
  });

  it('0 turns it off; the per-user RATE_LIMIT still holds', async () => {
    const w = await world(res, { rateLimit: 5, rateLimitPerIp: 0 });
    const guests = await Promise.all(Array.from({ length: 4 }, (_, i) => w.guest(`g${i}`)));
    for (const g of guests) await join(g, 'lobby');
    const replies = await Promise.all(guests.map((g, i) => burst(g, 'lobby', 10, `h${i}`)));
    for (const mine of replies) {
      const acks = mine.filter((r) => r.type === 'ack').length;
      expect(acks).toBeGreaterThanOrEqual(10); // burst 10 each: nobody held back by the others
    }
  });
});

describe('IPv6 clients are counted by their /64', () => {
  // Behind TRUST_PROXY the client address is the last X-Forwarded-For entry: so a test can come
  // from any address.
  const from = (w: Awaited<ReturnType<typeof world>>, ip: string, nick: string) =>
    w.connect({ nick }, { 'x-forwarded-for': ip });

  it('for the message rate', async () => {
    const w = await world(res, { trustProxy: true, rateLimit: 1000, rateLimitPerIp: 2 });
    const same = [await from(w, '2001:db8:1:2::1', 'a'), await from(w, '2001:db8:1:2:ffff::2', 'b')];
    const other = await from(w, '2001:db8:1:3::1', 'c');
    for (const c of [...same, other]) await join(c, 'lobby');
    const shared = (await Promise.all(same.map((c, i) => burst(c, 'lobby', 10, `s${i}`)))).flat();
    expect(shared.filter((r) => r.type === 'ack').length).toBeLessThan(20);
    // The next /64 has a budget of its own.
    const own = await burst(other, 'lobby', 4, 'o');
    expect(own.filter((r) => r.type === 'ack').length).toBeGreaterThanOrEqual(4);
  });

  it('for MAX_CONNECTIONS_PER_IP', async () => {
    const w = await world(res, { trustProxy: true, maxConnectionsPerIp: 2 });
    await from(w, '2001:db8:5:6::1', 'a');
    await from(w, '2001:db8:5:6::2', 'b');
    await expect(from(w, '2001:db8:5:6:1:2:3:4', 'c')).rejects.toThrow('HTTP 429');
    await from(w, '2001:db8:5:7::1', 'd');
  });
});
