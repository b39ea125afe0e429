// `presence` and `typing` (src/lib/frames/presence-frames.ts), and typing() going out.
import { describe, expect, it } from 'vitest';
import type { User } from '@chat/protocol';
import { ALICE, BOB, message, onlineAsAlice, useFakeTimers } from '../client-harness.js';

useFakeTimers();

describe('presence', () => {
  it('joined / left / renamed update members and online', () => {
    const h = onlineAsAlice({ members: [ALICE], online: 1 });
    h.socket.receive({ type: 'presence', room: 'lobby', online: 2, joined: BOB });
    expect(h.room().members).toEqual([ALICE, BOB]);
    expect(h.room().online).toBe(2);
    h.socket.receive({ type: 'presence', room: 'lobby', online: 2, joined: BOB }); // not twice
    expect(h.room().members).toEqual([ALICE, BOB]);

    h.socket.receive({ type: 'presence', room: 'lobby', online: 2, renamed: { id: BOB.id, nick: 'bobby' } });
    expect(h.room().members).toEqual([ALICE, { id: BOB.id, nick: 'bobby' }]);
    expect(h.state.me).toEqual(ALICE);

    h.socket.receive({ type: 'presence', room: 'lobby', online: 1, left: { id: BOB.id, nick: 'bobby' } });
    expect(h.room().members).toEqual([ALICE]);
    expect(h.room().online).toBe(1);
  });

  it('renamed for me updates state.me', () => {
    const h = onlineAsAlice({ members: [ALICE, BOB], online: 2 });
    h.socket.receive({ type: 'presence', room: 'lobby', online: 2, renamed: { id: ALICE.id, nick: 'alicia' } });
    expect(h.state.me).toEqual({ id: ALICE.id, nick: 'alicia' });
    expect(h.room().members).toEqual([{ id: ALICE.id, nick: 'alicia' }, BOB]);
  });

  it('a coalesced presence (online only) updates the count and leaves members alone', () => {
    const h = onlineAsAlice({ members: [ALICE, BOB], online: 2 });
    h.socket.receive({ type: 'presence', room: 'lobby', online: 250 });
    expect(h.room().online).toBe(250);
    expect(h.room().members).toEqual([ALICE, BOB]);
  });
});

describe('typing', () => {
  it('shows a typing user for 5 s', () => {
    const h = onlineAsAlice();
    h.socket.receive({ type: 'typing', room: 'lobby', user: BOB });
    expect(h.client.typingUsers('lobby')).toEqual([BOB]);
    h.clock.now += 4_999;
    expect(h.client.typingUsers('lobby')).toEqual([BOB]);
    h.clock.now += 1;
    expect(h.client.typingUsers('lobby')).toEqual([]);
  });

  it('a new typing event extends it, once per user', () => {
    const h = onlineAsAlice();
    h.socket.receive({ type: 'typing', room: 'lobby', user: BOB });
    h.clock.now += 3_000;
    h.socket.receive({ type: 'typing', room: 'lobby', user: BOB });
    expect(h.client.typingUsers('lobby')).toEqual([BOB]);
    h.clock.now += 4_000;
    expect(h.client.typingUsers('lobby')).toEqual([BOB]);
  });

  it("is cleared by that user's message, not by someone else's", () => {
    const h = onlineAsAlice();
    const carol: User = { id: 'carol-id', nick: 'carol' };
    h.socket.receive({ type: 'typing', room: 'lobby', user: BOB });
    h.socket.receive({ type: 'typing', room: 'lobby', user: carol });
    h.socket.receive(message(1, carol, 'hi', 'c-1'));
    expect(h.client.typingUsers('lobby')).toEqual([BOB]);
    h.socket.receive(message(2, BOB, 'hi', 'b-2'));
    expect(h.client.typingUsers('lobby')).toEqual([]);
  });

  it('typing() sends at most every 3 s, per room, and only when joined', () => {
    const h = onlineAsAlice();
    h.client.typing('lobby');
    expect(h.socket.ofType('typing')).toEqual([expect.objectContaining({ type: 'typing', room: 'lobby' })]);
    h.clock.now += 2_999;
    h.client.typing('lobby');
    expect(h.socket.ofType('typing')).toHaveLength(1);
    h.clock.now += 1;
    h.client.typing('lobby');
    expect(h.socket.ofType('typing')).toHaveLength(2);

    h.client.typing('nowhere');
    h.socket.drop();
    h.clock.now += 10_000;
    h.client.typing('lobby'); // offline: nothing, and no throw
    expect(h.socket.ofType('typing')).toHaveLength(2);
  });

  it('after a message of ours, the next keystroke sends typing at once (a quick reply)', () => {
    const h = onlineAsAlice();
    h.client.typing('lobby');
    h.client.send('lobby', 'first');
    h.clock.now += 500;
    h.client.typing('lobby');
    expect(h.socket.ofType('typing')).toHaveLength(2);
    h.client.typing('lobby');
    expect(h.socket.ofType('typing')).toHaveLength(2);
  });

  it('typing indicators are dropped when the connection drops', () => {
    const h = onlineAsAlice();
    h.socket.receive({ type: 'typing', room: 'lobby', user: BOB });
    h.socket.drop();
    expect(h.client.typingUsers('lobby')).toEqual([]);
  });
});
