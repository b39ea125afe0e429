// Store.ping (src/store/store.ts): health, and write outages (StoreWriteError).
import { isMessage } from '@chat/protocol';
import { beforeEach, describe, expect, it } from 'vitest';
import { StoreWriteError, type Store } from '../../../src/store/store.js';
import { msg, type StoreFixture, type StoreUnderTest } from './store-under-test.js';

export function describeHealth(t: StoreUnderTest): void {
  describe('health', () => {
    let store: Store;
    let fixture: StoreFixture;
    beforeEach(() => {
      ({ store, fixture } = t);
    });

    it('answers ping while open', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });

    it('rejects ping while writes fail (StoreWriteError), stores nothing then, and recovers by itself', async (ctx) => {
      if (!fixture.breakWrites) return ctx.skip();
      await store.appendMessages([msg('a', '1')]);
      const repair = await fixture.breakWrites();
      await expect(store.appendMessages([msg('a', '2')])).rejects.toBeInstanceOf(StoreWriteError);
      await expect(store.ping()).rejects.toBeInstanceOf(StoreWriteError);
      expect(await store.lastSeq('a')).toBe(1);
      expect((await store.messagesAfter('a', 0, 10)).messages.filter(isMessage).map((m) => m.clientId)).toEqual(['1']);

      // Without any message to store, ping finds out by itself that writes work again.
      await repair();
      const deadline = Date.now() + 10_000;
      for (;;) {
        try {
          await store.ping();
          break;
        } catch (err) {
          if (Date.now() > deadline) throw err;
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      const [r] = await store.appendMessages([msg('a', '2')]);
      expect(r?.message.seq).toBe(2);
    });
  });
}
