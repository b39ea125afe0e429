import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { User } from '@chat/protocol';
import type { ExpiredMember } from '../../src/presence/presence.js';
import { RedisPresence, type RedisPresenceOptions } from '../../src/presence/redis-presence.js';
import { eventually, sleep } from '../bus/bus-conformance.js';
import { perTestRedisPrefix, redisPrefix, servicesAvailable, TEST_REDIS_URL } from '../services.js';
import { startTcpProxy, type TcpProxy } from '../tcp-proxy.js';
import { describePresence } from './presence-conformance.js';

const redisUp = await servicesAvailable(['redis']);

describePresence(
  'redis',
  () => {
    const prefix = redisPrefix();
    const open: RedisPresence[] = [];
    return {
      multiNode: true,
      open: async () => {
        const presence = new RedisPresence({ url: TEST_REDIS_URL, keyPrefix: prefix.prefix });
        open.push(presence);
        return presence.open();
      },
      cleanup: async () => {
        await Promise.all(open.map((p) => p.close()));
        await prefix.drop();
      },
    };
  },
  { skip: !redisUp },
);

const user = (name: string): User => ({ id: `u-${name}`, nick: name });
const [alice, bob, carol, dave] = ['alice', 'bob', 'carol', 'dave'].map(user) as [User, User, User, User];

/** Expired members as sorted "room user online" lines. */
const lines = (members: ExpiredMember[]): string[] => members.map((m) => `${m.room} ${m.user.id} ${m.user.nick} ${m.online}`).sort();

