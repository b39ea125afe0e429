// Another process holding SQLite's write lock for a moment (`chat-server backup` or `admin` open
// the same chat.db while the server runs) makes the server's writes wait, not fail: a message
// batch reads before it writes, and such a transaction begun DEFERRED was
// refused at once with SQLITE_BUSY (CI saw "message not stored" during a backup).
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { tempDir } from '../helpers.js';

const HOLD_MS = 400;

/** A separate process that takes the write lock, says "locked", and commits after HOLD_MS. */
function holdWriteLock(database: string): Promise<{ released: Promise<void> }> {
  const betterSqlite = createRequire(import.meta.url).resolve('better-sqlite3');
  const script = `
    const Database = require(${JSON.stringify(betterSqlite)});
    const db = new Database(${JSON.stringify(database)});
    db.exec('BEGIN IMMEDIATE');
    process.stdout.write('locked\\n');
    setTimeout(() => { db.exec('COMMIT'); db.close(); }, ${HOLD_MS});
  `;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const released = new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`lock holder exited ${code}`))));
  });
  return new Promise((resolve, reject) => {
    child.stdout.once('data', () => resolve({ released }));
    child.once('error', reject);
  });
}

describe('SQLite writes while another process holds the write lock', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('wait for it and succeed: messages and a guest', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const store = await new SqliteStore({ dir }).open();
    try {
      const from = (await store.createAccount('alice', 'h'))!;
      await store.ensureRoom('r');
      for (const write of [
        () => store.appendMessages([{ room: 'r', from, clientId: 'm1', text: 'hello' }]),
        () => store.appendMessages([{ room: 'r', from, clientId: 'm2', text: 'again' }]),
        () => store.createGuest('guest'),
      ]) {
        const { released } = await holdWriteLock(join(dir, 'chat.db'));
        await write();
        await released;
      }
      const page = await store.messagesBefore('r', undefined, 10);
      expect(page.messages.map((m) => m.text)).toEqual(['hello', 'again']);
    } finally {
      await store.close();
    }
  });
});
