// ChatClient's account side (src/lib/chat-client.ts and its pieces), on the same fake socket and
// in-memory storage as the other tests here (client-harness.ts), with scripted account hooks:
// signing in and out, the session ending, private rooms (create -> created -> join), invitations,
// DMs, roles from `joined.role`, moderation, and the refusals and removals (kicked, banned, join
// refused, muted).
import { describe, expect, it, vi } from 'vitest';
import type { ServerFrame, User } from '@chat/protocol';
import { MUTE_MS, roomLabel, type AccountHooks, type RoomSummary } from '../../src/lib/chat-client.js';
import { FakeSocket, MemoryStorage, type Sent } from '../fakes.js';
import { clientFixture, settle, T0, useFakeTimers } from './client-harness.js';

const ALICE: User = { id: 'u-alice', nick: 'alice' };
const BOB: User = { id: 'u-bob', nick: 'bob' };
const GUEST_TOKEN = 'guest-token-123';
const DM_ROOM = 'dm-0123456789abcdef0123456789abcdef';

function welcome(user: User, token?: string): ServerFrame {
  return { type: 'welcome', protocol: 1, user, online: 1, serverTime: T0, ...(token ? { token } : {}) };
}

interface JoinedExtras {
  kind?: 'public' | 'private' | 'dm';
  role?: 'owner' | 'moderator' | 'member' | null;
  members?: User[];
  seq?: number;
}

function joinedFor(request: Sent, extras: JoinedExtras = {}): ServerFrame {
  return {
    type: 'joined',
    room: String(request.room),
    seq: extras.seq ?? 0,
    online: (extras.members ?? [ALICE]).length,
    members: extras.members ?? [ALICE],
    history: [],
    hasMore: false,
    ...(extras.kind !== undefined ? { kind: extras.kind } : {}),
    ...(extras.role !== undefined ? { role: extras.role } : {}),
    ...(request.ref !== undefined ? { ref: request.ref } : {}),
  };
}

interface HarnessOptions {
  storage?: MemoryStorage;
  serverUp?: boolean;
  /** What api/me says: true signed in, false 401, null unreachable. */
  session?: boolean | null;
  guestsAllowed?: boolean | null;
  rooms?: RoomSummary[] | null;
  /** Leave out the account hooks (the guest-only client). */
  noHooks?: boolean;
}

function harness(options: HarnessOptions = {}) {
  const hooks: AccountHooks = {
    sessionValid: vi.fn(async () => options.session ?? true),
    guestsAllowed: vi.fn(async () => options.guestsAllowed ?? true),
    rooms: vi.fn(async () => options.rooms ?? []),
  };
  const f = clientFixture({ storage: options.storage, serverUp: options.serverUp, ...(options.noHooks ? {} : { accounts: hooks }) });
  return Object.assign(f, {
    hooks,
    /** Opens the newest socket, says welcome, and answers every join so far. */
    connect: (user: User = ALICE, token?: string, extras: Record<string, JoinedExtras> = {}): FakeSocket => {
      const socket = f.socket;
      socket.open();
      socket.receive(welcome(user, token));
      for (const join of socket.ofType('join')) socket.receive(joinedFor(join, extras[String(join.room)] ?? {}));
      return socket;
    },
    /** Answers the newest join of a room. */
    answerJoin: (room: string, extras: JoinedExtras = {}): void => {
      const join = f.socket.ofType('join').filter((frame) => frame.room === room).at(-1);
      if (!join) throw new Error(`no join of ${room}`);
      f.socket.receive(joinedFor(join, extras));
    },
  });
}

/** Alice, signed in, online in the lobby. */
function signedInAlice(options: HarnessOptions = {}) {
  const h = harness(options);
  h.client.signedIn(ALICE);
  h.connect(ALICE);
  return h;
}

/** Alice, signed in, in a room of hers (`role` in it), active. */
function aliceInRoom(room: string, extras: JoinedExtras, options: HarnessOptions = {}) {
  const h = signedInAlice(options);
  h.client.openRoom(room);
  h.answerJoin(room, extras);
  return h;
}

useFakeTimers();

// ---- signing in and out ---------------------------------------------------------------------------

