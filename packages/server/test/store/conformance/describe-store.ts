// The Store contract, as one suite run against every implementation (sqlite-store.test.ts,
// pg-store.test.ts): one file per aggregate, each case stating a clause of its interface file in
// src/store/. A new aggregate gets its file here and a line below.
import { afterEach, beforeEach, describe } from 'vitest';
import { describeAccounts } from './accounts.js';
import { describeChanges } from './changes.js';
import { describeFiles } from './files.js';
import { describeSearch } from './search.js';
import { describeHealth } from './health.js';
import { describeMessages } from './messages.js';
import { describePush } from './push.js';
import { describeRooms } from './rooms.js';
import type { StoreFixture, StoreUnderTest } from './store-under-test.js';
import { describeSweep } from './sweep.js';
import { describeUserRooms } from './user-rooms.js';

export type { StoreFixture } from './store-under-test.js';

export function describeStore(name: string, makeFixture: () => StoreFixture): void {
  describe(`Store conformance: ${name}`, () => {
    const t = {} as StoreUnderTest;

    beforeEach(async () => {
      t.fixture = makeFixture();
      t.store = await t.fixture.open();
    });
    afterEach(async () => {
      await t.store.close();
      await t.fixture.cleanup();
    });

    describeMessages(t);
    describeChanges(t);
    describeFiles(t);
    describeSearch(t);
    describeAccounts(t);
    describeRooms(t);
    describeSweep(t);
    describeUserRooms(t);
    describePush(t);
    describeHealth(t);
  });
}
