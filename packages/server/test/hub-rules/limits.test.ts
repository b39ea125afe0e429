// Abuse limits over WebSocket. Rooms joined per connection (MAX_ROOMS_PER_CONNECTION) and
// open connections per client address (MAX_CONNECTIONS_PER_IP, HTTP 429 on the upgrade).
import { describe, expect, it } from 'vitest';
import type { JoinedFrame } from '@chat/protocol';
import { TestClient, trackResources } from '../helpers.js';
import { barrier, eventually, join, ok, refused, say, world } from './world.js';

const res = trackResources();

describe('MAX_ROOMS_PER_CONNECTION', () => {
  it('a 4th room with a limit of 3 is forbidden; re-joining a joined room is not; leaving one frees a place', async () => {
    const w = await world(res, { maxRoomsPerConnection: 3 });
    const alice = await w.account('alice');
    const a = await alice.connect();
    for (const room of ['lobby', 'one', 'two']) await join(a, room);
    await refused(a, { type: 'join', room: 'three' }, 'forbidden');
    // The refused room was not created, nor joined.
    expect(await w.store.roomInfo('three')).toBeNull();
    await refused(a, { type: 'send', room: 'three', text: 'x', id: 'l1' }, 'not_member');
    // Joining a room it is already in answers joined again.
    await join(a, 'two');
    // Private rooms and DMs count the same.
    await ok(a, { type: 'create', room: 'secret', private: true }, 'created');
    await refused(a, { type: 'join', room: 'secret' }, 'forbidden');
    const bob = await w.account('bob');
    await refused(a, { type: 'dm', user: 'bob' }, 'forbidden');
    await barrier(a);

    await ok(a, { type: 'leave', room: 'one' }, 'left');
    await join(a, 'three');
    await say(a, 'three', 'made it');
    await refused(a, { type: 'join', room: 'four' }, 'forbidden');

    // The limit is per connection: another tab of the same user has its own.
    const a2 = await alice.connect();
    const b = await bob.connect();
    await ok(b, { type: 'create', room: 'bobs' }, 'created');
    for (const room of ['four', 'five', 'bobs']) await join(a2, room);
    await refused(a2, { type: 'join', room: 'seven' }, 'forbidden');
    // Being kicked frees a place as well.
    await ok(b, { type: 'kick', room: 'bobs', user: alice.user.id }, 'moderated');
    await a2.next((f) => f.type === 'kicked' && f.room === 'bobs');
    await join(a2, 'seven');
    await ok(a2, { type: 'leave', room: 'seven' }, 'left');
    await ok<JoinedFrame>(a2, { type: 'dm', user: 'bob' }, 'joined');
  });
});

describe('MAX_CONNECTIONS_PER_IP', () => {
  it('the third upgrade from one address gets HTTP 429; after one closes a new one succeeds', async () => {
    const w = await world(res, { maxConnectionsPerIp: 2 });
    const alice = await w.account('alice');
    const a = await w.connect({ token: alice.token });
    const b = await w.guest('visitor');
    await expect(TestClient.connect(w.server, { query: { token: alice.token } })).rejects.toThrow('HTTP 429');
    await expect(TestClient.connect(w.server, { query: { nick: 'other' } })).rejects.toThrow('HTTP 429');
    await barrier(b);
    await a.close();
    // The server frees the slot when it sees the close; poll rather than sleep.
    const c = await eventually(() => w.connect({ token: alice.token }));
    expect(c.welcome.user.id).toBe(alice.user.id);
    await expect(TestClient.connect(w.server, { query: { nick: 'third' } })).rejects.toThrow('HTTP 429');
  });

  it('concurrent upgrades cannot overshoot the limit', async () => {
    const w = await world(res, { maxConnectionsPerIp: 2 });
    const attempts = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => TestClient.connect(w.server, { query: { nick: `n${i}` } })));
    const opened = attempts.filter((r): r is PromiseFulfilledResult<TestClient> => r.status === 'fulfilled').map((r) => r.value);
    for (const c of opened) res.track(c);
    const refusedStatuses = attempts.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => String(r.reason));
    expect(opened).toHaveLength(2);
    expect(refusedStatuses).toEqual(Array(3).fill('Error: HTTP 429'));
  });
});
