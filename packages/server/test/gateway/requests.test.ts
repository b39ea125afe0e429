// Every request of protocol v1 and its reply, and the events they cause (docs/protocol.md: Connecting,
// Requests and replies, Events). Real server on an ephemeral port, real WebSocket clients.
import { isMessage } from '@chat/protocol';
import { describe, expect, it } from 'vitest';
import {
  normalizeNick,
  type AckFrame,
  type ErrorFrame,
  type HistoryReplyFrame,
  type JoinedFrame,
  type LeftFrame,
  type NickReplyFrame,
  type PongFrame,
  type PresenceFrame,
  type ServerFrame,
  type TypingEventFrame,
  type User,
} from '@chat/protocol';
import { nextMessages, sendMany, seqRange, trackResources, TestClient, type MessageEvent, type TestServer } from '../helpers.js';

const { server, connect } = trackResources();

/** Another connection of the same guest user. */
const again = (s: TestServer, c: TestClient) => connect(s, { token: c.welcome.token as string });

const join = (c: TestClient, room: string, extra: Record<string, unknown> = {}) =>
  c.request<JoinedFrame>({ type: 'join', room, ...extra });

const ids = (users: User[]) => users.map((u) => u.id).sort();
const seqs = (messages: { seq: number }[]) => messages.map((m) => m.seq);
const isPresence = (room: string, pred: (p: PresenceFrame) => boolean) => (f: ServerFrame) =>
  f.type === 'presence' && f.room === room && pred(f);
const presences = (c: TestClient, room: string) =>
  c.frames.filter((f): f is PresenceFrame => f.type === 'presence' && f.room === room);

/** Round trip: every frame the server wrote to `c` before answering this ping has arrived. */
async function barrier(c: TestClient): Promise<void> {
  expect((await c.request<PongFrame>({ type: 'ping' })).type).toBe('pong');
}

describe('welcome', () => {
  it('is the first frame, with protocol 1, the user, online, serverTime and a guest token', async () => {
    const s = await server();
    const before = Date.now();
    const a = await connect(s, { nick: 'alice' });

    expect(a.frames[0]?.type).toBe('welcome');
    expect(a.welcome).toMatchObject({ type: 'welcome', protocol: 1, user: { nick: 'alice' }, online: 1 });
    expect(typeof a.welcome.user.id).toBe('string');
    expect(a.welcome.user.id.length).toBeGreaterThan(0);
    // Milliseconds since the epoch (not seconds): a sanity window, not a timing assertion.
    expect(typeof a.welcome.serverTime).toBe('number');
    expect(a.welcome.serverTime).toBeGreaterThan(before - 60_000);
    expect(a.welcome.serverTime).toBeLessThan(Date.now() + 60_000);
    expect(typeof a.welcome.token).toBe('string');
    expect((a.welcome.token as string).length).toBeGreaterThan(0);

    const b = await connect(s, { nick: 'bob' });
    expect(b.welcome).toMatchObject({ protocol: 1, user: { nick: 'bob' }, online: 2 });
    expect(b.welcome.user.id).not.toBe(a.welcome.user.id);
    expect(b.welcome.token).not.toBe(a.welcome.token);
  });

  it('gives a guest without a nick a generated, valid nick', async () => {
    const s = await server();
    const g = await connect(s);
    expect(g.welcome.user.nick.length).toBeGreaterThan(0);
    expect(normalizeNick(g.welcome.user.nick)).toBe(g.welcome.user.nick);
    expect(typeof g.welcome.token).toBe('string');
  });
});

