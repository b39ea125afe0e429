// A room's messages in seq order (src/lib/timeline.ts): repeats, gaps, frames for unknown rooms.
import { describe, expect, it } from 'vitest';
import { BOB, message, onlineAsAlice, range, useFakeTimers } from './client-harness.js';

useFakeTimers();

describe('message events', () => {
  it('append in seq order; a repeated seq is ignored', () => {
    const h = onlineAsAlice({ seq: 2, history: range(1, 2) });
    h.socket.receive(message(3));
    h.socket.receive(message(4));
    h.socket.receive(message(4));
    h.socket.receive(message(3));
    h.socket.receive(message(2));
    expect(h.seqs()).toEqual([1, 2, 3, 4]);
    expect(h.room().lastSeq).toBe(4);
  });

  it('a message arriving out of order is inserted by seq, and lastSeq only covers contiguous seqs', () => {
    const h = onlineAsAlice({ seq: 2, history: range(1, 2) });
    h.socket.receive(message(4));
    expect(h.room().lastSeq).toBe(2);
    h.socket.receive(message(3));
    expect(h.seqs()).toEqual([1, 2, 3, 4]);
    expect(h.room().lastSeq).toBe(4);
  });

  it('ignores frames for rooms it does not hold, unknown types and bad JSON', () => {
    const h = onlineAsAlice();
    h.socket.receive(message(1, BOB, 'elsewhere', 'b-1', 'general'));
    h.socket.receive({ type: 'something_new', room: 'lobby' });
    h.socket.onmessage?.({ data: 'not json' });
    expect(h.state.rooms.get('general')).toBeUndefined();
    expect(h.room().messages).toEqual([]);
    expect(h.state.status).toBe('online');
  });
});
