// The server's list of the user's rooms in the client (src/lib/room-list.ts adopt, chat-client.ts
// syncRooms): the first answer on a page decides the sidebar before the joins, later ones only
// add; DMs started by others arrive at once; read markers go out as rooms are read and come back
// from other devices.
import { describe, expect, it, vi } from 'vitest';
import type { ServerFrame, User } from '@chat/protocol';
import type { AccountHooks, ListedRoom } from '../../src/lib/chat-client.js';
import type { FakeSocket } from '../fakes.js';
import { clientFixture, settle, T0, useFakeTimers } from './client-harness.js';

const ALICE: User = { id: 'u-alice', nick: 'alice', account: true };
const BOB: User = { id: 'u-bob', nick: 'bob', account: true };
const DM_ROOM = 'dm-0123456789abcdef0123456789abcdef';

useFakeTimers();

const listed = (name: string, extras: Partial<ListedRoom> = {}): ListedRoom => ({
  name,
  kind: 'public',
  lastSeq: 0,
  readSeq: 0,
  unread: 0,
  mentions: 0,
  notify: 'mentions',
  ...extras,
});

function signedIn(lists: Array<ListedRoom[] | null>, storage?: NonNullable<Parameters<typeof clientFixture>[0]>['storage']) {
  const myRooms = vi.fn(async () => (lists.length > 1 ? lists.shift()! : lists[0]!));
  const hooks: AccountHooks = { sessionValid: async () => true, guestsAllowed: async () => true, rooms: async () => [], myRooms };
  const f = clientFixture({ accounts: hooks, ...(storage ? { storage } : {}) });
  f.client.signedIn(ALICE);
  return Object.assign(f, { myRooms });
}

function welcomeOn(socket: FakeSocket): void {
  socket.open();
  socket.receive({ type: 'welcome', protocol: 1, user: ALICE, online: 1, serverTime: T0 });
}

const joins = (socket: FakeSocket) => socket.ofType('join').map((j) => j.room);

function answerJoins(socket: FakeSocket, seqs: Record<string, number> = {}): void {
  for (const join of socket.ofType('join')) {
    const room = String(join.room);
    const frame: ServerFrame = { type: 'joined', room, seq: seqs[room] ?? 0, online: 1, members: [ALICE], history: [], hasMore: false, ref: join.ref as string };
    socket.receive(frame);
  }
}

describe("the user's rooms from the server", () => {
  it('the first list on a page decides the sidebar before anything is joined: DMs named, unread taken, rooms left elsewhere dropped', async () => {
    const f = signedIn([[listed('lobby'), listed('design', { unread: 4, lastSeq: 9, readSeq: 5 }), listed(DM_ROOM, { kind: 'dm', notify: 'all', peer: BOB })]]);
    f.client.openRoom('old-room'); // held by this browser, left on another device
    f.client.activate('lobby');
    welcomeOn(f.socket);
    expect(joins(f.socket)).toEqual([]); // waits for the list
    await settle();
    expect(f.state.roomOrder).toEqual(['lobby', 'design', DM_ROOM]);
    expect(joins(f.socket)).toEqual(['lobby', 'design', DM_ROOM]);
    expect(f.room(DM_ROOM).peer).toBe('bob');
    expect(f.room(DM_ROOM).kind).toBe('dm');
    expect(f.room('design').unread).toBe(4);
  });

  it('an empty list (a server that kept none yet) or no answer keeps what this browser holds', async () => {
    const f = signedIn([[]]);
    f.client.openRoom('kept');
    welcomeOn(f.socket);
    await settle();
    expect(f.state.roomOrder).toEqual(['lobby', 'kept']);
    expect(joins(f.socket)).toEqual(['lobby', 'kept']);

    const g = signedIn([null]);
    g.client.openRoom('kept');
    welcomeOn(g.socket);
    await settle();
    expect(joins(g.socket)).toEqual(['lobby', 'kept']);
  });

  it('a reconnect resumes at once and the list only adds rooms', async () => {
    const f = signedIn([[listed('lobby')], [listed('lobby'), listed('new-elsewhere')]]);
    welcomeOn(f.socket);
    await settle();
    f.client.openRoom('mine-here');
    answerJoins(f.socket);
    f.socket.drop();
    await vi.advanceTimersByTimeAsync(10_000);
    welcomeOn(f.socket);
    // The resume goes out before the list is asked.
    expect(joins(f.socket)).toEqual(['lobby', 'mine-here']);
    await settle();
    expect(joins(f.socket)).toEqual(['lobby', 'mine-here', 'new-elsewhere']);
    expect(f.state.roomOrder).toEqual(['lobby', 'mine-here', 'new-elsewhere']);
  });

  it('a DM started by someone else is held, named and joined at once', async () => {
    const f = signedIn([[listed('lobby')]]);
    welcomeOn(f.socket);
    await settle();
    answerJoins(f.socket);
    f.socket.receive({ type: 'invitation', room: DM_ROOM, by: BOB, kind: 'dm' });
    expect(f.state.roomOrder).toEqual(['lobby', DM_ROOM]);
    expect(f.room(DM_ROOM).peer).toBe('bob');
    expect(joins(f.socket)).toEqual(['lobby', DM_ROOM]);
    expect(f.state.notice).toBeNull();
    // A message in it counts as unread (it is not the active room).
    answerJoins(f.socket);
    f.socket.receive({ type: 'message', room: DM_ROOM, seq: 1, id: 'm1', clientId: 'c1', from: BOB, text: 'hi', ts: T0 });
    expect(f.room(DM_ROOM).unread).toBe(1);
  });

  it('reading a room sends its marker; a marker from another device clears the badge', async () => {
    const f = signedIn([[listed('lobby'), listed('design')]]);
    welcomeOn(f.socket);
    await settle();
    answerJoins(f.socket, { lobby: 0, design: 0 });
    f.socket.receive({ type: 'message', room: 'design', seq: 1, id: 'm1', clientId: 'c1', from: BOB, text: 'one', ts: T0 });
    f.socket.receive({ type: 'message', room: 'design', seq: 2, id: 'm2', clientId: 'c2', from: BOB, text: 'two', ts: T0 });
    expect(f.room('design').unread).toBe(2);
    expect(f.socket.ofType('read')).toEqual([]);

    f.client.activate('design');
    expect(f.socket.ofType('read')).toEqual([expect.objectContaining({ room: 'design', seq: 2 })]);
    // While it is on screen, new messages are marked read within a second, once.
    f.socket.receive({ type: 'message', room: 'design', seq: 3, id: 'm3', clientId: 'c3', from: BOB, text: 'three', ts: T0 });
    f.socket.receive({ type: 'message', room: 'design', seq: 4, id: 'm4', clientId: 'c4', from: BOB, text: 'four', ts: T0 });
    await vi.advanceTimersByTimeAsync(1000);
    expect(f.socket.ofType('read').map((r) => r.seq)).toEqual([2, 4]);

    f.client.activate('lobby');
    f.socket.receive({ type: 'message', room: 'design', seq: 5, id: 'm5', clientId: 'c5', from: BOB, text: 'five', ts: T0 });
    expect(f.room('design').unread).toBe(1);
    f.socket.receive({ type: 'read', room: 'design', seq: 5 });
    expect(f.room('design').unread).toBe(0);
  });
});
