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

  it('reads no push targets inside stored(): the lookup waits until the tick that delivered the message has ended', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const store = await new SqliteStore({ dir }).open();
    const guest = await store.createGuest('ann');
    const [stored] = await store.appendMessages([{ room: 'lobby', from: guest.user, clientId: 'c1', text: 'hi' }]);
    const message = (stored as { message: ChatMessage }).message;
    const lookups: string[] = [];
    const notifier = new PushNotifier({
      store: {
        pushTargets: (asks) => {
          lookups.push(...asks.map((ask) => ask.room));
          return store.pushTargets(asks);
        },
        userRooms: (userId) => store.userRooms(userId),
      },
      presence: new MemoryPresence(),
      send: () => {},
      log: { warn: () => {} },
    });
    notifier.stored([message]);
    expect(lookups).toEqual([]);
    await notifier.idle();
    expect(lookups).toEqual(['lobby']);
    await notifier.stop();
    await store.close();
  });

  it('looks up the targets of a burst of messages in one store call', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const store = await new SqliteStore({ dir }).open();
    const guest = await store.createGuest('ann');
    const stored = await store.appendMessages([1, 2, 3].map((i) => ({ room: 'lobby', from: guest.user, clientId: `c${i}`, text: `hi ${i}` })));
    const calls: number[] = [];
    const notifier = new PushNotifier({
      store: {
        pushTargets: (asks) => {
          calls.push(asks.length);
          return store.pushTargets(asks);
        },
        userRooms: (userId) => store.userRooms(userId),
      },
      presence: new MemoryPresence(),
      send: () => {},
      log: { warn: () => {} },
    });
    notifier.stored(stored.map((s) => (s as { message: ChatMessage }).message));
    await notifier.idle();
    expect(calls).toEqual([3]);
    await notifier.stop();
    await store.close();
  });
});
