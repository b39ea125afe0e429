// Unread counts as `message` and `joined` bring others' messages (src/lib/frames/message-frames.ts),
// and how they drop as messages are seen (RoomList.seen, src/lib/read-state.ts).
import { describe, expect, it } from 'vitest';
import { ALICE, BOB, joined, message, onlineAsAlice, useFakeTimers, withRef } from '../client-harness.js';

useFakeTimers();

describe('unread counts', () => {
  function twoRooms() {
    const h = onlineAsAlice();
    h.client.openRoom('general');
    h.socket.receive(withRef(h.socket.last('join'), joined('general', { members: [ALICE, BOB] })));
    h.client.activate('lobby');
    return h;
  }

  it('grow for messages in any room until they are seen; activating a room alone reads nothing', () => {
    const h = twoRooms();
    h.socket.receive(message(1, BOB, 'psst', 'b-1', 'general'));
    h.socket.receive(message(2, BOB, 'psst', 'b-2', 'general'));
    h.socket.receive(message(2, BOB, 'psst', 'b-2', 'general')); // a duplicate is not news
    h.socket.receive(message(1, BOB, 'hi', 'b-1', 'lobby'));
    expect(h.room('general').unread).toBe(2);
    expect(h.room('lobby').unread).toBe(1); // the active room too: the list has not shown it yet
    h.client.seen('lobby', 1);
    expect(h.room('lobby').unread).toBe(0);

    h.client.activate('general');
    expect(h.state.activeRoom).toBe('general');
    expect(h.room('general').unread).toBe(2);
    h.client.seen('general', 1);
    expect(h.room('general').unread).toBe(1);
    h.client.seen('general', 2);
    expect(h.room('general').unread).toBe(0);
    expect(h.socket.ofType('read').map((r) => [r.room, r.seq])).toEqual([
      ['lobby', 1],
      ['general', 1],
    ]); // general's 2 waits out the second since its last read
  });

  it('markRead reads everything held', () => {
    const h = twoRooms();
    h.socket.receive(message(1, BOB, 'psst', 'b-1', 'general'));
    h.socket.receive(message(2, BOB, 'psst', 'b-2', 'general'));
    h.client.markRead('general');
    expect(h.room('general').unread).toBe(0);
    expect(h.socket.last('read')).toMatchObject({ room: 'general', seq: 2 });
  });

  it('never count my own messages', () => {
    const h = twoRooms();
    h.client.setHidden(true);
    h.socket.receive(message(1, ALICE, 'from my other tab', 'a-1', 'general'));
    h.socket.receive(message(1, ALICE, 'from my other tab', 'a-1', 'lobby'));
    expect(h.room('general').unread).toBe(0);
    expect(h.room('lobby').unread).toBe(0);
  });

  it("my own message reads what came before it (the server raised my marker when I sent it)", () => {
    const h = twoRooms();
    h.socket.receive(message(1, BOB, 'psst', 'b-1', 'general'));
    h.socket.receive(message(2, BOB, 'psst', 'b-2', 'general'));
    h.socket.receive(message(3, ALICE, 'answered from my phone', 'a-3', 'general'));
    h.socket.receive(message(4, BOB, 'thanks', 'b-4', 'general'));
    expect(h.room('general').unread).toBe(1);
    expect(h.room('general').readSeq).toBe(3);
    expect(h.socket.ofType('read')).toEqual([]); // the server knows
  });
});