describe('account sign-in state', () => {
  it('signing in replaces a guest connection: the guest token and nick are dropped and the new socket has no query', async () => {
    const h = harness();
    h.client.start('alice-guest');
    h.connect({ id: 'g1', nick: 'alice-guest' }, GUEST_TOKEN);
    expect(h.storage.dump()).toContain(GUEST_TOKEN);
    const guestSocket = h.socket;

    h.client.signedIn(ALICE);
    expect(guestSocket.closedWith).toBe(1000);
    expect(h.sockets).toHaveLength(2);
    expect(h.socket.query).toEqual({});
    expect(h.state.account).toBe(true);
    expect(h.state.needsName).toBe(false);
    expect(h.storage.dump()).not.toContain(GUEST_TOKEN);
    expect(h.storage.dump()).not.toContain('alice-guest');

    // The old socket's close event changes nothing about the new connection.
    await settle();
    expect(h.state.status).toBe('connecting');
    h.connect(ALICE);
    expect(h.state.status).toBe('online');
    expect(h.state.me).toEqual(ALICE);
    expect(h.socket.ofType('join').map((f) => f.room)).toEqual(['lobby']);
    // An account's welcome has no token, and none is stored.
    expect(h.storage.dump()).not.toContain('token-');
  });

  it('a reload while signed in connects with the cookie alone (no ?token=, no ?nick=), straight into the chat', () => {
    const first = signedInAlice();
    first.client.openRoom('team');
    first.client.stop();
    const h = harness({ storage: first.storage });
    expect(h.state.account).toBe(true);
    expect(h.state.needsName).toBe(false);
    expect(h.state.roomOrder).toEqual(['lobby', 'team']);
    h.client.start();
    expect(h.socket.query).toEqual({});
  });

  it('confirming the same account (api/me on load) does not reconnect', () => {
    const first = signedInAlice();
    first.client.stop();
    const h = harness({ storage: first.storage });
    h.client.start();
    h.client.signedIn(ALICE);
    expect(h.sockets).toHaveLength(1);
    expect(h.state.me).toEqual(ALICE);
  });

  it('signing out forgets the user: rooms, unsent messages, identity; the welcome screen is next', () => {
    const h = signedInAlice();
    h.client.openRoom('team');
    h.socket.drop();
    h.client.send('team', 'never sent');
    const socket = h.socket;
    h.client.signedOut();
    expect(socket.readyState).not.toBe(1);
    expect(h.state.needsName).toBe(true);
    expect(h.state.account).toBe(false);
    expect(h.state.me).toBeNull();
    expect(h.state.status).toBe('offline');
    expect(h.state.roomOrder).toEqual(['lobby']);
    expect(h.state.rooms.get('team')).toBeUndefined();
    expect(h.storage.data.size).toBe(0);
    // Nothing reconnects by itself.
    vi.advanceTimersByTime(60_000);
    expect(h.sockets).toHaveLength(1);
    // A fresh page on that storage asks for a name.
    expect(harness({ storage: h.storage }).state.needsName).toBe(true);
  });

  it('refused before welcome while signed in, session over (api/me 401): signed out with session_expired', async () => {
    const first = signedInAlice();
    first.client.stop();
    const h = harness({ storage: first.storage, session: false });
    h.client.start();
    h.socket.drop(1006);
    await settle();
    expect(h.hooks.sessionValid).toHaveBeenCalledTimes(1);
    expect(h.state.needsName).toBe(true);
    expect(h.state.account).toBe(false);
    expect(h.state.notice).toBe('session_expired');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(h.sockets).toHaveLength(1);
  });

  it('refused before welcome while signed in, server down: keeps the account and retries', async () => {
    const first = signedInAlice();
    first.client.stop();
    const h = harness({ storage: first.storage, serverUp: false });
    h.client.start();
    h.socket.drop(1006);
    await settle();
    expect(h.hooks.sessionValid).not.toHaveBeenCalled();
    expect(h.state.account).toBe(true);
    await vi.advanceTimersByTimeAsync(1000);
    expect(h.sockets).toHaveLength(2);
    expect(h.socket.query).toEqual({});
  });

  it('a welcome with a guest token while signed in means the cookie was gone: signed out', () => {
    const h = harness();
    h.client.signedIn(ALICE);
    h.socket.open();
    h.socket.receive(welcome({ id: 'g9', nick: 'guest-4242' }, 'a-new-guest-token'));
    expect(h.state.account).toBe(false);
    expect(h.state.needsName).toBe(true);
    expect(h.state.notice).toBe('session_expired');
    expect(h.storage.dump()).not.toContain('a-new-guest-token');
  });

  it('a guest whose welcome has no token is an account (the browser still had a session cookie)', () => {
    const h = harness();
    h.client.start('alice');
    h.socket.open();
    h.socket.receive(welcome(ALICE));
    expect(h.state.account).toBe(true);
    h.client.stop();
    const reload = harness({ storage: h.storage });
    reload.client.start();
    expect(reload.socket.query).toEqual({});
  });

  it('a new guest refused while the server takes no guests: back to the welcome screen, no retry loop', async () => {
    const h = harness({ guestsAllowed: false });
    h.client.start('carol');
    h.socket.drop(1006);
    await settle();
    expect(h.state.needsName).toBe(true);
    expect(h.state.allowGuests).toBe(false);
    expect(h.state.notice).toBe('guests_disabled');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(h.sockets).toHaveLength(1);
  });
});

