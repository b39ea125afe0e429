// Redis going away: pub/sub may drop events, so a Redis outage may delay messages
// between nodes but never lose or reorder them. Sends keep being acked (the store does not need
// Redis); when Redis is back every node re-reads the rooms' tails from PostgreSQL (resync), and
// every connection on every node ends with every message, in seq order, once.
//
// Two ways: the cluster's own redis-server killed and restarted during traffic (everything in
// Redis is lost), and one node cut off from the shared Redis by a tcp proxy while the other keeps
// it (targets the two resync paths: the cut-off node's own reconnection, and its announcement to
// the others of the publishes they missed).
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { KickedFrame } from '@chat/protocol';
import type { TestClient } from '../helpers.js';
import { servicesAvailable } from '../services.js';
import {
  burst,
  connect,
  connectAccount,
  expectError,
  healthStatus,
  join,
  messagesOf,
  oneTo,
  order,
  twoNodesFirstBehindProxy,
  redisServerAvailable,
  register,
  sendAcked,
  startCluster,
  startOwnRedis,
  storedMessages,
  TEST_TIMEOUT_MS,
  useClusterCleanup,
  waitFor,
  waitForSeq,
  type Burst,
} from './cluster-harness.js';

const available = await servicesAvailable(['postgres', 'redis']);

/** Opens a WebSocket and resolves with the code it is closed with. */
function closeCode(url: string): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    ws.on('close', (code) => resolve(code));
    ws.on('error', () => {}); // the close follows
  });
}

useClusterCleanup();

