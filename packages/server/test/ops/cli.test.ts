// The operations commands on the built binary: `backup FILE` (an online, consistent SQLite copy
// taken while a server runs on the same data dir), `migrate`, and `--help`.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { AckFrame, JoinedFrame, ServerFrame } from '@chat/protocol';
import { MIGRATIONS } from '../../src/store/sqlite-schema.js';
import { killChildren, startChild } from '../child-server.js';
import { sendMany, tempDir, TestClient } from '../helpers.js';
import { runCli } from './ops-helpers.js';

const dirs: string[] = [];
const clients: TestClient[] = [];

afterEach(() => {
  for (const c of clients.splice(0)) c.ws.terminate();
  killChildren();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function dir(prefix: string): string {
  const d = tempDir(prefix);
  dirs.push(d);
  return d;
}

describe('chat-server backup', () => {
  it('writes a consistent copy while the server is writing, and refuses to overwrite', async () => {
    const dataDir = dir('chat-backup-data-');
    const outDir = dir('chat-backup-out-');
    const child = await startChild(dataDir);
    const client = await TestClient.connect(child.wsUrl({ nick: 'writer' }));
    clients.push(client);
    expect((await client.request<JoinedFrame>({ type: 'join', room: 'kept' })).type).toBe('joined');
    const replies = await sendMany(client, 'kept', 25, { prefix: 'b' });
    const acks = replies.filter((r): r is AckFrame => r.type === 'ack');
    expect(acks).toHaveLength(25);

    // Back up while a second burst is still being written: the copy must be one consistent
    // moment — a prefix 1..k of the room's seqs, with the room's last_seq = k.
    const file = join(outDir, 'chat-backup.db');
    let backupDone = false;
    const burstReplies: ServerFrame[] = [];
    const writer = (async () => {
      // Keep 20 sends in flight until the backup command has exited.
      for (let i = 0; !backupDone; i += 20) {
        burstReplies.push(...(await sendMany(client, 'kept', 20, { prefix: `during${i}-` })));
      }
    })();
    const first = await runCli(['backup', file, '--data-dir', dataDir]);
    backupDone = true;
    await writer;
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(file);
    expect(existsSync(file)).toBe(true);
    expect(readFileSync(file).subarray(0, 16).toString('latin1')).toBe('SQLite format 3\0');
    const allAcks = [...acks, ...burstReplies.filter((r): r is AckFrame => r.type === 'ack')];
    expect(allAcks).toHaveLength(acks.length + burstReplies.length);
    const ackedSeq = new Map(allAcks.map((a) => [a.id, a.seq]));

    // The server was not disturbed.
    const after = await client.request<AckFrame>({ type: 'send', room: 'kept', id: 'after-backup', text: 'still writing' });
    expect(after).toMatchObject({ type: 'ack', seq: allAcks.length + 1 });

    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
      const rows = db
        .prepare<[string], { seq: number; client_id: string }>(
          'SELECT m.seq, m.client_id FROM messages m JOIN rooms r ON r.id = m.room_id WHERE r.name = ? ORDER BY m.seq',
        )
        .all('kept');
      const lastSeq = (db.prepare('SELECT last_seq FROM rooms WHERE name = ?').get('kept') as { last_seq: number }).last_seq;
      console.log(`backup: ${rows.length} of ${allAcks.length} messages (${acks.length} before the backup started) are in the copy`);
      // Everything acked before the backup started is in it...
      expect(rows.length).toBeGreaterThanOrEqual(acks.length);
      // ...as a gap-free prefix, consistent with the room row, each with the seq its ack carried.
      expect(rows.map((r) => r.seq)).toEqual(rows.map((_, i) => i + 1));
      expect(lastSeq).toBe(rows.length);
      for (const r of rows) expect(ackedSeq.get(r.client_id), r.client_id).toBe(r.seq);
      expect((db.prepare('SELECT COUNT(*) AS n FROM messages').get() as { n: number }).n).toBe(rows.length);
    } finally {
      db.close();
    }

    // Same FILE again: refused, one line, exit 2, and the existing backup is untouched.
    const before = readFileSync(file);
    const again = await runCli(['backup', file, '--data-dir', dataDir]);
    expect(again.code).toBe(2);
    const lines = again.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/already exists/);
    expect(lines[0]).toContain(file);
    expect(readFileSync(file).equals(before)).toBe(true);
  });

  it('backup without FILE: usage and exit 2', async () => {
    const r = await runCli(['backup']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr.trim()).toMatch(/^usage: chat-server backup FILE/);
  });

  // The operator forgot FILE but gave options: main.ts checks `file.startsWith('-')` for exactly
  // this, but parses the rest of the line (from the option's value on) first, so this prints
  // 'config error: unknown option "DIR"' instead of the usage line.
  it('backup without FILE but with options: usage and exit 2', async () => {
    const dataDir = dir('chat-backup-nofile-');
    const r = await runCli(['backup', '--data-dir', dataDir]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr.trim()).toMatch(/^usage: chat-server backup FILE/);
  });

  // A typo in --data-dir (or a cron job pointed at the wrong place) must not "succeed" with a
  // backup of an empty database it has just created there.
  it('backup of a data dir without a database fails and creates nothing', async () => {
    const parent = dir('chat-backup-typo-');
    const missing = join(parent, 'no-such-data');
    const file = join(parent, 'out.db');
    const r = await runCli(['backup', file, '--data-dir', missing]);
    expect(r.code, `${r.stdout}${r.stderr}`).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(file), 'a backup file was written').toBe(false);
    expect(existsSync(join(missing, 'chat.db')), 'an empty database was created in the data dir').toBe(false);
  });
});

describe('chat-server migrate', () => {
  it('creates/upgrades the database, prints the schema version and exits 0', async () => {
    const dataDir = join(dir('chat-migrate-'), 'fresh'); // does not exist yet
    const r = await runCli(['migrate', '--data-dir', dataDir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`schema version ${MIGRATIONS.length}\\b`));
    const db = new Database(join(dataDir, 'chat.db'), { readonly: true });
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    } finally {
      db.close();
    }
    // Running it again is a no-op with the same answer.
    const again = await runCli(['migrate'], { DATA_DIR: dataDir });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(new RegExp(`schema version ${MIGRATIONS.length}\\b`));
  });
});

describe('chat-server --help and bad commands', () => {
  it('--help lists serve, backup and migrate and exits 0', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\s+serve\b/m);
    expect(r.stdout).toMatch(/^\s+backup FILE\b/m);
    expect(r.stdout).toMatch(/^\s+migrate\b/m);
    for (const env of ['TLS_CERT', 'TLS_KEY', 'METRICS', 'METRICS_PORT', 'METRICS_HOST', 'RETENTION_DAYS']) {
      expect(r.stdout, env).toMatch(new RegExp(`\\b${env}\\b`));
    }
  });

  it('an unknown command is one line and exit 2', async () => {
    const r = await runCli(['restore']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/unknown command "restore"/);
  });
});

describe('serve with METRICS_PORT taken', () => {
  it('stops with one line and exit 1 instead of running without metrics', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const taken = (blocker.address() as AddressInfo).port;
    const dataDir = tempDir('chat-cli-');
    try {
      const result = await runCli([], { PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, METRICS_PORT: String(taken) });
      expect(result.code).toBe(1);
      const lines = result.stderr.split('\n').filter((l) => l.trim());
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/metrics.*EADDRINUSE/);
    } finally {
      blocker.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
