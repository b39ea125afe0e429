// The user's stored rooms and read markers (Version 1.1, "Mentions, read state and the user's
// rooms"): join adds, leave removes, a dropped connection does not; `GET api/me/rooms` gives a
// second device the same list with unread counts; `read` raises the marker everywhere; a DM reaches
// the other user at once; kicks take the room off the list (and the invitation of a private room).
import { describe, expect, it } from 'vitest';
import type { InvitationFrame, JoinedFrame, ServerFrame } from '@chat/protocol';
import { trackResources } from '../helpers.js';
import { api } from '../http/http-helpers.js';
import { barrier, join, ok, refused, say, world } from './world.js';

const res = trackResources();

type ListedRoom = { name: string; kind: string; lastSeq: number; readSeq: number; unread: number; mentions: number; notify: string; peer?: { id: string; nick: string } };

async function listOf(server: Parameters<typeof api>[0], bearer: string): Promise<ListedRoom[]> {
  const reply = await api(server, 'GET', '/api/me/rooms', { bearer });
  expect(reply.status, reply.text).toBe(200);
  return reply.body.rooms as ListedRoom[];
}

describe("the user's rooms", () => {
  it('join adds a room, leave removes it, a dropped connection keeps it; another device reads the same list', async () => {
    const w = await world(res);
    const [alice] = await w.accounts('alice');
    const a = await alice.connect();
    await join(a, 'lobby');
    await join(a, 'design');
    await join(a, 'random');
    await ok(a, { type: 'leave', room: 'random' }, 'left');
    await a.close();

    const rooms = await listOf(w.server, alice.token);
    expect(rooms.map((r) => r.name)).toEqual(['lobby', 'design']);
    expect(rooms[1]).toEqual({ name: 'design', kind: 'public', lastSeq: 0, readSeq: 0, unread: 0, mentions: 0, notify: 'mentions' });

    // Without credentials there is no list.
    expect((await api(w.server, 'GET', '/api/me/rooms')).status).toBe(401);
  });

  it('a guest reads its list with its token as a bearer', async () => {
    const w = await world(res);
    const g = await w.guest('visitor');
    await join(g, 'kitchen');
    expect((await listOf(w.server, g.welcome.token!)).map((r) => r.name)).toEqual(['kitchen']);
  });

  it('a first join reads up to the end; others’ messages are unread until `read`, own ones are not', async () => {
    const w = await world(res);
    const [alice, bob] = await w.accounts('alice', 'bob');
    const a = await alice.connect();
    await join(a, 'design');
    for (const text of ['one', 'two', 'three']) await say(a, 'design', text);

    const b = await bob.connect();
    const first = await join(b, 'design');
    expect(first).toMatchObject({ seq: 3, readSeq: 3 });
    await say(a, 'design', 'four');
    await say(a, 'design', 'five');
    let bobs = await listOf(w.server, bob.token);
    expect(bobs).toEqual([expect.objectContaining({ name: 'design', lastSeq: 5, readSeq: 3, unread: 2 })]);

    // Bob's own message raises his marker past everything before it.
    await say(b, 'design', 'six');
    bobs = await listOf(w.server, bob.token);
    expect(bobs[0]).toMatchObject({ lastSeq: 6, readSeq: 6, unread: 0 });
    // For alice, her own five are read and bob's one is not.
    expect((await listOf(w.server, alice.token))[0]).toMatchObject({ name: 'design', readSeq: 5, unread: 1 });
    await say(a, 'design', 'seven');
    expect((await listOf(w.server, bob.token))[0]).toMatchObject({ readSeq: 6, unread: 1 });
    expect((await listOf(w.server, alice.token))[0]).toMatchObject({ readSeq: 7, unread: 0 });
  });

  it('a bigger backlog than 100 says 100 unread and at most 100 mentions; read on, the counts are exact again', async () => {
    const w = await world(res);
    const [alice, bob] = await w.accounts('alice', 'bob');
    await w.store.ensureRoom('backlog');
    await w.store.addUserRoom(alice.user.id, 'backlog');
    // 130 of bob's messages, the first 120 mentioning alice, written through the store at once.
    await w.store.appendMessages(
      Array.from({ length: 130 }, (_, i) => ({
        room: 'backlog',
        from: bob.user,
        clientId: `b${i + 1}`,
        text: i < 120 ? '@alice hi' : 'hi',
        ...(i < 120 ? { mentionNames: ['alice'] } : {}),
      })),
    );
    expect((await listOf(w.server, alice.token))[0]).toMatchObject({ name: 'backlog', lastSeq: 130, readSeq: 0, unread: 100, mentions: 100 });

    const a = await alice.connect();
    a.send({ type: 'read', room: 'backlog', seq: 60 });
    expect(await a.next((f) => f.type === 'read')).toEqual({ type: 'read', room: 'backlog', seq: 60 });
    expect((await listOf(w.server, alice.token))[0]).toMatchObject({ readSeq: 60, unread: 70, mentions: 60 });
  });

  it('read raises the marker (never lowers it) and every connection of the user hears it, joined or not', async () => {
    const w = await world(res);
    const [alice, bob] = await w.accounts('alice', 'bob');
    const a = await alice.connect();
    await join(a, 'design');
    const b1 = await bob.connect();
    await join(b1, 'design');
    for (const text of ['one', 'two', 'three']) await say(a, 'design', text);
    const b2 = await bob.connect(); // another device, not in the room

    b1.send({ type: 'read', room: 'design', seq: 2 });
    const heard1 = await b1.next((f) => f.type === 'read');
    const heard2 = await b2.next((f) => f.type === 'read');
    expect(heard1).toEqual({ type: 'read', room: 'design', seq: 2 });
    expect(heard2).toEqual({ type: 'read', room: 'design', seq: 2 });
    expect((await listOf(w.server, bob.token))[0]).toMatchObject({ readSeq: 2, unread: 1 });

    b2.send({ type: 'read', room: 'design', seq: 1 }); // lower: stays at 2
    expect(await b2.next((f) => f.type === 'read')).toEqual({ type: 'read', room: 'design', seq: 2 });
    b2.send({ type: 'read', room: 'design', seq: 99 }); // beyond the end: the room's last seq
    expect(await b2.next((f) => f.type === 'read')).toEqual({ type: 'read', room: 'design', seq: 3 });
    expect((await listOf(w.server, bob.token))[0]).toMatchObject({ readSeq: 3, unread: 0 });

    // Alice heard none of bob's markers; a room not in the list changes nothing and answers nothing.
    await barrier(a);
    expect(a.frames.filter((f) => f.type === 'read')).toEqual([]);
    b1.send({ type: 'read', room: 'elsewhere', seq: 1 });
    await barrier(b1);
    expect(b1.frames.filter((f) => f.type === 'read' || f.type === 'error')).toHaveLength(3);
    await refused(b1, { type: 'read', room: 'design' }, 'bad_request');
  });

  it('a DM reaches the other user at once (invitation, kind dm) and sits in both lists, named by the other person', async () => {
    const w = await world(res);
    const [alice, bob] = await w.accounts('alice', 'bob');
    const a = await alice.connect();
    const b = await bob.connect();
    const invitation = b.next<InvitationFrame>((f) => f.type === 'invitation');
    const room = (await ok<JoinedFrame>(a, { type: 'dm', user: 'bob' }, 'joined')).room;
    expect(await invitation).toEqual({ type: 'invitation', room, by: { id: alice.user.id, nick: 'alice', account: true }, kind: 'dm' });

    const bobs = await listOf(w.server, bob.token);
    expect(bobs).toEqual([{ name: room, kind: 'dm', lastSeq: 0, readSeq: 0, unread: 0, mentions: 0, notify: 'all', peer: { id: alice.user.id, nick: 'alice', account: true } }]);
    const alices = await listOf(w.server, alice.token);
    expect(alices).toEqual([expect.objectContaining({ name: room, kind: 'dm', notify: 'all', peer: { id: bob.user.id, nick: 'bob', account: true } })]);

    // Bob has not joined yet, and alice's message is already unread for him.
    await say(a, room, 'psst');
    expect((await listOf(w.server, bob.token))[0]).toMatchObject({ lastSeq: 1, readSeq: 0, unread: 1 });
  });

  it('PUT api/me/rooms/R sets the notify level: only the three levels, only rooms in the list', async () => {
    const w = await world(res);
    const [alice] = await w.accounts('alice');
    const a = await alice.connect();
    await join(a, 'design');
    const put = (room: string, body: unknown) => api(w.server, 'PUT', `/api/me/rooms/${room}`, { bearer: alice.token, body });
    expect((await put('design', { notify: 'none' })).status).toBe(200);
    expect((await listOf(w.server, alice.token))[0]).toMatchObject({ notify: 'none' });
    expect((await put('design', { notify: 'loud' })).status).toBe(400);
    expect((await put('design', {})).status).toBe(400);
    expect((await put('elsewhere', { notify: 'all' })).status).toBe(404);
    expect((await api(w.server, 'PUT', '/api/me/rooms/design', { body: { notify: 'all' } })).status).toBe(401);
  });

  it('kicked from a private room: off the list and the invitation gone (joining again is forbidden)', async () => {
    const w = await world(res);
    const [owner, bob] = await w.accounts('owner', 'bob');
    const o = await owner.connect();
    const b = await bob.connect();
    await ok(o, { type: 'create', room: 'secret', private: true }, 'created');
    await join(o, 'secret');
    await ok(o, { type: 'invite', room: 'secret', user: 'bob' }, 'invited');
    const invitation = await b.next<InvitationFrame>((f) => f.type === 'invitation');
    expect(invitation).toMatchObject({ room: 'secret', kind: 'private' });
    await join(b, 'secret');
    expect((await listOf(w.server, bob.token)).map((r) => r.name)).toEqual(['secret']);

    await ok(o, { type: 'kick', room: 'secret', user: bob.user.id }, 'moderated');
    await b.next((f: ServerFrame) => f.type === 'kicked' && f.room === 'secret');
    await refused(b, { type: 'join', room: 'secret' }, 'forbidden');
    expect(await listOf(w.server, bob.token)).toEqual([]);
    expect(await w.store.roleOf('secret', bob.user.id)).toBeNull();

    // Invited again, bob may come back.
    await ok(o, { type: 'invite', room: 'secret', user: 'bob' }, 'invited');
    await join(b, 'secret');
  });

  it('whoever creates a public room owns it and may kick there; the kicked user may come back', async () => {
    const w = await world(res);
    const [owner, bob] = await w.accounts('owner', 'bob');
    const o = await owner.connect();
    const b = await bob.connect();
    await ok(o, { type: 'create', room: 'town', private: false }, 'created');
    expect((await join(o, 'town')).role).toBe('owner');
    await join(b, 'town');
    await ok(o, { type: 'kick', room: 'town', user: bob.user.id }, 'moderated');
    await b.next((f: ServerFrame) => f.type === 'kicked' && f.room === 'town');
    expect(await listOf(w.server, bob.token)).toEqual([]);
    await join(b, 'town');
  });
});
