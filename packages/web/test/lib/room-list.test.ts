// The rooms held (src/lib/room-list.ts): open, persist, join, close, and paging back with loadOlder.
import { describe, expect, it, vi } from 'vitest';
import { ALICE, BOB, harness, joined, message, onlineAsAlice, range, useFakeTimers, welcome, withRef } from './client-harness.js';

useFakeTimers();

describe('rooms', () => {
  it('openRoom adds, persists, joins when online and activates the room', () => {
    const h = onlineAsAlice();
    h.client.openRoom('general');
    expect(h.state.roomOrder).toEqual(['lobby', 'general']);
    expect(h.state.activeRoom).toBe('general');
    const join = h.socket.last('join');
    expect(join).toMatchObject({ type: 'join', room: 'general' });
    expect(join).not.toHaveProperty('since');
    h.socket.receive(withRef(join, joined('general', { seq: 2, history: range(1, 2, BOB, 'general'), members: [BOB, ALICE] })));
    expect(h.room('general').joined).toBe(true);
    expect(h.seqs('general')).toEqual([1, 2]);

    // Opening it again only activates it.
    h.client.activate('lobby');
    h.client.openRoom('general');
    expect(h.socket.ofType('join')).toHaveLength(2);
    expect(h.state.roomOrder).toEqual(['lobby', 'general']);
    expect(h.state.activeRoom).toBe('general');

    const reload = harness({ storage: h.storage });
    expect(reload.state.roomOrder).toEqual(['lobby', 'general']);
    expect(reload.state.activeRoom).toBe('general');
  });

  // Rooms were once a plain object, so `constructor` (a valid room name) was found on
  // Object.prototype: never added, never joined, its messages lost. Names that are not room names
  // on the wire (`__proto__`, `hasOwnProperty`) may still come from storage or a bad link.
  it('rooms named after Object.prototype members are ordinary rooms', () => {
    const names = ['constructor', 'tostring', '__proto__', 'hasOwnProperty', 'valueOf'];
    const h = onlineAsAlice();
    for (const name of names) {
      h.client.openRoom(name);
      const join = h.socket.last('join');
      expect(join).toMatchObject({ type: 'join', room: name });
      h.socket.receive(withRef(join, joined(name, { seq: 1, history: range(1, 1, BOB, name), members: [BOB, ALICE] })));
      expect(h.room(name).joined).toBe(true);
      expect(h.seqs(name)).toEqual([1]);
      h.socket.receive(message(2, BOB, 'later', 'b-later', name));
      expect(h.seqs(name)).toEqual([1, 2]);
    }
    expect(h.state.roomOrder).toEqual(['lobby', ...names]);
    expect(h.state.activeRoom).toBe('valueOf');
    expect(Object.getPrototypeOf({})).toBe(Object.prototype); // nothing was polluted
    // A reload restores them from storage as rooms too, with no peer made up from the prototype.
    const reload = harness({ storage: h.storage });
    expect(reload.state.roomOrder).toEqual(['lobby', ...names]);
    for (const name of names) expect(reload.room(name).peer).toBeNull();
    reload.client.closeRoom('constructor');
    expect(reload.state.roomOrder).toEqual(['lobby', ...names.slice(1)]);
  });

  it('openRoom while offline joins the room after the next welcome', async () => {
    const h = onlineAsAlice();
    h.socket.drop();
    h.client.openRoom('general');
    expect(h.state.activeRoom).toBe('general');
    await vi.advanceTimersByTimeAsync(1000);
    h.socket.open();
    h.socket.receive(welcome());
    const joins = h.socket.ofType('join');
    expect(joins.map((j) => j.room)).toEqual(['lobby', 'general']);
    expect(joins[1]).not.toHaveProperty('since');
  });

  it('closeRoom sends leave and forgets the room; the lobby cannot be closed', () => {
    const h = onlineAsAlice();
    h.client.openRoom('general');
    h.socket.receive(withRef(h.socket.last('join'), joined('general')));
    h.client.closeRoom('general');
    expect(h.socket.last('leave')).toMatchObject({ type: 'leave', room: 'general' });
    expect(h.state.rooms.get('general')).toBeUndefined();
    expect(h.state.roomOrder).toEqual(['lobby']);
    expect(h.state.activeRoom).toBe('lobby');
    const reload = harness({ storage: h.storage });
    expect(reload.state.roomOrder).toEqual(['lobby']);
    expect(reload.state.activeRoom).toBe('lobby');

    h.client.closeRoom('lobby');
    expect(h.socket.ofType('leave')).toHaveLength(1);
    expect(h.state.rooms.get('lobby')).toBeDefined();
    expect(h.state.roomOrder).toEqual(['lobby']);
  });

  it('closing a room drops its unsent messages from storage too', () => {
    const h = onlineAsAlice();
    h.client.openRoom('general');
    h.client.send('general', 'never sent'); // not joined yet: stays in the outbox
    expect(h.storage.dump()).toContain('never sent');
    h.client.closeRoom('general');
    expect(h.storage.dump()).not.toContain('never sent');
  });
});

