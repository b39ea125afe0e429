// Cluster delivery (docs/scaling.md): real server processes on one PostgreSQL schema and
// one Redis prefix. A message sent on any node reaches every member connection on every node once,
// in seq order; per-room seqs are gap-free and unique cluster-wide; an ack means stored.
import { describe, expect, it } from 'vitest';
import type { AckFrame, ServerFrame } from '@chat/protocol';
import { sendMany } from '../helpers.js';
import { servicesAvailable } from '../services.js';
import {
  connect,
  join,
  messagesOf,
  oneTo,
  order,
  sendAcked,
  startCluster,
  storedMessages,
  TEST_TIMEOUT_MS,
  useClusterCleanup,
  waitForSeq,
} from './cluster-harness.js';

const available = await servicesAvailable(['postgres', 'redis']);

useClusterCleanup();

describe.skipIf(!available)('cluster: delivery across nodes', { timeout: TEST_TIMEOUT_MS }, () => {
  it('a message sent on A reaches every client on B once, with the seq its ack carries; the ack means stored', async () => {
    const { nodes } = await startCluster(2);
    const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
    const room = 'cross';
    const sender = await connect(a, { nick: 'sender' });
    const onA = await connect(a, { nick: 'a-reader' });
    const onB1 = await connect(b, { nick: 'b-reader-1' });
    const onB2 = await connect(b, { nick: 'b-reader-2' });
    for (const c of [sender, onA, onB1, onB2]) await join(c, room);

    const first = await sendAcked(sender, room, 'm1', 'hello from A');
    expect(first.seq).toBe(1);
    // Acked means committed: a reader on the other node finds it in the store right away.
    const stored = await storedMessages(b, room);
    expect(stored.map((m) => [m.seq, m.id, m.clientId, m.text, m.from.id])).toEqual([[1, first.msgId, 'm1', 'hello from A', sender.welcome.user.id]]);

    // B's clients send too, and A's get it: both directions.
    const second = await sendAcked(onB1, room, 'm2', 'hello from B');
    expect(second.seq).toBe(2);
    const third = await sendAcked(sender, room, 'm3', 'again from A');
    expect(third.seq).toBe(3);

    const acks = [first, second, third];
    for (const [who, c] of Object.entries({ sender, onA, onB1, onB2 })) {
      await waitForSeq(c, room, 3, 15_000, who);
      // Exactly once each, in seq order, with the ids the acks gave.
      expect(
        messagesOf(c, room).map((m) => [m.seq, m.id, m.clientId]),
        who,
      ).toEqual(acks.map((ack) => [ack.seq, ack.msgId, ack.id]));
    }
    expect(messagesOf(onB2, room)[0]).toMatchObject({ text: 'hello from A', from: sender.welcome.user });
    // The stored history agrees with what was delivered, read from node A this time.
    expect(order(await storedMessages(a, room))).toEqual(order(messagesOf(onB2, room)));
  });

  it('one agreed order: 3 nodes, 2 senders each, 50 concurrent sends per sender -> every connection sees the same gap-free sequence', async () => {
    const { nodes } = await startCluster(3);
    const room = 'agreed';
    const PER_SENDER = 50;
    const senders = [];
    for (const [n, node] of nodes.entries()) {
      for (let k = 0; k < 2; k++) senders.push(await connect(node, { nick: `s${n}-${k}` }));
    }
    // A listener per node that never sends.
    const listeners = [];
    for (const [n, node] of nodes.entries()) listeners.push(await connect(node, { nick: `l${n}` }));
    const everyone = [...senders, ...listeners];
    for (const c of everyone) await join(c, room);

    // All at once: every sender fires its 50 sends without waiting.
    const replies = await Promise.all(senders.map((c, i) => sendMany(c, room, PER_SENDER, { prefix: `c${i}-` })));
    const total = senders.length * PER_SENDER;
    const acks = new Map<string, AckFrame>(); // `${userId}/${clientId}` -> ack
    for (const [i, list] of replies.entries()) {
      for (const reply of list as ServerFrame[]) {
        expect(reply.type, JSON.stringify(reply).slice(0, 300)).toBe('ack');
        acks.set(`${senders[i]!.welcome.user.id}/${(reply as AckFrame).id}`, reply as AckFrame);
      }
    }
    expect(acks.size).toBe(total);
    // The acked seqs are exactly 1..total, each once.
    expect([...acks.values()].map((a) => a.seq).sort((x, y) => x - y)).toEqual(oneTo(total));

    for (const [i, c] of everyone.entries()) await waitForSeq(c, room, total, 20_000, `connection ${i}`);
    // Nothing more trails in: a marker after everything, and then each connection's stream is whole.
    const marker = await sendAcked(listeners[0]!, room, 'marker');
    expect(marker.seq).toBe(total + 1);
    for (const [i, c] of everyone.entries()) await waitForSeq(c, room, total + 1, 15_000, `connection ${i}`);

    const reference = messagesOf(everyone[0]!, room);
    expect(reference.map((m) => m.seq), 'gap-free, no duplicates').toEqual(oneTo(total + 1));
    for (const m of reference.slice(0, total)) {
      const ack = acks.get(`${m.from.id}/${m.clientId}`);
      expect(ack, `message ${m.seq} was not acked`).toBeDefined();
      expect([ack!.seq, ack!.msgId, ack!.ts]).toEqual([m.seq, m.id, m.ts]);
    }
    for (const [i, c] of everyone.entries()) {
      expect(order(messagesOf(c, room)), `connection ${i}`).toEqual(order(reference));
    }
    // And the store holds that very order.
    expect(order(await storedMessages(nodes[2]!, room))).toEqual(order(reference));
  });
});
