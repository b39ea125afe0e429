// kick, ban, unban, mute and op over WebSocket (docs/protocol.md, Accounts, private rooms and
// moderation: the WebSocket requests and the `moderated` reply), and who may do what: members cannot, moderators can (but not against each
// other or the owner), owners can op, nobody but an admin moves against the owner.
import { isMessage } from '@chat/protocol';
import { describe, expect, it } from 'vitest';
import type { HistoryReplyFrame, KickedFrame, ModeratedFrame, ServerFrame } from '@chat/protocol';
import { trackResources, type TestClient } from '../helpers.js';
import { barrier, framesOf, heard, join, ok, refused, say, world, type Account, type World } from './world.js';

const res = trackResources();

/** alice owns private room `den`; bob (two tabs) and carol are invited members, all joined. */
async function den(w: World) {
  const [alice, bob, carol] = await w.accounts('alice', 'bob', 'carol');
  const a = await alice.connect();
  const b1 = await bob.connect();
  const b2 = await bob.connect();
  const c = await carol.connect();
  await ok(a, { type: 'create', room: 'den', private: true }, 'created');
  await ok(a, { type: 'invite', room: 'den', user: 'bob' }, 'invited');
  await ok(a, { type: 'invite', room: 'den', user: 'carol' }, 'invited');
  for (const x of [a, b1, b2, c]) await join(x, 'den');
  // Everyone has seen everyone arrive, so later presence frames are the moderation's.
  await a.next((f) => f.type === 'presence' && f.room === 'den' && f.joined?.id === carol.user.id);
  return { alice, bob, carol, a, b1, b2, c };
}

const isKicked = (room: string) => (f: ServerFrame) => f.type === 'kicked' && f.room === room;
const leftOf = (room: string, who: Account) => (f: ServerFrame) => f.type === 'presence' && f.room === room && f.left?.id === who.user.id;

/** Checks that none of `clients` gets the room's next message, which `speaker` sends and `witness` hears. */
async function deaf(room: string, speaker: TestClient, witness: TestClient, clients: TestClient[], text: string) {
  const got = heard(witness, room, text);
  await say(speaker, room, text);
  await got;
  for (const x of clients) {
    await barrier(x);
    expect(framesOf(x, room).filter((f) => f.type === 'message' && f.text === text)).toEqual([]);
  }
}