describe('join', () => {
  it('creates an unknown room: seq 0, the joiner among members, empty history', async () => {
    const s = await server();
    const a = await connect(s, { nick: 'alice' });
    const joined = await join(a, 'fresh-room_1');
    expect(joined).toMatchObject({ type: 'joined', room: 'fresh-room_1', seq: 0, online: 1, history: [], hasMore: false });
    expect(joined.members).toEqual([expect.objectContaining(a.welcome.user)]);

    // The room now exists and keeps its messages for the next joiner.
    expect(await a.request({ type: 'send', room: 'fresh-room_1', id: 'c1', text: 'first' })).toMatchObject({ type: 'ack', seq: 1 });
    const b = await connect(s);
    const joinedB = await join(b, 'fresh-room_1');
    expect(joinedB).toMatchObject({ seq: 1, hasMore: false, history: [expect.objectContaining({ seq: 1, text: 'first' })] });
  });

  it('joins the lobby', async () => {
    const s = await server();
    const a = await connect(s);
    expect(await join(a, 'lobby')).toMatchObject({ type: 'joined', room: 'lobby', seq: 0, online: 1, history: [], hasMore: false });
  });

  it('lists every member and counts distinct users; the others get presence', async () => {
    const s = await server();
    const a = await connect(s, { nick: 'alice' });
    const b = await connect(s, { nick: 'bob' });
    await join(a, 'room');
    const joinedB = await join(b, 'room');
    expect(joinedB.online).toBe(2);
    expect(ids(joinedB.members)).toEqual(ids([a.welcome.user, b.welcome.user]));
    expect(joinedB.members).toContainEqual(expect.objectContaining(a.welcome.user));
    expect(joinedB.members).toContainEqual(expect.objectContaining(b.welcome.user));

    const p = await a.next<PresenceFrame>(isPresence('room', (f) => f.joined?.id === b.welcome.user.id));
    expect(p).toMatchObject({ type: 'presence', room: 'room', online: 2, joined: b.welcome.user });
    expect(p.left).toBeUndefined();
  });

  it('sends the newest 50 messages ascending, hasMore when older ones exist', async () => {
    const s = await server({ rateLimit: 0 });
    const a = await connect(s);
    await join(a, 'big');
    await join(a, 'fifty');
    await sendMany(a, 'big', 60);
    await sendMany(a, 'fifty', 50);
    const live = await nextMessages(a, 'big', 60);

    const b = await connect(s);
    const big = await join(b, 'big');
    expect(big.seq).toBe(60);
    expect(seqs(big.history)).toEqual(seqRange(11, 60));
    expect(big.hasMore).toBe(true);
    // The history is the same objects the live events carried.
    expect(big.history).toEqual(live.slice(10));

    const fifty = await join(b, 'fifty');
    expect(fifty.seq).toBe(50);
    expect(seqs(fifty.history)).toEqual(seqRange(1, 50));
    expect(fifty.hasMore).toBe(false);
  });

  it('uses the configured history window', async () => {
    const s = await server({ rateLimit: 0, historyWindow: 5 });
    const a = await connect(s);
    await join(a, 'win');
    await sendMany(a, 'win', 7);
    const b = await connect(s);
    const joined = await join(b, 'win');
    expect(seqs(joined.history)).toEqual([3, 4, 5, 6, 7]);
    expect(joined.hasMore).toBe(true);
  });

  it('answers a second join again without duplicating membership or presence', async () => {
    const s = await server();
    const a = await connect(s, { nick: 'alice' });
    const b = await connect(s, { nick: 'bob' });
    await join(a, 'twice');
    await join(b, 'twice');
    await a.next(isPresence('twice', (f) => f.joined?.id === b.welcome.user.id));

    const again2 = await join(b, 'twice');
    expect(again2).toMatchObject({ type: 'joined', room: 'twice', seq: 0, online: 2 });
    expect(again2.members).toHaveLength(2);
    expect(ids(again2.members)).toEqual(ids([a.welcome.user, b.welcome.user]));

    // B's message is an event A sees after any presence the second join could have caused.
    const ack = await b.request<AckFrame>({ type: 'send', room: 'twice', id: 'm1', text: 'one' });
    expect(ack.seq).toBe(1);
    await a.next((f) => f.type === 'message' && f.seq === 1);
    expect(presences(a, 'twice').filter((p) => p.joined?.id === b.welcome.user.id)).toHaveLength(1);

    // B is a member once: it gets its message once (seq 2 arrives right after seq 1).
    await b.request({ type: 'send', room: 'twice', id: 'm2', text: 'two' });
    expect(seqs(await nextMessages(b, 'twice', 2))).toEqual([1, 2]);

    // One leave undoes the (single) membership.
    expect(await b.request<LeftFrame>({ type: 'leave', room: 'twice' })).toMatchObject({ type: 'left', room: 'twice' });
    expect(await a.next(isPresence('twice', (f) => f.left?.id === b.welcome.user.id))).toMatchObject({ online: 1 });
    expect(await b.request<ErrorFrame>({ type: 'send', room: 'twice', id: 'm3', text: 'three' })).toMatchObject({
      type: 'error',
      code: 'not_member',
    });
  });
});

