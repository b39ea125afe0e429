// Direct messages over WebSocket. `{"type":"dm","user":USERNAME}` answers `joined` for the
// private two-person room of the caller and that user, the same room whoever starts it.
import { isMessage } from '@chat/protocol';
import { describe, expect, it } from 'vitest';
import type { JoinedFrame } from '@chat/protocol';
import { dmRoomName } from '../../src/hub/room-rules.js';
import { trackResources } from '../helpers.js';
import { barrier, framesOf, heard, join, ok, refused, say, world } from './world.js';

const res = trackResources();

describe('dm', () => {
  it('answers joined for a private two-person room; the other side gets the SAME room; they chat', async () => {
    const w = await world(res);
    const [alice, bob] = await w.accounts('alice', 'bob');
    const a = await alice.connect();
    const b = await bob.connect();

    const fromAlice = await ok<JoinedFrame>(a, { type: 'dm', user: 'bob' }, 'joined');
    expect(fromAlice.room).toBe(dmRoomName(alice.user.id, bob.user.id));
    expect(fromAlice).toMatchObject({ seq: 0, history: [], hasMore: false });
    expect(fromAlice.members.map((m) => m.id)).toEqual([alice.user.id]);
    const room = fromAlice.room;
    expect((await w.store.roomInfo(room))?.kind).toBe('dm');
    // Extension (docs/protocol.md, Accounts, private rooms and moderation): joined carries the room kind and the caller's role.
    expect(fromAlice).toMatchObject({ kind: 'dm', role: 'member' });
    await say(a, room, 'psst bob');

    const fromBob = await ok<JoinedFrame>(b, { type: 'dm', user: 'alice' }, 'joined');
    expect(fromBob.room).toBe(room);
    expect(fromBob.history.filter(isMessage).map((m) => m.text)).toEqual(['psst bob']);
    expect(fromBob.members.map((m) => m.id).sort()).toEqual([alice.user.id, bob.user.id].sort());
    await a.next((f) => f.type === 'presence' && f.room === room && f.joined?.id === bob.user.id);

    const toAlice = heard(a, room, 'hi alice');
    await say(b, room, 'hi alice');
    await toAlice;
    const toBob = heard(b, room, 'hi bob');
    await say(a, room, 'hi bob');
    await toBob;

    // Starting it again (either side) is the same room; a plain join works for both of them too.
    expect((await ok<JoinedFrame>(a, { type: 'dm', user: 'bob' }, 'joined')).room).toBe(room);
    const b2 = await bob.connect();
    const joined = await join(b2, room);
    expect(joined.history.filter(isMessage).map((m) => m.text)).toEqual(['psst bob', 'hi alice', 'hi bob']);
  });

  it('the other user can open the DM by plain join before ever sending dm', async () => {
    const w = await world(res);
    const [alice, bob] = await w.accounts('alice', 'bob');
    const a = await alice.connect();
    const room = (await ok<JoinedFrame>(a, { type: 'dm', user: 'bob' }, 'joined')).room;
    const b = await bob.connect();
    await join(b, room);
  });

  it('a third account and a guest cannot join it (forbidden), nor read or hear it', async () => {
    const w = await world(res);
    const [alice, bob, carol] = await w.accounts('alice', 'bob', 'carol');
    const a = await alice.connect();
    const b = await bob.connect();
    const c = await carol.connect();
    const g = await w.guest('visitor');
    const room = (await ok<JoinedFrame>(a, { type: 'dm', user: 'bob' }, 'joined')).room;
    await join(b, room);
    for (const x of [c, g]) {
      await refused(x, { type: 'join', room }, 'forbidden');
      await refused(x, { type: 'history', room }, 'not_member');
      await refused(x, { type: 'send', room, text: 'hello?', id: 'dm-x' }, 'not_member');
    }
    // carol's own DMs with alice and bob are other rooms.
    const ca = (await ok<JoinedFrame>(c, { type: 'dm', user: 'alice' }, 'joined')).room;
    const cb = (await ok<JoinedFrame>(c, { type: 'dm', user: 'bob' }, 'joined')).room;
    expect(new Set([room, ca, cb]).size).toBe(3);

    const got = heard(b, room, 'between us');
    await say(a, room, 'between us');
    await got;
    for (const x of [c, g]) {
      await barrier(x);
      expect(framesOf(x, room).filter((f) => f.type !== 'error')).toEqual([]);
      expect(JSON.stringify(x.frames)).not.toContain('between us');
    }
    // Nobody may invite a third person into a DM (it has no owner or moderators).
    await refused(a, { type: 'invite', room, user: 'carol' }, 'forbidden');
    await refused(c, { type: 'join', room }, 'forbidden');
  });

  it('an unknown username is not_found; a DM to yourself is forbidden; guests get unauthorized', async () => {
    const w = await world(res);
    const alice = await w.account('alice');
    const a = await alice.connect();
    await refused(a, { type: 'dm', user: 'nobody' }, 'not_found');
    await refused(a, { type: 'dm', user: 'alice' }, 'forbidden');
    // A user id is not a username.
    const bob = await w.account('bob');
    await refused(a, { type: 'dm', user: bob.user.id }, 'not_found');
    await barrier(a);
    const g = await w.guest('visitor');
    await refused(g, { type: 'dm', user: 'alice' }, 'unauthorized');
    await barrier(g);
    // A guest is no DM partner either (dm names an account's username).
    await refused(a, { type: 'dm', user: 'visitor' }, 'not_found');
  });

  it('a dm- room that does not exist cannot be joined into existence', async () => {
    const w = await world(res);
    const [alice, bob] = await w.accounts('alice', 'bob');
    const a = await alice.connect();
    const g = await w.guest('visitor');
    // Someone guessing the name of a DM before it is opened must not create it as a public room.
    const future = dmRoomName(alice.user.id, bob.user.id);
    await refused(g, { type: 'join', room: future }, 'not_found');
    await refused(a, { type: 'join', room: 'dm-guess' }, 'not_found');
    expect(await w.store.roomInfo(future)).toBeNull();
    await barrier(g);
    // The real DM still works afterwards, and stays private.
    const room = (await ok<JoinedFrame>(a, { type: 'dm', user: 'bob' }, 'joined')).room;
    expect(room).toBe(future);
    await refused(g, { type: 'join', room }, 'forbidden');
  });
});

