// The push path looks up who to notify only after the commit's deliveries and acks have left:
// SQLite answers synchronously, so a lookup started inside stored() would run before the corked
// sockets are written at the end of the tick, and every message of a busy room would wait for it.
import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChatMessage } from '@chat/protocol';
import { MemoryPresence } from '../../src/presence/memory-presence.js';
import { PushNotifier } from '../../src/push/push-notifier.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { tempDir } from '../helpers.js';

describe('PushNotifier', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  /**
   * A store with `count` messages of ann's in the lobby, and a notifier over it that records the
   * rooms of each pushTargets call.
   */
  async function setup(count: number) {
    const dir = tempDir();
    dirs.push(dir);
    const store = await new SqliteStore({ dir }).open();
    const guest = await store.createGuest('ann');
    const stored = await store.appendMessages(Array.from({ length: count }, (_, i) => ({ room: 'lobby', from: guest.user, clientId: `c${i}`, text: `hi ${i}` })));
    const messages = stored.map((s) => (s as { message: ChatMessage }).message);
    const calls: string[][] = [];
    const notifier = new PushNotifier({
      store: {
        pushTargets: (asks) => {
          calls.push(asks.map((ask) => ask.room));
          return store.pushTargets(asks);
        },
        userRooms: (userId) => store.userRooms(userId),
      },
      presence: new MemoryPresence(),
      send: () => {},
      log: { warn: () => {} },
    });
    const close = async () => {
      await notifier.stop();
      await store.close();
    };
    return { messages, calls, notifier, close };
  }

  it('reads no push targets inside stored(): the lookup waits until the tick that delivered the message has ended', async () => {
    const { messages, calls, notifier, close } = await setup(1);
    notifier.stored(messages);
    expect(calls).toEqual([]);
    await notifier.idle();
    expect(calls).toEqual([['lobby']]);
    await close();
  });

  it('looks up the targets of a burst of messages in one store call', async () => {
    const { messages, calls, notifier, close } = await setup(3);
    notifier.stored(messages);
    await notifier.idle();
    expect(calls).toEqual([['lobby', 'lobby', 'lobby']]);
    await close();
  });
});