// ---- private rooms ---------------------------------------------------------------------------------

describe('private rooms', () => {
  it('create {private:true} -> created -> the room is joined fresh, opened, and its kind and role come from joined', () => {
    const h = signedInAlice();
    h.client.createRoom('secret', true);
    const create = h.socket.last('create');
    expect(create).toMatchObject({ type: 'create', room: 'secret', private: true });
    expect(typeof create.ref).toBe('string');
    expect(h.state.rooms.get('secret')).toBeUndefined(); // not before the server says so

    h.socket.receive({ type: 'created', room: 'secret', ref: create.ref });
    const join = h.socket.last('join');
    expect(join.room).toBe('secret');
    expect(join).not.toHaveProperty('since');
    expect(h.state.activeRoom).toBe('secret');
    expect(h.state.roomOrder).toEqual(['lobby', 'secret']);

    h.answerJoin('secret', { kind: 'private', role: 'owner' });
    expect(h.room('secret')).toMatchObject({ joined: true, kind: 'private', role: 'owner' });
  });

  it('an existing name is refused (forbidden): a notice names the room, nothing is added', () => {
    const h = signedInAlice();
    h.client.createRoom('taken', true);
    const create = h.socket.last('create');
    h.socket.receive({ type: 'error', code: 'forbidden', message: 'that room already exists', ref: create.ref });
    expect(h.state.notice).toBe('room_exists');
    expect(h.state.noticeParams).toEqual({ room: '#taken' });
    expect(h.state.rooms.get('taken')).toBeUndefined();
    // The next action that works clears it.
    h.client.createRoom('fresh', true);
    h.socket.receive({ type: 'created', room: 'fresh', ref: h.socket.last('create').ref });
    expect(h.state.notice).toBeNull();
  });

  it('offline, a request is not lost silently: a notice says so and nothing is sent', () => {
    const h = signedInAlice();
    h.socket.drop();
    h.client.createRoom('later', true);
    expect(h.state.notice).toBe('offline_action');
  });

  it('roles follow joined.role on every join (null when absent)', async () => {
    const h = aliceInRoom('club', { kind: 'private', role: 'moderator' });
    expect(h.room('club').role).toBe('moderator');
    h.socket.drop();
    await vi.advanceTimersByTimeAsync(1000);
    h.connect(ALICE, undefined, { club: { kind: 'private', role: 'member' } });
    expect(h.room('club').role).toBe('member');
    expect(h.room('lobby')).toMatchObject({ kind: 'public', role: null });
  });

  it('invite sends the username; invited confirms it and clears an earlier refusal', () => {
    const h = aliceInRoom('club', { kind: 'private', role: 'owner' });
    h.client.invite('club', 'nobody');
    h.socket.receive({ type: 'error', code: 'not_found', message: 'no account has that username', ref: h.socket.last('invite').ref });
    expect(h.state.notice).toBe('user_not_found');
    expect(h.state.noticeParams).toEqual({ user: 'nobody' });

    h.client.invite('club', 'bob');
    const invite = h.socket.last('invite');
    expect(invite).toMatchObject({ type: 'invite', room: 'club', user: 'bob' });
    h.socket.receive({ type: 'invited', room: 'club', user: BOB, ref: invite.ref });
    expect(h.state.notice).toBeNull();
    expect(h.state.confirmation).toMatchObject({ key: 'invited', params: { user: 'bob', room: '#club' } });
  });

  it('private rooms and DMs from api/rooms that are not open yet are offered; public and held ones are not', async () => {
    const rooms: RoomSummary[] = [
      { name: 'lobby', private: false, online: 1, lastSeq: 0 },
      { name: 'open-room', private: false, online: 0, lastSeq: 0 },
      { name: 'club', private: true, online: 0, lastSeq: 3 },
      { name: 'held', private: true, online: 0, lastSeq: 3 },
      { name: DM_ROOM, private: true, online: 0, lastSeq: 1 },
    ];
    const h = harness({ rooms });
    h.client.signedIn(ALICE);
    h.client.openRoom('held');
    h.connect(ALICE);
    await settle();
    expect(h.hooks.rooms).toHaveBeenCalled();
    expect(h.state.available).toEqual([
      { name: 'club', kind: 'private', peer: null },
      { name: DM_ROOM, kind: 'dm', peer: null },
    ]);
    h.client.openRoom('club');
    expect(h.state.available.map((r) => r.name)).toEqual([DM_ROOM]);
    expect(h.socket.last('join').room).toBe('club');
  });
});

