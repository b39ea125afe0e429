// Over WebSocket: `create`, private rooms, `invite`, private-room isolation (join, history,
// send, typing, presence), and what guests may not do (docs/protocol.md: Accounts, private rooms
// and moderation).
import { isMessage } from '@chat/protocol';
import { describe, expect, it } from 'vitest';
import type { CreatedFrame, HistoryReplyFrame, InvitedFrame, PresenceFrame } from '@chat/protocol';
import { trackResources } from '../helpers.js';
import { barrier, framesOf, heard, join, ok, refused, say, world } from './world.js';

const res = trackResources();

describe('create', () => {
  it('{"type":"create","private":true} answers created; the creator is the owner and may invite', async () => {
    const w = await world(res);
    const alice = await w.account('alice');
    await w.account('bob');
    const a = await alice.connect();
    const created = await ok<CreatedFrame>(a, { type: 'create', room: 'secret', private: true }, 'created');
    expect(created).toMatchObject({ type: 'created', room: 'secret' });
    expect(await w.store.roleOf('secret', alice.user.id)).toBe('owner');
    await ok<InvitedFrame>(a, { type: 'invite', room: 'secret', user: 'bob' }, 'invited');
    // The owner joins their own private room.
    const joined = await join(a, 'secret');
    expect(joined).toMatchObject({ seq: 0, history: [], hasMore: false });
    // Extension (docs/protocol.md, Accounts, private rooms and moderation): joined carries the room kind and the caller's role.
    expect(joined).toMatchObject({ kind: 'private', role: 'owner' });
  });

  it('creating a room that exists is forbidden (a created one, an ad-hoc public one, the lobby)', async () => {
    const w = await world(res);
    const [alice, bob] = await w.accounts('alice', 'bob');
    const a = await alice.connect();
    const b = await bob.connect();
    await ok(a, { type: 'create', room: 'secret', private: true }, 'created');
    await refused(b, { type: 'create', room: 'secret', private: true }, 'forbidden');
    await refused(a, { type: 'create', room: 'secret', private: true }, 'forbidden');
    const g = await w.guest('visitor');
    await join(g, 'adhoc');
    await refused(b, { type: 'create', room: 'adhoc', private: true }, 'forbidden');
    await refused(b, { type: 'create', room: 'lobby' }, 'forbidden');
    await barrier(b);
    // bob did not become owner of anything by trying.
    expect(await w.store.roleOf('secret', bob.user.id)).toBeNull();
    expect(await w.store.roleOf('adhoc', bob.user.id)).toBeNull();
    // Still private: bob cannot join.
    await refused(b, { type: 'join', room: 'secret' }, 'forbidden');
  });

  it('an invalid room name is invalid_room; a dm- name is forbidden', async () => {
    const w = await world(res);
    const a = await (await w.account('alice')).connect();
    for (const room of ['Bad', 'has space', '-dash', '', 'x'.repeat(65)]) {
      await refused(a, { type: 'create', room, private: true }, 'invalid_room');
    }
    await refused(a, { type: 'create', room: 'dm-0123456789abcdef0123456789abcdef', private: true }, 'forbidden');
    await refused(a, { type: 'create', room: 'dm-mine' }, 'forbidden');
    await barrier(a);
    expect(await w.store.roomInfo('dm-mine')).toBeNull();
  });

  it('a public create (no "private") makes an owned room anyone may join', async () => {
    const w = await world(res);
    const alice = await w.account('alice');
    const a = await alice.connect();
    await ok(a, { type: 'create', room: 'open-house' }, 'created');
    expect(await w.store.roleOf('open-house', alice.user.id)).toBe('owner');
    const g = await w.guest('visitor');
    await join(g, 'open-house');
    const b = await (await w.account('bob')).connect();
    await join(b, 'open-house');
  });
});

