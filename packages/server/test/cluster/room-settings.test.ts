// Room settings across a cluster (Version 1.1, issue 15): a topic set on one node reaches the
// room's members on the other at once and is in their joined; the ban list reads the same from
// either node; the owner's delete on one node removes the room's members on the other.
import { describe, expect, it } from 'vitest';
import type { KickedFrame, TopicEventFrame } from '@chat/protocol';
import { servicesAvailable } from '../services.js';
import { connectAccount, join, register, startCluster, TEST_TIMEOUT_MS, useClusterCleanup } from './cluster-harness.js';

const available = await servicesAvailable(['postgres', 'redis']);

useClusterCleanup();

describe.skipIf(!available)('cluster: room settings on every node', { timeout: TEST_TIMEOUT_MS }, () => {
  it('topic from A reaches B at once and is in joined there; bans list on both nodes; the owner deletes on A, B is kicked', async () => {
    const { nodes } = await startCluster(2);
    const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
    const alice = await register(a, 'alice');
    const bob = await register(b, 'bob');
    const carol = await register(b, 'carol');
    const aliceWs = await connectAccount(a, alice);
    const bobWs = await connectAccount(b, bob);
    const carolWs = await connectAccount(b, carol);
    expect((await aliceWs.request({ type: 'create', room: 'garden' })).type).toBe('created');
    for (const ws of [aliceWs, bobWs, carolWs]) await join(ws, 'garden');

    expect(await aliceWs.request({ type: 'topic', room: 'garden', topic: 'Seeds — 种子' })).toMatchObject({ type: 'topic', topic: 'Seeds — 种子', by: { id: alice.user.id } });
    const heard = await bobWs.next<TopicEventFrame>((f) => f.type === 'topic' && f.room === 'garden', 10_000);
    expect(heard).toEqual({ type: 'topic', room: 'garden', topic: 'Seeds — 种子', by: expect.objectContaining({ id: alice.user.id }) });
    const fresh = await connectAccount(b, carol);
    expect((await join(fresh, 'garden')).topic).toBe('Seeds — 种子');

    expect((await aliceWs.request({ type: 'ban', room: 'garden', user: carol.user.id })).type).toBe('moderated');
    await carolWs.next<KickedFrame>((f) => f.type === 'kicked' && f.room === 'garden', 10_000);
    for (const node of [a, b]) {
      const res = await fetch(`${node.baseUrl}/api/rooms/garden/bans`, { headers: { cookie: alice.cookie } });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ bans: [expect.objectContaining({ id: carol.user.id, nick: 'carol' })] });
      expect((await fetch(`${node.baseUrl}/api/rooms/garden/bans`, { headers: { cookie: bob.cookie } })).status).toBe(403);
    }

    expect((await aliceWs.request({ type: 'delete', room: 'garden' })).type).toBe('deleted');
    expect(await bobWs.next<KickedFrame>((f) => f.type === 'kicked' && f.room === 'garden', 10_000)).toEqual({ type: 'kicked', room: 'garden', reason: 'delete' });
  });
});
