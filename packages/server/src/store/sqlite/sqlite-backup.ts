// `chat-server backup FILE` for the SQLite store. VACUUM INTO copies the database as of one read
// transaction, so it finishes however busy the server is (SQLite's online backup API restarts
// whenever another connection commits, and on a server storing 50 messages a second it never
// finished). The copy is written under a temporary name beside FILE and linked to FILE only once
// it is complete and on disk: FILE never holds a partial copy, and a killed backup cannot block
// the next one. The copy is 0600 (it holds every message and password hash), and nothing already
// at FILE, a symbolic link included, is followed or replaced.
import { closeSync, constants, fchmodSync, fsyncSync, linkSync, lstatSync, openSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type Database from 'better-sqlite3';

/** The temporary name of the copy `pid` is writing for `file`. */
const partialName = (file: string, pid: number): string => `${file}.partial-${pid}`;

export function backupInto(db: Database.Database, file: string): void {
  if (exists(file)) throw alreadyThere(file);
  removeLeftovers(file);
  const partial = partialName(file, process.pid);
  // A leftover under our own pid is one of a dead process that had it before us.
  rmSync(partial, { force: true });
  // O_EXCL: never through a symbolic link someone put here; 0600 whatever the umask (fchmod).
  const fd = openSync(partial, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | constants.O_NOFOLLOW, 0o600);
  try {
    fchmodSync(fd, 0o600);
  } finally {
    closeSync(fd);
  }
  try {
    // VACUUM INTO needs its target empty or missing; it fills the empty file we made, keeping its mode.
    db.prepare('VACUUM INTO ?').run(partial);
    sync(partial, constants.O_NOFOLLOW);
    publish(partial, file);
    sync(dirname(file)); // the new name, durable too
  } finally {
    for (const suffix of PARTIAL_SUFFIXES) rmSync(partial + suffix, { force: true });
  }
}

/** The copy, and the rollback journal SQLite keeps beside it while VACUUM INTO writes it. */
const PARTIAL_SUFFIXES = ['', '-journal'];

const alreadyThere = (file: string): Error => new Error(`${file} already exists`);

function exists(path: string): boolean {
  try {
    lstatSync(path); // lstat: a dangling symbolic link is something too
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/** Gives the finished copy its name, never replacing anything that appeared there meanwhile. */
function publish(partial: string, file: string): void {
  try {
    linkSync(partial, file); // fails with EEXIST rather than replace
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw alreadyThere(file);
    // A file system without hard links: check again, then rename (a race left open only there).
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw err;
    if (exists(file)) throw alreadyThere(file);
    renameSync(partial, file);
  }
}

function sync(path: string, flags = 0): void {
  const fd = openSync(path, constants.O_RDONLY | flags);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Removes what backups to the same file that were killed left behind (their process is gone). */
function removeLeftovers(file: string): void {
  const prefix = `${basename(file)}.partial-`;
  let names: string[];
  try {
    names = readdirSync(dirname(file));
  } catch {
    return; // the directory's problem shows when the copy is made
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    // `FILE.partial-PID`, or its journal `FILE.partial-PID-journal` when the kill came mid-write.
    const m = /^(\d+)(?:-journal)?$/.exec(name.slice(prefix.length));
    const pid = m ? Number(m[1]) : NaN;
    if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid || alive(pid)) continue;
    const path = join(dirname(file), name);
    try {
      if (lstatSync(path).isFile()) rmSync(path, { force: true });
    } catch {
      // Gone already, or not ours to remove: it blocks nothing, our temporary name is our own.
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH'; // EPERM: alive, someone else's
  }
}
