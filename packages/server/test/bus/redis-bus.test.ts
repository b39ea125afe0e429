import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { BusEvent } from '../../src/bus/bus.js';
import { RedisBus } from '../../src/bus/redis-bus.js';
import { perTestRedisPrefix, redisPrefix, servicesAvailable, TEST_REDIS_URL } from '../services.js';
import { startTcpProxy, type TcpProxy } from '../tcp-proxy.js';
import { describeBus, eventually, sleep } from './bus-conformance.js';

const redisUp = await servicesAvailable(['redis']);

describeBus(
  'redis',
  () => {
    const prefix = redisPrefix();
    const open: RedisBus[] = [];
    return {
      multiNode: true,
      open: async () => {
        const bus = new RedisBus({ url: TEST_REDIS_URL, keyPrefix: prefix.prefix, nodeId: randomUUID() });
        open.push(bus);
        return bus.open();
      },
      cleanup: async () => {
        await Promise.all(open.map((bus) => bus.close()));
        await prefix.drop();
      },
    };
  },
  { skip: !redisUp },
);

const typing = (id: string): BusEvent => ({ type: 'typing', room: 'lobby', user: { id, nick: id } });
const typingIds = (events: BusEvent[]): string[] => events.map((e) => (e.type === 'typing' ? e.user.id : `?${e.type}`));

describe.skipIf(!redisUp)('RedisBus specifics', () => {
  const prefix = perTestRedisPrefix();
  const closers = prefix.closers;

  const node = async (url = TEST_REDIS_URL, keyPrefix = prefix.prefix): Promise<RedisBus> => {
    const bus = new RedisBus({ url, keyPrefix, nodeId: randomUUID() });
    closers.push(() => bus.close());
    return bus.open();
  };
  const proxy = async (): Promise<TcpProxy> => {
    const p = await startTcpProxy(TEST_REDIS_URL, 6379);
    closers.push(() => p.close());
    return p;
  };
  const raw = (): Redis => {
    const redis = new Redis(TEST_REDIS_URL);
    closers.push(async () => void redis.disconnect());
    return redis;
  };
  const collect = (bus: RedisBus): BusEvent[] => {
    const events: BusEvent[] = [];
    bus.subscribe((e) => events.push(e));
    return events;
  };

  it('while Redis is cut off: publish rejects fast, local subscribers still get the event, ping rejects', async () => {
    const p = await proxy();
    const a = await node(p.via(TEST_REDIS_URL));
    const b = await node();
    const atA = collect(a);
    const atB = collect(b);
    p.cut();
    await eventually(() => expect(a.ping()).rejects.toThrow(), 3000);

    const started = Date.now();
    await expect(a.publish(typing('during'))).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(2500);
    expect(typingIds(atA)).toEqual(['during']);

    const pingStarted = Date.now();
    await expect(a.ping()).rejects.toThrow();
    expect(Date.now() - pingStarted).toBeLessThan(2500);
    await sleep(100);
    expect(atB).toEqual([]);
  });

  it('after the outage: onResync fires (on the node that was cut off, and on the others, told of its missed publish), and events flow both ways', async () => {
    const p = await proxy();
    const a = await node(p.via(TEST_REDIS_URL));
    const b = await node();
    let resyncsA = 0;
    let resyncsB = 0;
    a.onResync(() => resyncsA++);
    b.onResync(() => resyncsB++);
    const atA = collect(a);
    const atB = collect(b);

    p.cut();
    await eventually(() => expect(a.ping()).rejects.toThrow(), 3000);
    await expect(a.publish(typing('lost'))).rejects.toThrow();
    await sleep(300);
    expect(resyncsA).toBe(0);
    p.restore();

    await eventually(() => expect(resyncsA).toBe(1), 10_000);
    await eventually(() => expect(resyncsB).toBe(1), 10_000);
    await a.ping();
    await a.publish(typing('a-after'));
    await b.publish(typing('b-after'));
    await eventually(() => {
      expect(typingIds(atA)).toEqual(['lost', 'a-after', 'b-after']);
      expect(typingIds(atB)).toEqual(['a-after', 'b-after']);
    });
    await sleep(200);
    expect([resyncsA, resyncsB]).toEqual([1, 1]);
  });

  it('ignores malformed payloads on its channel, and its own echoes, without crashing', async () => {
    const a = await node();
    const nodeId = a.nodeId;
    const events = collect(a);
    const publisher = raw();
    const channel = `${prefix.prefix}bus`;
    const junk = [
      'not json',
      'null',
      '[]',
      '42',
      '{}',
      JSON.stringify({ event: typing('no-node') }),
      JSON.stringify({ node: 'other' }),
      JSON.stringify({ node: 'other', event: null }),
      JSON.stringify({ node: 'other', event: { type: 'nonsense', room: 'lobby' } }),
      JSON.stringify({ node: 'other', event: { type: 'message' } }),
      JSON.stringify({ node: 'other', event: { type: 'message', message: { room: 'lobby', seq: '7' } } }),
      JSON.stringify({ node: 'other', event: { type: 'typing', room: 1, user: { id: 'x', nick: 'x' } } }),
      JSON.stringify({ node: 'other', event: { type: 'typing', room: 'lobby', user: null } }),
      JSON.stringify({ node: 'other', event: { type: 'kick', room: 'lobby', userId: 'x', reason: 'whim' } }),
      JSON.stringify({ node: 'other', event: { type: 'presence', room: 'lobby', online: 1, joined: 'x' } }),
      JSON.stringify({ node: nodeId, event: typing('own-echo') }),
    ];
    for (const payload of junk) await publisher.publish(channel, payload);
    await publisher.publish(channel, JSON.stringify({ node: 'other', event: typing('valid') }));
    await eventually(() => expect(events.length).toBeGreaterThanOrEqual(1));
    await sleep(100);
    expect(typingIds(events)).toEqual(['valid']);
    await a.ping();
  });

  it('keeps a throwing subscriber from stopping delivery to the others', async () => {
    const a = await node();
    const b = await node();
    b.subscribe(() => {
      throw new Error('handler bug');
    });
    const atB = collect(b);
    await a.publish(typing('1'));
    await a.publish(typing('2'));
    await eventually(() => expect(typingIds(atB)).toEqual(['1', '2']));
  });

  it('isolates clusters with different key prefixes', async () => {
    const other = redisPrefix();
    closers.push(() => other.drop());
    const a = await node();
    const a2 = await node();
    const b = await node(TEST_REDIS_URL, other.prefix);
    const atA2 = collect(a2);
    const atB = collect(b);
    await a.publish(typing('for-a'));
    await b.publish(typing('for-b'));
    await eventually(() => expect(typingIds(atA2)).toEqual(['for-a']));
    await sleep(100);
    expect(typingIds(atB)).toEqual(['for-b']);
    expect(typingIds(atA2)).toEqual(['for-a']);
  });

  it('gives up open() after its timeout when Redis is unreachable, and closes without hanging', async () => {
    const p = await proxy();
    p.cut();
    const bus = new RedisBus({ url: p.via(TEST_REDIS_URL), keyPrefix: prefix.prefix });
    closers.push(() => bus.close());
    await expect(bus.open(500)).rejects.toThrow();
    await expect(bus.ping()).rejects.toThrow();
    await bus.close();
  });
});