describe.skipIf(!available)('cluster: Redis outages', { timeout: TEST_TIMEOUT_MS }, () => {
  it.skipIf(!redisServerAvailable())('Redis killed and restarted during traffic: sends are still acked; afterwards every client has every message, in order, once', async () => {
    const redis = await startOwnRedis();
    // A short expiry: the nodes put their presence back (reconcile) within a second of Redis's return.
    const { nodes } = await startCluster(2, { redisUrl: redis.url, env: { PRESENCE_EXPIRY_MS: '3000' } });
    const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
    const room = 'through-outage';
    const senders = [await connect(a, { nick: 'sa' }), await connect(b, { nick: 'sb' })];
    const listeners = [await connect(a, { nick: 'la' }), await connect(b, { nick: 'lb' })];
    const everyone: TestClient[] = [...senders, ...listeners];
    for (const c of everyone) await join(c, room);

    let bursts: Burst[] = senders.map((c, i) => burst(c, room, `s${i}-`, 100_000, 5));
    const all: Burst[] = [...bursts];
    const acked = () => bursts.map((x) => x.acks.size);
    const allAcked = (n: number[]) => () => acked().every((count, i) => count >= n[i]!);
    const stopAll = async () => {
      for (const x of bursts) x.stop();
      await Promise.all(bursts.map((x) => x.done));
    };

    // Before: normal traffic.
    await waitFor(allAcked([50, 50]), 20_000, '50 acks per sender', () => `(${acked().join(', ')})`);
    await redis.kill();
    const atKill = acked();

    // During: both nodes notice (503) and still store and ack. The traffic stops while Redis is
    // down, so the last messages of (at least) one node are followed by none that would reveal
    // the gap on the other: only the resync after Redis's return delivers them.
    await waitFor(async () => (await healthStatus(a)) === 503 && (await healthStatus(b)) === 503, 15_000, 'both nodes to report 503');
    const at503 = acked();
    await waitFor(allAcked(at503.map((n) => n + 30)), 20_000, '30 more acks per sender with Redis down', () => `(${acked().join(', ')})`);
    await stopAll();
    const beforeRestart = acked();

    // After: Redis back (empty); the nodes reconnect by themselves and catch up.
    await redis.restart();
    await waitFor(async () => (await healthStatus(a)) === 200 && (await healthStatus(b)) === 200, 20_000, 'both nodes healthy again');
    const checkEveryone = async (what: string) => {
      const stored = await storedMessages(b, room);
      expect(stored.map((m) => m.seq), `${what}: the store is gap-free`).toEqual(oneTo(stored.length));
      const last = stored.at(-1)!.seq;
      for (const [i, c] of everyone.entries()) await waitForSeq(c, room, last, 20_000, `connection ${i} (${what})`);
      for (const [i, c] of everyone.entries()) expect(order(messagesOf(c, room)), `connection ${i} (${what})`).toEqual(order(stored));
      return stored;
    };
    await checkEveryone('after the restart');

    // And traffic flows between the nodes as before.
    bursts = senders.map((c, i) => burst(c, room, `t${i}-`, 30, 5));
    all.push(...bursts);
    await Promise.all(bursts.map((x) => x.done));
    console.log(
      `redis restart: acks per sender at the kill ${atKill.join('/')}, once 503 ${at503.join('/')}, before the restart ${beforeRestart.join('/')}`,
    );
    for (const x of all) {
      expect(x.errors, JSON.stringify(x.errors.slice(0, 3))).toEqual([]);
      expect(x.acks.size, 'every send was acked').toBe(x.sent.length);
    }
    const stored = await checkEveryone('at the end');
    // Every ack's seq is the stored one.
    const storedSeq = new Map(stored.map((m) => [`${m.from.id}/${m.clientId}`, m.seq]));
    all.forEach((x, i) => {
      const sender = senders[i % 2]!;
      for (const [id, seq] of x.acks) expect(storedSeq.get(`${sender.welcome.user.id}/${id}`), id).toBe(seq);
    });
    expect(stored.length).toBe(all.reduce((n, x) => n + x.acks.size, 0));

    // Presence came back too: a new connection counts the four users and itself.
    await waitFor(
      async () => {
        const probe = await connect(a, { nick: 'probe' });
        const online = probe.welcome.online;
        await probe.close();
        return online === 5;
      },
      15_000,
      'online to count every user again',
    );
  });

  it("one node cut off from Redis: the messages it missed, and those the others missed from it, arrive once it is back", async () => {
    const { proxy, a, b } = await twoNodesFirstBehindProxy('REDIS_URL');
    const room = 'cut-off';
    const onA = await connect(a, { nick: 'on-a' });
    const onB = await connect(b, { nick: 'on-b' });
    await join(onA, room);
    await join(onB, room);
    await sendAcked(onA, room, 'warm-up');
    await waitForSeq(onB, room, 1);

    // 1. A is cut off; B's messages cannot reach it over Redis. A sends nothing, so no later seq
    //    of its own reveals the gap: only A's resync after reconnecting can bring them.
    proxy.cut();
    await waitFor(async () => (await healthStatus(a)) === 503, 15_000, "A's /healthz to answer 503");
    expect(await healthStatus(b)).toBe(200);
    for (let i = 0; i < 10; i++) await sendAcked(onB, room, `b${i}`);
    proxy.restore();
    await waitFor(async () => (await healthStatus(a)) === 200, 20_000, "A's /healthz to answer 200 again");
    await waitForSeq(onA, room, 11, 15_000, "A's client");

    // 2. Cut again; now A sends, acked (the store is fine), and it is the room's last message: B
    //    learns of it only because A announces, once reconnected, that its publishes failed.
    proxy.cut();
    await waitFor(async () => (await healthStatus(a)) === 503, 15_000, "A's /healthz to answer 503");
    const fromA = await sendAcked(onA, room, 'a-while-cut');
    expect(fromA.seq).toBe(12);
    proxy.restore();
    await waitForSeq(onB, room, 12, 20_000, "B's client");

    const stored = await storedMessages(b, room);
    expect(stored.map((m) => m.seq)).toEqual(oneTo(12));
    for (const [who, c] of Object.entries({ onA, onB })) expect(order(messagesOf(c, room)), who).toEqual(order(stored));
  });
  it('logs an outage once and its end once, with the count: not a line (and a stack) per failed publish', async () => {
    const { proxy, a, b } = await twoNodesFirstBehindProxy('REDIS_URL', { keepAllOutput: true });
    const room = 'quiet-logs';
    const onA = await connect(a, { nick: 'on-a' });
    const onB = await connect(b, { nick: 'on-b' });
    await join(onA, room);
    await join(onB, room);
    await sendAcked(onA, room, 'warm-up');
    await waitForSeq(onB, room, 1);
    const leaving = await Promise.all(Array.from({ length: 10 }, (_, i) => connect(a, { nick: `leaving-${i}` })));
    const mark = a.output().length;

    // During the outage: 300 messages, each stored and acked, each publish failing; /healthz is
    // polled all along, as a load balancer would (every 25 ms here); connections come and go.
    proxy.cut();
    await waitFor(async () => (await healthStatus(a)) === 503, 15_000, "A's /healthz to answer 503");
    const sends = burst(onA, room, 'cut-', 300, 10);
    await sends.done;
    expect(sends.acks.size, JSON.stringify(sends.errors.slice(0, 3))).toBe(300);
    for (let i = 0; i < 20; i++) expect(await healthStatus(a)).toBe(503);
    await Promise.all(leaving.map((c) => c.close()));
    // A new connection cannot be counted in presence: it is closed with 1011.
    const refused = await Promise.all(Array.from({ length: 10 }, (_, i) => closeCode(a.wsUrl({ nick: `arriving-${i}` }))));
    expect(refused).toEqual(Array.from({ length: 10 }, () => 1011));

    // After: the first publish that goes through ends the bus's outage.
    proxy.restore();
    await waitFor(async () => (await healthStatus(a)) === 200, 20_000, "A's /healthz to answer 200 again");
    await sendAcked(onA, room, 'after');
    await waitForSeq(onB, room, 302, 20_000, "B's client");

    type Line = { level: number; msg: string; component?: string; failures?: number; err?: unknown };
    const lines = a
      .output()
      .slice(mark)
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Line);
    const summary = lines.map((l) => `${l.level} ${l.component ?? ''} ${l.msg}`).join('\n');
    // The node logs at warn (the harness's default); an outage's two lines are errors.
    expect(lines.length, summary).toBeLessThanOrEqual(20);
    const perComponent = new Map<string, number>();
    for (const l of lines) perComponent.set(l.component ?? l.msg, (perComponent.get(l.component ?? l.msg) ?? 0) + 1);
    for (const [component, count] of perComponent) expect(count, `${component}\n${summary}`).toBeLessThanOrEqual(5);
    const publish = lines.filter((l) => l.component === 'bus publish');
    expect(publish.map((l) => l.level), summary).toEqual([50, 50]); // the outage, then its end with the count
    expect(publish[1]!.failures, summary).toBeGreaterThanOrEqual(300);
    expect(publish[1]!.msg).toContain(String(publish[1]!.failures));
  });

  it('a ban and a mute made while a node was cut off from Redis hold there once it is back', async () => {
    const { proxy, a, b } = await twoNodesFirstBehindProxy('REDIS_URL');
    const room = 'moderated';
    const ownerWs = await connectAccount(b, await register(b, 'owner'));
    expect((await ownerWs.request({ type: 'create', room })).type).toBe('created');
    const troll = await connect(a, { nick: 'troll' });
    const noisy = await connect(a, { nick: 'noisy' });
    await join(troll, room);
    await join(noisy, room);

    // A is cut off: the ban and mute are stored, their events never reach A.
    proxy.cut();
    await waitFor(async () => (await healthStatus(a)) === 503, 15_000, "A's /healthz to answer 503");
    expect((await ownerWs.request({ type: 'ban', room, user: troll.welcome.user.id })).type).toBe('moderated');
    expect((await ownerWs.request({ type: 'mute', room, user: noisy.welcome.user.id, ms: 600_000 })).type).toBe('moderated');
    proxy.restore();

    // Back on the bus, A re-reads them: the banned user is put out, the muted one refused.
    const kicked = await troll.next<KickedFrame>((f) => f.type === 'kicked', 20_000);
    expect(kicked).toMatchObject({ room, reason: 'ban' });
    const told = await noisy.next((f) => f.type === 'moderated', 20_000);
    expect(told).toMatchObject({ action: 'mute', room, user: { id: noisy.welcome.user.id } });
    const refused = await noisy.request({ type: 'send', room, id: 'after-mute', text: 'still talking' });
    expectError(refused, 'forbidden', 'a send while muted');
  });
});
