// Room settings (Version 1.1, issue 15; docs/protocol.md, "Room settings: topic, bans, deletion"):
// the `topic` frame (who may, what a topic may hold, who hears it, `joined.topic`, that it is
// stored), `GET api/rooms/R/bans` (who may read it) and `delete` by the room's owner.
import { describe, expect, it } from 'vitest';
import type { DeletedFrame, JoinedFrame, ServerFrame, TopicEventFrame } from '@chat/protocol';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { trackResources } from '../helpers.js';
import { api } from '../http/http-helpers.js';
import { barrier, framesOf, join, ok, refused, world, type World } from './world.js';

const res = trackResources();

/** alice owns public room `club`; carol is its moderator; bob a plain member; all joined. */
async function club(w: World) {
  const [alice, bob, carol] = await w.accounts('alice', 'bob', 'carol');
  const a = await alice.connect();
  const b = await bob.connect();
  const c = await carol.connect();
  await ok(a, { type: 'create', room: 'club' }, 'created');
  await ok(a, { type: 'op', room: 'club', user: carol.user.id }, 'moderated');
  for (const x of [a, b, c]) await join(x, 'club');
  return { alice, bob, carol, a, b, c };
}

const topicEvent = (room: string, topic?: string) => (f: ServerFrame) => f.type === 'topic' && f.room === room && (topic === undefined || f.topic === topic);

