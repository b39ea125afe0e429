// Accounts and rooms, hardening found in review: no impersonation through an old guest nick, DMs stay between
// two people (and out of admins' reach), moderators are accounts, a refused DM leaves nothing
// behind, and the per-IP limit holds for simultaneous upgrades.
import { describe, expect, it } from 'vitest';
import type { JoinedFrame, ModeratedFrame } from '@chat/protocol';
import { dmRoomName } from '../../src/hub/room-rules.js';
import { TestClient, trackResources } from '../helpers.js';
import { join, ok, refused, world } from './world.js';

const res = trackResources();

describe('review hardening', () => {
  it('a guest whose nick was registered meanwhile comes back under a fresh guest nick', async () => {
    const w = await world(res);
    const guest = await w.guest('carol');
    const token = guest.welcome.token!;
    await guest.close();
    await w.account('carol');
    const back = await w.connect({ token });
    expect(back.welcome.user.id).toBe(guest.welcome.user.id);
    expect(back.welcome.user.nick).not.toBe('carol');
    expect(back.welcome.user.nick).toMatch(/^guest-\d+$/);
  });

  it('a DM has no invitations, no moderators, and admins do not read it', async () => {
    const w = await world(res, { adminUsers: ['root'] });
    const [alice, bob] = await w.accounts('alice', 'bob');
    await w.account('eve');
    const root = await w.account('root');
    const a = await alice.connect();
    const dm = await ok<JoinedFrame>(a, { type: 'dm', user: 'bob' }, 'joined');
    expect(dm.room).toBe(dmRoomName(alice.user.id, bob.user.id));
    const r = await root.connect();
    await refused(r, { type: 'join', room: dm.room }, 'forbidden');
    await refused(r, { type: 'invite', room: dm.room, user: 'eve' }, 'forbidden');
    await refused(r, { type: 'op', room: dm.room, user: bob.user.id }, 'forbidden');
    expect(await w.store.roleOf(dm.room, (await w.store.accountByUsername('eve'))!.user.id)).toBeNull();
  });

  it('only accounts can be made moderators', async () => {
    const w = await world(res);
    const owner = await w.account('owner');
    const o = await owner.connect();
    await ok(o, { type: 'create', room: 'club' }, 'created');
    const guest = await w.guest('visitor');
    await join(guest, 'club');
    await refused(o, { type: 'op', room: 'club', user: guest.welcome.user.id }, 'forbidden');
  });

  it('a DM refused by the room limit creates nothing', async () => {
    const w = await world(res, { maxRoomsPerConnection: 1 });
    const [alice, bob] = await w.accounts('alice', 'bob');
    const a = await alice.connect();
    await join(a, 'lobby');
    await refused(a, { type: 'dm', user: 'bob' }, 'forbidden');
    expect(await w.store.roomInfo(dmRoomName(alice.user.id, bob.user.id))).toBeNull();
  });

  it('simultaneous upgrades cannot overshoot MAX_CONNECTIONS_PER_IP, and refused ones give their slot back', async () => {
    const w = await world(res, { maxConnectionsPerIp: 3 });
    const alice = await w.account('alice');
    // Token lookups await the store: all ten start before any finishes.
    const attempts = await Promise.allSettled(Array.from({ length: 10 }, () => TestClient.connect(w.server, { query: { token: alice.token } })));
    const opened = attempts.flatMap((a) => (a.status === 'fulfilled' ? [a.value] : []));
    expect(opened).toHaveLength(3);
    expect(attempts.filter((a) => a.status === 'rejected').map((a) => String((a as PromiseRejectedResult).reason))).toEqual(
      Array.from({ length: 7 }, () => 'Error: HTTP 429'),
    );
    // Upgrades refused for another reason (bad token) do not keep a slot either.
    for (const c of opened) await c.close();
    for (let i = 0; i < 5; i++) await expect(TestClient.connect(w.server, { query: { token: 'nope' } })).rejects.toThrow('HTTP 401');
    const again = await Promise.all([1, 2, 3].map(() => TestClient.connect(w.server, { query: { token: alice.token } })));
    expect(again).toHaveLength(3);
    for (const c of again) await c.close();
  });
});

describe('the target is told', () => {
  it('an invitee gets an invitation, a muted user and a new moderator get moderated', async () => {
    const w = await world(res);
    const [owner, bob] = await w.accounts('owner', 'bob');
    const o = await owner.connect();
    const b = await bob.connect();
    await ok(o, { type: 'create', room: 'club', private: true }, 'created');
    await ok(o, { type: 'invite', room: 'club', user: 'bob' }, 'invited');
    expect(await b.nextOfType('invitation')).toEqual({ type: 'invitation', room: 'club', by: owner.user, kind: 'private' });
    await join(o, 'club');
    await join(b, 'club');
    const muted = await ok<ModeratedFrame>(o, { type: 'mute', room: 'club', user: bob.user.id, ms: 60_000 }, 'moderated');
    expect(await b.next((f) => f.type === 'moderated' && f.action === 'mute')).toEqual({
      type: 'moderated',
      action: 'mute',
      room: 'club',
      user: bob.user,
      until: muted.until,
    });
    await ok(o, { type: 'op', room: 'club', user: bob.user.id }, 'moderated');
    expect(await b.next((f) => f.type === 'moderated' && f.action === 'op')).toEqual({ type: 'moderated', action: 'op', room: 'club', user: bob.user });
  });
});