// A DM stays between its two users: admins once could read DMs over HTTP, ban people out of one and delete it. One rule
// (src/hub/room-access.ts) for WebSocket and HTTP: nobody but its two users reads, joins, bans
// from or deletes a DM.
describe('a DM belongs to its two users, whoever asks and however', () => {
  it('a server admin can neither read it over HTTP, join it, moderate in it nor delete it', async () => {
    const w = await world(res, { adminUsers: ['root'] });
    const [alice, bob, root] = await w.accounts('alice', 'bob', 'root');
    const a = await alice.connect();
    const r = await root.connect();
    const room = (await ok<JoinedFrame>(a, { type: 'dm', user: 'bob' }, 'joined')).room;
    await say(a, room, 'for bob only');
    const read = (token: string) =>
      fetch(`${w.server.httpUrl}/api/rooms/${room}/messages`, { headers: { authorization: `Bearer ${token}` } });

    // Its users read it over HTTP; the admin gets the same 403 as anyone else.
    const mine = await read(bob.token);
    expect(mine.status).toBe(200);
    expect(((await mine.json()) as { messages: Array<{ text: string }> }).messages.map((m) => m.text)).toEqual(['for bob only']);
    const admins = await read(root.token);
    expect(admins.status).toBe(403);
    expect(await admins.text()).not.toContain('for bob only');

    await refused(r, { type: 'join', room }, 'forbidden');
    await refused(r, { type: 'ban', room, user: alice.user.id }, 'forbidden');
    await refused(r, { type: 'kick', room, user: alice.user.id }, 'forbidden');
    await refused(r, { type: 'mute', room, user: alice.user.id, ms: 1000 }, 'forbidden');
    await refused(r, { type: 'invite', room, user: 'root' }, 'forbidden');
    await refused(r, { type: 'op', room, user: bob.user.id }, 'forbidden');
    await refused(r, { type: 'delete', room }, 'forbidden');
    expect(await w.store.isBanned(room, alice.user.id)).toBe(false);
    expect((await w.store.roomInfo(room))?.kind).toBe('dm');
    expect((await w.store.messagesBefore(room, undefined, 10)).messages.map((m) => m.text)).toEqual(['for bob only']);
    await barrier(a);
    expect(a.frames.some((f) => f.type === 'kicked')).toBe(false);
    expect(JSON.stringify(r.frames)).not.toContain('for bob only');
  });

  it('its own users cannot ban or mute each other out of it either', async () => {
    const w = await world(res);
    const [alice, bob] = await w.accounts('alice', 'bob');
    const a = await alice.connect();
    const room = (await ok<JoinedFrame>(a, { type: 'dm', user: 'bob' }, 'joined')).room;
    await refused(a, { type: 'ban', room, user: bob.user.id }, 'forbidden');
    await refused(a, { type: 'mute', room, user: bob.user.id, ms: 1000 }, 'forbidden');
    expect(await w.store.isBanned(room, bob.user.id)).toBe(false);
  });
});
