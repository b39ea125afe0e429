// `chat-server backup` on a database of tens of megabytes: it finishes while a real server keeps
// committing about 50 messages a second (SQLite's online backup restarted at every commit and
// never did), a killed or failed backup leaves nothing at the target, and the temporary file a
// killed backup left behind does not stop the next one.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { AckFrame, ServerFrame } from '@chat/protocol';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { MAIN, startChild } from '../child-server.js';
import { sleep, TestClient } from '../helpers.js';
import { runCli, waitFor, trackOps } from './ops-helpers.js';
import { onSmallDisk, smallDiskAvailable } from './small-disk.js';

const { clients, dir } = trackOps();

const BIG_TEXT = 'x'.repeat(3990);

/** A data dir holding `count` messages of about 4 KB in room `big` (count 12000: about 50 MB). */
async function bigDataDir(count: number): Promise<string> {
  const dataDir = dir('chat-big-');
  const store = await new SqliteStore({ dir: dataDir }).open();
  const from = { id: 'u-filler', nick: 'filler' };
  for (let i = 0; i < count; i += 500) {
    const n = Math.min(500, count - i);
    await store.appendMessages(Array.from({ length: n }, (_, j) => ({ room: 'big', from, clientId: `f${i + j}`, text: `${BIG_TEXT}${i + j}` })));
  }
  await store.close();
  return dataDir;
}

/** Opens a backup and checks it whole; returns the seqs of `room` by client id. */
function readCopy(file: string, room: string): { count: number; seqs: Map<string, number> } {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    expect(db.pragma('quick_check', { simple: true })).toBe('ok');
    const rows = db
      .prepare<[string], { seq: number; client_id: string }>(
        'SELECT m.seq, m.client_id FROM messages m JOIN rooms r ON r.id = m.room_id WHERE r.name = ? ORDER BY m.seq',
      )
      .all(room);
    const count = (db.prepare('SELECT COUNT(*) AS n FROM messages').get() as { n: number }).n;
    return { count, seqs: new Map(rows.map((r) => [r.client_id, r.seq])) };
  } finally {
    db.close();
  }
}

describe('chat-server backup under load', () => {
  it('finishes while a server commits about 50 messages a second, and holds everything acked before it began', async () => {
    const dataDir = await bigDataDir(12_000);
    const child = await startChild(dataDir);
    const client = await TestClient.connect(child.wsUrl({ nick: 'writer' }));
    clients.push(client);
    await client.request({ type: 'join', room: 'load' });

    // Steady traffic: one send every 20 ms, each its own commit.
    const replies: ServerFrame[] = [];
    let n = 0;
    const timer = setInterval(() => {
      const id = `load${n++}`;
      void client.request({ type: 'send', room: 'load', id, text: id }, 30_000).then((r) => replies.push(r));
    }, 20);
    try {
      await waitFor('40 acks before the backup', () => replies.length >= 40, 20_000);
      const ackedBefore = replies.filter((r): r is AckFrame => r.type === 'ack');
      expect(ackedBefore).toHaveLength(replies.length);
      const file = join(dir('chat-big-out-'), 'copy.db');
      const during = replies.length;
      const r = await runCli(['backup', file, '--data-dir', dataDir], {}, { timeoutMs: 60_000 });
      const committedDuring = replies.length - during;
      expect(r.code, `backup did not finish (${r.stderr.trim()})`).toBe(0);
      console.log(`backup finished while ${committedDuring} messages were acked`);
      expect(committedDuring).toBeGreaterThan(0);

      const copy = readCopy(file, 'load');
      expect(copy.count).toBeGreaterThanOrEqual(12_000 + ackedBefore.length);
      for (const ack of ackedBefore) expect(copy.seqs.get(ack.id), ack.id).toBe(ack.seq);
    } finally {
      clearInterval(timer);
    }
    // The server was not disturbed: every send was acked.
    await waitFor('all replies', () => replies.length === n, 10_000);
    expect(replies.filter((r) => r.type !== 'ack').slice(0, 3)).toEqual([]);
  }, 180_000);

  it('a backup killed midway leaves nothing at the target, and the next one succeeds and clears its leftover', async () => {
    const dataDir = await bigDataDir(12_000);
    const out = dir('chat-big-out-');
    const file = join(out, 'copy.db');
    const killed = spawn(process.execPath, [MAIN, 'backup', file, '--data-dir', dataDir], {
      env: { PATH: process.env.PATH ?? '' },
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => killed.once('exit', resolve));
    // Kill it as soon as it has started writing anything in the target's directory.
    for (let i = 0; i < 30_000 && readdirSync(out).length === 0; i++) await sleep(1);
    killed.kill('SIGKILL');
    await exited;
    expect(readdirSync(out).length, 'the backup wrote nothing before it was killed').toBeGreaterThan(0);
    expect(existsSync(file), 'a killed backup left a partial file at the target').toBe(false);
    // Killed in the middle of writing, a copy also leaves SQLite's journal beside it (whether this
    // kill came then is a matter of timing, so one is made here for a process known to be gone).
    writeFileSync(`${file}.partial-${killed.pid}-journal`, 'leftover');

    const r = await runCli(['backup', file, '--data-dir', dataDir], {}, { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(out)).toEqual(['copy.db']);
    expect(readCopy(file, 'big').count).toBe(12_000);
  }, 120_000);

  it('a backup that fails (the target disk is full) leaves nothing at the target', async () => {
    if (!smallDiskAvailable()) return;
    const dataDir = await bigDataDir(1000); // about 4 MB, onto a 1 MB disk
    const out = dir('chat-full-out-');
    const file = join(out, 'copy.db');
    // The listing runs inside the namespace, the only place where the small disk is seen.
    const list = ['/bin/sh', '-c', '"$0" "$@"; code=$?; echo "listing:$(ls -A "$OUT")"; exit $code'];
    const r = await runCli(['backup', file, '--data-dir', dataDir], { OUT: out }, { command: [...onSmallDisk(out, 1 << 20), ...list], timeoutMs: 60_000 });
    expect(r.code, `${r.stdout}${r.stderr}`).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^error: backup failed: .*full/);
    expect(r.stdout.trim().split('\n').at(-1)).toBe('listing:');
    expect(statSync(join(dataDir, 'chat.db')).size).toBeGreaterThan(1 << 20);
  }, 60_000);
});
