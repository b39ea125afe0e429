// The server's list of the user's rooms in the client (src/lib/room-list.ts adopt, chat-client.ts
// syncRooms): the first answer on a page decides the sidebar before the joins, later ones only
// add; DMs started by others arrive at once; read markers go out as rooms are read and come back
// from other devices.
import { describe, expect, it, vi } from 'vitest';
import type { ChatMessage, ServerFrame, User } from '@chat/protocol';
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

type JoinedExtras = Partial<Extract<ServerFrame, { type: 'joined' }>>;

function answerJoins(socket: FakeSocket, seqs: Record<string, number> = {}, extras: Record<string, JoinedExtras> = {}): void {
  for (const join of socket.ofType('join')) {
    const room = String(join.room);
    const frame: ServerFrame = { type: 'joined', room, seq: seqs[room] ?? 0, online: 1, members: [ALICE], history: [], hasMore: false, ref: join.ref as string, ...extras[room] };
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

  it('what is seen sends the marker, at most once a second; a marker from another device lowers the counts', async () => {
    const f = signedIn([[listed('lobby'), listed('design')]]);
    welcomeOn(f.socket);
    await settle();
    answerJoins(f.socket, { lobby: 0, design: 0 });
    f.socket.receive(msg('design', 1));
    f.socket.receive(msg('design', 2));
    expect(f.room('design').unread).toBe(2);
    f.client.activate('design');
    expect(f.socket.ofType('read')).toEqual([]); // opening it reads nothing: seeing does

    f.client.seen('design', 2);
    expect(f.room('design').unread).toBe(0);
    expect(f.socket.ofType('read')).toEqual([expect.objectContaining({ room: 'design', seq: 2 })]);
    // Seen within the second: one more `read`, with the newest, when the second is over.
    f.socket.receive(msg('design', 3));
    f.socket.receive(msg('design', 4));
    f.client.seen('design', 3);
    f.client.seen('design', 4);
    expect(f.room('design').unread).toBe(0);
    expect(f.socket.ofType('read').map((r) => r.seq)).toEqual([2]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(f.socket.ofType('read').map((r) => r.seq)).toEqual([2, 4]);
    f.client.seen('design', 3); // the marker never goes down
    await vi.advanceTimersByTimeAsync(2000);
    expect(f.socket.ofType('read').map((r) => r.seq)).toEqual([2, 4]);

    f.client.activate('lobby');
    f.socket.receive(msg('design', 5));
    f.socket.receive(msg('design', 6));
    expect(f.room('design').unread).toBe(2);
    f.socket.receive({ type: 'read', room: 'design', seq: 5 });
    expect(f.room('design').unread).toBe(1);
    f.socket.receive({ type: 'read', room: 'design', seq: 6 });
    expect(f.room('design').unread).toBe(0);
    f.client.seen('design', 6); // the server has it already
    expect(f.socket.ofType('read').map((r) => r.seq)).toEqual([2, 4]);
  });

  it('mentions: counted from the list at load, raised by messages naming me, lowered as the marker rises', async () => {
    const f = signedIn([[listed('lobby'), listed('design', { lastSeq: 40, readSeq: 10, unread: 30, mentions: 2 })]]);
    welcomeOn(f.socket);
    await settle();
    expect(f.room('design')).toMatchObject({ unread: 30, mentions: 2, readSeq: 10 });
    // The first join brings the last 20 (more are older): they cannot be counted, the server's counts stay.
    const history = Array.from({ length: 20 }, (_, i) => msg('design', 21 + i, i === 5 ? [ALICE.id] : []));
    answerJoins(f.socket, { lobby: 0, design: 40 }, { design: { history, hasMore: true, readSeq: 10 } });
    expect(f.room('design')).toMatchObject({ unread: 30, mentions: 2, mentionSeqs: [26] });

    f.socket.receive(msg('design', 41, [ALICE.id, BOB.id]));
    f.socket.receive(msg('design', 42, [BOB.id]));
    expect(f.room('design')).toMatchObject({ unread: 32, mentions: 3 });
    // Another device read up to 30: the held messages after it can be counted now.
    f.socket.receive({ type: 'read', room: 'design', seq: 30 });
    expect(f.room('design')).toMatchObject({ unread: 12, mentions: 1, mentionSeqs: [41] });
    f.client.activate('design');
    f.client.seen('design', 42);
    expect(f.room('design')).toMatchObject({ unread: 0, mentions: 0 });
    expect(f.socket.last('read')).toMatchObject({ room: 'design', seq: 42 });
    // A mention of someone else is no mention of me; one of mine in my own message neither.
    f.socket.receive(msg('design', 43, [BOB.id]));
    f.socket.receive({ type: 'message', room: 'design', seq: 44, id: 'm44', clientId: 'c44', from: ALICE, text: '@alice', ts: T0, mentions: [ALICE.id] });
    expect(f.room('design')).toMatchObject({ unread: 0, mentions: 0, readSeq: 44 });
  });

  it("a later list of the server's counts: taken unless the messages held can be counted", async () => {
    const f = signedIn([[listed('lobby'), listed('design', { lastSeq: 3, readSeq: 1, unread: 2, mentions: 1 })], [listed('lobby'), listed('design', { lastSeq: 3, readSeq: 3 })]]);
    welcomeOn(f.socket);
    await settle();
    expect(f.room('design')).toMatchObject({ unread: 2, mentions: 1 });
    answerJoins(f.socket, { lobby: 0, design: 3 }, { design: { history: [msg('design', 1), msg('design', 2, [ALICE.id]), msg('design', 3)], readSeq: 1 } });
    expect(f.room('design')).toMatchObject({ unread: 2, mentions: 1, mentionSeqs: [2] });
    // Reconnect: the list says another device read it all (its read event was lost with the socket).
    f.socket.drop();
    await vi.advanceTimersByTimeAsync(1000);
    welcomeOn(f.socket);
    await settle();
    expect(f.room('design')).toMatchObject({ unread: 0, mentions: 0, readSeq: 3 });
  });
});

function msg(room: string, seq: number, mentions: string[] = []): ChatMessage {
  return { type: 'message', room, seq, id: `m${seq}`, clientId: `c${seq}`, from: BOB, text: `message ${seq}`, ts: T0 + seq, ...(mentions.length ? { mentions } : {}) };
}
