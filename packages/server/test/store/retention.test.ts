import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Retention } from '../../src/store/retention.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { tempDir } from '../helpers.js';

const DAY = 24 * 60 * 60 * 1000;

describe('Retention', () => {
  it('deletes messages older than the retention period, keeps newer ones, and logs the count', async () => {
    const dir = tempDir();
    const store = await new SqliteStore({ dir }).open();
    await store.appendMessages([1, 2, 3].map((i) => ({ room: 'r', from: { id: 'u', nick: 'u' }, clientId: String(i), text: `m${i}` })));
    const logs: object[] = [];
    const log = { info: (o: object) => logs.push(o), error: (o: object) => logs.push(o) };
    // Pretend it is 31 days later: a 30-day retention removes everything stored "today".
    const later = new Retention({ store, days: 30, log, now: () => Date.now() + 31 * DAY });
    await later.prune();
    expect(await store.lastSeq('r')).toBe(3);
    expect((await store.messagesAfter('r', 0, 10)).messages).toEqual([]);
    expect(logs).toEqual([expect.objectContaining({ event: 'retention', deleted: 3, days: 30 })]);
    // 29 days later, a 30-day retention keeps a new message.
    await store.appendMessages([{ room: 'r', from: { id: 'u', nick: 'u' }, clientId: '4', text: 'm4' }]);
    await new Retention({ store, days: 30, log, now: () => Date.now() + 29 * DAY }).prune();
    expect((await store.messagesAfter('r', 0, 10)).messages.map((m) => m.seq)).toEqual([4]);
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('does nothing at 0 days (keep forever), and stops cleanly', async () => {
    let calls = 0;
    const store = { pruneMessagesBefore: async () => (calls++, 0) } as unknown as SqliteStore;
    const retention = new Retention({ store, days: 0, log: { info: () => {}, error: () => {} } });
    retention.start();
    await retention.stop();
    expect(calls).toBe(0);
    const active = new Retention({ store, days: 1, log: { info: () => {}, error: () => {} }, everyMs: 10 });
    active.start();
    await new Promise((r) => setTimeout(r, 35));
    await active.stop();
    expect(calls).toBeGreaterThanOrEqual(2);
  });
});
