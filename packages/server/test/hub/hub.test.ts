// The hub without sockets: several hubs sharing one store, bus and presence behave as the nodes of
// a cluster (socket.io's cluster tests do the same with an in-memory adapter).
import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChatMessage, ServerFrame, User } from '@chat/protocol';
import { MemoryBus } from '../../src/bus/memory-bus.js';
import { Hub } from '../../src/hub/hub.js';
import { PRESENCE_BATCH_MS, PRESENCE_BUSY_MS } from '../../src/hub/publisher.js';
import { WRITE_NOW_MIN_MEMBERS } from '../../src/hub/room-channel.js';
import type { Peer, Session } from '../../src/hub/session.js';
import { frameText, type SharedFrame } from '../../src/hub/shared-frame.js';
import { MemoryPresence } from '../../src/presence/memory-presence.js';
import { MemoryRateLimiter } from '../../src/rate-limit/memory-rate-limiter.js';
import { RequestBudget } from '../../src/rate-limit/request-budget.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { tempDir } from '../helpers.js';

const silent = { error: () => {} };
/** No send limits, and the default request budget: what backends.ts and app.ts hand a hub. */
const unlimited = () => ({ rateLimiter: new MemoryRateLimiter({ rate: 0 }), addressRateLimiter: new MemoryRateLimiter({ rate: 0 }), requestBudget: new RequestBudget() });

class FakePeer implements Peer {
  frames: ServerFrame[] = [];
  send(data: string | Buffer | SharedFrame): void {
    this.frames.push(JSON.parse(frameText(data)) as ServerFrame);
  }
  ofType<T extends ServerFrame['type']>(type: T): Extract<ServerFrame, { type: T }>[] {
    return this.frames.filter((f) => f.type === type) as Extract<ServerFrame, { type: T }>[];
  }
}

const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};
/** Until the presence events announced so far have been published (they leave in batches). */
const presenceBatch = () => new Promise((r) => setTimeout(r, PRESENCE_BATCH_MS + 20));
/** A room's next batch when its last went out less than PRESENCE_BUSY_MS ago. */
const nextPresenceBatch = () => new Promise((r) => setTimeout(r, PRESENCE_BUSY_MS + 20));

let cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

