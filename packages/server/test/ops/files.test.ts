// Who may read the data: DATA_DIR is 0700 and the database, its WAL and shared-memory files and
// every backup are 0600, whatever the umask (the tests run the server with umask 022, the usual
// default); an existing install with 0644 files is tightened at start; `backup` never writes
// through a symbolic link at its target.
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AckFrame } from '@chat/protocol';
import { startChild } from '../child-server.js';
import { sendMany, TestClient } from '../helpers.js';
import { runCli, umask022, trackOps } from './ops-helpers.js';

const { clients, dir } = trackOps();

const mode = (path: string): string => (statSync(path).mode & 0o7777).toString(8).padStart(4, '0');

/** Runs the built server on dataDir (umask 022) and stores a few messages, so the WAL exists. */
async function serveAndWrite(dataDir: string) {
  const child = await startChild(dataDir, { command: umask022 });
  const client = await TestClient.connect(child.wsUrl({ nick: 'writer' }));
  clients.push(client);
  await client.request({ type: 'join', room: 'kept' });
  const replies = await sendMany(client, 'kept', 5);
  expect(replies.filter((r): r is AckFrame => r.type === 'ack')).toHaveLength(5);
  return child;
}

describe('file modes', () => {
  it('a new DATA_DIR is 0700, and chat.db, its -wal and -shm are 0600 while the server runs', async () => {
    const dataDir = join(dir('chat-files-'), 'data');
    const child = await serveAndWrite(dataDir);
    expect(mode(dataDir)).toBe('0700');
    for (const file of ['chat.db', 'chat.db-wal', 'chat.db-shm']) {
      expect(existsSync(join(dataDir, file)), file).toBe(true);
      expect(mode(join(dataDir, file)), file).toBe('0600');
    }
    child.child.kill('SIGTERM');
    expect((await child.exited).code).toBe(0);
  });

  it('an existing install with a 0755 DATA_DIR and 0644 files is tightened at start', async () => {
    const dataDir = join(dir('chat-files-'), 'data');
    const first = await serveAndWrite(dataDir);
    first.child.kill('SIGKILL'); // leaves chat.db-wal and chat.db-shm behind, as a crash does
    await first.exited;
    // What an earlier version left with umask 022.
    chmodSync(dataDir, 0o755);
    for (const file of ['chat.db', 'chat.db-wal', 'chat.db-shm']) chmodSync(join(dataDir, file), 0o644);

    const child = await startChild(dataDir, { command: umask022 });
    expect(mode(dataDir)).toBe('0700');
    for (const file of ['chat.db', 'chat.db-wal', 'chat.db-shm']) {
      if (existsSync(join(dataDir, file))) expect(mode(join(dataDir, file)), file).toBe('0600');
    }
    // The messages are still there.
    const client = await TestClient.connect(child.wsUrl({ nick: 'reader' }));
    clients.push(client);
    const joined = await client.request({ type: 'join', room: 'kept' });
    expect(joined).toMatchObject({ type: 'joined', seq: 5 });
  });

  it('a shared DATA_DIR that does not look like ours (no chat.db, other files) is left as it is', async () => {
    const shared = dir('chat-shared-');
    chmodSync(shared, 0o755);
    writeFileSync(join(shared, 'someone-elses-file'), 'x');
    const child = await serveAndWrite(shared);
    expect(mode(shared)).toBe('0755');
    expect(mode(join(shared, 'chat.db'))).toBe('0600');
    expect(child.output()).toMatch(/DATA_DIR can be listed by other users/);
    child.child.kill('SIGTERM');
    await child.exited;
  });

  it('`backup` writes the copy 0600', async () => {
    const dataDir = join(dir('chat-files-'), 'data');
    const child = await serveAndWrite(dataDir);
    const file = join(dir('chat-files-out-'), 'copy.db');
    const r = await runCli(['backup', file, '--data-dir', dataDir], {}, { command: umask022 });
    expect(r.code, r.stderr).toBe(0);
    expect(mode(file)).toBe('0600');
    child.child.kill('SIGTERM');
    await child.exited;
  });
});

describe('`backup` and symbolic links', () => {
  it('refuses a target that is a dangling symlink, and writes nothing where it points', async () => {
    const dataDir = join(dir('chat-files-'), 'data');
    const child = await serveAndWrite(dataDir);
    const out = dir('chat-files-out-');
    const elsewhere = join(dir('chat-files-victim-'), 'planted.db');
    const link = join(out, 'copy.db');
    symlinkSync(elsewhere, link);

    const r = await runCli(['backup', link, '--data-dir', dataDir], {}, { command: umask022 });
    expect(r.code, `${r.stdout}${r.stderr}`).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/already exists/);
    expect(existsSync(elsewhere), 'the backup was written through the symlink').toBe(false);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe(elsewhere);
    child.child.kill('SIGTERM');
    await child.exited;
  });

  it('refuses a target that is a symlink to an existing file, which stays as it was', async () => {
    const dataDir = join(dir('chat-files-'), 'data');
    mkdirSync(dataDir, { recursive: true });
    const child = await serveAndWrite(dataDir);
    const victim = join(dir('chat-files-victim-'), 'important.txt');
    writeFileSync(victim, 'keep me');
    const link = join(dir('chat-files-out-'), 'copy.db');
    symlinkSync(victim, link);

    const r = await runCli(['backup', link, '--data-dir', dataDir]);
    expect(r.code, `${r.stdout}${r.stderr}`).toBe(2);
    expect(readFileSync(victim, 'utf8')).toBe('keep me');
    child.child.kill('SIGTERM');
    await child.exited;
  });
});