describe('kick', () => {
  it('the owner kicks a member: every tab gets kicked (reason kick), stops hearing the room; others see left; caller gets moderated', async () => {
    const w = await world(res);
    const { bob, a, b1, b2, c } = await den(w);
    // A third tab of bob that is elsewhere is not concerned.
    const b3 = await bob.connect();
    await join(b3, 'lobby');
    const moderated = await ok<ModeratedFrame>(a, { type: 'kick', room: 'den', user: bob.user.id }, 'moderated');
    expect(moderated).toMatchObject({ type: 'moderated', action: 'kick', room: 'den', user: { id: bob.user.id, nick: 'bob' } });
    for (const tab of [b1, b2]) expect(await tab.next(isKicked('den'))).toEqual({ type: 'kicked', room: 'den', reason: 'kick' });
    for (const x of [a, c]) {
      const left = await x.next(leftOf('den', bob));
      expect(left).toMatchObject({ online: 2 });
    }
    await deaf('den', a, c, [b1, b2], 'after the kick');
    for (const tab of [b1, b2]) {
      await refused(tab, { type: 'send', room: 'den', text: 'still here?', id: 'k1' }, 'not_member');
      await refused(tab, { type: 'history', room: 'den' }, 'not_member');
    }
    // One `left` for bob although two tabs were removed.
    await barrier(c);
    expect(c.frames.filter(leftOf('den', bob))).toHaveLength(1);
    // Out of a private room, a kick takes the invitation too (issue 15): bob comes back only when
    // invited again. A kick is not a ban: an invitation is enough.
    await refused(b1, { type: 'join', room: 'den' }, 'forbidden');
    await ok(a, { type: 'invite', room: 'den', user: 'bob' }, 'invited');
    await join(b1, 'den');
    await a.next((f) => f.type === 'presence' && f.room === 'den' && f.joined?.id === bob.user.id);
    await barrier(b3);
    expect(b3.frames.filter((f) => f.type === 'kicked')).toEqual([]);
  });

  it('a moderator kicks a member; a member trying to kick gets forbidden; an unknown user is not_found', async () => {
    const w = await world(res);
    const { bob, carol, alice, a, b1, b2, c } = await den(w);
    await ok(a, { type: 'op', room: 'den', user: carol.user.id }, 'moderated');
    // bob is a plain member.
    await refused(b1, { type: 'kick', room: 'den', user: carol.user.id }, 'forbidden');
    await refused(b1, { type: 'kick', room: 'den', user: alice.user.id }, 'forbidden');
    await refused(a, { type: 'kick', room: 'den', user: 'no-such-user-id' }, 'not_found');
    await refused(c, { type: 'kick', room: 'den', user: 'no-such-user-id' }, 'not_found');
    await barrier(b1);
    expect(framesOf(c, 'den').filter((f) => f.type === 'kicked')).toEqual([]);

    const moderated = await ok<ModeratedFrame>(c, { type: 'kick', room: 'den', user: bob.user.id }, 'moderated');
    expect(moderated).toMatchObject({ action: 'kick', room: 'den', user: { id: bob.user.id, nick: 'bob' } });
    for (const tab of [b1, b2]) expect(await tab.next(isKicked('den'))).toMatchObject({ reason: 'kick' });
    await a.next(leftOf('den', bob));
    // Refusals kept the connections open.
    for (const x of [a, b1, b2, c]) await barrier(x);
  });

  it("nobody but an admin may kick the owner: not a moderator, not a member; the owner's connection stays in", async () => {
    const w = await world(res);
    const { alice, carol, a, b1, c } = await den(w);
    await ok(a, { type: 'op', room: 'den', user: carol.user.id }, 'moderated');
    await refused(c, { type: 'kick', room: 'den', user: alice.user.id }, 'forbidden');
    await refused(c, { type: 'ban', room: 'den', user: alice.user.id }, 'forbidden');
    await refused(c, { type: 'mute', room: 'den', user: alice.user.id, ms: 60_000 }, 'forbidden');
    await refused(b1, { type: 'kick', room: 'den', user: alice.user.id }, 'forbidden');
    await barrier(a);
    expect(framesOf(a, 'den').filter((f) => f.type === 'kicked')).toEqual([]);
    expect(await w.store.isBanned('den', alice.user.id)).toBe(false);
    // alice still talks in den.
    const got = heard(c, 'den', 'still the owner');
    await say(a, 'den', 'still the owner');
    await got;
  });

  it('kick of a user who is not in the room is still answered moderated (nothing to remove)', async () => {
    const w = await world(res);
    const [alice, bob] = await w.accounts('alice', 'bob');
    const a = await alice.connect();
    await ok(a, { type: 'create', room: 'den', private: true }, 'created');
    const moderated = await ok<ModeratedFrame>(a, { type: 'kick', room: 'den', user: bob.user.id }, 'moderated');
    expect(moderated.user).toEqual({ id: bob.user.id, nick: 'bob', account: true });
  });

  it('moderation of a room that does not exist is not_found', async () => {
    const w = await world(res);
    const [alice, bob] = await w.accounts('alice', 'bob');
    const a = await alice.connect();
    await refused(a, { type: 'kick', room: 'nowhere', user: bob.user.id }, 'not_found');
    await refused(a, { type: 'ban', room: 'nowhere', user: bob.user.id }, 'not_found');
    await barrier(a);
  });
});