async function cluster(nodes: number, store?: Store) {
  const dir = tempDir();
  const shared = {
    store: store ?? (await new SqliteStore({ dir }).open()),
    bus: new MemoryBus(),
    presence: new MemoryPresence(),
  };
  const hubs = Array.from({ length: nodes }, () => new Hub({ ...shared, ...unlimited(), historyWindow: 50, log: silent }));
  cleanups.push(async () => {
    for (const hub of hubs) await hub.close();
    await shared.store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { hubs, ...shared };
}

async function connect(hub: Hub, user: User): Promise<{ session: Session; peer: FakePeer }> {
  const peer = new FakePeer();
  const session = await hub.connect(peer, user);
  return { session, peer };
}

const alice = { id: 'a', nick: 'alice' };
const bob = { id: 'b', nick: 'bob' };

describe('Hub', () => {
  it('sends welcome first, with the distinct online count', async () => {
    const { hubs } = await cluster(1);
    const a1 = await connect(hubs[0]!, alice);
    const a2 = await connect(hubs[0]!, alice);
    const b = await connect(hubs[0]!, bob);
    expect(a1.peer.frames[0]).toMatchObject({ type: 'welcome', protocol: 1, user: alice, online: 1 });
    expect(a2.peer.frames[0]).toMatchObject({ type: 'welcome', online: 1 });
    expect(b.peer.frames[0]).toMatchObject({ type: 'welcome', online: 2 });
  });

  it('delivers across hubs sharing a bus, and both see one order under concurrent senders', async () => {
    const { hubs } = await cluster(2);
    const a = await connect(hubs[0]!, alice);
    const b = await connect(hubs[1]!, bob);
    await hubs[0]!.handle(a.session, { type: 'join', room: 'r' });
    await hubs[1]!.handle(b.session, { type: 'join', room: 'r' });
    for (let i = 0; i < 50; i++) {
      hubs[0]!.handle(a.session, { type: 'send', room: 'r', id: `a${i}`, text: `from a ${i}` });
      hubs[1]!.handle(b.session, { type: 'send', room: 'r', id: `b${i}`, text: `from b ${i}` });
    }
    await settle();
    const seen = (p: FakePeer) => p.ofType('message').map((m: ChatMessage) => `${m.seq}:${m.clientId}`);
    expect(seen(a.peer)).toHaveLength(100);
    expect(seen(a.peer)).toEqual(seen(b.peer));
    expect(a.peer.ofType('message').map((m) => m.seq)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(a.peer.ofType('ack')).toHaveLength(50);
  });

  it('a message committed while a join reads the room reaches the joiner after joined, though its since was the last seq read', async () => {
    // The join reads the room's last seq with the user's standing (Store.joinStanding): bob's
    // message is committed and published right after that read, before the join goes on.
    let during: (() => Promise<void>) | undefined;
    class ReadThenSend extends SqliteStore {
      override async joinStanding(room: string, userId: string) {
        const read = await super.joinStanding(room, userId);
        const hook = during;
        during = undefined;
        await hook?.();
        return read;
      }
    }
    const dir = tempDir();
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const { hubs } = await cluster(2, await new ReadThenSend({ dir }).open());
    const a = await connect(hubs[0]!, alice);
    const b = await connect(hubs[1]!, bob);
    await hubs[1]!.handle(b.session, { type: 'join', room: 'r' });
    await hubs[1]!.handle(b.session, { type: 'send', room: 'r', id: 'm1', text: 'one' });
    await settle();
    during = async () => {
      await hubs[1]!.handle(b.session, { type: 'send', room: 'r', id: 'm2', text: 'two' });
      await settle();
      expect(b.peer.ofType('ack').map((ack) => ack.seq)).toEqual([1, 2]);
    };
    await hubs[0]!.handle(a.session, { type: 'join', room: 'r', since: 1 });
    expect(a.peer.frames.filter((f) => f.type === 'joined' || f.type === 'message').map((f) => [f.type, f.seq])).toEqual([
      ['joined', 1],
      ['message', 2],
    ]);
  });

  it('sends a burst of presence events together, and never after a later message', async () => {
    const { hubs } = await cluster(1);
    const hub = hubs[0]!;
    const a = await connect(hub, alice);
    await hub.handle(a.session, { type: 'join', room: 'r' });
    await presenceBatch();
    a.peer.frames = [];
    const others = await Promise.all(['b', 'c', 'd'].map((id) => connect(hub, { id, nick: id })));
    for (const o of others) await hub.handle(o.session, { type: 'join', room: 'r' });
    // Within the batch window nothing has left yet; then the three arrive in order, together.
    await settle();
    expect(a.peer.ofType('presence')).toEqual([]);
    await nextPresenceBatch();
    expect(a.peer.ofType('presence').map((p) => [p.online, p.joined?.id])).toEqual([[2, 'b'], [3, 'c'], [4, 'd']]);
    // A message sent right after a join flushes the batch first: its sender's arrival comes before it.
    const e = await connect(hub, { id: 'e', nick: 'e' });
    await hub.handle(e.session, { type: 'join', room: 'r' });
    hub.handle(e.session, { type: 'send', room: 'r', id: 'hi', text: 'hello' });
    await settle();
    expect(a.peer.frames.slice(-2).map((f) => f.type)).toEqual(['presence', 'message']);
    expect(a.peer.frames.at(-2)).toMatchObject({ type: 'presence', online: 5, joined: { id: 'e' } });
  });

  it('announces presence once per user, across hubs', async () => {
    const { hubs } = await cluster(2);
    const a = await connect(hubs[0]!, alice);
    const b1 = await connect(hubs[1]!, bob);
    const b2 = await connect(hubs[0]!, bob);
    await hubs[0]!.handle(a.session, { type: 'join', room: 'r' });
    await hubs[1]!.handle(b1.session, { type: 'join', room: 'r' });
    await hubs[0]!.handle(b2.session, { type: 'join', room: 'r' });
    await presenceBatch();
    expect(a.peer.ofType('presence')).toEqual([
      { type: 'presence', room: 'r', online: 1, joined: alice },
      { type: 'presence', room: 'r', online: 2, joined: bob },
    ]);
    await hubs[1]!.disconnect(b1.session);
    await nextPresenceBatch();
    expect(a.peer.ofType('presence')).toHaveLength(2); // bob is still there on the other hub
    await hubs[0]!.disconnect(b2.session);
    await nextPresenceBatch();
    expect(a.peer.ofType('presence').at(-1)).toEqual({ type: 'presence', room: 'r', online: 1, left: bob });
  });

  it('answers internal and stores nothing when the store fails to commit', async () => {
    const dir = tempDir();
    const real = await new SqliteStore({ dir }).open();
    let failing = false;
    const store: Store = Object.assign(Object.create(real) as Store, {
      appendEntries: (batch: Parameters<Store['appendEntries']>[0]) =>
        failing ? Promise.reject(new Error('disk on fire')) : real.appendEntries(batch),
    });
    const { hubs } = await cluster(1, store);
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const a = await connect(hubs[0]!, alice);
    await hubs[0]!.handle(a.session, { type: 'join', room: 'r' });
    failing = true;
    hubs[0]!.handle(a.session, { type: 'send', room: 'r', id: 'x', text: 'lost?', ref: 'q' });
    await settle();
    expect(a.peer.ofType('error')).toEqual([expect.objectContaining({ code: 'internal', ref: 'q' })]);
    expect(a.peer.ofType('ack')).toEqual([]);
    expect(a.peer.ofType('message')).toEqual([]);
    expect(await real.lastSeq('r')).toBe(0);
    // Retrying with the same id once the store is back stores it exactly once.
    failing = false;
    hubs[0]!.handle(a.session, { type: 'send', room: 'r', id: 'x', text: 'lost?' });
    hubs[0]!.handle(a.session, { type: 'send', room: 'r', id: 'x', text: 'lost?' });
    await settle();
    expect(a.peer.ofType('ack').map((f) => f.seq)).toEqual([1, 1]);
    expect(a.peer.ofType('message')).toHaveLength(1);
  });
});

describe('Hub delivery writes', () => {
  /** Records, for each message event it is sent, whether the frame asked to be written at once. */
  class WritePeer extends FakePeer {
    writeNow: Array<{ seq: number; writeNow: boolean }> = [];
    override send(data: string | Buffer | SharedFrame): void {
      super.send(data);
      const frame = this.frames.at(-1) as ServerFrame;
      if (frame.type === 'message') this.writeNow.push({ seq: frame.seq, writeNow: typeof data === 'object' && 'writeNow' in data && data.writeNow });
    }
  }

  it('in a large room, a message committed alone is written at once; a batch is corked to the end of the tick', async () => {
    const { hubs } = await cluster(1);
    const hub = hubs[0]!;
    const peer = new WritePeer();
    const session = await hub.connect(peer, alice);
    await hub.handle(session, { type: 'join', room: 'big' });
    for (let i = 1; i < WRITE_NOW_MIN_MEMBERS; i++) {
      const other = await hub.connect(new FakePeer(), { id: `u${i}`, nick: `u${i}` });
      await hub.handle(other, { type: 'join', room: 'big' });
    }
    hub.handle(session, { type: 'send', room: 'big', id: 'one', text: 'alone' });
    await settle();
    // Two sends in one tick share a commit.
    hub.handle(session, { type: 'send', room: 'big', id: 'two', text: 'first' });
    hub.handle(session, { type: 'send', room: 'big', id: 'three', text: 'second' });
    await settle();
    expect(peer.writeNow).toEqual([
      { seq: 1, writeNow: true },
      { seq: 2, writeNow: false },
      { seq: 3, writeNow: false },
    ]);
    // Whatever the write path, the sender's ack follows its message.
    expect(peer.frames.filter((f) => f.type === 'message' || f.type === 'ack').map((f) => f.type)).toEqual(['message', 'ack', 'message', 'message', 'ack', 'ack']);
  });

  it('in a small room, even a message committed alone waits for the end of the tick (it shares the write with the ack)', async () => {
    const { hubs } = await cluster(1);
    const peer = new WritePeer();
    const session = await hubs[0]!.connect(peer, alice);
    await hubs[0]!.handle(session, { type: 'join', room: 'small' });
    hubs[0]!.handle(session, { type: 'send', room: 'small', id: 'one', text: 'alone' });
    await settle();
    expect(peer.writeNow).toEqual([{ seq: 1, writeNow: false }]);
  });
});

describe('Hub presence in large rooms', () => {
  /** A hub whose rooms coalesce presence above 3 users. */
  async function smallLimitHub(): Promise<Hub> {
    const dir = tempDir();
    const shared = { store: await new SqliteStore({ dir }).open(), bus: new MemoryBus(), presence: new MemoryPresence() };
    const hub = new Hub({ ...shared, ...unlimited(), historyWindow: 50, presenceDetailLimit: 3, log: silent });
    cleanups.push(async () => {
      await hub.close();
      await shared.store.close();
      rmSync(dir, { recursive: true, force: true });
    });
    return hub;
  }

  it('above the detail limit, coalesces presence into one count per second and caps members', async () => {
    const hub = await smallLimitHub();
    const watcher = await connect(hub, { id: 'w', nick: 'watcher' });
    await hub.handle(watcher.session, { type: 'join', room: 'big' });
    const users = Array.from({ length: 6 }, (_, i) => ({ id: `u${i}`, nick: `user${i}` }));
    const joined: Array<Awaited<ReturnType<typeof connect>>> = [];
    const join = async (user: { id: string; nick: string }) => {
      const c = await connect(hub, user);
      await hub.handle(c.session, { type: 'join', room: 'big' });
      joined.push(c);
    };
    // Up to the limit (3 users) every join is named…
    for (const user of users.slice(0, 2)) await join(user);
    await presenceBatch();
    expect(watcher.peer.ofType('presence').map((p) => p.online)).toEqual([1, 2, 3]);
    expect(watcher.peer.ofType('presence').every((p) => p.joined !== undefined)).toBe(true);
    // …beyond it, nothing yet…
    for (const user of users.slice(2)) await join(user);
    await presenceBatch();
    expect(watcher.peer.ofType('presence')).toHaveLength(3);
    // …and joined.members is capped while online stays exact.
    expect(joined.at(-1)!.peer.ofType('joined')[0]).toMatchObject({ online: 7 });
    expect(joined.at(-1)!.peer.ofType('joined')[0]!.members).toHaveLength(3);
    // Within a second, one event with the count and no names.
    await new Promise((r) => setTimeout(r, 1100));
    const coalesced = watcher.peer.ofType('presence').slice(3);
    expect(coalesced).toEqual([{ type: 'presence', room: 'big', online: 7 }]);
  });

  it('a burst of joins that takes a room past the limit within one batch is one coalesced count to each member, not every name', async () => {
    const hub = await smallLimitHub();
    const watcher = await connect(hub, { id: 'w', nick: 'watcher' });
    await hub.handle(watcher.session, { type: 'join', room: 'big' });
    for (let i = 0; i < 6; i++) {
      const c = await connect(hub, { id: `u${i}`, nick: `user${i}` });
      await hub.handle(c.session, { type: 'join', room: 'big' });
    }
    await presenceBatch();
    // Three named joins (the watcher's own included), then coalesced ones: nothing in the batch…
    expect(watcher.peer.ofType('presence')).toEqual([]);
    // …and within a second the count stands for all of them.
    await new Promise((r) => setTimeout(r, 1100));
    expect(watcher.peer.ofType('presence')).toEqual([{ type: 'presence', room: 'big', online: 7 }]);
  });
});
