// Search across a cluster (docs/protocol.md, "Search"): messages stored through one node are found
// through the other, by the people who may read them and nobody else: a private room's and a DM's
// messages never reach a third user's results on either node.
import { describe, expect, it } from 'vitest';
import type { ChatMessage, ServerFrame } from '@chat/protocol';
import { servicesAvailable } from '../services.js';
import { connectAccount, join, register, startCluster, TEST_TIMEOUT_MS, useClusterCleanup, type Account } from './cluster-harness.js';

const available = await servicesAvailable(['postgres', 'redis']);

useClusterCleanup();

async function found(baseUrl: string, who: Account, q: string): Promise<string[]> {
  const res = await fetch(`${baseUrl}/api/search?${new URLSearchParams({ q })}`, { headers: { cookie: who.cookie } });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { results: Array<{ room: string; message: ChatMessage }> };
  return body.results.map((r) => `${r.room}:${r.message.text}`);
}

describe.skipIf(!available)('cluster: search on every node', { timeout: TEST_TIMEOUT_MS }, () => {
  it('finds through B what was said through A, and never shows a private room or DM to a third user on either node', async () => {
    const { nodes } = await startCluster(2);
    const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
    const alice = await register(a, 'alice');
    const bob = await register(b, 'bob');
    const carol = await register(b, 'carol');
    const aliceWs = await connectAccount(a, alice);
    const bobWs = await connectAccount(b, bob);
    await join(aliceWs, 'lobby');
    expect((await aliceWs.request<ServerFrame>({ type: 'create', room: 'board', private: true }, 15_000)).type).toBe('created');
    await join(aliceWs, 'board');
    const dm = (await bobWs.request<ServerFrame & { room: string }>({ type: 'dm', user: 'alice' }, 15_000)).room;
    await join(aliceWs, dm);

    const say = async (room: string, id: string, text: string) =>
      expect((await aliceWs.request<ServerFrame>({ type: 'send', room, id, text }, 15_000)).type).toBe('ack');
    await say('lobby', 'l1', '季度预算 review on Friday');
    await say('board', 'p1', 'board-only 季度预算 numbers');
    await say(dm, 'd1', 'between us: 季度预算 is tight');

    for (const node of [a, b]) {
      expect(await found(node.baseUrl, alice, '预算')).toEqual([`${dm}:between us: 季度预算 is tight`, 'board:board-only 季度预算 numbers', 'lobby:季度预算 review on Friday']);
      expect(await found(node.baseUrl, bob, '预算')).toEqual([`${dm}:between us: 季度预算 is tight`, 'lobby:季度预算 review on Friday']);
      expect(await found(node.baseUrl, carol, '预算')).toEqual(['lobby:季度预算 review on Friday']);
      expect(await found(node.baseUrl, carol, 'tight')).toEqual([]);
    }
  });
});
