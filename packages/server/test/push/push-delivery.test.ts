// Web Push delivery by the real server process (docs/protocol.md, "Push notifications"), checked
// by the tests' own push receiver: a DM to an offline account arrives once, VAPID-signed,
// decrypted, with room, seq, from, text (cut to 200 characters) and the badge's unread; nothing
// while the account has an open connection; the notify levels; one Topic per room.
import { describe, expect, it } from 'vitest';
import { PUSH_TEXT_CHARS } from '@chat/protocol';
import {
  disconnect,
  joinRoom,
  metric,
  metricReaches,
  openDm,
  PUSH_TEST_TIMEOUT_MS,
  PUSH_WAIT_MS,
  say,
  seqsOf,
  setNotify,
  subscribe,
  usePushTests,
} from './push-world.js';

const t = usePushTests();

const setup = () => t.aliceAndBob();

describe('push delivery', { timeout: PUSH_TEST_TIMEOUT_MS }, () => {
  it('a DM to an offline account arrives once: VAPID-signed by the server\'s key, decrypted, with room, seq, from and the text cut to 200 characters', async () => {
    const { r, node, alice, bob } = await setup();
    await subscribe(node, bob, r.subscription('bob'));
    const sentBefore = await metric(node, 'chat_push_sent_total');
    const a = await t.connect(node, alice);
    const room = await openDm(a, 'bob');

    const long = `${'0123456789'.repeat(29)}-the end`; // 298 characters
    const m = await say(a, room, long);
    const [push] = await r.waitForPushes('bob', 1, PUSH_WAIT_MS);
    t.delivered(push!, m.at);
    expect(r.errors('bob')).toEqual([]);
    // The badge: bob's unread over his rooms (api/me/rooms' counts, each at most 100), here the DM's one.
    expect(push!.payload).toMatchObject({ room, seq: m.seq, from: a.welcome.user.nick, unread: 1 });
    expect(typeof push!.payload.from).toBe('string');
    const text = push!.payload.text as string;
    expect(text.length).toBeLessThanOrEqual(PUSH_TEXT_CHARS);
    expect(text.length).toBeGreaterThan(100);
    // The start of the message (an ellipsis at the cut is allowed).
    expect(long.startsWith(text.replace(/(…|\.\.\.)$/, ''))).toBe(true);
    expect(push!.jwtClaims.aud).toBe(r.origin);
    expect(push!.ttl).toBeGreaterThanOrEqual(0);

    // Exactly once: nothing more comes.
    await t.quiet();
    expect(r.requests('bob')).toHaveLength(1);
    // The sender is subscribed to nothing, and got nothing for her own message.
    expect(r.allErrors()).toEqual([]);
    await metricReaches(node, 'chat_push_sent_total', sentBefore + 1);
  });

  it('a short DM travels whole; every subscription of the account gets its own push', async () => {
    const { r, node, alice, bob } = await setup();
    await subscribe(node, bob, r.subscription('bob-phone'));
    await subscribe(node, bob, r.subscription('bob-laptop'));
    const a = await t.connect(node, alice);
    const room = await openDm(a, 'bob');
    const m = await say(a, room, 'lunch? 🍜');
    for (const name of ['bob-phone', 'bob-laptop']) {
      const [push] = await r.waitForPushes(name, 1, PUSH_WAIT_MS);
      t.delivered(push!, m.at);
      expect(push!.payload).toMatchObject({ room, seq: m.seq, from: 'alice', text: 'lunch? 🍜' });
    }
    await t.quiet();
    expect([r.requests('bob-phone').length, r.requests('bob-laptop').length]).toEqual([1, 1]);

    // Cut in a run of emoji (two UTF-16 units each): at most 200 units, no half of a pair.
    const emoji = await say(a, room, '🎉'.repeat(150));
    const [, party] = await r.waitForPushes('bob-phone', 2, PUSH_WAIT_MS);
    expect(party!.payload.seq).toBe(emoji.seq);
    const cut = party!.payload.text as string;
    expect(cut.length).toBeLessThanOrEqual(PUSH_TEXT_CHARS);
    expect(cut.length).toBeGreaterThan(100);
    expect(cut, 'a lone surrogate').not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
  });

  it('nothing is pushed while the account has an open connection; after it disconnects, the next message is', async () => {
    const { r, node, alice, bob } = await setup();
    await subscribe(node, bob, r.subscription('bob'));
    const a = await t.connect(node, alice);
    const room = await openDm(a, 'bob');
    // Offline first: how long a push takes here.
    const first = await say(a, room, 'are you there?');
    t.delivered((await r.waitForPushes('bob', 1, PUSH_WAIT_MS))[0]!, first.at);

    const b = await t.connect(node, bob);
    await joinRoom(b, room);
    const whileOnline = await say(a, room, 'you are online now');
    await t.quiet();
    expect(seqsOf(r.pushes('bob')), 'pushed while bob was connected').toEqual([[room, first.seq]]);

    await disconnect(b, a, room);
    const after = await say(a, room, 'and now you are gone');
    const pushes = await r.waitForPushes('bob', 2, PUSH_WAIT_MS);
    expect(seqsOf(pushes)).toEqual([
      [room, first.seq],
      [room, after.seq],
    ]);
    await t.quiet();
    expect(seqsOf(r.pushes('bob'))).not.toContainEqual([room, whileOnline.seq]);
    expect(r.requests('bob')).toHaveLength(2);
  });

  it('notify levels in a room: mentions (the default) pushes only @bob, all pushes every message, none nothing', async () => {
    const { r, node, alice, bob } = await setup();
    await subscribe(node, bob, r.subscription('bob'));
    const a = await t.connect(node, alice);
    await joinRoom(a, 'plaza');
    // bob joins once (the room is in his stored list), then goes offline.
    const b = await t.connect(node, bob);
    await joinRoom(b, 'plaza');
    await disconnect(b, a, 'plaza');

    const mention = await say(a, 'plaza', 'hey @bob, have a look');
    t.delivered((await r.waitForPushes('bob', 1, PUSH_WAIT_MS))[0]!, mention.at);
    await say(a, 'plaza', 'just chatting here');
    await t.quiet();
    expect(seqsOf(r.pushes('bob')), '"mentions" pushed a message without @bob').toEqual([['plaza', mention.seq]]);

    await setNotify(node, bob, 'plaza', 'all');
    const everything = await say(a, 'plaza', 'anything at all');
    await r.waitForPushes('bob', 2, PUSH_WAIT_MS);
    expect(r.pushes('bob')[1]!.payload).toMatchObject({ room: 'plaza', seq: everything.seq, from: 'alice', text: 'anything at all' });

    // A mention in a room bob never joined pushes nothing ("mentions" counts the room's members).
    const c = await t.connect(node, alice);
    await joinRoom(c, 'elsewhere');
    await say(c, 'elsewhere', '@bob are you here?');

    await setNotify(node, bob, 'plaza', 'none');
    await say(a, 'plaza', 'nobody hears this');
    await say(a, 'plaza', '@bob not even this');
    await t.quiet();
    expect(seqsOf(r.pushes('bob'))).toEqual([
      ['plaza', mention.seq],
      ['plaza', everything.seq],
    ]);
    expect(r.errors('bob')).toEqual([]);
  });

  it('a DM set to none is silent; to all again, pushed', async () => {
    const { r, node, alice, bob } = await setup();
    await subscribe(node, bob, r.subscription('bob'));
    const a = await t.connect(node, alice);
    const room = await openDm(a, 'bob');
    const first = await say(a, room, 'one');
    t.delivered((await r.waitForPushes('bob', 1, PUSH_WAIT_MS))[0]!, first.at);
    await setNotify(node, bob, room, 'none');
    await say(a, room, 'two');
    await t.quiet();
    expect(r.requests('bob')).toHaveLength(1);
    await setNotify(node, bob, room, 'all');
    const third = await say(a, room, 'three');
    expect(seqsOf(await r.waitForPushes('bob', 2, PUSH_WAIT_MS))).toEqual([
      [room, first.seq],
      [room, third.seq],
    ]);
  });

  it('the Topic is the same for two pushes of one room and differs between rooms; Urgency and TTL are set', async () => {
    const { r, node, alice, bob } = await setup();
    await subscribe(node, bob, r.subscription('bob'));
    const a = await t.connect(node, alice);
    await joinRoom(a, 'plaza');
    const b = await t.connect(node, bob);
    await joinRoom(b, 'plaza');
    await disconnect(b, a, 'plaza');
    await setNotify(node, bob, 'plaza', 'all');
    const dm = await openDm(a, 'bob');

    // One at a time: a push still queued may be replaced by the room's next one (as Topic would).
    await say(a, 'plaza', 'plaza one');
    await r.waitForPushes('bob', 1, PUSH_WAIT_MS);
    await say(a, 'plaza', 'plaza two');
    await r.waitForPushes('bob', 2, PUSH_WAIT_MS);
    await say(a, dm, 'dm one');
    const pushes = await r.waitForPushes('bob', 3, PUSH_WAIT_MS);
    expect(pushes.map((p) => [p.payload.room, p.payload.text])).toEqual([
      ['plaza', 'plaza one'],
      ['plaza', 'plaza two'],
      [dm, 'dm one'],
    ]);
    const [p1, p2, p3] = pushes as [(typeof pushes)[0], (typeof pushes)[0], (typeof pushes)[0]];
    expect(p1.topic).toBe(p2.topic);
    expect(p3.topic).not.toBe(p1.topic);
    for (const p of pushes) {
      expect(p.topic).toMatch(/^[A-Za-z0-9_-]{1,32}$/);
      expect(['very-low', 'low', 'normal', 'high']).toContain(p.urgency);
      expect(Number.isInteger(p.ttl)).toBe(true);
    }
  });
});