describe('private rooms and invitations', () => {
  it('a non-invited account and a guest get forbidden; once invited by the owner the invitee joins and chats', async () => {
    const w = await world(res);
    const [alice, bob] = await w.accounts('alice', 'bob');
    const a = await alice.connect();
    const b = await bob.connect();
    const g = await w.guest('visitor');
    await ok(a, { type: 'create', room: 'secret', private: true }, 'created');
    await join(a, 'secret');
    await say(a, 'secret', 'before bob');

    const refusal = await refused(b, { type: 'join', room: 'secret' }, 'forbidden');
    expect(JSON.stringify(refusal)).not.toContain('before bob');
    await refused(g, { type: 'join', room: 'secret' }, 'forbidden');
    await barrier(b);

    const invited = await ok<InvitedFrame>(a, { type: 'invite', room: 'secret', user: 'bob' }, 'invited');
    expect(invited).toMatchObject({ room: 'secret', user: { id: bob.user.id, nick: 'bob' } });
    const joined = await join(b, 'secret');
    expect(joined.history.filter(isMessage).map((m) => m.text)).toEqual(['before bob']);
    // The owner sees bob arrive.
    await a.next((f) => f.type === 'presence' && f.room === 'secret' && f.joined?.id === bob.user.id);
    // They chat both ways.
    const got = heard(a, 'secret', 'hi alice');
    await say(b, 'secret', 'hi alice');
    await got;
    const back = heard(b, 'secret', 'hi bob');
    await say(a, 'secret', 'hi bob');
    await back;
    // An invitation is for that account, not for guests.
    await refused(g, { type: 'join', room: 'secret' }, 'forbidden');
    await barrier(g);
  });

  it('a moderator may invite; a plain member may not (forbidden); an unknown username is not_found', async () => {
    const w = await world(res);
    const [alice, bob, carol, dave] = await w.accounts('alice', 'bob', 'carol', 'dave');
    const a = await alice.connect();
    const b = await bob.connect();
    const c = await carol.connect();
    const d = await dave.connect();
    await ok(a, { type: 'create', room: 'secret', private: true }, 'created');
    await ok(a, { type: 'invite', room: 'secret', user: 'bob' }, 'invited');
    await ok(a, { type: 'invite', room: 'secret', user: 'carol' }, 'invited');
    await ok(a, { type: 'op', room: 'secret', user: bob.user.id }, 'moderated');

    // carol is a plain member: she may not invite.
    await join(c, 'secret');
    await refused(c, { type: 'invite', room: 'secret', user: 'dave' }, 'forbidden');
    await refused(d, { type: 'join', room: 'secret' }, 'forbidden');
    // A non-member account may not invite either (not even itself).
    await refused(d, { type: 'invite', room: 'secret', user: 'dave' }, 'forbidden');
    await refused(d, { type: 'join', room: 'secret' }, 'forbidden');

    // bob (moderator) invites dave, who can now join and chat.
    const invited = await ok<InvitedFrame>(b, { type: 'invite', room: 'secret', user: 'dave' }, 'invited');
    expect(invited.user).toEqual({ id: dave.user.id, nick: 'dave', account: true });
    await join(d, 'secret');
    const got = heard(c, 'secret', 'dave here');
    await say(d, 'secret', 'dave here');
    await got;

    await refused(a, { type: 'invite', room: 'secret', user: 'nobody' }, 'not_found');
    await refused(a, { type: 'invite', room: 'no-such-room', user: 'bob' }, 'not_found');
    for (const x of [a, b, c, d]) await barrier(x);
  });

  it('inviting someone who is already the owner does not demote them', async () => {
    const w = await world(res);
    const [alice, bob] = await w.accounts('alice', 'bob');
    const a = await alice.connect();
    await ok(a, { type: 'create', room: 'secret', private: true }, 'created');
    await ok(a, { type: 'op', room: 'secret', user: bob.user.id }, 'moderated');
    await ok(a, { type: 'invite', room: 'secret', user: 'alice' }, 'invited');
    await ok(a, { type: 'invite', room: 'secret', user: 'bob' }, 'invited');
    expect(await w.store.roleOf('secret', alice.user.id)).toBe('owner');
    expect(await w.store.roleOf('secret', bob.user.id)).toBe('moderator');
  });
});

