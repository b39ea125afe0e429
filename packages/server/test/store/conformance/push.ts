// The PushStore contract (src/store/push-store.ts): the VAPID key pair kept once, an account's
// subscriptions by endpoint, and who a message's pushes go to by the room's stored members and
// their notify levels.
import type { User } from '@chat/protocol';
import { beforeEach, describe, expect, it } from 'vitest';
import { MAX_PUSH_SUBSCRIPTIONS_PER_USER, type PushSubscriptionKeys, type PushTarget, type Store } from '../../../src/store/store.js';
import type { StoreUnderTest } from './store-under-test.js';

const sub = (name: string): PushSubscriptionKeys => ({ endpoint: `https://push.example/${name}`, p256dh: `p-${name}`, auth: `a-${name}` });

export function describePush(t: StoreUnderTest): void {
  describe('push', () => {
    let store: Store;
    let alice: User;
    let bob: User;
    let carol: User;
    beforeEach(async () => {
      store = t.store;
      alice = (await store.createAccount('alice', 'h'))!;
      bob = (await store.createAccount('bob', 'h'))!;
      carol = (await store.createAccount('carol', 'h'))!;
    });
    /** [user id, endpoint, mention, dm] of the targets, sorted. */
    const targets = async (room: string, sender: User, mentioned: string[] = []) =>
      (await targetsOf(room, sender, mentioned)).map((x) => [x.userId, x.endpoint, x.mention, x.dm]).sort();
    /** The targets of one message. */
    const targetsOf = async (room: string, sender: User, mentioned: string[] = []) => (await store.pushTargets([{ room, senderId: sender.id, mentioned }]))[0] ?? [];

    /** Alice and bob in room r and in their DM, each with a subscription named after them. */
    const roomAndDmOfAliceAndBob = async () => {
      await store.ensureRoom('r');
      await store.createRoom('dm-ab', 'dm', null);
      for (const user of [alice, bob]) {
        await store.addUserRoom(user.id, 'r');
        await store.addUserRoom(user.id, 'dm-ab');
        await store.addPushSubscription(user.id, sub(user.nick), 1);
      }
    };

    it('keeps the first VAPID key pair offered; later offers get that one back', async () => {
      const first = { publicKey: 'pub-1', privateKey: 'priv-1' };
      expect(await store.vapidKeys(first)).toEqual(first);
      expect(await store.vapidKeys({ publicKey: 'pub-2', privateKey: 'priv-2' })).toEqual(first);
    });

    it('pushes a room\'s default (mentions) level only for mentions, a DM\'s (all) for everything; never to the sender', async () => {
      await roomAndDmOfAliceAndBob();
      expect(await targets('r', alice)).toEqual([]);
      expect(await targets('r', alice, [bob.id])).toEqual([[bob.id, sub('bob').endpoint, true, false]]);
      expect(await targets('dm-ab', alice)).toEqual([[bob.id, sub('bob').endpoint, false, true]]);
      expect(await targets('dm-ab', bob)).toEqual([[alice.id, sub('alice').endpoint, false, true]]);
      // A DM set to mentions: only a mention pushes; to all in a room: a mention is marked as one.
      await store.setNotify(bob.id, 'dm-ab', 'mentions');
      expect(await targets('dm-ab', alice)).toEqual([]);
      expect(await targets('dm-ab', alice, [bob.id])).toEqual([[bob.id, sub('bob').endpoint, true, true]]);
      await store.setNotify(bob.id, 'r', 'all');
      expect(await targets('r', alice, [bob.id])).toEqual([[bob.id, sub('bob').endpoint, true, false]]);
    });

    it('answers several messages in one call, each as if asked alone, in order', async () => {
      await roomAndDmOfAliceAndBob();
      const asks = [
        { room: 'r', senderId: alice.id, mentioned: [] },
        { room: 'dm-ab', senderId: alice.id, mentioned: [] },
        { room: 'nowhere', senderId: alice.id, mentioned: [bob.id] },
        { room: 'r', senderId: bob.id, mentioned: [alice.id] },
      ];
      const endpoints = (targets: PushTarget[][]) => targets.map((t) => t.map((x) => x.endpoint));
      expect(endpoints(await store.pushTargets(asks))).toEqual([[], [sub('bob').endpoint], [], [sub('alice').endpoint]]);
      const alone: PushTarget[][] = [];
      for (const ask of asks) alone.push(...(await store.pushTargets([ask])));
      expect(await store.pushTargets(asks)).toEqual(alone);
      expect(await store.pushTargets([])).toEqual([]);
    });

    it('follows the notify level: all, mentions, none; only members with a subscription', async () => {
      await store.ensureRoom('r');
      for (const user of [alice, bob, carol]) await store.addUserRoom(user.id, 'r');
      await store.addPushSubscription(bob.id, sub('bob-phone'), 1);
      await store.addPushSubscription(bob.id, sub('bob-laptop'), 2);
      await store.addPushSubscription(carol.id, sub('carol'), 3);
      const dave = (await store.createAccount('dave', 'h'))!;
      await store.addPushSubscription(dave.id, sub('dave'), 4); // not a member of r
      await store.setNotify(bob.id, 'r', 'all');
      expect(await targets('r', alice)).toEqual([
        [bob.id, sub('bob-laptop').endpoint, false, false],
        [bob.id, sub('bob-phone').endpoint, false, false],
      ]);
      expect((await targets('r', alice, [carol.id, dave.id])).map(([id, , mention]) => [id, mention])).toEqual(
        [[bob.id, false], [bob.id, false], [carol.id, true]].sort(),
      );
      await store.setNotify(carol.id, 'r', 'none');
      expect((await targets('r', alice, [carol.id])).map(([id]) => id)).toEqual([bob.id, bob.id]);
      await store.removeUserRoom(bob.id, 'r');
      expect(await targets('r', alice)).toEqual([]);
    });

    it('removes a user\'s own subscription, deletes any by endpoint, and moves an endpoint to whoever subscribes it again', async () => {
      await store.ensureRoom('r');
      for (const user of [alice, bob, carol]) await store.addUserRoom(user.id, 'r');
      await store.setNotify(bob.id, 'r', 'all');
      await store.setNotify(carol.id, 'r', 'all');
      await store.addPushSubscription(bob.id, sub('shared'), 1);
      expect(await store.removePushSubscription(carol.id, sub('shared').endpoint)).toBe(false);
      // The same browser, now signed in as carol.
      await store.addPushSubscription(carol.id, { ...sub('shared'), auth: 'new' }, 2);
      expect(await targetsOf('r', alice)).toEqual([
        { userId: carol.id, endpoint: sub('shared').endpoint, p256dh: 'p-shared', auth: 'new', mention: false, dm: false },
      ]);
      expect(await store.removePushSubscription(bob.id, sub('shared').endpoint)).toBe(false);
      expect(await store.removePushSubscription(carol.id, sub('shared').endpoint)).toBe(true);
      expect(await targets('r', alice)).toEqual([]);
      await store.addPushSubscription(bob.id, sub('b'), 3);
      await store.deletePushSubscription(sub('b').endpoint);
      expect(await targets('r', alice)).toEqual([]);
    });

    it(`keeps a user's newest ${MAX_PUSH_SUBSCRIPTIONS_PER_USER} subscriptions`, async () => {
      await store.ensureRoom('r');
      await store.addUserRoom(bob.id, 'r');
      await store.setNotify(bob.id, 'r', 'all');
      for (let i = 1; i <= MAX_PUSH_SUBSCRIPTIONS_PER_USER + 2; i++) await store.addPushSubscription(bob.id, sub(`s${i}`), i);
      const kept = (await targetsOf('r', alice)).map((x) => x.endpoint).sort();
      expect(kept).toHaveLength(MAX_PUSH_SUBSCRIPTIONS_PER_USER);
      expect(kept).not.toContain(sub('s1').endpoint);
      expect(kept).not.toContain(sub('s2').endpoint);
      expect(kept).toContain(sub(`s${MAX_PUSH_SUBSCRIPTIONS_PER_USER + 2}`).endpoint);
    });
  });
}
