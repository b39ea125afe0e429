// Search (src/store/search-store.ts): messages found by every term, newest first, in pages; only in
// rooms the caller may read; by their current text (an edit re-indexes, a redaction, retention and
// a room's deletion take them out); and history from before the index, indexed by indexBacklog.
import type { User } from '@chat/protocol';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseQuery } from '../../../src/search/search-text.js';
import { SEARCH_CASES, SEARCH_MESSAGES } from '../../search/fixtures.js';
import type { SearchQuery, Store } from '../../../src/store/store.js';
import { alice, bob, msg, type StoreUnderTest } from './store-under-test.js';

/** The texts a search finds, newest first. */
async function found(store: Store, q: string, userId: string, options: Partial<SearchQuery> = {}): Promise<string[]> {
  const page = await store.search({ terms: parseQuery(q).terms, userId, limit: 50, ...options });
  return page.results.map((r) => `${r.room}:${r.message.text}`);
}

export function describeSearch(t: StoreUnderTest): void {
  describe('search', () => {
    let store: Store;
    beforeEach(() => {
      store = t.store;
    });

    it('finds messages holding every term, case-insensitively, newest first, with their room and current state', async () => {
      await store.appendMessages([msg('a', '1', alice, 'Lunch at noon'), msg('b', '2', bob, 'lunch moved to one'), msg('a', '3', alice, 'dinner at noon')]);
      expect(await found(store, 'LUNCH', alice.id)).toEqual(['b:lunch moved to one', 'a:Lunch at noon']);
      expect(await found(store, 'noon lunch', alice.id)).toEqual(['a:Lunch at noon']);
      expect(await found(store, 'breakfast', alice.id)).toEqual([]);
      const [hit] = (await store.search({ terms: parseQuery('dinner').terms, userId: bob.id, limit: 5 })).results;
      expect(hit).toMatchObject({ room: 'a', message: { type: 'message', room: 'a', seq: 2, from: alice, text: 'dinner at noon' } });
    });

    it('pages with `before` (the last id of a page) and says whether more follow', async () => {
      await store.appendMessages([1, 2, 3, 4, 5].map((n) => msg('a', `c${n}`, alice, `report number ${n}`)));
      const first = await store.search({ terms: ['report'], userId: bob.id, limit: 2 });
      expect(first.results.map((r) => r.message.seq)).toEqual([5, 4]);
      expect(first.hasMore).toBe(true);
      const second = await store.search({ terms: ['report'], userId: bob.id, limit: 2, before: first.results[1]!.message.id });
      expect(second.results.map((r) => r.message.seq)).toEqual([3, 2]);
      const last = await store.search({ terms: ['report'], userId: bob.id, limit: 2, before: second.results[1]!.message.id });
      expect(last.results.map((r) => r.message.seq)).toEqual([1]);
      expect(last.hasMore).toBe(false);
    });

    it('narrows to one room and to one author (nick or username)', async () => {
      await store.appendMessages([msg('a', '1', alice, 'plan A'), msg('b', '2', alice, 'plan B'), msg('a', '3', bob, 'plan C')]);
      expect(await found(store, 'plan', alice.id, { room: 'a' })).toEqual(['a:plan C', 'a:plan A']);
      expect(await found(store, 'plan', alice.id, { from: 'alice' })).toEqual(['b:plan B', 'a:plan A']);
      // A room's pages, newest first, whatever the other rooms hold.
      await store.appendMessages([msg('b', '4', alice, 'plan D'), msg('a', '5', alice, 'plan E'), msg('b', '6', alice, 'plan F')]);
      const first = await store.search({ terms: ['plan'], userId: bob.id, room: 'a', limit: 2 });
      expect(first.results.map((r) => r.message.text)).toEqual(['plan E', 'plan C']);
      expect(first.hasMore).toBe(true);
      const rest = await store.search({ terms: ['plan'], userId: bob.id, room: 'a', limit: 2, before: first.results[1]!.message.id });
      expect(rest.results.map((r) => r.message.text)).toEqual(['plan A']);
      expect(rest.hasMore).toBe(false);
    });

    it('never looks in a private room or DM the caller is not in, nor in a public room they are banned from', async () => {
      const owner = (await store.createAccount('owner', 'unused-hash')) as User;
      const other = (await store.createAccount('other', 'unused-hash')) as User;
      await store.createRoom('secret', 'private', owner.id);
      await store.appendMessages([msg('secret', '1', owner, 'launch codes'), msg('open', '2', owner, 'launch party')]);
      expect(await found(store, 'launch', owner.id)).toEqual(['open:launch party', 'secret:launch codes']);
      expect(await found(store, 'launch', other.id)).toEqual(['open:launch party']);
      expect(await found(store, 'launch', other.id, { room: 'secret' })).toEqual([]);
      await store.setRole('secret', other.id, 'member');
      expect(await found(store, 'launch', other.id)).toHaveLength(2);
      await store.ban('open', other.id);
      expect(await found(store, 'launch', other.id)).toEqual(['secret:launch codes']);
    });

    it('finds a message by its current text only: an edit re-indexes, a redaction takes it out', async () => {
      await store.appendMessages([msg('a', '1', alice, 'the old wording'), msg('a', '2', alice, 'a regrettable remark')]);
      await store.appendEntries([
        { action: 'edit', room: 'a', seq: 1, by: alice, text: 'the new phrasing' },
        { action: 'redact', room: 'a', seq: 2, by: alice, moderator: false },
      ]);
      expect(await found(store, 'wording', alice.id)).toEqual([]);
      expect(await found(store, 'phrasing', alice.id)).toEqual(['a:the new phrasing']);
      expect(await found(store, 'regrettable', alice.id)).toEqual([]);
    });

    it('forgets pruned messages and deleted rooms', async () => {
      await store.appendMessages([msg('a', '1', alice, 'ancient history'), msg('gone', '2', alice, 'history of a gone room')]);
      expect(await store.deleteRoom('gone')).toBe(true);
      expect(await found(store, 'history', alice.id)).toEqual(['a:ancient history']);
      await store.pruneMessagesBefore(Date.now() + 1000);
      expect(await found(store, 'history', alice.id)).toEqual([]);
    });

    it('answers the shared table of English, Chinese, Japanese, Korean, emoji and mixed cases exactly', async () => {
      const keys = Object.keys(SEARCH_MESSAGES);
      await store.appendMessages(keys.map((key) => msg('mixed', key, alice, SEARCH_MESSAGES[key] as string)));
      const byText = new Map(keys.map((key) => [SEARCH_MESSAGES[key] as string, key]));
      for (const c of SEARCH_CASES) {
        const terms = parseQuery(c.query).terms;
        const page = terms.length === 0 ? { results: [] } : await store.search({ terms, userId: bob.id, limit: 100 });
        const keysFound = page.results.map((r) => byText.get(r.message.text)).sort();
        expect(keysFound, `${c.query}: ${c.why}`).toEqual([...c.expect].sort());
      }
    });

    it('has no backlog in a store that never had messages before its index', async () => {
      expect(await store.indexBacklog(100)).toBe(0);
    });
  });
}