describe('private-room isolation', () => {
  it("no message, typing or presence of a private room reaches a non-member's connection; history/send/typing are not_member", async () => {
    const w = await world(res);
    const [alice, bob, carol] = await w.accounts('alice', 'bob', 'carol');
    const a = await alice.connect();
    const b = await bob.connect();
    const c = await carol.connect();
    const g = await w.guest('visitor');
    // The outsiders are busy elsewhere, in a room they share with the insiders.
    for (const x of [a, b, c, g]) await join(x, 'lobby');

    await ok(a, { type: 'create', room: 'secret', private: true }, 'created');
    await ok(a, { type: 'invite', room: 'secret', user: 'bob' }, 'invited');
    await join(a, 'secret');
    await join(b, 'secret');
    await a.next((f): f is PresenceFrame => f.type === 'presence' && f.room === 'secret' && f.joined?.id === bob.user.id);

    // Outsiders try every path in.
    for (const x of [c, g]) {
      await refused(x, { type: 'join', room: 'secret' }, 'forbidden');
      await refused(x, { type: 'join', room: 'secret', since: 0 }, 'forbidden');
      await refused(x, { type: 'history', room: 'secret' }, 'not_member');
      await refused(x, { type: 'history', room: 'secret', after: 0 }, 'not_member');
      await refused(x, { type: 'send', room: 'secret', text: 'let me in', id: 'x1' }, 'not_member');
      await refused(x, { type: 'typing', room: 'secret' }, 'not_member');
    }

    // Insiders chat, type, and one leaves and comes back (presence).
    const bHeard = heard(b, 'secret', 'top secret');
    await say(a, 'secret', 'top secret');
    await bHeard;
    b.send({ type: 'typing', room: 'secret' });
    await a.next((f) => f.type === 'typing' && f.room === 'secret' && f.user.id === bob.user.id);
    await ok(b, { type: 'leave', room: 'secret' }, 'left');
    await a.next((f) => f.type === 'presence' && f.room === 'secret' && f.left?.id === bob.user.id);
    await join(b, 'secret');
    await a.next((f) => f.type === 'presence' && f.room === 'secret' && f.joined?.id === bob.user.id);
    const aHeard = heard(a, 'secret', 'also secret');
    await say(b, 'secret', 'also secret');
    await aHeard;
    // The lobby still works for everyone, as a control that the outsiders are listening.
    const cLobby = heard(c, 'lobby', 'public words');
    const gLobby = heard(g, 'lobby', 'public words');
    await say(a, 'lobby', 'public words');
    await cLobby;
    await gLobby;

    for (const x of [c, g]) {
      await barrier(x);
      const leaked = framesOf(x, 'secret').filter((f) => f.type !== 'error');
      expect(leaked, `leaked to ${x.welcome.user.nick}`).toEqual([]);
      expect(JSON.stringify(x.frames)).not.toContain('top secret');
      expect(JSON.stringify(x.frames)).not.toContain('also secret');
    }
    // The messages are there for members.
    const page = await ok<HistoryReplyFrame>(b, { type: 'history', room: 'secret' }, 'history');
    expect(page.messages.filter(isMessage).map((m) => m.text)).toEqual(['top secret', 'also secret']);
    // And nothing the outsiders sent was stored.
    expect(JSON.stringify(page)).not.toContain('let me in');
  });
});

describe('guests', () => {
  it('get unauthorized for create, invite, kick, ban, unban, mute, op, dm and delete; the connection stays open', async () => {
    const w = await world(res, { adminUsers: ['root'] });
    const alice = await w.account('alice');
    const a = await alice.connect();
    await ok(a, { type: 'create', room: 'owned', private: false }, 'created');
    const g = await w.guest('visitor');
    await join(g, 'owned');
    const target = alice.user.id;
    const frames: Record<string, unknown>[] = [
      { type: 'create', room: 'guestroom', private: true },
      { type: 'create', room: 'guestroom' },
      { type: 'invite', room: 'owned', user: 'alice' },
      { type: 'kick', room: 'owned', user: target },
      { type: 'ban', room: 'owned', user: target },
      { type: 'unban', room: 'owned', user: target },
      { type: 'mute', room: 'owned', user: target, ms: 1000 },
      { type: 'op', room: 'owned', user: g.welcome.user.id },
      { type: 'dm', user: 'alice' },
      { type: 'delete', room: 'owned' },
    ];
    for (const frame of frames) await refused(g, frame, 'unauthorized');
    await barrier(g);
    // Nothing happened.
    expect(await w.store.roomInfo('guestroom')).toBeNull();
    expect(await w.store.roomInfo('owned')).not.toBeNull();
    expect(await w.store.isBanned('owned', target)).toBe(false);
    expect(await w.store.mutedUntil('owned', target)).toBe(0);
    expect(await w.store.roleOf('owned', g.welcome.user.id)).toBeNull();
    expect(framesOf(a, 'owned').filter((f) => f.type === 'kicked')).toEqual([]);
    // An admin's name is reserved even before its account exists: no guest takes it,
    // and a guest with a name close to it is still a guest, no admin.
    await expect(w.guest('root')).rejects.toThrow('HTTP 409');
    const fake = await w.guest('root-admin');
    await refused(fake, { type: 'delete', room: 'owned' }, 'unauthorized');
  });
});