describe('ban and unban', () => {
  it('ban removes every tab (reason ban), re-join is forbidden until unban, then join works', async () => {
    const w = await world(res);
    const { bob, a, b1, b2, c } = await den(w);
    const moderated = await ok<ModeratedFrame>(a, { type: 'ban', room: 'den', user: bob.user.id }, 'moderated');
    expect(moderated).toMatchObject({ type: 'moderated', action: 'ban', room: 'den', user: { id: bob.user.id, nick: 'bob' } });
    for (const tab of [b1, b2]) expect(await tab.next(isKicked('den'))).toEqual({ type: 'kicked', room: 'den', reason: 'ban' });
    await c.next(leftOf('den', bob));
    await deaf('den', a, c, [b1, b2], 'after the ban');

    await refused(b1, { type: 'join', room: 'den' }, 'forbidden');
    await refused(b2, { type: 'join', room: 'den', since: 0 }, 'forbidden');
    // A new connection is banned too (the ban is stored).
    const b3 = await bob.connect();
    await refused(b3, { type: 'join', room: 'den' }, 'forbidden');
    // An invitation does not lift a ban.
    await ok(a, { type: 'invite', room: 'den', user: 'bob' }, 'invited');
    await refused(b3, { type: 'join', room: 'den' }, 'forbidden');
    await barrier(b3);

    const unbanned = await ok<ModeratedFrame>(a, { type: 'unban', room: 'den', user: bob.user.id }, 'moderated');
    expect(unbanned).toMatchObject({ action: 'unban', room: 'den', user: { id: bob.user.id, nick: 'bob' } });
    const joined = await join(b1, 'den');
    expect(joined.history.filter(isMessage).map((m) => m.text)).toContain('after the ban');
    const got = heard(a, 'den', 'back again');
    await say(b1, 'den', 'back again');
    await got;
  });

  it('bans work in a public (created) room too, for accounts and for guests; moderators may ban and unban', async () => {
    const w = await world(res);
    const [alice, bob, carol] = await w.accounts('alice', 'bob', 'carol');
    const a = await alice.connect();
    const b = await bob.connect();
    const c = await carol.connect();
    const g = await w.guest('visitor');
    await ok(a, { type: 'create', room: 'square' }, 'created');
    for (const x of [a, b, c, g]) await join(x, 'square');
    await ok(a, { type: 'op', room: 'square', user: carol.user.id }, 'moderated');

    const bannedBob = await ok<ModeratedFrame>(c, { type: 'ban', room: 'square', user: bob.user.id }, 'moderated');
    expect(bannedBob).toMatchObject({ action: 'ban', user: { id: bob.user.id } });
    expect(await b.next(isKicked('square'))).toMatchObject({ reason: 'ban' });
    await refused(b, { type: 'join', room: 'square' }, 'forbidden');

    const bannedGuest = await ok<ModeratedFrame>(a, { type: 'ban', room: 'square', user: g.welcome.user.id }, 'moderated');
    expect(bannedGuest.user).toEqual(g.welcome.user);
    expect(await g.next(isKicked('square'))).toMatchObject({ reason: 'ban' });
    await refused(g, { type: 'join', room: 'square' }, 'forbidden');
    // The guest's reconnect with its token is still the banned user.
    const g2 = await w.connect({ token: g.welcome.token as string });
    await refused(g2, { type: 'join', room: 'square' }, 'forbidden');

    // Other public rooms are unaffected.
    await join(b, 'elsewhere');
    await join(g, 'elsewhere');

    // A plain member cannot unban; a moderator can.
    const dave = await (await w.account('dave')).connect();
    await join(dave, 'square');
    await refused(dave, { type: 'unban', room: 'square', user: bob.user.id }, 'forbidden');
    await refused(b, { type: 'unban', room: 'square', user: bob.user.id }, 'forbidden');
    await ok(c, { type: 'unban', room: 'square', user: bob.user.id }, 'moderated');
    await join(b, 'square');
    await refused(g, { type: 'join', room: 'square' }, 'forbidden');
  });

  it('a member trying to ban gets forbidden; an unknown user is not_found', async () => {
    const w = await world(res);
    const { carol, a, b1 } = await den(w);
    await refused(b1, { type: 'ban', room: 'den', user: carol.user.id }, 'forbidden');
    await refused(b1, { type: 'unban', room: 'den', user: carol.user.id }, 'forbidden');
    await refused(a, { type: 'ban', room: 'den', user: 'ghost' }, 'not_found');
    await refused(a, { type: 'unban', room: 'den', user: 'ghost' }, 'not_found');
    await barrier(b1);
    expect(await w.store.isBanned('den', carol.user.id)).toBe(false);
  });
});

