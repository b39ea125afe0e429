// The UserRoomStore contract (src/store/user-room-store.ts): the user's stored rooms, read
// markers, unread counts, notify levels and a DM's peer; and what appends, bans, revoked roles,
// deleted rooms and the sweep do to them. (Unread never counting the user's own messages needs a
// marker the API cannot put below one's own message: sqlite-store.test.ts and pg-store.test.ts.)
import type { User } from '@chat/protocol';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../../src/store/store.js';
import { DAY, msg, type StoreUnderTest } from './store-under-test.js';

export function describeUserRooms(t: StoreUnderTest): void {
  describe('user rooms', () => {
    let store: Store;
    let alice: User;
    let bob: User;
    beforeEach(async () => {
      store = t.store;
      alice = (await store.createAccount('alice', 'h'))!;
      bob = (await store.createAccount('bob', 'h'))!;
    });
    /** Messages from bob to the room, numbered from `from`. */
    const fromBob = (room: string, count: number, from = 1) =>
      store.appendMessages(Array.from({ length: count }, (_, i) => msg(room, `b${from + i}`, bob)));
    const names = async (userId: string) => (await store.userRooms(userId)).map((r) => r.name);
    const entry = async (userId: string, room: string) => (await store.userRooms(userId)).find((r) => r.name === room);

    it('the first add sets the read marker to the room\'s last seq; adding again changes nothing', async () => {
      await fromBob('r', 3);
      expect(await store.addUserRoom(alice.id, 'r')).toBe(3);
      await fromBob('r', 2, 4);
      expect(await store.addUserRoom(alice.id, 'r')).toBe(3);
      expect(await store.userRooms(alice.id)).toEqual([
        { name: 'r', kind: 'public', lastSeq: 5, readSeq: 3, unread: 2, mentions: 0, notify: 'mentions' },
      ]);
      expect(await store.addUserRoom(alice.id, 'lobby')).toBe(0);
      await expect(store.addUserRoom(alice.id, 'nowhere')).rejects.toThrow();
      expect(await names(alice.id)).toEqual(['r', 'lobby']);
    });

    it("adds at once (every new guest's first join in a storm: one SQLite transaction) still give each its marker, and a room that does not exist fails its own add only", async () => {
      await fromBob('r', 2);
      const guests = await Promise.all(Array.from({ length: 20 }, (_, i) => store.createGuest(`g${i}`)));
      const added = await Promise.allSettled([...guests.map((g) => store.addUserRoom(g.user.id, 'r')), store.addUserRoom(alice.id, 'nowhere')]);
      expect(added.slice(0, 20)).toEqual(guests.map(() => ({ status: 'fulfilled', value: 2 })));
      expect(added[20]?.status).toBe('rejected');
      for (const g of guests) expect(await names(g.user.id)).toEqual(['r']);
    });

    it('lists the rooms in the order they were added, each user their own; remove takes one out', async () => {
      for (const room of ['zeta', 'alpha', 'mid']) await store.ensureRoom(room);
      for (const room of ['zeta', 'alpha', 'mid']) await store.addUserRoom(alice.id, room);
      await store.addUserRoom(bob.id, 'mid');
      expect(await names(alice.id)).toEqual(['zeta', 'alpha', 'mid']);
      expect(await names(bob.id)).toEqual(['mid']);
      await store.removeUserRoom(alice.id, 'alpha');
      await store.removeUserRoom(alice.id, 'alpha');
      await store.removeUserRoom(alice.id, 'nowhere');
      expect(await names(alice.id)).toEqual(['zeta', 'mid']);
      expect(await names(bob.id)).toEqual(['mid']);
      // Added again, it comes last, with a fresh marker.
      await fromBob('alpha', 2);
      expect(await store.addUserRoom(alice.id, 'alpha')).toBe(2);
      expect(await names(alice.id)).toEqual(['zeta', 'mid', 'alpha']);
      // The list survives a restart.
      store = t.store = await t.fixture.reopen(store);
      expect(await names(alice.id)).toEqual(['zeta', 'mid', 'alpha']);
      expect(await store.userRooms('nobody')).toEqual([]);
    });

    it('raiseReadSeq never lowers the marker nor raises it past the last seq; null when the room is not in the list', async () => {
      await store.ensureRoom('r');
      expect(await store.addUserRoom(alice.id, 'r')).toBe(0);
      await fromBob('r', 5);
      expect(await store.raiseReadSeq(alice.id, 'r', 2)).toBe(2);
      expect(await store.raiseReadSeq(alice.id, 'r', 1)).toBe(2);
      expect(await store.raiseReadSeq(alice.id, 'r', 2)).toBe(2);
      expect(await store.raiseReadSeq(alice.id, 'r', 100)).toBe(5);
      expect((await entry(alice.id, 'r'))?.readSeq).toBe(5);
      expect(await store.raiseReadSeq(bob.id, 'r', 3)).toBeNull();
      expect(await store.raiseReadSeq(alice.id, 'nowhere', 3)).toBeNull();
      expect(await store.userRooms(bob.id)).toEqual([]);
    });

    it('unread counts the messages after the marker, at most 100', async () => {
      await store.ensureRoom('r');
      await store.addUserRoom(alice.id, 'r');
      await fromBob('r', 4);
      expect(await entry(alice.id, 'r')).toMatchObject({ lastSeq: 4, readSeq: 0, unread: 4 });
      await store.raiseReadSeq(alice.id, 'r', 3);
      expect(await entry(alice.id, 'r')).toMatchObject({ readSeq: 3, unread: 1 });
      await store.raiseReadSeq(alice.id, 'r', 4);
      expect((await entry(alice.id, 'r'))?.unread).toBe(0);
      await fromBob('r', 101, 5);
      expect(await entry(alice.id, 'r')).toMatchObject({ lastSeq: 105, readSeq: 4, unread: 100 });
      await store.raiseReadSeq(alice.id, 'r', 100);
      expect((await entry(alice.id, 'r'))?.unread).toBe(5);
      // Messages pruned by retention are no longer unread.
      await store.pruneMessagesBefore(Date.now() + 1);
      expect(await entry(alice.id, 'r')).toMatchObject({ lastSeq: 105, readSeq: 100, unread: 0 });
    });

    it('mentions counts the unread messages that mention the user, at most 100 too', async () => {
      await store.ensureRoom('r');
      await store.addUserRoom(alice.id, 'r');
      // 110 from bob: the first 105 mention alice, the last 5 do not.
      await store.appendMessages(
        Array.from({ length: 110 }, (_, i) => ({ ...msg('r', `b${i + 1}`, bob, i < 105 ? '@alice' : 'hi'), ...(i < 105 ? { mentionNames: ['alice'] } : {}) })),
      );
      expect(await entry(alice.id, 'r')).toMatchObject({ lastSeq: 110, readSeq: 0, unread: 100, mentions: 100 });
      await store.raiseReadSeq(alice.id, 'r', 50);
      expect(await entry(alice.id, 'r')).toMatchObject({ readSeq: 50, unread: 60, mentions: 55 });
    });

    it('an append raises its sender\'s marker to their last new message, where the room is in their list', async () => {
      for (const room of ['r', 's', 'unlisted']) await store.ensureRoom(room);
      await store.addUserRoom(alice.id, 'r');
      await store.addUserRoom(alice.id, 's');
      await store.addUserRoom(bob.id, 'r');
      await fromBob('r', 2);
      expect(await entry(bob.id, 'r')).toMatchObject({ readSeq: 2, unread: 0 });
      expect(await entry(alice.id, 'r')).toMatchObject({ readSeq: 0, unread: 2 });
      // One batch: two rooms, several messages each, one of them a duplicate of an earlier one.
      await store.appendMessages([msg('r', 'a1', alice), msg('s', 'a1', alice), msg('r', 'a2', alice), msg('unlisted', 'a1', alice)]);
      await fromBob('r', 1, 5);
      await store.appendMessages([msg('r', 'a1', alice)]); // a duplicate: stores nothing, raises nothing
      expect(await entry(alice.id, 'r')).toMatchObject({ lastSeq: 5, readSeq: 4, unread: 1 });
      expect(await entry(alice.id, 's')).toMatchObject({ lastSeq: 1, readSeq: 1, unread: 0 });
      expect(await entry(bob.id, 'r')).toMatchObject({ readSeq: 5, unread: 0 });
      expect(await names(alice.id)).toEqual(['r', 's']);
    });

    it('notify is the kind\'s default (all in a DM, mentions elsewhere) until set; setNotify is false outside the list', async () => {
      await store.ensureRoom('pub');
      await store.createRoom('priv', 'private', alice.id);
      await store.createRoom('dm-ab', 'dm', null);
      for (const room of ['pub', 'priv', 'dm-ab']) await store.addUserRoom(alice.id, room);
      const levels = async () => (await store.userRooms(alice.id)).map((r) => [r.name, r.kind, r.notify]);
      expect(await levels()).toEqual([
        ['pub', 'public', 'mentions'],
        ['priv', 'private', 'mentions'],
        ['dm-ab', 'dm', 'all'],
      ]);
      expect(await store.setNotify(alice.id, 'pub', 'all')).toBe(true);
      expect(await store.setNotify(alice.id, 'dm-ab', 'none')).toBe(true);
      expect(await store.setNotify(alice.id, 'priv', 'mentions')).toBe(true);
      expect(await levels()).toEqual([
        ['pub', 'public', 'all'],
        ['priv', 'private', 'mentions'],
        ['dm-ab', 'dm', 'none'],
      ]);
      expect(await store.setNotify(bob.id, 'pub', 'none')).toBe(false);
      expect(await store.setNotify(alice.id, 'nowhere', 'none')).toBe(false);
      expect(await store.userRooms(bob.id)).toEqual([]);
      // The level goes with the entry.
      await store.removeUserRoom(alice.id, 'dm-ab');
      await store.addUserRoom(alice.id, 'dm-ab');
      expect((await entry(alice.id, 'dm-ab'))?.notify).toBe('all');
    });

    it('a DM names its peer, the other user with a role there, as they are now', async () => {
      await store.createRoom('dm-ab', 'dm', null);
      await store.setRole('dm-ab', alice.id, 'member');
      await store.setRole('dm-ab', bob.id, 'member');
      await store.ensureRoom('pub');
      await store.setRole('pub', bob.id, 'moderator');
      for (const user of [alice, bob]) for (const room of ['dm-ab', 'pub']) await store.addUserRoom(user.id, room);
      expect((await entry(alice.id, 'dm-ab'))?.peer).toEqual({ id: bob.id, nick: 'bob', account: true });
      expect((await entry(bob.id, 'dm-ab'))?.peer).toEqual({ id: alice.id, nick: 'alice', account: true });
      expect(await entry(alice.id, 'pub')).not.toHaveProperty('peer');
      await store.renameUser(bob.id, 'robert');
      expect((await entry(alice.id, 'dm-ab'))?.peer).toEqual({ id: bob.id, nick: 'robert', account: true });
      // Without the other's role, no peer.
      await store.revokeRole('dm-ab', bob.id);
      expect(await entry(alice.id, 'dm-ab')).not.toHaveProperty('peer');
    });

    it('deleting a room removes it from every list; the name created again is not in them', async () => {
      await store.createRoom('doomed', 'private', alice.id);
      await store.ensureRoom('kept');
      for (const user of [alice, bob]) for (const room of ['doomed', 'kept']) await store.addUserRoom(user.id, room);
      expect(await store.deleteRoom('doomed')).toBe(true);
      expect(await names(alice.id)).toEqual(['kept']);
      expect(await names(bob.id)).toEqual(['kept']);
      await store.ensureRoom('doomed');
      expect(await names(alice.id)).toEqual(['kept']);
      expect(await store.raiseReadSeq(alice.id, 'doomed', 1)).toBeNull();
    });

    it('a ban removes the room from the banned user\'s list only', async () => {
      for (const room of ['r', 's']) await store.ensureRoom(room);
      for (const user of [alice, bob]) for (const room of ['r', 's']) await store.addUserRoom(user.id, room);
      await store.ban('r', bob.id);
      expect(await names(bob.id)).toEqual(['s']);
      expect(await names(alice.id)).toEqual(['r', 's']);
      await store.unban('r', bob.id);
      expect(await names(bob.id)).toEqual(['s']);
    });

    it('revokeRole takes a member\'s or moderator\'s role and list entry, never an owner\'s', async () => {
      const carol = (await store.createAccount('carol', 'h'))!;
      await store.createRoom('club', 'private', alice.id);
      await store.createRoom('other', 'private', alice.id);
      await store.setRole('club', bob.id, 'member');
      await store.setRole('club', carol.id, 'moderator');
      await store.setRole('other', bob.id, 'member');
      for (const user of [alice, bob, carol]) for (const room of ['club', 'other']) await store.addUserRoom(user.id, room);
      await store.revokeRole('club', bob.id);
      await store.revokeRole('club', carol.id);
      await store.revokeRole('club', alice.id);
      expect([await store.roleOf('club', bob.id), await store.roleOf('club', carol.id), await store.roleOf('club', alice.id)]).toEqual([
        null,
        null,
        'owner',
      ]);
      expect(await names(bob.id)).toEqual(['other']);
      expect(await names(carol.id)).toEqual(['other']);
      expect(await names(alice.id)).toEqual(['club', 'other']);
      expect(await store.roleOf('other', bob.id)).toBe('member');
      expect(await store.isBanned('club', bob.id)).toBe(false);
      // Idempotent, and a room or user without a role is no error.
      await store.revokeRole('club', bob.id);
      await store.revokeRole('nowhere', bob.id);
      expect(await names(bob.id)).toEqual(['other']);
    });

    it('entries go with a swept abandoned room and with a swept guest', async () => {
      await store.ensureRoom('quiet');
      const guest = await store.createGuest('passer-by');
      await store.addUserRoom(alice.id, 'quiet');
      await store.addUserRoom(guest.user.id, 'quiet');
      await store.addUserRoom(guest.user.id, 'lobby');
      const cutoff = Date.now() + 1;
      expect(await store.deleteAbandonedRooms(['quiet'], cutoff)).toEqual(['quiet']);
      expect(await store.userRooms(alice.id)).toEqual([]);
      expect(await names(guest.user.id)).toEqual(['lobby']);
      expect(await store.sweepExpiredTokens(Date.now() + 91 * DAY, 100)).toEqual({ tokens: 1, guests: 1 });
      expect(await store.userRooms(guest.user.id)).toEqual([]);
    });
  });
}
