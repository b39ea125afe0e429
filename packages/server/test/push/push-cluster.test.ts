// Web Push in a two-node cluster (PostgreSQL + Redis): "no open connection anywhere in the
// cluster" means a connection on the other node counts too, and a message is pushed once by the
// cluster, not once per node. Both nodes sign with the one VAPID key kept in the shared database.
import { describe, expect, it } from 'vitest';
import type { ChildServer } from '../child-server.js';
import { startCluster, useClusterCleanup } from '../cluster/cluster-harness.js';
import { servicesAvailable } from '../services.js';
import { disconnect, joinRoom, openDm, people, PUSH_TEST_TIMEOUT_MS, PUSH_WAIT_MS, pushEnv, say, seqsOf, serverKey, subscribe, usePushTests } from './push-world.js';

const available = await servicesAvailable(['postgres', 'redis']);
useClusterCleanup();
const t = usePushTests();

describe.skipIf(!available)('push in a cluster', { timeout: PUSH_TEST_TIMEOUT_MS }, () => {
  it('a user connected on node B gets no push for a message sent on node A; once gone from B, the next message is pushed once', async () => {
    const r = await t.receiver();
    const { nodes } = await startCluster(2, { env: pushEnv(r) });
    const [nodeA, nodeB] = nodes as [ChildServer, ChildServer];
    const key = await serverKey(nodeA);
    expect(await serverKey(nodeB)).toBe(key);
    r.setServerKey(key);

    const [alice, bob] = await people(nodeA, 'alice', 'bob');
    await subscribe(nodeB, bob!, r.subscription('bob'));
    const a = await t.connect(nodeA, alice!);
    const room = await openDm(a, 'bob');

    // Offline everywhere: pushed, once (how long a push takes here).
    const first = await say(a, room, 'anyone home?');
    t.delivered((await r.waitForPushes('bob', 1, PUSH_WAIT_MS))[0]!, first.at);

    // Connected on B only: a message sent on A pushes nothing.
    const b = await t.connect(nodeB, bob!);
    await joinRoom(b, room);
    await a.next((f) => f.type === 'presence' && f.room === room && f.joined?.id === bob!.user.id, 10_000);
    const whileOnB = await say(a, room, 'bob is on node B');
    await b.next((f) => f.type === 'message' && f.room === room && f.seq === whileOnB.seq, 10_000);
    await t.quiet();
    expect(seqsOf(r.pushes('bob')), 'pushed while bob was connected to the other node').toEqual([[room, first.seq]]);

    // Gone from B: the next message from A is pushed, by one node only.
    await disconnect(b, a, room);
    const after = await say(a, room, 'bob left');
    await r.waitForPushes('bob', 2, PUSH_WAIT_MS);
    await t.quiet();
    expect(seqsOf(r.pushes('bob'))).toEqual([
      [room, first.seq],
      [room, after.seq],
    ]);
    expect(r.requests('bob')).toHaveLength(2);
    expect(r.allErrors()).toEqual([]);
  });

  it('a message sent on node B to a user offline everywhere is pushed once, with the cluster\'s one key', async () => {
    const r = await t.receiver();
    const { nodes } = await startCluster(2, { env: pushEnv(r) });
    const [nodeA, nodeB] = nodes as [ChildServer, ChildServer];
    r.setServerKey(await serverKey(nodeB));
    const [alice, bob] = await people(nodeA, 'alice', 'bob');
    await subscribe(nodeA, bob!, r.subscription('bob'));
    const a = await t.connect(nodeB, alice!);
    const room = await openDm(a, 'bob');
    const m = await say(a, room, 'from node B');
    const [push] = await r.waitForPushes('bob', 1, PUSH_WAIT_MS);
    t.delivered(push!, m.at);
    expect(push!.payload).toMatchObject({ room, seq: m.seq, from: 'alice', text: 'from node B' });
    await t.quiet();
    expect(r.requests('bob')).toHaveLength(1);
    expect(r.errors('bob')).toEqual([]);
  });
});
