// What every part of the Store conformance suite shares: the store under test (replaced by each
// test's fresh one, and by a restart) and a few fixtures.
import type { NewMessage, Store } from '../../../src/store/store.js';

export interface StoreFixture {
  /** A fresh, empty, open store. */
  open(): Promise<Store>;
  /** Closes and reopens the same data (a restart). */
  reopen(store: Store): Promise<Store>;
  cleanup(): Promise<void>;
  /**
   * Makes the store's message writes fail as on a full disk, with the real error of the real
   * database, until the returned function is called. Absent where that cannot be done from here
   * (SQLite: test/ops/disk-full.test.ts fills a real disk under a real server instead).
   */
  breakWrites?(): Promise<() => Promise<void>>;
}

/** The store and fixture of the running test; a test that restarts the store sets `store`. */
export interface StoreUnderTest {
  store: Store;
  fixture: StoreFixture;
}

export const alice = { id: 'u-alice', nick: 'alice' };
export const bob = { id: 'u-bob', nick: 'bob' };
export const DAY = 24 * 60 * 60 * 1000;
export const msg = (room: string, clientId: string, from = alice, text = `text ${clientId}`): NewMessage => ({ room, from, clientId, text });
/** Every room the user may see (one page holds them all in these tests). */
export const visible = async (store: Store, userId: string | null): Promise<string[]> =>
  (await store.listRooms(userId, { limit: 500 })).rooms.map((r) => r.name);