describe('leave', () => {
  it('answers left, tells the others, and stops delivery to the leaver', async () => {
    const s = await server();
    const a = await connect(s, { nick: 'alice' });
    const b = await connect(s, { nick: 'bob' });
    await join(a, 'room');
    await join(a, 'other');
    await join(b, 'room');
    await join(b, 'other');

    expect(await b.request<LeftFrame>({ type: 'leave', room: 'room' })).toMatchObject({ type: 'left', room: 'room' });
    const p = await a.next<PresenceFrame>(isPresence('room', (f) => f.left !== undefined));
    expect(p).toMatchObject({ room: 'room', online: 1, left: b.welcome.user });

    // A message in 'room', then one in 'other': B gets the second, and the first never arrived before it.
    await a.request({ type: 'send', room: 'room', id: 'x1', text: 'after leave' });
    await a.next((f) => f.type === 'message' && f.room === 'room');
    await a.request({ type: 'send', room: 'other', id: 'x2', text: 'elsewhere' });
    expect(await b.next((f) => f.type === 'message')).toMatchObject({ room: 'other', text: 'elsewhere' });
    expect(b.frames.filter((f) => f.type === 'message' && f.room === 'room')).toEqual([]);

    expect(await b.request<ErrorFrame>({ type: 'history', room: 'room' })).toMatchObject({ type: 'error', code: 'not_member' });
  });
});

describe('send', () => {
  it('is acknowledged and broadcast to every member, the sender included, with seq 1, 2, 3', async () => {
    const s = await server();
    const a = await connect(s, { nick: 'alice' });
    const b = await connect(s, { nick: 'bob' });
    await join(a, 'chat');
    await join(b, 'chat');

    const before = Date.now();
    const ack = await a.request<AckFrame>({ type: 'send', room: 'chat', id: 'c-1', text: 'hello' });
    expect(ack).toMatchObject({ type: 'ack', room: 'chat', id: 'c-1', seq: 1 });
    expect(typeof ack.msgId).toBe('string');
    expect(ack.msgId.length).toBeGreaterThan(0);
    expect(typeof ack.ts).toBe('number');
    expect(ack.ts).toBeGreaterThan(before - 60_000);
    expect(ack.ts).toBeLessThan(Date.now() + 60_000);

    const expected = {
      type: 'message',
      room: 'chat',
      seq: 1,
      id: ack.msgId,
      clientId: 'c-1',
      from: a.welcome.user,
      text: 'hello',
      ts: ack.ts,
    };
    expect(await a.nextOfType('message')).toMatchObject(expected);
    expect(await b.nextOfType('message')).toMatchObject(expected);

    const ack2 = await b.request<AckFrame>({ type: 'send', room: 'chat', id: 'c-1', text: 'hi' });
    expect(ack2.seq).toBe(2);
    expect(ack2.msgId).not.toBe(ack.msgId);
    const ack3 = await a.request<AckFrame>({ type: 'send', room: 'chat', id: 'c-2', text: 'how are you' });
    expect(ack3.seq).toBe(3);

    for (const c of [a, b]) {
      const [m2, m3] = await nextMessages(c, 'chat', 2);
      expect(m2).toMatchObject({ seq: 2, id: ack2.msgId, clientId: 'c-1', from: b.welcome.user, text: 'hi', ts: ack2.ts });
      expect(m3).toMatchObject({ seq: 3, id: ack3.msgId, clientId: 'c-2', from: a.welcome.user, text: 'how are you' });
    }
  });

  it('stores and broadcasts the trimmed text, unicode intact', async () => {
    const s = await server();
    const a = await connect(s);
    await join(a, 'trim');
    await a.request({ type: 'send', room: 'trim', id: 't1', text: '  \n héllo 😀 wörld \t ' });
    expect((await a.nextOfType<MessageEvent>('message')).text).toBe('héllo 😀 wörld');
    const h = await a.request<HistoryReplyFrame>({ type: 'history', room: 'trim' });
    expect(h.messages.filter(isMessage).map((m) => m.text)).toEqual(['héllo 😀 wörld']);
  });
});

