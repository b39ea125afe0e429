// FileSweeper (src/files/file-sweeper.ts) over a real SQLite store and upload directory: uploads
// never sent within a day lose their bytes, so do the files of a redacted message; rows go a day
// after upload, once their bytes are gone; what an interrupted upload left in tmp/ goes after an
// hour; files still wanted stay.
import { existsSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileSweeper } from '../../src/files/file-sweeper.js';
import { UploadDir } from '../../src/files/upload-dir.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { NewFile } from '../../src/store/store.js';
import { tempDir } from '../helpers.js';

const DAY = 24 * 60 * 60 * 1000;
const silent = { info: () => undefined, error: () => undefined };
const alice = { id: 'u-alice', nick: 'alice' };

let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

async function setup() {
  const data = tempDir('chat-file-sweep-');
  const store = await new SqliteStore({ dir: data }).open();
  const dir = await new UploadDir(join(data, 'files')).open();
  cleanup.push(() => rmSync(data, { recursive: true, force: true }), () => store.close());
  await store.ensureRoom('r');
  /** A file recorded and its bytes in place, uploaded `age` ms ago. */
  const file = async (id: string, age = 0): Promise<NewFile> => {
    const tmp = dir.tempPath();
    writeFileSync(tmp, `bytes of ${id}`);
    await dir.place(id, tmp);
    const f: NewFile = { id, room: 'r', userId: alice.id, name: `${id}.txt`, size: 10, type: 'text/plain', createdAt: Date.now() - age };
    await store.addFile(f);
    return f;
  };
  return { store, dir, file, sweeper: new FileSweeper({ store, dir, log: silent }) };
}

const id = (c: string): string => c.repeat(22);

describe('UploadDir', () => {
  it('holds an absolute path when given a relative one (the default DATA_DIR is ./data), as the file routes need', async () => {
    const data = tempDir('chat-relative-');
    cleanup.push(() => rmSync(data, { recursive: true, force: true }));
    const dir = await new UploadDir(relative(process.cwd(), join(data, 'files'))).open();
    expect(isAbsolute(dir.dir)).toBe(true);
    expect(dir.dir).toBe(join(data, 'files'));
  });
});

describe('FileSweeper', () => {
  it('removes the bytes of uploads never sent within a day and of redacted messages; keeps the rest', async () => {
    const { store, dir, file, sweeper } = await setup();
    await file(id('a'), 2 * DAY); // unsent, too old
    await file(id('b')); // unsent, fresh
    await file(id('c')); // sent, then redacted
    await file(id('d')); // sent
    const [redacted] = await store.appendEntries([{ room: 'r', from: alice, clientId: 'm1', text: '', files: [id('c')] }]);
    await store.appendEntries([{ room: 'r', from: alice, clientId: 'm2', text: '', files: [id('d')] }]);
    const seq = redacted && 'message' in redacted ? redacted.message.seq : 0;
    await store.appendEntries([{ action: 'redact', room: 'r', seq, by: alice, moderator: false }]);

    await sweeper.sweep();
    expect([id('a'), id('b'), id('c'), id('d')].map((f) => existsSync(dir.filePath(f)))).toEqual([false, true, false, true]);
    expect(await store.goneFiles(10)).toEqual([]);
    // The day-old row goes (its bytes are gone); the redacted one stays for the quota until its day is over.
    expect(await store.uploadedBytesSince(alice.id, 0)).toBe(30);
  });

  it('clears tmp/ of what interrupted uploads left over an hour ago, not of uploads under way', async () => {
    const { dir, sweeper } = await setup();
    const old = dir.tempPath();
    const fresh = dir.tempPath();
    writeFileSync(old, 'half an upload');
    writeFileSync(fresh, 'an upload under way');
    const hoursAgo = (Date.now() - 2 * 60 * 60 * 1000) / 1000;
    utimesSync(old, hoursAgo, hoursAgo);
    await sweeper.sweep();
    expect([existsSync(old), existsSync(fresh)]).toEqual([false, true]);
  });

  it('sweeps a last time when stopped, so a redacted file has left the disk after a clean shutdown', async () => {
    const { store, dir, file, sweeper } = await setup();
    sweeper.start();
    await file(id('e'));
    const [sent] = await store.appendEntries([{ room: 'r', from: alice, clientId: 'm1', text: '', files: [id('e')] }]);
    await store.appendEntries([{ action: 'redact', room: 'r', seq: sent && 'message' in sent ? sent.message.seq : 0, by: alice, moderator: false }]);
    expect(existsSync(dir.filePath(id('e')))).toBe(true);
    await sweeper.stop();
    expect(existsSync(dir.filePath(id('e')))).toBe(false);
  });
});
