// Cluster-wide presence: `welcome.online`, `joined.online`, `members` and `presence`
// events count users across nodes; a user with connections on two nodes counts once; a node that
// stops gracefully says `left` for its users, and one killed with kill -9 has them expired within
// a bounded time (PRESENCE_EXPIRY_MS), with `presence left` sent by a surviving node.
import { describe, expect, it } from 'vitest';
import type { PresenceFrame, ServerFrame, User } from '@chat/protocol';
import type { TestClient } from '../helpers.js';
import { servicesAvailable } from '../services.js';
import { connect, join, startCluster, stopNode, TEST_TIMEOUT_MS, useClusterCleanup } from './cluster-harness.js';

const available = await servicesAvailable(['postgres', 'redis']);

useClusterCleanup();

const presenceIn = (room: string) => (f: ServerFrame) => f.type === 'presence' && f.room === room;
/** A presence event of the room about someone else than this connection's user (its own join echoes too). */
const aboutOthers = (c: TestClient, room: string) => (f: ServerFrame) =>
  presenceIn(room)(f) && (f as PresenceFrame).joined?.id !== c.welcome.user.id;
const ids = (users: User[]) => users.map((u) => u.id).sort();
/** Every presence event this connection got for the room, in order. */
const presenceFrames = (c: TestClient, room: string) => c.frames.filter(presenceIn(room)) as PresenceFrame[];
const describePresence = (f: PresenceFrame) =>
  `${f.joined ? `joined ${f.joined.nick}` : f.left ? `left ${f.left.nick}` : f.renamed ? `renamed ${f.renamed.nick}` : 'count'} online=${f.online}`;

describe.skipIf(!available)('cluster: presence and online counts', { timeout: TEST_TIMEOUT_MS }, () => {
  it('counts users across nodes, once per user; a graceful stop says `left` for its users', async () => {
    const { nodes } = await startCluster(3);
    const [a, b, c] = nodes as [(typeof nodes)[0], (typeof nodes)[0], (typeof nodes)[0]];
    const room = 'presence';

    // x on A: alone in the cluster.
    const x = await connect(a, { nick: 'x' });
    expect(x.welcome.online).toBe(1);
    const xJoined = await join(x, room);
    expect([xJoined.online, ids(xJoined.members)]).toEqual([1, [x.welcome.user.id]]);

    // y on B: the welcome counts x on A; y's join lists both, and x on A hears of it.
    const y = await connect(b, { nick: 'y' });
    expect(y.welcome.online).toBe(2);
    const yJoined = await join(y, room);
    expect([yJoined.online, ids(yJoined.members)]).toEqual([2, ids([x.welcome.user, y.welcome.user])]);
    const heard = (await x.next(aboutOthers(x, room), 10_000)) as PresenceFrame;
    expect(heard).toMatchObject({ online: 2, joined: y.welcome.user });

    // y again, on C (same token: the same user): counted once, online and in the room.
    const y2 = await connect(c, { token: y.welcome.token! });
    expect(y2.welcome.user).toEqual(y.welcome.user);
    expect(y2.welcome.online).toBe(2);
    const y2Joined = await join(y2, room);
    expect([y2Joined.online, ids(y2Joined.members)]).toEqual([2, ids([x.welcome.user, y.welcome.user])]);

    // y's connection on B goes: y is still in the room through C, so nobody hears `left`.
    await y.close();
    // z joins on B afterwards: the count still includes y (x, y, z), and z's arrival is the next
    // presence event x gets (a `left` for y would come before it: same node, same order).
    const z = await connect(b, { nick: 'z' });
    expect(z.welcome.online).toBe(3);
    const zJoined = await join(z, room);
    expect([zJoined.online, ids(zJoined.members)]).toEqual([3, ids([x.welcome.user, y.welcome.user, z.welcome.user])]);
    const next = (await x.next(aboutOthers(x, room), 10_000)) as PresenceFrame;
    expect(describePresence(next), `x's presence events: ${presenceFrames(x, room).map(describePresence).join(', ')}`).toBe('joined z online=3');

    // Graceful stop of B (SIGTERM): z, whose only connection was there, leaves; y (on C) stays.
    const exit = await stopNode(b, 'SIGTERM');
    expect(exit.code, b.output()).toBe(0);
    const gone = (await x.next(aboutOthers(x, room), 10_000)) as PresenceFrame;
    expect(describePresence(gone), `x's presence events: ${presenceFrames(x, room).map(describePresence).join(', ')}`).toBe('left z online=2');
    const seenByY = (await y2.next((f) => aboutOthers(y2, room)(f) && (f as PresenceFrame).left !== undefined, 10_000)) as PresenceFrame;
    expect(seenByY).toMatchObject({ online: 2, left: z.welcome.user });
    // New connections see the new counts, on either surviving node.
    const w = await connect(c, { nick: 'w' });
    expect(w.welcome.online).toBe(3); // x, y, w
    const wJoined = await join(w, room);
    expect([wJoined.online, ids(wJoined.members)]).toEqual([3, ids([x.welcome.user, y.welcome.user, w.welcome.user])]);
    expect(
      presenceFrames(x, room).filter((f) => f.left?.id === y.welcome.user.id),
      'y never left: it kept a connection on C',
    ).toEqual([]);
  });

  it('a node killed with kill -9: its users are expired and the others get `presence left` within a bounded time', async () => {
    const { nodes } = await startCluster(2, { env: { PRESENCE_EXPIRY_MS: '2000' } });
    const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
    const room = 'expiry';
    const x = await connect(a, { nick: 'x' });
    await join(x, room);
    const y = await connect(b, { nick: 'y' });
    expect(y.welcome.online).toBe(2);
    await join(y, room);
    expect(await x.next(aboutOthers(x, room), 10_000)).toMatchObject({ online: 2, joined: y.welcome.user });

    b.child.kill('SIGKILL');
    expect((await b.exited).signal).toBe('SIGKILL');
    // Expiry 2 s, swept every ~0.7 s: 15 s is a generous bound.
    const left = (await x.next(aboutOthers(x, room), 15_000)) as PresenceFrame;
    expect(left).toMatchObject({ online: 1, left: y.welcome.user });
    expect(left.joined).toBeUndefined();

    // The counts dropped for everyone: y is gone from online and from the room's members.
    const w = await connect(a, { nick: 'w' });
    expect(w.welcome.online).toBe(2); // x and w
    const wJoined = await join(w, room);
    expect([wJoined.online, ids(wJoined.members)]).toEqual([2, ids([x.welcome.user, w.welcome.user])]);
  });
});
