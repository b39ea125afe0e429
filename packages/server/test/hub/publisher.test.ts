// The publisher on its own, over a bus that records what it is given: presence in batches, other
// events flushing the batch first, the lone-commit flag, and closing.
import { describe, expect, it, vi } from 'vitest';
import type { ChatMessage } from '@chat/protocol';
import type { Bus, BusEvent } from '../../src/bus/bus.js';
import { coalescedCountDelay, PRESENCE_BATCH_MS, PRESENCE_BUSY_MS, PRESENCE_COALESCE_MAX_MS, PRESENCE_COALESCE_MS, Publisher } from '../../src/hub/publisher.js';
import { MemoryPresence } from '../../src/presence/memory-presence.js';

class RecordingBus implements Bus {
  events: BusEvent[] = [];
  /** The publisher's publishingLone at each publish. */
  lone: boolean[] = [];
  constructor(private readonly publisher: () => Publisher) {}
  async publish(event: BusEvent): Promise<void> {
    this.events.push(event);
    this.lone.push(this.publisher().publishingLone);
  }
  subscribe(): () => void {
    return () => {};
  }
  onResync(): () => void {
    return () => {};
  }
  async ping(): Promise<void> {}
  async close(): Promise<void> {}
}

function setup() {
  let publisher: Publisher | undefined;
  const bus = new RecordingBus(() => publisher as Publisher);
  const presence = new MemoryPresence();
  publisher = new Publisher({ bus, presence, presenceDetailLimit: 200, log: { error: () => {} } });
  return { bus, publisher, presence };
}

const message = (seq: number): ChatMessage => ({ type: 'message', room: 'r', seq, id: `m${seq}`, clientId: `c${seq}`, from: { id: 'u', nick: 'u' }, text: 't', ts: 1 });
const ann = { id: 'a', nick: 'ann' };
const bo = { id: 'b', nick: 'bo' };
const cy = { id: 'c', nick: 'cy' };