describe('mute', () => {
  it('answers moderated with until; the muted user cannot send to the room (nothing stored), other rooms work, and after ms it can again', async () => {
    const w = await world(res);
    const { bob, a, b1, c } = await den(w);
    await join(b1, 'lobby');
    const ms = 300;
    const before = Date.now();
    const moderated = await ok<ModeratedFrame>(a, { type: 'mute', room: 'den', user: bob.user.id, ms }, 'moderated');
    expect(moderated).toMatchObject({ type: 'moderated', action: 'mute', room: 'den', user: { id: bob.user.id, nick: 'bob' } });
    expect(typeof moderated.until).toBe('number');
    expect(moderated.until as number).toBeGreaterThanOrEqual(before + ms);
    expect(moderated.until as number).toBeLessThanOrEqual(Date.now() + ms);

    await refused(b1, { type: 'send', room: 'den', text: 'muted words', id: 'mute-1' }, 'forbidden');
    // Other rooms are unaffected.
    const lobby = heard(b1, 'lobby', 'lobby words');
    await say(b1, 'lobby', 'lobby words');
    await lobby;
    // Nothing was stored or broadcast.
    const page = await ok<HistoryReplyFrame>(c, { type: 'history', room: 'den' }, 'history');
    expect(page.messages.filter(isMessage).map((m) => m.text)).not.toContain('muted words');
    await barrier(a);
    expect(JSON.stringify(a.frames)).not.toContain('muted words');
    // bob still hears the room.
    const got = heard(b1, 'den', 'you are muted');
    await say(a, 'den', 'you are muted');
    await got;

    // The mute ends at `until` (time has to pass here: there is no frame to wait for).
    await new Promise((r) => setTimeout(r, Math.max(0, (moderated.until as number) - Date.now() + 25)));
    const seq = await say(b1, 'den', 'free again');
    const page2 = await ok<HistoryReplyFrame>(c, { type: 'history', room: 'den', after: seq - 1 }, 'history');
    expect(page2.messages.filter(isMessage).map((m) => m.text)).toEqual(['free again']);
  });

  it("applies to the user's already-joined tabs at once, and survives leave/re-join and a new connection (it is stored)", async () => {
    const w = await world(res);
    const { bob, a, b1, b2 } = await den(w);
    await ok(a, { type: 'mute', room: 'den', user: bob.user.id, ms: 60_000 }, 'moderated');
    await refused(b1, { type: 'send', room: 'den', text: 'tab one', id: 'mt-1' }, 'forbidden');
    await refused(b2, { type: 'send', room: 'den', text: 'tab two', id: 'mt-2' }, 'forbidden');
    await ok(b1, { type: 'leave', room: 'den' }, 'left');
    await join(b1, 'den');
    await refused(b1, { type: 'send', room: 'den', text: 'rejoined', id: 'mt-3' }, 'forbidden');
    const b3 = await bob.connect();
    await join(b3, 'den');
    await refused(b3, { type: 'send', room: 'den', text: 'new tab', id: 'mt-4' }, 'forbidden');
    // Each join says so again, right after `joined`, so a reloaded page knows before it sends.
    const told = b3.frames.find((f) => f.type === 'moderated') as ModeratedFrame | undefined;
    expect(told).toMatchObject({ type: 'moderated', action: 'mute', room: 'den', user: { id: bob.user.id } });
    expect(told!.until).toBe(await w.store.mutedUntil('den', bob.user.id));
    expect(b3.frames.findIndex((f) => f.type === 'moderated')).toBe(b3.frames.findIndex((f) => f.type === 'joined') + 1);
    expect(await w.store.mutedUntil('den', bob.user.id)).toBeGreaterThan(Date.now());
    // A mute of bob does not mute carol, nor the owner.
    await say(a, 'den', 'owner speaks');
    for (const x of [b1, b2, b3]) await barrier(x);
  });

  it('a tab that was not in the room when muted is muted when it joins', async () => {
    const w = await world(res);
    const [alice, bob] = await w.accounts('alice', 'bob');
    const a = await alice.connect();
    const b = await bob.connect();
    await ok(a, { type: 'create', room: 'den', private: true }, 'created');
    await ok(a, { type: 'invite', room: 'den', user: 'bob' }, 'invited');
    await ok(a, { type: 'mute', room: 'den', user: bob.user.id, ms: 60_000 }, 'moderated');
    await join(b, 'den');
    await refused(b, { type: 'send', room: 'den', text: 'joined muted', id: 'jm-1' }, 'forbidden');
  });

  it('a member cannot mute (forbidden); unknown user is not_found; a bad ms is bad_request', async () => {
    const w = await world(res);
    const { carol, a, b1 } = await den(w);
    await refused(b1, { type: 'mute', room: 'den', user: carol.user.id, ms: 1000 }, 'forbidden');
    await refused(a, { type: 'mute', room: 'den', user: 'ghost', ms: 1000 }, 'not_found');
    await refused(a, { type: 'mute', room: 'den', user: carol.user.id, ms: 0 }, 'bad_request');
    await refused(a, { type: 'mute', room: 'den', user: carol.user.id }, 'bad_request');
    await barrier(b1);
    expect(await w.store.mutedUntil('den', carol.user.id)).toBe(0);
  });
});