// ---- removals and refusals -------------------------------------------------------------------------

describe('kicked, banned, refused, muted', () => {
  it.each([
    ['kick', 'kicked_kick'],
    ['ban', 'kicked_ban'],
    ['delete', 'kicked_delete'],
  ] as const)('kicked (%s): the room leaves the sidebar like a leave, the lobby is active, a notice says why', async (reason, notice) => {
    const h = aliceInRoom('club', { kind: 'private', role: 'member' });
    expect(h.state.activeRoom).toBe('club');
    h.socket.receive({ type: 'kicked', room: 'club', reason });
    expect(h.state.roomOrder).toEqual(['lobby']);
    expect(h.state.rooms.get('club')).toBeUndefined();
    expect(h.state.activeRoom).toBe('lobby');
    expect(h.state.notice).toBe(notice);
    expect(h.state.noticeParams).toEqual({ room: '#club' });
    expect(h.storage.dump()).not.toContain('club');
    // Not joined again after a reconnect.
    h.socket.drop();
    await vi.advanceTimersByTimeAsync(1000);
    h.connect(ALICE);
    expect(h.socket.ofType('join').map((f) => f.room)).toEqual(['lobby']);
  });

  it('a banned room is not offered again by api/rooms on this page', async () => {
    const h = aliceInRoom('club', { kind: 'private', role: 'member' }, { rooms: [{ name: 'club', private: true, online: 1, lastSeq: 0 }] });
    h.socket.receive({ type: 'kicked', room: 'club', reason: 'ban' });
    await h.client.refreshRooms();
    expect(h.state.available).toEqual([]);
  });

  it.each([
    ['forbidden', 'join_forbidden'],
    ['not_found', 'join_not_found'],
  ] as const)('a join refused with %s removes the room and says so', (code, notice) => {
    const h = signedInAlice();
    h.client.openRoom('secret');
    const join = h.socket.last('join');
    h.socket.receive({ type: 'error', code, message: 'no', ref: join.ref });
    expect(h.state.rooms.get('secret')).toBeUndefined();
    expect(h.state.roomOrder).toEqual(['lobby']);
    expect(h.state.activeRoom).toBe('lobby');
    expect(h.state.notice).toBe(notice);
    expect(h.state.noticeParams).toEqual({ room: '#secret' });
  });

  it('a guest refused at a private room (forbidden) loses it the same way', () => {
    const h = harness({ noHooks: true });
    h.client.start('carol');
    h.connect({ id: 'g-carol', nick: 'carol' }, GUEST_TOKEN);
    h.client.openRoom('secret');
    h.socket.receive({ type: 'error', code: 'forbidden', message: 'private', ref: h.socket.last('join').ref });
    expect(h.state.roomOrder).toEqual(['lobby']);
    expect(h.state.notice).toBe('join_forbidden');
  });

  it('muted: the send fails with forbidden, a notice says muted, and the next stored message clears it', () => {
    const h = aliceInRoom('club', { kind: 'private', role: 'member' });
    h.client.send('club', 'can I talk?');
    const send = h.socket.last('send');
    h.socket.receive({ type: 'error', code: 'forbidden', message: 'you are muted', ref: send.ref });
    const failed = h.room('club').outbox[0]!;
    expect(failed.status).toBe('failed');
    expect(failed.error).toBe('forbidden');
    expect(h.state.notice).toBe('muted');
    expect(h.state.noticeParams).toEqual({ room: '#club' });

    h.client.send('club', 'now?');
    const later = h.socket.last('send');
    h.socket.receive({ type: 'ack', room: 'club', id: later.id, seq: 1, msgId: '1', ts: T0, ref: later.ref });
    expect(h.state.notice).toBeNull();
  });

  it('the notice can be dismissed', () => {
    const h = signedInAlice();
    h.socket.receive({ type: 'kicked', room: 'lobby', reason: 'kick' });
    expect(h.state.notice).toBe('kicked_kick');
    expect(h.state.roomOrder).toEqual(['lobby']); // the lobby stays
    h.client.dismissNotice();
    expect(h.state.notice).toBeNull();
  });
});

