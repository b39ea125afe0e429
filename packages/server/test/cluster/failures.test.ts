// Losing a node or its database: kill -9 of a node mid-burst loses no acked message, and
// its clients resume on another node without gaps or duplicates; PostgreSQL unreachable for one
// node makes that node answer /healthz 503 and `internal` errors, never crash, and recover alone.
import { isMessage } from '@chat/protocol';
import { describe, expect, it } from 'vitest';
import pg from 'pg';
import type { ChatMessage, ServerFrame, User } from '@chat/protocol';
import type { TestClient } from '../helpers.js';
import { servicesAvailable } from '../services.js';
import {
  burst,
  connect,
  expectError,
  healthStatus,
  join,
  messagesOf,
  oneTo,
  order,
  twoNodesFirstBehindProxy,
  readWholeRoom,
  sendAcked,
  startCluster,
  storedMessages,
  TEST_TIMEOUT_MS,
  useClusterCleanup,
  waitFor,
  waitForSeq,
  type Burst,
} from './cluster-harness.js';

/**
 * Commits message `seq` of `room` straight into PostgreSQL, the way the store does, without any
 * node publishing it: what a node leaves behind when it dies between its commit and its publish.
 */
async function commitUnpublished(databaseUrl: string, room: string, seq: number, m: { user: User; clientId: string; text: string }): Promise<void> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    await db.query(
      `WITH r AS (UPDATE rooms SET last_seq = $2 WHERE name = $1 RETURNING id)
       INSERT INTO messages (room_id, seq, user_id, nick, client_id, text, ts) SELECT id, $2, $3, $4, $5, $6, $7 FROM r`,
      [room, seq, m.user.id, m.user.nick, m.clientId, m.text, Date.now()],
    );
  } finally {
    await db.end();
  }
}

const available = await servicesAvailable(['postgres', 'redis']);

useClusterCleanup();

/** Every (user, clientId) of a room's stored messages appears once; returns them keyed. */
function byKey(messages: ChatMessage[]): Map<string, ChatMessage> {
  const keyed = new Map<string, ChatMessage>();
  for (const m of messages) {
    const key = `${m.from.id}/${m.clientId}`;
    expect(keyed.has(key), `stored twice: ${key}`).toBe(false);
    keyed.set(key, m);
  }
  return keyed;
}

