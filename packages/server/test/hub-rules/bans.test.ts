// A ban ends everything the user had in the room. Before this rule a banned moderator kept their
// role: they invited others, lifted their own ban and read the private room again.
import { describe, expect, it } from 'vitest';
import type { KickedFrame, ServerFrame } from '@chat/protocol';
import { trackResources } from '../helpers.js';
import { barrier, join, ok, refused, world } from './world.js';

const res = trackResources();
const isKicked = (room: string) => (f: ServerFrame) => f.type === 'kicked' && f.room === room;

describe('a ban', () => {
  it('takes a moderator\'s role and invitation: banned, they can do nothing there, not even lift their own ban', async () => {
    const w = await world(res);
    const [alice, bob, carol, dave] = await w.accounts('alice', 'bob', 'carol', 'dave');
    const a = await alice.connect();
    const b = await bob.connect();
    await ok(a, { type: 'create', room: 'den', private: true }, 'created');
    await ok(a, { type: 'invite', room: 'den', user: 'bob' }, 'invited');
    await ok(a, { type: 'op', room: 'den', user: bob.user.id }, 'moderated');
    await join(b, 'den');

    await ok(a, { type: 'ban', room: 'den', user: bob.user.id }, 'moderated');
    expect(await b.next<KickedFrame>(isKicked('den'))).toMatchObject({ reason: 'ban' });
    expect(await w.store.roleOf('den', bob.user.id)).toBeNull();

    // Every right is gone while banned.
    await refused(b, { type: 'unban', room: 'den', user: bob.user.id }, 'forbidden');
    await refused(b, { type: 'invite', room: 'den', user: 'carol' }, 'forbidden');
    await refused(b, { type: 'kick', room: 'den', user: alice.user.id }, 'forbidden');
    await refused(b, { type: 'mute', room: 'den', user: carol.user.id, ms: 1000 }, 'forbidden');
    await refused(b, { type: 'join', room: 'den' }, 'forbidden');
    await refused(b, { type: 'history', room: 'den' }, 'not_member');
    expect(await w.store.roleOf('den', carol.user.id)).toBeNull();
    expect(await w.store.isBanned('den', bob.user.id)).toBe(true);

    // The owner lifts the ban: bob is no longer banned, but no moderator and not invited either.
    await ok(a, { type: 'unban', room: 'den', user: bob.user.id }, 'moderated');
    await refused(b, { type: 'join', room: 'den' }, 'forbidden');
    await refused(b, { type: 'invite', room: 'den', user: 'dave' }, 'forbidden');
    expect(await w.store.roleOf('den', bob.user.id)).toBeNull();
    expect(await w.store.roleOf('den', dave.user.id)).toBeNull();
    await barrier(b);
  });

  it('nobody lifts their own ban, moderator or not; in a public room a banned moderator moderates no more', async () => {
    const w = await world(res);
    const [alice, bob, carol] = await w.accounts('alice', 'bob', 'carol');
    const a = await alice.connect();
    const b = await bob.connect();
    const c = await carol.connect();
    await ok(a, { type: 'create', room: 'square' }, 'created');
    for (const x of [b, c]) await join(x, 'square');
    await ok(a, { type: 'op', room: 'square', user: bob.user.id }, 'moderated');
    // As a moderator bob may ban and unban carol...
    await ok(b, { type: 'ban', room: 'square', user: carol.user.id }, 'moderated');
    await c.next(isKicked('square'));
    // ...but carol may not unban herself.
    await refused(c, { type: 'unban', room: 'square', user: carol.user.id }, 'forbidden');
    expect(await w.store.isBanned('square', carol.user.id)).toBe(true);
    await ok(b, { type: 'unban', room: 'square', user: carol.user.id }, 'moderated');
    await join(c, 'square');

    await ok(a, { type: 'ban', room: 'square', user: bob.user.id }, 'moderated');
    await b.next(isKicked('square'));
    await refused(b, { type: 'unban', room: 'square', user: bob.user.id }, 'forbidden');
    await refused(b, { type: 'kick', room: 'square', user: carol.user.id }, 'forbidden');
    await ok(a, { type: 'unban', room: 'square', user: bob.user.id }, 'moderated');
    // Back in the public room as a plain member.
    await join(b, 'square');
    await refused(b, { type: 'kick', room: 'square', user: carol.user.id }, 'forbidden');
    expect(await w.store.roleOf('square', bob.user.id)).toBeNull();
  });
});
