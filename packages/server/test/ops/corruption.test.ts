// A damaged database is refused at start instead of served: a zeroed page (found by PRAGMA
// quick_check) and a chat.db truncated to 0 bytes (which SQLite would silently treat as a new,
// empty database: history gone, seqs starting again at 1). Each time the built `chat-server`
// prints one line and exits 1, and leaves the file as it found it.
import { openSync, readFileSync, statSync, truncateSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AckFrame } from '@chat/protocol';
import { startChild } from '../child-server.js';
import { tempDir, TestClient } from '../helpers.js';
import { runCli, trackOps } from './ops-helpers.js';

const PAGE_BYTES = 4096; // SQLite's default page size, which the server does not change
const { dirs, clients } = trackOps();

/** A data dir whose database the real server wrote: `count` messages in room `kept`, then a clean stop. */
async function writtenDataDir(count: number): Promise<string> {
  const dataDir = tempDir('chat-corrupt-');
  dirs.push(dataDir);
  const child = await startChild(dataDir);
  const client = await TestClient.connect(child.wsUrl({ nick: 'writer' }));
  clients.push(client);
  await client.request({ type: 'join', room: 'kept' });
  // Long texts, so that the messages fill many pages and the newest sit on a page of their own.
  const replies = await Promise.all(
    Array.from({ length: count }, (_, i) => client.request({ type: 'send', room: 'kept', id: `k${i}`, text: `kept-message-${i} ${'x'.repeat(900)}` })),
  );
  expect(replies.filter((r): r is AckFrame => r.type === 'ack')).toHaveLength(count);
  client.ws.terminate();
  child.child.kill('SIGTERM');
  expect((await child.exited).code).toBe(0);
  return dataDir;
}

/** Starts the built server on DATA_DIR and waits for it to stop by itself (or be killed after 15 s). */
function serve(dataDir: string) {
  return runCli([], { PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir });
}

describe('start-up refuses a damaged database', () => {
  it('a zeroed page: one line naming the file and quick_check, exit 1, file untouched', async () => {
    const dataDir = await writtenDataDir(120);
    const db = join(dataDir, 'chat.db');
    // Zero the page that holds the newest message: the one a join reads first.
    const bytes = readFileSync(db);
    const at = bytes.lastIndexOf(Buffer.from('kept-message-'));
    expect(at).toBeGreaterThan(0);
    const page = Math.floor(at / PAGE_BYTES);
    const fd = openSync(db, 'r+');
    writeSync(fd, Buffer.alloc(PAGE_BYTES), 0, PAGE_BYTES, page * PAGE_BYTES);
    closeSync(fd);
    const damaged = readFileSync(db);

    const r = await serve(dataDir);
    expect(r.code, `${r.stdout}${r.stderr}`).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error: /);
    expect(lines[0]).toContain(db);
    expect(lines[0]).toMatch(/quick_check/);
    expect(lines[0]).toMatch(/backup/);
    expect(readFileSync(db).equals(damaged)).toBe(true);
  });

  it('a 0-byte chat.db where a database was: one line saying what to do, exit 1, nothing created', async () => {
    const dataDir = await writtenDataDir(5);
    const db = join(dataDir, 'chat.db');
    truncateSync(db, 0);

    const r = await serve(dataDir);
    expect(r.code, `${r.stdout}${r.stderr}`).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error: /);
    expect(lines[0]).toContain(db);
    expect(lines[0]).toMatch(/empty/);
    expect(lines[0]).toMatch(/backup/);
    expect(statSync(db).size).toBe(0);

    // The maintenance commands refuse it the same way (they open the same store).
    for (const args of [['migrate'], ['backup', join(dataDir, 'copy.db')]]) {
      const m = await runCli([...args, '--data-dir', dataDir]);
      expect(m.code, `${args[0]}: ${m.stdout}${m.stderr}`).toBe(1);
      expect(m.stderr.trim().split('\n'), args[0]).toHaveLength(1);
      expect(m.stderr).toMatch(/empty/);
      expect(statSync(db).size).toBe(0);
    }
  });

  it('a new data dir (missing, or existing and empty) still gets a new database', async () => {
    const parent = tempDir('chat-new-');
    dirs.push(parent);
    for (const dataDir of [join(parent, 'missing'), tempDir('chat-new-')]) {
      dirs.push(dataDir);
      const child = await startChild(dataDir);
      expect(statSync(join(dataDir, 'chat.db')).size).toBeGreaterThan(0);
      child.child.kill('SIGTERM');
      expect((await child.exited).code).toBe(0);
    }
  });
});