describe.skipIf(!available)('cluster: losing a node, losing PostgreSQL', { timeout: TEST_TIMEOUT_MS }, () => {
  it('kill -9 of a node mid-burst: no acked message lost; its clients resume on the other node with no gap and no duplicate', async () => {
    const { nodes } = await startCluster(2);
    const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
    const room = 'crash';
    const onA = [await connect(a, { nick: 'a0' }), await connect(a, { nick: 'a1' })];
    const senderB = await connect(b, { nick: 'b0' });
    const listenerB = await connect(b, { nick: 'b-listener' });
    for (const c of [...onA, senderB, listenerB]) await join(c, room);

    // Everyone sends until told to stop (or their node dies): A is killed mid-burst, and B's
    // sender goes on through the kill and after it.
    const burstsA = onA.map((c, i) => burst(c, room, `a${i}-`, 100_000, 20));
    const burstB = burst(senderB, room, 'b-', 100_000, 10);
    const ackedOnA = () => burstsA.reduce((n, x) => n + x.acks.size, 0);
    await waitFor(() => ackedOnA() >= 150 && burstB.acks.size >= 50, 20_000, '150 acks on node A and 50 on B');
    a.child.kill('SIGKILL');
    const ackedByBAtKill = burstB.acks.size;
    const exit = await a.exited;
    expect(exit, `node A ended by itself:\n${a.output()}`).toEqual({ code: null, signal: 'SIGKILL' });
    await Promise.all(onA.map((c) => c.closed));
    await Promise.all(burstsA.map((x) => x.done));
    await waitFor(() => burstB.acks.size >= ackedByBAtKill + 100, 20_000, "100 more acks on B after A's death");
    burstB.stop();
    await burstB.done;

    const sentA = burstsA.map((x) => x.sent.length);
    const ackedA = burstsA.map((x) => x.acks.size);
    console.log(
      `kill -9 mid-burst: A's senders sent ${sentA.join('+')}, acked ${ackedA.join('+')} before the kill; ` +
        `B's sender had ${ackedByBAtKill} acks at the kill, ${burstB.acks.size} in the end`,
    );
    for (const x of [...burstsA, burstB]) {
      expect(x.errors, JSON.stringify(x.errors.slice(0, 3))).toEqual([]);
      expect(x.duplicateAcks).toEqual([]);
    }
    expect(burstB.acks.size, "B's sender is unaffected by A's death: every send acked").toBe(burstB.sent.length);

    // Every message acked before the kill is stored, once, with the seq its ack carried.
    const beforeResend = await storedMessages(b, room);
    expect(beforeResend.map((m) => m.seq), 'gap-free').toEqual(oneTo(beforeResend.length));
    const stored = byKey(beforeResend);
    const userOf = (c: TestClient) => c.welcome.user.id;
    const checkAcked = (x: Burst, c: TestClient) => {
      for (const [id, seq] of x.acks) expect(stored.get(`${userOf(c)}/${id}`)?.seq, `acked ${id} (seq ${seq})`).toBe(seq);
    };
    burstsA.forEach((x, i) => checkAcked(x, onA[i]!));
    checkAcked(burstB, senderB);

    // What each of A's clients saw before the kill was already a gap-free prefix of the room.
    const seenBefore = onA.map((c) => messagesOf(c, room));
    for (const seen of seenBefore) expect(order(seen)).toEqual(order(beforeResend.slice(0, seen.length)));

    // A's clients come back on B with their tokens and resume from the last seq they saw.
    const resumed: TestClient[] = [];
    const histories: ChatMessage[][] = [];
    for (const [i, old] of onA.entries()) {
      const c = await connect(b, { token: old.welcome.token! });
      expect(c.welcome.user.id).toBe(userOf(old));
      const since = seenBefore[i]!.at(-1)?.seq ?? 0;
      const joined = await join(c, room, since);
      const history = [...joined.history];
      let hasMore = joined.hasMore;
      while (hasMore) {
        const page = await c.request<ServerFrame>({ type: 'history', room, after: history.at(-1)?.seq ?? since, limit: 200 });
        expect(page.type).toBe('history');
        if (page.type !== 'history') break;
        history.push(...page.messages);
        hasMore = page.hasMore;
      }
      resumed.push(c);
      histories.push(history.filter(isMessage));
    }

    // Their unacked sends, resent with the same ids: each is stored once (an ack lost in the crash
    // returns the stored message's seq; the others get new ones).
    let storedUnacked = 0;
    for (const [i, x] of burstsA.entries()) {
      const unacked = x.sent.filter((id) => !x.acks.has(id));
      for (const id of unacked) {
        const ack = await sendAcked(resumed[i]!, room, id, `text of ${id}`);
        const before = stored.get(`${userOf(onA[i]!)}/${id}`);
        if (before) {
          storedUnacked++;
          expect(ack.seq, `resent ${id} was stored before the crash`).toBe(before.seq);
        }
      }
    }
    console.log(`kill -9 mid-burst: ${storedUnacked} unacked sends had been stored before the kill (their resends were duplicates)`);

    // The final room: every message sent by anyone is stored exactly once, gap-free.
    const final = await storedMessages(b, room);
    expect(final.map((m) => m.seq), 'gap-free after the resends').toEqual(oneTo(final.length));
    const finalByKey = byKey(final);
    const everySent = [
      ...burstsA.flatMap((x, i) => x.sent.map((id) => `${userOf(onA[i]!)}/${id}`)),
      ...burstB.sent.map((id) => `${userOf(senderB)}/${id}`),
    ];
    expect([...finalByKey.keys()].sort()).toEqual(everySent.sort());

    // And each connection's view is the whole room, in order, once: the resumed ones as
    // "before the kill" + resume history + live; B's listener never lost its connection.
    const last = final.at(-1)!.seq;
    for (const c of [...resumed, listenerB]) await waitForSeq(c, room, last, 15_000);
    resumed.forEach((c, i) => {
      expect(order([...seenBefore[i]!, ...histories[i]!, ...messagesOf(c, room)]), `resumed client ${i}`).toEqual(order(final));
    });
    expect(order(messagesOf(listenerB, room)), "B's listener").toEqual(order(final));
  });

  it('a message a node stored but never published (it died in between) reaches every member once its sender resends it', async () => {
    const cluster = await startCluster(2);
    const [a, b] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0]];
    const room = 'orphan';
    const sender = await connect(a, { nick: 'sender' });
    const listener = await connect(b, { nick: 'listener' });
    await join(sender, room);
    await join(listener, room);
    await sendAcked(sender, room, 'm1');
    await waitForSeq(listener, room, 1);

    // The crash window kill -9 can hit: the storing transaction committed, the node died before
    // publishing (and before acking). Made here by committing the row the way the store does.
    await commitUnpublished(cluster.databaseUrl, room, 2, { user: sender.welcome.user, clientId: 'orphan', text: 'text of orphan' });

    // The sender, never acked, resends with the same id (on the other node, as after a crash).
    const again = await connect(b, { token: sender.welcome.token! });
    const resumed = await join(again, room, 1);
    expect(resumed.history.map((m) => m.seq), 'resuming reads it from the store').toEqual([2]);
    const ack = await sendAcked(again, room, 'orphan', 'text of orphan');
    expect([ack.seq, ack.msgId], 'the stored message, not a new one').toEqual([2, resumed.history.filter(isMessage)[0]!.id]);
    // Nothing else is sent in the room: no later seq will reveal the gap, yet the members who
    // were there all along get it, once.
    for (const [who, c] of Object.entries({ sender, listener })) {
      await waitForSeq(c, room, 2, 10_000, who);
      expect(messagesOf(c, room).map((m) => [m.seq, m.clientId]), who).toEqual([
        [1, 'm1'],
        [2, 'orphan'],
      ]);
    }
    // The resumed connection had it in its history: it does not get it again live.
    await sendAcked(listener, room, 'm3');
    await waitForSeq(again, room, 3, 10_000, 'the resumed connection');
    expect(messagesOf(again, room).map((m) => m.seq)).toEqual([3]);
  });

  it('a message a dead node stored but never published, with no resend: the others read it once the node expires', async () => {
    const cluster = await startCluster(3, { env: { PRESENCE_EXPIRY_MS: '2000' } });
    const [a, b, c] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0], (typeof cluster.nodes)[0]];
    const room = 'quiet';
    const onA = await connect(a, { nick: 'on-a' });
    const onB = await connect(b, { nick: 'on-b' });
    const onC = await connect(c, { nick: 'doomed' });
    for (const client of [onA, onB, onC]) await join(client, room);
    await sendAcked(onA, room, 'm1');
    await waitForSeq(onB, room, 1);

    // C commits seq 2 and dies before publishing it; its sender never comes back.
    await commitUnpublished(cluster.databaseUrl, room, 2, { user: onC.welcome.user, clientId: 'lost', text: 'never published' });
    c.child.kill('SIGKILL');
    // The sweep that expires C's user also has every node re-read its rooms' tails.
    for (const [who, client] of Object.entries({ onA, onB })) {
      await waitForSeq(client, room, 2, 20_000, who);
      expect(messagesOf(client, room).map((m) => [m.seq, m.clientId]), who).toEqual([
        [1, 'm1'],
        [2, 'lost'],
      ]);
    }
  });

  it('PostgreSQL unreachable for one node: /healthz 503 and `internal` errors, no crash; after it returns, the same id is stored once', async () => {
    const { proxy, a, b } = await twoNodesFirstBehindProxy('DATABASE_URL');
    const room = 'pg-outage';
    const onA = await connect(a, { nick: 'on-a' });
    const onB = await connect(b, { nick: 'on-b' });
    await join(onA, room);
    await join(onB, room);
    const first = await sendAcked(onA, room, 'before');
    expect(first.seq).toBe(1);

    proxy.cut();
    await waitFor(async () => (await healthStatus(a)) === 503, 15_000, "node A's /healthz to answer 503");
    expect(await healthStatus(b), "B's database is fine").toBe(200);
    // A send now cannot be stored: `internal`, retryable with the same id.
    expectError(await onA.request({ type: 'send', room, id: 'during', text: 'during the outage' }, 20_000), 'internal', 'send during the outage');
    expectError(await onA.request({ type: 'send', room, id: 'during', text: 'during the outage' }, 20_000), 'internal', 'retry during the outage');
    // B keeps working meanwhile, and its message reaches A's client (delivery needs no database).
    const fromB = await sendAcked(onB, room, 'from-b');
    expect(fromB.seq).toBe(2);
    await waitForSeq(onA, room, 2, 10_000, "A's client");
    expect(a.child.exitCode, a.output()).toBeNull();

    proxy.restore();
    await waitFor(async () => (await healthStatus(a)) === 200, 20_000, "node A's /healthz to answer 200 again");
    const retried = await sendAcked(onA, room, 'during', 'during the outage');
    expect(retried.seq).toBe(3);
    const again = await sendAcked(onA, room, 'during', 'during the outage');
    expect([again.seq, again.msgId]).toEqual([retried.seq, retried.msgId]);

    for (const c of [onA, onB]) await waitForSeq(c, room, 3, 10_000);
    const stored = await readWholeRoom(onB, room);
    expect(stored.map((m) => [m.seq, m.clientId])).toEqual([
      [1, 'before'],
      [2, 'from-b'],
      [3, 'during'],
    ]);
    for (const c of [onA, onB]) expect(order(messagesOf(c, room))).toEqual(order(stored));
    // The process lived through it all.
    expect(a.child.exitCode, a.output()).toBeNull();
    expect(a.child.signalCode).toBeNull();
  });
});