// ---- DMs --------------------------------------------------------------------------------------------

describe('direct messages', () => {
  it('dm -> joined for a room we do not hold: it is added, opened, named after the other person, and kept across a reload', () => {
    const h = signedInAlice();
    h.client.directMessage('bob');
    const dm = h.socket.last('dm');
    expect(dm).toMatchObject({ type: 'dm', user: 'bob' });
    h.socket.receive({ ...joinedFor({ type: 'join', room: DM_ROOM, ...(dm.ref ? { ref: dm.ref } : {}) }, { kind: 'dm', role: 'member', members: [ALICE] }) });
    expect(h.state.roomOrder).toEqual(['lobby', DM_ROOM]);
    expect(h.state.activeRoom).toBe(DM_ROOM);
    expect(h.room(DM_ROOM)).toMatchObject({ joined: true, kind: 'dm', peer: 'bob' });
    expect(roomLabel(h.room(DM_ROOM))).toBe('bob');

    // Sending works: the ref stays within 64 characters although the room name is long.
    h.client.send(DM_ROOM, 'hi bob');
    const send = h.socket.last('send');
    expect(String(send.ref).length).toBeLessThanOrEqual(64);
    h.socket.receive({ type: 'error', code: 'invalid_text', message: 'x', ref: send.ref });
    expect(h.room(DM_ROOM).outbox[0]!.status).toBe('failed');

    // Asking again for the same person opens the room we have, without a request.
    h.client.activate('lobby');
    h.client.directMessage('bob');
    expect(h.socket.ofType('dm')).toHaveLength(1);
    expect(h.state.activeRoom).toBe(DM_ROOM);

    h.client.stop();
    const reload = harness({ storage: h.storage });
    expect(reload.room(DM_ROOM).peer).toBe('bob');
    expect(reload.room(DM_ROOM).kind).toBe('dm');
    reload.client.start();
    reload.connect(ALICE);
    expect(reload.socket.ofType('join').map((f) => f.room)).toEqual(['lobby', DM_ROOM]);
  });

  it('a DM opened some other way learns the other person from its members', () => {
    const h = signedInAlice();
    h.client.openRoom(DM_ROOM);
    h.answerJoin(DM_ROOM, { kind: 'dm', role: 'member', members: [ALICE, BOB] });
    expect(h.room(DM_ROOM).peer).toBe('bob');
  });

  it('a DM with an unknown username says so', () => {
    const h = signedInAlice();
    h.client.directMessage('ghost');
    h.socket.receive({ type: 'error', code: 'not_found', message: 'no account', ref: h.socket.last('dm').ref });
    expect(h.state.notice).toBe('user_not_found');
    expect(h.state.noticeParams).toEqual({ user: 'ghost' });
    expect(h.state.roomOrder).toEqual(['lobby']);
  });
});

// ---- moderation ------------------------------------------------------------------------------------

