// What the server does with a push service's refusals (docs/protocol.md, "Push notifications"):
// 404 and 410 delete the subscription (counted as removed); 429 is retried no sooner than its
// Retry-After; 5xx is retried; failures given up on are counted; message delivery goes on.
import { describe, expect, it } from 'vitest';
import { nextMessages } from '../helpers.js';
import {
  disconnect,
  joinRoom,
  metric,
  metricReaches,
  openDm,
  people,
  PUSH_TEST_TIMEOUT_MS,
  PUSH_WAIT_MS,
  say,
  seqsOf,
  setNotify,
  subscribe,
  usePushTests,
} from './push-world.js';

const t = usePushTests();

async function setup() {
  const world = await t.aliceAndBob();
  const a = await t.connect(world.node, world.alice);
  const room = await openDm(a, 'bob');
  return { ...world, a, room };
}

describe('push service answers', { timeout: PUSH_TEST_TIMEOUT_MS }, () => {
  it('410 and 404 delete the subscription: the next message sends nothing to it (chat_push_removed_total counts them)', async () => {
    const { r, node, bob, a, room } = await setup();
    await subscribe(node, bob, r.subscription('gone'));
    await subscribe(node, bob, r.subscription('missing'));
    await subscribe(node, bob, r.subscription('alive'));
    r.respond('gone', [{ status: 410 }]);
    r.respond('missing', [{ status: 404 }]);
    const removedBefore = await metric(node, 'chat_push_removed_total');

    const first = await say(a, room, 'first');
    await r.waitForRequests('gone', 1, PUSH_WAIT_MS);
    await r.waitForRequests('missing', 1, PUSH_WAIT_MS);
    t.delivered((await r.waitForPushes('alive', 1, PUSH_WAIT_MS))[0]!, first.at);
    await metricReaches(node, 'chat_push_removed_total', removedBefore + 2);

    const second = await say(a, room, 'second');
    expect(seqsOf(await r.waitForPushes('alive', 2, PUSH_WAIT_MS))).toEqual([
      [room, first.seq],
      [room, second.seq],
    ]);
    await t.quiet();
    // One request each (the refused one), none after: not retried, not sent again.
    expect(r.requests('gone').map((q) => q.status)).toEqual([410]);
    expect(r.requests('missing').map((q) => q.status)).toEqual([404]);
    expect(r.allErrors()).toEqual([]);
    expect(await metric(node, 'chat_push_removed_total')).toBe(removedBefore + 2);
  });

  it('429 with Retry-After: 1 is retried, and not before about a second; the push then arrives once', async () => {
    const { r, node, bob, a, room } = await setup();
    await subscribe(node, bob, r.subscription('bob'));
    r.respond('bob', [{ status: 429, headers: { 'Retry-After': '1' } }]);
    const sentBefore = await metric(node, 'chat_push_sent_total');

    const m = await say(a, room, 'try again later');
    const [push] = await r.waitForPushes('bob', 1, PUSH_WAIT_MS);
    expect(push!.payload).toMatchObject({ room, seq: m.seq, text: 'try again later' });
    const [refused, accepted] = r.requests('bob');
    expect([refused?.status, accepted?.status]).toEqual([429, 201]);
    // Retry-After honoured (a little slack for the two clocks' rounding).
    expect(accepted!.at - refused!.at).toBeGreaterThanOrEqual(900);
    // The retry is the same push (same message, freshly signed or not, still valid).
    expect(r.attempts('bob').map((p) => p.payload.seq)).toEqual([m.seq, m.seq]);
    await metricReaches(node, 'chat_push_sent_total', sentBefore + 1);
    await t.quiet();
    expect(r.requests('bob')).toHaveLength(2);
    expect(r.errors('bob')).toEqual([]);
  });

  it('a 503 is retried with backoff; a 400 is given up on at once (chat_push_failed_total), the subscription kept', async () => {
    const { r, node, bob, a, room } = await setup();
    await subscribe(node, bob, r.subscription('flaky'));
    r.respond('flaky', [{ status: 503 }]);
    const m = await say(a, room, 'eventually');
    const [push] = await r.waitForPushes('flaky', 1, PUSH_WAIT_MS);
    expect(push!.payload).toMatchObject({ room, seq: m.seq });
    expect(r.requests('flaky').map((q) => q.status)).toEqual([503, 201]);

    // A refusal that retrying cannot fix: counted as failed, not retried, not a reason to delete.
    const failedBefore = await metric(node, 'chat_push_failed_total');
    r.respond('flaky', [{ status: 400 }]);
    await say(a, room, 'refused');
    await metricReaches(node, 'chat_push_failed_total', failedBefore + 1);
    const later = await say(a, room, 'accepted again');
    const pushes = await r.waitForPushes('flaky', 2, PUSH_WAIT_MS);
    expect(pushes[1]!.payload).toMatchObject({ room, seq: later.seq });
    expect(r.requests('flaky').map((q) => q.status)).toEqual([503, 201, 400, 201]);
  });

  it('a push service that never answers delays no message: every send is acked and delivered while the push hangs', async () => {
    const r = await t.receiver();
    const node = await t.server(t.dir('push-data-'), r);
    const [alice, bob, carol] = await people(node, 'alice', 'bob', 'carol');
    await subscribe(node, bob!, r.subscription('bob'));
    r.respond('bob', Array.from({ length: 100 }, () => ({ status: 0, hang: true })));
    const a = await t.connect(node, alice!);
    await joinRoom(a, 'plaza');
    const c = await t.connect(node, carol!);
    await joinRoom(c, 'plaza');
    const b = await t.connect(node, bob!);
    await joinRoom(b, 'plaza');
    await setNotify(node, bob!, 'plaza', 'all');
    await disconnect(b, a, 'plaza');

    await say(a, 'plaza', 'the first push hangs');
    await r.waitForRequests('bob', 1, PUSH_WAIT_MS);
    // say() waits (bounded) for each ack; carol must hear them all.
    for (let i = 0; i < 30; i++) await say(a, 'plaza', `while the push service hangs ${i}`);
    const heard = await nextMessages(c, 'plaza', 31, 10_000);
    expect(heard.map((m) => m.text).at(-1)).toBe('while the push service hangs 29');
    expect(r.requests('bob').every((q) => q.status === 0)).toBe(true);
  });
});