describe('topic', () => {
  it('the owner sets a topic: the caller gets it with its ref and by, every connection in the room the event without a ref; joined carries it; "" clears it', async () => {
    const w = await world(res);
    const { alice, a, b, c } = await club(w);
    const b2 = await (await w.account('dave')).connect(); // not in the room
    await join(b2, 'lobby');
    const reply = await ok<TopicEventFrame>(a, { type: 'topic', room: 'club', topic: '  Weekly sync, Fridays 10:00  ' }, 'topic');
    // (TestClient.request numbers its own refs.)
    expect(reply).toEqual({ type: 'topic', room: 'club', topic: 'Weekly sync, Fridays 10:00', by: { id: alice.user.id, nick: 'alice', account: true }, ref: expect.any(String) });
    for (const x of [a, b, c]) {
      expect(await x.next(topicEvent('club'))).toEqual({ type: 'topic', room: 'club', topic: 'Weekly sync, Fridays 10:00', by: reply.by });
    }
    await barrier(b2);
    expect(b2.frames.filter((f) => f.type === 'topic')).toEqual([]);
    // A newcomer reads it in joined; so does a member joining again.
    const e = await (await w.account('erin')).connect();
    expect((await join(e, 'club')).topic).toBe('Weekly sync, Fridays 10:00');
    expect((await join(b, 'club')).topic).toBe('Weekly sync, Fridays 10:00');
    expect((await join(e, 'lobby')).topic).toBeUndefined();
    // Cleared: the event says "", and joined has no topic.
    await ok(a, { type: 'topic', room: 'club', topic: '   ' }, 'topic');
    expect(await e.next(topicEvent('club', ''))).toMatchObject({ topic: '' });
    expect(await w.store.roomInfo('club')).not.toHaveProperty('topic');
    const again = await ok<JoinedFrame>(e, { type: 'join', room: 'club' }, 'joined');
    expect(again).not.toHaveProperty('topic');
  });

  it('a moderator and an admin may set it; a member, a guest, a banned moderator and anyone in a DM may not', async () => {
    const w = await world(res, { adminUsers: ['root'] });
    const { bob, carol, a, b, c } = await club(w);
    await ok(c, { type: 'topic', room: 'club', topic: 'by the moderator' }, 'topic');
    const r = await (await w.account('root')).connect();
    await ok(r, { type: 'topic', room: 'club', topic: 'by the admin' }, 'topic'); // not even joined
    expect((await w.store.roomInfo('club'))?.topic).toBe('by the admin');
    await refused(b, { type: 'topic', room: 'club', topic: 'by a member' }, 'forbidden');
    const g = await w.guest('visitor');
    await join(g, 'club');
    await refused(g, { type: 'topic', room: 'club', topic: 'by a guest' }, 'unauthorized');
    await refused(a, { type: 'topic', room: 'nowhere', topic: 'x' }, 'not_found');
    // A DM: nobody, its two users included, nor an admin.
    const dm = await ok<JoinedFrame>(b, { type: 'dm', user: 'carol' }, 'joined');
    await refused(b, { type: 'topic', room: dm.room, topic: 'ours' }, 'forbidden');
    await refused(r, { type: 'topic', room: dm.room, topic: 'mine' }, 'forbidden');
    // A banned moderator loses the right with the role.
    await ok(a, { type: 'ban', room: 'club', user: carol.user.id }, 'moderated');
    await refused(c, { type: 'topic', room: 'club', topic: 'still mine?' }, 'forbidden');
    expect((await w.store.roomInfo('club'))?.topic).toBe('by the admin');
    expect((await w.store.roomInfo(dm.room))?.topic).toBeUndefined();
    expect(bob.user.id).not.toBe(carol.user.id);
  });

  it('refuses a topic over 250 code points, with a control character or a line break, or not a string (bad_request), keeping the old one', async () => {
    const w = await world(res);
    const { a, b } = await club(w);
    await ok(a, { type: 'topic', room: 'club', topic: 'kept' }, 'topic');
    const bad = ['x'.repeat(251), 'line one\nline two', 'tab\there', 'bell\u0007', 'sep\u2028arator'];
    for (const topic of bad) await refused(a, { type: 'topic', room: 'club', topic }, 'bad_request');
    await refused(a, { type: 'topic', room: 'club', topic: 42 }, 'bad_request');
    await refused(a, { type: 'topic', room: 'club' }, 'bad_request');
    await refused(a, { type: 'topic', room: 'Not A Room', topic: 'x' }, 'invalid_room');
    // 250 code points, emoji counted as one each, is fine, and so are RTL and CJK text.
    const longest = '😀'.repeat(250);
    await ok(a, { type: 'topic', room: 'club', topic: longest }, 'topic');
    await ok(a, { type: 'topic', room: 'club', topic: 'مرحبا 你好' }, 'topic');
    await barrier(b);
    expect(framesOf(b, 'club').filter((f) => f.type === 'topic').map((f) => (f as TopicEventFrame).topic)).toEqual(['kept', longest, 'مرحبا 你好']);
  });

  it('survives a restart: stored in the room, it comes back in joined from a new server on the same data', async () => {
    const w = await world(res);
    const alice = await w.account('alice');
    const a = await alice.connect();
    await ok(a, { type: 'create', room: 'lasting', private: true }, 'created');
    await ok(a, { type: 'topic', room: 'lasting', topic: 'Still here after a restart' }, 'topic');
    await a.close();
    await w.server.close();
    const store = await new SqliteStore({ dir: w.server.dataDir }).open();
    const server = await res.server({ dataDir: w.server.dataDir }, { store });
    const again = await res.connect(server, { token: alice.token });
    expect((await join(again, 'lasting')).topic).toBe('Still here after a restart');
  });
});