describe('loadOlder', () => {
  it('asks for history before the oldest seq held; the reply prepends and sets hasOlder', () => {
    const h = onlineAsAlice({ seq: 100, history: range(51, 100), hasMore: true });
    h.client.loadOlder('lobby');
    expect(h.room().loadingOlder).toBe(true);
    const request = h.socket.last('history');
    expect(request).toMatchObject({ type: 'history', room: 'lobby', before: 51 });
    expect(request).not.toHaveProperty('after');

    h.client.loadOlder('lobby'); // already loading
    expect(h.socket.ofType('history')).toHaveLength(1);

    h.socket.receive(withRef(request, { type: 'history', room: 'lobby', messages: range(21, 50), hasMore: true }));
    expect(h.seqs()).toEqual(range(21, 100).map((m) => m.seq));
    expect(h.room().loadingOlder).toBe(false);
    expect(h.room().hasOlder).toBe(true);
    expect(h.room().lastSeq).toBe(100);
    expect(h.room().unread).toBe(0);

    h.client.loadOlder('lobby');
    const next = h.socket.last('history');
    expect(next.before).toBe(21);
    h.socket.receive(withRef(next, { type: 'history', room: 'lobby', messages: range(1, 20), hasMore: false }));
    expect(h.seqs()).toEqual(range(1, 100).map((m) => m.seq));
    expect(h.room().hasOlder).toBe(false);

    h.client.loadOlder('lobby'); // nothing older exists
    expect(h.socket.ofType('history')).toHaveLength(2);
  });

  it('does nothing while offline or without older messages', () => {
    const none = onlineAsAlice({ seq: 3, history: range(1, 3), hasMore: false });
    none.client.loadOlder('lobby');
    expect(none.socket.ofType('history')).toEqual([]);

    const h = onlineAsAlice({ seq: 100, history: range(51, 100), hasMore: true });
    h.socket.drop();
    h.client.loadOlder('lobby');
    expect(h.room().loadingOlder).toBe(false);
  });

  it('an error answering it ends the loading state', () => {
    const h = onlineAsAlice({ seq: 100, history: range(51, 100), hasMore: true });
    h.client.loadOlder('lobby');
    h.socket.receive(withRef(h.socket.last('history'), { type: 'error', code: 'internal', message: 'the server failed' }));
    expect(h.room().loadingOlder).toBe(false);
    h.client.loadOlder('lobby');
    expect(h.socket.ofType('history')).toHaveLength(2);
  });

  // Regression: a connection that drops while a page of older history is requested leaves
  // loadingOlder true forever, so scrolling up never loads anything again.
  it('works again after the connection dropped during a request', async () => {
    const h = onlineAsAlice({ seq: 100, history: range(51, 100), hasMore: true });
    h.client.loadOlder('lobby');
    h.socket.drop();
    await vi.advanceTimersByTimeAsync(1000);
    h.connect({ joined: { lobby: { seq: 100 } } });
    h.client.loadOlder('lobby');
    expect(h.socket.ofType('history')).toEqual([expect.objectContaining({ room: 'lobby', before: 51 })]);
  });
});
