// The SQLite store's files on disk, checked before they are served. They hold every message and
// every password hash, so the data directory is 0700 and the files 0600, whatever the umask, and
// an install made with 0644 files is narrowed at start. A chat.db that is there but empty is
// refused (SQLite would silently start a new, empty database over it: history gone, seqs starting
// again at 1), and so is one whose pages do not hold together (PRAGMA quick_check), which would
// otherwise give a server that fails every join while /healthz says 200.
import { chmodSync, closeSync, constants, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename } from 'node:path';
import type Database from 'better-sqlite3';
import type { StoreLog } from '../store.js';

/** Mode bits that let anyone but the owner in. */
const OTHERS = 0o077;
/** The sticky bit: a directory shared by several users, like /tmp. */
const STICKY = 0o1000;
/** Beside chat.db in WAL mode; SQLite creates them with the database file's mode. */
const COMPANIONS = ['-wal', '-shm'];

/** The data directory or database must not be opened; the message is one line saying what to do. */
export class DatabaseFileError extends Error {
  override name = 'DatabaseFileError';
}

/**
 * Creates the data directory 0700, or narrows an existing one to 0700 when it is the server's own:
 * it holds chat.db, or nothing yet. One that looks shared (other files but no chat.db, or sticky)
 * is left as it is with a warning: a chmod there could lock others out, and our files are 0600.
 */
export function preparePrivateDir(dir: string, database: string, log?: StoreLog): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const { mode } = statSync(dir);
  if ((mode & OTHERS) === 0) return;
  const entries = readdirSync(dir);
  const ours = (mode & STICKY) === 0 && (entries.length === 0 || entries.includes(basename(database)));
  const warn = (why: string) =>
    log?.warn({ dir, mode: (mode & 0o7777).toString(8) }, `DATA_DIR can be listed by other users (${why}); the database files in it are 0600, but give the server a directory of its own`);
  if (!ours) return warn('it looks shared, so it was left as it is');
  try {
    chmodSync(dir, 0o700);
  } catch (err) {
    warn(`chmod failed: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

/**
 * Readies the database file before SQLite opens it. A missing one is created empty and 0600
 * (SQLite writes its header as soon as the store sets WAL mode, so no chat.db of ours stays
 * empty); an empty one that was already there is refused: only a data directory without chat.db
 * is a new one. An existing one, its -wal and -shm are narrowed to 0600.
 */
export function prepareDatabaseFile(path: string, log?: StoreLog): void {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    try {
      closeSync(openSync(path, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600));
    } catch (raced) {
      if ((raced as NodeJS.ErrnoException).code !== 'EEXIST') throw raced;
    }
    return;
  }
  if (size === 0) {
    throw new DatabaseFileError(
      `${path} is empty (0 bytes) where a database was: restore it from a backup (docs/deployment.md); ` +
        'only if this data directory is meant to start afresh, delete the file',
    );
  }
  for (const file of [path, ...COMPANIONS.map((suffix) => `${path}${suffix}`)]) {
    try {
      if (statSync(file).mode & OTHERS) chmodSync(file, 0o600);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // Someone else's file the server may still use (e.g. group-writable): say so, serve anyway.
      if (code === 'EPERM') log?.warn({ file }, 'cannot make this database file private (not its owner); chmod 600 it');
      else if (code !== 'ENOENT') throw err;
    }
  }
}

/** Beside chat.db after a clean close: which file was closed, as it was then (markCleanClose). */
const CLEAN_CLOSE_SUFFIX = '.closed-cleanly';

/** What identifies the database file as the clean close left it: any write since changes it. */
function fileIdentity(path: string): string {
  const st = statSync(path, { bigint: true });
  return JSON.stringify({ ino: String(st.ino), size: String(st.size), mtimeNs: String(st.mtimeNs) });
}

/** The database's write-ahead log, which SQLite removes when the last connection closes. */
const walOf = (path: string): string => `${path}-wal`;

/**
 * After a close: when it was the last connection's (SQLite then checkpoints the WAL into chat.db
 * and removes it), notes chat.db's identity, so that the next start can skip the integrity check
 * of a file no one has touched since. A close that leaves the WAL behind (`chat-server backup`
 * while the server runs) notes nothing. Best effort: without the note the next start checks, as
 * after a crash.
 */
export function markCleanClose(path: string): void {
  if (existsSync(walOf(path))) return;
  try {
    const fd = openSync(`${path}${CLEAN_CLOSE_SUFFIX}`, 'w', 0o600);
    try {
      writeSync(fd, fileIdentity(path));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // the next start checks the file
  }
}

/**
 * True when the last close was clean and chat.db is still the file it left: same inode, size and
 * modification time, and no WAL holding later writes. The note is used up either way, so a start
 * that then crashes leaves none. A file damaged, replaced or restored since (a copy gets a new
 * modification time) is checked.
 */
export function takeCleanClose(path: string): boolean {
  const note = `${path}${CLEAN_CLOSE_SUFFIX}`;
  let noted: string;
  try {
    noted = readFileSync(note, 'utf8');
  } catch {
    return false;
  }
  rmSync(note, { force: true });
  try {
    if (statSync(walOf(path)).size > 0) return false;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return false;
  }
  try {
    return noted === fileIdentity(path);
  } catch {
    return false;
  }
}

/**
 * PRAGMA quick_check: every page of every table and index is well formed and in its tree (not
 * whether indexes match their tables, which would read it all again). It reads the whole file:
 * about a quarter of a second per 100 MB here, from the page cache (8 s at 1.8 GiB), which is why
 * a start after a clean close skips it (takeCleanClose).
 */
export function checkIntegrity(db: Database.Database, path: string): void {
  let result: string;
  try {
    result = String(db.pragma('quick_check', { simple: true }));
  } catch (err) {
    result = (err as Error).message; // e.g. "database disk image is malformed"
  }
  if (result === 'ok') return;
  // The first problem, on one line: "*** in database main ***\nTree 8 page 13: …" -> "Tree 8 page 13: …".
  const problem = result.replace(/\*\*\* in database \w+ \*\*\*/, '').replace(/\s+/g, ' ').trim().slice(0, 200);
  throw new DatabaseFileError(`${path} is damaged (quick_check: ${problem}); restore it from a backup (docs/deployment.md)`);
}
