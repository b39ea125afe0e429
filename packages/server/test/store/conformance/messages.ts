// The MessageStore contract (src/store/message-store.ts): append, seq, duplicates, history pages, restarts,
// retention.
import { beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../../src/store/store.js';
import { alice, bob, msg, type StoreFixture, type StoreUnderTest } from './store-under-test.js';

export function describeMessages(t: StoreUnderTest): void {
  describe('messages', () => {
    let store: Store;
    let fixture: StoreFixture;
    beforeEach(() => {
      ({ store, fixture } = t);
    });

    it('has the lobby from the start, and unknown rooms are null until ensured', async () => {
      expect(await store.lastSeq('lobby')).toBe(0);
      expect(await store.lastSeq('nowhere')).toBeNull();
      expect(await store.ensureRoom('nowhere')).toBe(0);
      expect(await store.lastSeq('nowhere')).toBe(0);
    });

    it('assigns per-room seqs 1, 2, 3 in batch order, and creates rooms as needed', async () => {
      const results = await store.appendMessages([msg('a', '1'), msg('b', '1'), msg('a', '2'), msg('a', '3')]);
      expect(results.map((r) => [r.message.room, r.message.seq, r.duplicate])).toEqual([
        ['a', 1, false],
        ['b', 1, false],
        ['a', 2, false],
        ['a', 3, false],
      ]);
      expect(new Set(results.map((r) => r.message.id)).size).toBe(4);
      expect(await store.lastSeq('a')).toBe(3);
      expect(await store.lastSeq('b')).toBe(1);
      const more = await store.appendMessages([msg('a', '4')]);
      expect(more[0]?.message.seq).toBe(4);
    });

    it('returns the message as stored: text, sender, clientId, ts', async () => {
      const before = Date.now();
      const [r] = await store.appendMessages([msg('a', 'x', bob, 'hello 🌍')]);
      expect(r?.message).toMatchObject({ type: 'message', room: 'a', seq: 1, clientId: 'x', from: bob, text: 'hello 🌍' });
      expect(r?.message.ts).toBeGreaterThanOrEqual(before);
      const page = await store.messagesAfter('a', 0, 10);
      expect(page.messages).toEqual([r?.message]);
    });

    it('dedupes (room, user, clientId): the original comes back and nothing is stored', async () => {
      const [first] = await store.appendMessages([msg('a', 'k', alice, 'original')]);
      const [again] = await store.appendMessages([msg('a', 'k', alice, 'changed text')]);
      expect(again).toEqual({ message: first?.message, duplicate: true });
      expect(await store.lastSeq('a')).toBe(1);
      // Same key, other user or other room: distinct messages.
      const others = await store.appendMessages([msg('a', 'k', bob), msg('b', 'k', alice)]);
      expect(others.map((r) => r.duplicate)).toEqual([false, false]);
      // A duplicate within one batch.
      const batch = await store.appendMessages([msg('c', 'd'), msg('c', 'd')]);
      expect(batch.map((r) => [r.message.seq, r.duplicate])).toEqual([
        [1, false],
        [1, true],
      ]);
    });

    it('pages backwards with messagesBefore: newest `limit`, ascending, hasMore = older exist', async () => {
      await store.appendMessages(Array.from({ length: 10 }, (_, i) => msg('a', `m${i + 1}`)));
      const newest = await store.messagesBefore('a', undefined, 3);
      expect(newest.messages.map((m) => m.seq)).toEqual([8, 9, 10]);
      expect(newest.hasMore).toBe(true);
      const older = await store.messagesBefore('a', 8, 5);
      expect(older.messages.map((m) => m.seq)).toEqual([3, 4, 5, 6, 7]);
      expect(older.hasMore).toBe(true);
      const oldest = await store.messagesBefore('a', 3, 5);
      expect(oldest.messages.map((m) => m.seq)).toEqual([1, 2]);
      expect(oldest.hasMore).toBe(false);
      const exact = await store.messagesBefore('a', 4, 3);
      expect(exact.messages.map((m) => m.seq)).toEqual([1, 2, 3]);
      expect(exact.hasMore).toBe(false);
      expect(await store.messagesBefore('nowhere', undefined, 5)).toEqual({ messages: [], hasMore: false });
      // limit 0 still tells whether anything older exists.
      expect(await store.messagesBefore('a', undefined, 0)).toEqual({ messages: [], hasMore: true });
      expect(await store.messagesBefore('a', 1, 0)).toEqual({ messages: [], hasMore: false });
    });

    it('pages forwards with messagesAfter: oldest `limit` after, hasMore = newer exist', async () => {
      await store.appendMessages(Array.from({ length: 10 }, (_, i) => msg('a', `m${i + 1}`)));
      const first = await store.messagesAfter('a', 0, 4);
      expect(first.messages.map((m) => m.seq)).toEqual([1, 2, 3, 4]);
      expect(first.hasMore).toBe(true);
      const last = await store.messagesAfter('a', 7, 3);
      expect(last.messages.map((m) => m.seq)).toEqual([8, 9, 10]);
      expect(last.hasMore).toBe(false);
      expect(await store.messagesAfter('a', 10, 3)).toEqual({ messages: [], hasMore: false });
      expect(await store.messagesAfter('a', 99, 3)).toEqual({ messages: [], hasMore: false });
    });

    it('keeps messages, seqs, dedupe keys and tokens across a restart; seq is never reused', async () => {
      const { token, user } = await store.createGuest('dave');
      const [m] = await store.appendMessages([msg('a', '1'), msg('a', '2')]);
      store = t.store = await fixture.reopen(store);
      expect((await store.identityByToken(token))?.user).toEqual(user);
      expect(await store.lastSeq('a')).toBe(2);
      const [dup, next] = await store.appendMessages([msg('a', '1'), msg('a', '3')]);
      expect(dup).toEqual({ message: m?.message, duplicate: true });
      expect(next?.message.seq).toBe(3);
    });

    it('prunes old messages without ever reusing a seq, and pages over what remains', async () => {
      await store.appendMessages([msg('a', '1'), msg('a', '2'), msg('a', '3')]);
      const cutoff = Date.now() + 1; // everything so far is older
      await new Promise((r) => setTimeout(r, 5));
      expect(await store.pruneMessagesBefore(cutoff)).toBe(3);
      expect(await store.messagesAfter('a', 0, 10)).toEqual({ messages: [], hasMore: false });
      expect(await store.lastSeq('a')).toBe(3);
      const [next] = await store.appendMessages([msg('a', '4')]);
      expect(next?.message.seq).toBe(4);
      expect((await store.messagesBefore('a', undefined, 10)).messages.map((m) => m.seq)).toEqual([4]);
      expect(await store.pruneMessagesBefore(0)).toBe(0);
    });
  });
}
