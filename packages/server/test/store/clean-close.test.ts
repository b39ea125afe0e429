// A start after a clean close skips PRAGMA quick_check (it reads the whole file: 8 s at 1.8 GiB,
// which every deploy's restart would wait for); any other start checks: after a crash, or when
// chat.db was written, replaced or restored since the close.
import { copyFileSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { tempDir } from '../helpers.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function storeDir(): Promise<string> {
  const dir = tempDir();
  dirs.push(dir);
  const store = await new SqliteStore({ dir }).open();
  await store.appendMessages([{ room: 'lobby', from: (await store.createGuest('ann')).user, clientId: 'c1', text: 'hi' }]);
  await store.close();
  return dir;
}

async function opened(dir: string): Promise<SqliteStore> {
  return new SqliteStore({ dir }).open();
}

describe('SqliteStore: the integrity check at open', () => {
  it('is skipped after a clean close, and the store still reads what it wrote', async () => {
    const dir = await storeDir();
    const store = await opened(dir);
    expect(store.integrityChecked).toBe(false);
    expect((await store.messagesBefore('lobby', undefined, 10)).messages.map((m) => m.text)).toEqual(['hi']);
    await store.close();
  });

  it('runs when the last start did not close (a crash): the note is used up at open', async () => {
    const dir = await storeDir();
    const crashed = await opened(dir);
    expect(crashed.integrityChecked).toBe(false);
    const next = await opened(dir); // the first never closed
    expect(next.integrityChecked).toBe(true);
    await next.close();
    await crashed.close();
  });

  it('is noted only by the last connection to close: a close that leaves the WAL behind (a backup while the server runs) notes nothing', async () => {
    const dir = await storeDir();
    const note = join(dir, 'chat.db.closed-cleanly');
    const server = await opened(dir);
    const backup = await opened(dir);
    await backup.close();
    expect(existsSync(note)).toBe(false);
    await server.close();
    expect(existsSync(note)).toBe(true);
  });

  it('runs when chat.db was written since the clean close', async () => {
    const dir = await storeDir();
    const db = new Database(join(dir, 'chat.db'));
    db.prepare('UPDATE rooms SET created_at = created_at + 1').run();
    db.close();
    const store = await opened(dir);
    expect(store.integrityChecked).toBe(true);
    await store.close();
  });

  it('runs when chat.db was replaced by a copy (a restore) since the clean close', async () => {
    const dir = await storeDir();
    const path = join(dir, 'chat.db');
    copyFileSync(path, `${path}.copy`);
    rmSync(path);
    copyFileSync(`${path}.copy`, path);
    const store = await opened(dir);
    expect(store.integrityChecked).toBe(true);
    await store.close();
    expect(existsSync(`${path}.closed-cleanly`)).toBe(true);
  });
});
