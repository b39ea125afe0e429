// The Bus contract (src/bus/bus.ts), as one suite run against every implementation: the
// in-process bus (one node) and the Redis bus (several nodes sharing one cluster).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Bus, BusEvent } from '../../src/bus/bus.js';

export interface BusFixture {
  /**
   * Whether separate buses from open() are nodes of one cluster (an event published on one
   * reaches the others). The in-process bus cannot be: the suite then uses one node.
   */
  multiNode: boolean;
  /** A new node, ready: events published anywhere from now on reach it. */
  open(): Promise<Bus>;
  /** Closes every node still open and removes what the fixture created. */
  cleanup(): Promise<void>;
}

/** Polls until `check` passes (it throws or rejects until then), for at most `ms`. */
export async function eventually(check: () => void | Promise<void>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const typing = (node: number, i: number): BusEvent => ({ type: 'typing', room: `from-${node}`, user: { id: String(i), nick: `n${i}` } });

/** One of each event type, as the hub publishes them. */
export const EVERY_EVENT: BusEvent[] = [
  {
    type: 'message',
    message: { type: 'message', room: 'lobby', seq: 7, id: 'm-1', clientId: 'c-1', from: { id: 'u1', nick: 'ann' }, text: 'hé 🌍', ts: 1700000000000 },
  },
  { type: 'presence', room: 'lobby', online: 3, joined: { id: 'u1', nick: 'ann' } },
  { type: 'presence', room: 'lobby', online: 2, left: { id: 'u1', nick: 'ann' } },
  { type: 'presence', room: 'lobby', online: 2, renamed: { id: 'u2', nick: 'bo' } },
  { type: 'presence', room: 'big', online: 5000 },
  { type: 'typing', room: 'lobby', user: { id: 'u1', nick: 'ann' } },
  { type: 'kick', room: 'lobby', userId: 'u2', reason: 'kick' },
  { type: 'kick', room: 'lobby', userId: 'u2', reason: 'ban' },
  { type: 'mute', room: 'lobby', userId: 'u2', until: 1700000060000 },
  { type: 'roomDeleted', room: 'old' },
  { type: 'invited', room: 'secret', userId: 'u3', by: { id: 'u1', nick: 'ann' } },
  { type: 'opped', room: 'secret', user: { id: 'u3', nick: 'cy' } },
  { type: 'topic', room: 'lobby', topic: 'Weekly sync — 周会 🗓️', by: { id: 'u1', nick: 'ann', account: true } },
  { type: 'topic', room: 'lobby', topic: '', by: { id: 'u1', nick: 'ann' } },
];

export function describeBus(name: string, makeFixture: () => BusFixture, options: { skip?: boolean } = {}): void {
  describe.skipIf(options.skip ?? false)(`Bus conformance: ${name}`, () => {
    let fixture: BusFixture;
    let nodeCount: number;

    beforeEach(() => {
      fixture = makeFixture();
      nodeCount = fixture.multiNode ? 3 : 1;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    const openNodes = async (): Promise<Bus[]> => {
      const nodes: Bus[] = [];
      for (let i = 0; i < nodeCount; i++) nodes.push(await fixture.open());
      return nodes;
    };

    it("delivers every event to every node's subscribers, its own included, once, in publish order per publisher", async () => {
      const nodes = await openNodes();
      const perNode = 50;
      // Two subscribers on each node.
      const received = nodes.flatMap((bus) =>
        [0, 1].map(() => {
          const events: BusEvent[] = [];
          bus.subscribe((e) => events.push(e));
          return events;
        }),
      );
      // The publishers interleave.
      const publishes: Array<Promise<void>> = [];
      for (let i = 0; i < perNode; i++) nodes.forEach((bus, n) => publishes.push(bus.publish(typing(n, i))));
      await Promise.all(publishes);

      const total = perNode * nodes.length;
      await eventually(() => {
        for (const events of received) expect(events.length).toBeGreaterThanOrEqual(total);
      });
      await sleep(100); // a duplicate would arrive now
      for (const events of received) {
        expect(events).toHaveLength(total);
        for (let n = 0; n < nodes.length; n++) {
          const fromNode = events.filter((e) => e.type === 'typing' && e.room === `from-${n}`);
          expect(fromNode.map((e) => (e.type === 'typing' ? Number(e.user.id) : -1))).toEqual([...Array(perNode).keys()]);
        }
      }
    });

    it("delivers to the publishing node's subscribers synchronously, before publish returns", async () => {
      const [bus] = await openNodes();
      if (!bus) throw new Error('no node');
      const events: BusEvent[] = [];
      bus.subscribe((e) => events.push(e));
      const done = bus.publish(typing(0, 1));
      expect(events).toEqual([typing(0, 1)]);
      await done;
    });

    it('carries every event type intact', async () => {
      const nodes = await openNodes();
      const receiver = nodes.at(-1) as Bus;
      const events: BusEvent[] = [];
      receiver.subscribe((e) => events.push(e));
      for (const event of EVERY_EVENT) await (nodes[0] as Bus).publish(event);
      await eventually(() => expect(events).toHaveLength(EVERY_EVENT.length));
      expect(events).toEqual(EVERY_EVENT);
    });

    it('stops delivering to a handler once unsubscribed, and keeps delivering to the others', async () => {
      const nodes = await openNodes();
      const receiver = nodes.at(-1) as Bus;
      const kept: BusEvent[] = [];
      const dropped: BusEvent[] = [];
      receiver.subscribe((e) => kept.push(e));
      const unsubscribe = receiver.subscribe((e) => dropped.push(e));
      await (nodes[0] as Bus).publish(typing(0, 1));
      await eventually(() => expect(dropped).toHaveLength(1));
      unsubscribe();
      await (nodes[0] as Bus).publish(typing(0, 2));
      await (nodes[0] as Bus).publish(typing(0, 3));
      await eventually(() => expect(kept).toHaveLength(3));
      await sleep(50);
      expect(dropped).toEqual([typing(0, 1)]);
    });

    it('does not call resync handlers in normal operation, and onResync returns an unsubscribe', async () => {
      const nodes = await openNodes();
      let resyncs = 0;
      const off = nodes.map((bus) => bus.onResync(() => resyncs++));
      for (const bus of nodes) await bus.publish(typing(0, 1));
      await sleep(200);
      expect(resyncs).toBe(0);
      for (const unsubscribe of off) expect(typeof unsubscribe).toBe('function');
      off.forEach((unsubscribe) => unsubscribe());
    });

    it('answers ping while healthy, and closes cleanly while the other nodes go on', async () => {
      const nodes = await openNodes();
      for (const bus of nodes) await expect(bus.ping()).resolves.toBeUndefined();
      const [first, ...rest] = nodes as [Bus, ...Bus[]];
      await first.close();
      await first.close(); // twice is harmless
      for (const bus of rest) {
        const events: BusEvent[] = [];
        bus.subscribe((e) => events.push(e));
        await bus.publish(typing(1, 1));
        await bus.ping();
        expect(events).toEqual([typing(1, 1)]);
      }
    });
  });
}
