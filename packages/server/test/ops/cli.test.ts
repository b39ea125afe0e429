// The operations commands on the built binary: `backup FILE` (an online, consistent SQLite copy
// taken while a server runs on the same data dir), `migrate`, `admin create NAME` and
// ADMIN_PASSWORD_FILE (the operator's admin accounts), and `--help`.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { AckFrame, JoinedFrame, ServerFrame } from '@chat/protocol';
import { hashPassword, verifyPassword } from '../../src/auth/password.js';
import { PgStore } from '../../src/store/pg/pg-store.js';
import { MIGRATIONS } from '../../src/store/sqlite/sqlite-schema.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { startChild } from '../child-server.js';
import { sendMany, tempDir, TestClient } from '../helpers.js';
import { api } from '../http/http-helpers.js';
import { createSchema, servicesAvailable } from '../services.js';
import { runCli, trackOps } from './ops-helpers.js';

const postgres = await servicesAvailable(['postgres']);

const { clients, dir } = trackOps();

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
    expect(burstReplies.filter((r) => r.type !== 'ack').slice(0, 2)).toEqual([]);
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
    expect(r.stdout).toMatch(/^\s+admin create NAME\b/m);
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

/** Opens the SQLite store of a data dir (the CLI and servers have closed theirs, or share it). */
async function storeOf(dataDir: string): Promise<SqliteStore> {
  return new SqliteStore({ dir: dataDir }).open();
}

const ADMIN_PASSWORD = 'a long admin passphrase';

describe('chat-server admin create NAME', () => {
  it('makes an operator admin from one line of standard input; it signs in, and start-up warns no more', async () => {
    const dataDir = dir('chat-admin-create-');
    const r = await runCli(['admin', 'create', 'root', '--data-dir', dataDir], { ADMIN_USERS: 'root' }, { input: `${ADMIN_PASSWORD}\n` });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/admin account root created/);
    expect(r.stdout + r.stderr).not.toContain(ADMIN_PASSWORD);
    const store = await storeOf(dataDir);
    const account = (await store.accountByUsername('root'))!;
    expect(account.operatorAdmin).toBe(true);
    expect(await verifyPassword(ADMIN_PASSWORD, account.passwordHash)).toBe(true);
    await store.close();

    const child = await startChild(dataDir, { env: { ADMIN_USERS: 'root' }, keepAllOutput: true });
    const signIn = await api(child.baseUrl, 'POST', '/api/auth/login', { body: { username: 'root', password: ADMIN_PASSWORD } });
    expect(signIn.status).toBe(200);
    expect(child.output()).not.toMatch(/admin create/);
  });

  it.each([
    ['a common password', 'root', 'Password1\n', /too common/],
    ['a short password', 'root', 'short\n', /8 to 1024 characters/],
    ['no password at all', 'root', '', /no password/],
    ['a name that is no username', 'Root!', `${ADMIN_PASSWORD}\n`, /not a username/],
  ])('refuses %s: one line, exit 2, no account', async (_what, name, input, message) => {
    const dataDir = dir('chat-admin-refused-');
    const r = await runCli(['admin', 'create', name, '--data-dir', dataDir], { ADMIN_USERS: 'root' }, { input });
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
    if (existsSync(join(dataDir, 'chat.db'))) {
      const store = await storeOf(dataDir);
      expect(await store.accountByUsername('root')).toBeNull();
      await store.close();
    }
  });

  it('usage: admin without create NAME is one line and exit 2', async () => {
    for (const args of [['admin'], ['admin', 'create'], ['admin', 'delete', 'root'], ['admin', 'create', '--reset']]) {
      const r = await runCli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^usage: chat-server admin create NAME/);
    }
  });

  it('an existing account is left alone without --reset; --reset sets the password, makes it admin and ends all its sessions and tokens', async () => {
    const dataDir = dir('chat-admin-reset-');
    const seeded = await storeOf(dataDir);
    const stranger = (await seeded.createAccount('root', await hashPassword('strangers password', { logN: 4, r: 8, p: 1 })))!;
    const session = await seeded.issueToken(stranger.id, 'session');
    const bot = await seeded.issueToken(stranger.id, 'bearer', { name: 'bot' });
    await seeded.close();

    const refused = await runCli(['admin', 'create', 'root', '--data-dir', dataDir], { ADMIN_USERS: 'root' }, { input: `${ADMIN_PASSWORD}\n` });
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(/root exists.*--reset/);
    let store = await storeOf(dataDir);
    expect((await store.accountByUsername('root'))!.operatorAdmin).toBe(false);
    expect(await store.identityByToken(session.token)).not.toBeNull();
    await store.close();

    const reset = await runCli(['admin', 'create', 'root', '--reset', '--data-dir', dataDir], { ADMIN_USERS: 'root' }, { input: `${ADMIN_PASSWORD}\n` });
    expect(reset.code, reset.stderr).toBe(0);
    expect(reset.stdout).toMatch(/root.*2 sessions and tokens ended/);
    store = await storeOf(dataDir);
    const account = (await store.accountByUsername('root'))!;
    expect(account.user.id).toBe(stranger.id);
    expect(account.operatorAdmin).toBe(true);
    expect(await verifyPassword(ADMIN_PASSWORD, account.passwordHash)).toBe(true);
    expect(await store.identityByToken(session.token)).toBeNull();
    expect(await store.identityByToken(bot.token)).toBeNull();
    await store.close();
  });

  it('warns when the name is not in ADMIN_USERS (the account has no rights until it is)', async () => {
    const dataDir = dir('chat-admin-unlisted-');
    const r = await runCli(['admin', 'create', 'ops', '--data-dir', dataDir], {}, { input: `${ADMIN_PASSWORD}\n` });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/ops is not in ADMIN_USERS/);
  });

  it.skipIf(!postgres)('works with DATABASE_URL', async () => {
    const { url, drop } = await createSchema();
    try {
      const r = await runCli(['admin', 'create', 'root'], { ADMIN_USERS: 'root', DATABASE_URL: url }, { input: `${ADMIN_PASSWORD}\n` });
      expect(r.code, r.stderr).toBe(0);
      const store = await new PgStore({ connectionString: url }).open();
      try {
        const account = (await store.accountByUsername('root'))!;
        expect(account.operatorAdmin).toBe(true);
        expect(await verifyPassword(ADMIN_PASSWORD, account.passwordHash)).toBe(true);
      } finally {
        await store.close();
      }
    } finally {
      await drop();
    }
  });
});