describe('moderation', () => {
  it('kick, ban, mute (10 minutes) and op name the member by id; moderated confirms', () => {
    const h = aliceInRoom('club', { kind: 'private', role: 'owner', members: [ALICE, BOB] });
    h.client.moderate('kick', 'club', BOB);
    expect(h.socket.last('kick')).toMatchObject({ room: 'club', user: BOB.id });
    h.client.moderate('ban', 'club', BOB);
    expect(h.socket.last('ban')).toMatchObject({ room: 'club', user: BOB.id });
    h.client.moderate('op', 'club', BOB);
    expect(h.socket.last('op')).toMatchObject({ room: 'club', user: BOB.id });
    expect(h.socket.last('op')).not.toHaveProperty('ms');
    h.client.moderate('mute', 'club', BOB);
    const mute = h.socket.last('mute');
    expect(mute).toMatchObject({ room: 'club', user: BOB.id, ms: MUTE_MS });
    expect(MUTE_MS).toBe(600_000);

    h.socket.receive({ type: 'moderated', action: 'mute', room: 'club', user: BOB, until: T0 + MUTE_MS, ref: mute.ref });
    expect(h.state.confirmation).toMatchObject({ key: 'moderated_mute', params: { user: 'bob', room: '#club', minutes: '10' } });
    const first = h.state.confirmation!.id;
    h.socket.receive({ type: 'moderated', action: 'kick', room: 'club', user: BOB, ref: h.socket.last('kick').ref });
    expect(h.state.confirmation).toMatchObject({ key: 'moderated_kick' });
    expect(h.state.confirmation!.id).not.toBe(first);
  });

  it('without the right: forbidden becomes a not_allowed notice', () => {
    const h = aliceInRoom('club', { kind: 'private', role: 'member', members: [ALICE, BOB] });
    h.client.moderate('kick', 'club', BOB);
    h.socket.receive({ type: 'error', code: 'forbidden', message: 'only moderators', ref: h.socket.last('kick').ref });
    expect(h.state.notice).toBe('not_allowed');
  });
});

// ---- room settings (issue 15) ---------------------------------------------------------------------

describe('room settings: topic and deletion', () => {
  it('joined brings the topic (none: ""); our topic request is trimmed, its reply sets it and confirms; someone else\'s event sets it quietly', () => {
    const h = aliceInRoom('club', { kind: 'public', role: 'owner', members: [ALICE, BOB] });
    expect(h.room('club').topic).toBe('');
    h.client.setTopic('club', '  Fridays at ten  ');
    const request = h.socket.last('topic');
    expect(request).toMatchObject({ type: 'topic', room: 'club', topic: 'Fridays at ten' });
    expect(typeof request.ref).toBe('string');
    h.socket.receive({ type: 'topic', room: 'club', topic: 'Fridays at ten', by: ALICE, ref: request.ref });
    expect(h.room('club').topic).toBe('Fridays at ten');
    expect(h.state.confirmation).toMatchObject({ key: 'topic_set', params: { room: '#club' } });
    const confirmed = h.state.confirmation!.id;
    h.socket.receive({ type: 'topic', room: 'club', topic: 'Moved to Mondays', by: BOB });
    expect(h.room('club').topic).toBe('Moved to Mondays');
    expect(h.state.confirmation!.id).toBe(confirmed);
    h.client.setTopic('club', '');
    h.socket.receive({ type: 'topic', room: 'club', topic: '', by: ALICE, ref: h.socket.last('topic').ref });
    expect(h.room('club').topic).toBe('');
    expect(h.state.confirmation).toMatchObject({ key: 'topic_cleared' });
    // A topic for a room we do not hold changes nothing.
    h.socket.receive({ type: 'topic', room: 'elsewhere', topic: 'x', by: BOB });
    expect(h.state.rooms.has('elsewhere')).toBe(false);
  });

  it('a joined with a topic sets it; a rejoin without one clears it', () => {
    const h = signedInAlice();
    h.client.openRoom('club');
    const join = h.socket.last('join');
    h.socket.receive({ ...(joinedFor(join, { kind: 'public', role: 'member' }) as object), topic: 'Plants' } as ServerFrame);
    expect(h.room('club').topic).toBe('Plants');
    h.socket.receive(joinedFor(join, { kind: 'public', role: 'member' }));
    expect(h.room('club').topic).toBe('');
  });

  it('a refused topic: bad_request says what a topic may be, forbidden not_allowed', () => {
    const h = aliceInRoom('club', { kind: 'public', role: 'member', members: [ALICE, BOB] });
    h.client.setTopic('club', 'too long, says the server');
    h.socket.receive({ type: 'error', code: 'bad_request', message: 'a topic is at most 250 characters', ref: h.socket.last('topic').ref });
    expect(h.state.notice).toBe('topic_invalid');
    h.client.setTopic('club', 'mine now');
    h.socket.receive({ type: 'error', code: 'forbidden', message: 'only the owner', ref: h.socket.last('topic').ref });
    expect(h.state.notice).toBe('not_allowed');
    expect(h.room('club').topic).toBe('');
  });

  it('deleteRoom sends delete; deleted confirms and kicked (delete) takes the room away; forbidden is not_allowed', () => {
    const h = aliceInRoom('club', { kind: 'public', role: 'owner', members: [ALICE, BOB] });
    h.client.deleteRoom('club');
    const request = h.socket.last('delete');
    expect(request).toMatchObject({ type: 'delete', room: 'club' });
    h.socket.receive({ type: 'kicked', room: 'club', reason: 'delete' });
    h.socket.receive({ type: 'deleted', room: 'club', ref: request.ref });
    expect(h.state.roomOrder).toEqual(['lobby']);
    expect(h.state.confirmation).toMatchObject({ key: 'deleted', params: { room: '#club' } });
    const other = aliceInRoom('den', { kind: 'public', role: 'moderator', members: [ALICE, BOB] });
    other.client.deleteRoom('den');
    other.socket.receive({ type: 'error', code: 'forbidden', message: 'only the owner', ref: other.socket.last('delete').ref });
    expect(other.state.notice).toBe('not_allowed');
    expect(other.state.roomOrder).toContain('den');
  });
});

