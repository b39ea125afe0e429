// The room log across a cluster (Version 1.1, issue 16): edits, reactions, replies, mentions and
// redactions made on one node reach the room's members on the other as `changed` events in seq
// order, a resume from 0 on either node catches up every entry once, and api/me/rooms counts a
// mention made through the other node.
import { describe, expect, it } from 'vitest';
import { isMessage, type ChangedFrame, type ChatMessage, type JoinedFrame, type LogEntry, type ServerFrame, type UpdatedFrame } from '@chat/protocol';
import type { TestClient } from '../helpers.js';
import { servicesAvailable } from '../services.js';
import { connect, connectAccount, join, register, startCluster, TEST_TIMEOUT_MS, useClusterCleanup } from './cluster-harness.js';

const available = await servicesAvailable(['postgres', 'redis']);

useClusterCleanup();

const changedAt = (c: TestClient, seq: number): Promise<ChangedFrame> =>
  c.next<ChangedFrame>((f) => f.type === 'changed' && f.room === 'garden' && f.seq === seq, 10_000);

async function updated(c: TestClient, frame: Record<string, unknown>): Promise<UpdatedFrame> {
  const reply = await c.request<ServerFrame>(frame, 15_000);
  expect(reply.type, JSON.stringify(reply).slice(0, 300)).toBe('updated');
  return reply as UpdatedFrame;
}

describe.skipIf(!available)('cluster: the room log on every node', { timeout: TEST_TIMEOUT_MS }, () => {
  it('a mention, a reaction, an edit, a reply and a redaction made on A or B reach the other node in seq order; a resume from 0 on either has each once', async () => {
    const { nodes } = await startCluster(2);
    const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
    const alice = await register(a, 'alice');
    const bob = await register(b, 'bob');
    const aliceWs = await connectAccount(a, alice);
    const bobWs = await connectAccount(b, bob);
    await join(aliceWs, 'garden');
    await join(bobWs, 'garden');

    const sent = await aliceWs.request<ServerFrame>({ type: 'send', room: 'garden', id: 'm1', text: 'seeds @Bob?' }, 15_000);
    expect(sent.type).toBe('ack');
    const seq = (sent as { seq: number }).seq;
    const heard = await bobWs.next<ChatMessage>((f) => f.type === 'message' && f.room === 'garden' && f.seq === seq, 10_000);
    expect(heard.mentions).toEqual([bob.user.id]);
    const rooms = await fetch(`${a.baseUrl}/api/me/rooms`, { headers: { cookie: bob.cookie } });
    expect(((await rooms.json()) as { rooms: Array<{ name: string; mentions: number }> }).rooms).toContainEqual(
      expect.objectContaining({ name: 'garden', mentions: 1 }),
    );

    const reaction = changedAt(aliceWs, seq + 1);
    expect((await updated(bobWs, { type: 'react', room: 'garden', seq, emoji: '🌱', on: true })).seq).toBe(seq + 1);
    expect((await reaction).message.reactions).toEqual([{ emoji: '🌱', count: 1, users: [bob.user.id] }]);

    const edit = changedAt(bobWs, seq + 2);
    expect((await updated(aliceWs, { type: 'edit', room: 'garden', seq, text: 'seeds, @bob?' })).seq).toBe(seq + 2);
    expect((await edit).message).toMatchObject({ text: 'seeds, @bob?', reactions: [{ emoji: '🌱', count: 1 }], mentions: [bob.user.id] });

    const reply = await bobWs.request<ServerFrame>({ type: 'send', room: 'garden', id: 'r1', text: 'yes', replyTo: seq }, 15_000);
    expect(reply).toMatchObject({ type: 'ack', seq: seq + 3 });
    const replyHeard = await aliceWs.next<ChatMessage>((f) => f.type === 'message' && f.room === 'garden' && f.seq === seq + 3, 10_000);
    expect(replyHeard.replyTo).toEqual({ seq, from: expect.objectContaining({ id: alice.user.id }), text: 'seeds, @bob?' });

    const redaction = changedAt(bobWs, seq + 4);
    expect((await updated(aliceWs, { type: 'redact', room: 'garden', seq })).seq).toBe(seq + 4);
    expect((await redaction).message).toMatchObject({ seq, text: '', deleted: true });

    for (const node of [a, b]) {
      const reader = await connect(node, { nick: 'reader' });
      const joined = (await join(reader, 'garden', 0)) as JoinedFrame & { history: LogEntry[] };
      const entries = joined.history.filter((e) => e.seq >= seq);
      expect(entries.map((e) => [e.seq, e.type])).toEqual([
        [seq, 'message'],
        [seq + 1, 'changed'],
        [seq + 2, 'changed'],
        [seq + 3, 'message'],
        [seq + 4, 'changed'],
      ]);
      // Every entry shows its message as it is now: redacted, and the reply's excerpt "".
      const original = entries[0] as ChatMessage;
      expect(original).toMatchObject({ text: '', deleted: true });
      expect(entries.filter((e): e is ChangedFrame => !isMessage(e)).map((e) => e.message.deleted)).toEqual([true, true, true]);
      expect((entries[3] as ChatMessage).replyTo?.text).toBe('');
      reader.ws.terminate();
    }
  });
});
