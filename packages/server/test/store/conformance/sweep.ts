// The SweepStore contract (src/store/sweep-store.ts): expired tokens, abandoned rooms.
import { isMessage } from '@chat/protocol';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../../src/store/store.js';
import { DAY, msg, type StoreUnderTest } from './store-under-test.js';

export function describeSweep(t: StoreUnderTest): void {
  describe('sweep', () => {
    let store: Store;
    beforeEach(() => {
      store = t.store;
    });

    it('sweeps expired tokens and the guests they leave without one; accounts, bearer tokens, live tokens and messages stay', async () => {
      const ghost = await store.createGuest('ghost');
      await store.appendMessages([msg('haunt', '1', ghost.user, 'boo')]);
      const account = (await store.createAccount('keeper', 'h'))!;
      const session = await store.issueToken(account.id, 'session');
      const bot = await store.issueToken(account.id, 'bearer', { name: 'bot' });
      // Nothing has expired yet.
      expect(await store.sweepExpiredTokens(Date.now(), 100)).toEqual({ tokens: 0, guests: 0 });
      expect(await store.sweepExpiredTokens(Date.now() + 29 * DAY, 100)).toEqual({ tokens: 0, guests: 0 });
      // 31 days on, the session (30 days) has expired; the guest token (90 days) has not.
      expect(await store.sweepExpiredTokens(Date.now() + 31 * DAY, 100)).toEqual({ tokens: 1, guests: 0 });
      expect(await store.userById(ghost.user.id)).toEqual(ghost.user);
      // 91 days on, the guest's token too, and with it the guest.
      expect(await store.sweepExpiredTokens(Date.now() + 91 * DAY, 100)).toEqual({ tokens: 1, guests: 1 });
      expect(await store.userById(ghost.user.id)).toBeNull();
      expect(await store.identityByToken(ghost.token)).toBeNull();
      expect(await store.identityByToken(session.token)).toBeNull();
      // The account and its bearer token stay; the guest's message stays, with its nick.
      expect(await store.userById(account.id)).toEqual(account);
      expect(await store.identityByToken(bot.token)).toMatchObject({ user: account, kind: 'bearer' });
      expect((await store.messagesAfter('haunt', 0, 10)).messages.filter(isMessage).map((m) => [m.from, m.text])).toEqual([[ghost.user, 'boo']]);
      expect(await store.sweepExpiredTokens(Date.now() + 91 * DAY, 100)).toEqual({ tokens: 0, guests: 0 });
    });

    it('sweeps at most `limit` tokens per call', async () => {
      for (let i = 0; i < 5; i++) await store.createGuest(`g${i}`);
      const later = Date.now() + 91 * DAY;
      expect(await store.sweepExpiredTokens(later, 2)).toEqual({ tokens: 2, guests: 2 });
      expect(await store.sweepExpiredTokens(later, 2)).toEqual({ tokens: 2, guests: 2 });
      expect(await store.sweepExpiredTokens(later, 2)).toEqual({ tokens: 1, guests: 1 });
      expect(await store.sweepExpiredTokens(later, 2)).toEqual({ tokens: 0, guests: 0 });
    });

    it('finds abandoned rooms (public, never a message, created before the cutoff, no roles, bans or mutes, not the lobby), scanning in name order', async () => {
      const before = Date.now() - 1;
      const owner = (await store.createAccount('founder', 'h'))!;
      for (const name of ['empty-a', 'empty-b', 'banned', 'muted']) await store.ensureRoom(name);
      await store.appendMessages([msg('talked', '1')]);
      await store.appendMessages([msg('pruned', '1')]);
      await store.pruneMessagesBefore(Date.now() + 1);
      await store.createRoom('owned', 'public', owner.id);
      await store.createRoom('closed', 'private', owner.id);
      await store.createRoom('dm-x', 'dm', null);
      await store.setRole('dm-x', owner.id, 'member');
      await store.ban('banned', 'someone');
      await store.mute('muted', 'someone', Date.now() + 60_000);
      const cutoff = Date.now() + 1;
      expect(await store.abandonedRooms(cutoff, null, 100)).toEqual({ rooms: ['empty-a', 'empty-b'], next: null });
      // Rooms created after the cutoff are young, not abandoned.
      expect(await store.abandonedRooms(before, null, 100)).toEqual({ rooms: [], next: null });
      // A scan of 3 rooms at a time walks every room once, in name order.
      const all = ['banned', 'closed', 'dm-x', 'empty-a', 'empty-b', 'lobby', 'muted', 'owned', 'pruned', 'talked'];
      const found: string[] = [];
      let after: string | null = null;
      for (let i = 0; i < 4; i++) {
        const step = await store.abandonedRooms(cutoff, after, 3);
        found.push(...step.rooms);
        expect(step.next, `step ${i}`).toBe(i < 3 ? all[i * 3 + 2] : null);
        after = step.next;
      }
      expect(found).toEqual(['empty-a', 'empty-b']);
    });

    it('deletes only rooms still abandoned; a deleted name starts afresh, and a message around a deletion is never lost', async () => {
      for (const name of ['gone', 'spoken', 'guarded']) await store.ensureRoom(name);
      const cutoff = Date.now() + 1;
      expect((await store.abandonedRooms(cutoff, null, 100)).rooms).toEqual(['gone', 'guarded', 'spoken']);
      // Between the scan and the deletion, one room gets a message and one a ban.
      await store.appendMessages([msg('spoken', '1')]);
      await store.ban('guarded', 'someone');
      expect((await store.deleteAbandonedRooms(['gone', 'spoken', 'guarded', 'lobby', 'nowhere'], cutoff)).sort()).toEqual(['gone']);
      expect(await store.roomInfo('gone')).toBeNull();
      expect(await store.lastSeq('spoken')).toBe(1);
      expect(await store.isBanned('guarded', 'someone')).toBe(true);
      expect(await store.lastSeq('lobby')).toBe(0);
      expect(await store.deleteAbandonedRooms(['gone'], cutoff)).toEqual([]);
      expect(await store.ensureRoom('gone')).toBe(0);
      // A message appended at the moment of a deletion lands in the room, old or re-created.
      const names = Array.from({ length: 20 }, (_, i) => `race-${i}`);
      for (const name of names) await store.ensureRoom(name);
      const raceCutoff = Date.now() + 1;
      await Promise.all(names.flatMap((name) => [store.appendMessages([msg(name, 'm')]), store.deleteAbandonedRooms([name], raceCutoff)]));
      for (const name of names) {
        expect((await store.messagesAfter(name, 0, 10)).messages.filter(isMessage).map((m) => [m.seq, m.clientId]), name).toEqual([[1, 'm']]);
      }
    });
  });
}