// ---- refs ------------------------------------------------------------------------------------------

describe('refs stay within 64 characters', () => {
  it('a 64-character room is joined, and a refusal of it is still recognised', () => {
    const long = 'r'.repeat(64);
    const h = signedInAlice();
    h.client.openRoom(long);
    const join = h.socket.last('join');
    expect(String(join.ref).length).toBeLessThanOrEqual(64);
    h.socket.receive({ type: 'error', code: 'forbidden', message: 'private', ref: join.ref });
    expect(h.state.rooms.get(long)).toBeUndefined();
    expect(h.state.notice).toBe('join_forbidden');
  });
});

describe('told by others', () => {
  it('an invitation shows a notice naming who invited me', () => {
    const h = signedInAlice();
    h.socket.receive({ type: 'invitation', room: 'club', by: { id: 'b1', nick: 'bob' } });
    expect(h.state.notice).toBe('invitation');
    expect(h.state.noticeParams).toEqual({ room: '#club', user: 'bob' });
  });

  it('a mute of me is kept on the room for the composer; the same mute again on a join is no news', () => {
    const h = aliceInRoom('club', { kind: 'private', role: 'member' });
    const until = h.clock.now + 10 * 60_000;
    h.socket.receive({ type: 'moderated', action: 'mute', room: 'club', user: ALICE, until });
    expect(h.room('club').mutedUntil).toBe(until);
    h.client.dismissNotice();
    h.socket.receive({ type: 'moderated', action: 'mute', room: 'club', user: ALICE, until });
    expect(h.state.notice).toBeNull();
    h.socket.receive({ type: 'moderated', action: 'mute', room: 'club', user: ALICE, until: until + 60_000 });
    expect(h.room('club').mutedUntil).toBe(until + 60_000);
    expect(h.state.notice).toBe('muted_by_moderator');
    expect(h.room('lobby').mutedUntil).toBe(0);
  });

  it('a mute of me shows a notice with the minutes; a promotion makes me a moderator', () => {
    const h = aliceInRoom('club', { kind: 'private', role: 'member' });
    h.socket.receive({ type: 'moderated', action: 'mute', room: 'club', user: ALICE, until: h.clock.now + 10 * 60_000 });
    expect(h.state.notice).toBe('muted_by_moderator');
    expect(h.state.noticeParams).toMatchObject({ minutes: '10' });
    h.socket.receive({ type: 'moderated', action: 'op', room: 'club', user: ALICE });
    expect(h.room('club').role).toBe('moderator');
    expect(h.state.notice).toBe('opped_you');
  });
});