describe('history', () => {
  it('pages with before, after and limit, with hasMore exactly as the protocol says', async () => {
    const s = await server({ rateLimit: 0 });
    const a = await connect(s);
    await join(a, 'paged');
    await join(a, 'empty');
    await sendMany(a, 'paged', 210);
    const live = await nextMessages(a, 'paged', 210);
    const page = (q: Record<string, unknown>) => a.request<HistoryReplyFrame>({ type: 'history', room: 'paged', ...q });
    const check = async (q: Record<string, unknown>, from: number, to: number, hasMore: boolean) => {
      const h = await page(q);
      expect(h.type, JSON.stringify(q)).toBe('history');
      expect(h.room).toBe('paged');
      expect(seqs(h.messages), JSON.stringify(q)).toEqual(seqRange(from, to));
      expect(h.hasMore, JSON.stringify(q)).toBe(hasMore);
    };

    // Newest first pages, ascending inside a page.
    await check({}, 161, 210, true);
    await check({ limit: 10 }, 201, 210, true);
    await check({ before: 161 }, 111, 160, true);
    await check({ before: 51 }, 1, 50, false);
    await check({ before: 21 }, 1, 20, false);
    await check({ before: 2, limit: 1 }, 1, 1, false);
    await check({ before: 1 }, 1, 0, false);
    await check({ before: 1000 }, 161, 210, true);
    // limit is at most 200.
    await check({ limit: 500 }, 11, 210, true);
    await check({ before: 201, limit: 200 }, 1, 200, false);
    // Forward paging.
    await check({ after: 0 }, 1, 50, true);
    await check({ after: 150, limit: 10 }, 151, 160, true);
    await check({ after: 160 }, 161, 210, false);
    await check({ after: 200, limit: 10 }, 201, 210, false);
    await check({ after: 210 }, 1, 0, false);
    await check({ after: 0, limit: 1000 }, 1, 200, true);

    // History holds the very objects the live events carried.
    const all = await page({ after: 0, limit: 200 });
    expect(all.messages).toEqual(live.slice(0, 200));

    const empty = await a.request<HistoryReplyFrame>({ type: 'history', room: 'empty' });
    expect(empty).toMatchObject({ type: 'history', room: 'empty', messages: [], hasMore: false });
  });
});

describe('typing', () => {
  it('reaches the other users in the room, not the sender’s own connections, and has no reply', async () => {
    const s = await server();
    const a = await connect(s, { nick: 'alice' });
    const a2 = await again(s, a);
    const b = await connect(s, { nick: 'bob' });
    const c = await connect(s, { nick: 'carol' });
    await join(a, 't');
    await join(a2, 't');
    await join(b, 't');
    await join(c, 'elsewhere');

    a.send({ type: 'typing', room: 't', ref: 'typ-1' });
    const t = await b.next<TypingEventFrame>((f) => f.type === 'typing');
    expect(t).toMatchObject({ type: 'typing', room: 't', user: a.welcome.user });

    for (const x of [a, a2, c]) await barrier(x);
    for (const x of [a, a2, c]) expect(x.frames.filter((f) => f.type === 'typing')).toEqual([]);
    expect(a.frames.filter((f) => 'ref' in f && f.ref === 'typ-1')).toEqual([]);
  });

  it('forwards one per second, and the first after a message of the user at once (a quick reply)', async () => {
    const s = await server();
    const a = await connect(s, { nick: 'alice' });
    const b = await connect(s, { nick: 'bob' });
    await join(a, 't');
    await join(b, 't');
    const typings = () => b.frames.filter((f) => f.type === 'typing').length;

    a.send({ type: 'typing', room: 't' });
    a.send({ type: 'typing', room: 't' });
    await b.next<TypingEventFrame>((f) => f.type === 'typing');
    await barrier(a);
    await barrier(b);
    expect(typings()).toBe(1);

    await a.request({ type: 'send', room: 't', id: 'quick-1', text: 'first' });
    a.send({ type: 'typing', room: 't' });
    await barrier(a);
    await barrier(b);
    expect(typings()).toBe(2);
  });
});

describe('ping', () => {
  it('answers pong, with and without ref', async () => {
    const s = await server();
    const a = await connect(s);
    expect(await a.request<PongFrame>({ type: 'ping' })).toMatchObject({ type: 'pong' });
    a.send({ type: 'ping' });
    const pong = await a.nextOfType<PongFrame>('pong');
    expect(pong.ref).toBeUndefined();
  });
});

describe('nick', () => {
  it('replies with the trimmed nick, tells the rooms, and the token restores the new nick', async () => {
    const s = await server();
    const a = await connect(s, { nick: 'alice' });
    const b = await connect(s, { nick: 'bob' });
    const c = await connect(s, { nick: 'carol' });
    await join(a, 'n1');
    await join(a, 'n2');
    await join(b, 'n1');
    await join(c, 'n2');

    const reply = await a.request<NickReplyFrame>({ type: 'nick', nick: '  alicia  ' });
    expect(reply).toMatchObject({ type: 'nick', nick: 'alicia' });
    const renamed = { id: a.welcome.user.id, nick: 'alicia' };
    for (const [x, room] of [[b, 'n1'], [c, 'n2']] as const) {
      const p = await x.next<PresenceFrame>(isPresence(room, (f) => f.renamed !== undefined));
      expect(p).toMatchObject({ type: 'presence', room, online: 2, renamed });
    }

    // New messages carry the new nick; so does the member list of a later join.
    await a.request({ type: 'send', room: 'n1', id: 'after-rename', text: 'hi' });
    expect(await b.nextOfType('message')).toMatchObject({ from: renamed });
    const d = await connect(s);
    expect((await join(d, 'n1')).members).toContainEqual(expect.objectContaining(renamed));

    // Reconnecting with the token restores the renamed user.
    const token = a.welcome.token as string;
    await a.close();
    const back = await connect(s, { token });
    expect(back.welcome.user).toMatchObject(renamed);
  });
});