describe('op', () => {
  it('the owner makes a member moderator (moderated op); the new moderator can kick; a moderator cannot op', async () => {
    const w = await world(res);
    const { bob, carol, a, b1, c } = await den(w);
    const dave = await w.account('dave');
    const d = await dave.connect();
    await ok(a, { type: 'invite', room: 'den', user: 'dave' }, 'invited');
    await join(d, 'den');

    // Before op, bob cannot kick.
    await refused(b1, { type: 'kick', room: 'den', user: carol.user.id }, 'forbidden');
    const opped = await ok<ModeratedFrame>(a, { type: 'op', room: 'den', user: bob.user.id }, 'moderated');
    expect(opped).toMatchObject({ type: 'moderated', action: 'op', room: 'den', user: { id: bob.user.id, nick: 'bob' } });
    expect(await w.store.roleOf('den', bob.user.id)).toBe('moderator');

    const kicked = await ok<ModeratedFrame>(b1, { type: 'kick', room: 'den', user: carol.user.id }, 'moderated');
    expect(kicked).toMatchObject({ action: 'kick', user: { id: carol.user.id } });
    expect(await c.next(isKicked('den'))).toMatchObject({ reason: 'kick' });

    // A moderator may not op.
    await refused(b1, { type: 'op', room: 'den', user: dave.user.id }, 'forbidden');
    expect(await w.store.roleOf('den', dave.user.id)).toBe('member');
    // Nor may a member.
    await refused(d, { type: 'op', room: 'den', user: dave.user.id }, 'forbidden');
    await refused(a, { type: 'op', room: 'den', user: 'ghost' }, 'not_found');
    for (const x of [a, b1, d]) await barrier(x);
  });

  it('moderators cannot kick, ban or mute each other', async () => {
    const w = await world(res);
    const { bob, carol, a, b1, b2, c } = await den(w);
    await ok(a, { type: 'op', room: 'den', user: bob.user.id }, 'moderated');
    await ok(a, { type: 'op', room: 'den', user: carol.user.id }, 'moderated');
    await refused(b1, { type: 'kick', room: 'den', user: carol.user.id }, 'forbidden');
    await refused(b1, { type: 'ban', room: 'den', user: carol.user.id }, 'forbidden');
    await refused(b1, { type: 'mute', room: 'den', user: carol.user.id, ms: 1000 }, 'forbidden');
    await refused(c, { type: 'kick', room: 'den', user: bob.user.id }, 'forbidden');
    for (const x of [b2, c]) {
      await barrier(x);
      expect(framesOf(x, 'den').filter((f) => f.type === 'kicked')).toEqual([]);
    }
    expect(await w.store.isBanned('den', carol.user.id)).toBe(false);
    // The owner can still moderate a moderator.
    await ok(a, { type: 'kick', room: 'den', user: carol.user.id }, 'moderated');
    expect(await c.next(isKicked('den'))).toMatchObject({ reason: 'kick' });
  });

  it('the owner cannot be opped (demoted to moderator)', async () => {
    const w = await world(res);
    const alice = await w.account('alice');
    const a = await alice.connect();
    await ok(a, { type: 'create', room: 'den', private: true }, 'created');
    await refused(a, { type: 'op', room: 'den', user: alice.user.id }, 'forbidden');
    expect(await w.store.roleOf('den', alice.user.id)).toBe('owner');
  });
});