describe('admin accounts at start-up', () => {
  it('warns about each listed admin that has no operator-made account, naming the command that fixes it', async () => {
    const dataDir = dir('chat-admin-warn-');
    const seeded = await storeOf(dataDir);
    await seeded.createAccount('ops', 'registered-by-someone');
    await seeded.close();
    const child = await startChild(dataDir, { env: { ADMIN_USERS: 'root,ops' }, keepAllOutput: true });
    const warnings = child
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { level: number; msg: string; admin?: string })
      .filter((l) => l.level === 40 && l.admin !== undefined);
    expect(warnings.map((w) => w.admin).sort()).toEqual(['ops', 'root']);
    expect(warnings.find((w) => w.admin === 'root')!.msg).toContain('chat-server admin create root');
    expect(warnings.find((w) => w.admin === 'ops')!.msg).toContain('chat-server admin create ops --reset');
  });

  it('ADMIN_PASSWORD_FILE creates the first listed admin at start; a second start confirms it', async () => {
    const dataDir = dir('chat-admin-file-');
    const file = join(dir('chat-admin-secret-'), 'admin-password');
    writeFileSync(file, `${ADMIN_PASSWORD}\n`, { mode: 0o600 });
    const env = { ADMIN_USERS: 'root,ops', ADMIN_PASSWORD_FILE: file };
    let child = await startChild(dataDir, { env, keepAllOutput: true });
    expect((await api(child.baseUrl, 'POST', '/api/auth/login', { body: { username: 'root', password: ADMIN_PASSWORD } })).status).toBe(200);
    // root is there now; ops (not the first) still has no account and is still warned about.
    expect(child.output()).not.toMatch(/admin create root\b/);
    expect(child.output()).toMatch(/admin create ops\b/);
    expect(child.output()).not.toContain(ADMIN_PASSWORD);
    child.child.kill('SIGTERM');
    await child.exited;
    child = await startChild(dataDir, { env, keepAllOutput: true });
    expect((await api(child.baseUrl, 'POST', '/api/auth/login', { body: { username: 'root', password: ADMIN_PASSWORD } })).status).toBe(200);
    child.child.kill('SIGTERM');
    await child.exited;
    const store = await storeOf(dataDir);
    expect((await store.accountByUsername('root'))!.operatorAdmin).toBe(true);
    await store.close();
  });

  it.each([
    ['a missing file', (f: string) => f + '.missing', /ADMIN_PASSWORD_FILE .* cannot be read \(ENOENT\)/],
    // (Tests run as root here, whom file modes do not stop: a directory stands for an unreadable file.)
    ['a directory', (f: string) => dirname(f), /ADMIN_PASSWORD_FILE .* cannot be read \(EISDIR\)/],
    ['a common password', (f: string) => (writeFileSync(f, 'password1\n'), f), /ADMIN_PASSWORD_FILE: password is too common/],
    ['an empty file', (f: string) => (writeFileSync(f, ''), f), /ADMIN_PASSWORD_FILE: password must be 8 to 1024 characters/],
  ])('refuses to start with %s: one config error line, exit 2', async (_what, prepare, message) => {
    const dataDir = dir('chat-admin-file-bad-');
    const file = join(dir('chat-admin-secret-'), 'admin-password');
    writeFileSync(file, `${ADMIN_PASSWORD}\n`, { mode: 0o600 });
    const r = await runCli([], { PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, ADMIN_USERS: 'root', ADMIN_PASSWORD_FILE: prepare(file) });
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^config error: /);
    expect(lines[0]).toMatch(message);
    expect(r.stderr).not.toContain('password1\n');
  });
});