describe('Publisher', () => {
  it('holds who-joined events for the batch, and sends them together in order', async () => {
    const { bus, publisher } = setup();
    publisher.announce('r', 1, { joined: ann });
    publisher.announce('r', 2, { joined: bo });
    expect(bus.events).toEqual([]);
    await new Promise((r) => setTimeout(r, PRESENCE_BATCH_MS + 20));
    expect(bus.events).toEqual([
      { type: 'presence', room: 'r', online: 1, joined: ann },
      { type: 'presence', room: 'r', online: 2, joined: bo },
    ]);
    publisher.close();
  });

  it("any other event of the room flushes the room's waiting presence first, keeping order", () => {
    const { bus, publisher } = setup();
    publisher.announce('r', 1, { joined: ann });
    publisher.publish({ type: 'typing', room: 'r', user: ann });
    expect(bus.events.map((e) => e.type)).toEqual(['presence', 'typing']);
    publisher.close();
  });

  it("an event of another room leaves a room's presence waiting (a restart storm's joins would go out at every message otherwise); a room-less event flushes all", () => {
    const { bus, publisher } = setup();
    publisher.announce('r', 1, { joined: ann });
    publisher.announce('s', 1, { joined: bo });
    publisher.publishCommit([{ ...message(1), room: 's' }]);
    expect(bus.events.map((e) => [e.type, 'room' in e ? e.room : (e as { message: ChatMessage }).message.room])).toEqual([
      ['presence', 's'],
      ['message', 's'],
    ]);
    publisher.publish({ type: 'catchUp' });
    expect(bus.events.map((e) => e.type)).toEqual(['presence', 'message', 'presence', 'catchUp']);
    publisher.close();
  });

  it('a room whose presence went out less than PRESENCE_BUSY_MS ago waits for the rest of it; a quiet room does not wait for it', () => {
    vi.useFakeTimers();
    try {
      const { bus, publisher } = setup();
      const joinedNicks = () => bus.events.map((e) => (e.type === 'presence' ? `${e.room}:${e.joined?.nick}` : e.type));
      publisher.announce('r', 1, { joined: ann });
      vi.advanceTimersByTime(PRESENCE_BATCH_MS);
      expect(joinedNicks()).toEqual(['r:ann']);
      publisher.announce('r', 2, { joined: bo });
      publisher.announce('s', 1, { joined: cy });
      vi.advanceTimersByTime(PRESENCE_BATCH_MS);
      expect(joinedNicks()).toEqual(['r:ann', 's:cy']); // r is busy: bo waits
      vi.advanceTimersByTime(PRESENCE_BUSY_MS - PRESENCE_BATCH_MS - 1); // r went out at PRESENCE_BATCH_MS
      expect(joinedNicks()).toEqual(['r:ann', 's:cy']);
      vi.advanceTimersByTime(1);
      expect(joinedNicks()).toEqual(['r:ann', 's:cy', 'r:bo']);
      // An event of the room, or of no room, still sends the busy room's presence first.
      publisher.announce('r', 3, { joined: cy });
      publisher.publish({ type: 'typing', room: 'r', user: cy });
      expect(joinedNicks().slice(-2)).toEqual(['r:cy', 'typing']);
      publisher.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it("a room that grew past the detail limit while its batch waited drops the batch's joins and leaves for the coalesced count; renames still go out", async () => {
    vi.useFakeTimers();
    try {
      const { bus, publisher, presence } = setup(); // presenceDetailLimit 200
      for (let online = 1; online <= 200; online++) {
        const user = { id: `u${online}`, nick: `u${online}` };
        await presence.join('r', user);
        publisher.announce('r', online, { joined: user });
      }
      publisher.publishPresence({ type: 'presence', room: 'r', online: 200, renamed: ann });
      await presence.leave('r', 'u7');
      publisher.announce('r', 199, { left: { id: 'u7', nick: 'u7' } });
      publisher.announce('s', 1, { joined: cy }); // a small room's batch is untouched
      await presence.join('r', ann);
      await presence.join('r', bo);
      publisher.announce('r', 201, { joined: bo }); // over the limit: the room's count is coalesced from here
      vi.advanceTimersByTime(PRESENCE_BATCH_MS);
      expect(bus.events).toEqual([
        { type: 'presence', room: 'r', online: 200, renamed: ann },
        { type: 'presence', room: 's', online: 1, joined: cy },
      ]);
      await vi.advanceTimersByTimeAsync(PRESENCE_COALESCE_MS);
      expect(bus.events.slice(2)).toEqual([{ type: 'presence', room: 'r', online: 201 }]);
      publisher.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it("a large room's count waits a second up to 1,000 members, then a millisecond a member, at most 10 s", () => {
    expect(coalescedCountDelay(201)).toBe(PRESENCE_COALESCE_MS);
    expect(coalescedCountDelay(1000)).toBe(1000);
    expect(coalescedCountDelay(5000)).toBe(5000);
    expect(coalescedCountDelay(1_000_000)).toBe(PRESENCE_COALESCE_MAX_MS);
  });

  it('marks a commit of one message as lone while it is published, and a batch not', () => {
    const { bus, publisher } = setup();
    publisher.publishCommit([message(1)]);
    publisher.publishCommit([message(2), message(3)]);
    expect(bus.lone).toEqual([true, false, false]);
    expect(publisher.publishingLone).toBe(false);
  });

  it('on close, sends the batch at once, and from then on presence leaves without waiting', () => {
    const { bus, publisher } = setup();
    publisher.announce('r', 1, { joined: ann });
    publisher.close();
    expect(bus.events).toHaveLength(1);
    publisher.announce('r', 0, { left: ann });
    expect(bus.events).toEqual([
      { type: 'presence', room: 'r', online: 1, joined: ann },
      { type: 'presence', room: 'r', online: 0, left: ann },
    ]);
  });

  it('announces a leave only when the presence says the user is gone from the room', async () => {
    const { bus, publisher, presence } = setup();
    await presence.join('r', ann);
    await presence.join('r', ann); // a second connection
    publisher.close(); // presence leaves at once from here
    await publisher.leavePresence(ann, 'r');
    expect(bus.events).toEqual([]);
    await publisher.leavePresence(ann, 'r');
    expect(bus.events).toEqual([{ type: 'presence', room: 'r', online: 0, left: ann }]);
  });
});
