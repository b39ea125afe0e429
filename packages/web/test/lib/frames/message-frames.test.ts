// Unread counts as `message` and `joined` bring others' messages (src/lib/frames/message-frames.ts).
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

  it('grow for messages in rooms that are not active, and activate() clears them', () => {
    const h = twoRooms();
    h.socket.receive(message(1, BOB, 'psst', 'b-1', 'general'));
    h.socket.receive(message(2, BOB, 'psst', 'b-2', 'general'));
    h.socket.receive(message(2, BOB, 'psst', 'b-2', 'general')); // a duplicate is not news
    h.socket.receive(message(1, BOB, 'hi', 'b-1', 'lobby'));
    expect(h.room('general').unread).toBe(2);
    expect(h.room('lobby').unread).toBe(0);

    h.client.activate('general');
    expect(h.state.activeRoom).toBe('general');
    expect(h.room('general').unread).toBe(0);
  });

  it('grow in the active room too while the page is hidden; setHidden(false) clears the active room', () => {
    const h = twoRooms();
    h.client.setHidden(true);
    expect(h.state.hidden).toBe(true);
    h.socket.receive(message(1, BOB, 'hi', 'b-1', 'lobby'));
    h.socket.receive(message(1, BOB, 'hi', 'b-1', 'general'));
    expect(h.room('lobby').unread).toBe(1);
    expect(h.room('general').unread).toBe(1);

    h.client.setHidden(false);
    expect(h.room('lobby').unread).toBe(0);
    expect(h.room('general').unread).toBe(1); // still unread: not the active room
  });

  it('never count my own messages', () => {
    const h = twoRooms();
    h.client.setHidden(true);
    h.socket.receive(message(1, ALICE, 'from my other tab', 'a-1', 'general'));
    h.socket.receive(message(1, ALICE, 'from my other tab', 'a-1', 'lobby'));
    expect(h.room('general').unread).toBe(0);
    expect(h.room('lobby').unread).toBe(0);
  });
});