describe.skipIf(!redisUp)('RedisPresence specifics', () => {
  const prefix = perTestRedisPrefix();
  const closers = prefix.closers;

  // Each node sets its own liveness expiry: the node that dies (or is cut off) has a short one;
  // the sweepers a long one, so that a slow machine never has them sweep each other.
  const node = async (options: Partial<RedisPresenceOptions> = {}): Promise<RedisPresence> => {
    const presence = new RedisPresence({ url: TEST_REDIS_URL, keyPrefix: prefix.prefix, ...options });
    closers.push(() => presence.close());
    return presence.open();
  };
  const proxy = async (): Promise<TcpProxy> => {
    const p = await startTcpProxy(TEST_REDIS_URL, 6379);
    closers.push(() => p.close());
    return p;
  };
  const expired = (presence: RedisPresence): ExpiredMember[] => {
    const members: ExpiredMember[] = [];
    presence.onExpired((batch) => members.push(...batch));
    return members;
  };
  const keysUnderPrefix = async (): Promise<string[]> => {
    const redis = new Redis(TEST_REDIS_URL);
    try {
      return (await redis.keys(`${prefix.prefix}*`)).sort();
    } finally {
      redis.disconnect();
    }
  };

  it("expires a dead node's users: one sweeper reports exactly those no longer anywhere, and the counts drop", async () => {
    const p = await proxy();
    const a = await node({ url: p.via(TEST_REDIS_URL), expiryMs: 600 });
    const b = await node({ expiryMs: 5000, sweepIntervalMs: 100 });
    const c = await node({ expiryMs: 5000, sweepIntervalMs: 100 });
    const atB = expired(b);
    const atC = expired(c);
    for (const u of [alice, bob, carol]) await a.connect(u);
    await a.join('r1', alice);
    await a.join('r2', alice);
    await a.join('r1', bob);
    await a.join('r1', carol);
    await b.connect(carol); // carol is also on a live node: she stays
    await b.join('r1', carol);
    await b.connect(dave);
    await b.join('r1', dave);
    expect(await b.roomOnline('r1')).toBe(4);
    expect(await b.disconnect('u-nobody')).toBe(4);

    // Node A dies: its link to Redis is gone and it never says goodbye.
    p.cut();
    await eventually(() => expect(a.ping()).rejects.toThrow(), 3000);
    await a.close();

    await eventually(() => expect(atB.length + atC.length).toBe(3), 5000);
    await sleep(500); // more sweeps: nothing is reported twice
    const reports = [...atB, ...atC];
    expect(reports).toHaveLength(3);
    // One room lost two users: each report carries the count right after its own removal.
    const r1 = reports.filter((m) => m.room === 'r1');
    expect(r1.map((m) => m.user).sort((x, y) => x.id.localeCompare(y.id))).toEqual([alice, bob]);
    expect(r1.map((m) => m.online).sort()).toEqual([2, 3]);
    expect(reports.filter((m) => m.room === 'r2')).toEqual([{ room: 'r2', user: alice, online: 0 }]);

    expect(await b.roomOnline('r1')).toBe(2);
    expect(await b.roomOnline('r2')).toBe(0);
    expect(await c.disconnect('u-nobody')).toBe(2);
    expect((await b.members('r1', 10)).map((u) => u.id).sort()).toEqual([carol.id, dave.id]);
    // Nothing of A is left: not in the node set, no keys of its own.
    const redis = new Redis(TEST_REDIS_URL);
    try {
      expect((await redis.smembers(`${prefix.prefix}nodes`)).sort()).toEqual([b.nodeId, c.nodeId].sort());
    } finally {
      redis.disconnect();
    }
    expect((await keysUnderPrefix()).filter((k) => k.includes(a.nodeId))).toEqual([]);
  });

  it('after an outage longer than the expiry, a node that lived on restores its users, and works normally again', async () => {
    const p = await proxy();
    const a = await node({ url: p.via(TEST_REDIS_URL), expiryMs: 600 });
    const b = await node({ expiryMs: 5000, sweepIntervalMs: 100 });
    const atB = expired(b);
    await a.connect(alice);
    await a.join('r', alice);
    await a.join('r2', alice);
    await b.connect(bob);
    await b.join('r', bob);

    p.cut();
    await eventually(() => expect(a.ping()).rejects.toThrow(), 3000);
    // While cut off: writes fail fast. The leave is applied later; the join never happened.
    const started = Date.now();
    await expect(a.leave('r2', alice.id)).rejects.toThrow();
    await expect(a.join('r3', alice)).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(5000);
    await eventually(() => expect(lines(atB)).toEqual(['r u-alice alice 1', 'r2 u-alice alice 0']), 5000);
    expect(await b.disconnect('u-nobody')).toBe(1);

    p.restore();
    await eventually(async () => expect(await b.roomOnline('r')).toBe(2), 5000);
    expect(await b.roomOnline('r2')).toBe(0);
    expect(await b.roomOnline('r3')).toBe(0);
    expect(await b.disconnect('u-nobody')).toBe(2);
    expect((await b.members('r', 10)).map((u) => u.id).sort()).toEqual([alice.id, bob.id]);

    expect(await a.leave('r', alice.id)).toEqual({ changed: true, online: 1 });
    expect(await a.disconnect(alice.id)).toBe(1);
    expect(await a.join('r3', alice)).toEqual({ changed: true, online: 1 });
  });

  it('after a short outage, applies the leaves and disconnects that failed, and reports those users gone', async () => {
    const p = await proxy();
    const a = await node({ url: p.via(TEST_REDIS_URL), expiryMs: 900 });
    const atA = expired(a);
    const b = await node({ sweepIntervalMs: 60_000 }); // nobody sweeps A: only A reconciles
    await a.connect(alice);
    await a.join('r', alice);
    await a.join('r2', alice);
    await b.connect(carol);
    await b.join('r2', carol);

    p.cut();
    await eventually(() => expect(a.ping()).rejects.toThrow(), 3000);
    await expect(a.leave('r', alice.id)).rejects.toThrow();
    await expect(a.leave('r2', alice.id)).rejects.toThrow();
    await expect(a.disconnect(alice.id)).rejects.toThrow();
    await expect(a.connect(bob)).rejects.toThrow();
    expect(await b.roomOnline('r')).toBe(1); // Redis still counts her
    p.restore();

    await eventually(() => expect(lines(atA)).toEqual(['r u-alice alice 0', 'r2 u-alice alice 1']), 5000);
    expect(await b.roomOnline('r')).toBe(0);
    expect(await b.roomOnline('r2')).toBe(1);
    expect(await b.disconnect('u-nobody')).toBe(1); // carol; bob's connect failed and never counted
  });

  it('while Redis is unreachable, ping rejects within about 2 s', async () => {
    const p = await proxy();
    const a = await node({ url: p.via(TEST_REDIS_URL) });
    await a.ping();
    p.cut();
    await sleep(50);
    const started = Date.now();
    await expect(a.ping()).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(2500);
    p.restore();
    await eventually(() => a.ping(), 5000);
  });

  it('says goodbye on close: its users leave the counts at once, nobody reports them expired, and no key is left', async () => {
    const a = await node({ expiryMs: 600 });
    const b = await node({ expiryMs: 5000, sweepIntervalMs: 100 });
    const atB = expired(b);
    await a.connect(alice);
    await a.join('r', alice);
    await b.connect(bob);
    await b.join('r', bob);
    await a.close();
    expect(await b.roomOnline('r')).toBe(1);
    expect(await b.members('r', 10)).toEqual([bob]);
    expect(await b.disconnect('u-nobody')).toBe(1);
    await sleep(900);
    expect(atB).toEqual([]);

    await b.leave('r', bob.id);
    await b.disconnect(bob.id);
    await b.close();
    expect(await keysUnderPrefix()).toEqual([]);
  });
});
