// Rules that must hold on every node of a cluster (docs/scaling.md): private rooms stay private across
// nodes, bans made on one node hold on the others, and the per-user rate limit is one budget for
// the whole cluster, not one per node.
import { isMessage } from '@chat/protocol';
import { describe, expect, it } from 'vitest';
import type { ErrorFrame, InvitationFrame, KickedFrame, ServerFrame } from '@chat/protocol';
import { servicesAvailable } from '../services.js';
import {
  connect,
  connectAccount,
  expectError,
  join,
  messagesOf,
  register,
  sendAcked,
  startCluster,
  TEST_TIMEOUT_MS,
  useClusterCleanup,
  waitForSeq,
} from './cluster-harness.js';

const available = await servicesAvailable(['postgres', 'redis']);

useClusterCleanup();

describe.skipIf(!available)('cluster: access rules on every node', { timeout: TEST_TIMEOUT_MS }, () => {
  it('a private room created on A: a non-member on B is refused and never gets its messages; an invited member on B does', async () => {
    const { nodes } = await startCluster(2);
    const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
    const room = 'secret';
    const alice = await register(a, 'alice');
    const bob = await register(b, 'bob');
    const carol = await register(b, 'carol');

    const aliceWs = await connectAccount(a, alice);
    expect((await aliceWs.request({ type: 'create', room, private: true })).type).toBe('created');
    await join(aliceWs, room);

    const bobWs = await connectAccount(b, bob);
    const carolWs = await connectAccount(b, carol);
    // Before any invitation, neither may join on B (the room was made on A).
    expectError(await carolWs.request({ type: 'join', room }), 'forbidden', 'carol joins');
    expectError(await carolWs.request({ type: 'join', room, since: 0 }), 'forbidden', 'carol resumes');
    expectError(await bobWs.request({ type: 'join', room }), 'forbidden', 'bob joins uninvited');

    const first = await sendAcked(aliceWs, room, 'before-invite', 'for members only');

    // The invitation is made on A; bob, on B, is told and may now join there, history included.
    expect((await aliceWs.request({ type: 'invite', room, user: 'bob' })).type).toBe('invited');
    const invitation = await bobWs.next<InvitationFrame>((f) => f.type === 'invitation', 10_000);
    expect(invitation).toMatchObject({ room, by: alice.user });
    const bobJoined = await join(bobWs, room);
    expect(bobJoined.history.filter(isMessage).map((m) => m.id)).toEqual([first.msgId]);
    expect(bobJoined.kind).toBe('private');

    // carol is still refused, and a fresh connection of hers on A is too.
    expectError(await carolWs.request({ type: 'join', room }), 'forbidden', 'carol joins after bob was invited');
    const carolOnA = await connectAccount(a, carol);
    expectError(await carolOnA.request({ type: 'join', room }), 'forbidden', 'carol joins on A');
    expectError(await carolWs.request({ type: 'history', room }), 'not_member', 'carol reads history');

    // Live messages from both sides reach the members on both nodes, and never carol.
    const second = await sendAcked(aliceWs, room, 'after-invite');
    const third = await sendAcked(bobWs, room, 'from-bob');
    await waitForSeq(bobWs, room, third.seq, 10_000, 'bob');
    await waitForSeq(aliceWs, room, third.seq, 10_000, 'alice');
    expect(messagesOf(bobWs, room).map((m) => m.id)).toEqual([second.msgId, third.msgId]);
    expect(messagesOf(aliceWs, room).map((m) => m.id)).toEqual([first.msgId, second.msgId, third.msgId]);
    // A public message after them all, seen by carol: by then anything of the private room would have come.
    await join(carolWs, 'lobby');
    await join(aliceWs, 'lobby');
    const marker = await sendAcked(aliceWs, 'lobby', 'marker');
    await waitForSeq(carolWs, 'lobby', marker.seq, 10_000, 'carol');
    for (const c of [carolWs, carolOnA]) {
      const leaked = c.frames.filter((f) => JSON.stringify(f).includes(room) && f.type !== 'error');
      expect(leaked, 'frames about the private room reached a non-member').toEqual([]);
    }

    // Nor through the HTTP API of either node.
    for (const node of [a, b]) {
      const res = await fetch(`${node.baseUrl}/api/rooms/${room}/messages`, { headers: { cookie: carol.cookie } });
      expect(res.status, `carol's GET on ${node.baseUrl}`).toBe(403);
      const rooms = (await (await fetch(`${node.baseUrl}/api/rooms`, { headers: { cookie: carol.cookie } })).json()) as { rooms: Array<{ name: string }> };
      expect(rooms.rooms.map((r) => r.name)).not.toContain(room);
      const bobRooms = (await (await fetch(`${node.baseUrl}/api/rooms`, { headers: { cookie: bob.cookie } })).json()) as { rooms: Array<{ name: string }> };
      expect(bobRooms.rooms.map((r) => r.name)).toContain(room);
    }
  });

  it('bans and mutes made on A hold on B: the banned user is ejected there and cannot join on any node; the muted one cannot send', async () => {
    const { nodes } = await startCluster(2);
    const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
    const room = 'moderated';
    const owner = await register(a, 'owner');
    const ownerWs = await connectAccount(a, owner);
    expect((await ownerWs.request({ type: 'create', room, private: false })).type).toBe('created');
    await join(ownerWs, room);

    const troll = await connect(b, { nick: 'troll' });
    await join(troll, room);
    const trollId = troll.welcome.user.id;

    const moderated = await ownerWs.request({ type: 'ban', room, user: trollId });
    expect(moderated).toMatchObject({ type: 'moderated', action: 'ban', room, user: { id: trollId } });
    // The ban reaches the troll's connection on B: it is out of the room.
    const kicked = await troll.next<KickedFrame>((f) => f.type === 'kicked', 10_000);
    expect(kicked).toMatchObject({ room, reason: 'ban' });
    expectError(await troll.request({ type: 'send', room, id: 'after-ban', text: 'hi' }), 'not_member', 'send after the ban');

    // Joining again is refused on B, and on A, and with a fresh connection (same token) on either.
    expectError(await troll.request({ type: 'join', room }), 'forbidden', 'rejoin on B');
    for (const node of [a, b]) {
      const again = await connect(node, { token: troll.welcome.token! });
      expect(again.welcome.user.id).toBe(trollId);
      expectError(await again.request({ type: 'join', room }), 'forbidden', `join on ${node.baseUrl}`);
      expectError(await again.request({ type: 'join', room, since: 0 }), 'forbidden', `resume on ${node.baseUrl}`);
    }
    // Someone else on B still gets in: the ban is the troll's alone.
    const other = await connect(b, { nick: 'other' });
    await join(other, room);

    // A mute made on A holds on B (the connection there is told, and refused), and on A for a
    // fresh connection of the same user.
    const muted = await ownerWs.request({ type: 'mute', room, user: other.welcome.user.id, ms: 60_000 });
    expect(muted).toMatchObject({ type: 'moderated', action: 'mute', user: { id: other.welcome.user.id } });
    const told = await other.next((f) => f.type === 'moderated', 10_000);
    expect(told).toMatchObject({ action: 'mute', room });
    expectError(await other.request({ type: 'send', room, id: 'muted-b', text: 'hi' }), 'forbidden', 'muted send on B');
    const otherOnA = await connect(a, { token: other.welcome.token! });
    await join(otherOnA, room);
    expectError(await otherOnA.request({ type: 'send', room, id: 'muted-a', text: 'hi' }), 'forbidden', 'muted send on A');
  });

  it('the rate limit is per user across the cluster: a user on A and B gets about one burst in total', async () => {
    // RATE_LIMIT=2: 2 per second, burst 4.
    const { nodes } = await startCluster(2, { env: { RATE_LIMIT: '2' } });
    const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
    const room = 'limited';
    const onA = await connect(a, { nick: 'fast' });
    const onB = await connect(b, { token: onA.welcome.token! });
    expect(onB.welcome.user.id).toBe(onA.welcome.user.id);
    await join(onA, room);
    await join(onB, room);

    // 12 sends, alternating A, B, A, …, all fired at once. With one bucket per node, 8 would pass
    // (4 on each); with the cluster-wide bucket, 4 pass plus whatever refilled meanwhile (0.5 s
    // of sending would refill one: allowing 6 leaves ample room for a slow machine).
    const sends: Array<Promise<ServerFrame>> = [];
    for (let i = 0; i < 12; i++) {
      const c = i % 2 === 0 ? onA : onB;
      sends.push(c.request({ type: 'send', room, id: `r${i}`, text: `r${i}` }, 15_000));
    }
    const replies = await Promise.all(sends);
    const acked = replies.filter((r) => r.type === 'ack');
    const limited = replies.filter((r): r is ErrorFrame => r.type === 'error' && r.code === 'rate_limited');
    expect(acked.length + limited.length, JSON.stringify(replies).slice(0, 500)).toBe(12);
    expect(acked.length, `acked: ${acked.length}, limited: ${limited.length}`).toBeGreaterThanOrEqual(4);
    expect(acked.length, `acked: ${acked.length}, limited: ${limited.length}`).toBeLessThanOrEqual(6);
    // Both nodes refused some: each consulted the shared bucket, not its own.
    const limitedIds = new Set(limited.map((e) => e.ref));
    expect(limited.every((e) => (e.retryAfterMs ?? 0) > 0)).toBe(true);
    expect(limitedIds.size).toBe(limited.length);
    const limitedOn = (c: typeof onA) => c.frames.filter((f) => f.type === 'error' && f.code === 'rate_limited').length;
    expect(limitedOn(onA), 'A refused none').toBeGreaterThan(0);
    expect(limitedOn(onB), 'B refused none').toBeGreaterThan(0);

    // Another user is not affected by this one's budget.
    const other = await connect(b, { nick: 'other' });
    await join(other, room);
    await sendAcked(other, room, 'other-1');
  });
  it('logging out on A closes the session\'s WebSockets on B too', async () => {
    const { nodes } = await startCluster(2);
    const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
    const dana = await register(a, 'dana');
    const onA = await connectAccount(a, dana);
    const onB = await connectAccount(b, dana);
    const res = await fetch(`${a.baseUrl}/api/auth/logout`, { method: 'POST', headers: { cookie: dana.cookie, origin: a.baseUrl } });
    expect(res.status).toBeLessThan(300);
    for (const [where, client] of Object.entries({ onA, onB })) {
      expect((await client.closed).code, where).toBe(4001);
    }
    // And no node takes the session again.
    await expect(connectAccount(b, dana)).rejects.toThrow(/401|HTTP/);
  });
});