describe('GET api/rooms/R/bans', () => {
  it('lists the banned users to the owner, moderators and admins; 403 to members, guests, the signed-out and in a DM; 404 for an unknown room', async () => {
    const w = await world(res, { adminUsers: ['root'] });
    const { alice, bob, carol, a } = await club(w);
    const [dave, erin] = await w.accounts('dave', 'erin');
    const root = await w.account('root');
    // Oldest first: two bans in the same millisecond would be listed by user id instead.
    for (const u of [dave, erin]) {
      await ok(a, { type: 'ban', room: 'club', user: u.user.id }, 'moderated');
      await new Promise((r) => setTimeout(r, 5));
    }
    for (const who of [alice, carol, root]) {
      const got = await api(w.server, 'GET', '/api/rooms/club/bans', { bearer: who.token });
      expect(got.status, who.user.nick).toBe(200);
      expect(got.body).toEqual({ bans: [dave.user, erin.user] });
    }
    for (const who of [bob, dave]) {
      const got = await api(w.server, 'GET', '/api/rooms/club/bans', { bearer: who.token });
      expect(got.status, who.user.nick).toBe(403);
      expect(got.text).not.toContain(dave.user.id);
    }
    const g = await w.guest('visitor');
    expect((await api(w.server, 'GET', '/api/rooms/club/bans', { bearer: g.welcome.token })).status).toBe(403);
    expect((await api(w.server, 'GET', '/api/rooms/club/bans')).status).toBe(403);
    expect((await api(w.server, 'GET', '/api/rooms/nowhere/bans', { bearer: alice.token })).status).toBe(404);
    expect((await api(w.server, 'GET', '/api/rooms/nowhere/bans')).status).toBe(404);
    const b = await bob.connect();
    const dm = await ok<JoinedFrame>(b, { type: 'dm', user: 'carol' }, 'joined');
    for (const who of [bob, root]) expect((await api(w.server, 'GET', `/api/rooms/${dm.room}/bans`, { bearer: who.token })).status).toBe(403);
    // An unban takes the user off the list.
    await ok(a, { type: 'unban', room: 'club', user: dave.user.id }, 'moderated');
    expect((await api(w.server, 'GET', '/api/rooms/club/bans', { bearer: alice.token })).body).toEqual({ bans: [erin.user] });
  });
});

describe('delete by the owner', () => {
  it("the room's owner deletes it: everyone in it gets kicked (delete), it is gone from the store and the room list; the lobby and a DM never", async () => {
    const w = await world(res);
    const { alice, a, b, c } = await club(w);
    await ok(a, { type: 'topic', room: 'club', topic: 'soon gone' }, 'topic');
    const deleted = await ok<DeletedFrame>(a, { type: 'delete', room: 'club' }, 'deleted');
    expect(deleted).toEqual({ type: 'deleted', room: 'club', ref: expect.any(String) });
    for (const x of [a, b, c]) expect(await x.next((f) => f.type === 'kicked' && f.room === 'club')).toEqual({ type: 'kicked', room: 'club', reason: 'delete' });
    expect(await w.store.roomInfo('club')).toBeNull();
    const rooms = await api(w.server, 'GET', '/api/rooms', { bearer: alice.token });
    expect((rooms.body as { rooms: Array<{ name: string }> }).rooms.map((r) => r.name)).not.toContain('club');
    await refused(a, { type: 'delete', room: 'lobby' }, 'forbidden');
    const dm = await ok<JoinedFrame>(a, { type: 'dm', user: 'bob' }, 'joined');
    await refused(a, { type: 'delete', room: dm.room }, 'forbidden');
    expect(await w.store.roomInfo(dm.room)).not.toBeNull();
  });

  it('a moderator, a member and a banned owner may not delete the room', async () => {
    const w = await world(res);
    const { alice, a, b, c } = await club(w);
    await refused(c, { type: 'delete', room: 'club' }, 'forbidden');
    await refused(b, { type: 'delete', room: 'club' }, 'forbidden');
    // An owner banned by an admin is no owner any more.
    const w2 = await world(res, { adminUsers: ['root'] });
    const owner = await w2.account('owner');
    const o = await owner.connect();
    await ok(o, { type: 'create', room: 'theirs' }, 'created');
    const r = await (await w2.account('root')).connect();
    await ok(r, { type: 'ban', room: 'theirs', user: owner.user.id }, 'moderated');
    await refused(o, { type: 'delete', room: 'theirs' }, 'forbidden');
    expect(await w2.store.roomInfo('theirs')).not.toBeNull();
    for (const x of [a, b, c]) await barrier(x);
    expect(await w.store.roomInfo('club')).not.toBeNull();
    expect(a.frames.filter((f) => f.type === 'kicked')).toEqual([]);
    expect(alice.user.nick).toBe('alice');
  });
});
