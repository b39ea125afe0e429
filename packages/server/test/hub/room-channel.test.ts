import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '@chat/protocol';
import { RoomChannel, type Member } from '../../src/hub/room-channel.js';
import { frameText } from '../../src/hub/shared-frame.js';

const message = (seq: number): ChatMessage => ({
  type: 'message',
  room: 'r',
  seq,
  id: String(seq),
  clientId: `c${seq}`,
  from: { id: 'u', nick: 'u' },
  text: `t${seq}`,
  ts: seq,
});

function member(userId = 'm'): Member & { seqs: number[] } {
  const seqs: number[] = [];
  return { userId, seqs, sendRaw: (data) => void seqs.push((JSON.parse(frameText(data)) as ChatMessage).seq) };
}

function channel(stored: ChatMessage[] = []) {
  const reads: Array<[number, number]> = [];
  const ch = new RoomChannel({
    room: 'r',
    readAfter: async (_room, after, limit) => {
      reads.push([after, limit]);
      const messages = stored.filter((m) => m.seq > after).slice(0, limit);
      return { messages, hasMore: stored.some((m) => m.seq > (messages.at(-1)?.seq ?? after)) };
    },
    onError: (err) => {
      throw err;
    },
  });
  return { ch, reads };
}

describe('RoomChannel', () => {
  it('delivers in order to joined members and drops duplicates', () => {
    const { ch } = channel();
    const a = member();
    ch.beginJoin(a);
    expect(ch.completeJoin(a, 0)).toEqual([]);
    for (const seq of [1, 2, 2, 1, 3]) ch.onMessage(message(seq));
    expect(a.seqs).toEqual([1, 2, 3]);
  });

  it('buffers live messages during a join and hands over only those newer than the history', () => {
    const { ch } = channel();
    const old = member('old');
    ch.beginJoin(old);
    ch.completeJoin(old, 4);
    const joiner = member('new');
    ch.beginJoin(joiner);
    ch.onMessage(message(5));
    ch.onMessage(message(6));
    expect(joiner.seqs).toEqual([]); // nothing before `joined`
    // The joiner's history already covered up to 5: only 6 is handed over.
    expect(ch.completeJoin(joiner, 5).map((m) => m.seq)).toEqual([6]);
    ch.onMessage(message(7));
    expect(joiner.seqs).toEqual([7]);
    expect(old.seqs).toEqual([5, 6, 7]);
  });

  it('does not resend to a member what its joined reply already held', () => {
    const { ch } = channel();
    const a = member('a');
    ch.beginJoin(a);
    ch.completeJoin(a, 0);
    const b = member('b');
    ch.beginJoin(b);
    // b's history was read after message 1 was stored but before the bus delivered it here.
    ch.completeJoin(b, 1);
    ch.onMessage(message(1));
    expect(a.seqs).toEqual([1]);
    expect(b.seqs).toEqual([]);
  });

  it('reads a gap from the store when the bus skipped messages, then continues in order', async () => {
    const stored = [1, 2, 3, 4, 5].map(message);
    const { ch, reads } = channel(stored);
    const a = member();
    ch.beginJoin(a);
    ch.completeJoin(a, 1);
    ch.onMessage(message(4)); // 2 and 3 were dropped by the bus
    ch.onMessage(message(5));
    await new Promise((r) => setImmediate(r));
    expect(reads).toEqual([[1, 2]]);
    expect(a.seqs).toEqual([2, 3, 4, 5]);
  });

  it('is empty once every member left', () => {
    const { ch } = channel();
    const a = member();
    ch.beginJoin(a);
    expect(ch.isEmpty).toBe(false);
    ch.remove(a);
    expect(ch.isEmpty).toBe(true);
  });
  it('catches up on the tail after a bus outage, where no later message reveals the gap', async () => {
    const stored = [1, 2, 3, 4, 5].map(message);
    const { ch } = channel(stored);
    const a = member();
    ch.beginJoin(a);
    ch.completeJoin(a, 0);
    ch.onMessage(message(1));
    ch.onMessage(message(2)); // 3, 4 and 5 were lost on the bus
    ch.catchUp();
    await new Promise((r) => setTimeout(r, 10));
    expect(a.seqs).toEqual([1, 2, 3, 4, 5]);
  });

  it('runs a catch-up asked for during a gap read once the gap is filled', async () => {
    const stored = [1, 2, 3, 4, 5, 6].map(message);
    const { ch } = channel(stored);
    const a = member();
    ch.beginJoin(a);
    ch.completeJoin(a, 0);
    ch.onMessage(message(1));
    ch.onMessage(message(4)); // gap 2..3 is read
    ch.catchUp(); // 5 and 6 were lost too
    await new Promise((r) => setTimeout(r, 10));
    expect(a.seqs).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
