import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { tempDir } from '../helpers.js';
import { describeStore } from './conformance/describe-store.js';

describeStore('sqlite', () => {
  const dir = tempDir();
  return {
    open: () => new SqliteStore({ dir }).open(),
    reopen: async (store) => {
      await store.close();
      return new SqliteStore({ dir }).open();
    },
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

describe('SqliteStore specifics', () => {
  it('runs in WAL mode with synchronous=FULL, so a commit is fsynced before it resolves', async () => {
    const dir = tempDir();
    const store = await new SqliteStore({ dir }).open();
    // SQLite: synchronous FULL = 2.
    expect(store.durability()).toEqual({ journalMode: 'wal', synchronous: 2 });
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores only a hash of guest tokens', async () => {
    const dir = tempDir();
    const store = await new SqliteStore({ dir }).open();
    const { token } = await store.createGuest('eve');
    await store.close();
    for (const file of ['chat.db', 'chat.db-wal']) {
      let bytes: Buffer;
      try {
        bytes = readFileSync(join(dir, file));
      } catch {
        continue;
      }
      expect(bytes.includes(Buffer.from(token))).toBe(false);
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses expired tokens', async () => {
    const dir = tempDir();
    const store = await new SqliteStore({ dir, tokenTtlMs: 1 }).open();
    const { token } = await store.createGuest('frank');
    await new Promise((r) => setTimeout(r, 5));
    expect(await store.identityByToken(token)).toBeNull();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