describe('ref', () => {
  it('is echoed on every reply type and on errors', async () => {
    const s = await server();
    const a = await connect(s);
    const long = 'R'.repeat(64);
    const cases: Array<[Record<string, unknown>, ServerFrame['type'], string]> = [
      [{ type: 'join', room: 'refs' }, 'joined', long],
      [{ type: 'send', room: 'refs', id: 'r1', text: 'x' }, 'ack', 'ref with spaces & ünïcode 😀'],
      [{ type: 'send', room: 'refs', id: 'r1', text: 'x' }, 'ack', 'duplicate-send'],
      [{ type: 'history', room: 'refs' }, 'history', '1'],
      [{ type: 'nick', nick: 'refnick' }, 'nick', 'n'],
      [{ type: 'ping' }, 'pong', ''],
      [{ type: 'join', room: 'refs' }, 'joined', 'join-again'],
      [{ type: 'leave', room: 'refs' }, 'left', 'bye'],
      [{ type: 'no-such-type' }, 'error', 'err-1'],
      [{ type: 'send', room: 'refs', id: 'r2', text: 'x' }, 'error', 'err-not-member'],
    ];
    for (const [frame, type, ref] of cases) {
      a.send({ ...frame, ref });
      const reply = await a.next((f) => 'ref' in f && f.ref === ref);
      expect(reply.type, `${JSON.stringify(frame)} ref=${JSON.stringify(ref)}`).toBe(type);
    }
  });
});

describe('presence', () => {
  it('is per user: a second connection neither joins nor leaves; the last one leaving does', async () => {
    const s = await server();
    const a = await connect(s, { nick: 'alice' });
    const b = await connect(s, { nick: 'bob' });
    await join(b, 'p');
    await join(a, 'p');
    expect(await b.next(isPresence('p', (f) => f.joined?.id === a.welcome.user.id))).toMatchObject({ online: 2 });

    const a2 = await again(s, a);
    const joined2 = await join(a2, 'p');
    expect(joined2.online).toBe(2);
    expect(ids(joined2.members)).toEqual(ids([a.welcome.user, b.welcome.user]));
    expect(await a2.request({ type: 'leave', room: 'p' })).toMatchObject({ type: 'left' });

    // A message from A after the second connection joined and left: no presence for B before it.
    await a.request({ type: 'send', room: 'p', id: 'still-here', text: 'still here' });
    await b.nextOfType('message');
    const aboutA = presences(b, 'p').filter((f) => f.joined?.id === a.welcome.user.id || f.left?.id === a.welcome.user.id);
    expect(aboutA).toHaveLength(1);

    // The last connection leaving makes A leave.
    await a.request({ type: 'leave', room: 'p' });
    expect(await b.next(isPresence('p', (f) => f.left !== undefined))).toMatchObject({ online: 1, left: a.welcome.user });
  });

  it('closing the socket leaves every room, but only when it was the user’s last connection there', async () => {
    const s = await server();
    const a = await connect(s, { nick: 'alice' });
    const a2 = await again(s, a);
    const b = await connect(s, { nick: 'bob' });
    await join(b, 'q1');
    await join(b, 'q2');
    await join(a, 'q1');
    await join(a, 'q2');
    await join(a2, 'q1');

    // Closing a2 keeps A in q1 (a is still there).
    await a2.close();
    await a.request({ type: 'send', room: 'q1', id: 'm', text: 'm' });
    await b.next((f) => f.type === 'message' && f.room === 'q1');
    expect(presences(b, 'q1').filter((f) => f.left !== undefined)).toEqual([]);

    // Closing a: A leaves both rooms.
    await a.close();
    for (const room of ['q1', 'q2']) {
      expect(await b.next(isPresence(room, (f) => f.left !== undefined))).toMatchObject({ room, online: 1, left: a.welcome.user });
    }
  });
});
