// The RoomStore contract (src/store/room-store.ts): kinds, roles, bans, mutes, deletion, the room list.
import { beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../../src/store/store.js';
import { msg, visible, type StoreUnderTest } from './store-under-test.js';

export function describeRooms(t: StoreUnderTest): void {
  describe('rooms', () => {
    let store: Store;
    beforeEach(() => {
      store = t.store;
    });

    it('creates rooms of each kind once, with an owner role, and lists what a user may see', async () => {
      const owner = (await store.createAccount('owner', 'h'))!;
      const friend = (await store.createAccount('friend', 'h'))!;
      expect(await store.createRoom('secret', 'private', owner.id)).toBe(true);
      expect(await store.createRoom('secret', 'public', null)).toBe(false);
      expect(await store.roomInfo('secret')).toEqual({ name: 'secret', kind: 'private', ownerId: owner.id, lastSeq: 0 });
      expect(await store.roleOf('secret', owner.id)).toBe('owner');
      expect(await store.roleOf('secret', friend.id)).toBeNull();
      await store.ensureRoom('open');
      expect((await store.roomInfo('open'))?.kind).toBe('public');
      expect(await store.roomInfo('nowhere')).toBeNull();
      const names = (id: string | null) => visible(store, id);
      expect(await names(null)).toEqual(['lobby', 'open']);
      expect(await names(owner.id)).toEqual(['lobby', 'open', 'secret']);
      expect(await names(friend.id)).toEqual(['lobby', 'open']);
      await store.setRole('secret', friend.id, 'member');
      expect(await names(friend.id)).toEqual(['lobby', 'open', 'secret']);
      await store.setRole('secret', friend.id, 'moderator');
      expect(await store.roleOf('secret', friend.id)).toBe('moderator');
      await store.appendMessages([msg('secret', '1', owner)]);
      expect((await store.listRooms(owner.id, { limit: 10 })).rooms.find((r) => r.name === 'secret')?.lastSeq).toBe(1);
    });

    it('deletes a room with its messages and roles; the name then starts afresh', async () => {
      const owner = (await store.createAccount('deleter', 'h'))!;
      await store.createRoom('doomed', 'private', owner.id);
      await store.appendMessages([msg('doomed', '1', owner), msg('doomed', '2', owner)]);
      await store.ban('doomed', 'someone');
      expect(await store.deleteRoom('doomed')).toBe(true);
      expect(await store.deleteRoom('doomed')).toBe(false);
      expect(await store.roomInfo('doomed')).toBeNull();
      expect(await store.roleOf('doomed', owner.id)).toBeNull();
      expect(await visible(store, owner.id)).not.toContain('doomed');
      const [again] = await store.appendMessages([msg('doomed', '1', owner)]);
      expect(again).toMatchObject({ duplicate: false, message: { seq: 1 } });
      expect(await store.isBanned('doomed', 'someone')).toBe(false);
    });

    it('bans and unbans, and mutes until a time', async () => {
      const user = (await store.createAccount('noisy', 'h'))!;
      await store.ensureRoom('r');
      expect(await store.isBanned('r', user.id)).toBe(false);
      await store.ban('r', user.id);
      await store.ban('r', user.id);
      expect(await store.isBanned('r', user.id)).toBe(true);
      expect(await store.isBanned('lobby', user.id)).toBe(false);
      expect(await visible(store, user.id)).not.toContain('r');
      expect(await visible(store, null)).toContain('r');
      await store.unban('r', user.id);
      expect(await store.isBanned('r', user.id)).toBe(false);
      expect(await visible(store, user.id)).toContain('r');
      expect(await store.mutedUntil('r', user.id)).toBe(0);
      const until = Date.now() + 60_000;
      await store.mute('r', user.id, until);
      expect(await store.mutedUntil('r', user.id)).toBe(until);
      await store.mute('r', user.id, Date.now() - 1);
      expect(await store.mutedUntil('r', user.id)).toBe(0);
    });

    it('joinStanding reads the room, ban, role, mute, last seq and read marker at once, as the single reads do, and adds nothing', async () => {
      const owner = (await store.createAccount('standing-owner', 'h'))!;
      const user = (await store.createAccount('standing-user', 'h'))!;
      expect(await store.joinStanding('nowhere', user.id)).toBeNull();
      await store.ensureRoom('plain');
      expect(await store.joinStanding('plain', user.id)).toEqual({
        info: { name: 'plain', kind: 'public', ownerId: null, lastSeq: 0 },
        banned: false,
        role: null,
        mutedUntil: 0,
        readSeq: null,
      });
      expect(await store.userRooms(user.id)).toEqual([]);
      await store.createRoom('club', 'private', owner.id);
      await store.setTopic('club', 'members only');
      await store.setRole('club', user.id, 'moderator');
      await store.appendMessages([msg('club', '1', owner), msg('club', '2', owner)]);
      const club = await store.joinStanding('club', user.id);
      expect(club).toEqual({ info: await store.roomInfo('club'), banned: false, role: 'moderator', mutedUntil: 0, readSeq: null });
      expect(club?.info).toMatchObject({ kind: 'private', ownerId: owner.id, lastSeq: 2, topic: 'members only' });
      expect((await store.joinStanding('club', owner.id))?.role).toBe('owner');
      // In the list: the marker as addUserRoom gives it, and as it moves.
      expect(await store.addUserRoom(user.id, 'club')).toBe(2);
      await store.appendMessages([msg('club', '3', owner)]);
      expect(await store.joinStanding('club', user.id)).toMatchObject({ info: { lastSeq: 3 }, readSeq: 2 });
      await store.raiseReadSeq(user.id, 'club', 3);
      expect((await store.joinStanding('club', user.id))?.readSeq).toBe(3);
      // Muted until a time to come; a mute that is over reads as 0, as mutedUntil.
      const until = Date.now() + 60_000;
      await store.mute('club', user.id, until);
      expect((await store.joinStanding('club', user.id))?.mutedUntil).toBe(until);
      await store.mute('club', user.id, Date.now() - 1);
      expect((await store.joinStanding('club', user.id))?.mutedUntil).toBe(0);
      // Banned: the ban took the role and the list entry (ban); another user's standing is untouched.
      await store.ban('club', user.id);
      expect(await store.joinStanding('club', user.id)).toMatchObject({ banned: true, role: null, readSeq: null });
      expect(await store.joinStanding('club', owner.id)).toMatchObject({ banned: false, role: 'owner', readSeq: null });
      await store.ban('plain', user.id);
      expect(await store.joinStanding('plain', user.id)).toMatchObject({ banned: true, role: null, mutedUntil: 0 });
    });

    it('a ban takes the user\'s role in that room (owner, moderator or invitation) and an unban gives none back', async () => {
      const owner = (await store.createAccount('own1', 'h'))!;
      const mod = (await store.createAccount('mod1', 'h'))!;
      const member = (await store.createAccount('mem1', 'h'))!;
      await store.createRoom('club', 'private', owner.id);
      await store.createRoom('other', 'private', owner.id);
      await store.setRole('club', mod.id, 'moderator');
      await store.setRole('club', member.id, 'member');
      await store.setRole('other', member.id, 'member');
      for (const u of [owner, mod, member]) await store.ban('club', u.id);
      for (const u of [owner, mod, member]) expect(await store.roleOf('club', u.id)).toBeNull();
      // Other rooms keep their roles.
      expect(await store.roleOf('other', owner.id)).toBe('owner');
      expect(await store.roleOf('other', member.id)).toBe('member');
      for (const u of [owner, mod, member]) await store.unban('club', u.id);
      for (const u of [owner, mod, member]) expect(await store.roleOf('club', u.id)).toBeNull();
      expect((await store.listRooms(member.id, { limit: 100 })).rooms.map((r) => r.name)).not.toContain('club');
    });

    it('sets a topic and clears it with ""; roomInfo and the room list carry it; it survives a restart and goes with the room', async () => {
      await store.ensureRoom('talk');
      expect(await store.roomInfo('talk')).toEqual({ name: 'talk', kind: 'public', ownerId: null, lastSeq: 0 });
      expect(await store.setTopic('talk', 'Weekly sync — 周会 🗓️')).toBe(true);
      expect(await store.roomInfo('talk')).toEqual({ name: 'talk', kind: 'public', ownerId: null, lastSeq: 0, topic: 'Weekly sync — 周会 🗓️' });
      expect((await store.listRooms(null, { limit: 10 })).rooms.find((r) => r.name === 'talk')?.topic).toBe('Weekly sync — 周会 🗓️');
      expect((await store.listRooms(null, { limit: 10 })).rooms.find((r) => r.name === 'lobby')).not.toHaveProperty('topic');
      expect(await store.setTopic('nowhere', 'x')).toBe(false);
      expect(await store.roomInfo('nowhere')).toBeNull();
      t.store = store = await t.fixture.reopen(store);
      expect((await store.roomInfo('talk'))?.topic).toBe('Weekly sync — 周会 🗓️');
      expect(await store.setTopic('talk', '')).toBe(true);
      expect(await store.roomInfo('talk')).not.toHaveProperty('topic');
      await store.setTopic('talk', 'again');
      expect(await store.deleteRoom('talk')).toBe(true);
      await store.ensureRoom('talk');
      expect(await store.roomInfo('talk')).not.toHaveProperty('topic');
    });

    it('lists a room\'s banned users, oldest ban first, up to a limit; unban and deletion take them off', async () => {
      await store.ensureRoom('strict');
      await store.ensureRoom('lenient');
      expect(await store.bannedUsers('strict', 10)).toEqual([]);
      expect(await store.bannedUsers('nowhere', 10)).toEqual([]);
      await store.ban('strict', 'u-1');
      await new Promise((r) => setTimeout(r, 2));
      await store.ban('strict', 'u-0');
      await new Promise((r) => setTimeout(r, 2));
      await store.ban('strict', 'u-2');
      await store.ban('strict', 'u-1'); // again: still the first
      await store.ban('lenient', 'u-9');
      expect(await store.bannedUsers('strict', 10)).toEqual(['u-1', 'u-0', 'u-2']);
      expect(await store.bannedUsers('strict', 2)).toEqual(['u-1', 'u-0']);
      expect(await store.bannedUsers('lenient', 10)).toEqual(['u-9']);
      await store.unban('strict', 'u-0');
      expect(await store.bannedUsers('strict', 10)).toEqual(['u-1', 'u-2']);
      await store.deleteRoom('strict');
      expect(await store.bannedUsers('strict', 10)).toEqual([]);
    });

    it('lists rooms in pages: name order, `after` a name, `limit`, hasMore', async () => {
      for (const name of ['delta', 'alpha', 'charlie', 'bravo']) await store.ensureRoom(name);
      const first = await store.listRooms(null, { limit: 2 });
      expect(first.rooms.map((r) => r.name)).toEqual(['alpha', 'bravo']);
      expect(first.hasMore).toBe(true);
      expect(first.rooms[0]).toEqual({ name: 'alpha', kind: 'public', ownerId: null, lastSeq: 0 });
      const second = await store.listRooms(null, { limit: 2, after: 'bravo' });
      expect(second.rooms.map((r) => r.name)).toEqual(['charlie', 'delta']);
      expect(second.hasMore).toBe(true);
      // `after` need not be a room: it is only a position.
      const last = await store.listRooms(null, { limit: 2, after: 'delta' });
      expect(last).toEqual({ rooms: [expect.objectContaining({ name: 'lobby' })], hasMore: false });
      expect(await store.listRooms(null, { limit: 2, after: 'zzz' })).toEqual({ rooms: [], hasMore: false });
      // Exactly `limit` left: no more.
      expect((await store.listRooms(null, { limit: 3, after: 'bravo' })).hasMore).toBe(false);
    });

    it('filters the room list by a case-insensitive name substring and by privacy, keeping private rooms private', async () => {
      const owner = (await store.createAccount('lister', 'h'))!;
      const other = (await store.createAccount('other', 'h'))!;
      for (const name of ['town', 'downtown', 'a_b', 'axb', 'a%b']) await store.ensureRoom(name);
      await store.createRoom('town-secret', 'private', owner.id);
      await store.createRoom('dm-lister-x', 'dm', null);
      await store.setRole('dm-lister-x', owner.id, 'member');
      const names = async (userId: string | null, query: Omit<Parameters<Store['listRooms']>[1], 'limit'>) =>
        (await store.listRooms(userId, { limit: 100, ...query })).rooms.map((r) => r.name);
      expect(await names(null, { nameContains: 'TOWN' })).toEqual(['downtown', 'town']);
      expect(await names(owner.id, { nameContains: 'town' })).toEqual(['downtown', 'town', 'town-secret']);
      expect(await names(other.id, { nameContains: 'secret' })).toEqual([]);
      // No LIKE wildcards: `_` and `%` are plain characters.
      expect(await names(null, { nameContains: 'a_b' })).toEqual(['a_b']);
      expect(await names(null, { nameContains: 'a%b' })).toEqual(['a%b']);
      expect(await names(owner.id, { private: true })).toEqual(['dm-lister-x', 'town-secret']);
      expect(await names(other.id, { private: true })).toEqual([]);
      expect(await names(null, { private: true })).toEqual([]);
      expect(await names(owner.id, { private: false, nameContains: 'town' })).toEqual(['downtown', 'town']);
      expect(await names(owner.id, { private: true, after: 'dm-lister-x' })).toEqual(['town-secret']);
      const page = await store.listRooms(owner.id, { limit: 1, private: true });
      expect(page).toEqual({ rooms: [expect.objectContaining({ name: 'dm-lister-x', kind: 'dm' })], hasMore: true });
      // A ban hides a room from the filtered lists too.
      await store.ban('town-secret', owner.id);
      expect(await names(owner.id, { private: true })).toEqual(['dm-lister-x']);
    });
  });
}