describe('admins (ADMIN_USERS)', () => {
  it('have owner rights in every room: join any private room, kick anyone including its owner, op', async () => {
    const w = await world(res, { adminUsers: ['root'] });
    const { alice, bob, a, b1, b2, c } = await den(w);
    const root = await w.account('root');
    const r = await root.connect();
    // Not invited, yet joins.
    const joined = await join(r, 'den');
    expect(joined.members.map((m) => m.nick).sort()).toEqual(['alice', 'bob', 'carol', 'root']);
    await say(r, 'den', 'admin here');

    // An owner cannot move against an admin.
    await refused(a, { type: 'kick', room: 'den', user: root.user.id }, 'forbidden');
    await refused(a, { type: 'ban', room: 'den', user: root.user.id }, 'forbidden');

    // The admin ops bob, and kicks the owner.
    await ok(r, { type: 'op', room: 'den', user: bob.user.id }, 'moderated');
    expect(await w.store.roleOf('den', bob.user.id)).toBe('moderator');
    const kicked = await ok<ModeratedFrame>(r, { type: 'kick', room: 'den', user: alice.user.id }, 'moderated');
    expect(kicked).toMatchObject({ action: 'kick', user: { id: alice.user.id, nick: 'alice' } });
    expect(await a.next<KickedFrame>(isKicked('den'))).toEqual({ type: 'kicked', room: 'den', reason: 'kick' });
    await c.next(leftOf('den', alice));
    // ...and can ban and mute the owner too.
    await ok(r, { type: 'mute', room: 'den', user: alice.user.id, ms: 60_000 }, 'moderated');
    await ok(r, { type: 'ban', room: 'den', user: alice.user.id }, 'moderated');
    await refused(a, { type: 'join', room: 'den' }, 'forbidden');
    await ok(r, { type: 'unban', room: 'den', user: alice.user.id }, 'moderated');
    // The ban took her role away (owner included), and the unban gives nothing back: she needs a
    // new invitation, and comes back as a member.
    await refused(a, { type: 'join', room: 'den' }, 'forbidden');
    await ok(r, { type: 'invite', room: 'den', user: 'alice' }, 'invited');
    await join(a, 'den');
    expect(await w.store.roleOf('den', alice.user.id)).toBe('member');
    for (const x of [b1, b2]) await barrier(x);
  });

  it('may moderate a room nobody owns (an ad-hoc public room), which its users may not', async () => {
    const w = await world(res, { adminUsers: ['root'] });
    const [bob, carol] = await w.accounts('bob', 'carol');
    const b = await bob.connect();
    const c = await carol.connect();
    const r = await (await w.account('root')).connect();
    for (const x of [b, c, r]) await join(x, 'plaza');
    await refused(b, { type: 'kick', room: 'plaza', user: carol.user.id }, 'forbidden');
    await ok(r, { type: 'ban', room: 'plaza', user: carol.user.id }, 'moderated');
    expect(await c.next(isKicked('plaza'))).toMatchObject({ reason: 'ban' });
    await refused(c, { type: 'join', room: 'plaza' }, 'forbidden');
  });
});
